//! Personal data in free text, found and replaced before intelligence leaves its owner.
//!
//! The fusion center shares intelligence beyond the organisation that owns it, and the free
//! text of reports, notes and descriptions often carries personal data (GDPR/AVG): the
//! address a phishing mail was sent to, the victim's phone number, an account a fraudster
//! used. Before an object is shared beyond its owner, that data is replaced by a marker;
//! keeping the original for the owner is the pipeline's job, not this module's.
//!
//! What is found, each by one [`Detector`] with a stable configuration name:
//! - `email`: e-mail addresses, also one written in a URL's userinfo
//!   (`https://jan%40example.nl@host/`); the `user@host` of a URL is not an address.
//! - `phone`: Dutch numbers (`020-1234567`, `06-12345678`, `(020) 123 45 67`,
//!   `+31 (0)6 12345678`, `0031 20 123 4567`) and international numbers written with `+`
//!   (E.164, 8 to 15 digits, lengths checked for a few country codes). Dates, times, IP
//!   addresses, versions, CVE and ATT&CK ids, ports and digits inside hashes are not
//!   numbers: a number stands alone, its groups are separated by single spaces, hyphens,
//!   slashes or ` - ` (dots only after `+`, as WHOIS writes them).
//! - `iban`: ISO 13616 account numbers with a known country, that country's length and a
//!   valid mod-97 check, written contiguously or in groups of four (upper case only).
//! - `bsn`: Dutch citizen service numbers: nine digits standing alone that pass the
//!   eleven-test. Eight-digit numbers with the leading zero left off are out of scope.
//! - `mail-header-name`: the display names in `From:`, `To:`, `Cc:`, `Bcc:`, `Reply-To:`,
//!   `Sender:` (and `Resent-` forms) header lines pasted into free text, quoted or not,
//!   several on one line, folded over continuation lines. A header starts a line (after
//!   indentation or `>` quoting), or stands mid-line in its capitalised form
//!   (`… From: Jan <jan@example.nl> To: …`, as when a mail's headers were joined).
//!
//! Where findings overlap, the longest wins, then the most specific (IBAN, BSN, e-mail,
//! phone, header name). The replacement text is configurable; it must not itself look like
//! personal data, so that redacting twice changes nothing.
//!
//! Which properties of a STIX object are free text ([`Redactor::redact_object`]): the
//! top-level `description`, `content`, `abstract` and `explanation` (so a note's content
//! and abstract and an opinion's explanation), every external reference's `description`,
//! the translations of those properties in a `language-content`'s `contents`, and custom
//! `x_…` string properties whose last `_` segment is `description`, `comment`, `content`
//! or `text` (`x_analyst_comment`). Nothing else is touched: identifiers, timestamps,
//! names, patterns, hashes, URLs and the values of cyber observables (an `email-addr`'s
//! `value` is intelligence, not personal data to strip).
//!
//! Cost: one pass of a [`regex::RegexSet`] over the text decides which detectors have a
//! candidate; text without any costs that pass alone. Only those detectors then search
//! the text, and their candidates go through the checks above.

mod bsn;
mod config;
mod email;
mod iban;
mod mail_header;
mod phone;
mod scan;
mod stix_object;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

pub use config::{DETECTOR_PLACEHOLDER, RedactionConfig, RedactionConfigError};
pub use stix_object::ObjectFinding;

/// One kind of personal data, by the name used in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Detector {
    Email,
    Phone,
    Iban,
    Bsn,
    MailHeaderName,
}

impl Detector {
    /// Every detector, in configuration order.
    pub const ALL: [Detector; 5] = [
        Detector::Email,
        Detector::Phone,
        Detector::Iban,
        Detector::Bsn,
        Detector::MailHeaderName,
    ];

