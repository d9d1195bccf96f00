//! The fusion ledger: statements add up per object and source (first seen the
//! earliest, last seen the latest, counted per delivery), observable links find the
//! objects holding a key, and an object's provenance names the other objects sharing
//! an observable with it and every source corroborating it — but not objects that
//! share only an indicator's route-bound pattern key.

use dijkwacht_store::Store;
use dijkwacht_store::fusion::{FusionRecord, ObservableLink, Statement};

fn statement(object_id: &str, source: &str, reliability: char, seen_at: i64) -> Statement {
    Statement {
        object_id: object_id.to_owned(),
        source: source.to_owned(),
        reliability,
        seen_at,
    }
}

fn link(key: &str, object_id: &str) -> ObservableLink {
    ObservableLink {
        key: key.to_owned(),
        object_id: object_id.to_owned(),
    }
}

const INDICATOR: &str = "indicator--00000000-0000-4000-8000-000000000001";
const ADDRESS: &str = "ipv4-addr--00000000-0000-5000-8000-000000000002";
const OTHER: &str = "indicator--00000000-0000-4000-8000-000000000003";

pub async fn statements_add_up_and_observables_link_objects(store: &dyn Store) {
    let first = FusionRecord {
        statements: vec![
            statement(INDICATOR, "blocklist", 'C', 2_000),
            statement(ADDRESS, "osint", 'B', 1_000),
            statement(OTHER, "amber-list", 'C', 1_000),
        ],
        observables: vec![
            link("ipv4:198.51.100.7", INDICATOR),
            link(
                "pattern:route\u{1f}[ipv4-addr:value = '198.51.100.7']",
                INDICATOR,
            ),
            link("ipv4:198.51.100.7", ADDRESS),
            // Same pattern text in another route: not a correlation.
            link(
                "pattern:route\u{1f}[ipv4-addr:value = '198.51.100.7']",
                OTHER,
            ),
        ],
    };
    store.record_fusion(first.clone()).await.expect("recorded");
    // The blocklist restates it later, and once more with an earlier time.
    store
        .record_fusion(FusionRecord {
            statements: vec![
                statement(INDICATOR, "blocklist", 'B', 5_000),
                statement(INDICATOR, "blocklist", 'B', 1_500),
            ],
            observables: first.observables.clone(),
        })
        .await
        .expect("recorded again");

    let mut found = store
        .objects_with_keys(vec![
            "ipv4:198.51.100.7".to_owned(),
            "ipv4:203.0.113.1".to_owned(),
        ])
        .await
        .expect("links");
    found.sort();
    assert_eq!(
        found,
        vec![
            link("ipv4:198.51.100.7", INDICATOR),
            link("ipv4:198.51.100.7", ADDRESS)
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );

    let provenance = store
        .fusion_provenance(vec![INDICATOR.to_owned(), "indicator--unknown".to_owned()])
        .await
        .expect("provenance");
    assert_eq!(provenance.len(), 1, "unknown ids are left out");
    let indicator = &provenance[0];
    assert_eq!(indicator.object_id, INDICATOR);
    assert_eq!(indicator.statements.len(), 1);
    let blocklist = &indicator.statements[0];
    assert_eq!(
        (blocklist.first_seen, blocklist.last_seen, blocklist.times),
        (1_500, 5_000, 3)
    );
    assert_eq!(blocklist.reliability, 'B', "the latest statement's letter");
    assert_eq!(indicator.related, vec![ADDRESS.to_owned()]);
    assert_eq!(
        indicator.corroborating_sources,
        ["blocklist".to_owned(), "osint".to_owned()].into()
    );
    assert_eq!(indicator.corroborated_last_seen, Some(5_000));
    assert_eq!(indicator.first_seen(), Some(1_500));
    assert_eq!(indicator.best_reliability(), Some('B'));

    let other = store
        .fusion_provenance(vec![OTHER.to_owned()])
        .await
        .expect("provenance");
    assert_eq!(other.len(), 1);
    assert!(other[0].related.is_empty(), "pattern keys link nothing");
    assert_eq!(
        other[0].corroborating_sources,
        ["amber-list".to_owned()].into()
    );

    // Pattern keys find their holders, whole keys only.
    let pattern = "pattern:route\u{1f}[ipv4-addr:value = '198.51.100.7']".to_owned();
    let mut holders = store
        .objects_with_keys(vec![pattern.clone(), "pattern:route".to_owned()])
        .await
        .expect("holders");
    holders.sort();
    assert_eq!(
        holders,
        vec![link(&pattern, INDICATOR), link(&pattern, OTHER)]
    );
}
