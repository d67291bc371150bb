use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

/// Why an admin request was refused. Every variant names what was wrong.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AdminError {
    /// The JSON body did not parse or did not fit the schema.
    #[error("invalid admin request: field `{field}`: {message}")]
    InvalidField { field: String, message: String },
    /// A value parsed but is out of range.
    #[error("invalid value for `{field}`: {message}")]
    InvalidValue { field: String, message: String },
    /// No such fault, account, grant or message.
    #[error("no {what} `{id}`")]
    NotFound { what: &'static str, id: String },
}

impl From<crate::InvalidValue> for AdminError {
    fn from(invalid: crate::InvalidValue) -> Self {
        Self::InvalidValue {
            field: invalid.field,
            message: invalid.message,
        }
    }
}

/// The field name for errors about the whole body.
const BODY: &str = "(body)";

impl AdminError {
    /// An out-of-range value of `field`.
    pub fn invalid_value(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidValue {
            field: field.into(),
            message: message.into(),
        }
    }

    /// From a `serde_path_to_error` failure: names the JSON path, or
    /// `(body)` when the body is not JSON or not an object at all.
    pub fn from_json(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = error.path().to_string();
        let inner = error.into_inner();
        Self::InvalidField {
            field: field_of(&path, &inner, ""),
            message: inner.to_string(),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<&str>) {
        match self {
            Self::InvalidField { field, .. } => {
                (StatusCode::BAD_REQUEST, "invalid_request", Some(field))
            }
            Self::InvalidValue { field, .. } => {
                (StatusCode::BAD_REQUEST, "invalid_value", Some(field))
            }
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", None),
        }
    }
}

/// The field a serde error is about, under `prefix` (e.g. `action.`).
///
/// `serde_path_to_error` says `.` for the top level, `?` where it lost
/// track, and `[0]` when the body is an array: none of them is a field, so
/// those are `(body)`, unless the message names the field (`unknown field
/// `x``, `missing field `x``).
fn field_of(path: &str, error: &serde_json::Error, prefix: &str) -> String {
    use serde_json::error::Category;
    if !matches!(error.classify(), Category::Data) {
        return BODY.to_owned();
    }
    let lost = path == "." || path.is_empty() || path.starts_with('[') || path.contains('?');
    if !lost {
        return format!("{prefix}{path}");
    }
    let message = error.to_string();
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|start| message.split_once(start))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name);
    match named {
        Some(name) => format!("{prefix}{name}"),
        None if prefix.is_empty() => BODY.to_owned(),
        None => prefix.trim_end_matches('.').to_owned(),
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        let body = json!({"error": code, "field": field, "message": self.to_string()});
        (status, axum::Json(body)).into_response()
    }
}

/// Parses a JSON body, naming the failing field on error.
///
/// A body that is not JSON at all is `(body)`, however far the parser got:
/// a schema deserializer reading `{"op":` would otherwise complain about
/// the field `op` before it reached the end of the text.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| AdminError::InvalidField {
            field: BODY.to_owned(),
            message: error.to_string(),
        })?;
    serde_path_to_error::deserialize(value).map_err(AdminError::from_json)
}

/// `{"<tag>": K, ...fields}` -> the `K` variant of an externally tagged
/// enum, naming `<prefix>FIELD` on error. Serde's internally tagged enums
/// buffer their input and lose the path; re-tagging keeps it exact.
pub(crate) fn parse_tagged<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    tag: &str,
    prefix: &str,
) -> Result<T, AdminError> {
    let invalid = |field: String, message: String| AdminError::InvalidField { field, message };
    let whole = if prefix.is_empty() {
        BODY.to_owned()
    } else {
        prefix.trim_end_matches('.').to_owned()
    };
    let serde_json::Value::Object(mut fields) = value else {
        return Err(invalid(whole, format!("expected an object with `{tag}`")));
    };
    let kind = match fields.remove(tag) {
        Some(serde_json::Value::String(kind)) => kind,
        _ => {
            return Err(invalid(
                format!("{prefix}{tag}"),
                "missing or not a string".to_owned(),
            ));
        }
    };
    let tagged = serde_json::json!({ kind.as_str(): fields });
    serde_path_to_error::deserialize(tagged).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // The path starts with the tag's value; a bare path means the tag itself.
        let field = match path.split_once('.') {
            Some((_, rest)) if !rest.is_empty() => field_of(rest, &inner, prefix),
            _ if inner.to_string().starts_with("unknown variant") => format!("{prefix}{tag}"),
            _ => field_of("?", &inner, prefix),
        };
        invalid(field, inner.to_string())
    })
}
