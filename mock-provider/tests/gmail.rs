//! The Gmail API slice: formats, pagination, history, send, auth and quota.

mod common;

use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{ALICE, READONLY, SEND, access_token, get, post_json, send};
use http::{Request, StatusCode};
use mock_provider::{GmailSettings, MockProvider, NewMessage};
use serde_json::{Value, json};
use std::time::Duration;

const NOT_FOUND_BODY: &str = r#"{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"message":"Requested entity was not found.","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}}"#;

fn provider_with(settings: GmailSettings) -> MockProvider {
    MockProvider::builder()
        .scopes([READONLY, SEND])
        .gmail(settings)
        .build()
}

fn new_message(subject: &str) -> NewMessage {
    NewMessage {
        from: "carol@example.org".into(),
        subject: subject.into(),
        body: "hello".into(),
        ..NewMessage::default()
    }
}

#[tokio::test]
async fn profile_reports_the_account_and_a_string_history_id() {
    let provider = provider_with(GmailSettings {
        mailbox_size: 7,
        ..GmailSettings::default()
    });
    let token = access_token(&provider, ALICE).await;
    let profile = send(&provider, get("/gmail/v1/users/me/profile", &token))
        .await
        .json();
    assert_eq!(profile["emailAddress"], ALICE);
    assert_eq!(profile["messagesTotal"], 7);
    assert!(
        profile["historyId"]
            .as_str()
            .expect("a string")
            .parse::<u64>()
            .is_ok()
    );
    let by_email = send(
        &provider,
        get(&format!("/gmail/v1/users/{ALICE}/profile"), &token),
    )
    .await;
    assert_eq!(by_email.status, StatusCode::OK);
}

#[tokio::test]
async fn mailboxes_are_the_same_for_the_same_seed_and_differ_across_seeds() {
    let subjects = |seed| {
        MockProvider::builder()
            .seed(seed)
            .build()
            .mailbox(ALICE)
            .into_iter()
            .map(|m| (m.id, m.subject))
            .collect::<Vec<_>>()
    };
    assert_eq!(subjects(5), subjects(5));
    assert_ne!(subjects(5), subjects(6));
    assert_eq!(subjects(5).len(), 25);
}

