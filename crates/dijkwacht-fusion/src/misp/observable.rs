//! The two faces of an observable MISP value: the comparisons of a STIX pattern (for an
//! indicator) and the cyber-observable objects (for observed-data). Both are built from
//! the same reading of the value, so an indicator and an observation of one attribute
//! always say the same thing.
//!
//! SCOs get deterministic ids ([`dijkwacht_stix::scoid::deterministic_id`]) and carry
//! only what the value says, so that the same IP address from two events is the same
//! object. An SCO whose type has no id-contributing property present (an email message
//! known only by its recipients) gets a UUIDv4 drawn from its content, which is just as
//! repeatable. Values are checked where STIX is stricter than MISP (IP addresses,
//! ports, MAC addresses, AS numbers); what fails is the attribute's problem, not a
//! panic and not an invalid object.

use std::net::IpAddr;

use dijkwacht_stix::scoid::deterministic_id;
use serde_json::{Map, Value, json};
use uuid::{Builder, Uuid};

use crate::mapped::FUSION_NAMESPACE;

/// How a comparison tests its property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Equals,
    /// `ISSUBSET`, for an address given as a CIDR block.
    IsSubset,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    Text(String),
    Integer(i64),
}

/// One `<object-path> <operator> <literal>` of a STIX pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comparison {
    pub path: String,
    pub operator: Operator,
    pub literal: Literal,
}

impl Comparison {
    pub(crate) fn text(path: &str, value: &str) -> Comparison {
        Comparison {
            path: path.to_owned(),
            operator: Operator::Equals,
            literal: Literal::Text(value.to_owned()),
        }
    }

    pub(crate) fn integer(path: &str, value: i64) -> Comparison {
        Comparison {
            path: path.to_owned(),
            operator: Operator::Equals,
            literal: Literal::Integer(value),
        }
    }

    /// `path = 'address'`, or `path ISSUBSET 'cidr'` for a block.
    pub(crate) fn address(path: &str, address: &Address) -> Comparison {
        Comparison {
            path: path.to_owned(),
            operator: if address.is_block {
                Operator::IsSubset
            } else {
                Operator::Equals
            },
            literal: Literal::Text(address.value.clone()),
        }
    }

    fn render(&self) -> String {
        let operator = match self.operator {
            Operator::Equals => "=",
            Operator::IsSubset => "ISSUBSET",
        };
        let literal = match &self.literal {
            Literal::Text(text) => quote(text),
            Literal::Integer(number) => number.to_string(),
        };
        format!("{} {operator} {literal}", self.path)
    }
}

/// A STIX string literal: single quotes, with `\` and `'` escaped (STIX 2.1 §9.4).
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for character in text.chars() {
        if character == '\\' || character == '\'' {
            quoted.push('\\');
        }
        quoted.push(character);
    }
    quoted.push('\'');
    quoted
}

/// One observation expression joining `comparisons` with `AND`; comparisons of the same
/// path (two file names of one file) are joined with `OR` inside parentheses, since
/// one object cannot have both values.
pub(crate) fn render_pattern(comparisons: &[Comparison]) -> String {
    let mut paths: Vec<&str> = Vec::new();
    for comparison in comparisons {
        if !paths.contains(&comparison.path.as_str()) {
            paths.push(&comparison.path);
        }
    }
    let groups: Vec<String> = paths
        .iter()
        .map(|path| {
            let alternatives: Vec<String> = comparisons
                .iter()
                .filter(|comparison| comparison.path == *path)
                .map(Comparison::render)
                .collect();
            if alternatives.len() == 1 {
                alternatives.concat()
            } else {
                format!("({})", alternatives.join(" OR "))
            }
        })
        .collect();
    format!("[{}]", groups.join(" AND "))
}

/// The SCOs of one observation, in an order where every referenced object comes first.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ScoGraph {
    objects: Vec<Map<String, Value>>,
}

