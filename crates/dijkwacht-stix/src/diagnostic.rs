//! What validation says about an object: which object, which property (as a JSON path),
//! which rule, and whether the rule is a MUST (an error) or a SHOULD (a warning).
//!
//! Rules are one table ([`Rule`]) so that every message a user or a machine sees has a
//! stable code and a pointer into the specification.

use std::fmt;

/// MUST rules are errors: the object is not STIX 2.1. SHOULD rules are warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! rules {
    ($($variant:ident => ($code:literal, $severity:ident, $section:literal, $summary:literal),)*) => {
        /// Every rule the validator checks, with its code, severity and specification section.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $($variant,)* }

        impl Rule {
            /// All rules, for documentation and for tests that want to reach each one.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// A stable, kebab-case code such as `id-format`.
            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code,)* }
            }

            /// Whether breaking the rule makes the object invalid.
            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity,)* }
            }

            /// The section of STIX 2.1 (OASIS Standard, with Errata 01) that states the rule.
            pub fn section(self) -> &'static str {
                match self { $(Rule::$variant => $section,)* }
            }

            /// One line saying what the rule requires.
            pub fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary,)* }
            }
        }
    };
}

rules! {
    NotAnObject => ("not-an-object", Error, "2.1", "a STIX object is a JSON object"),
    TypeMissing => ("type-missing", Error, "3.1", "every object has a string `type`"),
    TypeName => ("type-name", Error, "3.1", "a type is 3-250 characters of a-z, 0-9 and '-', starting with a letter, without '--'"),
    IdFormat => ("id-format", Error, "2.9", "an id is `<type>--<UUID>` with an RFC 4122 UUID"),
    IdTypeMismatch => ("id-type-mismatch", Error, "2.9", "the id's prefix equals the object's `type`"),
    RequiredProperty => ("required-property", Error, "3.2", "required properties are present"),
    ForbiddenProperty => ("forbidden-property", Error, "3.2", "a property not allowed on this kind of object is absent"),
    ReservedProperty => ("reserved-property", Error, "3.1", "the reserved names severity, username, phone_number and action are not used"),
    SpecVersion => ("spec-version", Error, "3.2", "`spec_version` is \"2.1\""),
    PropertyType => ("property-type", Error, "3.1", "a property has the JSON type its definition gives"),
    PropertyName => ("property-name", Error, "3.1", "property names are 3-250 characters of a-z, 0-9 and '_' (custom ones included)"),
    Timestamp => ("timestamp", Error, "3.1", "timestamps are RFC 3339 in UTC ending in 'Z'"),
    TimestampPrecision => ("timestamp-precision", Error, "3.2", "`created` and `modified` carry at least millisecond precision"),
    ModifiedBeforeCreated => ("modified-before-created", Error, "3.2", "`modified` is not earlier than `created`"),
    TimeOrder => ("time-order", Error, "4", "the later of a pair of times (last_seen, valid_until, stop_time, ...) is not before the earlier"),
    EmptyList => ("empty-list", Error, "3.1", "lists are not empty"),
    EmptyDictionary => ("empty-dictionary", Error, "3.1", "dictionaries are not empty"),
    DictionaryKey => ("dictionary-key", Error, "3.1", "dictionary keys are at most 250 ASCII letters, digits, '-' or '_'"),
    IntegerRange => ("integer-range", Error, "3.1", "integers lie in the range the property allows"),
    EnumValue => ("enum-value", Error, "3.1", "an enumeration property takes one of its listed values"),
    ReferenceFormat => ("reference-format", Error, "3.1", "a reference is a STIX identifier"),
    ReferenceType => ("reference-type", Error, "3.1", "a reference points at an object of a type the property allows"),
    Binary => ("binary", Error, "3.1", "binary values are base64"),
    Hex => ("hex", Error, "3.1", "hex values have an even number of hex digits"),
    ExternalReference => ("external-reference", Error, "3.2", "an external reference has `source_name` and one of description, url or external_id"),
    KillChainPhase => ("kill-chain-phase", Error, "3.2", "a kill chain phase has `kill_chain_name` and `phase_name`"),
    GranularMarking => ("granular-marking", Error, "7.2.3", "a granular marking has selectors and exactly one of marking_ref and lang"),
    SelectorUnresolved => ("selector-unresolved", Error, "7.2.3", "a granular marking's selector points at content of the object"),
    MarkingDefinition => ("marking-definition", Error, "7.2.1", "a marking definition has a definition or an extension, and TLP 1.0 markings are the four fixed objects"),
    Extension => ("extension", Error, "7.3", "an extension is a dictionary keyed by an extension-definition id or a predefined `-ext` name"),
    ExtensionDefinition => ("extension-definition", Error, "7.3", "an extension definition names allowed extension types"),
    Pattern => ("pattern", Error, "9", "an indicator's pattern of type stix is a valid STIX pattern"),
    ConditionalProperty => ("conditional-property", Error, "4-6", "properties that go together are given together, and exclusive ones alone"),
    Bundle => ("bundle", Error, "8", "a bundle has type, id and a list of objects, and no spec_version"),
    DuplicateInBundle => ("duplicate-in-input", Error, "3.5", "one input does not hold two different objects with the same id and version"),
    RevokedVersion => ("revoked-version", Error, "3.6", "nothing follows a revoked version"),
    CustomObjectExtension => ("custom-object-extension", Error, "7.3", "a custom object without an `x-` type declares its extension-definition"),
    SharingRule => ("sharing-rule", Error, "design: sharing rules", "the object can be shared as asked (for example, TLP:RED names its recipients)"),
    // SHOULD rules
    ScoIdNotDeterministic => ("sco-id-deterministic", Warning, "2.9", "SCO ids SHOULD be UUIDv5 from the id-contributing properties"),
    UuidVersion => ("uuid-version", Warning, "2.9", "SDO, SRO and meta-object ids SHOULD be UUIDv4"),
    OpenVocabulary => ("open-vocabulary", Warning, "10", "open vocabularies SHOULD use a suggested value"),
    CustomPropertyPrefix => ("custom-property-prefix", Warning, "11.1", "custom properties SHOULD be named x_<source>_<name>"),
    CustomObjectPrefix => ("custom-object-prefix", Warning, "11.2", "custom object types SHOULD start with x-"),
    HashAlgorithm => ("hash-algorithm", Warning, "10.5", "hash keys SHOULD come from hash-algorithm-ov"),
    LowercaseKey => ("lowercase-key", Warning, "3.1", "dictionary keys SHOULD be lowercase"),
    Deprecated => ("deprecated", Warning, "various", "deprecated constructs SHOULD NOT be produced"),
}

