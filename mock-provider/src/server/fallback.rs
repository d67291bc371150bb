use super::error_shapes::{Shape, error_response, html_page};
use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;

/// Google's answer to a path it does not serve, or to a method an OAuth
/// path does not take (e.g. `GET /token`): its HTML 404 page. Under the
/// Gmail API the 404 is the API's JSON envelope; under `/__admin/` the
/// admin API's JSON error.
pub(crate) async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    match Shape::of_path(path) {
        Shape::GoogleApi => error_response(
            Shape::GoogleApi,
            StatusCode::NOT_FOUND,
            "Requested entity was not found.",
        ),
        Shape::Admin => error_response(
            Shape::Admin,
            StatusCode::NOT_FOUND,
            &format!(
                "no admin route `{} {path}` (see docs/ADMIN_API.md)",
                request.method()
            ),
        ),
        Shape::OAuth | Shape::Html => html_page(StatusCode::NOT_FOUND),
    }
}

/// A path that exists with another method: the admin API says so (405);
/// everything else answers as Google does, with its 404.
pub(crate) async fn method_not_allowed(request: Request) -> Response {
    let path = request.uri().path();
    if Shape::of_path(path) == Shape::Admin {
        return error_response(
            Shape::Admin,
            StatusCode::METHOD_NOT_ALLOWED,
            &format!(
                "method `{}` is not allowed on `{path}` (see docs/ADMIN_API.md)",
                request.method()
            ),
        );
    }
    not_found(request).await
}
