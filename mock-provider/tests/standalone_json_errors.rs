//! Everywhere Google answers JSON, the standalone server answers JSON:
//! wrong methods and unknown paths under `/__admin/`, `%ff` in any Gmail
//! or admin path segment, bodies cut short or too large. Only HTTP.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod standalone_support;

use standalone_support::Standalone;
use std::time::Duration;

const ALICE: &str = "alice@example.com";
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "FROB"];

/// Every admin route (with sample parameters) and the methods it takes.
const ADMIN_ROUTES: &[(&str, &[&str])] = &[
    ("/__admin/accounts", &["GET"]),
    ("/__admin/faults", &["GET", "POST"]),
    ("/__admin/faults/1", &["DELETE"]),
    ("/__admin/lifecycle", &["POST"]),
    ("/__admin/clock", &["GET", "POST"]),
    ("/__admin/mailboxes/alice@example.com", &["GET"]),
    ("/__admin/mailboxes/alice@example.com/sent", &["GET"]),
    ("/__admin/mailboxes/alice@example.com/messages", &["POST"]),
    (
        "/__admin/mailboxes/alice@example.com/messages/x",
        &["DELETE"],
    ),
    (
        "/__admin/mailboxes/alice@example.com/messages/x/labels",
        &["POST"],
    ),
    ("/__admin/journal", &["GET"]),
    ("/__admin/secrets", &["GET"]),
    ("/__admin/signing_keys", &["GET", "POST"]),
    ("/__admin/device_codes", &["GET"]),
    ("/__admin/device_codes/ABCD-EFGH/approve", &["POST"]),
    ("/__admin/device_codes/ABCD-EFGH/deny", &["POST"]),
];

fn provider() -> Standalone {
    Standalone::start("accounts = [\"alice@example.com\"]\n[gmail]\nmailbox_size = 2\n")
}

#[test]
fn every_wrong_method_on_an_admin_route_gets_a_json_405() {
    let provider = provider();
    let http = provider.http();
    let mut checked = 0;
    for (path, allowed) in ADMIN_ROUTES {
        for method in METHODS.iter().filter(|m| !allowed.contains(m)) {
            let answer = http.send(method, path, "{}");
            assert_eq!(answer.status, 405, "{method} {path}: {}", answer.text);
            assert!(
                answer.is_json(),
                "{method} {path}: {} {}",
                answer.content_type,
                answer.text
            );
            assert_eq!(answer.json()["error"], "method_not_allowed");
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} requests were checked");
}

#[test]
fn unknown_admin_paths_get_a_json_404_whatever_the_method() {
    let provider = provider();
    let http = provider.http();
    for path in [
        "/__admin",
        "/__admin/",
        "/__admin/nope",
        "/__admin/faults/1/x",
        "/__admin/mailboxes",
    ] {
        for method in METHODS {
            let answer = http.send(method, path, "");
            assert_eq!(answer.status, 404, "{method} {path}");
            assert!(answer.is_json(), "{method} {path}: {}", answer.text);
        }
    }
}

#[test]
fn a_path_segment_that_is_not_utf8_gets_json_under_gmail_and_admin() {
    let provider = provider();
    let http = provider.http();
    let token = http.access_token(ALICE);
    let gmail = [
        "/gmail/v1/users/%ff/profile",
        "/gmail/v1/users/%ff/messages",
        "/gmail/v1/users/%ff/messages/send",
        "/gmail/v1/users/%ff/messages/abc",
        "/gmail/v1/users/%ff/history",
        "/gmail/v1/users/me/messages/%ff",
        "/gmail/v1/users/me/messages/%ff%fe",
        "/gmail/v1/users/%c3%28/profile",
        "/gmail/v1/users/me/%ff",
    ];
    for path in gmail {
        for method in ["GET", "POST", "DELETE"] {
            let answer = http
                .client
                .request(
                    reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{path}", provider.uri),
                )
                .bearer_auth(&token)
                .send()
                .expect("an answer");
            let status = response_status(&answer);
            let content_type = content_type(&answer);
            let body: serde_json::Value = answer
                .json()
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON: {e}"));
            assert!(status >= 400, "{method} {path}: {status}");
            assert!(
                content_type.starts_with("application/json"),
                "{method} {path}: {content_type}"
            );
            assert_eq!(
                body["error"]["code"], status,
                "{method} {path}: the Google API envelope"
            );
        }
    }
    for path in [
        "/__admin/mailboxes/%ff",
        "/__admin/mailboxes/%ff/sent",
        "/__admin/mailboxes/%ff/messages",
        "/__admin/mailboxes/alice@example.com/messages/%ff",
        "/__admin/mailboxes/alice@example.com/messages/%ff/labels",
        "/__admin/faults/%ff",
    ] {
        for method in METHODS {
            let answer = http.send(method, path, "{}");
            assert!(answer.status >= 400, "{method} {path}");
            assert!(
                answer.is_json(),
                "{method} {path}: {} {}",
                answer.content_type,
                answer.text
            );
        }
    }
}

fn response_status(response: &reqwest::blocking::Response) -> u16 {
    response.status().as_u16()
}

fn content_type(response: &reqwest::blocking::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_body_cut_short_is_a_400_not_a_413_in_each_part_of_the_api() {
    let provider = provider();
    for (path, shape) in [
        ("/token", "oauth"),
        ("/gmail/v1/users/me/messages/send", "google"),
        ("/__admin/faults", "admin"),
    ] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999\r\n\r\n{{\"a\":"
        );
        let answer = provider.raw(request.as_bytes(), Duration::from_secs(5));
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert!(
            answer.content_type().starts_with("application/json"),
            "{path}"
        );
        let body = answer.json();
        match shape {
            "oauth" => assert_eq!(body["error"], "invalid_request"),
            "google" => assert_eq!(body["error"]["code"], 400),
            _ => assert_eq!(body["error"], "invalid_request"),
        }
    }
}

#[test]
fn an_oversize_body_is_a_json_413_in_each_part_of_the_api() {
    let provider = provider();
    let http = provider.http();
    let big = "a".repeat(70 * 1024);
    for path in ["/token", "/revoke", "/__admin/faults", "/__admin/lifecycle"] {
        let answer = http.post(path, &big);
        assert_eq!(answer.status, 413, "{path}");
        assert!(answer.is_json(), "{path}: {}", answer.text);
    }
}

#[test]
fn oauth_endpoints_answer_json_errors_and_googles_html_404_for_wrong_methods() {
    let provider = provider();
    let http = provider.http();
    for (method, path, body) in [
        ("POST", "/token", "{not a form"),
        ("POST", "/token", ""),
        ("POST", "/revoke", "token=%ff"),
        ("GET", "/tokeninfo?access_token=%ff", ""),
        ("GET", "/tokeninfo?%%%", ""),
    ] {
        let answer = http.send(method, path, body);
        assert!(answer.status >= 400, "{method} {path}");
        assert!(
            answer.is_json(),
            "{method} {path}: {} {}",
            answer.content_type,
            answer.text
        );
        assert!(
            answer.json()["error"].is_string(),
            "{method} {path}: OAuth shape"
        );
    }
    let answer = http.get("/token");
    assert_eq!(answer.status, 404);
    assert!(
        answer.content_type.starts_with("text/html"),
        "Google's 404 page"
    );
}
