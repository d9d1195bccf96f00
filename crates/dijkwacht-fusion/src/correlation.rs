//! The keys by which the fusion center recognises the same thing in different objects,
//! so that what several sources say about one observable is deduplicated and linked.
//!
//! - An *observable key* names one value an object states, in one normal form whatever
//!   the object: `ipv4:198.51.100.7`, `domain:evil.example`, `sha256:…`, `cve:CVE-…`.
//!   An indicator `[ipv4-addr:value = '198.51.100.7']`, an `ipv4-addr` SCO with that
//!   value and a MISP attribute mapped to either all carry the same key, and so do a
//!   KEV entry, a CSAF vulnerability and a MISP vulnerability for one CVE. Objects
//!   sharing a key are *correlated*.
//! - A *pattern key* names an indicator's STIX pattern in canonical form (parsed and
//!   printed back), within one route (owner, scope, TLP): two sources stating the same
//!   pattern for the same audience state the same indicator, which is kept once.
//!
//! Hosts, e-mail addresses and hex digests compare without regard to case, and IPv6
//! addresses and networks in their canonical text, so that writing does not split a
//! value. URLs are kept as written (their paths are case-sensitive).

use std::net::IpAddr;

use dijkwacht_stix::pattern::{self, Pattern};
use serde_json::Value;

use crate::warning_lists::{ObservedValue, TestedValues, ValueKind, tested_values_with};

/// What an object is recognised by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectKeys {
    /// The canonical text of an indicator's STIX pattern, when it has one that parses.
    pub canonical_pattern: Option<String>,
    /// The object's observable keys, each once, in the order found.
    pub observables: Vec<String>,
}

impl ObjectKeys {
    pub fn is_empty(&self) -> bool {
        self.canonical_pattern.is_none() && self.observables.is_empty()
    }
}

/// An object read once: its keys and the values warning lists judge.
#[derive(Debug, Default)]
pub(crate) struct ReadObject {
    pub(crate) keys: ObjectKeys,
    pub(crate) tested: TestedValues,
}

/// Reads `object`, parsing an indicator's pattern once for everything that needs it.
pub(crate) fn read_object(object: &Value) -> ReadObject {
    let parsed = stix_pattern(object);
    let tested = tested_values_with(object, parsed.as_ref());
    let mut observables = Vec::new();
    for value in &tested.values {
        if let Some(key) = observable_key(value) {
            push_once(&mut observables, key);
        }
    }
    if let Some(key) = vulnerability_key(object) {
        push_once(&mut observables, key);
    }
    ReadObject {
        keys: ObjectKeys {
            canonical_pattern: parsed.map(|parsed| parsed.to_string()),
            observables,
        },
        tested,
    }
}

/// The keys of `object` (see the module documentation).
pub fn keys_of(object: &Value) -> ObjectKeys {
    read_object(object).keys
}

fn push_once(keys: &mut Vec<String>, key: String) {
    if !keys.contains(&key) {
        keys.push(key);
    }
}

/// The parsed STIX pattern of an indicator.
fn stix_pattern(object: &Value) -> Option<Pattern> {
    if object.get("type").and_then(Value::as_str) != Some("indicator") {
        return None;
    }
    if object.get("pattern_type").and_then(Value::as_str) != Some("stix") {
        return None;
    }
    pattern::parse(object.get("pattern").and_then(Value::as_str)?).ok()
}

/// The observable key of one value; `None` for free text, which links nothing.
pub fn observable_key(value: &ObservedValue) -> Option<String> {
    let text = value.text.trim();
    if text.is_empty() {
        return None;
    }
    let normal = match value.kind {
        ValueKind::Other => return None,
        ValueKind::Ipv4 | ValueKind::Ipv6 => text
            .parse::<IpAddr>()
            .map_or_else(|_| text.to_ascii_lowercase(), |address| address.to_string()),
        ValueKind::Cidr => text.parse::<ipnet::IpNet>().map_or_else(
            |_| text.to_ascii_lowercase(),
            |network| network.trunc().to_string(),
        ),
        ValueKind::Url => text.to_owned(),
        ValueKind::Domain => text.trim_end_matches('.').to_ascii_lowercase(),
        _ => text.to_ascii_lowercase(),
    };
    Some(format!("{}:{normal}", kind_name(value.kind)))
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Ipv4 => "ipv4",
        ValueKind::Ipv6 => "ipv6",
        ValueKind::Cidr => "cidr",
        ValueKind::Domain => "domain",
        ValueKind::Url => "url",
        ValueKind::Email => "email",
        ValueKind::Md5 => "md5",
        ValueKind::Sha1 => "sha1",
        ValueKind::Sha256 => "sha256",
        ValueKind::Sha512 => "sha512",
        ValueKind::Ssdeep => "ssdeep",
        ValueKind::Other => "other",
    }
}

