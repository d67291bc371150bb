//! Every admin value is checked against its documented range
//! (docs/ADMIN_API.md), over HTTP against the binary: out of range is a 400
//! `invalid_value` naming the field and nothing is mounted; the limits
//! themselves are accepted. Messages added over HTTP cannot inject headers.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod standalone_support;

use serde_json::{Value, json};
use standalone_support::{Http, Standalone};

const ALICE: &str = "alice@example.com";

fn provider() -> Standalone {
    Standalone::start("accounts = [\"alice@example.com\"]\n[gmail]\nmailbox_size = 1\n")
}

fn mounted(http: &Http<'_>) -> usize {
    http.get("/__admin/faults").json()["faults"]
        .as_array()
        .map_or(0, Vec::len)
}

/// Posts a fault; returns (status, field named in the error).
fn mount(http: &Http<'_>, fault: &Value) -> (u16, Option<String>, String) {
    let answer = http.post("/__admin/faults", &fault.to_string());
    let body = answer.json();
    let field = body["field"].as_str().map(str::to_owned);
    (answer.status, field, answer.text)
}

#[test]
fn the_values_the_issue_found_accepted_are_refused_naming_their_field() {
    let provider = provider();
    let http = provider.http();
    let reset = json!({"kind": "reset"});
    let cases = [
        (json!({"every": 0, "action": reset}), "every"),
        (
            json!({"action": {"kind": "delay_uniform", "min_ms": 500, "max_ms": 100}}),
            "action.max_ms",
        ),
        (
            json!({"action": {"kind": "delay_log_normal", "median_ms": 100, "sigma": 1e308}}),
            "action.sigma",
        ),
        (
            json!({"action": {"kind": "delay", "ms": u64::MAX}}),
            "action.ms",
        ),
        (
            json!({"action": {"kind": "respond", "status": 101}}),
            "action.status",
        ),
        (
            json!({"action": {"kind": "respond", "status": 200, "headers": {"Content-Length": "999"}, "body": "{}"}}),
            "action.headers.Content-Length",
        ),
        (
            json!({"action": {"kind": "server_error", "status": 418}}),
            "action.status",
        ),
    ];
    for (fault, field) in cases {
        let (status, named, text) = mount(&http, &fault);
        assert_eq!(
            (status, named.as_deref()),
            (400, Some(field)),
            "{fault}: {text}"
        );
        assert!(text.contains("invalid_value"), "{text}");
    }
    assert_eq!(mounted(&http), 0, "nothing was mounted");
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

#[test]
fn every_range_is_enforced_at_its_edges() {
    let provider = provider();
    let http = provider.http();
    let with_action = |action: Value| json!({"endpoint": "jwks", "action": action});
    // (fault just inside its range, the same just outside, the field named)
    let edges = [
        (
            json!({"times": 1, "action": {"kind": "reset"}}),
            json!({"times": 0, "action": {"kind": "reset"}}),
            "times",
        ),
        (
            json!({"probability": 1.0, "action": {"kind": "reset"}}),
            json!({"probability": 1.01, "action": {"kind": "reset"}}),
            "probability",
        ),
        (
            json!({"probability": 0.0, "action": {"kind": "reset"}}),
            json!({"probability": -0.01, "action": {"kind": "reset"}}),
            "probability",
        ),
        (
            json!({"method": "GET", "action": {"kind": "reset"}}),
            json!({"method": "GE T", "action": {"kind": "reset"}}),
            "method",
        ),
        (
            json!({"label": "a".repeat(200), "action": {"kind": "reset"}}),
            json!({"label": "a".repeat(201), "action": {"kind": "reset"}}),
            "label",
        ),
        (
            json!({"label": "tab\tok", "action": {"kind": "reset"}}),
            json!({"label": "line\nbreak", "action": {"kind": "reset"}}),
            "label",
        ),
        (
            json!({"from_unix_ms": 1, "until_unix_ms": 2, "action": {"kind": "reset"}}),
            json!({"from_unix_ms": 2, "until_unix_ms": 2, "action": {"kind": "reset"}}),
            "until_unix_ms",
        ),
        (
            json!({"until_unix_ms": 253_402_300_799_999u64, "action": {"kind": "reset"}}),
            json!({"until_unix_ms": 253_402_300_800_000u64, "action": {"kind": "reset"}}),
            "until_unix_ms",
        ),
        (
            with_action(json!({"kind": "delay", "ms": 3_600_000})),
            with_action(json!({"kind": "delay", "ms": 3_600_001})),
            "action.ms",
        ),
        (
            with_action(json!({"kind": "delay_uniform", "min_ms": 5, "max_ms": 5})),
            with_action(json!({"kind": "delay_uniform", "min_ms": 5, "max_ms": 3_600_001})),
            "action.max_ms",
        ),
        (
            with_action(json!({"kind": "delay_log_normal", "median_ms": 3_600_000, "sigma": 10.0})),
            with_action(json!({"kind": "delay_log_normal", "median_ms": 3_600_001, "sigma": 1})),
            "action.median_ms",
        ),
        (
            with_action(json!({"kind": "delay_log_normal", "median_ms": 1, "sigma": 0.0})),
            with_action(json!({"kind": "delay_log_normal", "median_ms": 1, "sigma": -0.5})),
            "action.sigma",
        ),
        (
            with_action(json!({"kind": "respond", "status": 200})),
            with_action(json!({"kind": "respond", "status": 199})),
            "action.status",
        ),
        (
            with_action(json!({"kind": "respond", "status": 599})),
            with_action(json!({"kind": "respond", "status": 600})),
            "action.status",
        ),
        (
            with_action(json!({"kind": "respond", "status": 200, "headers": {"x-ok": "1"}})),
            with_action(
                json!({"kind": "respond", "status": 200, "headers": {"transfer-encoding": "chunked"}}),
            ),
            "action.headers.transfer-encoding",
        ),
        (
            with_action(json!({"kind": "respond", "status": 200, "headers": {"retry-after": "1"}})),
            with_action(json!({"kind": "respond", "status": 200, "headers": {"x-bad": "a\r\nb"}})),
            "action.headers.x-bad",
        ),
        (
            with_action(json!({"kind": "respond", "status": 200, "headers": {"x": "y"}})),
            with_action(json!({"kind": "respond", "status": 200, "headers": {"bad name": "y"}})),
            "action.headers.bad name",
        ),
        (
            with_action(json!({"kind": "respond", "status": 200, "headers": {"x": "~ \t!"}})),
            with_action(
                json!({"kind": "respond", "status": 200, "headers": {"x-high": "a\u{ff}b"}}),
            ),
            "action.headers.x-high",
        ),
        (
            with_action(json!({"kind": "respond", "status": 200, "headers": {"server": "gfe"}})),
            with_action(json!({"kind": "respond", "status": 200, "headers": {"Date": "x"}})),
            "action.headers.Date",
        ),
        (
            with_action(json!({"kind": "respond", "status": 200, "body": "a".repeat(32 * 1024)})),
            with_action(
                json!({"kind": "respond", "status": 200, "body": "a".repeat(32 * 1024 + 1)}),
            ),
            "action.body",
        ),
        (
            with_action(json!({"kind": "server_error", "status": 500})),
            with_action(json!({"kind": "server_error", "status": 499})),
            "action.status",
        ),
        (
            with_action(json!({"kind": "html_error_page", "status": 400})),
            with_action(json!({"kind": "html_error_page", "status": 399})),
            "action.status",
        ),
        (
            with_action(json!({"kind": "rate_limited", "retry_after_secs": 86_400})),
            with_action(json!({"kind": "rate_limited", "retry_after_secs": 86_401})),
            "action.retry_after_secs",
        ),
        (
            with_action(json!({"kind": "user_rate_limit", "retry_after_secs": 0})),
            with_action(json!({"kind": "user_rate_limit", "retry_after_secs": 86_401})),
            "action.retry_after_secs",
        ),
    ];
    for (inside, outside, field) in edges {
        let (status, _, text) = mount(&http, &inside);
        assert_eq!(status, 200, "inside the range of {field}: {}", short(&text));
        let (status, named, text) = mount(&http, &outside);
        assert_eq!(
            (status, named.as_deref()),
            (400, Some(field)),
            "outside: {}",
            short(&text)
        );
    }
    for (body, field) in [
        (r#"{"offset_ms": 3153600000001}"#, "offset_ms"),
        (r#"{"offset_ms": -3153600000001}"#, "offset_ms"),
        (r#"{"jump_ms": 3153600000001}"#, "jump_ms"),
    ] {
        let answer = http.post("/__admin/clock", body);
        assert_eq!(
            (answer.status, answer.json()["field"].as_str()),
            (400, Some(field)),
            "{body}"
        );
    }
    assert_eq!(
        http.post("/__admin/clock", r#"{"offset_ms": -3153600000000}"#)
            .status,
        200
    );
}

#[test]
fn a_message_added_over_http_cannot_inject_headers() {
    let provider = provider();
    let http = provider.http();
    let path = format!("/__admin/mailboxes/{ALICE}/messages");
    for field in ["from", "to", "subject", "message_id"] {
        for evil in [
            "x\r\nBcc: eve@example.com",
            "x\nX-Injected: 1",
            "x\rY",
            "x\u{0}y",
            "x\u{85}Bcc: eve@example.com",
            "x\u{2028}Bcc: eve@example.com",
            "x\u{2029}y",
            "x\u{b}y",
        ] {
            let mut message = json!({"from": "carol@example.org", "subject": "hello"});
            message[field] = json!(evil);
            let answer = http.post(&path, &message.to_string());
            assert_eq!(answer.status, 400, "{field}={evil:?}: {}", answer.text);
            assert_eq!(answer.json()["field"], field);
        }
    }
    let answer = http.post(
        &path,
        &json!({"from": "a@b.c", "subject": "s", "labels": ["INBOX\r\nX"]}).to_string(),
    );
    assert_eq!(
        (answer.status, answer.json()["field"].as_str()),
        (400, Some("labels[0]"))
    );

    // A well-formed one is added, and its raw form has exactly its headers.
    let added = http.post(&path, &json!({"from": "carol@example.org", "subject": "Tab\tok", "body": "line one\r\nBcc: not a header"}).to_string());
    assert_eq!(added.status, 200, "{}", added.text);
    let id = added.json()["id"].as_str().expect("id").to_owned();
    let token = http.access_token(ALICE);
    let raw = http
        .client
        .get(format!(
            "{}/gmail/v1/users/me/messages/{id}?format=raw",
            provider.uri
        ))
        .bearer_auth(token)
        .send()
        .expect("answer")
        .json::<Value>()
        .expect("json");
    use base64::Engine;
    let text = raw["raw"].as_str().expect("raw");
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
        .expect("base64url");
    let mail = String::from_utf8(bytes).expect("utf-8");
    let head = mail
        .split("\r\n\r\n")
        .next()
        .unwrap_or(&mail)
        .replace("\r\n", "\n");
    let names: Vec<&str> = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, _)| n)
        .collect();
    assert!(
        !names.iter().any(|n| n.eq_ignore_ascii_case("bcc")),
        "{head}"
    );
    assert!(head.contains("Tab\tok"), "{head}");
}

#[test]
fn lifecycle_ops_on_an_unknown_account_or_grant_are_404s_as_documented() {
    let provider = provider();
    let http = provider.http();
    for op in [
        "revoke_account",
        "expire_history",
        "change_password",
        "invalidate_access_tokens",
        "require_reauthentication",
    ] {
        let answer = http.post(
            "/__admin/lifecycle",
            &json!({"op": op, "account": "nobody@example.com"}).to_string(),
        );
        assert_eq!(answer.status, 404, "{op}: {}", answer.text);
        assert_eq!(answer.json()["error"], "not_found");
    }
    let answer = http.post(
        "/__admin/lifecycle",
        r#"{"op":"revoke_grant","grant_id":"g404"}"#,
    );
    assert_eq!(answer.status, 404);
    let answer = http.post(
        "/__admin/lifecycle",
        r#"{"op":"revoke_grant","grant_id":"g1"}"#,
    );
    assert_eq!(
        (answer.status, answer.json()["revoked"].as_bool()),
        (200, Some(true))
    );
    let answer = http.post(
        "/__admin/lifecycle",
        r#"{"op":"revoke_grant","grant_id":"g1"}"#,
    );
    assert_eq!(
        (answer.status, answer.json()["revoked"].as_bool()),
        (200, Some(false)),
        "known, already revoked"
    );
}

#[test]
fn a_body_that_is_not_an_object_names_the_body_and_a_bad_field_names_itself() {
    let provider = provider();
    let http = provider.http();
    for path in [
        "/__admin/faults",
        "/__admin/lifecycle",
        "/__admin/clock",
        "/__admin/mailboxes/alice@example.com/messages",
    ] {
        for body in [
            "",
            "not json",
            "[0]",
            "[]",
            "3",
            "\"x\"",
            "{",
            "null",
            // Cut off after a key: the parser meets the key before the end.
            "{\"op\":",
            "{\"from\":\"a\",",
            "{\"action\":{\"kind\":\"delay\",\"ms\":1}",
        ] {
            let answer = http.post(path, body);
            assert_eq!(answer.status, 400, "{path} {body:?}: {}", answer.text);
            assert_eq!(
                answer.json()["field"],
                "(body)",
                "{path} {body:?}: {}",
                answer.text
            );
        }
    }
    for (path, body, field) in [
        (
            "/__admin/lifecycle",
            r#"{"op":"revoke_account","acount":"x"}"#,
            "acount",
        ),
        (
            "/__admin/lifecycle",
            r#"{"op":"revoke_account"}"#,
            "account",
        ),
        (
            "/__admin/lifecycle",
            r#"{"op":"revoke_account","account":7}"#,
            "account",
        ),
        ("/__admin/lifecycle", r#"{"op":"nope"}"#, "op"),
        ("/__admin/lifecycle", r#"{"account":"x"}"#, "op"),
        (
            "/__admin/faults",
            r#"{"action":{"kind":"delay","ms":"x"}}"#,
            "action.ms",
        ),
        (
            "/__admin/faults",
            r#"{"action":{"kind":"delay"}}"#,
            "action.ms",
        ),
        ("/__admin/faults", r#"{"action":[1]}"#, "action"),
        (
            "/__admin/faults",
            r#"{"times":"x","action":{"kind":"reset"}}"#,
            "times",
        ),
        (
            "/__admin/mailboxes/alice@example.com/messages",
            r#"{"from":"a@b.c"}"#,
            "subject",
        ),
    ] {
        let answer = http.post(path, body);
        assert_eq!(
            (answer.status, answer.json()["field"].as_str()),
            (400, Some(field)),
            "{path} {body}: {}",
            answer.text
        );
    }
}
