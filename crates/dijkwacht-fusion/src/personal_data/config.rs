//! What an operator chooses about redaction: which detectors run (all by default) and
//! what replaces the personal data found (by default `[personal data removed: email]`,
//! naming the detector). Deserialised from the `[personal_data]` section of the
//! configuration, for example
//!
//! ```toml
//! detectors = ["email", "phone", "iban", "bsn", "mail-header-name"]
//! replacement = "[personal data removed: {detector}]"
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Detector;

/// The text in a replacement that stands for the detector's name.
pub const DETECTOR_PLACEHOLDER: &str = "{detector}";

/// Which detectors run and what replaces what they find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactionConfig {
    /// The detectors that run; the others find nothing.
    pub detectors: BTreeSet<Detector>,
    /// The text put in place of personal data; [`DETECTOR_PLACEHOLDER`] in it becomes the
    /// detector's name.
    pub replacement: String,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig {
            detectors: Detector::ALL.into_iter().collect(),
            replacement: format!("[personal data removed: {DETECTOR_PLACEHOLDER}]"),
        }
    }
}

impl RedactionConfig {
    /// The replacement text of `detector`.
    pub fn replacement_for(&self, detector: Detector) -> String {
        self.replacement
            .replace(DETECTOR_PLACEHOLDER, detector.name())
    }
}

/// A redaction configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RedactionConfigError {
    #[error(
        "the replacement text {replacement:?} is itself found by the {detector} detector; \
         choose a replacement without addresses, long numbers or header names, so that \
         redacting a redacted text changes nothing"
    )]
    ReplacementLooksLikePersonalData {
        replacement: String,
        detector: Detector,
    },
    #[error("the built-in pattern of the {detector} detector does not compile: {source}")]
    BuiltInPattern {
        detector: Detector,
        #[source]
        source: regex::Error,
    },
    #[error("the built-in patterns of the detectors do not compile together: {source}")]
    Prefilter {
        #[source]
        source: regex::Error,
    },
}
