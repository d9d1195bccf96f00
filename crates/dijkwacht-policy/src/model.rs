//! Who asks, what they ask to do, and what an object says about where it may go.

use std::collections::BTreeSet;

pub use dijkwacht_stix::tlp::TlpLevel;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> $name {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    )*};
}

id_type!(
    /// An organisation of this instance.
    OrgId,
    /// A user (a person) of an organisation.
    UserId,
    /// A community.
    CommunityId,
    /// Another instance or TAXII server this one exchanges with.
    PeerId
);

/// Where an object may go, as its owner said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The owner's own organisation.
    Organisation,
    /// Member organisations of the listed communities (and of their descendants).
    Communities(BTreeSet<CommunityId>),
    /// As [`Scope::Communities`], and the peers federated with those communities.
    Federated(BTreeSet<CommunityId>),
    /// Anyone.
    Public,
}

impl Scope {
    /// The communities named, if any.
    pub fn communities(&self) -> Option<&BTreeSet<CommunityId>> {
        match self {
            Scope::Communities(communities) | Scope::Federated(communities) => Some(communities),
            Scope::Organisation | Scope::Public => None,
        }
    }
}

/// What the sharing rules need to know of a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handling {
    pub owner: OrgId,
    pub tlp: TlpLevel,
    pub scope: Scope,
    /// For TLP:RED, the users it was given to.
    pub recipients: BTreeSet<UserId>,
}

/// A user's role, from least to most powerful in what it may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads.
    Member,
    /// Reads and publishes for the organisation.
    Analyst,
    /// Manages the organisation's users and tokens; publishes.
    OrganisationAdmin,
    /// Runs communities: admits members, curates.
    Moderator,
    /// Runs the instance.
    PlatformAdmin,
}

/// What an API token allows beyond its user's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAccess {
    /// Whether the token may write (publish, edit, revoke); otherwise read only.
    pub write: bool,
    /// When set, the token sees only content shared into these communities (never more
    /// than its user).
    pub communities: Option<BTreeSet<CommunityId>>,
}

/// A user of a member organisation, signed in or acting through a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user: UserId,
    pub organisation: OrgId,
    pub role: Role,
    /// The communities whose shared content this organisation may see: those it is a
    /// participant or partner of, and every ancestor of those (what is shared into a
    /// parent reaches the members of all its descendants). Applicants are not members.
    pub reach: BTreeSet<CommunityId>,
    /// `Some` when the caller acts through an API token.
    pub token: Option<TokenAccess>,
}

impl Member {
    /// The communities this caller sees into, after any token limit.
    pub fn effective_reach(&self) -> BTreeSet<&CommunityId> {
        match self
            .token
            .as_ref()
            .and_then(|token| token.communities.as_ref())
        {
            Some(limit) => self.reach.intersection(limit).collect(),
            None => self.reach.iter().collect(),
        }
    }

    /// Whether the caller may change things (not a read-only token).
    pub fn may_write(&self) -> bool {
        self.token.as_ref().is_none_or(|token| token.write)
    }
}

/// Another instance pulling from or pushed to by this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub peer: PeerId,
    /// The communities whose federated content this peer receives.
    pub federated: BTreeSet<CommunityId>,
    /// Whether an explicit agreement lets TLP:AMBER go to this peer.
    pub amber_agreement: bool,
}

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Member(Member),
    Peer(Peer),
}

/// What the caller wants to do with an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See it, one object or in a listing.
    Read,
    /// Take it in bulk: exports, feeds, blocklists, digests.
    Export,
    /// Pass it beyond this instance: federation, e-mail.
    Forward,
    /// Make a new version.
    Edit,
    /// Revoke it.
    Revoke,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Read,
        Action::Export,
        Action::Forward,
        Action::Edit,
        Action::Revoke,
    ];
}