impl ScoGraph {
    /// Adds an SCO of `object_type` with `properties` (without `type`, `id` or
    /// `spec_version`) and returns its id. An SCO already in the graph is not repeated.
    pub(crate) fn add(&mut self, object_type: &str, properties: Map<String, Value>) -> String {
        let id = deterministic_id(object_type, &properties)
            .unwrap_or_else(|| content_drawn_id(object_type, &properties));
        if !self
            .objects
            .iter()
            .any(|object| object.get("id").and_then(Value::as_str) == Some(id.as_str()))
        {
            let mut object = properties;
            object.insert("type".to_owned(), json!(object_type));
            object.insert("spec_version".to_owned(), json!("2.1"));
            object.insert("id".to_owned(), json!(id));
            self.objects.push(object);
        }
        id
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter_map(|object| object.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
    }

    /// The SCOs, each carrying `marking` as its object marking when there is one.
    pub(crate) fn into_objects(self, marking: Option<&str>) -> Vec<Value> {
        self.objects
            .into_iter()
            .map(|mut object| {
                if let Some(marking) = marking {
                    object.insert("object_marking_refs".to_owned(), json!([marking]));
                }
                Value::Object(object)
            })
            .collect()
    }
}

/// The id of an SCO without id-contributing properties. STIX asks for a UUIDv4 there; a
/// random one would give a new object on every mapping, so the UUIDv4 is drawn from the
/// SCO's content instead (the bits of a UUIDv5 in the fusion namespace, stamped as
/// version 4), which is just as unique and repeatable.
fn content_drawn_id(object_type: &str, properties: &Map<String, Value>) -> String {
    let content = serde_json::to_string(properties).unwrap_or_default();
    let name = format!("misp-observable:{object_type}:{content}");
    let drawn = Uuid::new_v5(&FUSION_NAMESPACE, name.as_bytes());
    let uuid = Builder::from_random_bytes(drawn.into_bytes()).into_uuid();
    format!("{object_type}--{uuid}")
}

/// Whether a URL names its scheme (`https:`, `mailto:`), as STIX requires of `url`
/// objects; MISP often holds URLs without one (`evil.example.com/gate.php`).
pub(crate) fn has_scheme(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let mut characters = scheme.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && characters.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
}

/// A Windows registry key with its hive written out, as STIX requires (`HKLM\…` is
/// `HKEY_LOCAL_MACHINE\…`).
pub(crate) fn full_registry_key(key: &str) -> String {
    let key = key.trim();
    let (hive, rest) = match key.split_once('\\') {
        Some((hive, rest)) => (hive, Some(rest)),
        None => (key, None),
    };
    let full = match hive.to_ascii_uppercase().as_str() {
        "HKLM" => "HKEY_LOCAL_MACHINE",
        "HKCU" => "HKEY_CURRENT_USER",
        "HKCR" => "HKEY_CLASSES_ROOT",
        "HKU" => "HKEY_USERS",
        "HKCC" => "HKEY_CURRENT_CONFIG",
        _ => return key.to_owned(),
    };
    match rest {
        Some(rest) => format!("{full}\\{rest}"),
        None => full.to_owned(),
    }
}

/// Builds a JSON object from `(key, value)` pairs.
pub(crate) fn properties<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// An IP address or CIDR block as STIX writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// `ipv4-addr` or `ipv6-addr`.
    pub sco_type: &'static str,
    pub value: String,
    pub is_block: bool,
}