#[tokio::test]
async fn messages_list_pages_through_every_message_newest_first() {
    let provider = provider_with(GmailSettings {
        mailbox_size: 12,
        ..GmailSettings::default()
    });
    let token = access_token(&provider, ALICE).await;
    let mut ids = Vec::new();
    let mut page_token: Option<String> = None;
    loop {
        let mut path = "/gmail/v1/users/me/messages?maxResults=5&q=ignored".to_owned();
        if let Some(t) = &page_token {
            path.push_str(&format!("&pageToken={t}"));
        }
        let page = send(&provider, get(&path, &token)).await.json();
        assert_eq!(page["resultSizeEstimate"], 12);
        for m in page["messages"].as_array().expect("messages") {
            ids.push(m["id"].as_str().unwrap().to_owned());
            assert_eq!(m["threadId"], m["id"]);
        }
        match page["nextPageToken"].as_str() {
            Some(t) => page_token = Some(t.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = provider.mailbox(ALICE).into_iter().map(|m| m.id).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn messages_list_filters_by_label() {
    let provider = provider_with(GmailSettings::default());
    let token = access_token(&provider, ALICE).await;
    let unread = provider
        .mailbox(ALICE)
        .iter()
        .filter(|m| m.label_ids.iter().any(|l| l == "UNREAD"))
        .count();
    let page = send(
        &provider,
        get("/gmail/v1/users/me/messages?labelIds=UNREAD", &token),
    )
    .await
    .json();
    assert_eq!(page["resultSizeEstimate"], unread);
}

#[tokio::test]
async fn messages_get_answers_each_format() {
    let provider = provider_with(GmailSettings::default());
    let token = access_token(&provider, ALICE).await;
    let id = provider.mailbox(ALICE)[0].id.clone();
    let fetch = |format: &str| {
        get(
            &format!("/gmail/v1/users/me/messages/{id}?format={format}"),
            &token,
        )
    };

    let minimal = send(&provider, fetch("minimal")).await.json();
    assert!(minimal.get("payload").is_none());
    assert!(
        minimal["internalDate"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert!(minimal["historyId"].is_string());

    let metadata = send(&provider, fetch("metadata&metadataHeaders=Subject"))
        .await
        .json();
    assert_eq!(metadata["payload"]["headers"].as_array().unwrap().len(), 1);

    let full = send(
        &provider,
        get(&format!("/gmail/v1/users/me/messages/{id}"), &token),
    )
    .await
    .json();
    assert_eq!(full["payload"]["mimeType"], "text/plain");
    assert!(full["payload"]["body"]["data"].is_string());

    let raw = send(&provider, fetch("raw")).await.json();
    // Padded base64url (Discovery's `format: byte`), as Gmail sends it.
    let text = base64::engine::general_purpose::URL_SAFE
        .decode(raw["raw"].as_str().unwrap())
        .unwrap();
    assert!(String::from_utf8(text).unwrap().contains("Message-ID: "));

    let bad = send(&provider, fetch("fancy")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let missing = send(&provider, get("/gmail/v1/users/me/messages/ffff", &token)).await;
    assert_eq!(
        (missing.status, missing.text()),
        (StatusCode::NOT_FOUND, NOT_FOUND_BODY.to_owned())
    );
}

#[tokio::test]
async fn history_pages_through_added_and_deleted_messages_with_increasing_ids() {
    let provider = provider_with(GmailSettings {
        mailbox_size: 3,
        ..GmailSettings::default()
    });
    let token = access_token(&provider, ALICE).await;
    let start = send(&provider, get("/gmail/v1/users/me/profile", &token))
        .await
        .json()["historyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let added: Vec<_> = (0..5)
        .map(|n| {
            provider
                .add_message(ALICE, new_message(&format!("m{n}")))
                .unwrap()
        })
        .collect();
    assert!(provider.delete_message(ALICE, &added[0].id));

    let mut records = Vec::new();
    let mut page_token: Option<String> = None;
    let final_history_id = loop {
        let mut path = format!("/gmail/v1/users/me/history?startHistoryId={start}&maxResults=2");
        if let Some(t) = &page_token {
            path.push_str(&format!("&pageToken={t}"));
        }
        let page = send(&provider, get(&path, &token)).await.json();
        records.extend(page["history"].as_array().cloned().unwrap_or_default());
        match page["nextPageToken"].as_str() {
            Some(t) => page_token = Some(t.to_owned()),
            None => break page["historyId"].clone(),
        }
    };
    assert_eq!(records.len(), 6);
    let ids: Vec<u64> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(
        records[5]["messagesDeleted"][0]["message"]["id"],
        json!(added[0].id)
    );
    assert_eq!(final_history_id.as_str().unwrap(), ids[5].to_string());

    let only_added = send(
        &provider,
        get(
            &format!("/gmail/v1/users/me/history?startHistoryId={start}&historyTypes=messageAdded"),
            &token,
        ),
    )
    .await
    .json();
    assert_eq!(only_added["history"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn history_older_than_the_retention_window_gets_googles_exact_404() {
    let provider = provider_with(GmailSettings {
        history_retention: Duration::from_secs(3600),
        ..GmailSettings::default()
    });
    let token = access_token(&provider, ALICE).await;
    let first = provider.add_message(ALICE, new_message("old")).unwrap();
    let cursor = first.history_id;
    let path = format!("/gmail/v1/users/me/history?startHistoryId={cursor}");
    assert_eq!(
        send(&provider, get(&path, &token)).await.status,
        StatusCode::OK
    );

    provider.jump_clock(Duration::from_secs(2 * 3600));
    provider.add_message(ALICE, new_message("new")).unwrap();
    let token = access_token(&provider, ALICE).await;
    let expired = send(&provider, get(&path, &token)).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
    assert_eq!(expired.text(), NOT_FOUND_BODY);

    let missing = send(&provider, get("/gmail/v1/users/me/history", &token)).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn expire_history_forces_a_404_for_any_stored_cursor() {
    let provider = provider_with(GmailSettings::default());
    let token = access_token(&provider, ALICE).await;
    let cursor = provider.mailbox(ALICE)[0].history_id;
    assert!(provider.expire_history(ALICE));
    let answer = send(
        &provider,
        get(
            &format!("/gmail/v1/users/me/history?startHistoryId={cursor}"),
            &token,
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_empty_first_page_quirk_gives_a_token_and_no_history() {
    let provider = provider_with(GmailSettings {
        empty_first_history_page: true,
        ..GmailSettings::default()
    });
    let token = access_token(&provider, ALICE).await;
    let cursor = provider.mailbox(ALICE)[0].history_id;
    provider.add_message(ALICE, new_message("after")).unwrap();
    let first = send(
        &provider,
        get(
            &format!("/gmail/v1/users/me/history?startHistoryId={cursor}"),
            &token,
        ),
    )
    .await
    .json();
    assert!(first.get("history").is_none());
    let next = first["nextPageToken"].as_str().expect("a token");
    let second = send(
        &provider,
        get(
            &format!("/gmail/v1/users/me/history?startHistoryId={cursor}&pageToken={next}"),
            &token,
        ),
    )
    .await
    .json();
    assert_eq!(second["history"].as_array().unwrap().len(), 1);
}

fn raw_mail(message_id: &str) -> Value {
    let mail = format!(
        "From: alice@example.com\r\nTo: dave@example.net\r\nSubject: hi\r\nMessage-ID: {message_id}\r\n\r\nbody\r\n"
    );
    json!({"raw": URL_SAFE_NO_PAD.encode(mail)})
}

#[tokio::test]
async fn each_send_lands_in_sent_and_is_counted_by_message_id() {
    let provider = provider_with(GmailSettings::default());
    let token = access_token(&provider, ALICE).await;
    let path = "/gmail/v1/users/me/messages/send";
    for id in ["<one@x>", "<two@x>", "<two@x>"] {
        let answer = send(&provider, post_json(path, &token, &raw_mail(id))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(answer.json()["labelIds"], json!(["SENT"]));
    }
    let counts = provider.sent_message_ids(ALICE);
    assert_eq!(counts.get("<one@x>"), Some(&1));
    assert_eq!(counts.get("<two@x>"), Some(&2));
    let sends = provider
        .journal()
        .for_endpoint(mock_provider::Endpoint::GmailSend);
    assert_eq!(sends[0].request.message_id.as_deref(), Some("<one@x>"));
    assert_eq!(sends[0].account.as_deref(), Some(ALICE));

    let garbage = send(&provider, post_json(path, &token, &json!({"raw": "%%%"}))).await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    let no_raw = send(&provider, post_json(path, &token, &json!({}))).await;
    assert_eq!(no_raw.json()["error"]["status"], "INVALID_ARGUMENT");
}

#[tokio::test]
async fn bad_or_missing_tokens_get_googles_401_and_challenge() {
    let provider = provider_with(GmailSettings::default());
    let invalid = send(
        &provider,
        get("/gmail/v1/users/me/profile", "ya29.nonsense"),
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        invalid.headers["www-authenticate"],
        r#"Bearer realm="https://accounts.google.com/", error="invalid_token""#
    );
    let error = &invalid.json()["error"];
    assert_eq!(error["status"], "UNAUTHENTICATED");
    assert_eq!(error["errors"][0]["reason"], "authError");
    assert_eq!(error["errors"][0]["location"], "Authorization");

    let none = Request::get("/gmail/v1/users/me/profile")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&provider, none).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_in_the_query_string_is_refused_and_flagged_in_the_journal() {
    let provider = provider_with(GmailSettings::default());
    let token = access_token(&provider, ALICE).await;
    let request = Request::get(format!("/gmail/v1/users/me/profile?access_token={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&provider, request).await.status,
        StatusCode::UNAUTHORIZED
    );
    let leaks = provider.journal().url_leaks();
    assert_eq!(leaks.len(), 1);
    assert_eq!(leaks[0].request.path, "/gmail/v1/users/me/profile");
    let journal_json = serde_json::to_string(&provider.journal().entries()).unwrap();
    assert!(
        !journal_json.contains(&token),
        "the journal never holds the token"
    );
}

#[tokio::test]
async fn expired_and_revoked_tokens_get_401() {
    let provider = provider_with(GmailSettings::default());
    let token = access_token(&provider, ALICE).await;
    provider.jump_clock(Duration::from_secs(3600));
    let expired = send(&provider, get("/gmail/v1/users/me/profile", &token)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    let fresh = access_token(&provider, ALICE).await;
    provider.revoke_account(ALICE);
    assert_eq!(
        send(&provider, get("/gmail/v1/users/me/profile", &fresh))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_token_without_a_gmail_scope_gets_403_insufficient_scope() {
    let provider = MockProvider::builder().scopes(["openid", "email"]).build();
    let token = access_token(&provider, ALICE).await;
    let answer = send(&provider, get("/gmail/v1/users/me/profile", &token)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.json()["error"]["status"], "PERMISSION_DENIED");
    let challenge = answer.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#),
        "{challenge}"
    );
    assert!(challenge.contains("gmail.readonly"));

    let read_only = MockProvider::builder().scopes([READONLY]).build();
    let token = access_token(&read_only, ALICE).await;
    let answer = send(
        &read_only,
        post_json(
            "/gmail/v1/users/me/messages/send",
            &token,
            &raw_mail("<a@b>"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_users_mailbox_is_refused() {
    let provider = provider_with(GmailSettings::default());
    let token = access_token(&provider, ALICE).await;
    let answer = send(
        &provider,
        get("/gmail/v1/users/bob@example.com/profile", &token),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_per_user_quota_answers_429_resource_exhausted_until_the_next_minute() {
    // A stopped clock, so the test cannot straddle a minute boundary.
    #[derive(Debug)]
    struct Stopped;
    impl mock_provider::Clock for Stopped {
        fn now(&self) -> std::time::SystemTime {
            std::time::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
        }
    }
    let provider = MockProvider::builder()
        .clock(std::sync::Arc::new(Stopped))
        .scopes([READONLY])
        .gmail(GmailSettings {
            quota_units_per_minute: Some(12),
            ..GmailSettings::default()
        })
        .build();
    let token = access_token(&provider, ALICE).await;
    let list = "/gmail/v1/users/me/messages";
    assert_eq!(
        send(&provider, get(list, &token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&provider, get(list, &token)).await.status,
        StatusCode::OK
    );
    let third = send(&provider, get(list, &token)).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.json()["error"]["status"], "RESOURCE_EXHAUSTED");
    // Profile costs 1 unit: still fits in this minute.
    assert_eq!(
        send(&provider, get("/gmail/v1/users/me/profile", &token))
            .await
            .status,
        StatusCode::OK
    );
    provider.jump_clock(Duration::from_secs(60));
    assert_eq!(
        send(&provider, get(list, &token)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_token_narrowed_by_a_scoped_refresh_lacks_the_grants_other_scopes() {
    let provider = MockProvider::builder().scopes([READONLY, "openid"]).build();
    let refresh = provider.refresh_token(ALICE).expect("seeded");
    let secret = provider.client_secret();
    let body = serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        (
            "refresh_token",
            secrecy::ExposeSecret::expose_secret(&refresh),
        ),
        ("client_id", provider.client_id()),
        (
            "client_secret",
            secrecy::ExposeSecret::expose_secret(&secret),
        ),
        ("scope", "openid"),
    ])
    .expect("form");
    let request = Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let answer = send(&provider, request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let narrowed = answer.json()["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let profile = send(&provider, get("/gmail/v1/users/me/profile", &narrowed)).await;
    assert_eq!(profile.status, StatusCode::FORBIDDEN, "{}", profile.text());
    let full = access_token(&provider, ALICE).await;
    let profile = send(&provider, get("/gmail/v1/users/me/profile", &full)).await;
    assert_eq!(profile.status, StatusCode::OK);
}
