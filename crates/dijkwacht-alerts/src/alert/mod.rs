//! The alert: what the platform tells one organisation when intelligence touches its
//! profile — what matched and why, how bad it is, and what to do, in Dutch and English.
//!
//! A member without IT staff must be able to act on it, so every alert carries steps in
//! plain words: first what the intelligence itself says (a CSAF advisory's remediations,
//! the KEV catalogue's required action, linked `course-of-action` objects), then the
//! steps of a template per kind of alert. The vendor's own text is passed on as written;
//! our framing around it is in both languages.
//!
//! One alert is made per organisation and piece of intelligence (an advisory, an
//! indicator), whatever number of the organisation's entries it touches: the matches
//! are its evidence. Its `key` names that pair, so the store can keep one alert per key
//! and never send it twice.

mod severity;
mod steps;

use dijkwacht_stix::tlp::TlpLevel;
use serde::{Deserialize, Serialize};

pub use crate::advisory::{KevFacts, Remediation};
use crate::matched::{Match, MatchRule};
pub use severity::Severity;
pub use steps::{Step, StepSource};

/// The kinds of alert, each with its own template of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// An advisory says a product the organisation runs is vulnerable.
    VulnerableProduct,
    /// A product the organisation runs has a vulnerability that is exploited now (KEV).
    ExploitedVulnerability,
    /// An advisory says the vendor is investigating whether a product is affected.
    ProductUnderInvestigation,
    /// An address or network of the organisation is on a list of malicious activity.
    ListedAddress,
    /// A domain of the organisation (or a subdomain, or a URL on it) is named in
    /// intelligence: used in phishing, hosting malware, compromised.
    AbusedDomain,
    /// E-mail addresses at the organisation's domain are named: leaked credentials,
    /// phishing targets or senders.
    ExposedEmailAddresses,
    /// The organisation's autonomous system is named.
    ListedAutonomousSystem,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::VulnerableProduct => "vulnerable-product",
            AlertKind::ExploitedVulnerability => "exploited-vulnerability",
            AlertKind::ProductUnderInvestigation => "product-under-investigation",
            AlertKind::ListedAddress => "listed-address",
            AlertKind::AbusedDomain => "abused-domain",
            AlertKind::ExposedEmailAddresses => "exposed-email-addresses",
            AlertKind::ListedAutonomousSystem => "listed-autonomous-system",
        }
    }

    /// The kind a network match gives.
    fn of_network_rule(rule: MatchRule) -> AlertKind {
        match rule {
            MatchRule::EmailOnDomain => AlertKind::ExposedEmailAddresses,
            MatchRule::DomainOrSubdomain | MatchRule::UrlOnDomain => AlertKind::AbusedDomain,
            MatchRule::AutonomousSystem => AlertKind::ListedAutonomousSystem,
            _ => AlertKind::ListedAddress,
        }
    }
}

/// A text in both languages of the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub nl: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(nl: impl Into<String>, en: impl Into<String>) -> Bilingual {
        Bilingual {
            nl: nl.into(),
            en: en.into(),
        }
    }
}

/// What an advisory tells about the products it matched, for the alert's severity and
/// steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdvisoryFacts {
    /// The advisory's title (`x_csaf_title`, the KEV vulnerability name, or the
    /// vulnerability's name).
    pub title: String,
    pub cves: Vec<String>,
    /// The highest CVSS base score, 0.0–10.0.
    pub cvss_base_score: Option<f64>,
    /// The severity word the source gives (`CRITICAL`, `high`…), used when there is no
    /// score.
    pub source_severity: Option<String>,
    /// Set when the vulnerability is in CISA's catalogue of known exploited ones.
    pub kev: Option<KevFacts>,
    /// The advisory's remediations for the matched products, in its order.
    pub remediations: Vec<Remediation>,
    /// Whether every matched entry of the profile named a version that the advisory
    /// puts among the affected ones (`false`: the product matched, its version is not
    /// known to us).
    pub version_known: bool,
    /// The advisory only says the vendor is investigating.
    pub under_investigation: bool,
}

