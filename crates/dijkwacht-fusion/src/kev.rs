//! CISA's catalogue of Known Exploited Vulnerabilities (KEV) mapped to STIX 2.1.
//!
//! The catalogue is the strongest public signal that a vulnerability is used in attacks;
//! scoring and advisory matching look for it. Each entry becomes one `vulnerability`
//! whose id depends on the CVE alone (`derived_id("vulnerability", "kev", …)`). It is
//! CISA's statement, so it is CISA's object: a vendor's CSAF advisory about the same
//! CVE is another object (STIX versions of one id come from one creator), and the two
//! meet through the CVE external reference they share. The KEV facts travel as
//! `x_kev_*` properties.
//!
//! What it decides: `created` and `modified` are the day the entry was added (midnight
//! UTC), so mapping the same catalogue twice gives the same objects; every object names
//! one CISA `identity` (with a fixed creation time, so each release gives the same
//! identity) and carries TLP:CLEAR, as the catalogue is public. An entry without a
//! usable CVE id or date added is a problem located as `entry N (CVE-…)`, counting from
//! 1, and is left out; a bad due date or ransomware flag only leaves that property out.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::lists::time;
use crate::mapped::{Mapped, derived_id};
use dijkwacht_stix::tlp::TLP2_CLEAR;

/// Where CISA publishes the catalogue, named in every vulnerability's references.
pub const KEV_CATALOG_URL: &str = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog";

/// The `source_name` of the catalogue's external reference on each vulnerability.
pub const KEV_SOURCE_NAME: &str = "cisa-kev";

/// When the CISA identity is said to be created: the day the catalogue was first
/// published (BOD 22-01). Fixed, so that every release gives the same identity object.
const CISA_IDENTITY_CREATED: &str = "2021-11-03T00:00:00.000Z";

/// The catalogue's STIX objects and what the catalogue says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct KevCatalog {
    /// The CISA identity first, then one vulnerability per usable entry.
    pub mapped: Mapped,
    /// `catalogVersion`, such as `2025.08.25`.
    pub catalog_version: String,
    /// `dateReleased`, as the catalogue writes it.
    pub date_released: String,
    /// `count`, as the catalogue states it (a mismatch with its entries is a problem).
    pub count: usize,
}

/// Why a catalogue can not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum KevError {
    #[error("not a KEV catalogue: {0}")]
    NotACatalog(#[from] serde_json::Error),
    #[error(
        "`dateReleased` '{0}' is not a date-time; the catalogue writes YYYY-MM-DDTHH:MM:SS.sssZ"
    )]
    DateReleased(String),
}

/// The catalogue's top level; entries are read one by one so that one bad entry does
/// not stop the rest.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    catalog_version: String,
    date_released: String,
    count: usize,
    vulnerabilities: Vec<Value>,
}

/// One entry as the schema has it; every field optional here so that what is missing
/// is reported in words instead of failing the entry's whole read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve_id: Option<String>,
    vendor_project: Option<String>,
    product: Option<String>,
    vulnerability_name: Option<String>,
    date_added: Option<String>,
    short_description: Option<String>,
    required_action: Option<String>,
    due_date: Option<String>,
    known_ransomware_campaign_use: Option<String>,
    notes: Option<String>,
    cwes: Option<Vec<String>>,
}

/// Maps the KEV JSON catalogue.
pub fn map_catalog(bytes: &[u8]) -> Result<KevCatalog, KevError> {
    let raw: RawCatalog = serde_json::from_slice(bytes)?;
    if time::parse_feed_time(&raw.date_released).is_none() {
        return Err(KevError::DateReleased(raw.date_released));
    }
    let mut mapped = Mapped::default();
    let cisa_id = derived_id("identity", "kev", "CISA");
    mapped.objects.push(cisa_identity(&cisa_id));
    if raw.count != raw.vulnerabilities.len() {
        mapped.problem(
            "catalogue",
            format!(
                "`count` says {} but the catalogue holds {} entries",
                raw.count,
                raw.vulnerabilities.len()
            ),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (index, entry) in raw.vulnerabilities.into_iter().enumerate() {
        let number = index + 1;
        let cve_hint = entry
            .get("cveID")
            .and_then(Value::as_str)
            .map(|cve| cve.trim().to_owned());
        let location = match &cve_hint {
            Some(cve) if !cve.is_empty() => format!("entry {number} ({cve})"),
            _ => format!("entry {number}"),
        };
        let entry: RawEntry = match serde_json::from_value(entry) {
            Ok(entry) => entry,
            Err(error) => {
                mapped.problem(location, format!("{error}; the entry was left out"));
                continue;
            }
        };
        match vulnerability(&entry, &cisa_id, &location, &mut mapped) {
            Ok((cve, object)) => {
                if seen.insert(cve) {
                    mapped.objects.push(object);
                } else {
                    mapped.problem(
                        location,
                        "the CVE is listed twice; the first entry was kept",
                    );
                }
            }
            Err(message) => mapped.problem(location, format!("{message}; the entry was left out")),
        }
    }
    Ok(KevCatalog {
        mapped,
        catalog_version: raw.catalog_version,
        date_released: raw.date_released,
        count: raw.count,
    })
}

/// The CISA identity every KEV object is created by.
fn cisa_identity(id: &str) -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": id,
        "created": CISA_IDENTITY_CREATED,
        "modified": CISA_IDENTITY_CREATED,
        "name": "Cybersecurity and Infrastructure Security Agency (CISA)",
        "identity_class": "organization",
        "sectors": ["government-national"],
        "contact_information": KEV_CATALOG_URL,
        "object_marking_refs": [TLP2_CLEAR],
    })
}

