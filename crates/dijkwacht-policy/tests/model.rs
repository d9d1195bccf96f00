//! Model-based test: random worlds of organisations, nested communities, memberships in
//! every stage, users, tokens, peers and objects. For every (caller, action, object) the
//! policy's decision and its filter must agree with a small oracle written plainly here,
//! straight from the rules in design.md, sharing no code with the policy.

use std::collections::BTreeSet;

use dijkwacht_policy::{
    Action, Caller, CommunityId, Handling, Member, OrgId, Peer, PeerId, Role, Scope, TokenAccess,
    UserId, decide, visibility_filter,
};
use dijkwacht_stix::tlp::TlpLevel;
use proptest::prelude::*;

const ORGANISATIONS: usize = 4;
const COMMUNITIES: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    None,
    Applicant,
    Participant,
    Partner,
}

#[derive(Debug, Clone)]
struct World {
    /// parent[c] = the parent community of c (always a lower number, so no cycles).
    parent: Vec<Option<usize>>,
    /// stage[o][c]
    stage: Vec<Vec<Stage>>,
}

impl World {
    fn ancestors_or_self(&self, community: usize) -> Vec<usize> {
        let mut chain = vec![community];
        let mut current = community;
        while let Some(parent) = self.parent[current] {
            chain.push(parent);
            current = parent;
        }
        chain
    }

    /// The oracle's notion: content shared into `community` reaches `organisation` when
    /// it is a participant or partner of that community or of any descendant of it.
    fn organisation_receives(&self, organisation: usize, community: usize) -> bool {
        (0..COMMUNITIES).any(|member_of| {
            matches!(
                self.stage[organisation][member_of],
                Stage::Participant | Stage::Partner
            ) && self.ancestors_or_self(member_of).contains(&community)
        })
    }

    /// What the application computes for a caller: memberships and their ancestors.
    fn reach(&self, organisation: usize) -> BTreeSet<CommunityId> {
        let mut reach = BTreeSet::new();
        for community in 0..COMMUNITIES {
            if matches!(
                self.stage[organisation][community],
                Stage::Participant | Stage::Partner
            ) {
                for ancestor in self.ancestors_or_self(community) {
                    reach.insert(community_id(ancestor));
                }
            }
        }
        reach
    }
}

fn community_id(number: usize) -> CommunityId {
    CommunityId::new(format!("c{number}"))
}

fn organisation_id(number: usize) -> OrgId {
    OrgId::new(format!("o{number}"))
}

fn user_id(number: usize) -> UserId {
    UserId::new(format!("u{number}"))
}

#[derive(Debug, Clone)]
enum CallerSpec {
    Anonymous,
    Member {
        user: usize,
        organisation: usize,
        role: Role,
        token: Option<(bool, Option<BTreeSet<usize>>)>,
    },
    Peer {
        federated: BTreeSet<usize>,
        agreement: bool,
    },
}

#[derive(Debug, Clone)]
enum ScopeSpec {
    Organisation,
    Communities(BTreeSet<usize>),
    Federated(BTreeSet<usize>),
    Public,
}

#[derive(Debug, Clone)]
struct ObjectSpec {
    owner: usize,
    tlp: TlpLevel,
    scope: ScopeSpec,
    recipients: BTreeSet<usize>,
}

fn world() -> impl Strategy<Value = World> {
    let parents = (0..COMMUNITIES)
        .map(|community| {
            if community == 0 {
                Just(None).boxed()
            } else {
                proptest::option::of(0..community).boxed()
            }
        })
        .collect::<Vec<_>>();
    let stage = prop_oneof![
        3 => Just(Stage::None),
        1 => Just(Stage::Applicant),
        1 => Just(Stage::Participant),
        1 => Just(Stage::Partner)
    ];
    let stages =
        proptest::collection::vec(proptest::collection::vec(stage, COMMUNITIES), ORGANISATIONS);
    (parents, stages).prop_map(|(parent, stage)| World { parent, stage })
}

fn communities() -> impl Strategy<Value = BTreeSet<usize>> {
    proptest::collection::btree_set(0..COMMUNITIES, 1..3)
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

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Member),
        Just(Role::Analyst),
        Just(Role::OrganisationAdmin),
        Just(Role::Moderator),
        Just(Role::PlatformAdmin)
    ]
}

fn caller() -> impl Strategy<Value = CallerSpec> {
    prop_oneof![
        1 => Just(CallerSpec::Anonymous),
        4 => (0..8usize, 0..ORGANISATIONS, role(), proptest::option::of((any::<bool>(), proptest::option::of(communities()))))
            .prop_map(|(user, organisation, role, token)| CallerSpec::Member { user, organisation, role, token }),
        2 => (communities(), any::<bool>()).prop_map(|(federated, agreement)| CallerSpec::Peer { federated, agreement }),
    ]
}

fn object() -> impl Strategy<Value = ObjectSpec> {
    let scope = prop_oneof![
        Just(ScopeSpec::Organisation),
        communities().prop_map(ScopeSpec::Communities),
        communities().prop_map(ScopeSpec::Federated),
        Just(ScopeSpec::Public),
    ];
    (
        0..ORGANISATIONS,
        tlp(),
        scope,
        proptest::collection::btree_set(0..8usize, 0..3),
    )
        .prop_map(|(owner, tlp, scope, recipients)| ObjectSpec {
            owner,
            tlp,
            scope,
            recipients,
        })
}

