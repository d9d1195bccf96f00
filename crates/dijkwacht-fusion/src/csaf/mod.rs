//! CSAF 2.0 security advisories mapped to STIX 2.1, and the documents through which
//! providers publish them (provider metadata, ROLIE feeds, `index.txt`, `changes.csv`).
//!
//! Vendors and CERTs publish advisories as CSAF; the fusion center keeps each as a
//! `report` that refers to one `vulnerability` per CVE, the advisory's own (its id from
//! the advisory and the CVE: versions of one STIX id come from one creator); it meets
//! CISA's KEV entry and other advisories through the CVE external reference. The product tree is flattened ([`CsafProduct`]) and kept on the report
//! as `x_csaf_products`, and each vulnerability keeps its product status by product id
//! (`x_csaf_product_status`), which is what alert matching needs to decide whether an
//! asset is affected.
//!
//! What it decides:
//! - only CSAF 2.0 is read: a document without `document.csaf_version` "2.0" is an
//!   error, as is one without a title, tracking id, publisher or release dates;
//! - the sharing level comes from `document.distribution.tlp.label` (TLP 1.0 labels;
//!   WHITE becomes TLP:CLEAR). A label that is not a TLP level is an error: a sharing
//!   level is never guessed. Without a label the objects carry no marking and the
//!   importer's default applies;
//! - the report's id derives from the publisher's namespace and the tracking id (which
//!   CSAF makes globally unique), `created`/`modified` are the initial and current
//!   release dates, and the publisher becomes an `identity` with a fixed creation time,
//!   so that every advisory of a publisher gives the same identity object;
//! - an advisory without vulnerabilities (an informational advisory) refers to its
//!   publisher, as a report must refer to something.

mod discovery;
mod products;
mod vulnerabilities;

use dijkwacht_stix::tlp::TlpLevel;
use serde_json::{Map, Value, json};

use crate::lists::time;
use crate::mapped::{Mapped, derived_id};
pub use discovery::{
    ChangedAdvisory, CsafDistribution, CsafPublisher, ProviderMetadata, RolieEntry,
    parse_changes_csv, parse_directory_index, parse_provider_metadata, parse_rolie_feed,
};
pub use products::{CsafProduct, CsafProductRelationship};

/// When a publisher's identity is said to be created: the day CSAF 2.0 became an OASIS
/// Standard. Fixed, so that every advisory of one publisher gives the same identity.
const PUBLISHER_IDENTITY_CREATED: &str = "2022-11-18T00:00:00.000Z";

/// An advisory's STIX objects, and what alert matching reads from it directly.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedAdvisory {
    /// The publisher's identity, the report, then the vulnerabilities.
    pub mapped: Mapped,
    /// The id of the report.
    pub report_id: String,
    /// `document.tracking.id`.
    pub tracking_id: String,
    /// The advisory's sharing level, when it states one.
    pub tlp: Option<TlpLevel>,
    /// The product tree, flattened.
    pub products: Vec<CsafProduct>,
}

/// Why a document can not be read.
#[derive(Debug, thiserror::Error)]
pub enum CsafError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a CSAF document: {0}")]
    NotCsaf(String),
    #[error("not CSAF 2.0: `document.csaf_version` is {found}; only \"2.0\" documents are read")]
    UnsupportedVersion { found: String },
    #[error("`{path}` is missing or empty; a CSAF document requires it")]
    MissingField { path: &'static str },
    #[error("`{path}` is not a date-time: '{value}'")]
    Timestamp { path: &'static str, value: String },
    #[error(
        "`document.distribution.tlp.label` '{0}' is not a TLP label (WHITE, GREEN, AMBER, RED)"
    )]
    UnknownTlp(String),
    #[error("not a CSAF provider metadata document: {0}")]
    NotProviderMetadata(String),
    #[error("not a ROLIE feed: {0}")]
    NotRolieFeed(String),
    #[error("{listing} line {line}: {message}")]
    Listing {
        listing: &'static str,
        line: usize,
        message: String,
    },
}

