//! What pollers and their operators meet: `ETag` and 304, caching headers, the
//! filters of the bundle, and a 400 naming the parameter for every bad one.

use dijkwacht_policy::Scope;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::{IngestMode, Provenance, Store};
use reqwest::StatusCode;
use reqwest::header::IF_NONE_MATCH;
use serde_json::json;

use super::{Who, World, bundle_ids, ids, prepared, send};

const POLLED: [&str; 5] = [
    "/api/v1/exports/stix",
    "/api/v1/exports/csv?min_confidence=10",
    "/api/v1/exports/blocklist/ip",
    "/api/v1/exports/misp-feed/manifest.json",
    "/api/v1/exports/misp-feed/hashes.csv",
];

#[tokio::test]
async fn a_poller_that_holds_the_export_gets_304_until_it_changes() {
    let world = World::start().await;
    let audited_before = world.audit_entries().len();
    for who in [Who::Alice, Who::Anonymous] {
        for path in POLLED {
            let first = send(world.get(who, path)).await;
            assert_eq!(
                first.status,
                StatusCode::OK,
                "{who:?} {path}: {}",
                first.body
            );
            let tag = first.header("etag").to_owned();
            assert!(tag.starts_with('"') && tag.len() == 34, "{path}: {tag}");
            let cache_control = if who == Who::Anonymous {
                "public, max-age=60"
            } else {
                "private, max-age=60"
            };
            assert_eq!(first.header("cache-control"), cache_control, "{path}");
            assert_eq!(first.header("vary"), "Authorization", "{path}");

            let again = send(world.get(who, path).header(IF_NONE_MATCH, &tag)).await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{who:?} {path}");
            assert_eq!(again.body, "");
            assert_eq!(again.header("etag"), tag);
            assert_eq!(again.header("cache-control"), cache_control);

            let weak = send(
                world
                    .get(who, path)
                    .header(IF_NONE_MATCH, format!("W/{tag}")),
            )
            .await;
            assert_eq!(weak.status, StatusCode::NOT_MODIFIED, "{path}");
            let other = send(world.get(who, path).header(IF_NONE_MATCH, "\"elsewhere\"")).await;
            assert_eq!(other.status, StatusCode::OK, "{path}");
            assert_eq!(other.header("etag"), tag, "the same export, the same tag");
        }
    }
    let exports = world.audit_entries().len() - audited_before;
    assert_eq!(
        exports,
        2 * 3 * 2 + 2,
        "two 200s per streamed or blocklist export and caller, one feed build per caller; no 304 is an export"
    );

    let stix = send(world.get(Who::Alice, POLLED[0])).await;
    let (tag, bundle) = (stix.header("etag").to_owned(), stix.json());
    let repeated = send(world.get(Who::Alice, POLLED[0])).await.json();
    assert_eq!(
        bundle["id"], repeated["id"],
        "equal exports are equal bytes"
    );

    let newcomer = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--a0000000-0000-4000-8000-0000000000e1",
        "created": "2026-02-01T10:00:00.000Z", "modified": "2026-02-01T10:00:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.77']", "pattern_type": "stix",
        "valid_from": "2026-02-01T10:00:00Z",
    });
    world
        .store
        .ingest(
            vec![prepared(
                newcomer,
                "waterbedrijf",
                TlpLevel::Clear,
                Scope::Public,
            )],
            IngestMode::AllOrNothing,
            Provenance::new("test"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let changed = send(world.get(Who::Alice, POLLED[0]).header(IF_NONE_MATCH, &tag)).await;
    assert_eq!(
        changed.status,
        StatusCode::OK,
        "a new object is a new export"
    );
    assert_ne!(changed.header("etag"), tag);
    assert!(
        bundle_ids(&changed.json()).contains("indicator--a0000000-0000-4000-8000-0000000000e1")
    );
    let blocklist = send(world.get(Who::Bob, POLLED[2])).await;
    assert!(blocklist.lines().contains(&"203.0.113.77"));
}

#[tokio::test]
async fn the_bundle_takes_types_and_added_after() {
    let world = World::start().await;
    let malware = send(world.get(Who::Alice, "/api/v1/exports/stix?types=malware,report")).await;
    assert_eq!(
        bundle_ids(&malware.json()),
        ids(["water-malware", "water-report"])
    );
    let future = send(world.get(
        Who::Alice,
        "/api/v1/exports/stix?added_after=2999-01-01T00:00:00Z",
    ))
    .await;
    assert_eq!(future.status, StatusCode::OK);
    let empty = future.json();
    assert!(
        empty.get("objects").is_none(),
        "an empty bundle has no objects: {empty}"
    );
    let past = send(world.get(
        Who::Alice,
        "/api/v1/exports/stix?added_after=2000-01-01T00:00:00Z&types=indicator",
    ))
    .await;
    assert_eq!(bundle_ids(&past.json()).len(), 6);
}

#[tokio::test]
async fn bad_parameters_get_400_naming_the_parameter() {
    let world = World::start().await;
    let cases = [
        ("/api/v1/exports/blocklist/hostname", "kind"),
        ("/api/v1/exports/blocklist/IP", "kind"),
        ("/api/v1/exports/stix?added_after=yesterday", "added_after"),
        (
            "/api/v1/exports/csv?added_after=2026-13-01T00:00:00Z",
            "added_after",
        ),
        ("/api/v1/exports/csv?min_confidence=101", "min_confidence"),
        (
            "/api/v1/exports/blocklist/ip?min_confidence=-5",
            "min_confidence",
        ),
        (
            "/api/v1/exports/blocklist/url?min_confidence=%FF",
            "min_confidence",
        ),
        ("/api/v1/exports/blocklist/ip?valid_only=yes", "valid_only"),
        ("/api/v1/exports/stix?min_confidence=50", "min_confidence"),
        ("/api/v1/exports/stix?types=Indicator", "types"),
        ("/api/v1/exports/stix?types=a&types=b", "types"),
        ("/api/v1/exports/blocklist/ip?types=indicator", "types"),
        ("/api/v1/exports/csv?community=", "community"),
        (
            "/api/v1/exports/misp-feed/manifest.json?community=water",
            "community",
        ),
        ("/api/v1/exports/stix?format=json", "format"),
        ("/api/v1/exports/xml", "format"),
        ("/api/v1/exports/blocklist", "format"),
        ("/api/v1/exports/blocklist/%FF", "kind"),
        ("/api/v1/exports/%C0%AF", "format"),
        ("/api/v1/exports/misp-feed/%FF.json", "file"),
    ];
    for who in [Who::Alice, Who::Anonymous] {
        for (path, parameter) in cases {
            let answer = send(world.get(who, path)).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{path}: {}",
                answer.body
            );
            assert_eq!(answer.header("content-type"), "application/json", "{path}");
            let error = answer.json();
            assert_eq!(error["error"]["code"], "bad_request", "{path}");
            let details = error["error"]["details"].as_str().unwrap_or_default();
            assert!(
                details.contains(&format!("`{parameter}`")),
                "{path}: {details}"
            );
        }
    }
    let unknown_event = send(world.get(Who::Alice, "/api/v1/exports/misp-feed/nothing.json")).await;
    assert_eq!(unknown_event.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_event.header("content-type"), "application/json");
}