impl Address {
    /// Reads `198.51.100.7`, `2001:db8::1` or `198.51.100.0/24`.
    pub(crate) fn parse(text: &str) -> Result<Address, String> {
        let text = text.trim();
        let (host, prefix) = match text.split_once('/') {
            Some((host, prefix)) => (host, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = host
            .parse()
            .map_err(|_| format!("'{text}' is not an IP address"))?;
        let (sco_type, bits) = match address {
            IpAddr::V4(_) => ("ipv4-addr", 32),
            IpAddr::V6(_) => ("ipv6-addr", 128),
        };
        if let Some(prefix) = prefix {
            let valid = prefix.parse::<u8>().is_ok_and(|length| length <= bits);
            if !valid {
                return Err(format!("'{text}' has an invalid prefix length"));
            }
        }
        Ok(Address {
            sco_type,
            value: format!(
                "{address}{}",
                prefix.map(|p| format!("/{p}")).unwrap_or_default()
            ),
            is_block: prefix.is_some(),
        })
    }

    /// The network protocol the address belongs to, for `network-traffic.protocols`.
    pub(crate) fn protocol(&self) -> &'static str {
        if self.sco_type == "ipv4-addr" {
            "ipv4"
        } else {
            "ipv6"
        }
    }

    /// Adds the address SCO to `graph` and returns its id.
    pub(crate) fn add_to(&self, graph: &mut ScoGraph) -> String {
        graph.add(self.sco_type, properties([("value", json!(self.value))]))
    }
}

/// A TCP/UDP port number.
pub(crate) fn parse_port(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<u16>()
        .map(i64::from)
        .map_err(|_| format!("'{}' is not a port number (0-65535)", text.trim()))
}

/// An autonomous system number, written `AS64500`, `as64500` or `64500`.
pub(crate) fn parse_as_number(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix("AS")
        .or_else(|| trimmed.strip_prefix("as"))
        .unwrap_or(trimmed);
    digits
        .trim()
        .parse::<u32>()
        .map(i64::from)
        .map_err(|_| format!("'{trimmed}' is not an autonomous system number"))
}

/// A MAC-48 address in the form STIX requires: lower case, colon-separated.
pub(crate) fn parse_mac(text: &str) -> Result<String, String> {
    let normalised = text.trim().to_ascii_lowercase().replace('-', ":");
    let octets: Vec<&str> = normalised.split(':').collect();
    let valid = octets.len() == 6
        && octets
            .iter()
            .all(|octet| octet.len() == 2 && octet.bytes().all(|byte| byte.is_ascii_hexdigit()));
    if valid {
        Ok(normalised)
    } else {
        Err(format!("'{}' is not a MAC-48 address", text.trim()))
    }
}

/// The STIX `hashes` key and the pattern path segment of a MISP hash type or relation.
pub(crate) fn hash_algorithm(misp_name: &str) -> Option<(&'static str, &'static str)> {
    Some(match misp_name {
        "md5" | "x509-fingerprint-md5" => ("MD5", "MD5"),
        "sha1" | "x509-fingerprint-sha1" => ("SHA-1", "'SHA-1'"),
        "sha256" | "x509-fingerprint-sha256" => ("SHA-256", "'SHA-256'"),
        "sha512" => ("SHA-512", "'SHA-512'"),
        "sha3-256" => ("SHA3-256", "'SHA3-256'"),
        "sha3-512" => ("SHA3-512", "'SHA3-512'"),
        "ssdeep" => ("SSDEEP", "SSDEEP"),
        "tlsh" => ("TLSH", "TLSH"),
        _ => return None,
    })
}

/// A hash value as STIX wants it: no white space (a line break pasted into an ssdeep
/// is not part of it), and no colons in certificate fingerprints.
pub(crate) fn clean_hash(misp_name: &str, value: &str) -> String {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if misp_name.starts_with("x509-fingerprint") {
        compact.replace(':', "")
    } else {
        compact
    }
}

/// The two parts of a composite value (`evil.exe|<md5>`). `split_last` splits at the
/// last `|` (for values whose second part never holds one: hashes, ports), otherwise
/// at the first (`regkey|value`, whose data may).
pub(crate) fn split_composite(value: &str, split_last: bool) -> Result<(&str, &str), String> {
    let split = if split_last {
        value.rsplit_once('|')
    } else {
        value.split_once('|')
    };
    split
        .ok_or_else(|| format!("a composite value needs two parts separated by '|', got '{value}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_quote_and_group_their_comparisons() {
        let pattern = render_pattern(&[
            Comparison::text("file:name", "it's a\\b"),
            Comparison::text("file:hashes.MD5", "d41d8cd98f00b204e9800998ecf8427e"),
            Comparison::text("file:name", "other.exe"),
            Comparison::integer("file:size", 12),
        ]);
        assert_eq!(
            pattern,
            "[(file:name = 'it\\'s a\\\\b' OR file:name = 'other.exe') AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:size = 12]"
        );
        assert!(
            dijkwacht_stix::pattern::parse(&pattern).is_ok(),
            "{pattern}"
        );
    }

    #[test]
    fn addresses_ports_and_macs_are_checked() {
        let block = Address::parse(" 10.0.0.0/8 ").unwrap_or_else(|e| panic!("{e}"));
        assert!(block.is_block);
        assert_eq!(block.value, "10.0.0.0/8");
        assert_eq!(
            Address::parse("2001:db8::1").map(|a| a.sco_type),
            Ok("ipv6-addr")
        );
        assert!(Address::parse("10.0.0.0/33").is_err());
        assert!(Address::parse("example.com").is_err());
        assert_eq!(parse_port("443"), Ok(443));
        assert!(parse_port("70000").is_err());
        assert_eq!(parse_as_number("AS64500"), Ok(64500));
        assert_eq!(
            parse_mac("00-1A-2B-3C-4D-5E").as_deref(),
            Ok("00:1a:2b:3c:4d:5e")
        );
        assert!(parse_mac("00:1a:2b").is_err());
    }

    #[test]
    fn registry_hives_are_written_out_and_schemes_recognised() {
        assert_eq!(
            full_registry_key("HKLM\\Software\\Run"),
            "HKEY_LOCAL_MACHINE\\Software\\Run"
        );
        assert_eq!(full_registry_key("hkcu\\x"), "HKEY_CURRENT_USER\\x");
        assert_eq!(full_registry_key("HKEY_USERS\\x"), "HKEY_USERS\\x");
        assert!(has_scheme("https://example.com/a"));
        assert!(has_scheme("mailto:a@example.com"));
        assert!(!has_scheme("example.com/gate.php"));
        assert!(!has_scheme("/gate.php"));
    }

    #[test]
    fn an_sco_without_contributing_properties_gets_a_repeatable_uuid4() {
        let message = properties([("is_multipart", json!(true)), ("body_multipart", json!([]))]);
        let mut graph = ScoGraph::default();
        let id = graph.add("email-message", message.clone());
        assert_eq!(id, ScoGraph::default().add("email-message", message));
        let uuid = id
            .strip_prefix("email-message--")
            .and_then(|u| Uuid::try_parse(u).ok());
        assert_eq!(uuid.map(|u| u.get_version_num()), Some(4));
    }

    #[test]
    fn the_same_sco_is_added_once() {
        let mut graph = ScoGraph::default();
        let first = graph.add("ipv4-addr", properties([("value", json!("198.51.100.3"))]));
        let second = graph.add("ipv4-addr", properties([("value", json!("198.51.100.3"))]));
        assert_eq!(first, second);
        assert_eq!(first, "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
        assert_eq!(graph.ids().len(), 1);
    }
}