    /// The stable name used in configuration and in the default replacement text.
    pub fn name(self) -> &'static str {
        match self {
            Detector::Email => "email",
            Detector::Phone => "phone",
            Detector::Iban => "iban",
            Detector::Bsn => "bsn",
            Detector::MailHeaderName => "mail-header-name",
        }
    }

    fn index(self) -> usize {
        match self {
            Detector::Email => 0,
            Detector::Phone => 1,
            Detector::Iban => 2,
            Detector::Bsn => 3,
            Detector::MailHeaderName => 4,
        }
    }

    /// Between overlapping findings of the same length, the higher wins: a checksummed
    /// number says more than a shape.
    fn specificity(self) -> u8 {
        match self {
            Detector::Iban => 5,
            Detector::Bsn => 4,
            Detector::Email => 3,
            Detector::Phone => 2,
            Detector::MailHeaderName => 1,
        }
    }

    /// The regular expression whose matches are this detector's candidates.
    fn candidate_pattern(self) -> &'static str {
        match self {
            Detector::Email => email::CANDIDATES,
            Detector::Phone => phone::CANDIDATES,
            Detector::Iban => iban::CANDIDATES,
            Detector::Bsn => bsn::CANDIDATES,
            Detector::MailHeaderName => mail_header::CANDIDATES,
        }
    }
}

