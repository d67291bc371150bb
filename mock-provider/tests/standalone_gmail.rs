//! Issue 14, items 2, 3, 4 and 7, against the binary over HTTP: mail is
//! RFC 5322 as Python's email package and Google's own decoding samples
//! read it; `raw` and `body.data` are padded base64url; history recovers
//! right after it expired; sends take Gmail's upload path and its limits.

mod standalone;

use serde_json::{Value, json};
use standalone::{Standalone, http, python_fed, python_with};

const CONFIG: &str = "seed = 3\naccounts = [\"alice@example.com\"]\nscopes = [\"https://mail.google.com/\"]\n[gmail]\nmailbox_size = 23\n";

async fn gmail(server: &Standalone, token: &str, path: &str) -> (u16, Value) {
    let answer = http()
        .get(server.url(&format!("/gmail/v1/users/me{path}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    (
        answer.status().as_u16(),
        answer.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_message_parses_with_pythons_email_package_and_googles_base64_sample() {
    if !python_with("email.utils, base64") {
        return;
    }
    let server = Standalone::start(CONFIG);
    // Mail a test adds: a UTF-8 subject and a body with bare LFs.
    let (status, _) = server
        .admin(
            "/__admin/mailboxes/alice@example.com/messages",
            json!({"from": "Zoë <zoe@example.org>", "subject": "Grüße aus Köln", "body": "line one\nline two\n"}),
        )
        .await;
    assert_eq!(status, 200);
    // A subject too long for one line, in a script that needs encoding.
    let long = "日本語の件名".repeat(160);
    let (status, _) = server
        .admin(
            "/__admin/mailboxes/alice@example.com/messages",
            json!({"from": "\"Köln, Büro\" <buero@example.org>", "subject": long, "body": "x"}),
        )
        .await;
    assert_eq!(status, 200);
    let token = server.access_token().await;
    let input = json!({"base": server.uri, "token": token}).to_string();
    let seen = python_fed("gmail_mail_format.py", &[], &input).await;
    assert_eq!(seen["messages"], 25, "{seen}");
    for count in [
        "raw_decoded",
        "dates_parsed",
        "crlf_only",
        "body_decoded",
        "headers_ascii",
        "lines_within_998",
    ] {
        assert_eq!(seen[count], 25, "{count}: {seen}");
    }
    let subjects = seen["subjects"].as_array().expect("subjects");
    assert!(subjects.iter().any(|s| s == "Grüße aus Köln"), "{seen}");
    assert!(subjects.iter().any(|s| *s == long), "{seen}");
    let senders = seen["from_addresses"].as_array().expect("from_addresses");
    for sender in ["zoe@example.org", "buero@example.org"] {
        assert!(senders.iter().any(|s| s == sender), "{sender}: {seen}");
    }
}

#[tokio::test]
async fn raw_and_body_data_are_padded_base64url() {
    let server = Standalone::start(CONFIG);
    let token = server.access_token().await;
    let (_, listing) = gmail(&server, &token, "/messages?maxResults=23").await;
    let mut lengths = std::collections::BTreeSet::new();
    for message in listing["messages"].as_array().expect("messages") {
        let id = message["id"].as_str().expect("an id");
        let (_, raw) = gmail(&server, &token, &format!("/messages/{id}?format=raw")).await;
        let (_, full) = gmail(&server, &token, &format!("/messages/{id}")).await;
        for encoded in [&raw["raw"], &full["payload"]["body"]["data"]] {
            let text = encoded.as_str().expect("base64url text");
            assert_eq!(text.len() % 4, 0, "unpadded: {text}");
            assert!(
                !text.contains(['+', '/']),
                "not the URL-safe alphabet: {text}"
            );
            lengths.insert(text.trim_end_matches('=').len() % 4);
        }
    }
    // Enough messages that padding was really needed somewhere.
    assert!(lengths.len() > 1, "{lengths:?}");
}

#[tokio::test]
async fn gmails_sync_recipe_recovers_at_once_after_history_expires() {
    let server = Standalone::start(CONFIG);
    let token = server.access_token().await;
    let (_, profile) = gmail(&server, &token, "/profile").await;
    let stale = profile["historyId"].as_str().expect("historyId").to_owned();
    let (status, _) = server
        .admin(
            "/__admin/lifecycle",
            json!({"op": "expire_history", "account": "alice@example.com"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = gmail(&server, &token, &format!("/history?startHistoryId={stale}")).await;
    assert_eq!(status, 404, "the stored cursor expired");

    // The recipe: 404, then a full sync noting the profile's historyId
    // first, then a partial sync from it. No new mail arrives meanwhile.
    let (_, profile) = gmail(&server, &token, "/profile").await;
    let fresh = profile["historyId"].as_str().expect("historyId").to_owned();
    let (_, listing) = gmail(&server, &token, "/messages?maxResults=1").await;
    let newest = listing["messages"][0]["id"]
        .as_str()
        .expect("a message")
        .to_owned();
    let (_, message) = gmail(
        &server,
        &token,
        &format!("/messages/{newest}?format=minimal"),
    )
    .await;
    let newest_history = message["historyId"].as_str().expect("historyId").to_owned();
    for cursor in [&fresh, &newest_history] {
        let (status, history) = gmail(
            &server,
            &token,
            &format!("/history?startHistoryId={cursor}"),
        )
        .await;
        assert_eq!(status, 200, "cursor {cursor} after a full sync: {history}");
        assert!(history.get("nextPageToken").is_none(), "{history}");
    }
    let (status, _) = gmail(&server, &token, &format!("/history?startHistoryId={stale}")).await;
    assert_eq!(status, 404, "the old cursor stays expired");
}

fn mail(message_id: &str, filler: usize) -> Vec<u8> {
    format!(
        "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: upload\r\nMessage-ID: {message_id}\r\n\r\n{}\r\n",
        "x".repeat(filler)
    )
    .into_bytes()
}

async fn upload(
    server: &Standalone,
    token: &str,
    upload_type: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let answer = http()
        .post(server.url(&format!(
            "/upload/gmail/v1/users/me/messages/send?uploadType={upload_type}"
        )))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST");
    (
        answer.status().as_u16(),
        answer.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_upload_path_takes_media_and_multipart_sends_and_files_them_in_sent() {
    let server = Standalone::start(CONFIG);
    let token = server.access_token().await;
    let (status, sent) = upload(
        &server,
        &token,
        "media",
        "message/rfc822",
        mail("<media@x>", 10),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    // The mail had no Date: Gmail adds one, in RFC 5322 form.
    let id = sent["id"].as_str().unwrap();
    let (_, filed) = gmail(
        &server,
        &token,
        &format!("/messages/{id}?format=metadata&metadataHeaders=Date"),
    )
    .await;
    let date = filed["payload"]["headers"][0]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(date.ends_with(" +0000") && date.contains(", "), "{filed}");

    let boundary = "mock-boundary-42";
    let mut body = format!(
        "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{{}}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
    )
    .into_bytes();
    body.extend(mail("<multipart@x>", 10));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let (status, sent) = upload(
        &server,
        &token,
        "multipart",
        &format!("multipart/related; boundary={boundary}"),
        body,
    )
    .await;
    assert_eq!(status, 200, "{sent}");

    let delivered = server
        .get_json("/__admin/mailboxes/alice@example.com/sent")
        .await;
    assert_eq!(delivered["message_ids"]["<media@x>"], 1, "{delivered}");
    assert_eq!(delivered["message_ids"]["<multipart@x>"], 1, "{delivered}");
    let journal = server
        .get_json("/__admin/journal?endpoint=gmail_send")
        .await;
    let entries = journal["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| {
        e["request"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/upload/")
    }));

    let (status, refused) = upload(&server, &token, "media", "text/plain", mail("<t@x>", 1)).await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (400, json!(400)),
        "{refused}"
    );
    let (status, refused) = upload(
        &server,
        &token,
        "resumable",
        "message/rfc822",
        mail("<r@x>", 1),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
}

#[tokio::test]
async fn mail_too_big_for_the_json_path_goes_through_upload_and_oversize_gets_gmails_envelope() {
    let server = Standalone::start(CONFIG);
    let token = server.access_token().await;
    // 6 MiB: over the JSON path's limit, well under the upload path's.
    let big = mail("<big@x>", 6 * 1024 * 1024);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE, &big);
    let answer = http()
        .post(server.url("/gmail/v1/users/me/messages/send"))
        .bearer_auth(&token)
        .json(&json!({"raw": encoded}))
        .send()
        .await
        .expect("POST");
    assert_eq!(answer.status().as_u16(), 413);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let envelope: Value = answer.json().await.expect("JSON");
    assert_eq!(envelope["error"]["code"], 413, "{envelope}");
    assert_eq!(
        envelope["error"]["errors"][0]["domain"], "global",
        "{envelope}"
    );
    assert!(
        envelope.get("error_description").is_none(),
        "not an OAuth body: {envelope}"
    );

    let (status, sent) = upload(&server, &token, "media", "message/rfc822", big).await;
    assert_eq!(status, 200, "{sent}");

    // One byte over 35 MiB of message.
    let (status, envelope) = upload(
        &server,
        &token,
        "media",
        "message/rfc822",
        vec![b'a'; 36_700_161],
    )
    .await;
    assert_eq!(status, 413, "{envelope}");
    assert_eq!(envelope["error"]["code"], 413, "{envelope}");
}