/// A string property of `value` without surrounding spaces; `None` when absent, not a
/// string or blank.
pub(crate) fn text_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// What the report and every vulnerability of one advisory share.
#[derive(Debug)]
pub(crate) struct AdvisoryContext {
    /// `namespace|tracking id`: the advisory's globally unique key.
    pub(crate) advisory_key: String,
    pub(crate) tracking_id: String,
    pub(crate) created: String,
    pub(crate) modified: String,
    pub(crate) identity_id: String,
    pub(crate) marking: Option<&'static str>,
    pub(crate) self_url: Option<String>,
}

/// Maps one CSAF 2.0 document.
pub fn map_advisory(bytes: &[u8]) -> Result<MappedAdvisory, CsafError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let document = root
        .get("document")
        .filter(|document| document.is_object())
        .ok_or_else(|| CsafError::NotCsaf("the top level has no `document` object".to_owned()))?;
    match document.get("csaf_version") {
        Some(Value::String(version)) if version == "2.0" => {}
        Some(other) => {
            return Err(CsafError::UnsupportedVersion {
                found: other.to_string(),
            });
        }
        None => {
            return Err(CsafError::UnsupportedVersion {
                found: "missing".to_owned(),
            });
        }
    }
    let title = required(document, "title", "document.title")?;
    let tracking = document.get("tracking").unwrap_or(&Value::Null);
    let tracking_id = required(tracking, "id", "document.tracking.id")?;
    let publisher = document.get("publisher").unwrap_or(&Value::Null);
    let publisher_name = required(publisher, "name", "document.publisher.name")?;
    let namespace = required(publisher, "namespace", "document.publisher.namespace")?;
    let initial = release_date(
        tracking,
        "initial_release_date",
        "document.tracking.initial_release_date",
    )?;
    let current = release_date(
        tracking,
        "current_release_date",
        "document.tracking.current_release_date",
    )?;
    let tlp = tlp_level(document)?;

    let mut mapped = Mapped::default();
    if current < initial {
        mapped.problem(
            "document.tracking",
            "the current release date is before the initial one; the initial date was used for both",
        );
    }
    let identity_id = derived_id("identity", "csaf", &format!("{namespace}|{publisher_name}"));
    let identity = publisher_identity(&identity_id, publisher, publisher_name, namespace);
    let context = AdvisoryContext {
        advisory_key: format!("{namespace}|{tracking_id}"),
        tracking_id: tracking_id.to_owned(),
        created: time::stix_time(&initial),
        modified: time::stix_time(&current.max(initial)),
        identity_id,
        marking: tlp.map(TlpLevel::marking_id),
        self_url: self_links(document)
            .first()
            .map(|(url, _)| (*url).to_owned()),
    };
    let products = products::flatten_product_tree(root.get("product_tree"), &mut mapped);
    let vulnerabilities =
        vulnerabilities::map_vulnerabilities(root.get("vulnerabilities"), &context, &mut mapped);
    let report_id = derived_id("report", "csaf", &context.advisory_key);
    let report = report_object(
        &report_id,
        document,
        title,
        &context,
        &products,
        &vulnerabilities,
    );
    mapped.objects.push(identity);
    mapped.objects.push(report);
    mapped.objects.extend(vulnerabilities);
    Ok(MappedAdvisory {
        mapped,
        report_id,
        tracking_id: tracking_id.to_owned(),
        tlp,
        products,
    })
}

fn required<'a>(value: &'a Value, key: &str, path: &'static str) -> Result<&'a str, CsafError> {
    text_at(value, key).ok_or(CsafError::MissingField { path })
}

fn release_date(
    tracking: &Value,
    key: &str,
    path: &'static str,
) -> Result<dijkwacht_stix::Timestamp, CsafError> {
    let text = required(tracking, key, path)?;
    time::parse_feed_time(text).ok_or_else(|| CsafError::Timestamp {
        path,
        value: text.to_owned(),
    })
}

/// The level of `document.distribution.tlp.label`: TLP 1.0 labels as CSAF 2.0 has
/// them, and CLEAR and AMBER+STRICT as CSAF 2.1 will.
fn tlp_level(document: &Value) -> Result<Option<TlpLevel>, CsafError> {
    let label = document
        .get("distribution")
        .and_then(|distribution| distribution.get("tlp"))
        .and_then(|tlp| text_at(tlp, "label"));
    let Some(label) = label else {
        return Ok(None);
    };
    TlpLevel::from_name(&label.to_ascii_lowercase())
        .map(Some)
        .ok_or_else(|| CsafError::UnknownTlp(label.to_owned()))
}