/// What an indicator or observable says, for the alert's severity and text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorFacts {
    /// The indicator's name or, without one, its pattern or value.
    pub name: String,
    /// Its confidence 0–100 (the stated one or the fusion score), when known.
    pub confidence: Option<u8>,
    /// Its `indicator_types` and labels (`malicious-activity`, `phishing`, `botnet`…).
    pub labels: Vec<String>,
}

/// A `course-of-action` linked to the intelligence (`mitigates`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseOfAction {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

/// Where the intelligence stands, beyond what it says itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The ids of the objects the alert links (the advisory's report and
    /// vulnerabilities, the indicator), the first being the one it is about.
    pub object_ids: Vec<String>,
    /// The strictest TLP level among them.
    pub tlp: TlpLevel,
    /// Organisations in the member's sectors or supply chains sighted it.
    pub sighted_nearby: bool,
    pub courses_of_action: Vec<CourseOfAction>,
}

/// An alert before the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertDraft {
    pub organisation: String,
    /// One alert per organisation and key: `kind:object id` for an advisory,
    /// `kind:values` for what an indicator names of the member.
    pub key: String,
    pub kind: AlertKind,
    pub severity: Severity,
    pub tlp: TlpLevel,
    pub object_ids: Vec<String>,
    pub body: AlertBody,
}

/// What the member reads: the body the store keeps and the inbox, e-mail and webhooks
/// show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertBody {
    pub kind: AlertKind,
    pub title: Bilingual,
    pub summary: Bilingual,
    /// Why the severity is what it is, in a few words.
    pub severity_reason: Bilingual,
    /// The rules and evidence of every match.
    pub evidence: Vec<Match>,
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cves: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_base_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev_due_date: Option<String>,
    pub version_known: bool,
    pub sighted_nearby: bool,
}

/// The alert for `matches` of one organisation against one advisory.
///
/// `matches` must all be of one organisation; an empty slice gives no alert.
pub fn advisory_alert(
    matches: &[Match],
    facts: &AdvisoryFacts,
    context: &Context,
) -> Option<AlertDraft> {
    let organisation = matches.first()?.organisation.clone();
    let kind = if facts.kev.is_some() {
        AlertKind::ExploitedVulnerability
    } else if facts.under_investigation {
        AlertKind::ProductUnderInvestigation
    } else {
        AlertKind::VulnerableProduct
    };
    let (severity, severity_reason) = severity::of_advisory(facts, context.sighted_nearby);
    let shown: Vec<String> = matches
        .iter()
        .map(|matched| readable(&matched.asset))
        .collect();
    let products = listed(shown.iter().map(String::as_str));
    let title = Bilingual::new(
        format!("{}: {}", kind_title(kind).nl, facts.title),
        format!("{}: {}", kind_title(kind).en, facts.title),
    );
    let summary = steps::advisory_summary(kind, &products, facts);
    let steps = steps::advisory_steps(kind, &products, facts, &context.courses_of_action);
    Some(AlertDraft {
        key: key(kind, context, &facts.title),
        organisation,
        kind,
        severity,
        tlp: context.tlp,
        object_ids: context.object_ids.clone(),
        body: AlertBody {
            kind,
            title,
            summary,
            severity_reason,
            evidence: matches.to_vec(),
            steps,
            cves: facts.cves.clone(),
            cvss_base_score: facts.cvss_base_score,
            kev_due_date: facts.kev.as_ref().and_then(|kev| kev.due_date.clone()),
            version_known: facts.version_known,
            sighted_nearby: context.sighted_nearby,
        },
    })
}

