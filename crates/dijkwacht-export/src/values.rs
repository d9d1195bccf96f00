//! The values that objects name, in one vocabulary for every format: the constants an
//! indicator's pattern compares with `=` or `IN` (never those of `!=`, `NOT` or the
//! ordering and matching operators, which do not name a value that is bad), and the
//! properties of observables (SCOs) that identify them.
//!
//! Each value keeps its STIX object path (`file:hashes.'SHA-256'`), so a CSV row can
//! say what it is, and [`value_kind`] says what it means, so the MISP feed can pick an
//! attribute type and the blocklists can pick their lines. Patterns are read through
//! `dijkwacht_stix::pattern`'s syntax tree, never as text.

use dijkwacht_stix::StixObject;
use dijkwacht_stix::pattern::{
    Comparison, ComparisonExpression, Constant, ObjectPath, PathStep, Pattern, Predicate,
};
use serde_json::Value;

/// One value an object names, with the object path it was found at.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedValue {
    pub path: ObjectPath,
    pub value: String,
}

impl NamedValue {
    /// The object path as STIX writes it, e.g. `ipv4-addr:value`.
    pub fn value_type(&self) -> String {
        self.path.to_string()
    }

    /// What the value means, when it is one Dijkwacht knows how to pass on.
    pub fn kind(&self) -> Option<ValueKind> {
        value_kind(&self.path)
    }
}

/// The values of one pattern, and whether the pattern is no more than those values.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternValues {
    /// Every string or integer constant compared with `=` or `IN` without `NOT`, in
    /// pattern order.
    pub values: Vec<NamedValue>,
    /// True when the pattern is one or more observations joined by `OR`, without
    /// qualifiers, whose comparisons are all such equalities joined by `AND` and `OR`:
    /// then each value may stand on its own as a MISP attribute.
    pub simple: bool,
}

/// The values a pattern compares with `=` or `IN`.
pub fn pattern_values(pattern: &Pattern) -> PatternValues {
    let mut collected = PatternValues {
        values: Vec::new(),
        simple: true,
    };
    walk_pattern(pattern, &mut collected);
    collected
}

// Recursion is bounded: the parser limits nesting to `MAX_NESTING_DEPTH`.
fn walk_pattern(pattern: &Pattern, collected: &mut PatternValues) {
    match pattern {
        Pattern::Observation {
            comparison,
            qualifiers,
        } => {
            collected.simple &= qualifiers.is_empty();
            walk_comparisons(comparison, collected);
        }
        Pattern::Grouped {
            pattern,
            qualifiers,
        } => {
            collected.simple &= qualifiers.is_empty();
            walk_pattern(pattern, collected);
        }
        Pattern::Or(operands) => {
            for operand in operands {
                walk_pattern(operand, collected);
            }
        }
        Pattern::And(operands) | Pattern::FollowedBy(operands) => {
            collected.simple = false;
            for operand in operands {
                walk_pattern(operand, collected);
            }
        }
    }
}

fn walk_comparisons(expression: &ComparisonExpression, collected: &mut PatternValues) {
    match expression {
        ComparisonExpression::Comparison(comparison) => collect_comparison(comparison, collected),
        ComparisonExpression::And(operands) | ComparisonExpression::Or(operands) => {
            for operand in operands {
                walk_comparisons(operand, collected);
            }
        }
        ComparisonExpression::Grouped(inner) => walk_comparisons(inner, collected),
    }
}

fn collect_comparison(comparison: &Comparison, collected: &mut PatternValues) {
    if comparison.negated {
        collected.simple = false;
        return;
    }
    let constants: &[Constant] = match &comparison.predicate {
        Predicate::Equal(constant) => std::slice::from_ref(constant),
        Predicate::In(constants) => constants,
        _ => {
            collected.simple = false;
            return;
        }
    };
    for constant in constants {
        match constant_text(constant) {
            Some(value) => collected.values.push(NamedValue {
                path: comparison.object_path.clone(),
                value,
            }),
            None => collected.simple = false,
        }
    }
}

