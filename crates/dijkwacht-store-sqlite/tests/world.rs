//! The sharing rules end to end, against an oracle: random worlds of nested communities,
//! organisations with memberships in every stage, users, tokens, peers and objects are
//! built in a real store; callers are made from the directory (`reach` is the store's
//! recursive query); for every caller, action and object, the policy's decision and the
//! rows the store returns through the policy's filter must both equal a small oracle
//! written plainly here from design.md's rules.

use std::collections::BTreeSet;

use dijkwacht_directory::{CommunityKind, MembershipStage, Sector, SizeClass};
use dijkwacht_policy::{
    Action, Caller, CommunityId, Handling, Member, OrgId, Peer, PeerId, Role, Scope, TokenAccess,
    UserId, decide, visibility_filter,
};
use dijkwacht_stix::StixObject;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Community, Directory, Organisation, User};
use dijkwacht_store::{
    IngestMode, ObjectQuery, PreparedObject, Provenance, Store, VersionSelection,
};
use dijkwacht_store_sqlite::SqliteStore;
use proptest::prelude::*;
use serde_json::json;

const COMMUNITIES: usize = 5;
const ORGANISATIONS: usize = 3;

#[derive(Debug, Clone)]
struct World {
    parent: Vec<Option<usize>>,
    /// stage[organisation][community]: None = not a member.
    stage: Vec<Vec<Option<MembershipStage>>>,
    /// user → organisation
    users: Vec<usize>,
    objects: Vec<(usize, TlpLevel, ScopeSpec, BTreeSet<usize>)>,
    callers: Vec<CallerSpec>,
}

#[derive(Debug, Clone)]
enum ScopeSpec {
    Organisation,
    Communities(BTreeSet<usize>),
    Federated(BTreeSet<usize>),
    Public,
}

#[derive(Debug, Clone)]
enum CallerSpec {
    Anonymous,
    User {
        user: usize,
        token: Option<(bool, Option<BTreeSet<usize>>)>,
    },
    Peer {
        federated: BTreeSet<usize>,
        agreement: bool,
    },
}

fn set_of_communities() -> impl Strategy<Value = BTreeSet<usize>> {
    proptest::collection::btree_set(0..COMMUNITIES, 1..3)
}

fn world() -> impl Strategy<Value = World> {
    let parents: Vec<BoxedStrategy<Option<usize>>> = (0..COMMUNITIES)
        .map(|community| {
            if community == 0 {
                Just(None).boxed()
            } else {
                proptest::option::of(0..community).boxed()
            }
        })
        .collect();
    let stage = proptest::option::of(prop_oneof![
        Just(MembershipStage::Applicant),
        Just(MembershipStage::Participant),
        Just(MembershipStage::Partner)
    ]);
    let stages =
        proptest::collection::vec(proptest::collection::vec(stage, COMMUNITIES), ORGANISATIONS);
    let users = proptest::collection::vec(0..ORGANISATIONS, 4);
    let tlp = prop_oneof![
        Just(TlpLevel::Clear),
        Just(TlpLevel::Green),
        Just(TlpLevel::Amber),
        Just(TlpLevel::AmberStrict),
        Just(TlpLevel::Red)
    ];
    let scope = prop_oneof![
        Just(ScopeSpec::Organisation),
        set_of_communities().prop_map(ScopeSpec::Communities),
        set_of_communities().prop_map(ScopeSpec::Federated),
        Just(ScopeSpec::Public),
    ];
    let objects = proptest::collection::vec(
        (
            0..ORGANISATIONS,
            tlp,
            scope,
            proptest::collection::btree_set(0..4usize, 0..3),
        ),
        10,
    );
    let caller = prop_oneof![
        1 => Just(CallerSpec::Anonymous),
        4 => (0..4usize, proptest::option::of((any::<bool>(), proptest::option::of(set_of_communities()))))
            .prop_map(|(user, token)| CallerSpec::User { user, token }),
        1 => (set_of_communities(), any::<bool>()).prop_map(|(federated, agreement)| CallerSpec::Peer { federated, agreement }),
    ];
    let callers = proptest::collection::vec(caller, 6);
    (parents, stages, users, objects, callers).prop_map(
        |(parent, stage, users, objects, callers)| World {
            parent,
            stage,
            users,
            objects,
            callers,
        },
    )
}

