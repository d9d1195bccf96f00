//! How bad an alert is, and why, in one rule per kind so a member can follow it:
//!
//! - an advisory: from the CVSS base score (9.0 and up critical, 7.0 high, 4.0 medium,
//!   else low — the bands of CVSS v3), or else the source's own word, or else medium;
//!   a vulnerability in CISA's KEV catalogue is at least high, and critical when it is
//!   used in ransomware campaigns or scores 9.0; a product only under investigation is
//!   at most medium;
//! - an indicator: high when it is stated with confidence 70 or more or labelled as
//!   phishing, botnet, command and control, compromise or leaked credentials; low under
//!   confidence 30; medium otherwise;
//! - sightings by organisations in the member's sector or supply chain raise any alert
//!   one step: what is seen nearby is likely to come next.

use serde::{Deserialize, Serialize};

use super::{AdvisoryFacts, AlertKind, Bilingual, IndicatorFacts};

/// How urgent an alert is; ordered from low to critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The CVSS v3 band of a base score.
    pub fn of_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    /// A source's severity word (`CRITICAL`, `High`, `moderate`, `important`).
    pub fn of_word(word: &str) -> Option<Severity> {
        match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" | "important" => Some(Severity::High),
            "medium" | "moderate" => Some(Severity::Medium),
            "low" | "none" => Some(Severity::Low),
            _ => None,
        }
    }

    fn raised(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }

    fn word(self) -> Bilingual {
        match self {
            Severity::Low => Bilingual::new("laag", "low"),
            Severity::Medium => Bilingual::new("middel", "medium"),
            Severity::High => Bilingual::new("hoog", "high"),
            Severity::Critical => Bilingual::new("kritiek", "critical"),
        }
    }
}

/// The severity of an advisory alert and the reason, in both languages.
pub(super) fn of_advisory(facts: &AdvisoryFacts, sighted_nearby: bool) -> (Severity, Bilingual) {
    let mut reasons_nl = Vec::new();
    let mut reasons_en = Vec::new();
    let mut severity = if let Some(score) = facts.cvss_base_score {
        reasons_nl.push(format!("CVSS-score {score:.1}"));
        reasons_en.push(format!("CVSS score {score:.1}"));
        Severity::of_cvss(score)
    } else if let Some(stated) = facts.source_severity.as_deref().and_then(Severity::of_word) {
        reasons_nl.push(format!("de bron noemt het {}", stated.word().nl));
        reasons_en.push(format!("the source rates it {}", stated.word().en));
        stated
    } else {
        reasons_nl.push("geen score bekend".to_owned());
        reasons_en.push("no score known".to_owned());
        Severity::Medium
    };
    if let Some(kev) = &facts.kev {
        reasons_nl.push("wordt actief misbruikt (CISA KEV)".to_owned());
        reasons_en.push("exploited in the wild (CISA KEV)".to_owned());
        severity = severity.max(Severity::High);
        if kev.known_ransomware_campaign_use == Some(true) {
            reasons_nl.push("gebruikt bij ransomware".to_owned());
            reasons_en.push("used in ransomware campaigns".to_owned());
            severity = Severity::Critical;
        }
    }
    if facts.under_investigation && facts.kev.is_none() {
        reasons_nl.push("de leverancier onderzoekt het nog".to_owned());
        reasons_en.push("the vendor is still investigating".to_owned());
        severity = severity.min(Severity::Medium);
    }
    finish(severity, sighted_nearby, reasons_nl, reasons_en)
}

/// The labels that make an indicator about a member serious at once.
const SERIOUS_LABELS: [&str; 8] = [
    "phishing",
    "botnet",
    "c2",
    "command-and-control",
    "compromised",
    "malicious-activity",
    "leak",
    "credential",
];

/// The severity of an indicator alert and the reason.
pub(super) fn of_indicator(
    kind: AlertKind,
    facts: &IndicatorFacts,
    sighted_nearby: bool,
) -> (Severity, Bilingual) {
    let mut reasons_nl = Vec::new();
    let mut reasons_en = Vec::new();
    let serious_label = facts.labels.iter().find(|label| {
        let label = label.to_ascii_lowercase();
        SERIOUS_LABELS.iter().any(|serious| label.contains(serious))
    });
    let mut severity = match facts.confidence {
        Some(confidence) if confidence >= 70 => {
            reasons_nl.push(format!("betrouwbaarheid {confidence} van 100"));
            reasons_en.push(format!("confidence {confidence} of 100"));
            Severity::High
        }
        Some(confidence) if confidence < 30 => {
            reasons_nl.push(format!("lage betrouwbaarheid ({confidence} van 100)"));
            reasons_en.push(format!("low confidence ({confidence} of 100)"));
            Severity::Low
        }
        Some(confidence) => {
            reasons_nl.push(format!("betrouwbaarheid {confidence} van 100"));
            reasons_en.push(format!("confidence {confidence} of 100"));
            Severity::Medium
        }
        None => Severity::Medium,
    };
    if let Some(label) = serious_label {
        if facts.confidence.is_none_or(|confidence| confidence >= 30) {
            reasons_nl.push(format!("aangemerkt als '{label}'"));
            reasons_en.push(format!("labelled '{label}'"));
            severity = severity.max(Severity::High);
        }
    }
    if kind == AlertKind::ExposedEmailAddresses && severity < Severity::High {
        reasons_nl.push("adressen van medewerkers zijn bekend bij aanvallers".to_owned());
        reasons_en.push("staff addresses are known to attackers".to_owned());
        severity = severity.max(Severity::Medium);
    }
    if reasons_nl.is_empty() {
        reasons_nl.push("geen betrouwbaarheid opgegeven".to_owned());
        reasons_en.push("no confidence stated".to_owned());
    }
    finish(severity, sighted_nearby, reasons_nl, reasons_en)
}

fn finish(
    severity: Severity,
    sighted_nearby: bool,
    mut reasons_nl: Vec<String>,
    mut reasons_en: Vec<String>,
) -> (Severity, Bilingual) {
    let severity = if sighted_nearby {
        reasons_nl.push("gezien bij organisaties in uw sector of keten".to_owned());
        reasons_en.push("seen by organisations in your sector or supply chain".to_owned());
        severity.raised()
    } else {
        severity
    };
    let word = severity.word();
    (
        severity,
        Bilingual::new(
            format!("{}: {}", capitalised(&word.nl), reasons_nl.join("; ")),
            format!("{}: {}", capitalised(&word.en), reasons_en.join("; ")),
        ),
    )
}

fn capitalised(word: &str) -> String {
    let mut characters = word.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters).collect()
    })
}