/// The alerts for `matches` of one organisation against one indicator or observable:
/// one per kind (an indicator naming both an address and a domain of the member gives
/// two, each with its own steps). Such an alert is keyed by the member's values it
/// names (`listed-address:198.51.100.7`), not by the indicator: the same address on
/// several lists is one alert, which later listings update rather than repeat.
pub fn indicator_alerts(
    matches: &[Match],
    facts: &IndicatorFacts,
    context: &Context,
) -> Vec<AlertDraft> {
    let mut kinds: Vec<AlertKind> = matches
        .iter()
        .map(|matched| AlertKind::of_network_rule(matched.rule))
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let of_kind: Vec<Match> = matches
                .iter()
                .filter(|matched| AlertKind::of_network_rule(matched.rule) == kind)
                .cloned()
                .collect();
            let organisation = of_kind.first()?.organisation.clone();
            let observed = listed(of_kind.iter().map(|matched| matched.observed.as_str()));
            let (severity, severity_reason) =
                severity::of_indicator(kind, facts, context.sighted_nearby);
            let title = Bilingual::new(
                format!("{}: {observed}", kind_title(kind).nl),
                format!("{}: {observed}", kind_title(kind).en),
            );
            Some(AlertDraft {
                key: format!("{}:{observed}", kind.as_str()),
                organisation,
                kind,
                severity,
                tlp: context.tlp,
                object_ids: context.object_ids.clone(),
                body: AlertBody {
                    kind,
                    title,
                    summary: steps::indicator_summary(kind, &observed, facts),
                    severity_reason,
                    evidence: of_kind,
                    steps: steps::indicator_steps(kind, &observed, &context.courses_of_action),
                    cves: Vec::new(),
                    cvss_base_score: None,
                    kev_due_date: None,
                    version_known: true,
                    sighted_nearby: context.sighted_nearby,
                },
            })
        })
        .collect()
}

/// The heading of each kind.
fn kind_title(kind: AlertKind) -> Bilingual {
    match kind {
        AlertKind::VulnerableProduct => Bilingual::new("Kwetsbaar product", "Vulnerable product"),
        AlertKind::ExploitedVulnerability => Bilingual::new(
            "Actief misbruikte kwetsbaarheid",
            "Actively exploited vulnerability",
        ),
        AlertKind::ProductUnderInvestigation => Bilingual::new(
            "Mogelijk kwetsbaar product (in onderzoek)",
            "Product possibly vulnerable (under investigation)",
        ),
        AlertKind::ListedAddress => Bilingual::new(
            "Uw adres staat op een lijst van kwaadaardige activiteit",
            "Your address is listed for malicious activity",
        ),
        AlertKind::AbusedDomain => Bilingual::new(
            "Uw domein wordt genoemd in dreigingsinformatie",
            "Your domain is named in threat intelligence",
        ),
        AlertKind::ExposedEmailAddresses => Bilingual::new(
            "E-mailadressen van uw organisatie zijn genoemd",
            "E-mail addresses of your organisation are named",
        ),
        AlertKind::ListedAutonomousSystem => Bilingual::new(
            "Uw netwerk (AS) wordt genoemd in dreigingsinformatie",
            "Your network (AS) is named in threat intelligence",
        ),
    }
}

/// A profile entry as a member reads it: `hollandse regeltechniek aquaview scada 4.2.1`
/// for the product entry `hollandse_regeltechniek:aquaview_scada:4.2.1` or the CPE
/// naming it; other entries as stored.
fn readable(entry: &crate::profile::AssetEntry) -> String {
    use crate::profile::AssetKind;
    let parts: Vec<&str> = match entry.kind {
        AssetKind::Product => entry.value.split(':').collect(),
        AssetKind::Cpe if entry.value.starts_with("cpe:2.3:") => entry
            .value
            .split(':')
            .skip(3)
            .take(3)
            .filter(|part| *part != "*" && *part != "-")
            .collect(),
        _ => return entry.value.clone(),
    };
    parts.join(" ").replace('_', " ").replace('\\', "")
}

/// `kind:first object id`, or `kind:title` for intelligence without ids.
fn key(kind: AlertKind, context: &Context, fallback: &str) -> String {
    let about = context.object_ids.first().map_or(fallback, String::as_str);
    format!("{}:{about}", kind.as_str())
}

/// Up to five values, then how many more.
fn listed<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut distinct: Vec<&str> = values.collect();
    distinct.sort_unstable();
    distinct.dedup();
    const SHOWN: usize = 5;
    if distinct.len() <= SHOWN {
        return distinct.join(", ");
    }
    format!(
        "{} (+{})",
        distinct[..SHOWN].join(", "),
        distinct.len() - SHOWN
    )
}

#[cfg(test)]
mod tests;