/// Whether `text` is a CVE id as KEV writes them: `CVE-YYYY-NNNN…` (4 to 19 digits).
pub(crate) fn is_cve_id(text: &str) -> bool {
    let mut parts = text.splitn(3, '-');
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("CVE"), Some(year), Some(number))
            if year.len() == 4 && all_digits(year)
                && (4..=19).contains(&number.len()) && all_digits(number)
    )
}

/// The vulnerability of one entry, with its CVE; the reason when the entry is unusable.
/// Facts that are wrong but not essential are reported on `mapped` and left out.
fn vulnerability(
    entry: &RawEntry,
    cisa_id: &str,
    location: &str,
    mapped: &mut Mapped,
) -> Result<(String, Value), String> {
    let cve = entry
        .cve_id
        .as_deref()
        .map(str::trim)
        .filter(|cve| !cve.is_empty())
        .ok_or("the entry has no `cveID`")?
        .to_ascii_uppercase();
    if !is_cve_id(&cve) {
        return Err(format!("`cveID` '{cve}' is not of the form CVE-YYYY-NNNN"));
    }
    let date_added_text = trimmed(&entry.date_added).ok_or("the entry has no `dateAdded`")?;
    let date_added = time::parse_date(date_added_text)
        .ok_or_else(|| format!("`dateAdded` '{date_added_text}' is not a date YYYY-MM-DD"))?;
    let created = time::stix_time(&date_added);

    let mut object = Map::new();
    object.insert("type".into(), json!("vulnerability"));
    object.insert("spec_version".into(), json!("2.1"));
    object.insert("id".into(), json!(derived_id("vulnerability", "kev", &cve)));
    object.insert("created".into(), json!(created));
    object.insert("modified".into(), json!(created));
    object.insert("created_by_ref".into(), json!(cisa_id));
    object.insert("name".into(), json!(cve));
    if let Some(description) = trimmed(&entry.short_description) {
        object.insert("description".into(), json!(description));
    }
    object.insert(
        "external_references".into(),
        json!([
            {"source_name": "cve", "external_id": cve},
            {"source_name": KEV_SOURCE_NAME, "external_id": cve, "url": KEV_CATALOG_URL},
        ]),
    );
    object.insert("object_marking_refs".into(), json!([TLP2_CLEAR]));
    object.insert("x_kev_date_added".into(), json!(date_added_text));
    if let Some(due_date) = trimmed(&entry.due_date) {
        if time::parse_date(due_date).is_some() {
            object.insert("x_kev_due_date".into(), json!(due_date));
        } else {
            mapped.problem(
                location,
                format!("`dueDate` '{due_date}' is not a date YYYY-MM-DD; it was left out"),
            );
        }
    }
    let texts = [
        ("x_kev_required_action", &entry.required_action),
        ("x_kev_vendor_project", &entry.vendor_project),
        ("x_kev_product", &entry.product),
        ("x_kev_vulnerability_name", &entry.vulnerability_name),
        ("x_kev_notes", &entry.notes),
    ];
    for (property, text) in texts {
        if let Some(text) = trimmed(text) {
            object.insert(property.into(), json!(text));
        }
    }
    match trimmed(&entry.known_ransomware_campaign_use) {
        Some(flag) if flag.eq_ignore_ascii_case("known") => {
            object.insert("x_kev_known_ransomware_campaign_use".into(), json!(true));
        }
        Some(flag) if flag.eq_ignore_ascii_case("unknown") => {
            object.insert("x_kev_known_ransomware_campaign_use".into(), json!(false));
        }
        Some(flag) => mapped.problem(
            location,
            format!(
                "`knownRansomwareCampaignUse` '{flag}' is neither Known nor Unknown; it was left out"
            ),
        ),
        None => {}
    }
    let cwes: Vec<&str> = entry
        .cwes
        .iter()
        .flatten()
        .map(|cwe| cwe.trim())
        .filter(|cwe| !cwe.is_empty())
        .collect();
    if !cwes.is_empty() {
        object.insert("x_kev_cwes".into(), json!(cwes));
    }
    Ok((cve, Value::Object(object)))
}

/// The text of an optional field without surrounding spaces (KEV has trailing ones),
/// `None` when absent or blank.
fn trimmed(text: &Option<String>) -> Option<&str> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_are_checked_by_shape() {
        for good in ["CVE-2021-44228", "CVE-2024-1234", "CVE-2023-1234567"] {
            assert!(is_cve_id(good), "{good}");
        }
        for bad in [
            "CVE-21-44228",
            "CVE-2021-123",
            "cve-2021-44228",
            "CVE-2021-4422x",
            "CVE-2021",
            "",
        ] {
            assert!(!is_cve_id(bad), "{bad}");
        }
    }
}
