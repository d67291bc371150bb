use crate::gmail::GmailError;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// Google's answer to a path it does not serve, or a method a path does
/// not take (e.g. `GET /token`): a 404, JSON under the Gmail API, an HTML
/// page elsewhere.
pub(crate) async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/gmail/") {
        return GmailError::not_found().into_response();
    }
    let page = "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title>\
                <p><b>404.</b> <ins>That’s an error.</ins><p>The requested URL was not found on this server. \
                <ins>That’s all we know.</ins></html>\n";
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        page,
    )
        .into_response()
}
