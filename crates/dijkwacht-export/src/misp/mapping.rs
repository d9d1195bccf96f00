//! From STIX to MISP's vocabulary: which attribute type and category a value becomes,
//! which `tlp:` tag a TLP level is, and what `distribution` hints at it. The type and
//! category pairs are MISP's defaults (PyMISP `describeTypes.json`), as the real feeds
//! in `../shared/data/misp` use them.

use dijkwacht_stix::StixObject;
use dijkwacht_stix::tlp::TlpLevel;

use super::{MispAttribute, MispTag, change_of, derived_uuid};
use crate::indicator::offered_values;
use crate::values::{HashAlgorithm, ValueKind};
use crate::{IndicatorFilter, SkipReason};

/// An attribute before it knows its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AttributeDraft {
    pub attribute_type: &'static str,
    pub category: &'static str,
    pub value: String,
    pub to_ids: bool,
    pub deleted: bool,
    pub timestamp: i64,
    pub comment: String,
    pub tlp: Option<TlpLevel>,
}

impl AttributeDraft {
    pub fn to_attribute(&self, event_uuid: &str, stix_id: &str) -> MispAttribute {
        MispAttribute {
            uuid: derived_uuid(&format!(
                "{event_uuid}/{stix_id}/{}/{}",
                self.attribute_type, self.value
            )),
            attribute_type: self.attribute_type.to_owned(),
            category: self.category.to_owned(),
            value: self.value.clone(),
            to_ids: self.to_ids,
            deleted: self.deleted,
            disable_correlation: false,
            timestamp: self.timestamp.to_string(),
            comment: self.comment.clone(),
            tags: self.tlp.and_then(tlp_tag).into_iter().collect(),
        }
    }
}

/// The attributes one object gives: an indicator with a simple pattern, an observable,
/// or a vulnerability. Anything else is not applicable.
pub(super) fn attribute_drafts(
    object: &StixObject,
    tlp: Option<TlpLevel>,
    filter: &IndicatorFilter,
) -> Result<Vec<AttributeDraft>, SkipReason> {
    let timestamp =
        change_of(object).map_or(0, |instant| instant.unix_micros().div_euclid(1_000_000));
    let comment = match object.display_name() {
        Some(name) => format!("{name} ({})", object.id()),
        None => object.id().to_owned(),
    };
    let draft = |attribute_type, category, value: String, to_ids| AttributeDraft {
        attribute_type,
        category,
        value,
        to_ids,
        deleted: object.revoked(),
        timestamp,
        comment: comment.clone(),
        tlp,
    };
    if object.object_type() == "vulnerability" {
        let name = cve_of(object)
            .or_else(|| object.display_name())
            .ok_or(SkipReason::NotApplicable)?;
        return Ok(vec![draft(
            "vulnerability",
            "External analysis",
            name.to_owned(),
            false,
        )]);
    }
    let offered = offered_values(object, filter)?;
    if !offered.simple {
        return Err(SkipReason::ComplexPattern);
    }
    let drafts: Vec<AttributeDraft> = offered
        .values
        .into_iter()
        .filter_map(|value| {
            let (attribute_type, category) = misp_type(value.kind()?);
            Some(draft(
                attribute_type,
                category,
                value.value,
                offered.from_indicator,
            ))
        })
        .collect();
    if drafts.is_empty() {
        return Err(SkipReason::NotApplicable);
    }
    Ok(drafts)
}

/// The CVE a vulnerability names in its external references.
fn cve_of(object: &StixObject) -> Option<&str> {
    object
        .get("external_references")?
        .as_array()?
        .iter()
        .find(|reference| {
            reference.get("source_name").and_then(|name| name.as_str()) == Some("cve")
        })?
        .get("external_id")?
        .as_str()
}

/// MISP's attribute type and default category for a kind of value.
pub(super) fn misp_type(kind: ValueKind) -> (&'static str, &'static str) {
    const NETWORK: &str = "Network activity";
    const PAYLOAD: &str = "Payload delivery";
    match kind {
        ValueKind::Ipv4Address | ValueKind::Ipv6Address | ValueKind::TrafficDestination => {
            ("ip-dst", NETWORK)
        }
        ValueKind::TrafficSource => ("ip-src", NETWORK),
        ValueKind::DomainName => ("domain", NETWORK),
        ValueKind::Url => ("url", NETWORK),
        ValueKind::EmailAddress | ValueKind::EmailSender => ("email-src", PAYLOAD),
        ValueKind::EmailRecipient => ("email-dst", NETWORK),
        ValueKind::EmailSubject => ("email-subject", PAYLOAD),
        ValueKind::FileName => ("filename", PAYLOAD),
        ValueKind::FileHash(algorithm) => (
            match algorithm {
                HashAlgorithm::Md5 => "md5",
                HashAlgorithm::Sha1 => "sha1",
                HashAlgorithm::Sha256 => "sha256",
                HashAlgorithm::Sha512 => "sha512",
                HashAlgorithm::Sha3_256 => "sha3-256",
                HashAlgorithm::Sha3_512 => "sha3-512",
                HashAlgorithm::Ssdeep => "ssdeep",
                HashAlgorithm::Tlsh => "tlsh",
            },
            PAYLOAD,
        ),
        ValueKind::MutexName => ("mutex", "Artifacts dropped"),
        ValueKind::RegistryKey => ("regkey", "Persistence mechanism"),
        ValueKind::MacAddress => ("mac-address", NETWORK),
        ValueKind::AutonomousSystem => ("AS", NETWORK),
    }
}

/// The tag of MISP's `tlp` taxonomy for a level, with the taxonomy's colour. RED has
/// none: it never reaches a feed.
pub(super) fn tlp_tag(level: TlpLevel) -> Option<MispTag> {
    let colour = match level {
        TlpLevel::Clear => "#ffffff",
        TlpLevel::Green => "#33FF00",
        TlpLevel::Amber | TlpLevel::AmberStrict => "#FFC000",
        TlpLevel::Red => return None,
    };
    Some(MispTag {
        name: format!("tlp:{}", level.name()),
        colour: colour.to_owned(),
    })
}

/// MISP's `distribution` for the strictest TLP level of an event: 3 (all communities)
/// for CLEAR, 1 (this community only) for GREEN, 0 (your organisation only) for the
/// rest and for an unknown level. Subscribers replace it with the feed's own setting.
pub(super) fn distribution_of(level: Option<TlpLevel>) -> &'static str {
    match level {
        Some(TlpLevel::Clear) => "3",
        Some(TlpLevel::Green) => "1",
        _ => "0",
    }
}
