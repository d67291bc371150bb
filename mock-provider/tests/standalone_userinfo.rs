//! The OpenID userinfo endpoint against the binary over HTTP: advertised in
//! discovery, Google's claims by scope, Google's 401 otherwise, journaled
//! and faultable like every endpoint.

mod standalone;

use serde_json::{Value, json};
use standalone::{Standalone, http};

const CONFIG: &str = "seed = 8\naccounts = [\"bob@example.com\"]\nscopes = [\"openid\", \"email\", \"profile\", \"https://www.googleapis.com/auth/gmail.readonly\"]\n";

async fn userinfo(server: &Standalone, token: Option<&str>) -> (u16, Option<String>, Value) {
    let discovery = server.get_json("/.well-known/openid-configuration").await;
    let url = discovery["userinfo_endpoint"]
        .as_str()
        .expect("advertised")
        .to_owned();
    let mut request = http().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = request.send().await.expect("GET");
    let challenge = answer
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        answer.status().as_u16(),
        challenge,
        answer.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn userinfo_answers_googles_claims_for_the_granted_scopes() {
    let server = Standalone::start(CONFIG);
    let token = server.access_token().await;
    let (status, _, claims) = userinfo(&server, Some(&token)).await;
    assert_eq!(status, 200, "{claims}");
    let subject = server.accounts().await["accounts"][0]["subject"].clone();
    assert_eq!(claims["sub"], subject);
    assert_eq!(claims["email"], "bob@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Bob Example");
    assert_eq!(claims["given_name"], "Bob");
    assert!(claims["picture"].as_str().unwrap().starts_with("https://"));

    // POST works too (OpenID Connect Core §5.3.1).
    let answer = http()
        .post(server.url("/v1/userinfo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);

    let journal = server.get_json("/__admin/journal?endpoint=userinfo").await;
    let entries = journal["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["account"], "bob@example.com");
}

#[tokio::test]
async fn a_token_narrowed_to_openid_gets_only_the_subject() {
    let server = Standalone::start(CONFIG);
    let tokens = server.refresh(Some("openid")).await;
    let (status, _, claims) = userinfo(&server, tokens["access_token"].as_str()).await;
    assert_eq!(status, 200);
    assert_eq!(
        claims.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["sub"]
    );
}

#[tokio::test]
async fn a_missing_unknown_or_identity_less_token_gets_googles_401() {
    let config = "seed = 8\naccounts = [\"bob@example.com\"]\nscopes = [\"https://www.googleapis.com/auth/gmail.readonly\"]\n";
    let server = Standalone::start(config);
    let gmail_only = server.access_token().await;
    for token in [None, Some("ya29.not-a-token"), Some(gmail_only.as_str())] {
        let (status, challenge, body) = userinfo(&server, token).await;
        assert_eq!(status, 401, "{token:?}");
        assert_eq!(
            body,
            json!({"error": "invalid_request", "error_description": "Invalid Credentials"})
        );
        assert!(challenge.unwrap().contains("error=\"invalid_token\""));
    }
    // A token in the URL is refused (RFC 6750 §2.3), though Google takes it.
    let answer = http()
        .get(server.url(&format!("/v1/userinfo?access_token={gmail_only}")))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 401);
    let leaks = server.get_json("/__admin/journal?url_secret=true").await;
    assert_eq!(leaks["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_fault_on_userinfo_applies_like_on_any_endpoint() {
    let server = Standalone::start(CONFIG);
    let token = server.access_token().await;
    let (status, _) = server
        .admin(
            "/__admin/faults",
            json!({"endpoint": "userinfo", "times": 1, "action": {"kind": "server_error", "status": 503}}),
        )
        .await;
    assert_eq!(status, 200);
    let (first, _, _) = userinfo(&server, Some(&token)).await;
    let (second, _, _) = userinfo(&server, Some(&token)).await;
    assert_eq!((first, second), (503, 200));
    let faulted = server
        .get_json("/__admin/journal?endpoint=userinfo&faulted=true")
        .await;
    assert_eq!(faulted["entries"].as_array().unwrap().len(), 1);
}
