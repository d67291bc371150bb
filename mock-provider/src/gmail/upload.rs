//! The body of an upload-path send: `uploadType=media` is the message
//! itself (`Content-Type: message/rfc822`); `uploadType=multipart` is
//! `multipart/related` with the Message resource as JSON first and the
//! message second. Resumable uploads are not served.

use super::GmailError;
use axum::body::Bytes;
use http::{HeaderMap, header};

/// The message bytes of an upload, or Gmail's 400/413.
pub(crate) async fn message(
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
    limit: usize,
) -> Result<Vec<u8>, GmailError> {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|_| GmailError::invalid_argument("Invalid query string."))?;
    let upload_type = params
        .iter()
        .find(|(name, _)| name == "uploadType")
        .map(|(_, value)| value.as_str());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok());
    let message = match upload_type {
        Some("media") => {
            media_type_is_message(content_type.as_ref())?;
            body.to_vec()
        }
        Some("multipart") => multipart(content_type.as_ref(), body).await?,
        Some("resumable") => {
            return Err(GmailError::invalid_argument(
                "uploadType=resumable is not served by the mock: use media or multipart",
            ));
        }
        Some(other) => {
            return Err(GmailError::invalid_argument(&format!(
                "Invalid value for uploadType: {other}"
            )));
        }
        None => {
            return Err(GmailError::invalid_argument(
                "Upload requests must include an uploadType URL parameter",
            ));
        }
    };
    if message.len() > limit {
        return Err(GmailError::payload_too_large(limit));
    }
    Ok(message)
}

/// Gmail's `mediaUpload.accept` is `message/*`.
fn media_type_is_message(content_type: Option<&mime::Mime>) -> Result<(), GmailError> {
    match content_type {
        Some(m) if m.type_() == "message" => Ok(()),
        other => Err(GmailError::invalid_argument(&format!(
            "Media type '{}' is not supported. Valid media types: [message/*]",
            other.map_or_else(String::new, |m| m.essence_str().to_owned())
        ))),
    }
}

/// The message part of a `multipart/related` upload: first the metadata
/// (a JSON object), then the message (`message/*`).
async fn multipart(content_type: Option<&mime::Mime>, body: Bytes) -> Result<Vec<u8>, GmailError> {
    let bad = || GmailError::invalid_argument("Invalid multipart request.");
    let boundary = content_type
        .filter(|m| m.type_() == mime::MULTIPART)
        .and_then(|m| m.get_param(mime::BOUNDARY))
        .map(|b| b.as_str().to_owned())
        .ok_or_else(bad)?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let metadata = parts
        .next_field()
        .await
        .map_err(|_| bad())?
        .ok_or_else(bad)?;
    let metadata = metadata.bytes().await.map_err(|_| bad())?;
    if !metadata.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&metadata)
            .map_err(|_| GmailError::invalid_argument("Invalid JSON payload received."))?;
    }
    let media = parts
        .next_field()
        .await
        .map_err(|_| bad())?
        .ok_or_else(bad)?;
    media_type_is_message(media.content_type())?;
    Ok(media.bytes().await.map_err(|_| bad())?.to_vec())
}
