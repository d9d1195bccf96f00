//! Stories about reading: the TAXII filters of `query`, paging with `limit` and `more`,
//! version lists, per-type counts and full-text search.

use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::{ObjectQuery, Store, StoreError, TypeCount, VersionSelection};
use serde_json::json;

use super::objects::{
    indicator, indicator_id, ipv4, ipv4_id, malware, malware_id, prepared, version_key,
};
use super::{ids_of, ingest_ok};

const V1: &str = "2024-05-01T08:00:00.000Z";
const V2: &str = "2024-05-02T08:00:00.000Z";
const V3: &str = "2024-05-03T08:00:00.000Z";

/// Indicator 1 in three versions, indicator 2 in one, malware 1 in two and an SCO; in
/// four batches, so that `date_added` separates them.
async fn a_small_collection(store: &dyn Store) -> Vec<i64> {
    let mut dates = Vec::new();
    let batches = vec![
        vec![indicator(1, V1, "one", "first"), malware(1, V1, "Plugworm")],
        vec![
            indicator(2, V1, "two", "only"),
            indicator(1, V2, "one", "second"),
        ],
        vec![malware(1, V2, "Plugworm"), ipv4(1, "203.0.113.9", None)],
        vec![indicator(1, V3, "one", "third")],
    ];
    for batch in batches {
        let report = ingest_ok(store, batch).await;
        dates.extend(report.dates_added.into_iter().flatten());
    }
    dates
}

fn all_versions_query() -> ObjectQuery {
    ObjectQuery {
        versions: VersionSelection::All,
        ..ObjectQuery::default()
    }
}

async fn ids_and_versions(store: &dyn Store, query: ObjectQuery) -> Vec<(String, String)> {
    store
        .query(query)
        .await
        .expect("query")
        .objects
        .into_iter()
        .map(|object| (object.id, object.version))
        .collect()
}

