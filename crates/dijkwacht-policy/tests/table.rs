//! Every TLP level × every relation of caller to object × every action, against the
//! table of design.md, written out cell by cell. `decide` and the filter must both give
//! the written answer.

use std::collections::BTreeSet;

use dijkwacht_policy::{
    Action, Caller, CommunityId, Handling, Member, OrgId, Peer, PeerId, Role, Scope, UserId,
    decide, visibility_filter,
};
use dijkwacht_stix::tlp::TlpLevel;

fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    items.into_iter().collect()
}

fn member(user: &str, organisation: &str, reach: &[&str]) -> Caller {
    Caller::Member(Member {
        user: UserId::new(user),
        organisation: OrgId::new(organisation),
        role: Role::Analyst,
        reach: set(reach.iter().map(|community| CommunityId::new(*community))),
        token: None,
    })
}

fn peer(amber_agreement: bool) -> Caller {
    Caller::Peer(Peer {
        peer: PeerId::new("ncsc-hub"),
        federated: set([CommunityId::new("water")]),
        amber_agreement,
    })
}

/// The relations of the table, by name.
fn callers() -> Vec<(&'static str, Caller)> {
    vec![
        ("same-org", member("alice", "waterschap", &["water"])),
        ("in-scope", member("bob", "drinkwater", &["water"])),
        ("out-of-scope", member("carol", "haven", &["logistiek"])),
        ("recipient", member("dave", "haven", &["logistiek"])),
        ("anonymous", Caller::Anonymous),
        ("peer-agreement", peer(true)),
        ("peer", peer(false)),
    ]
}

/// Which of Read, Export, Forward, Edit, Revoke each relation may do, per TLP level,
/// for an object owned by `waterschap`, scoped to the `water` community and its
/// federated peers, naming `dave` as recipient.
fn expected(tlp: TlpLevel, relation: &str) -> &'static str {
    use TlpLevel::{Amber, AmberStrict, Clear, Green, Red};
    match (tlp, relation) {
        (_, "same-org") if tlp != Red => match tlp {
            Clear | Green => "REF++",
            _ => "RE-++",
        },
        (Red, "same-org") => "---++",
        (Clear | Green, "in-scope") => "REF--",
        (Amber | AmberStrict, "in-scope") => "RE---",
        (Red, "recipient") => "R----",
        (Clear | Green, "peer-agreement" | "peer") => "REF--",
        (Amber, "peer-agreement") => "REF--",
        _ => "-----",
    }
}

#[test]
fn every_cell_of_the_table() {
    let levels = [
        TlpLevel::Clear,
        TlpLevel::Green,
        TlpLevel::Amber,
        TlpLevel::AmberStrict,
        TlpLevel::Red,
    ];
    let mut checked = 0;
    for tlp in levels {
        let handling = Handling {
            owner: OrgId::new("waterschap"),
            tlp,
            scope: Scope::Federated(set([CommunityId::new("water")])),
            recipients: set([UserId::new("dave")]),
        };
        for (relation, caller) in callers() {
            let pattern = expected(tlp, relation);
            for (action, expected_char) in Action::ALL.iter().zip(pattern.chars()) {
                let allowed = expected_char != '-';
                let decision = decide(&caller, *action, &handling);
                assert_eq!(
                    decision.allowed, allowed,
                    "{tlp:?} × {relation} × {action:?}: {}",
                    decision.reason
                );
                assert_eq!(
                    visibility_filter(&caller, *action).matches(&handling),
                    allowed,
                    "filter for {tlp:?} × {relation} × {action:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 7 * 5);
}

#[test]
fn public_clear_reaches_anonymous_callers_and_nothing_else_does() {
    let public = Handling {
        owner: OrgId::new("waterschap"),
        tlp: TlpLevel::Clear,
        scope: Scope::Public,
        recipients: BTreeSet::new(),
    };
    assert!(decide(&Caller::Anonymous, Action::Read, &public).allowed);
    assert!(!decide(&Caller::Anonymous, Action::Edit, &public).allowed);
    let green_public = Handling {
        tlp: TlpLevel::Green,
        ..public.clone()
    };
    assert!(!decide(&Caller::Anonymous, Action::Read, &green_public).allowed);
    let own = Handling {
        scope: Scope::Organisation,
        ..public
    };
    assert!(!decide(&Caller::Anonymous, Action::Read, &own).allowed);
    assert!(!decide(&member("bob", "drinkwater", &["water"]), Action::Read, &own).allowed);
    assert!(decide(&member("alice", "waterschap", &[]), Action::Read, &own).allowed);
}