impl fmt::Display for Detector {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A name that is not one of [`Detector::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown personal-data detector {0:?}; known are email, phone, iban, bsn, mail-header-name"
)]
pub struct UnknownDetector(pub String);

impl FromStr for Detector {
    type Err = UnknownDetector;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Detector::ALL
            .into_iter()
            .find(|detector| detector.name() == name)
            .ok_or_else(|| UnknownDetector(name.to_owned()))
    }
}

/// Personal data found in a text: which kind, and where (byte offsets into the text
/// that was searched).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Finding {
    pub detector: Detector,
    pub start: usize,
    pub end: usize,
}

impl Finding {
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// A text with its personal data replaced, and what was replaced (offsets into the
/// original text, in order, never overlapping). Borrows the original when nothing was
/// found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction<'t> {
    pub text: Cow<'t, str>,
    pub findings: Vec<Finding>,
}

/// The detectors of a [`RedactionConfig`], compiled once and shared by every text.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// One pass over a text says which detectors have candidates in it.
    prefilter: RegexSet,
    /// The enabled detectors, in the order of the prefilter's patterns.
    searches: Vec<DetectorSearch>,
    /// The replacement text of each detector, by [`Detector::index`].
    replacements: [String; 5],
}

#[derive(Debug, Clone)]
struct DetectorSearch {
    detector: Detector,
    candidates: Regex,
}

impl Redactor {
    /// Compiles the enabled detectors. Fails when the replacement text would itself be
    /// found as personal data.
    pub fn new(config: &RedactionConfig) -> Result<Redactor, RedactionConfigError> {
        let mut searches = Vec::new();
        for detector in Detector::ALL {
            if !config.detectors.contains(&detector) {
                continue;
            }
            let candidates = Regex::new(detector.candidate_pattern())
                .map_err(|source| RedactionConfigError::BuiltInPattern { detector, source })?;
            searches.push(DetectorSearch {
                detector,
                candidates,
            });
        }
        let prefilter = RegexSet::new(searches.iter().map(|search| search.candidates.as_str()))
            .map_err(|source| RedactionConfigError::Prefilter { source })?;
        let replacements = Detector::ALL.map(|detector| config.replacement_for(detector));
        let redactor = Redactor {
            prefilter,
            searches,
            replacements,
        };
        redactor.check_replacements_are_inert()?;
        Ok(redactor)
    }

    /// The personal data in `text`, in order, overlaps resolved.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        let candidates = self.prefilter.matches(text);
        if !candidates.matched_any() {
            return Vec::new();
        }
        let mut findings = Vec::new();
        for index in candidates.iter() {
            let Some(search) = self.searches.get(index) else {
                continue;
            };
            let regex = &search.candidates;
            match search.detector {
                Detector::Email => email::find(regex, text, &mut findings),
                Detector::Phone => phone::find(regex, text, &mut findings),
                Detector::Iban => iban::find(regex, text, &mut findings),
                Detector::Bsn => bsn::find(regex, text, &mut findings),
                Detector::MailHeaderName => {
                    mail_header::find(regex, text, &self.replacements, &mut findings)
                }
            }
        }
        resolve_overlaps(findings)
    }

    /// `text` with its personal data replaced, and what was found.
    pub fn redact<'t>(&self, text: &'t str) -> Redaction<'t> {
        let findings = self.find(text);
        if findings.is_empty() {
            return Redaction {
                text: Cow::Borrowed(text),
                findings,
            };
        }
        let mut redacted = String::with_capacity(text.len() + 32 * findings.len());
        let mut copied_up_to = 0;
        for finding in &findings {
            redacted.push_str(text.get(copied_up_to..finding.start).unwrap_or_default());
            redacted.push_str(self.replacement(finding.detector));
            copied_up_to = finding.end;
        }
        redacted.push_str(text.get(copied_up_to..).unwrap_or_default());
        Redaction {
            text: Cow::Owned(redacted),
            findings,
        }
    }

    /// What replaces personal data found by `detector`.
    pub fn replacement(&self, detector: Detector) -> &str {
        self.replacements
            .get(detector.index())
            .map_or("", String::as_str)
    }

    /// A replacement that a detector finds again would make every redaction of an already
    /// redacted text report new findings.
    fn check_replacements_are_inert(&self) -> Result<(), RedactionConfigError> {
        for search in &self.searches {
            let replacement = self.replacement(search.detector);
            let samples = [
                replacement.to_owned(),
                format!("From: {replacement} <{replacement}>"),
            ];
            for sample in &samples {
                if let Some(finding) = self.find(sample).first() {
                    return Err(RedactionConfigError::ReplacementLooksLikePersonalData {
                        replacement: replacement.to_owned(),
                        detector: finding.detector,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Keeps, of overlapping findings, the longest, then the most specific; the result is in
/// text order.
fn resolve_overlaps(mut findings: Vec<Finding>) -> Vec<Finding> {
    if findings.len() < 2 {
        return findings;
    }
    findings.sort_by(|left, right| {
        right
            .len()
            .cmp(&left.len())
            .then(
                right
                    .detector
                    .specificity()
                    .cmp(&left.detector.specificity()),
            )
            .then(left.start.cmp(&right.start))
    });
    let mut kept: BTreeMap<usize, Finding> = BTreeMap::new();
    for finding in findings {
        // Kept findings are disjoint, so only the last one starting before this one ends
        // can overlap it.
        let overlaps = kept
            .range(..finding.end)
            .next_back()
            .is_some_and(|(_, earlier)| earlier.end > finding.start);
        if !overlaps {
            kept.insert(finding.start, finding);
        }
    }
    kept.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(detector: Detector, start: usize, end: usize) -> Finding {
        Finding {
            detector,
            start,
            end,
        }
    }

    #[test]
    fn the_longest_overlapping_finding_wins_then_the_most_specific() {
        let resolved = resolve_overlaps(vec![
            finding(Detector::Bsn, 4, 13),
            finding(Detector::Phone, 0, 13),
            finding(Detector::Email, 20, 30),
            finding(Detector::Phone, 20, 30),
            finding(Detector::Bsn, 40, 49),
        ]);
        assert_eq!(
            resolved,
            vec![
                finding(Detector::Phone, 0, 13),
                finding(Detector::Email, 20, 30),
                finding(Detector::Bsn, 40, 49),
            ]
        );
    }

    #[test]
    fn detector_names_parse_back() {
        for detector in Detector::ALL {
            assert_eq!(detector.name().parse::<Detector>(), Ok(detector));
            assert_eq!(Detector::ALL.get(detector.index()), Some(&detector));
        }
        assert!("telephone".parse::<Detector>().is_err());
    }
}
