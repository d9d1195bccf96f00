//! What an indicator is about, for decay: an IP address goes stale in days, a domain in
//! months, a file hash hardly ever, so the scoring model keeps decay parameters per
//! [`ObservableKind`]. This module decides the kind each comparison of a STIX pattern
//! tests, from its object path (and, for addresses, from its constant: a range is a
//! CIDR). Which kind a whole pattern gets when it tests several is the model's
//! decision ([`super::ScoringModel::kind_of_pattern`]), because "slowest" depends on
//! the configured parameters.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

use dijkwacht_stix::pattern::{
    Comparison, ComparisonExpression, Constant, PathStep, Pattern, Predicate,
};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The kinds of observable that decay at their own rate. The TOML names are the
/// kebab-case ones [`ObservableKind::name`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservableKind {
    /// One IPv4 or IPv6 address (`ipv4-addr`, `ipv6-addr`, or a `network-traffic`
    /// reference compared with an address).
    IpAddress,
    /// An address range: a prefix shorter than the full address, or `ISSUBSET` /
    /// `ISSUPERSET`.
    Cidr,
    /// `domain-name`.
    Domain,
    /// `url`.
    Url,
    /// The `hashes` of a `file` or an `artifact`.
    FileHash,
    /// `email-addr`, or the sender and recipient addresses of an `email-message`.
    EmailAddress,
    /// Anything else: other object types and properties, patterns that do not parse,
    /// patterns in other languages.
    Other,
}

impl ObservableKind {
    /// Every kind, in the order ties between kinds are broken (the later wins).
    pub const ALL: [ObservableKind; 7] = [
        ObservableKind::IpAddress,
        ObservableKind::Cidr,
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::FileHash,
        ObservableKind::EmailAddress,
        ObservableKind::Other,
    ];