pub async fn query_by_type_and_id(store: &dyn Store) {
    a_small_collection(store).await;
    let by_type = store
        .query(ObjectQuery {
            types: vec!["malware".to_owned(), "ipv4-addr".to_owned()],
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert_eq!(ids_of(&by_type.objects), [malware_id(1), ipv4_id(1)]);
    assert!(!by_type.more);

    let by_id = ids_and_versions(
        store,
        ObjectQuery {
            ids: vec![indicator_id(2), malware_id(1)],
            versions: VersionSelection::All,
            ..ObjectQuery::default()
        },
    )
    .await;
    assert_eq!(
        by_id,
        [
            (malware_id(1), V1.to_owned()),
            (indicator_id(2), V1.to_owned()),
            (malware_id(1), V2.to_owned()),
        ]
    );
    let unknown_type = store
        .query(ObjectQuery {
            types: vec!["campaign".to_owned()],
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert!(unknown_type.objects.is_empty());
}

pub async fn query_by_version(store: &dyn Store) {
    a_small_collection(store).await;
    let of_indicator_one = |versions| ObjectQuery {
        ids: vec![indicator_id(1)],
        versions,
        ..ObjectQuery::default()
    };
    let versions_of = |pairs: Vec<(String, String)>| {
        pairs
            .into_iter()
            .map(|(_, version)| version)
            .collect::<Vec<_>>()
    };
    let last = ids_and_versions(store, of_indicator_one(VersionSelection::Last)).await;
    assert_eq!(versions_of(last), [V3]);
    let first = ids_and_versions(store, of_indicator_one(VersionSelection::First)).await;
    assert_eq!(versions_of(first), [V1]);
    let all = ids_and_versions(store, of_indicator_one(VersionSelection::All)).await;
    assert_eq!(versions_of(all), [V1, V2, V3]);
    let at = ids_and_versions(
        store,
        of_indicator_one(VersionSelection::Some {
            last: false,
            first: false,
            at: vec![version_key(V2)],
        }),
    )
    .await;
    assert_eq!(versions_of(at), [V2]);
    let first_and_last = ids_and_versions(
        store,
        of_indicator_one(VersionSelection::Some {
            last: true,
            first: true,
            at: Vec::new(),
        }),
    )
    .await;
    assert_eq!(versions_of(first_and_last), [V1, V3]);
    let nothing = store
        .query(of_indicator_one(VersionSelection::Some {
            last: false,
            first: false,
            at: Vec::new(),
        }))
        .await;
    assert!(
        matches!(nothing, Err(StoreError::Invalid(_))),
        "{nothing:?}"
    );

    // Over the whole collection: the latest of each object, in date_added order.
    let latest = ids_and_versions(store, ObjectQuery::default()).await;
    assert_eq!(
        latest,
        [
            (indicator_id(2), V1.to_owned()),
            (malware_id(1), V2.to_owned()),
            (
                ipv4_id(1),
                store.versions(&ipv4_id(1)).await.expect("sco")[0]
                    .version
                    .clone()
            ),
            (indicator_id(1), V3.to_owned()),
        ]
    );
}

pub async fn query_unversioned_objects_at_their_date_added(store: &dyn Store) {
    a_small_collection(store).await;
    let sco = store.versions(&ipv4_id(1)).await.expect("sco");
    let page = store
        .query(ObjectQuery {
            versions: VersionSelection::Some {
                last: false,
                first: false,
                at: vec![version_key(&sco[0].version)],
            },
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert_eq!(ids_of(&page.objects), [ipv4_id(1)]);
}

pub async fn query_by_date_added(store: &dyn Store) {
    let dates = a_small_collection(store).await;
    // Batch 2 stored indicator 2 (dates[2]) and indicator 1 V2 (dates[3]).
    let window = ids_and_versions(
        store,
        ObjectQuery {
            added_after: Some(dates[2]),
            added_until: Some(dates[4]),
            ..all_versions_query()
        },
    )
    .await;
    assert_eq!(
        window,
        [
            (indicator_id(1), V2.to_owned()),
            (malware_id(1), V2.to_owned()),
        ],
        "added_after is exclusive, added_until inclusive"
    );
    let after_everything = store
        .query(ObjectQuery {
            added_after: dates.last().copied(),
            ..all_versions_query()
        })
        .await
        .expect("query");
    assert!(after_everything.objects.is_empty());
}

pub async fn query_pages_with_limit_and_more(store: &dyn Store) {
    let dates = a_small_collection(store).await;
    let mut seen = Vec::new();
    let mut added_after = None;
    let mut pages = 0;
    loop {
        let page = store
            .query(ObjectQuery {
                limit: 2,
                added_after,
                ..all_versions_query()
            })
            .await
            .expect("query");
        pages += 1;
        assert!(page.objects.len() <= 2);
        seen.extend(page.objects.iter().map(|object| object.date_added));
        added_after = page.objects.last().map(|object| object.date_added);
        if !page.more {
            break;
        }
    }
    assert_eq!(seen, dates, "paging visits every version once, in order");
    assert_eq!(pages, 4, "7 versions in pages of 2");

    let exact = store
        .query(ObjectQuery {
            limit: dates.len(),
            ..all_versions_query()
        })
        .await
        .expect("query");
    assert!(!exact.more, "no more when the page holds exactly the rest");

    let zero = store
        .query(ObjectQuery {
            limit: 0,
            ..ObjectQuery::default()
        })
        .await;
    assert!(matches!(zero, Err(StoreError::Invalid(_))), "{zero:?}");
}

pub async fn query_by_spec_version(store: &dyn Store) {
    a_small_collection(store).await;
    ingest_ok(
        store,
        vec![prepared(json!({
            "type": "malware",
            "spec_version": "2.0",
            "id": malware_id(20),
            "created": V1,
            "modified": V1,
            "name": "Oldtimer",
        }))],
    )
    .await;
    let old = store
        .query(ObjectQuery {
            spec_versions: vec!["2.0".to_owned()],
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert_eq!(ids_of(&old.objects), [malware_id(20)]);
    assert_eq!(old.objects[0].spec_version, "2.0");
    let current = store
        .query(ObjectQuery {
            spec_versions: vec!["2.1".to_owned()],
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert_eq!(current.objects.len(), 4);
}

pub async fn stored_objects_carry_their_handling(store: &dyn Store) {
    ingest_ok(
        store,
        vec![prepared(json!({
            "type": "malware",
            "spec_version": "2.1",
            "id": malware_id(30),
            "created": V1,
            "modified": V1,
            "name": "Amberware",
            "is_family": false,
            "created_by_ref": "identity--00000000-0000-4000-8000-000000000001",
            "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
        }))],
    )
    .await;
    let versions = store.versions(&malware_id(30)).await.expect("stored");
    assert_eq!(versions[0].tlp, Some(TlpLevel::Amber));
    assert_eq!(
        versions[0].owner.as_deref(),
        Some("identity--00000000-0000-4000-8000-000000000001")
    );
}

pub async fn versions_oldest_first_and_not_found(store: &dyn Store) {
    // Stored out of order; listed in version order.
    ingest_ok(store, vec![indicator(1, V2, "one", "b")]).await;
    ingest_ok(
        store,
        vec![indicator(1, V3, "one", "c"), indicator(1, V1, "one", "a")],
    )
    .await;
    let versions = store.versions(&indicator_id(1)).await.expect("stored");
    let listed: Vec<&str> = versions.iter().map(|each| each.version.as_str()).collect();
    assert_eq!(listed, [V1, V2, V3]);

    let missing = store.versions(&indicator_id(404)).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

pub async fn count_by_type_counts_objects_and_versions(store: &dyn Store) {
    a_small_collection(store).await;
    let counts = store.count_by_type().await.expect("counts");
    let count = |object_type: &str, objects, versions| TypeCount {
        object_type: object_type.to_owned(),
        objects,
        versions,
    };
    assert_eq!(
        counts,
        [
            count("indicator", 2, 4),
            count("ipv4-addr", 1, 1),
            count("malware", 1, 2),
        ]
    );
}

pub async fn search_finds_the_latest_version_once(store: &dyn Store) {
    ingest_ok(
        store,
        vec![
            indicator(
                1,
                V1,
                "Phishing landing page",
                "credential harvesting for a waterboard",
            ),
            indicator(
                2,
                V1,
                "Scanner",
                "mass scanning of VPN appliances at a water board",
            ),
            malware(1, V1, "Dijkgraaf loader"),
        ],
    )
    .await;
    ingest_ok(
        store,
        vec![indicator(
            1,
            V2,
            "Phishing landing page",
            "credential harvesting for a waterboard, now also for a drinking-water company",
        )],
    )
    .await;

    let found = store.search("waterboard", 10, None).await.expect("search");
    assert_eq!(ids_of(&found), [indicator_id(1)], "one hit per object");
    assert_eq!(found[0].version, V2, "the latest version");

    let by_name = store.search("dijkgraaf", 10, None).await.expect("search");
    assert_eq!(
        ids_of(&by_name),
        [malware_id(1)],
        "names are searched, case-insensitively"
    );

    let all_words = store
        .search("VPN scanning", 10, None)
        .await
        .expect("search");
    assert_eq!(ids_of(&all_words), [indicator_id(2)]);
    let no_such = store
        .search("VPN waterboard", 10, None)
        .await
        .expect("search");
    assert!(no_such.is_empty(), "every word must match");

    let limited = store.search("a", 1, None).await.expect("search");
    assert_eq!(limited.len(), 1, "two objects match, the limit is one");
    let zero = store.search("waterboard", 0, None).await;
    assert!(matches!(zero, Err(StoreError::Invalid(_))), "{zero:?}");

    // An old version's words no longer find the object once a newer one replaced them.
    ingest_ok(store, vec![malware(1, V2, "Polder loader")]).await;
    assert!(
        store
            .search("dijkgraaf", 10, None)
            .await
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        ids_of(&store.search("polder", 10, None).await.expect("search")),
        [malware_id(1)]
    );
}

pub async fn search_ranks_better_matches_first(store: &dyn Store) {
    ingest_ok(
        store,
        vec![
            indicator(1, V1, "Scanner", "seen once near a sluice"),
            indicator(
                2,
                V1,
                "Sluice probe",
                "sluice controllers probed, sluice by sluice",
            ),
            indicator(3, V1, "Unrelated", "nothing to do with water"),
        ],
    )
    .await;
    let found = store.search("sluice", 10, None).await.expect("search");
    assert_eq!(ids_of(&found), [indicator_id(2), indicator_id(1)]);
}

pub async fn search_text_with_query_syntax_is_taken_literally(store: &dyn Store) {
    ingest_ok(
        store,
        vec![indicator(
            1,
            V1,
            "AND gate",
            "NEAR the (dike) \"quoted\" * star",
        )],
    )
    .await;
    let awkward = [
        "\"",
        "*",
        "AND",
        "(",
        ")",
        "NOT",
        "a OR",
        "NEAR(dike",
        "name:dike",
        "^dike",
        "\"unbalanced",
        "dike*",
        "-dike",
        "{name}: x",
        "",
        "   ",
        "'; DROP TABLE objects; --",
    ];
    for text in awkward {
        let result = store.search(text, 10, None).await;
        assert!(result.is_ok(), "searching {text:?} failed: {result:?}");
    }
    let found = store.search("(dike)", 10, None).await.expect("search");
    assert_eq!(ids_of(&found), [indicator_id(1)]);
    let found = store.search("AND", 10, None).await.expect("search");
    assert_eq!(ids_of(&found), [indicator_id(1)], "AND is a word here");
}

/// An object of `owner` with TLP `tlp`, shared into `community` (or public when `None`).
fn handled(
    mut object: dijkwacht_store::PreparedObject,
    owner: &str,
    tlp: TlpLevel,
    community: Option<&str>,
) -> dijkwacht_store::PreparedObject {
    use dijkwacht_policy::{CommunityId, Scope};
    object.handling.owner = Some(owner.to_owned());
    object.handling.tlp = Some(tlp);
    object.handling.scope = Some(match community {
        Some(name) => Scope::Communities([CommunityId::new(name)].into()),
        None => Scope::Public,
    });
    object
}

pub async fn search_and_counts_see_only_what_the_filter_lets_through(store: &dyn Store) {
    use dijkwacht_policy::{Action, Caller, CommunityId, Member, OrgId, Role, UserId};
    use dijkwacht_store::TypeTlpCount;
    ingest_ok(
        store,
        vec![
            handled(
                indicator(1, V1, "sluice one", "seen at the water board"),
                "waterbedrijf",
                TlpLevel::Green,
                Some("water"),
            ),
            handled(
                indicator(2, V1, "sluice two", "seen at the chemical plant"),
                "chemiebedrijf",
                TlpLevel::Amber,
                Some("chemie"),
            ),
            handled(
                malware(3, V1, "Sluice worm"),
                "fusion",
                TlpLevel::Clear,
                None,
            ),
        ],
    )
    .await;
    let water_member = Caller::Member(Member {
        user: UserId::new("alice@waterbedrijf.example"),
        organisation: OrgId::new("waterbedrijf"),
        role: Role::Analyst,
        reach: [CommunityId::new("water")].into(),
        token: None,
    });
    let visible = dijkwacht_policy::visibility_filter(&water_member, Action::Read);

    let everything = store.search("sluice", 10, None).await.expect("search");
    assert_eq!(everything.len(), 3, "the operator's search sees everything");
    let mut found = ids_of(
        &store
            .search("sluice", 10, Some(visible.clone()))
            .await
            .expect("search"),
    );
    found.sort();
    assert_eq!(found, [indicator_id(1), malware_id(3)]);
    let anonymous = dijkwacht_policy::visibility_filter(&Caller::Anonymous, Action::Read);
    assert_eq!(
        ids_of(
            &store
                .search("sluice", 10, Some(anonymous))
                .await
                .expect("search")
        ),
        [malware_id(3)]
    );

    let count = |object_type: &str, tlp, objects| TypeTlpCount {
        object_type: object_type.to_owned(),
        tlp: Some(tlp),
        objects,
    };
    let counts = store
        .count_latest_by_type_and_tlp(Some(visible))
        .await
        .expect("counts");
    assert_eq!(
        counts,
        [
            count("indicator", TlpLevel::Green, 1),
            count("malware", TlpLevel::Clear, 1)
        ]
    );
    let all = store
        .count_latest_by_type_and_tlp(None)
        .await
        .expect("counts");
    assert_eq!(all.iter().map(|row| row.objects).sum::<u64>(), 3);
    assert_eq!(
        store
            .count_latest_by_type_and_tlp(Some(dijkwacht_policy::Filter::Nothing))
            .await
            .expect("counts"),
        []
    );
}

/// A relationship `number` from `source` to `target`, in the version `modified`.
fn relationship(
    number: u32,
    modified: &str,
    kind: &str,
    source: &str,
    target: &str,
) -> dijkwacht_store::PreparedObject {
    prepared(json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": format!("relationship--00000000-0000-4000-8000-{number:012}"),
        "created": V1,
        "modified": modified,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target
    }))
}

pub async fn query_by_target_ref_finds_what_points_at_an_object(store: &dyn Store) {
    let course = "course-of-action--00000000-0000-4000-8000-000000000001";
    ingest_ok(
        store,
        vec![
            indicator(1, V1, "one", "first"),
            relationship(1, V1, "mitigates", course, &indicator_id(1)),
            relationship(2, V1, "indicates", &indicator_id(1), &malware_id(1)),
            relationship(3, V1, "mitigates", course, &indicator_id(2)),
        ],
    )
    .await;
    ingest_ok(
        store,
        vec![relationship(1, V2, "mitigates", course, &indicator_id(1))],
    )
    .await;
    let pointing = ids_and_versions(
        store,
        ObjectQuery {
            target_refs: vec![indicator_id(1)],
            ..ObjectQuery::default()
        },
    )
    .await;
    let first = "relationship--00000000-0000-4000-8000-000000000001".to_owned();
    assert_eq!(
        pointing,
        [(first.clone(), V2.to_owned())],
        "the latest version of what points at indicator 1, nothing else"
    );
    let many: Vec<String> = (1..=20).map(indicator_id).chain([malware_id(1)]).collect();
    let all = ids_and_versions(
        store,
        ObjectQuery {
            target_refs: many,
            ..ObjectQuery::default()
        },
    )
    .await;
    assert_eq!(all.len(), 3, "{all:?}");
    let typed = ids_and_versions(
        store,
        ObjectQuery {
            types: vec!["indicator".to_owned()],
            target_refs: vec![indicator_id(1)],
            ..ObjectQuery::default()
        },
    )
    .await;
    assert!(typed.is_empty(), "only relationships have a target");
}
