//! One error type for every HTTP answer that is not a success, with its two renderings:
//! the TAXII 2.1 error message resource (§3.6.1) under `/taxii2/`, and a JSON object
//! elsewhere. Messages say what was wrong and what to change; internal details go to
//! the log, never to the caller.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::taxii::media::TAXII_CONTENT_TYPE;

/// The path prefix of the TAXII 2.1 interface.
pub const TAXII_PATH_PREFIX: &str = "/taxii2";

/// Whether a request path belongs to the TAXII 2.1 interface, whose errors are TAXII
/// error resources.
pub fn is_taxii_path(path: &str) -> bool {
    path.strip_prefix(TAXII_PATH_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Marks a response as rendered here, so that middleware which maps bare error
/// responses (such as axum's plain-text 413) to our format leaves it alone.
#[derive(Debug, Clone, Copy)]
pub struct RenderedError;

/// An answer that is not a success.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable, machine-readable code (`not_found`, `rate_limited`, …).
    pub code: &'static str,
    /// A short, human-readable title.
    pub title: String,
    /// What exactly was wrong and what to do.
    pub description: Option<String>,
    /// For 429 and locked logins: when to try again.
    pub retry_after: Option<Duration>,
    /// For 401: ask for credentials.
    pub challenge: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            title: title.into(),
            description: None,
            retry_after: None,
            challenge: false,
        }
    }

    pub fn with_description(mut self, description: impl Into<String>) -> ApiError {
        self.description = Some(description.into());
        self
    }

    pub fn bad_request(description: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request is malformed",
        )
        .with_description(description)
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found").with_description(what)
    }

    pub fn forbidden(description: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed")
            .with_description(description)
    }

    pub fn unauthorized(description: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication failed",
        )
        .with_description(description);
        error.challenge = true;
        error
    }

    pub fn too_many_attempts(description: impl Into<String>, wait: Duration) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many failed attempts",
        )
        .with_description(description);
        error.retry_after = Some(wait);
        error
    }

    /// A fault of the server itself; `context` is logged, the caller gets a plain
    /// message.
    pub fn internal(context: &str, error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%error, "{context}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The server cannot answer right now",
        )
        .with_description("an internal part is unavailable; try again later")
    }

    /// As TAXII's error message resource.
    pub fn into_taxii(self) -> Response {
        #[derive(Serialize)]
        struct TaxiiErrorMessage<'a> {
            title: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<&'a str>,
            error_code: &'a str,
            http_status: String,
        }
        let body = serde_json::to_string(&TaxiiErrorMessage {
            title: &self.title,
            description: self.description.as_deref(),
            error_code: self.code,
            http_status: self.status.as_u16().to_string(),
        })
        .unwrap_or_default();
        self.finish(body, TAXII_CONTENT_TYPE)
    }

    /// As `{"error": {"code", "message", "details"}}`.
    pub fn into_json(self) -> Response {
        let body = serde_json::json!({
            "error": {
                "code": self.code,
                "message": self.title,
                "details": self.description,
            }
        })
        .to_string();
        self.finish(body, "application/json")
    }

    /// In the format the request's path calls for.
    pub fn for_path(self, path: &str) -> Response {
        if is_taxii_path(path) {
            self.into_taxii()
        } else {
            self.into_json()
        }
    }

    fn finish(self, body: String, content_type: &'static str) -> Response {
        let mut response = (self.status, body).into_response();
        response.extensions_mut().insert(RenderedError);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(wait) = self.retry_after {
            let seconds = wait.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        if self.challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Dijkwacht\", Bearer realm=\"Dijkwacht\""),
            );
        }
        response
    }
}

/// An [`ApiError`] answered as TAXII's error message resource.
#[derive(Debug)]
pub struct TaxiiError(pub ApiError);

impl From<ApiError> for TaxiiError {
    fn from(error: ApiError) -> TaxiiError {
        TaxiiError(error)
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        self.0.into_taxii()
    }
}

/// An [`ApiError`] answered as JSON, for the REST API.
#[derive(Debug)]
pub struct JsonError(pub ApiError);

impl From<ApiError> for JsonError {
    fn from(error: ApiError) -> JsonError {
        JsonError(error)
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        self.0.into_json()
    }
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
    fn each_interface_gets_its_shape_with_the_status() {
        let error = || {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
            )
            .with_description("wait")
        };
        let taxii = error().for_path("/taxii2/public/");
        assert_eq!(taxii.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(taxii.headers()[header::CONTENT_TYPE], TAXII_CONTENT_TYPE);
        assert!(taxii.extensions().get::<RenderedError>().is_some());
        let json = error().for_path("/api/v1/me");
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        let mut challenged = ApiError::unauthorized("who are you?").into_json();
        assert!(
            challenged
                .headers_mut()
                .remove(header::WWW_AUTHENTICATE)
                .is_some()
        );
    }
}