impl fmt::Display for Rule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// One finding about one object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub rule: Rule,
    /// The object's `id` as given (or `None` when it has none).
    pub object_id: Option<String>,
    /// Where in the object, as a JSON path from the object: `$.external_references[0].url`.
    pub path: String,
    /// What is wrong, in words, lower-case, with the fix where there is one.
    pub message: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            formatter,
            "{label}[{}] {} {}: {}",
            self.rule,
            self.object_id.as_deref().unwrap_or("(object without id)"),
            self.path,
            self.message
        )
    }
}

/// A JSON path under construction, cheap to extend and to render.
#[derive(Debug, Clone, Default)]
pub struct JsonPath {
    rendered: String,
}

impl JsonPath {
    pub fn root() -> JsonPath {
        JsonPath {
            rendered: "$".to_owned(),
        }
    }

    /// The path of property `name` below this one.
    pub fn key(&self, name: &str) -> JsonPath {
        let mut rendered = String::with_capacity(self.rendered.len() + name.len() + 4);
        rendered.push_str(&self.rendered);
        if !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
        {
            rendered.push('.');
            rendered.push_str(name);
        } else {
            rendered.push_str("['");
            rendered.push_str(&name.replace('\'', "\\'"));
            rendered.push_str("']");
        }
        JsonPath { rendered }
    }

    /// The path of element `index` of the list at this path.
    pub fn index(&self, index: usize) -> JsonPath {
        JsonPath {
            rendered: format!("{}[{index}]", self.rendered),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.rendered
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.rendered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for rule in Rule::ALL {
            assert!(seen.insert(rule.code()), "duplicate code {}", rule.code());
            assert!(
                rule.code()
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte == b'-' || byte.is_ascii_digit())
            );
        }
    }

    #[test]
    fn paths_render_like_jsonpath() {
        let path = JsonPath::root().key("hashes").key("SHA-256");
        assert_eq!(path.as_str(), "$.hashes['SHA-256']");
        assert_eq!(
            JsonPath::root().key("objects").index(3).key("id").as_str(),
            "$.objects[3].id"
        );
    }
}
