//! Extractors whose refusals speak the REST API's error format. axum's own `Json`,
//! `Query` and `Path` answer a bad request in plain text; these wrap them so that a
//! malformed body, a wrong content type, a body too large or a bad query parameter is
//! answered as `{"error": {"code", "message", "details"}}` with the right status, and
//! the details name the field at fault.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::{IntoResponses, ToSchema};

use crate::error::{ApiError, JsonError};

/// The error body of every non-2xx answer of the REST API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code (`not_found`, `invalid_field`, …).
    pub code: String,
    /// A short title.
    pub message: String,
    /// What exactly was wrong (naming the field) and what to do.
    pub details: Option<String>,
}

/// The refusals of credentials, documented on every endpoint: 401 (bad credentials,
/// or none where signing in is required) and 429 (too many failed attempts).
#[derive(Debug, IntoResponses)]
pub enum SignInRefusals {
    #[response(
        status = 401,
        description = "Not signed in where that is required, or bad credentials"
    )]
    Unauthorized(ErrorBody),
    #[response(
        status = 429,
        description = "Too many failed sign-ins from this login or address; see Retry-After"
    )]
    TooManyAttempts(ErrorBody),
}

/// The refusals of a JSON body, documented on every endpoint that takes one.
#[derive(Debug, IntoResponses)]
pub enum BodyRefusals {
    #[response(status = 400, description = "The body is not JSON")]
    Malformed(ErrorBody),
    #[response(status = 413, description = "The body is larger than 1 MiB")]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "The body is not sent as application/json")]
    WrongMediaType(ErrorBody),
    #[response(
        status = 422,
        description = "A field is missing or wrong; the details name it"
    )]
    Invalid(ErrorBody),
}

/// A JSON request body; refusals in the REST error format: 400 for JSON that does not
/// parse, 415 for another content type, 413 for a body over the limit, 422 for JSON of
/// the wrong shape (naming the field).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = JsonError;

    async fn from_request(request: Request, state: &S) -> Result<ApiJson<T>, JsonError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(JsonError(body_refusal(&rejection))),
        }
    }
}

fn body_refusal(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "The body does not have the fields this request takes",
        )
        .with_description(without_axum_prefix(&error.body_text())),
        JsonRejection::JsonSyntaxError(error) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body is not JSON",
        )
        .with_description(without_axum_prefix(&error.body_text())),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_description("send the body as JSON, with the header Content-Type: application/json"),
        JsonRejection::BytesRejection(error) => ApiError::new(
            error.status(),
            if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "body_too_large"
            } else {
                "unreadable_body"
            },
            "The body cannot be read",
        )
        .with_description(error.body_text()),
        other => ApiError::bad_request(other.body_text()),
    }
}

/// axum's messages start with "Failed to deserialize the JSON body into the target
/// type: "; what follows (the field's path and the problem) is what the caller needs.
fn without_axum_prefix(text: &str) -> String {
    text.split_once("target type: ")
        .or_else(|| text.split_once("JSON body: "))
        .map_or(text, |(_, rest)| rest)
        .to_owned()
}

/// Query parameters; a bad one is a 400 naming it.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = JsonError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, JsonError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(JsonError(query_refusal(&rejection))),
        }
    }
}

fn query_refusal(rejection: &QueryRejection) -> ApiError {
    let text = rejection.body_text();
    let text = text
        .split_once("query string: ")
        .map_or(text.as_str(), |(_, rest)| rest);
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "A query parameter is not right",
    )
    .with_description(text.to_owned())
}

/// Path parameters; one that cannot be read (bad percent-encoding) is a 400.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = JsonError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, JsonError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(JsonError(path_refusal(&rejection))),
        }
    }
}

fn path_refusal(rejection: &PathRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_path",
        "A part of the path cannot be read",
    )
    .with_description(rejection.body_text())
}

/// A 422 naming the field at fault.
pub fn invalid_field(field: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "A field of the body is not right",
    )
    .with_description(format!("{field}: {problem}"))
}

/// A 409: the change conflicts with what is there.
pub fn conflict(problem: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "conflict",
        "The change conflicts with what is there",
    )
    .with_description(problem)
}

/// A 400 naming the query parameter at fault.
pub fn invalid_parameter(parameter: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "A query parameter is not right",
    )
    .with_description(format!("{parameter}: {problem}"))
}
