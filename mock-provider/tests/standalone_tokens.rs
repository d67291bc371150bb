//! Issue 14, items 5, 6, 8 and 9, against the binary over HTTP: `email` and
//! `profile` expand as Google expands them and bring an id_token; the
//! id_token lives an hour and carries `at_hash`; `/token` checks
//! `grant_type` before the client; service accounts come from the config
//! with their key inline, as a PEM file, or as Google's JSON key file.

mod standalone;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use sha2::Digest;
use standalone::{Standalone, http, post_form};
use std::process::Command;

const PRIVATE_KEY: &str = include_str!("keys/service_account.pem");
const PUBLIC_KEY: &str = include_str!("keys/service_account.pub.pem");
const CLIENT: &str = "cli.apps.googleusercontent.com";
const SECRET: &str = "GOCSPX-cli";
const REDIRECT: &str = "http://127.0.0.1:8765/callback";
const CONFIG: &str = "seed = 5\naccounts = [\"alice.smith@example.com\"]\n[client]\nid = \"cli.apps.googleusercontent.com\"\nsecret = \"GOCSPX-cli\"\n[oauth]\nredirect_uris = [\"http://127.0.0.1:8765/callback\"]\n";

/// Plays the browser: the authorization redirect's code for `scope`.
async fn authorization_code(server: &Standalone, scope: &str) -> String {
    let url = url::Url::parse_with_params(
        &server.url("/o/oauth2/v2/auth"),
        [
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
        ],
    )
    .expect("a URL");
    let answer = http().get(url).send().await.expect("GET");
    assert_eq!(answer.status().as_u16(), 302);
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let (_, code) = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("a code");
    code.into_owned()
}

#[tokio::test]
async fn email_and_profile_expand_to_the_userinfo_scopes_with_openid_and_an_hour_long_id_token() {
    let server = Standalone::start(CONFIG);
    let code = authorization_code(&server, "email profile").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    let (status, tokens) = post_form(&server.url("/token"), &form).await;
    assert_eq!(status, 200, "{tokens}");
    let mut scope: Vec<&str> = tokens["scope"].as_str().unwrap().split(' ').collect();
    scope.sort_unstable();
    assert_eq!(
        scope,
        [
            "https://www.googleapis.com/auth/userinfo.email",
            "https://www.googleapis.com/auth/userinfo.profile",
            "openid",
        ]
    );

    let discovery = server.get_json("/.well-known/openid-configuration").await;
    let jwks = standalone::get_json(discovery["jwks_uri"].as_str().unwrap()).await;
    let key = &jwks["keys"][0];
    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT]);
    // PyJWT's check, by the URI the server is reached at.
    validation.set_issuer(&[server.uri.as_str()]);
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    let claims = jsonwebtoken::decode::<Value>(id_token, &decoding, &validation)
        .expect("verifies with the advertised key and issuer")
        .claims;
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    let digest = sha2::Sha256::digest(tokens["access_token"].as_str().unwrap().as_bytes());
    assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));
    assert_eq!(claims["email"], "alice.smith@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Alice Smith");
}

/// What is sent, the form, and the status, error and description expected.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], u16, &'a str, &'a str);

#[tokio::test]
async fn the_token_endpoint_checks_grant_type_before_the_client() {
    let server = Standalone::start(CONFIG);
    let token_url = server.url("/token");
    let cases: &[Case] = &[
        (
            "an empty body",
            &[],
            400,
            "unsupported_grant_type",
            "Invalid grant_type: ",
        ),
        (
            "an unknown grant and no client",
            &[("grant_type", "password")],
            400,
            "unsupported_grant_type",
            "Invalid grant_type: password",
        ),
        (
            "an unknown grant and a wrong secret",
            &[
                ("grant_type", "password"),
                ("client_id", CLIENT),
                ("client_secret", "wrong"),
            ],
            400,
            "unsupported_grant_type",
            "Invalid grant_type: password",
        ),
        (
            "a refresh and no client",
            &[("grant_type", "refresh_token"), ("refresh_token", "1//x")],
            400,
            "invalid_request",
            "Could not determine client ID from request.",
        ),
        (
            "a refresh from an unknown client",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "nobody"),
                ("client_secret", "x"),
            ],
            401,
            "invalid_client",
            "The OAuth client was not found.",
        ),
        (
            "a refresh from the client without its token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
            400,
            "invalid_request",
            "Missing required parameter: refresh_token",
        ),
    ];
    for (what, form, status, error, description) in cases {
        let (got, body) = post_form(&token_url, form).await;
        assert_eq!(
            (got, &body["error"]),
            (*status, &json!(error)),
            "{what}: {body}"
        );
        assert_eq!(body["error_description"], *description, "{what}");
    }
}

fn assertion(email: &str, audience: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": email,
        "scope": "https://www.googleapis.com/auth/gmail.readonly",
        "aud": audience,
        "iat": now,
        "exp": now + 3600,
    });
    let key = EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).expect("the test key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).expect("signed")
}

#[tokio::test]
async fn service_accounts_come_from_the_config_with_the_key_inline_in_a_file_or_as_googles_json() {
    let key_json = json!({
        "type": "service_account",
        "project_id": "mock",
        "private_key_id": "k1",
        "private_key": PRIVATE_KEY,
        "client_email": "json@mock.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    })
    .to_string();
    let config = format!(
        "{CONFIG}\n[[service_accounts]]\nemail = \"inline@mock.iam.gserviceaccount.com\"\npublic_key_pem = '''\n{PUBLIC_KEY}'''\n\n[[service_accounts]]\nemail = \"file@mock.iam.gserviceaccount.com\"\npublic_key_file = \"robot.pub.pem\"\n\n[[service_accounts]]\nkey_file = \"robot-key.json\"\n"
    );
    let server = Standalone::start_with(
        &config,
        &[
            ("robot.pub.pem", PUBLIC_KEY.as_bytes()),
            ("robot-key.json", key_json.as_bytes()),
        ],
        &["--port", "0"],
    );
    let audience = server.url("/token");
    for email in [
        "inline@mock.iam.gserviceaccount.com",
        "file@mock.iam.gserviceaccount.com",
        "json@mock.iam.gserviceaccount.com",
    ] {
        let signed = assertion(email, &audience);
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", signed.as_str()),
        ];
        let (status, body) = post_form(&audience, &form).await;
        assert_eq!(status, 200, "{email}: {body}");
        assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
    }
    let stranger = assertion("stranger@mock.iam.gserviceaccount.com", &audience);
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", stranger.as_str()),
    ];
    let (status, body) = post_form(&audience, &form).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_grant")),
        "{body}"
    );
}

#[test]
fn a_service_account_without_a_usable_key_stops_the_binary_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            "[[service_accounts]]\nemail = \"sa@project.iam.gserviceaccount.com\"\n",
            "give exactly one of",
        ),
        (
            "[[service_accounts]]\nemail = \"sa@project.iam.gserviceaccount.com\"\npublic_key_pem = \"not a key\"\n",
            "not an RSA public key",
        ),
        (
            "[[service_accounts]]\nkey_file = \"missing.json\"\n",
            "missing.json",
        ),
    ] {
        let path = dir.path().join("provider.toml");
        std::fs::write(&path, text).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_mock-provider"))
            .args(["--port", "0", "--config", path.to_str().unwrap()])
            .output()
            .expect("run");
        assert!(!output.status.success(), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{text}: {stderr}");
        if !text.contains("key_file") {
            assert!(stderr.contains("service_accounts[0]"), "{stderr}");
        }
    }
}
