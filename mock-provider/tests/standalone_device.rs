//! The device authorization grant (RFC 8628) as Google runs it, against the
//! binary over HTTP: the device asks for codes, polls, hears
//! `authorization_pending` (428), `slow_down` and `access_denied` (403) and
//! `expired_token`, and gets tokens once the user (the admin API) approves.
//! Faults and the journal work as on every endpoint.

mod standalone;

use serde_json::{Value, json};
use standalone::{Standalone, post_form};

const CLIENT: &str = "tv.apps.googleusercontent.com";
const SECRET: &str = "GOCSPX-tv";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const CONFIG: &str = "seed = 11\naccounts = [\"alice@example.com\", \"bob@example.com\"]\n[client]\nid = \"tv.apps.googleusercontent.com\"\nsecret = \"GOCSPX-tv\"\n";

async fn device_code(server: &Standalone, scope: &str) -> (u16, Value) {
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    let url = discovery["device_authorization_endpoint"]
        .as_str()
        .expect("advertised");
    post_form(url, &[("client_id", CLIENT), ("scope", scope)]).await
}

async fn poll(server: &Standalone, device_code: &str) -> (u16, Value) {
    let form = [
        ("grant_type", DEVICE_GRANT),
        ("device_code", device_code),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    post_form(&server.url("/token"), &form).await
}

async fn wait(server: &Standalone, seconds: u64) {
    let (status, _) = server
        .admin("/__admin/clock", json!({"jump_ms": seconds * 1000}))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_device_polls_until_the_user_approves_then_gets_tokens_once() {
    let server = Standalone::start(CONFIG);
    let (status, codes) = device_code(&server, "openid email").await;
    assert_eq!(status, 200, "{codes}");
    let user_code = codes["user_code"].as_str().expect("a user code");
    assert!(
        user_code.len() == 9 && user_code.as_bytes()[4] == b'-',
        "{user_code}"
    );
    assert_eq!(codes["verification_url"], server.url("/device"));
    let page = standalone::http()
        .get(server.url("/device"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status().as_u16(),
        200,
        "the verification URL is served"
    );
    assert_eq!(
        (codes["expires_in"].clone(), codes["interval"].clone()),
        (json!(1800), json!(5))
    );
    let device = codes["device_code"]
        .as_str()
        .expect("a device code")
        .to_owned();

    let (status, pending) = poll(&server, &device).await;
    assert_eq!(
        (status, &pending["error"]),
        (428, &json!("authorization_pending"))
    );
    let (status, hurried) = poll(&server, &device).await;
    assert_eq!((status, &hurried["error"]), (403, &json!("slow_down")));
    // Each slow_down adds 5 s (RFC 8628 §3.5): 6 s later is too soon for
    // 10 s, and makes it 15.
    wait(&server, 6).await;
    let (status, _) = poll(&server, &device).await;
    assert_eq!(status, 403);
    wait(&server, 16).await;
    let (status, _) = poll(&server, &device).await;
    assert_eq!(status, 428);

    let (status, approved) = server
        .admin(
            &format!("/__admin/device_codes/{}/approve", user_code.to_lowercase()),
            json!({"account": "bob@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    let listed = server.get_json("/__admin/device_codes").await;
    assert_eq!(
        listed["device_codes"][0]["status"]["status"], "approved",
        "{listed}"
    );
    assert!(
        listed.to_string().find(&device).is_none(),
        "the device code is secret"
    );

    wait(&server, 20).await;
    let (status, tokens) = poll(&server, &device).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("ya29.")
    );
    assert!(tokens["refresh_token"].as_str().unwrap().starts_with("1//"));
    assert!(tokens["id_token"].is_string());
    let (status, spent) = poll(&server, &device).await;
    assert_eq!(
        (status, &spent["error"]),
        (400, &json!("invalid_grant")),
        "{spent}"
    );

    let journal = server.get_json("/__admin/journal").await;
    let entries = journal["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["endpoint"] == "device_code" && e["client_id"] == CLIENT)
    );
    let polls: Vec<u64> = entries
        .iter()
        .filter(|e| e["grant_type"] == DEVICE_GRANT)
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(polls, [428, 403, 403, 428, 200, 400]);
    let granted = entries
        .iter()
        .find(|e| e["grant_type"] == DEVICE_GRANT && e["status"] == 200);
    assert_eq!(granted.unwrap()["account"], "bob@example.com");
    let secrets = server.get_json("/__admin/secrets").await;
    assert!(
        secrets.to_string().contains(&device),
        "device codes are registered secrets"
    );
}

#[tokio::test]
async fn a_declined_or_expired_code_stops_the_polling() {
    let server = Standalone::start(CONFIG);
    let (_, denied) = device_code(&server, "profile").await;
    let user_code = denied["user_code"].as_str().unwrap();
    let (status, _) = server
        .admin(
            &format!("/__admin/device_codes/{user_code}/deny"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, answer) = poll(&server, denied["device_code"].as_str().unwrap()).await;
    assert_eq!((status, &answer["error"]), (403, &json!("access_denied")));
    let (status, again) = server
        .admin(
            &format!("/__admin/device_codes/{user_code}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 400, "a decided code cannot be approved: {again}");

    let (_, late) = device_code(&server, "email").await;
    wait(&server, 1801).await;
    let (status, answer) = poll(&server, late["device_code"].as_str().unwrap()).await;
    assert_eq!((status, &answer["error"]), (400, &json!("expired_token")));
    let (status, _) = server
        .admin(
            &format!(
                "/__admin/device_codes/{}/approve",
                late["user_code"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = server
        .admin("/__admin/device_codes/ZZZZ-ZZZZ/approve", json!({}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn only_googles_device_scopes_are_allowed_unless_configured() {
    let server = Standalone::start(CONFIG);
    let gmail = "https://www.googleapis.com/auth/gmail.readonly";
    let (status, refused) = device_code(&server, &format!("openid {gmail}")).await;
    assert_eq!(
        (status, &refused["error"]),
        (400, &json!("invalid_scope")),
        "{refused}"
    );
    assert!(
        refused["error_description"]
            .as_str()
            .unwrap()
            .contains(gmail)
    );
    let (status, unknown) = post_form(
        &server.url("/device/code"),
        &[("client_id", "nobody"), ("scope", "email")],
    )
    .await;
    assert_eq!((status, &unknown["error"]), (401, &json!("invalid_client")));

    let configured = format!("{CONFIG}[oauth]\ndevice_flow_scopes = [\"{gmail}\"]\n");
    let server = Standalone::start(&configured);
    let (status, codes) = device_code(&server, gmail).await;
    assert_eq!(status, 200, "{codes}");
}

#[tokio::test]
async fn faults_target_the_device_endpoint_and_its_polls() {
    let server = Standalone::start(CONFIG);
    for fault in [
        json!({"endpoint": "device_code", "times": 1, "action": {"kind": "server_error", "status": 503}}),
        json!({"endpoint": "token", "grant_type": DEVICE_GRANT, "times": 1, "action": {"kind": "rate_limited", "retry_after_secs": 7}}),
    ] {
        let (status, _) = server.admin("/__admin/faults", fault).await;
        assert_eq!(status, 200);
    }
    let (status, _) = device_code(&server, "email").await;
    assert_eq!(status, 503);
    let (status, codes) = device_code(&server, "email").await;
    assert_eq!(status, 200);
    let device = codes["device_code"].as_str().unwrap();
    let (status, _) = poll(&server, device).await;
    assert_eq!(status, 429);
    let (status, _) = poll(&server, device).await;
    assert_eq!(status, 428, "the faulted poll did not count");
    let faulted = server.get_json("/__admin/journal?faulted=true").await;
    assert_eq!(faulted["entries"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn approving_without_an_account_approves_as_the_first_configured_one() {
    let config = CONFIG.replace(
        "[\"alice@example.com\", \"bob@example.com\"]",
        "[\"zed@example.com\", \"amy@example.com\"]",
    );
    let server = Standalone::start(&config);
    let (_, codes) = device_code(&server, "email").await;
    let user_code = codes["user_code"].as_str().unwrap();
    let (status, approved) = server
        .admin(
            &format!("/__admin/device_codes/{user_code}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, &approved["account"]),
        (200, &json!("zed@example.com"))
    );
    let (status, tokens) = poll(&server, codes["device_code"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{tokens}");
    let journal = server
        .get_json("/__admin/journal?endpoint=token&status=200")
        .await;
    assert_eq!(journal["entries"][0]["account"], "zed@example.com");
}
