//! Advisories read back from the STIX objects the store keeps, and matched against the
//! product entries of every member: which organisations run an affected product, at
//! which version, and what the alert must say — CVEs, severity, the KEV facts, the
//! vendor's remediations.
//!
//! Three kinds of stored intelligence name products (see `dijkwacht-fusion`'s `csaf` and
//! `kev` mappings for how they are stored):
//! - a CSAF advisory: a `report` with the flattened product tree in `x_csaf_products`,
//!   and its `vulnerability` objects with `x_csaf_product_status`, `x_csaf_cvss` and
//!   `x_csaf_remediations` ([`Advisory::from_csaf`]);
//! - a CISA KEV entry: a `vulnerability` with `x_kev_vendor_project` and `x_kev_product`
//!   ([`Advisory::from_vulnerability`]);
//! - any other `vulnerability` whose `external_references` hold CPE names: we read
//!   entries with `source_name` `cpe` (any case) and the CPE 2.3 formatted string or 2.2
//!   URI in `external_id`, the way CVE and CWE references carry their ids
//!   ([`Advisory::from_vulnerability`]).
//!
//! What it decides (the matching itself is described in `matching`):
//! - CSAF statuses: `known_affected`, `first_affected`, `last_affected` are affected;
//!   `fixed`, `first_fixed`, `known_not_affected` are not; `under_investigation` is its
//!   own rule; `recommended` says nothing about being affected. One product listed in
//!   contradicting groups (invalid CSAF) counts as affected;
//! - a product's versions come from its `product_version_range` branch, else its
//!   `product_version` branch (plus, where the full name goes on past (vendor,) product
//!   and version, that rest: the `service_pack` or `patch_level` branch the flattened
//!   tree leaves out, as in Cisco's `12.2SE` / `12.2(55)SE3`), else its CPE's version; with
//!   none the product stands for all its versions;
//! - a product is found by its normalised vendor and product name (also without a
//!   trailing parenthesis: `M800VW (BND-2051W000-**)` is also `m800vw`), by its CPE's
//!   vendor and product, and by its package URL;
//! - KEV names products in free text: `iOS, iPadOS, and macOS` and `Firefox and
//!   Thunderbird` name each product as well as the whole;
//! - what cannot be read in one product (a range that is unclear, a broken CPE) is a
//!   problem listed in [`Advisory::problems`] and never fails the advisory; such a range
//!   still matches the product, with the member's version marked unknown, so a member is
//!   told rather than silently passed over.

mod alert;
mod csaf;
mod kev;
mod matching;

use serde::{Deserialize, Serialize};

use crate::cpe::{CpeName, CpeText, CpeValue};
use crate::matched::Match;
use crate::product::PurlIdentity;
use crate::version::{Version, VersionRange};

pub use kev::CPE_SOURCE_NAME;

/// An advisory, ready to be matched against many profiles.
#[derive(Debug, Clone)]
pub struct Advisory {
    kind: AdvisoryKind,
    report_id: Option<String>,
    title: String,
    products: Vec<AdvisoryProduct>,
    vulnerabilities: Vec<AdvisoryVulnerability>,
    problems: Vec<String>,
}

/// Where an advisory comes from, which decides the match rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdvisoryKind {
    Csaf,
    Kev,
    VulnerabilityCpe,
}

/// Why stored objects are not an advisory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvisoryError {
    #[error(
        "'{id}' is a {found}, not a report; a CSAF advisory is stored as a report with x_csaf_products"
    )]
    NotAReport { id: String, found: String },
    #[error(
        "report '{id}': x_csaf_products is not a list of products; map the advisory again with the CSAF mapping"
    )]
    MalformedProducts { id: String },
}

/// One product of an advisory, prepared for matching.
#[derive(Debug, Clone)]
pub(crate) struct AdvisoryProduct {
    /// The CSAF product id, or the CPE or KEV text the product comes from.
    product_id: String,
    /// The product's name as the advisory writes it.
    name: String,
    /// Normalised (vendor, product) names the product is found by.
    name_keys: Vec<(String, String)>,
    versions: ProductVersions,
    cpe: Option<CpeName>,
    purl: Option<PurlIdentity>,
    /// For a CSAF relationship ("X installed on Y"): the component's and the platform's
    /// positions in the product list.
    relationship: Option<(usize, usize)>,
}

