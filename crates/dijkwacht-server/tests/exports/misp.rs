//! The MISP feed as a MISP instance pulls it: `manifest.json`, then each event, then
//! `hashes.csv`, with the custom header `Authorization: Bearer dwt_…`. Each caller's
//! feed holds exactly its share, an event outside it is 404, and one pull builds (and
//! audits) the feed once.

use std::collections::{BTreeMap, BTreeSet};

use dijkwacht_export::misp::md5_hex;
use reqwest::StatusCode;
use serde_json::Value;

use super::{ALICE, Answer, Who, World, send, values};

const FEED: &str = "/api/v1/exports/misp-feed";

/// What one pull of a feed gave: event uuid → (info, attribute values).
type Pulled = BTreeMap<String, (String, BTreeSet<String>)>;

/// Pulls the whole feed as MISP does, with `fetch` making each request; checks that
/// every event the manifest names is served and that `hashes.csv` matches the events.
async fn pull(fetch: impl AsyncFn(&str) -> Answer) -> Pulled {
    let manifest = fetch(&format!("{FEED}/manifest.json")).await;
    assert_eq!(manifest.status, StatusCode::OK, "{}", manifest.body);
    assert_eq!(manifest.header("content-type"), "application/json");
    let manifest = manifest.json();
    let entries = manifest.as_object().cloned().unwrap_or_default();
    let mut pulled = Pulled::new();
    for (uuid, entry) in entries {
        let event = fetch(&format!("{FEED}/{uuid}.json")).await;
        assert_eq!(event.status, StatusCode::OK, "{uuid}: {}", event.body);
        let event = event.json();
        let event = &event["Event"];
        assert_eq!(event["uuid"], Value::from(uuid.clone()));
        assert_eq!(
            event["info"], entry["info"],
            "the manifest describes the event"
        );
        let values: BTreeSet<String> = event["Attribute"]
            .as_array()
            .map(|attributes| {
                attributes
                    .iter()
                    .filter_map(|attribute| attribute["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let info = entry["info"].as_str().unwrap_or_default().to_owned();
        pulled.insert(uuid, (info, values));
    }
    let hashes = fetch(&format!("{FEED}/hashes.csv")).await;
    assert_eq!(hashes.status, StatusCode::OK);
    assert_eq!(hashes.header("content-type"), "text/csv; charset=utf-8");
    let expected: BTreeSet<String> = pulled
        .iter()
        .flat_map(|(uuid, (_, values))| {
            values
                .iter()
                .map(move |value| format!("{},{uuid}", md5_hex(value)))
        })
        .collect();
    let lines: BTreeSet<String> = hashes.lines().into_iter().map(str::to_owned).collect();
    assert_eq!(lines, expected);
    pulled
}

fn all_values(pulled: &Pulled) -> BTreeSet<String> {
    pulled
        .values()
        .flat_map(|(_, values)| values.iter().cloned())
        .collect()
}

const REPORT_INFO: &str = "Dike sensors probed";

#[tokio::test]
async fn misp_pulls_the_feed_with_a_bearer_token() {
    let world = World::start().await;
    let token = world.token_for(ALICE).await;
    let pulled = pull(async |path: &str| send(world.get_with_token(&token, path)).await).await;

    let report_event = pulled
        .values()
        .find(|(info, _)| info == REPORT_INFO)
        .unwrap_or_else(|| panic!("no event for the report in {pulled:?}"));
    assert_eq!(
        report_event.1,
        values(&["green-water", "amber-water"]),
        "the report's event holds what it references, but not the RED indicator"
    );
    assert_eq!(
        pulled.len(),
        2,
        "the report and the indicators outside reports"
    );
    assert_eq!(
        all_values(&pulled),
        values(&[
            "clear-public",
            "green-water",
            "amber-water",
            "amber-strict-own",
            "expired-water",
            "clear-domain"
        ])
    );

    let builds: Vec<_> = world
        .audit_entries()
        .into_iter()
        .filter(|entry| entry.action == "export")
        .collect();
    assert_eq!(builds.len(), 1, "one pull, one build of the feed");
    assert_eq!(builds[0].actor, ALICE);
    assert_eq!(builds[0].details["format"], "misp-feed");
    assert_eq!(builds[0].details["events"], 2);

    let unknown = send(world.get_with_token(
        &token,
        &format!("{FEED}/6d1f4c2a-0000-4000-8000-000000000000.json"),
    ))
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"]["code"], "not_found");

    let forged =
        send(world.get_with_token("dwt_forged_secret", &format!("{FEED}/manifest.json"))).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_caller_gets_a_feed_of_its_own() {
    let world = World::start().await;
    let alice = pull(async |path: &str| send(world.get(Who::Alice, path)).await).await;
    let bob = pull(async |path: &str| send(world.get(Who::Bob, path)).await).await;
    let harry = pull(async |path: &str| send(world.get(Who::Harry, path)).await).await;
    let anonymous = pull(async |path: &str| send(world.get(Who::Anonymous, path)).await).await;

    assert_eq!(
        all_values(&bob),
        values(&[
            "clear-public",
            "green-energie",
            "amber-energie",
            "clear-domain"
        ])
    );
    assert_eq!(
        all_values(&harry),
        values(&[
            "clear-public",
            "green-water",
            "amber-water",
            "expired-water",
            "clear-domain"
        ]),
        "AMBER+STRICT stays with its own organisation"
    );
    assert_eq!(
        all_values(&anonymous),
        values(&["clear-public", "clear-domain"])
    );
    for pulled in [&alice, &bob, &harry, &anonymous] {
        assert!(!all_values(pulled).contains("198.51.100.5"), "RED never");
    }

    let (report_uuid, _) = alice
        .iter()
        .find(|(_, (info, _))| info == REPORT_INFO)
        .unwrap_or_else(|| panic!("no event for the report in {alice:?}"));
    assert!(!bob.contains_key(report_uuid));
    for who in [Who::Bob, Who::Anonymous] {
        let answer = send(world.get(who, &format!("{FEED}/{report_uuid}.json"))).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{who:?} must not reach another community's event"
        );
    }
    let builds = world
        .audit_entries()
        .into_iter()
        .filter(|entry| entry.action == "export")
        .count();
    assert_eq!(builds, 4, "one build per caller");
}
