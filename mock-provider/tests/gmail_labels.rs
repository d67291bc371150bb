//! Label changes (a user reading, starring or archiving mail) show up in
//! Gmail's history as `labelsAdded` / `labelsRemoved`, as at Google.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod common;

use axum::body::Body;
use common::{ALICE, access_token, get, send};
use http::{Request, StatusCode};
use mock_provider::MockProvider;
use serde_json::{Value, json};

async fn history_since(provider: &MockProvider, token: &str, start: &str, extra: &str) -> Value {
    let path = format!("/gmail/v1/users/me/history?startHistoryId={start}{extra}");
    send(provider, get(&path, token)).await.json()
}

async fn current_history_id(provider: &MockProvider, token: &str) -> String {
    send(provider, get("/gmail/v1/users/me/profile", token))
        .await
        .json()["historyId"]
        .as_str()
        .expect("historyId")
        .to_owned()
}

#[tokio::test]
async fn a_relabel_is_recorded_as_labels_added_then_labels_removed_with_the_message_as_it_became() {
    let provider = MockProvider::builder().mailbox_size(3).build();
    let token = access_token(&provider, ALICE).await;
    let start = current_history_id(&provider, &token).await;
    let id = provider.mailbox(ALICE)[0].id.clone();
    provider
        .relabel_message(ALICE, &id, &["STARRED", "INBOX"], &["UNREAD"])
        .expect("known message");
    let page = history_since(&provider, &token, &start, "").await;
    let records = page["history"].as_array().expect("history");
    // INBOX was already there: only STARRED is an addition. UNREAD may or
    // may not have been on the generated message.
    let added = &records[0]["labelsAdded"][0];
    assert_eq!(added["labelIds"], json!(["STARRED"]));
    assert_eq!(added["message"]["id"], json!(id));
    let labels_now = added["message"]["labelIds"].as_array().expect("labels");
    assert!(labels_now.contains(&json!("STARRED")) && !labels_now.contains(&json!("UNREAD")));
    let message = send(
        &provider,
        get(
            &format!("/gmail/v1/users/me/messages/{id}?format=minimal"),
            &token,
        ),
    )
    .await
    .json();
    assert!(
        message["labelIds"]
            .as_array()
            .expect("labels")
            .contains(&json!("STARRED"))
    );
    assert_eq!(
        message["historyId"].as_str(),
        records.last().and_then(|r| r["id"].as_str()),
        "the message's historyId is its latest change"
    );
}

#[tokio::test]
async fn history_types_select_label_changes_and_a_no_op_records_nothing() {
    let provider = MockProvider::builder().mailbox_size(2).build();
    let token = access_token(&provider, ALICE).await;
    let start = current_history_id(&provider, &token).await;
    let id = provider.mailbox(ALICE)[0].id.clone();
    provider
        .relabel_message(ALICE, &id, &["STARRED"], &[])
        .expect("known");
    provider
        .relabel_message(ALICE, &id, &["STARRED"], &[])
        .expect("known");
    provider
        .relabel_message(ALICE, &id, &[], &["STARRED"])
        .expect("known");
    let all = history_since(&provider, &token, &start, "").await;
    assert_eq!(
        all["history"].as_array().expect("history").len(),
        2,
        "{all}"
    );
    let removed = history_since(&provider, &token, &start, "&historyTypes=labelRemoved").await;
    let removed = removed["history"].as_array().expect("history");
    assert_eq!(removed.len(), 1);
    assert_eq!(
        removed[0]["labelsRemoved"][0]["labelIds"],
        json!(["STARRED"])
    );
    assert!(removed[0].get("labelsAdded").is_none());
    assert!(
        provider
            .relabel_message(ALICE, "no-such-message", &["STARRED"], &[])
            .is_none()
    );
}

#[tokio::test]
async fn the_admin_api_relabels_and_names_an_unknown_message() {
    let provider = MockProvider::builder().mailbox_size(1).build();
    let id = provider.mailbox(ALICE)[0].id.clone();
    let relabel = |id: &str| {
        Request::post(format!("/__admin/mailboxes/{ALICE}/messages/{id}/labels"))
            .header("content-type", "application/json")
            .body(Body::from(r#"{"add":["IMPORTANT"],"remove":["INBOX"]}"#))
            .expect("request")
    };
    let answer = send(&provider, relabel(&id)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let labels = answer.json()["label_ids"].clone();
    assert!(
        labels
            .as_array()
            .expect("labels")
            .contains(&json!("IMPORTANT"))
    );
    assert!(!labels.as_array().expect("labels").contains(&json!("INBOX")));
    let missing = send(&provider, relabel("nope")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("nope"), "{}", missing.text());
}
