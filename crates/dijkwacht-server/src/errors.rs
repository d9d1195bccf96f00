//! One way to render an error for HTTP callers, so that every refusal — a limit, a bad
//! parameter, a missing object — looks the same to the client that receives it.
//!
//! Two audiences need two shapes. TAXII 2.1 clients (everything under `/taxii2/`) expect
//! the TAXII *error message* resource (§3.6.1) with `application/taxii+json;version=2.1`;
//! everyone else gets `{"error": {"code": "...", "message": "..."}}` as `application/json`,
//! where `code` is a stable, machine-readable word. Handlers and middleware describe the
//! error once as an [`ErrorBody`] and let the request path choose the shape.

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::taxii::media::TAXII_CONTENT_TYPE;

/// The path prefix of the TAXII 2.1 API root and discovery endpoints.
pub const TAXII_PATH_PREFIX: &str = "/taxii2";

/// Whether a request path belongs to the TAXII 2.1 interface, whose errors are TAXII
/// error resources.
pub fn is_taxii_path(path: &str) -> bool {
    path.strip_prefix(TAXII_PATH_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Marks a response as rendered by this module, so that middleware which maps bare error
/// responses (for example axum's plain-text 413) to our format leaves it alone.
#[derive(Debug, Clone, Copy)]
pub struct RenderedError;

/// An error as a client will see it, before its shape is chosen.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    pub status: StatusCode,
    /// A stable word for machines, such as `rate_limited` or `payload_too_large`.
    pub code: &'static str,
    /// A short, human-readable summary.
    pub title: String,
    /// What happened and what the caller can do about it.
    pub description: String,
}

impl ErrorBody {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        ErrorBody {
            status,
            code,
            title: title.into(),
            description: description.into(),
        }
    }

    /// The TAXII 2.1 error message resource.
    pub fn into_taxii_response(self) -> Response {
        let resource = TaxiiErrorResource {
            title: &self.title,
            description: &self.description,
            error_code: self.code,
            http_status: self.status.as_u16().to_string(),
        };
        render(self.status, TAXII_CONTENT_TYPE, &resource)
    }

    /// The JSON error of the non-TAXII interfaces.
    pub fn into_json_response(self) -> Response {
        let envelope = JsonErrorEnvelope {
            error: JsonError {
                code: self.code,
                message: &self.description,
            },
        };
        render(self.status, "application/json", &envelope)
    }

    /// The shape the path's interface expects.
    pub fn into_response_for_path(self, path: &str) -> Response {
        if is_taxii_path(path) {
            self.into_taxii_response()
        } else {
            self.into_json_response()
        }
    }
}

/// Renders an error as a TAXII error resource when `path_is_taxii`, else as our JSON
/// error. The status, code, title and description are the same in both.
pub fn error_response(
    path_is_taxii: bool,
    status: StatusCode,
    code: &'static str,
    title: &str,
    description: &str,
) -> Response {
    let body = ErrorBody::new(status, code, title, description);
    if path_is_taxii {
        body.into_taxii_response()
    } else {
        body.into_json_response()
    }
}

/// A TAXII 2.1 error message resource; TAXII handlers return this for every refusal.
pub fn taxii_error_response(
    status: StatusCode,
    code: &'static str,
    title: &str,
    description: &str,
) -> Response {
    error_response(true, status, code, title, description)
}

/// TAXII 2.1 §3.6.1: `http_status` is a string.
#[derive(Debug, Serialize)]
struct TaxiiErrorResource<'a> {
    title: &'a str,
    description: &'a str,
    error_code: &'a str,
    http_status: String,
}

#[derive(Debug, Serialize)]
struct JsonErrorEnvelope<'a> {
    error: JsonError<'a>,
}

#[derive(Debug, Serialize)]
struct JsonError<'a> {
    code: &'a str,
    message: &'a str,
}

fn render(status: StatusCode, content_type: &'static str, body: &impl Serialize) -> Response {
    // Serialising a struct of strings cannot fail; should it ever, the client still gets
    // the status and an empty JSON object rather than a panic.
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.extensions_mut().insert(RenderedError);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxii_paths_are_the_prefix_and_below() {
        for path in ["/taxii2", "/taxii2/", "/taxii2/api/collections/"] {
            assert!(is_taxii_path(path), "{path}");
        }
        for path in ["/", "/taxii", "/taxii20/", "/healthz", "/api/taxii2/"] {
            assert!(!is_taxii_path(path), "{path}");
        }
    }

    #[test]
    fn the_taxii_shape_carries_the_status_as_a_string() {
        let response = error_response(
            true,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
            "wait",
        );
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[CONTENT_TYPE], TAXII_CONTENT_TYPE);
        assert!(response.extensions().get::<RenderedError>().is_some());
    }
}