/// `cve:CVE-YYYY-N…` for a `vulnerability` named by a CVE, in its name or in an
/// external reference of source `cve`.
fn vulnerability_key(object: &Value) -> Option<String> {
    if object.get("type").and_then(Value::as_str) != Some("vulnerability") {
        return None;
    }
    let from_references = object
        .get("external_references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|reference| {
            reference
                .get("source_name")
                .and_then(Value::as_str)
                .is_some_and(|name| name.eq_ignore_ascii_case("cve"))
        })
        .filter_map(|reference| reference.get("external_id").and_then(Value::as_str));
    let name = object.get("name").and_then(Value::as_str);
    from_references
        .chain(name)
        .find_map(cve_id)
        .map(|cve| format!("cve:{cve}"))
}

/// A CVE id in its canonical upper-case form, when `text` is one.
fn cve_id(text: &str) -> Option<String> {
    let upper = text.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix("CVE-")?;
    let (year, number) = rest.split_once('-')?;
    let digits = |part: &str, least: usize| {
        part.len() >= least && part.bytes().all(|byte| byte.is_ascii_digit())
    };
    (year.len() == 4 && digits(year, 4) && digits(number, 4)).then_some(upper)
}

/// The pattern key of an indicator's canonical pattern within a route (any text that
/// names owner, scope and TLP; see the module documentation).
pub fn pattern_key(route: &str, canonical_pattern: &str) -> String {
    format!("pattern:{route}\u{1f}{canonical_pattern}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_indicator_and_an_observable_of_one_value_share_a_key() {
        let indicator = json!({"type": "indicator", "pattern_type": "stix",
            "pattern": "[ipv6-addr:value = '2001:DB8:0:0::1'] OR [domain-name:value = 'Evil.Example.']"});
        let address = json!({"type": "ipv6-addr", "value": "2001:db8::1"});
        let domain = json!({"type": "domain-name", "value": "evil.example"});
        let keys = keys_of(&indicator);
        assert_eq!(
            keys.observables,
            vec!["ipv6:2001:db8::1", "domain:evil.example"]
        );
        assert_eq!(
            keys.canonical_pattern.as_deref(),
            Some("[ipv6-addr:value = '2001:DB8:0:0::1'] OR [domain-name:value = 'Evil.Example.']")
        );
        assert_eq!(keys_of(&address).observables, vec!["ipv6:2001:db8::1"]);
        assert_eq!(keys_of(&domain).observables, vec!["domain:evil.example"]);
        assert_eq!(keys_of(&address).canonical_pattern, None);
    }

    #[test]
    fn hashes_compare_without_case_and_urls_with_it() {
        let file = json!({"type": "file", "hashes": {"SHA-256": "AB".repeat(32)}});
        assert_eq!(
            keys_of(&file).observables,
            vec![format!("sha256:{}", "ab".repeat(32))]
        );
        let upper = json!({"type": "url", "value": "https://example.org/A"});
        let lower = json!({"type": "url", "value": "https://example.org/a"});
        assert_ne!(keys_of(&upper).observables, keys_of(&lower).observables);
    }

    #[test]
    fn vulnerabilities_are_known_by_their_cve() {
        let kev = json!({"type": "vulnerability", "name": "cve-2024-3400"});
        let csaf = json!({"type": "vulnerability", "name": "PAN-OS command injection",
            "external_references": [{"source_name": "cve", "external_id": "CVE-2024-3400"}]});
        let none = json!({"type": "vulnerability", "name": "CVE-24-1"});
        assert_eq!(keys_of(&kev).observables, vec!["cve:CVE-2024-3400"]);
        assert_eq!(keys_of(&csaf).observables, vec!["cve:CVE-2024-3400"]);
        assert!(keys_of(&none).is_empty());
    }

    #[test]
    fn free_text_and_unparsable_patterns_give_no_pattern_key() {
        let broken =
            json!({"type": "indicator", "pattern_type": "stix", "pattern": "[ipv4-addr:value = "});
        let sigma = json!({"type": "indicator", "pattern_type": "sigma", "pattern": "title: x"});
        assert!(keys_of(&broken).is_empty());
        assert!(keys_of(&sigma).is_empty());
        assert_ne!(
            pattern_key("a", "[x:y = 'z']"),
            pattern_key("b", "[x:y = 'z']")
        );
    }
}