/// The oracle: does content shared into `community` reach `organisation`? Yes when the
/// organisation is a participant or partner of it or of any community below it.
fn receives(world: &World, organisation: usize, community: usize) -> bool {
    (0..COMMUNITIES).any(|member_of| {
        let member = matches!(
            world.stage[organisation][member_of],
            Some(MembershipStage::Participant | MembershipStage::Partner)
        );
        let mut current = Some(member_of);
        let mut below = false;
        while let Some(step) = current {
            below |= step == community;
            current = world.parent[step];
        }
        member && below
    })
}

fn oracle(
    world: &World,
    caller: &CallerSpec,
    action: Action,
    object: &(usize, TlpLevel, ScopeSpec, BTreeSet<usize>),
) -> bool {
    let (owner, tlp, scope, recipients) = object;
    let changes = matches!(action, Action::Edit | Action::Revoke);
    let public_clear = *tlp == TlpLevel::Clear && matches!(scope, ScopeSpec::Public);
    match caller {
        CallerSpec::Anonymous => !changes && public_clear,
        CallerSpec::Peer {
            federated,
            agreement,
        } => {
            let federated_here = matches!(scope, ScopeSpec::Federated(named) if named.iter().any(|community| federated.contains(community)));
            let level = match tlp {
                TlpLevel::Clear | TlpLevel::Green => true,
                TlpLevel::Amber => *agreement,
                TlpLevel::AmberStrict | TlpLevel::Red => false,
            };
            !changes && (public_clear || (federated_here && level))
        }
        CallerSpec::User { user, token } => {
            let organisation = world.users[*user];
            if changes {
                // Every user in these worlds is an analyst.
                return organisation == *owner && token.as_ref().is_none_or(|(write, _)| *write);
            }
            if *tlp == TlpLevel::Red {
                return action == Action::Read && token.is_none() && recipients.contains(user);
            }
            let limit = token.as_ref().and_then(|(_, limit)| limit.as_ref());
            let in_scope = (organisation == *owner && limit.is_none())
                || match scope {
                    ScopeSpec::Organisation => false,
                    ScopeSpec::Public => true,
                    ScopeSpec::Communities(named) | ScopeSpec::Federated(named) => {
                        named.iter().any(|community| {
                            receives(world, organisation, *community)
                                && limit.is_none_or(|limit| limit.contains(community))
                        })
                    }
                };
            in_scope
                && (action != Action::Forward
                    || *tlp == TlpLevel::Clear
                    || (*tlp == TlpLevel::Green
                        && matches!(scope, ScopeSpec::Federated(_) | ScopeSpec::Public)))
        }
    }
}

fn community_name(number: usize) -> String {
    format!("c{number}")
}

fn named(set: &BTreeSet<usize>) -> BTreeSet<CommunityId> {
    set.iter()
        .map(|community| CommunityId::new(community_name(*community)))
        .collect()
}

async fn build(store: &SqliteStore, world: &World) -> Vec<String> {
    let fail = |error: dijkwacht_store::StoreError| -> ! { panic!("{error}") };
    for community in 0..COMMUNITIES {
        store
            .add_community(Community {
                name: community_name(community),
                display_name: community_name(community),
                kind: CommunityKind::Theme,
                parent: world.parent[community].map(community_name),
                vetted: true,
                identity: format!("identity--{community:08x}-0000-4000-8000-000000000001"),
                default_tlp: TlpLevel::Green,
            })
            .await
            .unwrap_or_else(|error| fail(error));
    }
    for organisation in 0..ORGANISATIONS {
        let name = format!("o{organisation}");
        store
            .add_organisation(Organisation {
                name: name.clone(),
                display_name: name.clone(),
                sectors: vec![Sector::Other],
                size: SizeClass::Small,
                vital: false,
                identity: format!("identity--{organisation:08x}-0000-4000-8000-000000000002"),
            })
            .await
            .unwrap_or_else(|error| fail(error));
        for community in 0..COMMUNITIES {
            if let Some(stage) = world.stage[organisation][community] {
                store
                    .join(&community_name(community), &name, None)
                    .await
                    .unwrap_or_else(|error| fail(error));
                if stage != MembershipStage::Applicant {
                    store
                        .set_stage(&community_name(community), &name, stage)
                        .await
                        .unwrap_or_else(|error| fail(error));
                }
            }
        }
    }
    for (user, organisation) in world.users.iter().enumerate() {
        store
            .add_user(
                User {
                    email: format!("u{user}"),
                    organisation: format!("o{organisation}"),
                    role: Role::Analyst,
                },
                "$argon2id$unused".to_owned(),
            )
            .await
            .unwrap_or_else(|error| fail(error));
    }
    let mut ids = Vec::new();
    let mut objects = Vec::new();
    for (number, (owner, tlp, scope, recipients)) in world.objects.iter().enumerate() {
        let object = StixObject::from_value(json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{number:08x}-0000-4000-8000-000000000003"),
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        }))
        .unwrap_or_else(|problem| panic!("{problem}"));
        let mut prepared = PreparedObject::from_object(&object);
        prepared.handling.owner = Some(format!("o{owner}"));
        prepared.handling.tlp = Some(*tlp);
        prepared.handling.scope = Some(match scope {
            ScopeSpec::Organisation => Scope::Organisation,
            ScopeSpec::Communities(set) => Scope::Communities(named(set)),
            ScopeSpec::Federated(set) => Scope::Federated(named(set)),
            ScopeSpec::Public => Scope::Public,
        });
        prepared.handling.recipients = recipients
            .iter()
            .map(|user| UserId::new(format!("u{user}")))
            .collect();
        ids.push(prepared.id.clone());
        objects.push(prepared);
    }
    let report = store
        .ingest(objects, IngestMode::AllOrNothing, Provenance::new("world"))
        .await
        .unwrap_or_else(|error| fail(error));
    assert!(report.committed);
    ids
}

