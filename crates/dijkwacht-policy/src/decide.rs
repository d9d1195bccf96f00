//! The decision for one caller, one action and one object, with the reason.

use std::fmt;

use crate::model::{Action, Caller, Handling, Member, Peer, Role, Scope, TlpLevel};

/// Yes or no, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
}

/// Why a decision went the way it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// TLP:CLEAR with public scope: anyone.
    Public,
    /// The caller's organisation owns the object.
    OwnOrganisation,
    /// The caller's organisation is in the object's scope.
    InScope,
    /// The caller is a named recipient of a TLP:RED object.
    NamedRecipient,
    /// A peer federated with a community in scope.
    FederatedPeer,
    /// The caller's organisation is not in the object's scope.
    OutOfScope,
    /// Anonymous callers see only TLP:CLEAR objects with public scope.
    NotPublic,
    /// TLP:RED goes to its named recipients only.
    NotARecipient,
    /// TLP:RED is never exported, forwarded or read through a token.
    RedNeverInBulk,
    /// TLP:AMBER+STRICT never leaves the organisations in scope.
    StrictNeverForwarded,
    /// TLP:AMBER leaves only to peers with an explicit agreement.
    AmberNeedsAgreement,
    /// The scope keeps the object on this instance.
    ScopeNotFederated,
    /// Only the owning organisation's analysts and admins change an object.
    NotTheOwner,
    /// The caller's role does not allow changes.
    RoleTooLow,
    /// The caller's token is read-only.
    ReadOnlyToken,
    /// Peers and anonymous callers change nothing here.
    NoChangesFromOutside,
}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Reason::Public => "TLP:CLEAR with public scope may go to anyone",
            Reason::OwnOrganisation => "the caller's organisation owns it",
            Reason::InScope => "the caller's organisation is in its scope",
            Reason::NamedRecipient => "the caller is a named recipient",
            Reason::FederatedPeer => "the peer is federated with a community in its scope",
            Reason::OutOfScope => "the caller's organisation is not in its scope",
            Reason::NotPublic => "only TLP:CLEAR with public scope is visible without signing in",
            Reason::NotARecipient => "TLP:RED goes to its named recipients only",
            Reason::RedNeverInBulk => {
                "TLP:RED is never exported, forwarded or handed to a machine token"
            }
            Reason::StrictNeverForwarded => {
                "TLP:AMBER+STRICT never leaves the organisations in its scope"
            }
            Reason::AmberNeedsAgreement => {
                "TLP:AMBER goes only to peers with an explicit agreement"
            }
            Reason::ScopeNotFederated => "its scope keeps it on this instance",
            Reason::NotTheOwner => "only the owning organisation may change it",
            Reason::RoleTooLow => "the caller's role may not change objects",
            Reason::ReadOnlyToken => "the caller's token is read-only",
            Reason::NoChangesFromOutside => "peers and anonymous callers change nothing here",
        })
    }
}

fn allow(reason: Reason) -> Decision {
    Decision {
        allowed: true,
        reason,
    }
}

fn deny(reason: Reason) -> Decision {
    Decision {
        allowed: false,
        reason,
    }
}

/// May `caller` do `action` to an object handled as `handling`?
pub fn decide(caller: &Caller, action: Action, handling: &Handling) -> Decision {
    match caller {
        Caller::Anonymous => decide_anonymous(action, handling),
        Caller::Member(member) => decide_member(member, action, handling),
        Caller::Peer(peer) => decide_peer(peer, action, handling),
    }
}

fn decide_anonymous(action: Action, handling: &Handling) -> Decision {
    if matches!(action, Action::Edit | Action::Revoke) {
        return deny(Reason::NoChangesFromOutside);
    }
    if handling.tlp == TlpLevel::Clear && handling.scope == Scope::Public {
        allow(Reason::Public)
    } else {
        deny(Reason::NotPublic)
    }
}

/// Whether the member's organisation is within the object's scope, and why.
fn member_in_scope(member: &Member, handling: &Handling) -> Option<Reason> {
    let token_limited = member
        .token
        .as_ref()
        .is_some_and(|token| token.communities.is_some());
    if member.organisation == handling.owner && !token_limited {
        return Some(Reason::OwnOrganisation);
    }
    match &handling.scope {
        Scope::Public => Some(Reason::InScope),
        Scope::Organisation => None,
        Scope::Communities(communities) | Scope::Federated(communities) => {
            let reach = member.effective_reach();
            communities
                .iter()
                .any(|community| reach.contains(community))
                .then_some(Reason::InScope)
        }
    }
}

fn decide_member(member: &Member, action: Action, handling: &Handling) -> Decision {
    if matches!(action, Action::Edit | Action::Revoke) {
        if member.organisation != handling.owner {
            return deny(Reason::NotTheOwner);
        }
        if member.role < Role::Analyst {
            return deny(Reason::RoleTooLow);
        }
        if !member.may_write() {
            return deny(Reason::ReadOnlyToken);
        }
        return allow(Reason::OwnOrganisation);
    }
    if handling.tlp == TlpLevel::Red {
        if action != Action::Read || member.token.is_some() {
            return deny(Reason::RedNeverInBulk);
        }
        return if handling.recipients.contains(&member.user) {
            allow(Reason::NamedRecipient)
        } else {
            deny(Reason::NotARecipient)
        };
    }
    let Some(reason) = member_in_scope(member, handling) else {
        return deny(Reason::OutOfScope);
    };
    if action != Action::Forward {
        return allow(reason);
    }
    // Passing it on beyond this instance.
    match handling.tlp {
        TlpLevel::Clear => allow(reason),
        TlpLevel::Green => match handling.scope {
            Scope::Federated(_) | Scope::Public => allow(reason),
            Scope::Organisation | Scope::Communities(_) => deny(Reason::ScopeNotFederated),
        },
        TlpLevel::Amber => deny(Reason::AmberNeedsAgreement),
        TlpLevel::AmberStrict => deny(Reason::StrictNeverForwarded),
        TlpLevel::Red => deny(Reason::RedNeverInBulk),
    }
}

fn decide_peer(peer: &Peer, action: Action, handling: &Handling) -> Decision {
    if matches!(action, Action::Edit | Action::Revoke) {
        return deny(Reason::NoChangesFromOutside);
    }
    let federated_in_scope = match &handling.scope {
        Scope::Federated(communities) => communities
            .iter()
            .any(|community| peer.federated.contains(community)),
        Scope::Organisation | Scope::Communities(_) | Scope::Public => false,
    };
    match handling.tlp {
        TlpLevel::Red => deny(Reason::RedNeverInBulk),
        TlpLevel::AmberStrict => deny(Reason::StrictNeverForwarded),
        TlpLevel::Clear if handling.scope == Scope::Public => allow(Reason::Public),
        _ if !federated_in_scope => deny(Reason::ScopeNotFederated),
        TlpLevel::Amber if !peer.amber_agreement => deny(Reason::AmberNeedsAgreement),
        TlpLevel::Clear | TlpLevel::Green | TlpLevel::Amber => allow(Reason::FederatedPeer),
    }
}