/// Which versions of a product an advisory speaks of.
#[derive(Debug, Clone)]
pub(crate) enum ProductVersions {
    /// The advisory names no version: all of them.
    All,
    /// One version, perhaps written two ways (`12.2SE` and `12.2(55)SE3`).
    Exact(Vec<Version>),
    Range(VersionRange),
    /// A CPE version with wildcards (`8.*`).
    Pattern(CpeText),
    /// A range the advisory writes in a way that is not read; the text and why.
    Unreadable(String),
}

impl ProductVersions {
    /// The versions a CPE name's version attribute speaks of.
    fn of_cpe(cpe: &CpeName) -> ProductVersions {
        match cpe.version() {
            CpeValue::Text(pattern) if pattern.has_wildcards() => {
                ProductVersions::Pattern(pattern.clone())
            }
            CpeValue::Text(value) => match Version::parse(&value.literal) {
                Ok(version) => ProductVersions::Exact(vec![version]),
                Err(_) => ProductVersions::Unreadable(format!(
                    "CPE version '{}' has no digit",
                    value.literal
                )),
            },
            CpeValue::Any | CpeValue::Na => ProductVersions::All,
        }
    }
}

/// How a vulnerability classes a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProductStatus {
    Affected,
    UnderInvestigation,
    NotAffected,
}

/// One vulnerability of an advisory.
#[derive(Debug, Clone)]
pub(crate) struct AdvisoryVulnerability {
    id: String,
    cves: Vec<String>,
    /// Product id → status, and the CSAF group that says it (`known_affected`).
    status: Vec<(String, ProductStatus, &'static str)>,
    scores: Vec<CvssScore>,
    remediations: Vec<(Remediation, Vec<String>)>,
    kev: Option<KevFacts>,
}

/// One CVSS score and the products it is for (none: all).
#[derive(Debug, Clone)]
pub(crate) struct CvssScore {
    base_score: f64,
    severity: Option<String>,
    vector: Option<String>,
    products: Vec<String>,
}

/// A match of an advisory to one member's product, with what the alert needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisoryMatch {
    #[serde(rename = "match")]
    pub matched: Match,
    /// The CSAF report, for links.
    pub report_id: Option<String>,
    /// The vulnerability objects that affect the product, sorted.
    pub vulnerability_ids: Vec<String>,
    /// Their CVEs, sorted.
    pub cves: Vec<String>,
    /// The advisory's product ids that matched (CSAF product ids, the CPE or KEV name).
    pub product_ids: Vec<String>,
    /// The highest CVSS base score for the matched products.
    pub cvss: Option<CvssSummary>,
    /// When CISA's KEV catalogue lists the vulnerability.
    pub kev: Option<KevFacts>,
    /// The remediations that name a matched product.
    pub remediations: Vec<Remediation>,
    /// Whether the member gave the exact version that was checked.
    pub version_known: bool,
}

/// The highest CVSS base score and its severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssSummary {
    pub base_score: f64,
    /// The severity the advisory gives (`CRITICAL`), else the CVSS v3 rating of the score.
    pub severity: String,
    pub vector: Option<String>,
}

/// What CISA's KEV catalogue says must be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevFacts {
    pub vulnerability_name: Option<String>,
    pub required_action: Option<String>,
    pub due_date: Option<String>,
    pub known_ransomware_campaign_use: Option<bool>,
}

/// One remediation a vendor gives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Remediation {
    /// `vendor_fix`, `mitigation`, `workaround`, `none_available`, `no_fix_planned`.
    pub category: String,
    pub details: Option<String>,
    pub url: Option<String>,
}

impl Advisory {
    /// A CSAF advisory: its report and the vulnerability objects the report refers to.
    pub fn from_csaf(
        report: &serde_json::Value,
        vulnerabilities: &[serde_json::Value],
    ) -> Result<Advisory, AdvisoryError> {
        csaf::read(report, vulnerabilities)
    }

    /// A KEV entry or a vulnerability naming CPEs; `None` for a vulnerability that names
    /// no product.
    pub fn from_vulnerability(vulnerability: &serde_json::Value) -> Option<Advisory> {
        kev::read(vulnerability)
    }

    pub fn kind(&self) -> AdvisoryKind {
        self.kind
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn report_id(&self) -> Option<&str> {
        self.report_id.as_deref()
    }

    /// How many products the advisory names.
    pub fn product_count(&self) -> usize {
        self.products.len()
    }

    /// The ids of the advisory's vulnerability objects.
    pub fn vulnerability_ids(&self) -> impl Iterator<Item = &str> {
        self.vulnerabilities
            .iter()
            .map(|vulnerability| vulnerability.id.as_str())
    }

    /// What could not be read, each with where it is.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}
