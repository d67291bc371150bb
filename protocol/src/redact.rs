//! serde's messages without the values it quotes: `invalid type: string
//! "1//0..."` might be a secret sent in the wrong field, so neither side of
//! the protocol repeats it in an error message.

/// `error`'s message with every `"..."` replaced by `"…"`.
///
/// ```
/// let error = serde_json::from_str::<u64>(r#""1//0secret""#).unwrap_err();
/// let text = oauth_chaos_protocol::without_quoted_values(&error);
/// assert!(text.contains("invalid type") && !text.contains("secret"), "{text}");
/// ```
pub fn without_quoted_values(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '"' {
            if inside {
                out.push_str("…\"");
            } else {
                out.push('"');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}
