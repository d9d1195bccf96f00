//! The directory: organisations, communities, memberships and users, as a storage
//! contract of its own beside [`crate::Store`]. The sharing rules read from it who
//! belongs where ([`Directory::reach`]); the administration commands write to it.

use std::collections::BTreeSet;

use async_trait::async_trait;
use dijkwacht_directory::{CommunityKind, MembershipStage, Sector, SizeClass};
use dijkwacht_policy::{CommunityId, Role};
use dijkwacht_stix::tlp::TlpLevel;

use crate::StoreError;

/// How long an application to a vetted community stays open: thirty days.
pub const APPLICATION_LIFETIME_MICROS: i64 = 30 * 24 * 3_600 * 1_000_000;

/// A member organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// A short, unique name: lower-case letters, digits and `-` (`waterbedrijf`).
    pub name: String,
    pub display_name: String,
    pub sectors: Vec<Sector>,
    pub size: SizeClass,
    /// Whether it is a vital operator.
    pub vital: bool,
    /// The STIX identity that represents it as `created_by_ref`.
    pub identity: String,
}

/// A community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// A short, unique name (`water`, `regio-rijnmond`).
    pub name: String,
    pub display_name: String,
    pub kind: CommunityKind,
    /// What is shared into the parent reaches this community's members too.
    pub parent: Option<String>,
    /// Vetted communities admit applicants by a moderator's decision; open ones at once.
    pub vetted: bool,
    /// The STIX identity objects are attributed to when published through it.
    pub identity: String,
    /// The TLP level of objects shared into it without a TLP marking.
    pub default_tlp: TlpLevel,
}

/// An organisation's standing in a community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub community: String,
    pub organisation: String,
    pub stage: MembershipStage,
    /// The organisation's contact person for this community.
    pub contact: Option<String>,
    /// When the organisation asked to join (Unix microseconds).
    pub applied_at: i64,
}

/// A user of a member organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The login, an e-mail address.
    pub email: String,
    pub organisation: String,
    pub role: Role,
}

/// An API token as stored: never its secret, only the secret's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The public id (`dwt_<id>_…`).
    pub id: String,
    /// The user the token acts for.
    pub user: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    /// Whether it may write; otherwise read only.
    pub write: bool,
    /// When set, the token sees only content shared into these communities.
    pub communities: Option<Vec<String>>,
    /// Unix microseconds.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Everything Dijkwacht asks of a directory backend.
#[async_trait]
pub trait Directory: Send + Sync + std::fmt::Debug {
    /// Adds an organisation; [`StoreError::Invalid`] if the name is taken.
    async fn add_organisation(&self, organisation: Organisation) -> Result<(), StoreError>;

    async fn organisations(&self) -> Result<Vec<Organisation>, StoreError>;

    /// Adds a community; [`StoreError::Invalid`] if the name is taken or the parent is
    /// unknown.
    async fn add_community(&self, community: Community) -> Result<(), StoreError>;

    async fn communities(&self) -> Result<Vec<Community>, StoreError>;

    /// An organisation asks to join: participant at once in an open community, applicant
    /// in a vetted one. Returns the stage reached.
    async fn join(
        &self,
        community: &str,
        organisation: &str,
        contact: Option<String>,
    ) -> Result<MembershipStage, StoreError>;

    /// A moderator's decision on a membership; [`StoreError::NotFound`] when the
    /// organisation has not applied, [`StoreError::Invalid`] when its application is
    /// older than [`APPLICATION_LIFETIME_MICROS`] (it must apply again).
    async fn set_stage(
        &self,
        community: &str,
        organisation: &str,
        stage: MembershipStage,
    ) -> Result<(), StoreError>;

    /// Ends a membership (or withdraws an application) at once.
    async fn leave(&self, community: &str, organisation: &str) -> Result<(), StoreError>;

    async fn memberships(&self) -> Result<Vec<Membership>, StoreError>;

    /// The communities whose shared content the organisation receives: those it is a
    /// participant or partner of, and all their ancestors.
    async fn reach(&self, organisation: &str) -> Result<BTreeSet<CommunityId>, StoreError>;

    /// Adds a user with an argon2id password hash; [`StoreError::Invalid`] if the login
    /// is taken or the organisation unknown.
    async fn add_user(&self, user: User, password_hash: String) -> Result<(), StoreError>;

    async fn users(&self) -> Result<Vec<User>, StoreError>;

    /// The user with this login and their password hash, for signing in.
    async fn user_with_password(&self, email: &str) -> Result<Option<(User, String)>, StoreError>;

    /// Stores a new token; [`StoreError::Invalid`] if its user is unknown.
    async fn add_token(&self, token: TokenRecord) -> Result<(), StoreError>;

    /// All tokens, revoked ones included, oldest first.
    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;

    /// One token by id, revoked or not.
    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// Revokes a token at once; [`StoreError::NotFound`] when there is none.
    async fn revoke_token(&self, id: &str, at: i64) -> Result<(), StoreError>;

    /// Records that a token was used.
    async fn touch_token(&self, id: &str, at: i64) -> Result<(), StoreError>;
}