    /// The name used in the scoring model's TOML and in `x_dijkwacht_score.kind`.
    pub fn name(self) -> &'static str {
        match self {
            ObservableKind::IpAddress => "ip-address",
            ObservableKind::Cidr => "cidr",
            ObservableKind::Domain => "domain",
            ObservableKind::Url => "url",
            ObservableKind::FileHash => "file-hash",
            ObservableKind::EmailAddress => "email-address",
            ObservableKind::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<ObservableKind> {
        ObservableKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

impl fmt::Display for ObservableKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// The kinds of all comparisons in `pattern`, negated ones included (a comparison
/// names what the pattern is about whichever way it tests it). Never empty for a
/// parsed pattern, since every observation expression holds a comparison.
pub fn kinds_in_pattern(pattern: &Pattern) -> BTreeSet<ObservableKind> {
    let mut kinds = BTreeSet::new();
    let mut patterns = vec![pattern];
    let mut expressions = Vec::new();
    while let Some(pattern) = patterns.pop() {
        match pattern {
            Pattern::Observation { comparison, .. } => expressions.push(comparison),
            Pattern::Grouped { pattern, .. } => patterns.push(pattern),
            Pattern::And(operands) | Pattern::Or(operands) | Pattern::FollowedBy(operands) => {
                patterns.extend(operands);
            }
        }
        while let Some(expression) = expressions.pop() {
            match expression {
                ComparisonExpression::Comparison(comparison) => {
                    kinds.insert(comparison_kind(comparison));
                }
                ComparisonExpression::And(operands) | ComparisonExpression::Or(operands) => {
                    expressions.extend(operands);
                }
                ComparisonExpression::Grouped(inner) => expressions.push(inner),
            }
        }
    }
    kinds
}

/// The kind one comparison tests, from its object type and property.
pub fn comparison_kind(comparison: &Comparison) -> ObservableKind {
    let path = &comparison.object_path;
    let property = path.property.as_str();
    match path.object_type.as_str() {
        "ipv4-addr" | "ipv6-addr" if property == "value" => {
            address_kind(&comparison.predicate).unwrap_or(ObservableKind::IpAddress)
        }
        "domain-name" if property == "value" => ObservableKind::Domain,
        "url" if property == "value" => ObservableKind::Url,
        "file" | "artifact" if property == "hashes" => ObservableKind::FileHash,
        "email-addr" if property == "value" => ObservableKind::EmailAddress,
        "email-message"
            if matches!(
                property,
                "from_ref" | "sender_ref" | "to_refs" | "cc_refs" | "bcc_refs"
            ) && ends_with_value(&path.steps) =>
        {
            ObservableKind::EmailAddress
        }
        "network-traffic"
            if matches!(property, "src_ref" | "dst_ref") && ends_with_value(&path.steps) =>
        {
            // The reference may point at an address or a domain name; only a constant
            // that is an address says which.
            address_kind(&comparison.predicate).unwrap_or(ObservableKind::Other)
        }
        _ => ObservableKind::Other,
    }
}

fn ends_with_value(steps: &[PathStep]) -> bool {
    matches!(steps.last(), Some(PathStep::Key(key)) if key == "value")
}

/// Address or range, when the predicate says: `ISSUBSET` and `ISSUPERSET` test ranges;
/// an equality or `IN` tests a range when a constant is a prefix shorter than the
/// address. `None` when no constant is an address or a prefix.
fn address_kind(predicate: &Predicate) -> Option<ObservableKind> {
    match predicate {
        Predicate::IsSubset(_) | Predicate::IsSuperset(_) => Some(ObservableKind::Cidr),
        Predicate::Equal(constant) | Predicate::NotEqual(constant) => constant_kind(constant),
        Predicate::In(constants) => {
            let kinds: BTreeSet<ObservableKind> =
                constants.iter().filter_map(constant_kind).collect();
            if kinds.contains(&ObservableKind::Cidr) {
                Some(ObservableKind::Cidr)
            } else {
                kinds.into_iter().next()
            }
        }
        _ => None,
    }
}

fn constant_kind(constant: &Constant) -> Option<ObservableKind> {
    let Constant::String(text) = constant else {
        return None;
    };
    let text = text.trim();
    if let Ok(network) = text.parse::<IpNet>() {
        return Some(if network.prefix_len() < network.max_prefix_len() {
            ObservableKind::Cidr
        } else {
            ObservableKind::IpAddress
        });
    }
    text.parse::<IpAddr>()
        .ok()
        .map(|_| ObservableKind::IpAddress)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(pattern: &str) -> Vec<ObservableKind> {
        let parsed = dijkwacht_stix::pattern::parse(pattern)
            .unwrap_or_else(|error| panic!("{pattern}: {error}"));
        kinds_in_pattern(&parsed).into_iter().collect()
    }

    #[test]
    fn each_object_path_has_its_kind() {
        use ObservableKind::*;
        let cases = [
            ("[ipv4-addr:value = '198.51.100.7']", vec![IpAddress]),
            ("[ipv4-addr:value = '198.51.100.7/32']", vec![IpAddress]),
            ("[ipv4-addr:value = '198.51.100.0/24']", vec![Cidr]),
            ("[ipv6-addr:value = '2001:db8::1']", vec![IpAddress]),
            ("[ipv6-addr:value ISSUBSET '2001:db8::/32']", vec![Cidr]),
            (
                "[ipv4-addr:value IN ('192.0.2.1', '10.0.0.0/8')]",
                vec![Cidr],
            ),
            ("[ipv4-addr:value LIKE '192.0.2.%']", vec![IpAddress]),
            ("[domain-name:value = 'example.com']", vec![Domain]),
            ("[url:value = 'http://example.com/x']", vec![Url]),
            (
                "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
                vec![FileHash],
            ),
            (
                "[artifact:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']",
                vec![FileHash],
            ),
            ("[file:name = 'invoice.exe']", vec![Other]),
            ("[email-addr:value = 'a@example.com']", vec![EmailAddress]),
            (
                "[email-message:from_ref.value = 'a@example.com']",
                vec![EmailAddress],
            ),
            (
                "[email-message:to_refs[*].value = 'a@example.com']",
                vec![EmailAddress],
            ),
            ("[email-message:subject = 'Invoice']", vec![Other]),
            (
                "[network-traffic:dst_ref.value = '203.0.113.9']",
                vec![IpAddress],
            ),
            (
                "[network-traffic:dst_ref.value = 'example.com']",
                vec![Other],
            ),
            ("[network-traffic:dst_port = 443]", vec![Other]),
            ("[x-custom:value = 'x']", vec![Other]),
            (
                "[domain-name:resolves_to_refs[*].value = '192.0.2.1']",
                vec![Other],
            ),
        ];
        for (pattern, expected) in cases {
            assert_eq!(kinds(pattern), expected, "{pattern}");
        }
    }

    #[test]
    fn every_comparison_of_a_compound_pattern_counts() {
        use ObservableKind::*;
        assert_eq!(
            kinds(
                "([ipv4-addr:value = '192.0.2.1'] OR ([url:value = 'http://a/'] \
                 FOLLOWEDBY [file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4' \
                 AND (file:name = 'x' OR file:size NOT = 3)])) \
                 WITHIN 60 SECONDS"
            ),
            vec![IpAddress, Url, FileHash, Other]
        );
    }

    #[test]
    fn names_round_trip() {
        for kind in ObservableKind::ALL {
            assert_eq!(ObservableKind::from_name(kind.name()), Some(kind));
            assert_eq!(kind.to_string(), kind.name());
        }
        assert_eq!(ObservableKind::from_name("ipv4"), None);
    }
}
