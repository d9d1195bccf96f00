//! Redaction of a STIX object's free text, in place. Which properties are free text is
//! decided here and described in the module documentation of [`super`]: the rest of an
//! object is intelligence or structure and is never changed.

use serde_json::{Map, Value};

use super::{Detector, Redactor};

/// Top-level properties of any object that hold free text.
const FREE_TEXT_PROPERTIES: [&str; 4] = ["description", "content", "abstract", "explanation"];
/// The last `_` segments of custom `x_…` properties that hold free text.
const CUSTOM_FREE_TEXT_SUFFIXES: [&str; 4] = ["description", "comment", "content", "text"];

/// Personal data found in one property of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFinding {
    /// Where: `description`, `external_references[2].description`,
    /// `contents.de.description`.
    pub path: String,
    pub detector: Detector,
}

impl Redactor {
    /// Replaces the personal data in the free-text properties of a STIX object and says
    /// where it was. Anything that is not a JSON object is left as it is.
    pub fn redact_object(&self, object: &mut Value) -> Vec<ObjectFinding> {
        let mut findings = Vec::new();
        let Some(properties) = object.as_object_mut() else {
            return findings;
        };
        let is_language_content =
            properties.get("type").and_then(Value::as_str) == Some("language-content");
        for (name, value) in properties.iter_mut() {
            if is_free_text_property(name) {
                self.redact_property(value, name, &mut findings);
            } else if name == "external_references" {
                self.redact_external_references(value, &mut findings);
            } else if name == "contents" && is_language_content {
                self.redact_translations(value, &mut findings);
            }
        }
        findings
    }

    fn redact_external_references(
        &self,
        references: &mut Value,
        findings: &mut Vec<ObjectFinding>,
    ) {
        let Some(references) = references.as_array_mut() else {
            return;
        };
        for (index, reference) in references.iter_mut().enumerate() {
            if let Some(description) = reference
                .as_object_mut()
                .and_then(|reference| reference.get_mut("description"))
            {
                let path = format!("external_references[{index}].description");
                self.redact_property(description, &path, findings);
            }
        }
    }

    /// `language-content`: `contents` maps a language tag to translated properties.
    fn redact_translations(&self, contents: &mut Value, findings: &mut Vec<ObjectFinding>) {
        let Some(languages) = contents.as_object_mut() else {
            return;
        };
        for (language, translation) in languages.iter_mut() {
            let Some(translated) = translation.as_object_mut() else {
                continue;
            };
            self.redact_translation(language, translated, findings);
        }
    }

    fn redact_translation(
        &self,
        language: &str,
        translated: &mut Map<String, Value>,
        findings: &mut Vec<ObjectFinding>,
    ) {
        for (name, value) in translated.iter_mut() {
            if is_free_text_property(name) {
                let path = format!("contents.{language}.{name}");
                self.redact_property(value, &path, findings);
            }
        }
    }

    /// Redacts a string value; other values are not free text.
    fn redact_property(&self, value: &mut Value, path: &str, findings: &mut Vec<ObjectFinding>) {
        let Value::String(text) = value else {
            return;
        };
        let redaction = self.redact(text);
        if redaction.findings.is_empty() {
            return;
        }
        findings.extend(redaction.findings.iter().map(|finding| ObjectFinding {
            path: path.to_owned(),
            detector: finding.detector,
        }));
        let redacted = redaction.text.into_owned();
        *text = redacted;
    }
}

/// The free-text rule for a property's name.
fn is_free_text_property(name: &str) -> bool {
    if FREE_TEXT_PROPERTIES.contains(&name) {
        return true;
    }
    name.strip_prefix("x_").is_some_and(|custom| {
        let last_segment = custom.rsplit('_').next().unwrap_or(custom);
        CUSTOM_FREE_TEXT_SUFFIXES.contains(&last_segment)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_properties_by_name() {
        for name in [
            "description",
            "content",
            "abstract",
            "explanation",
            "x_analyst_comment",
            "x_description",
            "x_acme_free_text",
            "x_note_content",
        ] {
            assert!(is_free_text_property(name), "{name}");
        }
        for name in [
            "name",
            "pattern",
            "value",
            "id",
            "created",
            "x_context",
            "x_comment_count_total",
            "description_ref",
            "x_mitre_detection",
        ] {
            assert!(!is_free_text_property(name), "{name}");
        }
    }
}
