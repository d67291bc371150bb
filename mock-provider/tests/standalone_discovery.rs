//! Issue 14, item 1: the standalone server advertises the URI it is reached
//! at. Every URL in both discovery documents is reachable, `iss` everywhere
//! is that URI, and a real client (Authlib) completes a whole OpenID flow
//! knowing nothing but the issuer.

mod standalone;

use serde_json::Value;
use standalone::{Standalone, http, python, python_with};

const CONFIG: &str = "seed = 14\naccounts = [\"alice@example.com\"]\n[client]\nid = \"cli.apps.googleusercontent.com\"\nsecret = \"GOCSPX-cli\"\n[oauth]\nredirect_uris = [\"http://127.0.0.1:8765/callback\"]\n";

/// The URL fields of a discovery document.
fn advertised_urls(document: &Value) -> Vec<(String, String)> {
    document
        .as_object()
        .expect("an object")
        .iter()
        .filter(|(key, _)| key.ends_with("_endpoint") || key.as_str() == "jwks_uri")
        .map(|(key, value)| (key.clone(), value.as_str().expect("a URL").to_owned()))
        .collect()
}

async fn check_discovery(server: &Standalone) {
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let document = server.get_json(path).await;
        assert_eq!(document["issuer"], server.uri, "{path}");
        let urls = advertised_urls(&document);
        assert!(urls.len() >= 6, "{path}: {urls:?}");
        for (key, url) in urls {
            assert!(url.starts_with(&server.uri), "{path}: {key} = {url}");
            // Each one is served (not the 404 an unknown path gets); a GET
            // to a POST-only endpoint is Google's 404, so use its method.
            let post = matches!(
                key.as_str(),
                "token_endpoint" | "revocation_endpoint" | "device_authorization_endpoint"
            );
            let request = if post {
                http().post(&url).form(&[("x", "y")])
            } else {
                http().get(&url)
            };
            let status = request.send().await.expect("reachable").status().as_u16();
            assert_ne!(status, 404, "{key} = {url} is not served");
        }
    }
}

#[tokio::test]
async fn discovery_names_the_socket_when_the_port_is_picked_by_the_system() {
    let server = Standalone::start(CONFIG);
    assert!(
        server.uri.starts_with("http://127.0.0.1:"),
        "{}",
        server.uri
    );
    check_discovery(&server).await;
}

#[tokio::test]
async fn discovery_names_the_socket_on_a_port_given_on_the_command_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let server = Standalone::start_with(CONFIG, &[], &["--port", &port.to_string()]);
    assert_eq!(server.uri, format!("http://127.0.0.1:{port}"));
    check_discovery(&server).await;
}

#[tokio::test]
async fn a_configured_public_uri_and_issuer_are_what_discovery_says() {
    // Top-level keys come before the tables of CONFIG.
    let server = Standalone::start(&format!(
        "public_uri = \"http://mock-google.test:8080\"\nissuer = \"https://accounts.google.com\"\n{CONFIG}"
    ));
    let document = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(document["issuer"], "https://accounts.google.com");
    assert_eq!(
        document["token_endpoint"],
        "http://mock-google.test:8080/token"
    );
    assert_eq!(
        document["userinfo_endpoint"],
        "http://mock-google.test:8080/v1/userinfo"
    );
}

#[tokio::test]
async fn authlib_completes_an_openid_flow_knowing_only_the_issuer() {
    if !python_with("authlib, requests, google.oauth2.id_token, jwt") {
        return;
    }
    let server = Standalone::start(CONFIG);
    let config = serde_json::json!({
        "issuer": server.uri,
        "client_id": "cli.apps.googleusercontent.com",
        "client_secret": "GOCSPX-cli",
        "redirect_uri": "http://127.0.0.1:8765/callback",
    });
    let seen = python("authlib_discovery_flow.py", &[&config.to_string()]).await;
    assert_eq!(seen["issuer"], server.uri, "{seen}");
    assert_eq!(seen["redirect_iss"], server.uri, "{seen}");
    assert_eq!(seen["id_token_iss"], server.uri, "{seen}");
    assert_eq!(seen["google_auth_iss"], server.uri, "{seen}");
    assert_eq!(seen["state_echoed"], true);
    assert_eq!(seen["id_token_lifetime"], 3600);
    assert_eq!(seen["id_token_email"], "alice@example.com");
    let scope = seen["token_scope"].as_str().unwrap_or_default();
    for wanted in [
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
    ] {
        assert!(scope.split(' ').any(|s| s == wanted), "{scope}");
    }
    assert_eq!(seen["userinfo"]["email"], "alice@example.com", "{seen}");
    assert_eq!(seen["userinfo"]["email_verified"], true);
    assert!(seen["userinfo"]["name"].is_string(), "{seen}");
    assert_eq!(seen["refreshed"], true);
    assert_eq!(seen["revoke_status"], 200);
    for (key, url) in seen["endpoints"].as_object().expect("endpoints") {
        assert!(
            url.as_str().unwrap_or_default().starts_with(&server.uri),
            "{key}: {url}"
        );
    }
}