fn constant_text(constant: &Constant) -> Option<String> {
    match constant {
        Constant::String(text) => Some(text.clone()),
        Constant::Integer(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The identifying values of an observable: its top-level properties and the entries of
/// its dictionaries (such as `hashes`) whose paths have a [`ValueKind`].
pub fn observable_values(object: &StixObject) -> Vec<NamedValue> {
    let mut values = Vec::new();
    for (property, value) in object.properties() {
        let path = |steps: Vec<PathStep>| ObjectPath {
            object_type: object.object_type().to_owned(),
            property: property.clone(),
            steps,
        };
        match value {
            Value::Object(entries) => {
                for (key, entry) in entries {
                    if let Some(text) = scalar_text(entry) {
                        values.push(NamedValue {
                            path: path(vec![PathStep::Key(key.clone())]),
                            value: text,
                        });
                    }
                }
            }
            other => {
                if let Some(text) = scalar_text(other) {
                    values.push(NamedValue {
                        path: path(Vec::new()),
                        value: text,
                    });
                }
            }
        }
    }
    values.retain(|value| value.kind().is_some());
    values
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}

/// What a value is, as far as the export formats care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `ipv4-addr:value`: an address or a network in CIDR notation.
    Ipv4Address,
    /// `ipv6-addr:value`: an address or a network in CIDR notation.
    Ipv6Address,
    /// `network-traffic:src_ref.value`.
    TrafficSource,
    /// `network-traffic:dst_ref.value`.
    TrafficDestination,
    DomainName,
    Url,
    /// `email-addr:value`.
    EmailAddress,
    /// `email-message:from_ref.value` or `sender_ref.value`.
    EmailSender,
    /// `email-message:to_refs[*].value`, `cc_refs[*].value`, `bcc_refs[*].value`.
    EmailRecipient,
    EmailSubject,
    FileName,
    FileHash(HashAlgorithm),
    MutexName,
    RegistryKey,
    MacAddress,
    AutonomousSystem,
}

/// The hash algorithms of STIX's `hash-algorithm-ov` that MISP has attribute types for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Sha3_256,
    Sha3_512,
    Ssdeep,
    Tlsh,
}

impl HashAlgorithm {
    /// Reads a `hashes` key as STIX writes it (`SHA-256`), tolerating case and a missing
    /// hyphen, which producers get wrong often enough.
    pub fn from_stix(key: &str) -> Option<HashAlgorithm> {
        let normalised: String = key
            .chars()
            .filter(|character| *character != '-' && *character != '_')
            .flat_map(char::to_uppercase)
            .collect();
        Some(match normalised.as_str() {
            "MD5" => HashAlgorithm::Md5,
            "SHA1" => HashAlgorithm::Sha1,
            "SHA256" => HashAlgorithm::Sha256,
            "SHA512" => HashAlgorithm::Sha512,
            "SHA3256" => HashAlgorithm::Sha3_256,
            "SHA3512" => HashAlgorithm::Sha3_512,
            "SSDEEP" => HashAlgorithm::Ssdeep,
            "TLSH" => HashAlgorithm::Tlsh,
            _ => return None,
        })
    }
}

/// What the value at `path` means, or `None` for paths the formats do not pass on.
pub fn value_kind(path: &ObjectPath) -> Option<ValueKind> {
    let key = |wanted: &str| matches!(path.steps.as_slice(), [PathStep::Key(key)] if key == wanted);
    let any_element_key = |wanted: &str| matches!(path.steps.as_slice(), [PathStep::AnyIndex | PathStep::Index(_), PathStep::Key(key)] if key == wanted);
    let plain = path.steps.is_empty();
    Some(match (path.object_type.as_str(), path.property.as_str()) {
        ("ipv4-addr", "value") if plain => ValueKind::Ipv4Address,
        ("ipv6-addr", "value") if plain => ValueKind::Ipv6Address,
        ("network-traffic", "src_ref") if key("value") => ValueKind::TrafficSource,
        ("network-traffic", "dst_ref") if key("value") => ValueKind::TrafficDestination,
        ("domain-name", "value") if plain => ValueKind::DomainName,
        ("url", "value") if plain => ValueKind::Url,
        ("email-addr", "value") if plain => ValueKind::EmailAddress,
        ("email-message", "from_ref" | "sender_ref") if key("value") => ValueKind::EmailSender,
        ("email-message", "to_refs" | "cc_refs" | "bcc_refs") if any_element_key("value") => {
            ValueKind::EmailRecipient
        }
        ("email-message", "subject") if plain => ValueKind::EmailSubject,
        ("file", "name") if plain => ValueKind::FileName,
        ("file" | "artifact", "hashes") => match path.steps.as_slice() {
            [PathStep::Key(algorithm)] => ValueKind::FileHash(HashAlgorithm::from_stix(algorithm)?),
            _ => return None,
        },
        ("mutex", "name") if plain => ValueKind::MutexName,
        ("windows-registry-key", "key") if plain => ValueKind::RegistryKey,
        ("mac-addr", "value") if plain => ValueKind::MacAddress,
        ("autonomous-system", "number") if plain => ValueKind::AutonomousSystem,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dijkwacht_stix::pattern::parse;

    /// Each case: a pattern, whether it is simple, and its values as `path=value`.
    #[test]
    fn pattern_values_take_positive_equalities_only() {
        let cases: &[(&str, bool, &[&str])] = &[
            (
                "[ipv4-addr:value = '198.51.100.7']",
                true,
                &["ipv4-addr:value=198.51.100.7"],
            ),
            (
                "[domain-name:value = 'a.example' OR domain-name:value = 'b.example']",
                true,
                &["domain-name:value=a.example", "domain-name:value=b.example"],
            ),
            (
                "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND file:name = 'x.exe']",
                true,
                &[
                    "file:hashes.'SHA-256'=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    "file:name=x.exe",
                ],
            ),
            (
                "[url:value = 'http://a.example/'] OR [ipv6-addr:value IN ('2001:db8::1', '2001:db8::2')]",
                true,
                &[
                    "url:value=http://a.example/",
                    "ipv6-addr:value=2001:db8::1",
                    "ipv6-addr:value=2001:db8::2",
                ],
            ),
            ("[ipv4-addr:value != '10.0.0.1']", false, &[]),
            ("[ipv4-addr:value NOT IN ('10.0.0.1')]", false, &[]),
            ("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", false, &[]),
            (
                "[ipv4-addr:value = '198.51.100.7' AND ipv4-addr:value != '10.0.0.1']",
                false,
                &["ipv4-addr:value=198.51.100.7"],
            ),
            (
                "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'c.example']",
                false,
                &[
                    "ipv4-addr:value=198.51.100.7",
                    "domain-name:value=c.example",
                ],
            ),
            (
                "[ipv4-addr:value = '198.51.100.7'] REPEATS 5 TIMES",
                false,
                &["ipv4-addr:value=198.51.100.7"],
            ),
            ("[file:size = 1024]", true, &["file:size=1024"]),
        ];
        for (text, simple, expected) in cases {
            let pattern = parse(text).expect("test patterns parse");
            let found = pattern_values(&pattern);
            let found_values: Vec<String> = found
                .values
                .iter()
                .map(|value| format!("{}={}", value.value_type(), value.value))
                .collect();
            assert_eq!(found_values, *expected, "{text}");
            assert_eq!(found.simple, *simple, "{text}");
        }
    }

    #[test]
    fn value_kinds_follow_the_object_path() {
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let cases: &[(String, Option<ValueKind>)] = &[
            (
                "ipv4-addr:value = '198.51.100.7'".into(),
                Some(ValueKind::Ipv4Address),
            ),
            (
                format!("file:hashes.MD5 = '{md5}'"),
                Some(ValueKind::FileHash(HashAlgorithm::Md5)),
            ),
            (
                format!("file:hashes.'md5' = '{md5}'"),
                Some(ValueKind::FileHash(HashAlgorithm::Md5)),
            ),
            ("file:hashes.'X-UNKNOWN' = 'x'".into(), None),
            (
                "email-message:to_refs[*].value = 'a@b.example'".into(),
                Some(ValueKind::EmailRecipient),
            ),
            (
                "network-traffic:dst_ref.value = '198.51.100.7'".into(),
                Some(ValueKind::TrafficDestination),
            ),
            ("ipv4-addr:resolves_to_refs[*].value = 'x'".into(), None),
            ("file:parent_directory_ref.path = 'C:'".into(), None),
        ];
        for (comparison, expected) in cases {
            let pattern = parse(&format!("[{comparison}]")).expect("test patterns parse");
            assert_eq!(
                pattern_values(&pattern).values[0].kind(),
                *expected,
                "{comparison}"
            );
        }
    }

    #[test]
    fn observables_give_their_identifying_properties() {
        let file = StixObject::from_value(serde_json::json!({
            "type": "file", "spec_version": "2.1",
            "id": "file--5e2f3b4a-1c2d-5e6f-8a9b-0c1d2e3f4a5b",
            "name": "evil.exe", "size": 1024, "mime_type": "application/x-dosexec",
            "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e", "X-ODD": "zz"}
        }))
        .expect("a STIX object");
        let mut found: Vec<String> = observable_values(&file)
            .iter()
            .map(|value| format!("{}={}", value.value_type(), value.value))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                "file:hashes.MD5=d41d8cd98f00b204e9800998ecf8427e",
                "file:name=evil.exe"
            ]
        );
    }
}