/// The document's `self` references: (url, summary).
fn self_links(document: &Value) -> Vec<(&str, Option<&str>)> {
    document
        .get("references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|reference| text_at(reference, "category") == Some("self"))
        .filter_map(|reference| Some((text_at(reference, "url")?, text_at(reference, "summary"))))
        .collect()
}

fn publisher_identity(id: &str, publisher: &Value, name: &str, namespace: &str) -> Value {
    let mut identity = Map::new();
    identity.insert("type".into(), json!("identity"));
    identity.insert("spec_version".into(), json!("2.1"));
    identity.insert("id".into(), json!(id));
    identity.insert("created".into(), json!(PUBLISHER_IDENTITY_CREATED));
    identity.insert("modified".into(), json!(PUBLISHER_IDENTITY_CREATED));
    identity.insert("name".into(), json!(name));
    identity.insert("identity_class".into(), json!("organization"));
    if let Some(contact) = text_at(publisher, "contact_details") {
        identity.insert("contact_information".into(), json!(contact));
    }
    identity.insert("x_csaf_namespace".into(), json!(namespace));
    if let Some(category) = text_at(publisher, "category") {
        identity.insert("x_csaf_publisher_category".into(), json!(category));
    }
    Value::Object(identity)
}

/// The text of the document's summary notes, joined by blank lines.
fn summary(document: &Value) -> Option<String> {
    let texts: Vec<&str> = document
        .get("notes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|note| text_at(note, "category") == Some("summary"))
        .filter_map(|note| text_at(note, "text"))
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

fn report_object(
    report_id: &str,
    document: &Value,
    title: &str,
    context: &AdvisoryContext,
    products: &[CsafProduct],
    vulnerabilities: &[Value],
) -> Value {
    let mut report = Map::new();
    report.insert("type".into(), json!("report"));
    report.insert("spec_version".into(), json!("2.1"));
    report.insert("id".into(), json!(report_id));
    report.insert("created".into(), json!(context.created));
    report.insert("modified".into(), json!(context.modified));
    report.insert("created_by_ref".into(), json!(context.identity_id));
    report.insert("name".into(), json!(title));
    if let Some(summary) = summary(document) {
        report.insert("description".into(), json!(summary));
    }
    report.insert("report_types".into(), json!(["vulnerability"]));
    report.insert("published".into(), json!(context.modified));
    let mut object_refs: Vec<&str> = vulnerabilities
        .iter()
        .filter_map(|vulnerability| vulnerability.get("id").and_then(Value::as_str))
        .collect();
    if object_refs.is_empty() {
        object_refs.push(&context.identity_id);
    }
    report.insert("object_refs".into(), json!(object_refs));
    let mut references = vec![match &context.self_url {
        Some(url) => json!({"source_name": "csaf", "external_id": context.tracking_id, "url": url}),
        None => json!({"source_name": "csaf", "external_id": context.tracking_id}),
    }];
    for (url, summary) in self_links(document).into_iter().skip(1) {
        references.push(match summary {
            Some(summary) => json!({"source_name": "csaf", "url": url, "description": summary}),
            None => json!({"source_name": "csaf", "url": url}),
        });
    }
    report.insert("external_references".into(), json!(references));
    if let Some(marking) = context.marking {
        report.insert("object_marking_refs".into(), json!([marking]));
    }
    for (property, text) in [
        ("x_csaf_document_category", text_at(document, "category")),
        (
            "x_csaf_tracking_status",
            document
                .get("tracking")
                .and_then(|tracking| text_at(tracking, "status")),
        ),
        (
            "x_csaf_tracking_version",
            document
                .get("tracking")
                .and_then(|tracking| text_at(tracking, "version")),
        ),
        (
            "x_csaf_aggregate_severity",
            document
                .get("aggregate_severity")
                .and_then(|severity| text_at(severity, "text")),
        ),
    ] {
        if let Some(text) = text {
            report.insert(property.into(), json!(text));
        }
    }
    let product_entries: Vec<Value> = products
        .iter()
        .filter_map(|product| serde_json::to_value(product).ok())
        .collect();
    if !product_entries.is_empty() {
        report.insert("x_csaf_products".into(), Value::Array(product_entries));
    }
    Value::Object(report)
}