/// The rules, written out plainly.
fn oracle(world: &World, caller: &CallerSpec, action: Action, object: &ObjectSpec) -> bool {
    let changes = matches!(action, Action::Edit | Action::Revoke);
    let public_clear = object.tlp == TlpLevel::Clear && matches!(object.scope, ScopeSpec::Public);
    match caller {
        CallerSpec::Anonymous => !changes && public_clear,
        CallerSpec::Peer {
            federated,
            agreement,
        } => {
            if changes {
                return false;
            }
            let federated_here = match &object.scope {
                ScopeSpec::Federated(named) => {
                    named.iter().any(|community| federated.contains(community))
                }
                _ => false,
            };
            let level_may_go = match object.tlp {
                TlpLevel::Clear | TlpLevel::Green => true,
                TlpLevel::Amber => *agreement,
                TlpLevel::AmberStrict | TlpLevel::Red => false,
            };
            public_clear || (federated_here && level_may_go)
        }
        CallerSpec::Member {
            user,
            organisation,
            role,
            token,
        } => {
            let writes = token.as_ref().is_none_or(|(write, _)| *write);
            if changes {
                return *organisation == object.owner && *role >= Role::Analyst && writes;
            }
            if object.tlp == TlpLevel::Red {
                return action == Action::Read
                    && token.is_none()
                    && object.recipients.contains(user);
            }
            let limit = token.as_ref().and_then(|(_, limit)| limit.as_ref());
            let owns = *organisation == object.owner && limit.is_none();
            let receives = |community: &usize| {
                world.organisation_receives(*organisation, *community)
                    && limit.is_none_or(|limit| limit.contains(community))
            };
            let in_scope = owns
                || match &object.scope {
                    ScopeSpec::Organisation => false,
                    ScopeSpec::Public => true,
                    ScopeSpec::Communities(named) | ScopeSpec::Federated(named) => {
                        named.iter().any(receives)
                    }
                };
            if !in_scope {
                return false;
            }
            match action {
                Action::Forward => {
                    object.tlp == TlpLevel::Clear
                        || (object.tlp == TlpLevel::Green
                            && matches!(object.scope, ScopeSpec::Federated(_) | ScopeSpec::Public))
                }
                _ => true,
            }
        }
    }
}

fn to_caller(world: &World, spec: &CallerSpec) -> Caller {
    match spec {
        CallerSpec::Anonymous => Caller::Anonymous,
        CallerSpec::Member {
            user,
            organisation,
            role,
            token,
        } => Caller::Member(Member {
            user: user_id(*user),
            organisation: organisation_id(*organisation),
            role: *role,
            reach: world.reach(*organisation),
            token: token.as_ref().map(|(write, limit)| TokenAccess {
                write: *write,
                communities: limit.as_ref().map(|limit| {
                    limit
                        .iter()
                        .map(|community| community_id(*community))
                        .collect()
                }),
            }),
        }),
        CallerSpec::Peer {
            federated,
            agreement,
        } => Caller::Peer(Peer {
            peer: PeerId::new("peer"),
            federated: federated
                .iter()
                .map(|community| community_id(*community))
                .collect(),
            amber_agreement: *agreement,
        }),
    }
}

fn to_handling(spec: &ObjectSpec) -> Handling {
    let named = |set: &BTreeSet<usize>| {
        set.iter()
            .map(|community| community_id(*community))
            .collect()
    };
    Handling {
        owner: organisation_id(spec.owner),
        tlp: spec.tlp,
        scope: match &spec.scope {
            ScopeSpec::Organisation => Scope::Organisation,
            ScopeSpec::Communities(set) => Scope::Communities(named(set)),
            ScopeSpec::Federated(set) => Scope::Federated(named(set)),
            ScopeSpec::Public => Scope::Public,
        },
        recipients: spec.recipients.iter().map(|user| user_id(*user)).collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Each case is a world with 6 callers and 8 objects, all 5 actions: 240 checks a
    /// case, about 96,000 in all.
    #[test]
    fn policy_and_filter_agree_with_the_oracle(
        world in world(),
        callers in proptest::collection::vec(caller(), 6),
        objects in proptest::collection::vec(object(), 8),
    ) {
        for caller_spec in &callers {
            let caller = to_caller(&world, caller_spec);
            for action in Action::ALL {
                let filter = visibility_filter(&caller, action);
                for object_spec in &objects {
                    let handling = to_handling(object_spec);
                    let expected = oracle(&world, caller_spec, action, object_spec);
                    let decision = decide(&caller, action, &handling);
                    prop_assert_eq!(decision.allowed, expected, "decide: {:?} {:?} {:?} ({})", caller_spec, action, object_spec, decision.reason);
                    prop_assert_eq!(filter.matches(&handling), expected, "filter: {:?} {:?} {:?}", caller_spec, action, object_spec);
                }
            }
        }
    }
}
