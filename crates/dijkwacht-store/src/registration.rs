//! Adding organisations and communities to the directory together with the STIX
//! `identity` that represents each of them (what their objects name as
//! `created_by_ref`). The command line and the REST API both go through here, so they
//! check the same things in the same order and refuse before anything is stored: a
//! mistake never leaves an orphaned identity behind.

use dijkwacht_directory::{
    CommunityKind, NameError, Sector, SizeClass, check_community_name, check_name,
};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_stix::{StixObject, Timestamp};
use serde_json::json;

use crate::directory::{Community, Directory, Organisation};
use crate::{IngestMode, PreparedObject, Provenance, Store, StoreError};

/// An organisation to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    pub name: String,
    /// Defaults to the name.
    pub display_name: Option<String>,
    pub sectors: Vec<Sector>,
    pub size: SizeClass,
    pub vital: bool,
}

/// A community to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommunity {
    pub name: String,
    /// Defaults to the name.
    pub display_name: Option<String>,
    pub kind: CommunityKind,
    pub parent: Option<String>,
    pub vetted: bool,
    pub default_tlp: TlpLevel,
}

/// Why an organisation or community was not added.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// The name breaks the naming rules.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The name is taken.
    #[error("{0}")]
    Exists(String),
    /// The parent community named does not exist.
    #[error("the parent community '{0}' does not exist; add it first")]
    UnknownParent(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores a STIX identity (`organization` or `group`) and returns its id.
pub async fn store_identity(
    store: &dyn Store,
    name: &str,
    identity_class: &str,
    description: &str,
) -> Result<String, StoreError> {
    let id = format!("identity--{}", uuid::Uuid::new_v4());
    let now = Timestamp::now().to_stix_millis();
    let object = StixObject::from_value(json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": id,
        "created": now,
        "modified": now,
        "name": name,
        "identity_class": identity_class,
        "description": description,
    }))
    .map_err(|error| StoreError::Invalid(format!("building an identity object: {error}")))?;
    let report = store
        .ingest(
            vec![PreparedObject::from_object(&object)],
            IngestMode::AllOrNothing,
            Provenance::new("directory"),
        )
        .await?;
    if !report.committed {
        return Err(StoreError::Invalid(format!(
            "the identity object for '{name}' was not stored"
        )));
    }
    Ok(id)
}

/// Adds an organisation with a new STIX identity.
pub async fn add_organisation(
    store: &dyn Store,
    directory: &dyn Directory,
    new: NewOrganisation,
) -> Result<Organisation, RegistrationError> {
    check_name("organisation", &new.name)?;
    if directory
        .organisations()
        .await?
        .iter()
        .any(|existing| existing.name == new.name)
    {
        return Err(RegistrationError::Exists(format!(
            "an organisation named '{}' exists already",
            new.name
        )));
    }
    let display_name = new.display_name.unwrap_or_else(|| new.name.clone());
    let identity = store_identity(
        store,
        &display_name,
        "organization",
        "A member organisation of this Dijkwacht instance.",
    )
    .await?;
    let organisation = Organisation {
        name: new.name,
        display_name,
        sectors: new.sectors,
        size: new.size,
        vital: new.vital,
        identity,
    };
    directory.add_organisation(organisation.clone()).await?;
    Ok(organisation)
}

/// Adds a community with a new STIX identity.
pub async fn add_community(
    store: &dyn Store,
    directory: &dyn Directory,
    new: NewCommunity,
) -> Result<Community, RegistrationError> {
    check_community_name(&new.name)?;
    let existing = directory.communities().await?;
    if existing.iter().any(|community| community.name == new.name) {
        return Err(RegistrationError::Exists(format!(
            "a community named '{}' exists already",
            new.name
        )));
    }
    if let Some(parent) = &new.parent {
        if !existing.iter().any(|community| community.name == *parent) {
            return Err(RegistrationError::UnknownParent(parent.clone()));
        }
    }
    let display_name = new.display_name.unwrap_or_else(|| new.name.clone());
    let identity = store_identity(
        store,
        &display_name,
        "group",
        "A community of this Dijkwacht instance.",
    )
    .await?;
    let community = Community {
        name: new.name,
        display_name,
        kind: new.kind,
        parent: new.parent,
        vetted: new.vetted,
        identity,
        default_tlp: new.default_tlp,
    };
    directory.add_community(community.clone()).await?;
    Ok(community)
}
