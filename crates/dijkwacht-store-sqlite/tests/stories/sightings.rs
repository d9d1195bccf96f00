//! The tally of sightings: every stored `sighting` counts towards the object it sights,
//! whatever path stored it; only the latest, unrevoked version of each counts, only
//! what the caller's filter lets through, and a deleted sighting no longer counts.

use dijkwacht_policy::{CommunityId, Filter, Scope};
use dijkwacht_store::PreparedObject;
use dijkwacht_store::Store;
use dijkwacht_store::sightings::{SightingSummary, SightingSummaryQuery};
use serde_json::json;

use super::ingest_ok;
use super::objects::{indicator, indicator_id, prepared};

fn sighting_id(number: u32) -> String {
    format!("sighting--00000000-0000-4000-8000-{number:012}")
}

/// Sighting `number` of indicator 1 in version `modified`, owned by `owner` and shared
/// into `community`.
fn sighting(
    number: u32,
    modified: &str,
    count: u32,
    owner: &str,
    community: &str,
    revoked: bool,
) -> PreparedObject {
    let mut object = prepared(json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": sighting_id(number),
        "created": "2024-02-01T00:00:00.000Z",
        "modified": modified,
        "sighting_of_ref": indicator_id(1),
        "count": count,
        "first_seen": format!("2024-02-0{number}T08:00:00Z"),
        "last_seen": format!("2024-02-0{number}T09:00:00Z"),
        "revoked": revoked,
    }));
    object.handling.owner = Some(owner.to_owned());
    object.handling.scope = Some(Scope::Communities([CommunityId::new(community)].into()));
    object
}

async fn summary(
    store: &dyn Store,
    visibility: Option<Filter>,
    reported_by: Option<&str>,
) -> SightingSummary {
    store
        .sighting_summary(SightingSummaryQuery {
            sighting_of: indicator_id(1),
            visibility,
            reported_by: reported_by.map(str::to_owned),
        })
        .await
        .expect("a summary")
}

fn micros(text: &str) -> Option<i64> {
    dijkwacht_stix::Timestamp::parse(text)
        .ok()
        .map(|stamp| stamp.unix_micros())
}

pub async fn sightings_are_tallied_by_latest_version_owner_and_visibility(store: &dyn Store) {
    const V1: &str = "2024-02-01T00:00:00.000Z";
    const V2: &str = "2024-02-02T00:00:00.000Z";
    ingest_ok(store, vec![indicator(1, V1, "sluice", "")]).await;
    assert_eq!(summary(store, None, None).await, SightingSummary::default());

    ingest_ok(
        store,
        vec![
            sighting(1, V1, 3, "waterbedrijf", "water", false),
            sighting(2, V1, 2, "chemiebedrijf", "chemie", false),
        ],
    )
    .await;
    // A duplicate stores nothing, so it counts nothing; a new version replaces the old.
    ingest_ok(
        store,
        vec![
            sighting(1, V1, 3, "waterbedrijf", "water", false),
            sighting(1, V2, 5, "waterbedrijf", "water", false),
            sighting(3, V1, 7, "waterbedrijf", "water", false),
        ],
    )
    .await;
    assert_eq!(
        summary(store, None, None).await,
        SightingSummary {
            sightings: 3,
            total_count: 5 + 2 + 7,
            organisations: 2,
            first_seen: micros("2024-02-01T08:00:00Z"),
            last_seen: micros("2024-02-03T09:00:00Z"),
        }
    );
    let ours = summary(store, None, Some("waterbedrijf")).await;
    assert_eq!((ours.sightings, ours.total_count), (2, 12));

    let water_only = Filter::ScopeNamesAnyOf([CommunityId::new("water")].into());
    let seen = summary(store, Some(water_only), None).await;
    assert_eq!((seen.sightings, seen.organisations), (2, 1), "{seen:?}");
    assert_eq!(
        summary(store, Some(Filter::Nothing), None).await,
        SightingSummary::default(),
        "what the caller may not read is not counted"
    );

    // A revoked sighting no longer counts; neither does a deleted one.
    ingest_ok(
        store,
        vec![sighting(
            3,
            "2024-02-03T00:00:00.000Z",
            7,
            "waterbedrijf",
            "water",
            true,
        )],
    )
    .await;
    assert_eq!(summary(store, None, None).await.sightings, 2);
    let chemie = store
        .versions(&sighting_id(2))
        .await
        .expect("sighting 2 is stored");
    store
        .delete_versions(chemie.iter().map(|version| version.date_added).collect())
        .await
        .expect("delete");
    let left = summary(store, None, None).await;
    assert_eq!(
        (left.sightings, left.total_count, left.organisations),
        (1, 5, 1)
    );
}
