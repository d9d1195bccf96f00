//! How TAXII's API roots and collections follow the communities.
//!
//! - `/taxii2/public/` — the public tier: TLP:CLEAR intelligence with public scope.
//!   Everyone sees it, anonymous callers included; only platform admins write to it.
//! - `/taxii2/own/` — the caller's own organisation: everything it owns, whatever the
//!   scope. What is written here stays within the organisation.
//! - `/taxii2/<community>/` — one root per community the caller's organisation reaches
//!   (its communities and their ancestors): what is shared into that community.
//!   Analysts and admins of member organisations write to it; what they write is shared
//!   into the community, at the TLP of its markings or else the community's default.
//!
//! Each root has one collection, with an id derived from the root's name so that it is
//! stable across restarts and instances (a hash shaped as the UUIDv4 TAXII asks for). A caller sees only the roots they may read;
//! any other root or collection does not exist for them (404). Reading a collection is
//! always the sharing policy's visibility filter *and* the collection's own condition.

use std::collections::BTreeSet;

use dijkwacht_policy::{
    Action, Caller, CommunityId, Filter, Member, OrgId, Role, Scope, visibility_filter,
};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::StoreError;
use dijkwacht_store::directory::Directory;
use dijkwacht_store::intake::HandlingDefaults;

/// The root of the public tier.
pub const PUBLIC_ROOT: &str = "public";
/// The root of the caller's own organisation.
pub const OWN_ROOT: &str = "own";
/// Root names that no community may take.
pub const RESERVED_ROOT_NAMES: [&str; 2] = [PUBLIC_ROOT, OWN_ROOT];

/// What a root stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootKind {
    Public,
    Own(OrgId),
    Community(CommunityId),
}

/// An API root (with its one collection) as one caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootView {
    /// The URL segment under `/taxii2/`.
    pub name: String,
    pub title: String,
    pub description: String,
    pub kind: RootKind,
    pub can_write: bool,
    /// How objects written here are handled (when `can_write`).
    pub default_tlp: TlpLevel,
}

impl RootView {
    /// The id of the root's collection.
    pub fn collection_id(&self) -> String {
        collection_id(&self.name)
    }

    /// The objects of this root's collection that `caller` may do `action` to.
    pub fn filter(&self, caller: &Caller, action: Action) -> Filter {
        let own_condition = match &self.kind {
            RootKind::Public => Filter::ScopeIsPublic,
            RootKind::Own(organisation) => Filter::OwnerIs(organisation.clone()),
            RootKind::Community(community) => {
                Filter::ScopeNamesAnyOf(BTreeSet::from([community.clone()]))
            }
        };
        Filter::All(vec![visibility_filter(caller, action), own_condition])
    }

    /// The sharing attributes of objects `member` writes here.
    pub fn handling_for(&self, member: &Member) -> HandlingDefaults {
        let scope = match &self.kind {
            RootKind::Public => Scope::Public,
            RootKind::Own(_) => Scope::Organisation,
            RootKind::Community(community) => {
                Scope::Communities(BTreeSet::from([community.clone()]))
            }
        };
        HandlingDefaults {
            owner: member.organisation.to_string(),
            scope,
            tlp: self.default_tlp,
            recipients: BTreeSet::new(),
            attribute_to: None,
        }
    }
}

/// The id of a root's collection: TAXII wants a UUIDv4, and clients keep collection ids
/// across restarts, so it is the SHA-256 of the root's name shaped as a version-4 UUID
/// (stable, and unique per name).
pub fn collection_id(root: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("dijkwacht:collection:{root}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

fn may_publish(member: &Member) -> bool {
    member.role >= Role::Analyst && member.may_write()
}

/// A token limited to communities writes only into those communities.
fn limited_to_communities(member: &Member) -> bool {
    member
        .token
        .as_ref()
        .is_some_and(|token| token.communities.is_some())
}

/// Every root `caller` may read, public first, then their own, then communities by name.
pub async fn roots_for(
    caller: &Caller,
    directory: &dyn Directory,
) -> Result<Vec<RootView>, StoreError> {
    let mut roots = vec![public_root(caller)];
    let Caller::Member(member) = caller else {
        return Ok(roots);
    };
    roots.push(own_root(member));
    let reach = member.effective_reach();
    if reach.is_empty() {
        return Ok(roots);
    }
    let memberships = directory.memberships().await?;
    let mut communities = directory.communities().await?;
    communities.sort_by(|left, right| left.name.cmp(&right.name));
    for community in communities {
        let id = CommunityId::new(community.name.clone());
        if !reach.contains(&id) || RESERVED_ROOT_NAMES.contains(&community.name.as_str()) {
            continue;
        }
        let is_member = memberships.iter().any(|membership| {
            membership.community == community.name
                && membership.organisation == member.organisation.as_str()
                && membership.stage.is_member()
        });
        roots.push(RootView {
            name: community.name.clone(),
            title: community.display_name.clone(),
            description: format!(
                "What is shared into the community '{}'{}.",
                community.display_name,
                community
                    .parent
                    .as_ref()
                    .map(|parent| format!(" (part of '{parent}')"))
                    .unwrap_or_default()
            ),
            kind: RootKind::Community(id),
            can_write: is_member && may_publish(member),
            default_tlp: community.default_tlp,
        });
    }
    Ok(roots)
}

/// The root called `name`, if `caller` may read it.
pub async fn root_named(
    caller: &Caller,
    directory: &dyn Directory,
    name: &str,
) -> Result<Option<RootView>, StoreError> {
    match (name, caller) {
        (PUBLIC_ROOT, _) => Ok(Some(public_root(caller))),
        (OWN_ROOT, Caller::Member(member)) => Ok(Some(own_root(member))),
        (OWN_ROOT, _) => Ok(None),
        (_, Caller::Member(member))
            if member.effective_reach().contains(&CommunityId::new(name)) =>
        {
            Ok(roots_for(caller, directory)
                .await?
                .into_iter()
                .find(|root| root.name == name))
        }
        _ => Ok(None),
    }
}

fn public_root(caller: &Caller) -> RootView {
    RootView {
        name: PUBLIC_ROOT.to_owned(),
        title: "Public".to_owned(),
        description: "TLP:CLEAR intelligence that anyone may read.".to_owned(),
        kind: RootKind::Public,
        can_write: matches!(caller, Caller::Member(member)
            if member.role == Role::PlatformAdmin
                && member.may_write()
                && !limited_to_communities(member)),
        default_tlp: TlpLevel::Clear,
    }
}

fn own_root(member: &Member) -> RootView {
    RootView {
        name: OWN_ROOT.to_owned(),
        title: format!("Your organisation ({})", member.organisation),
        description: "Everything your organisation owns, whatever it is shared with; what is \
                      written here stays within your organisation."
            .to_owned(),
        kind: RootKind::Own(member.organisation.clone()),
        can_write: may_publish(member) && !limited_to_communities(member),
        default_tlp: TlpLevel::AmberStrict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_ids_are_stable_version_4_uuids_unique_per_root() {
        let water = collection_id("water");
        assert_eq!(water, collection_id("water"));
        assert_ne!(water, collection_id("haven"));
        let parsed = uuid::Uuid::parse_str(&water).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
    }
}
