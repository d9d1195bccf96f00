//! `GET /api/v1/search`: full-text search over the names and descriptions of the latest
//! versions the caller may read. The store applies the sharing policy's filter inside
//! the search, so the limit counts visible objects only and nothing invisible is ever
//! read. AMBER-or-stricter results are audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dijkwacht_policy::{Action, visibility_filter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::audit_sensitive_reads;
use crate::rest::extract::{ApiQuery, ErrorBody, SignInRefusals, invalid_parameter};
use crate::rest::objects::json_text;
use crate::state::AppState;

/// Results unless the request says otherwise.
const DEFAULT_RESULTS: usize = 20;
/// The most results of one search.
const MAX_RESULTS: usize = 200;

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words that must all occur in the name or description.
    #[param(min_length = 1, example = "ransomware")]
    pub q: String,
    /// At most this many results (1-200, default 20).
    pub limit: Option<usize>,
}

/// The objects found, best match first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub count: usize,
    /// STIX 2.1 objects, as stored.
    pub objects: Vec<serde_json::Value>,
}

/// Searches what you may read.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "intelligence",
    params(SearchParams),
    responses(
        (status = 200, description = "The objects found, best match first", body = SearchResults),
        (status = 400, description = "A query parameter is missing or wrong; the details name it", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Response, JsonError> {
    if params.q.trim().is_empty() {
        return Err(invalid_parameter("q", "give at least one word to search for").into());
    }
    let limit = params.limit.unwrap_or(DEFAULT_RESULTS);
    if !(1..=MAX_RESULTS).contains(&limit) {
        return Err(invalid_parameter("limit", format!("use 1 to {MAX_RESULTS}")).into());
    }
    let found = state
        .store()
        .search(
            &params.q,
            limit,
            Some(visibility_filter(&caller.0, Action::Read)),
        )
        .await
        .map_err(|error| ApiError::internal("searching failed", &error))?;
    audit_sensitive_reads(&state, &caller, "rest-search", &found).await?;
    let mut body = format!("{{\"count\":{},\"objects\":[", found.len());
    for (position, object) in found.iter().enumerate() {
        if position > 0 {
            body.push(',');
        }
        body.push_str(&object.json);
    }
    body.push_str("]}");
    Ok(json_text(StatusCode::OK, body))
}
