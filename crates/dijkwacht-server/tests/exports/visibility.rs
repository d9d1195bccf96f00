//! Who gets what: for the bundle, the CSV table and the blocklists, each caller gets
//! exactly the objects the sharing rules give them — TLP:RED never, AMBER+STRICT only
//! to its organisation, another community's objects never — and every export is in the
//! audit log with the AMBER-or-stricter ids it held.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use super::{ALICE, Who, World, bundle_ids, exportable_by, id_of, ids, send, values};

const STIX: &str = "/api/v1/exports/stix";

#[tokio::test]
async fn each_caller_gets_exactly_its_share_in_a_bundle() {
    let world = World::start().await;
    for who in Who::ALL {
        let answer = send(world.get(who, STIX)).await;
        assert_eq!(answer.status, StatusCode::OK, "{who:?}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            "application/stix+json;version=2.1"
        );
        assert_eq!(
            answer.header("content-disposition"),
            "attachment; filename=\"dijkwacht-export.json\""
        );
        let bundle = answer.json();
        assert_eq!(bundle["type"], "bundle");
        assert_eq!(bundle_ids(&bundle), ids(exportable_by(who)), "{who:?}");
        assert!(!bundle_ids(&bundle).contains(&id_of("red-for-alice")));
    }
    // The world is tested against itself too: the table says what the rules say.
    assert_eq!(
        exportable_by(Who::Anonymous),
        BTreeSet::from(["clear-public".to_owned(), "clear-domain".to_owned()])
    );
}

