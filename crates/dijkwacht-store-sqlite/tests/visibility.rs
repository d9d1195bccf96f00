//! The sharing policy as a database filter: over random objects with random handling,
//! for random callers and every action, the rows SQLite returns for the policy's filter
//! are exactly the objects `decide` allows — so listings, pages and counts never show
//! what a caller may not see, and never hide what they may.

use std::collections::BTreeSet;

use dijkwacht_policy::{
    Action, Caller, CommunityId, Handling, Member, OrgId, Peer, PeerId, Role, Scope, TokenAccess,
    UserId, decide, visibility_filter,
};
use dijkwacht_stix::StixObject;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::{
    IngestMode, ObjectQuery, PreparedObject, Provenance, Store, VersionSelection,
};
use dijkwacht_store_sqlite::SqliteStore;
use proptest::prelude::*;
use serde_json::json;

fn communities() -> impl Strategy<Value = BTreeSet<CommunityId>> {
    proptest::collection::btree_set(
        (0..5u8).prop_map(|number| CommunityId::new(format!("c{number}"))),
        1..3,
    )
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::Organisation),
        communities().prop_map(Scope::Communities),
        communities().prop_map(Scope::Federated),
        Just(Scope::Public),
    ]
}

fn tlp() -> impl Strategy<Value = TlpLevel> {
    prop_oneof![
        Just(TlpLevel::Clear),
        Just(TlpLevel::Green),
        Just(TlpLevel::Amber),
        Just(TlpLevel::AmberStrict),
        Just(TlpLevel::Red)
    ]
}

fn handling() -> impl Strategy<Value = Handling> {
    (
        0..3u8,
        tlp(),
        scope(),
        proptest::collection::btree_set(
            (0..4u8).prop_map(|number| UserId::new(format!("u{number}"))),
            0..3,
        ),
    )
        .prop_map(|(owner, tlp, scope, recipients)| Handling {
            owner: OrgId::new(format!("o{owner}")),
            tlp,
            scope,
            recipients,
        })
}

fn caller() -> impl Strategy<Value = Caller> {
    let member = (
        0..4u8,
        0..3u8,
        prop_oneof![Just(Role::Member), Just(Role::Analyst)],
        proptest::collection::btree_set(
            (0..5u8).prop_map(|number| CommunityId::new(format!("c{number}"))),
            0..4,
        ),
        proptest::option::of((any::<bool>(), proptest::option::of(communities()))),
    )
        .prop_map(|(user, organisation, role, reach, token)| {
            Caller::Member(Member {
                user: UserId::new(format!("u{user}")),
                organisation: OrgId::new(format!("o{organisation}")),
                role,
                reach,
                token: token.map(|(write, communities)| TokenAccess { write, communities }),
            })
        });
    let peer = (communities(), any::<bool>()).prop_map(|(federated, amber_agreement)| {
        Caller::Peer(Peer {
            peer: PeerId::new("peer"),
            federated,
            amber_agreement,
        })
    });
    prop_oneof![1 => Just(Caller::Anonymous), 3 => member, 1 => peer]
}

fn indicator(number: usize, handling: &Handling) -> PreparedObject {
    let object = StixObject::from_value(json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{number:08x}-0000-4000-8000-000000000000"),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }))
    .unwrap_or_else(|problem| panic!("a STIX object: {problem}"));
    let mut prepared = PreparedObject::from_object(&object);
    prepared.handling.owner = Some(handling.owner.as_str().to_owned());
    prepared.handling.tlp = Some(handling.tlp);
    prepared.handling.scope = Some(handling.scope.clone());
    prepared.handling.recipients = handling.recipients.clone();
    prepared
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// 64 stores × 12 objects × 8 callers × 5 actions: about 30,000 checks.
    #[test]
    fn sql_rows_are_exactly_what_the_policy_allows(
        handlings in proptest::collection::vec(handling(), 12),
        callers in proptest::collection::vec(caller(), 8),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|error| panic!("{error}"));
        let store = SqliteStore::open_in_memory().unwrap_or_else(|error| panic!("{error}"));
        let objects: Vec<PreparedObject> = handlings.iter().enumerate().map(|(number, handling)| indicator(number, handling)).collect();
        let ids: Vec<String> = objects.iter().map(|object| object.id.clone()).collect();
        let report = runtime.block_on(store.ingest(objects, IngestMode::AllOrNothing, Provenance::new("test"))).unwrap_or_else(|error| panic!("{error}"));
        prop_assert!(report.committed);
        for caller in &callers {
            for action in Action::ALL {
                let expected: BTreeSet<&String> = ids.iter().zip(&handlings).filter(|(_, handling)| decide(caller, action, handling).allowed).map(|(id, _)| id).collect();
                let page = runtime.block_on(store.query(ObjectQuery {
                    versions: VersionSelection::All,
                    visibility: Some(visibility_filter(caller, action)),
                    limit: 1_000,
                    ..ObjectQuery::default()
                })).unwrap_or_else(|error| panic!("{error}"));
                let returned: BTreeSet<&String> = page.objects.iter().map(|object| &object.id).collect();
                prop_assert_eq!(returned, expected, "{:?} {:?}", caller, action);
            }
        }
    }
}

#[tokio::test]
async fn objects_without_handling_are_visible_to_no_filtered_caller() {
    let store = SqliteStore::open_in_memory().unwrap_or_else(|error| panic!("{error}"));
    let handling = Handling {
        owner: OrgId::new("o0"),
        tlp: TlpLevel::Clear,
        scope: Scope::Public,
        recipients: BTreeSet::new(),
    };
    let mut bare = indicator(1, &handling);
    bare.handling.owner = None;
    bare.handling.tlp = None;
    bare.handling.scope = None;
    store
        .ingest(
            vec![bare],
            IngestMode::AllOrNothing,
            Provenance::new("test"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let page = store
        .query(ObjectQuery {
            visibility: Some(visibility_filter(&Caller::Anonymous, Action::Read)),
            ..ObjectQuery::default()
        })
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(page.objects.is_empty());
    let everything = store
        .query(ObjectQuery::default())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        everything.objects.len(),
        1,
        "the operator's unfiltered query sees it"
    );
}
