//! `GET /api/v1/objects/{id}/sightings`: what the sightings of one object add up to,
//! for the caller. Members' sensors and analysts report sightings ("we saw this"); the
//! store tallies every stored `sighting` against the object it sights, whichever path
//! stored it (this API, TAXII, an import). The same summary is served beside the object
//! itself (`GET /api/v1/objects/{id}`, as `x_dijkwacht_sightings`).
//!
//! The summary says how many, how often, since and until when, and how many distinct
//! organisations — never which ones, except the caller's own (`yours`). It counts only
//! sightings the caller may read: a count of sightings someone may not see would itself
//! tell that they exist. For indicators it adds the *effective confidence*
//! ([`dijkwacht_store::sightings::effective_confidence`]): the indicator's own
//! confidence raised by independent corroboration. The stored object is never changed;
//! it belongs to its owner.

use axum::Json;
use axum::extract::State;
use dijkwacht_policy::{Action, Caller, visibility_filter};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::StoredObject;
use dijkwacht_store::sightings::{SightingSummary, SightingSummaryQuery, effective_confidence};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::extract::{ApiPath, ErrorBody, SignInRefusals};
use crate::rest::objects::read_one;
use crate::state::AppState;

/// The name under which `GET /api/v1/objects/{id}` carries the summary: a custom
/// property in the form STIX 2.1 §11.1 asks for (`x_<source>_<name>`), so the object
/// served stays valid STIX and cannot collide with a future standard property.
pub const SUMMARY_PROPERTY: &str = "x_dijkwacht_sightings";

/// What the sightings of one object add up to, among those you may read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SightingSummaryView {
    /// How many sightings (STIX `sighting` objects, latest versions, not revoked).
    pub sightings: u64,
    /// The sum of their `count`s; a sighting without `count` counts once.
    pub total_count: u64,
    /// How many distinct organisations reported them. Anonymous sightings count too,
    /// without being named.
    pub organisations: u64,
    /// The earliest time it was seen (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// The latest time it was seen (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Your organisation's own sightings of it, when it reported any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yours: Option<YourSightings>,
    /// For indicators: their `confidence` (50 when absent) raised by each independent
    /// organisation that sighted it, `100 - (100 - c) × 0.8^organisations`, at most 95
    /// unless the indicator itself said more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_confidence: Option<u8>,
}

/// The sightings your own organisation reported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YourSightings {
    pub sightings: u64,
    pub total_count: u64,
}

fn timestamp_text(micros: Option<i64>) -> Option<String> {
    micros.map(|micros| Timestamp::from_unix_micros(micros).to_taxii_string())
}

/// The summary of the sightings of `object` (which `caller` may read) for `caller`.
pub async fn summary_for(
    state: &AppState,
    caller: &Caller,
    object: &StoredObject,
) -> Result<SightingSummaryView, ApiError> {
    let visibility = Some(visibility_filter(caller, Action::Read));
    let query = SightingSummaryQuery {
        sighting_of: object.id.clone(),
        visibility,
        reported_by: None,
    };
    let failed = |error: dijkwacht_store::StoreError| {
        ApiError::internal("adding up sightings failed", &error)
    };
    let everyone: SightingSummary = state
        .store()
        .sighting_summary(query.clone())
        .await
        .map_err(failed)?;
    let yours = match caller {
        Caller::Member(member) if everyone.sightings > 0 => {
            let own = state
                .store()
                .sighting_summary(SightingSummaryQuery {
                    reported_by: Some(member.organisation.to_string()),
                    ..query
                })
                .await
                .map_err(failed)?;
            (own.sightings > 0).then_some(YourSightings {
                sightings: own.sightings,
                total_count: own.total_count,
            })
        }
        _ => None,
    };
    let effective_confidence = (object.object_type == "indicator").then(|| {
        let stated = serde_json::from_str::<serde_json::Value>(&object.json)
            .ok()
            .and_then(|value| value["confidence"].as_u64());
        effective_confidence(stated, everyone.organisations)
    });
    Ok(SightingSummaryView {
        sightings: everyone.sightings,
        total_count: everyone.total_count,
        organisations: everyone.organisations,
        first_seen: timestamp_text(everyone.first_seen),
        last_seen: timestamp_text(everyone.last_seen),
        yours,
        effective_confidence,
    })
}

/// What the sightings of one object add up to.
#[utoipa::path(
    get,
    path = "/api/v1/objects/{id}/sightings",
    tag = "intelligence",
    params(("id" = String, Path, description = "A STIX id (`indicator--…`)")),
    responses(
        (status = 200, description = "The summary of the sightings you may read", body = SightingSummaryView),
        (status = 400, description = "The path cannot be read", body = ErrorBody),
        (status = 404, description = "No such object that you may read", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub async fn get_sighting_summary(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SightingSummaryView>, JsonError> {
    let object = read_one(&state, &caller, &id).await?;
    Ok(Json(summary_for(&state, &caller.0, &object).await?))
}
