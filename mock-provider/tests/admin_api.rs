//! The admin HTTP API, driven over a real socket with reqwest.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod common;

use common::{ALICE, refresh_body};
use mock_provider::MockProvider;
use serde_json::{Value, json};

struct Admin {
    http: reqwest::Client,
    base: String,
}

impl Admin {
    fn new(provider: &MockProvider) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("{}/__admin", provider.uri()),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("answers");
        (
            response.status().as_u16(),
            response.json().await.expect("json"),
        )
    }

    async fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("answers");
        (
            response.status().as_u16(),
            response.json().await.expect("json"),
        )
    }

    async fn delete(&self, path: &str) -> u16 {
        let response = self
            .http
            .delete(format!("{}{path}", self.base))
            .send()
            .await
            .expect("answers");
        response.status().as_u16()
    }
}

async fn refresh(provider: &MockProvider) -> u16 {
    reqwest::Client::new()
        .post(provider.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(refresh_body(provider, ALICE))
        .send()
        .await
        .expect("answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_fault_mounted_over_http_applies_and_is_removed_by_id() {
    let provider = MockProvider::start().await;
    let admin = Admin::new(&provider);
    let (status, mounted) = admin
        .post(
            "/faults",
            r#"{"endpoint":"token","times":1,"action":{"kind":"server_error","status":503}}"#,
        )
        .await;
    assert_eq!(status, 200, "{mounted}");
    let id = mounted["id"].as_u64().expect("an id");
    assert_eq!(refresh(&provider).await, 503);
    assert_eq!(refresh(&provider).await, 200);
    let (_, listed) = admin.get("/faults").await;
    assert_eq!(listed["faults"][0]["applied"], 1);
    assert_eq!(admin.delete(&format!("/faults/{id}")).await, 200);
    assert_eq!(admin.delete(&format!("/faults/{id}")).await, 404);
    assert_eq!(provider.mounted_faults(), 0);
}

#[tokio::test]
async fn garbage_json_gets_a_typed_400_naming_the_field() {
    let provider = MockProvider::start().await;
    let admin = Admin::new(&provider);
    let (status, error) = admin
        .post(
            "/faults",
            r#"{"action":{"kind":"server_error","status":"x"}}"#,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error["field"], "action.status");
    let (status, error) = admin
        .post(
            "/faults",
            r#"{"endpoint":"token","action":{"kind":"explode"}}"#,
        )
        .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (400, Some("action.kind"))
    );
    let (status, error) = admin.post("/faults", r#"{"endpont":"token"}"#).await;
    assert_eq!(status, 400);
    assert!(
        error["message"].as_str().unwrap().contains("endpont"),
        "{error}"
    );
    let (status, error) = admin.post("/faults", "not json").await;
    assert_eq!(status, 400, "{error}");
    let (status, error) = admin
        .post("/faults", r#"{"action":{"kind":"respond","status":1000}}"#)
        .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (400, Some("action.status"))
    );
    let (status, _) = admin.post("/lifecycle", r#"{"op":"reboot_google"}"#).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn lifecycle_clock_mailbox_journal_secrets_and_accounts_round_trip() {
    let provider = MockProvider::start().await;
    let admin = Admin::new(&provider);

    let (_, accounts) = admin.get("/accounts").await;
    let seeded = accounts["accounts"][0]["refresh_token"]
        .as_str()
        .expect("token");
    assert!(seeded.starts_with("1//"));
    assert_eq!(accounts["client_id"], provider.client_id());

    let (_, before) = admin.get("/clock").await;
    let (status, after) = admin.post("/clock", r#"{"jump_ms": 3600000}"#).await;
    assert_eq!(status, 200);
    assert_eq!(after["offset_ms"], 3_600_000);
    assert!(after["now_unix_ms"].as_u64() >= before["now_unix_ms"].as_u64().map(|t| t + 3_600_000));
    let (status, _) = admin
        .post("/clock", r#"{"jump_ms": 18446744073709551615}"#)
        .await;
    assert_eq!(
        status, 200,
        "an absurd jump saturates instead of overflowing"
    );
    let (status, _) = admin
        .post(
            &format!("/mailboxes/{ALICE}/messages"),
            r#"{"from":"x@y.z","subject":"far future"}"#,
        )
        .await;
    assert_eq!(status, 200, "provider time stays formattable");
    let (status, _) = admin
        .post("/clock", r#"{"offset_ms": -9223372036854775807}"#)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        refresh(&provider).await,
        200,
        "a clock before the epoch still serves"
    );
    let (status, error) = admin.post("/clock", r#"{"jump_ms": -5}"#).await;
    assert_eq!((status, error["field"].as_str()), (400, Some("jump_ms")));
    let (_, reset) = admin.post("/clock", r#"{"offset_ms": 0}"#).await;
    assert_eq!(reset["offset_ms"], 0);

    let (status, added) = admin
        .post(
            &format!("/mailboxes/{ALICE}/messages"),
            r#"{"from":"x@y.z","subject":"via admin"}"#,
        )
        .await;
    assert_eq!(status, 200, "{added}");
    let id = added["id"].as_str().unwrap().to_owned();
    let (_, mailbox) = admin.get(&format!("/mailboxes/{ALICE}")).await;
    assert!(
        mailbox["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == json!(id))
    );
    assert_eq!(
        admin
            .delete(&format!("/mailboxes/{ALICE}/messages/{id}"))
            .await,
        200
    );
    assert!(provider.mailbox(ALICE).iter().all(|m| m.id != id));
    let (status, _) = admin.get("/mailboxes/nobody@example.com").await;
    assert_eq!(status, 404);
    let (_, sent) = admin.get(&format!("/mailboxes/{ALICE}/sent")).await;
    assert_eq!(sent["message_ids"], json!({}));

    // The grant was last used at the epoch (the skewed clock above), so back
    // in the present it has idled past the six-month limit: Google's answer.
    assert_eq!(refresh(&provider).await, 400);
    let (_, journal) = admin.get("/journal?endpoint=token&status=200").await;
    assert_eq!(journal["entries"].as_array().unwrap().len(), 1);
    assert_eq!(journal["entries"][0]["grant_type"], "refresh_token");
    let (_, journal) = admin.get("/journal?endpoint=token&status=400").await;
    assert_eq!(journal["entries"][0]["error"], "invalid_grant");
    let (status, _) = admin.get("/journal?endpoint=nowhere").await;
    assert_eq!(status, 400);

    let (_, secrets) = admin.get("/secrets").await;
    let kinds: Vec<&str> = secrets["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"access_token") && kinds.contains(&"refresh_token"));

    let (_, revoked) = admin
        .post(
            "/lifecycle",
            &json!({"op":"revoke_account","account":ALICE}).to_string(),
        )
        .await;
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(refresh(&provider).await, 400);
}

#[tokio::test]
async fn every_lifecycle_event_is_reachable_over_http() {
    let provider = MockProvider::start().await;
    let admin = Admin::new(&provider);
    assert_eq!(refresh(&provider).await, 200);
    let (status, answer) = admin
        .post(
            "/lifecycle",
            &format!(r#"{{"op":"invalidate_access_tokens","account":"{ALICE}"}}"#),
        )
        .await;
    assert_eq!((status, answer["invalidated"].as_u64()), (200, Some(1)));
    let (status, answer) = admin
        .post(
            "/lifecycle",
            &format!(r#"{{"op":"require_reauthentication","account":"{ALICE}"}}"#),
        )
        .await;
    assert_eq!((status, answer["affected"].as_u64()), (200, Some(1)));
    assert_eq!(refresh(&provider).await, 400, "invalid_rapt until consent");
    let (status, answer) = admin
        .post("/lifecycle", r#"{"op":"set_consent","consent":"deny"}"#)
        .await;
    assert_eq!((status, answer["consent"].as_str()), (200, Some("deny")));
    let (status, answer) = admin
        .post(
            "/lifecycle",
            &format!(r#"{{"op":"change_password","account":"{ALICE}"}}"#),
        )
        .await;
    assert_eq!((status, answer["revoked"].as_u64()), (200, Some(1)));
    let (status, answer) = admin
        .post("/lifecycle", r#"{"op":"revoke_grant","grant_id":"g1"}"#)
        .await;
    assert_eq!(
        (status, answer["revoked"].as_bool()),
        (200, Some(false)),
        "already dead after the password change"
    );
}

#[test]
fn the_config_file_sets_the_oauth_lifecycle() {
    let config: mock_provider::standalone::ProviderConfig = toml::from_str(
        r#"
        accounts = ["alice@example.com"]
        [oauth]
        rotation_grace_secs = 30
        refresh_token_limit = 2
        testing_mode = true
        redirect_uris = ["http://127.0.0.1:9999/cb"]
        [[extra_clients]]
        id = "second.apps.googleusercontent.com"
        secret = "GOCSPX-second"
        "#,
    )
    .expect("valid config");
    assert_eq!(config.oauth.rotation_grace_secs, Some(30));
    assert_eq!(config.oauth.refresh_token_limit, Some(2));
    assert!(config.oauth.testing_mode);
    assert_eq!(
        config.extra_clients[0].id,
        "second.apps.googleusercontent.com"
    );
    let provider = config.builder().expect("no key files").build();
    assert_eq!(provider.redirect_uri(), "http://127.0.0.1:9999/cb");
    let unknown: Result<mock_provider::standalone::ProviderConfig, _> =
        toml::from_str("[oauth]\nrotaton_grace_secs = 3\n");
    assert!(
        unknown
            .unwrap_err()
            .to_string()
            .contains("rotaton_grace_secs")
    );
}
