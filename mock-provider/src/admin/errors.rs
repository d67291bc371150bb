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
    InvalidValue {
        field: &'static str,
        message: String,
    },
    /// No such fault, account or message.
    #[error("no {what} `{id}`")]
    NotFound { what: &'static str, id: String },
}

impl AdminError {
    /// From a `serde_path_to_error` failure: names the JSON path.
    pub fn from_json(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let field = error.path().to_string();
        Self::InvalidField {
            field: if field == "." {
                "(body)".to_owned()
            } else {
                field
            },
            message: error.into_inner().to_string(),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<String>) {
        match self {
            Self::InvalidField { field, .. } => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some(field.clone()),
            ),
            Self::InvalidValue { field, .. } => (
                StatusCode::BAD_REQUEST,
                "invalid_value",
                Some((*field).to_owned()),
            ),
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", None),
        }
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
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(AdminError::from_json)
}
