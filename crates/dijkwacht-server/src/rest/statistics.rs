//! `GET /api/v1/statistics`: how many objects of each type and TLP level the caller may
//! read. The store counts with the sharing policy's filter in the query, so a count
//! never includes what the caller could not see — a count of invisible objects would
//! itself leak.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use dijkwacht_policy::{Action, visibility_filter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::extract::SignInRefusals;
use crate::state::AppState;

/// Counts of the latest versions you may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Statistics {
    /// Every object you may read.
    pub total: u64,
    /// Per STIX type.
    pub by_type: BTreeMap<String, u64>,
    /// Per TLP level (clear, green, amber, amber+strict, red).
    pub by_tlp: BTreeMap<String, u64>,
    /// Per type and TLP level.
    pub rows: Vec<StatisticsRow>,
}

/// How many objects of one type have one TLP level.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsRow {
    #[serde(rename = "type")]
    pub object_type: String,
    pub tlp: String,
    pub objects: u64,
}

/// Counts per type and TLP level of what you may read.
#[utoipa::path(
    get,
    path = "/api/v1/statistics",
    tag = "intelligence",
    responses(
        (status = 200, description = "The counts", body = Statistics),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub async fn statistics(
    State(state): State<AppState>,
    caller: RequestCaller,
) -> Result<Json<Statistics>, JsonError> {
    let counts = state
        .store()
        .count_latest_by_type_and_tlp(Some(visibility_filter(&caller.0, Action::Read)))
        .await
        .map_err(|error| ApiError::internal("counting objects failed", &error))?;
    let mut statistics = Statistics {
        total: 0,
        by_type: BTreeMap::new(),
        by_tlp: BTreeMap::new(),
        rows: Vec::with_capacity(counts.len()),
    };
    for count in counts {
        let tlp = count.tlp.map_or("none", |level| level.name()).to_owned();
        statistics.total += count.objects;
        *statistics
            .by_type
            .entry(count.object_type.clone())
            .or_default() += count.objects;
        *statistics.by_tlp.entry(tlp.clone()).or_default() += count.objects;
        statistics.rows.push(StatisticsRow {
            object_type: count.object_type,
            tlp,
            objects: count.objects,
        });
    }
    Ok(Json(statistics))
}