async fn caller(store: &SqliteStore, world: &World, spec: &CallerSpec) -> Caller {
    match spec {
        CallerSpec::Anonymous => Caller::Anonymous,
        CallerSpec::Peer {
            federated,
            agreement,
        } => Caller::Peer(Peer {
            peer: PeerId::new("peer"),
            federated: named(federated),
            amber_agreement: *agreement,
        }),
        CallerSpec::User { user, token } => {
            let organisation = format!("o{}", world.users[*user]);
            let reach = store
                .reach(&organisation)
                .await
                .unwrap_or_else(|error| panic!("{error}"));
            Caller::Member(Member {
                user: UserId::new(format!("u{user}")),
                organisation: OrgId::new(organisation),
                role: Role::Analyst,
                reach,
                token: token.as_ref().map(|(write, limit)| TokenAccess {
                    write: *write,
                    communities: limit.as_ref().map(named),
                }),
            })
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// 48 worlds × 6 callers × 5 actions × 10 objects: 14,400 (caller, action, object)
    /// cases, each checked for the decision and for the database's rows.
    #[test]
    fn decisions_and_database_rows_agree_with_the_oracle(world in world()) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|error| panic!("{error}"));
        let store = SqliteStore::open_in_memory().unwrap_or_else(|error| panic!("{error}"));
        let ids = runtime.block_on(build(&store, &world));
        for spec in &world.callers {
            let caller = runtime.block_on(caller(&store, &world, spec));
            for action in Action::ALL {
                let page = runtime.block_on(store.query(ObjectQuery {
                    versions: VersionSelection::All,
                    visibility: Some(visibility_filter(&caller, action)),
                    limit: 1_000,
                    ..ObjectQuery::default()
                })).unwrap_or_else(|error| panic!("{error}"));
                let rows: BTreeSet<&String> = page.objects.iter().map(|object| &object.id).collect();
                for (id, object) in ids.iter().zip(&world.objects) {
                    let expected = oracle(&world, spec, action, object);
                    let (owner, tlp, scope, recipients) = object;
                    let handling = Handling {
                        owner: OrgId::new(format!("o{owner}")),
                        tlp: *tlp,
                        scope: match scope {
                            ScopeSpec::Organisation => Scope::Organisation,
                            ScopeSpec::Communities(set) => Scope::Communities(named(set)),
                            ScopeSpec::Federated(set) => Scope::Federated(named(set)),
                            ScopeSpec::Public => Scope::Public,
                        },
                        recipients: recipients.iter().map(|user| UserId::new(format!("u{user}"))).collect(),
                    };
                    prop_assert_eq!(decide(&caller, action, &handling).allowed, expected, "decide {:?} {:?} {:?}", spec, action, object);
                    prop_assert_eq!(rows.contains(id), expected, "rows {:?} {:?} {:?}", spec, action, object);
                }
            }
        }
    }
}
