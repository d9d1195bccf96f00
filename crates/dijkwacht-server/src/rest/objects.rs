//! `GET /api/v1/objects/{id}`: the latest version of one STIX object, if the sharing
//! policy lets the caller read it. An object the caller may not read does not exist
//! for them (404), exactly like one that is not stored, so that a refusal tells nothing.
//! Reads of TLP:AMBER or stricter are audited.
//!
//! The object is served as stored, with properties added by the server:
//! `x_dijkwacht_sightings`, what the sightings the caller may read add up to
//! ([`crate::rest::sighting_summary`]), and, for what the fusion center's sources
//! stated, `x_dijkwacht_fusion`: how many sources, first and last seen, related objects
//! the caller may read, and an indicator's score now ([`crate::fusion_view`]). The
//! stored object itself is never changed.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dijkwacht_policy::{Action, Caller, visibility_filter};
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_store::{ObjectQuery, StoredObject, VersionSelection};

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::fusion_view::{FUSION_PROPERTY, FusionView, fusion_facts};
use crate::rest::access::audit_sensitive_reads;
use crate::rest::extract::{ApiPath, ErrorBody, SignInRefusals};
use crate::rest::sighting_summary::{SUMMARY_PROPERTY, SightingSummaryView, summary_for};
use crate::state::AppState;

/// The latest version of `id` if `caller` may read it.
pub async fn latest_visible(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Option<StoredObject>, ApiError> {
    let page = state
        .store()
        .query(ObjectQuery {
            ids: vec![id.to_owned()],
            versions: VersionSelection::Last,
            limit: 1,
            visibility: Some(visibility_filter(caller, Action::Read)),
            ..ObjectQuery::default()
        })
        .await
        .map_err(|error| ApiError::internal("querying objects failed", &error))?;
    Ok(page.objects.into_iter().next())
}

/// The latest version of `id` for the caller of a request, its read audited when it is
/// TLP:AMBER or stricter; 404 when the caller may not read it (as when it is not stored).
pub async fn read_one(
    state: &AppState,
    caller: &RequestCaller,
    id: &str,
) -> Result<StoredObject, ApiError> {
    let object = latest_visible(state, &caller.0, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no object {id} that you may read")))?;
    audit_sensitive_reads(state, caller, "rest-read", [&object]).await?;
    Ok(object)
}

/// A body that is JSON text already (stored objects are kept as canonical JSON).
pub fn json_text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// One object, its latest version.
#[utoipa::path(
    get,
    path = "/api/v1/objects/{id}",
    tag = "intelligence",
    params(("id" = String, Path, description = "A STIX id (`indicator--…`)")),
    responses(
        (status = 200, description = "The STIX 2.1 object as stored, with the summary of its sightings that you may read added as `x_dijkwacht_sightings` (see /api/v1/objects/{id}/sightings) and, for what the fusion center's sources stated, `x_dijkwacht_fusion` (sources, first and last seen, related objects you may read, an indicator's score now)", body = Object),
        (status = 400, description = "The path cannot be read", body = ErrorBody),
        (status = 404, description = "No such object that you may read", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub async fn get_object(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, JsonError> {
    let object = read_one(&state, &caller, &id).await?;
    let summary = summary_for(&state, &caller.0, &object).await?;
    let fusion = fusion_for(&state, &caller.0, &object).await?;
    Ok(json_text(
        StatusCode::OK,
        with_summary(&object.json, &summary, fusion.as_ref()),
    ))
}

/// The fusion ledger's view of `object` for `caller`, if the ledger knows it.
async fn fusion_for(
    state: &AppState,
    caller: &Caller,
    object: &StoredObject,
) -> Result<Option<FusionView>, ApiError> {
    let failed = |error: dijkwacht_store::StoreError| {
        ApiError::internal("reading the fusion ledger failed", &error)
    };
    let visibility = visibility_filter(caller, Action::Read);
    let feedback = state
        .feedback
        .get(state.alerts(), &state.scoring)
        .await
        .map_err(|error| ApiError::internal("reading feedback by source failed", &error))?;
    let mut facts = fusion_facts(
        state.store(),
        &state.scoring,
        &feedback,
        std::slice::from_ref(object),
        Some(visibility.clone()),
        Timestamp::now(),
    )
    .await
    .map_err(failed)?;
    let Some(facts) = facts.remove(&object.id) else {
        return Ok(None);
    };
    let related = &facts.provenance.related;
    let visible = if related.is_empty() {
        Vec::new()
    } else {
        state
            .store()
            .query(ObjectQuery {
                ids: related.clone(),
                versions: VersionSelection::Last,
                limit: related.len(),
                visibility: Some(visibility),
                ..ObjectQuery::default()
            })
            .await
            .map_err(failed)?
            .objects
            .into_iter()
            .map(|related| related.id)
            .collect()
    };
    Ok(Some(facts.view(visible)))
}

/// The stored JSON with the sightings summary added under [`SUMMARY_PROPERTY`] and the
/// fusion view under [`FUSION_PROPERTY`]; the stored text unchanged if it is somehow
/// not a JSON object.
fn with_summary(
    stored: &str,
    summary: &SightingSummaryView,
    fusion: Option<&FusionView>,
) -> String {
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_str(stored) else {
        return stored.to_owned();
    };
    let (Ok(summary), Ok(fusion)) = (serde_json::to_value(summary), serde_json::to_value(fusion))
    else {
        return stored.to_owned();
    };
    object.insert(SUMMARY_PROPERTY.to_owned(), summary);
    if !fusion.is_null() {
        object.insert(FUSION_PROPERTY.to_owned(), fusion);
    }
    serde_json::Value::Object(object).to_string()
}