/// The (stix id, value) pairs of a CSV export, after checking its header.
fn csv_rows(body: &str) -> BTreeSet<(String, String)> {
    let mut lines = body.lines();
    let header = lines.next().unwrap_or_default();
    assert!(
        header.starts_with("stix_id,object_type,value_type,value,"),
        "{header}"
    );
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[0].to_owned(), cells[3].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn each_caller_gets_exactly_its_share_in_csv() {
    let world = World::start().await;
    for who in Who::ALL {
        let answer = send(world.get(who, "/api/v1/exports/csv")).await;
        assert_eq!(answer.status, StatusCode::OK, "{who:?}: {}", answer.body);
        assert_eq!(answer.header("content-type"), "text/csv; charset=utf-8");
        assert_eq!(
            answer.header("content-disposition"),
            "attachment; filename=\"dijkwacht-export.csv\""
        );
        let expected: BTreeSet<(String, String)> = super::INDICATORS
            .iter()
            .filter(|seeded| seeded.visible_to.contains(&who))
            .map(|seeded| (id_of(seeded.name), seeded.value.to_owned()))
            .collect();
        assert_eq!(csv_rows(&answer.body), expected, "{who:?}");
    }
    let filtered = send(world.get(
        Who::Alice,
        "/api/v1/exports/csv?valid_only=true&min_confidence=50",
    ))
    .await;
    let kept: BTreeSet<String> = csv_rows(&filtered.body)
        .into_iter()
        .map(|row| row.0)
        .collect();
    assert_eq!(
        kept,
        ids([
            "clear-public",
            "amber-water",
            "amber-strict-own",
            "clear-domain"
        ]),
        "the expired and the low-confidence indicators are gone"
    );
}

#[tokio::test]
async fn blocklists_hold_each_callers_valid_values_only() {
    let world = World::start().await;
    let ip_values = |who: Who, expired_too: bool| -> BTreeSet<String> {
        super::INDICATORS
            .iter()
            .filter(|seeded| seeded.visible_to.contains(&who))
            .filter(|seeded| seeded.value.parse::<std::net::IpAddr>().is_ok())
            .filter(|seeded| expired_too || seeded.name != "expired-water")
            .map(|seeded| seeded.value.to_owned())
            .collect()
    };
    for who in Who::ALL {
        let answer = send(world.get(who, "/api/v1/exports/blocklist/ip")).await;
        assert_eq!(answer.status, StatusCode::OK, "{who:?}: {}", answer.body);
        assert_eq!(answer.header("content-type"), "text/plain; charset=utf-8");
        let lines: BTreeSet<String> = answer.lines().into_iter().map(str::to_owned).collect();
        assert_eq!(lines, ip_values(who, false), "{who:?}");

        let all = send(world.get(who, "/api/v1/exports/blocklist/ip?valid_only=false")).await;
        let lines: BTreeSet<String> = all.lines().into_iter().map(str::to_owned).collect();
        assert_eq!(lines, ip_values(who, true), "{who:?} with valid_only=false");

        let domains = send(world.get(who, "/api/v1/exports/blocklist/domain")).await;
        assert_eq!(domains.lines(), ["dijk-doorbraak.example"], "{who:?}");
    }
    let confident =
        send(world.get(Who::Alice, "/api/v1/exports/blocklist/ip?min_confidence=50")).await;
    assert_eq!(
        confident.lines(),
        ["198.51.100.1", "198.51.100.3", "198.51.100.4"],
        "green-water has confidence 40, expired-water has expired"
    );
    assert_eq!(
        values(&["clear-public", "amber-water", "amber-strict-own"]),
        confident.lines().into_iter().map(str::to_owned).collect()
    );
}

#[tokio::test]
async fn a_community_narrows_the_export_and_an_unreached_one_is_404() {
    let world = World::start().await;
    let water = send(world.get(Who::Alice, &format!("{STIX}?community=water"))).await;
    assert_eq!(water.status, StatusCode::OK, "{}", water.body);
    assert_eq!(
        water.header("content-disposition"),
        "attachment; filename=\"dijkwacht-water.json\""
    );
    assert_eq!(
        bundle_ids(&water.json()),
        ids([
            "green-water",
            "amber-water",
            "expired-water",
            "water-report",
            "water-malware"
        ]),
        "only what is shared into water: neither public nor organisation-scoped objects"
    );
    let energie = send(world.get(Who::Bob, "/api/v1/exports/blocklist/ip?community=energie")).await;
    assert_eq!(energie.lines(), ["198.51.100.6", "198.51.100.7"]);

    for (who, path) in [
        (Who::Alice, format!("{STIX}?community=energie")),
        (Who::Bob, "/api/v1/exports/csv?community=water".to_owned()),
        (Who::Anonymous, format!("{STIX}?community=water")),
        (
            Who::Harry,
            "/api/v1/exports/blocklist/ip?community=nowhere".to_owned(),
        ),
    ] {
        let answer = send(world.get(who, &path)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{who:?} {path}");
        assert_eq!(answer.json()["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn every_export_is_audited_with_its_amber_ids() {
    let world = World::start().await;
    for path in [STIX, "/api/v1/exports/csv", "/api/v1/exports/blocklist/ip"] {
        let answer = send(world.get(Who::Alice, path)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
    }
    send(world.get(Who::Anonymous, STIX)).await;
    let exports: Vec<_> = world
        .audit_entries()
        .into_iter()
        .filter(|entry| entry.action == "export")
        .collect();
    let formats: Vec<(&str, &str)> = exports
        .iter()
        .map(|entry| {
            (
                entry.actor.as_str(),
                entry.details["format"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        formats,
        [
            (ALICE, "stix"),
            (ALICE, "csv"),
            (ALICE, "blocklist"),
            ("anonymous", "stix")
        ]
    );
    let amber_of = |position: usize| -> BTreeSet<String> {
        exports[position].details["amber_or_stricter"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let amber = ids(["amber-water", "amber-strict-own"]);
    assert_eq!(amber_of(0), amber);
    assert_eq!(amber_of(1), amber);
    assert_eq!(amber_of(2), amber);
    assert_eq!(amber_of(3), BTreeSet::new());
    assert_eq!(
        exports[0].details["objects"],
        exportable_by(Who::Alice).len()
    );
    assert_eq!(exports[0].details["interface"], "http");
    assert!(
        exports[0].details["bundle_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("bundle--"))
    );
    assert_eq!(exports[2].details["kind"], "ip");
    assert_eq!(exports[2].details["valid_only"], true);
}
