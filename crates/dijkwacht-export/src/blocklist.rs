//! Blocklists for firewalls and DNS resolvers: plain text, one value per line, sorted
//! and without duplicates, in four kinds — `ip` (IPv4 and IPv6 addresses), `cidr`
//! (networks), `domain` and `url`.
//!
//! Values come only from indicators' STIX patterns, and only from comparisons that
//! name a value as bad: `=` or `IN`, without `NOT`, on `ipv4-addr:value`,
//! `ipv6-addr:value`, `domain-name:value` or `url:value`. A value is taken wherever it
//! occurs in the pattern, so an indicator that also asks for a port or a second
//! observation blocks more than it detects; that is what a blocklist is for. Observables
//! on their own are not blocked: an observation is not a verdict.
//!
//! Revoked indicators never go into a blocklist; the [`IndicatorFilter`] adds the
//! confidence threshold and the validity window. Every line is checked before it is
//! written, because one bad line can make a firewall refuse the whole list:
//! - addresses are parsed with `std::net` and written in canonical form (IPv6
//!   compressed, lower case);
//! - networks are parsed with `ipnet`; host bits are cleared (`10.0.0.5/24` becomes
//!   `10.0.0.0/24`); a network of one address (`/32`, `/128`) is also an `ip` line;
//! - the `cidr` kind also holds every plain address as `/32` or `/128`, so that it
//!   alone is the complete list for firewalls that take networks;
//! - domain names are lower-cased, lose a trailing root dot, and must be at least two
//!   labels of 1–63 letters, digits, hyphens or underscores (not starting or ending
//!   with a hyphen), 253 characters at most, not an IP address; internationalised
//!   names must be written as punycode (`xn--…`) in STIX to pass;
//! - URLs must have a scheme (`scheme://…`) and no white space or control characters.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;
use std::net::IpAddr;

use dijkwacht_store::StoredObject;
use ipnet::IpNet;
use serde::Serialize;

use crate::indicator::{read_stored, stix_pattern};
use crate::values::{ValueKind, pattern_values};
use crate::{ExportError, ExportReport, IndicatorFilter, SkipReason};

/// The kinds of blocklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlocklistKind {
    Ip,
    Cidr,
    Domain,
    Url,
}

impl BlocklistKind {
    pub const ALL: [BlocklistKind; 4] = [
        BlocklistKind::Ip,
        BlocklistKind::Cidr,
        BlocklistKind::Domain,
        BlocklistKind::Url,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BlocklistKind::Ip => "ip",
            BlocklistKind::Cidr => "cidr",
            BlocklistKind::Domain => "domain",
            BlocklistKind::Url => "url",
        }
    }
}

/// All four lists of one export, deduplicated and sorted (addresses and networks in
/// numeric order, IPv4 first; names and URLs in byte order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocklists {
    pub ip: BTreeSet<IpAddr>,
    pub cidr: BTreeSet<IpNet>,
    pub domain: BTreeSet<String>,
    pub url: BTreeSet<String>,
}

impl Blocklists {
    /// The lines of one kind, in order.
    pub fn lines(&self, kind: BlocklistKind) -> Vec<String> {
        match kind {
            BlocklistKind::Ip => self.ip.iter().map(ToString::to_string).collect(),
            BlocklistKind::Cidr => self.cidr.iter().map(ToString::to_string).collect(),
            BlocklistKind::Domain => self.domain.iter().cloned().collect(),
            BlocklistKind::Url => self.url.iter().cloned().collect(),
        }
    }

    /// How many lines the list of `kind` has.
    pub fn len(&self, kind: BlocklistKind) -> usize {
        match kind {
            BlocklistKind::Ip => self.ip.len(),
            BlocklistKind::Cidr => self.cidr.len(),
            BlocklistKind::Domain => self.domain.len(),
            BlocklistKind::Url => self.url.len(),
        }
    }

    /// Writes the list of `kind`, one value per line; returns the number of lines.
    pub fn write(&self, kind: BlocklistKind, mut out: impl Write) -> Result<usize, ExportError> {
        let lines = self.lines(kind);
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        out.flush()?;
        Ok(lines.len())
    }
}

/// What a blocklist export did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlocklistReport {
    pub export: ExportReport,
    /// Lines per kind.
    pub values: BTreeMap<BlocklistKind, usize>,
    /// Candidate values that failed their kind's checks and were left out.
    pub invalid_values: usize,
}

/// Collects the blocklists from pages of objects.
#[derive(Debug, Default)]
pub struct BlocklistBuilder {
    filter: IndicatorFilter,
    /// Indicators whose score has decayed, by id: left out as [`SkipReason::Decayed`].
    decayed: HashSet<String>,
    lists: Blocklists,
    report: ExportReport,
    invalid_values: usize,
}

impl BlocklistBuilder {
    pub fn new(filter: IndicatorFilter) -> BlocklistBuilder {
        BlocklistBuilder {
            filter,
            ..BlocklistBuilder::default()
        }
    }

    /// Leaves out the indicators with these ids, whose score has decayed below their
    /// kind's threshold (the caller scores; this crate knows no scoring).
    pub fn exclude_decayed(&mut self, ids: impl IntoIterator<Item = String>) {
        self.decayed.extend(ids);
    }

    /// Takes the values of the indicators of a page.
    pub fn add_page(&mut self, objects: &[StoredObject]) {
        for stored in objects {
            if !self.report.admit(stored) {
                continue;
            }
            match self.add_indicator(stored) {
                Ok(()) => self.report.wrote(stored),
                Err(reason) => self.report.skip(reason),
            }
        }
    }

    fn add_indicator(&mut self, stored: &StoredObject) -> Result<(), SkipReason> {
        if stored.object_type != "indicator" {
            return Err(SkipReason::NotApplicable);
        }
        let indicator = read_stored(stored)?;
        if indicator.revoked() {
            return Err(SkipReason::Revoked);
        }
        self.filter.judge(&indicator)?;
        if self.decayed.contains(&stored.id) {
            return Err(SkipReason::Decayed);
        }
        let found = pattern_values(&stix_pattern(&indicator)?);
        let (mut candidates, mut accepted) = (0usize, 0usize);
        for value in &found.values {
            let Some(kind) = value.kind() else { continue };
            let taken = match kind {
                ValueKind::Ipv4Address => self.add_address(&value.value, false),
                ValueKind::Ipv6Address => self.add_address(&value.value, true),
                ValueKind::DomainName => domain_line(&value.value)
                    .map(|domain| self.lists.domain.insert(domain))
                    .is_some(),
                ValueKind::Url => url_line(&value.value)
                    .map(|url| self.lists.url.insert(url.to_owned()))
                    .is_some(),
                _ => continue,
            };
            candidates += 1;
            if taken {
                accepted += 1;
            } else {
                self.invalid_values += 1;
            }
        }
        match (candidates, accepted) {
            (0, _) => Err(SkipReason::NotApplicable),
            (_, 0) => Err(SkipReason::InvalidValues),
            _ => Ok(()),
        }
    }

    /// Adds an address or a network of the family its STIX type says; false if the
    /// value is neither, or of the other family.
    fn add_address(&mut self, value: &str, ipv6: bool) -> bool {
        let network = if value.contains('/') {
            match value.parse::<IpNet>() {
                Ok(network) => network.trunc(),
                Err(_) => return false,
            }
        } else {
            match value.parse::<IpAddr>() {
                Ok(address) => IpNet::from(address),
                Err(_) => return false,
            }
        };
        if matches!(network, IpNet::V6(_)) != ipv6 {
            return false;
        }
        if network.prefix_len() == network.max_prefix_len() {
            self.lists.ip.insert(network.addr());
        }
        self.lists.cidr.insert(network);
        true
    }

    pub fn finish(self) -> (Blocklists, BlocklistReport) {
        let values = BlocklistKind::ALL
            .iter()
            .map(|kind| (*kind, self.lists.len(*kind)))
            .collect();
        let report = BlocklistReport {
            export: self.report,
            values,
            invalid_values: self.invalid_values,
        };
        (self.lists, report)
    }
}

/// Builds the blocklists of `objects` in one call.
pub fn build_blocklists<'a>(
    objects: impl IntoIterator<Item = &'a StoredObject>,
    filter: IndicatorFilter,
) -> (Blocklists, BlocklistReport) {
    let mut builder = BlocklistBuilder::new(filter);
    for object in objects {
        builder.add_page(std::slice::from_ref(object));
    }
    builder.finish()
}

/// A domain name as a resolver's blocklist takes it, or `None` if it is not one.
pub fn domain_line(value: &str) -> Option<String> {
    let name = value
        .strip_suffix('.')
        .unwrap_or(value)
        .to_ascii_lowercase();
    if name.is_empty() || name.len() > 253 || name.parse::<IpAddr>().is_ok() {
        return None;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let label_is_valid = |label: &&str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|byte| {
                byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_'
            })
    };
    (labels.len() >= 2 && labels.iter().all(label_is_valid)).then_some(name)
}

/// A URL as a proxy's blocklist takes it, or `None` if it is not one.
pub fn url_line(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once("://")?;
    let scheme_is_valid = scheme
        .bytes()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'));
    let clean = value
        .chars()
        .all(|character| !character.is_whitespace() && !character.is_control());
    (scheme_is_valid && !rest.is_empty() && clean).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{indicator, stored, suffix};
    use dijkwacht_stix::Timestamp;
    use dijkwacht_stix::tlp::TlpLevel;
    use serde_json::json;

    fn lists(
        patterns: &[(&str, serde_json::Value)],
        filter: IndicatorFilter,
    ) -> (Blocklists, BlocklistReport) {
        let objects: Vec<StoredObject> = patterns
            .iter()
            .enumerate()
            .map(|(index, (pattern, extra))| {
                stored(
                    indicator(&suffix(&format!("{index:02x}")), pattern, extra.clone()),
                    Some(TlpLevel::Green),
                )
            })
            .collect();
        build_blocklists(&objects, filter)
    }

    #[test]
    fn decayed_indicators_are_left_out_and_counted() {
        let objects: Vec<StoredObject> = ["198.51.100.7", "198.51.100.8"]
            .iter()
            .enumerate()
            .map(|(index, address)| {
                stored(
                    indicator(
                        &suffix(&format!("{index:02x}")),
                        &format!("[ipv4-addr:value = '{address}']"),
                        json!({}),
                    ),
                    Some(TlpLevel::Green),
                )
            })
            .collect();
        let mut builder = BlocklistBuilder::new(IndicatorFilter::default());
        builder.exclude_decayed([objects[1].id.clone()]);
        builder.add_page(&objects);
        let (lists, report) = builder.finish();
        assert_eq!(lists.lines(BlocklistKind::Ip), vec!["198.51.100.7"]);
        assert_eq!(report.export.skipped.get(&SkipReason::Decayed), Some(&1));
    }

    #[test]
    fn values_are_validated_normalised_deduplicated_and_sorted() {
        let (lists, report) = lists(
            &[
                ("[ipv4-addr:value = '198.51.100.7']", json!({})),
                (
                    "[ipv4-addr:value IN ('10.0.0.5/24', '192.0.2.1/32', '198.51.100.7')]",
                    json!({}),
                ),
                (
                    "[ipv6-addr:value = '2001:DB8:0:0::1'] OR [ipv6-addr:value = '2001:db8::/32']",
                    json!({}),
                ),
                (
                    "[domain-name:value = 'Evil.Example.' OR domain-name:value = 'evil.example']",
                    json!({}),
                ),
                ("[url:value = 'https://evil.example/a?b=c']", json!({})),
                ("[ipv4-addr:value = '2001:db8::9']", json!({})),
                (
                    "[domain-name:value = 'not a domain' OR domain-name:value = 'localhost']",
                    json!({}),
                ),
                ("[url:value = 'evil.example/no-scheme']", json!({})),
                (
                    "[ipv4-addr:value != '203.0.113.1' AND file:name = 'x']",
                    json!({}),
                ),
                ("[network-traffic:dst_ref.value = '203.0.113.2']", json!({})),
            ],
            IndicatorFilter::default(),
        );
        assert_eq!(
            lists.lines(BlocklistKind::Ip),
            ["192.0.2.1", "198.51.100.7", "2001:db8::1"]
        );
        assert_eq!(
            lists.lines(BlocklistKind::Cidr),
            [
                "10.0.0.0/24",
                "192.0.2.1/32",
                "198.51.100.7/32",
                "2001:db8::/32",
                "2001:db8::1/128"
            ]
        );
        assert_eq!(lists.lines(BlocklistKind::Domain), ["evil.example"]);
        assert_eq!(
            lists.lines(BlocklistKind::Url),
            ["https://evil.example/a?b=c"]
        );
        assert_eq!(report.values.get(&BlocklistKind::Cidr), Some(&5));
        assert_eq!(
            report.invalid_values, 4,
            "an IPv6 value as ipv4-addr, two names, one URL"
        );
        assert_eq!(report.export.objects_written, 5);
        assert_eq!(report.export.skipped_for(SkipReason::InvalidValues), 3);
        assert_eq!(report.export.skipped_for(SkipReason::NotApplicable), 2);
    }

    #[test]
    fn red_revoked_expired_and_unconfident_indicators_stay_out() {
        let filter = IndicatorFilter {
            min_confidence: Some(60),
            only_valid_at: Timestamp::parse("2026-03-01T00:00:00Z").ok(),
        };
        let red = stored(
            indicator(
                &suffix("ee"),
                "[ipv4-addr:value = '203.0.113.66']",
                json!({"confidence": 100}),
            ),
            Some(TlpLevel::Red),
        );
        let (lists_without_red, red_report) = build_blocklists([&red], filter);
        assert!(lists_without_red.ip.is_empty());
        assert_eq!(red_report.export.skipped_for(SkipReason::TlpRed), 1);
        let (lists, report) = lists(
            &[
                (
                    "[ipv4-addr:value = '203.0.113.1']",
                    json!({"confidence": 90}),
                ),
                (
                    "[ipv4-addr:value = '203.0.113.2']",
                    json!({"confidence": 90, "revoked": true}),
                ),
                (
                    "[ipv4-addr:value = '203.0.113.3']",
                    json!({"confidence": 90, "valid_until": "2026-02-01T00:00:00Z"}),
                ),
                (
                    "[ipv4-addr:value = '203.0.113.4']",
                    json!({"confidence": 90, "valid_from": "2026-04-01T00:00:00Z"}),
                ),
                (
                    "[ipv4-addr:value = '203.0.113.5']",
                    json!({"confidence": 59}),
                ),
                ("[ipv4-addr:value = '203.0.113.6']", json!({})),
            ],
            filter,
        );
        assert_eq!(lists.lines(BlocklistKind::Ip), ["203.0.113.1"]);
        for reason in [
            SkipReason::Revoked,
            SkipReason::Expired,
            SkipReason::NotYetValid,
            SkipReason::BelowMinConfidence,
            SkipReason::UnknownConfidence,
        ] {
            assert_eq!(report.export.skipped_for(reason), 1, "{reason:?}");
        }
        let (unfiltered, _) = lists_of_revoked();
        assert!(
            unfiltered.ip.is_empty(),
            "revoked indicators are never blocked"
        );
    }

    fn lists_of_revoked() -> (Blocklists, BlocklistReport) {
        lists(
            &[(
                "[ipv4-addr:value = '203.0.113.2']",
                json!({"revoked": true}),
            )],
            IndicatorFilter::default(),
        )
    }

    #[test]
    fn written_lists_are_one_value_per_line() {
        let (lists, _) = lists(
            &[(
                "[domain-name:value IN ('b.example', 'a.example')]",
                json!({}),
            )],
            IndicatorFilter::default(),
        );
        let mut out = Vec::new();
        assert_eq!(
            lists
                .write(BlocklistKind::Domain, &mut out)
                .expect("writing to memory"),
            2
        );
        assert_eq!(String::from_utf8_lossy(&out), "a.example\nb.example\n");
    }

    #[test]
    fn domain_and_url_checks() {
        assert_eq!(
            domain_line("xn--bcher-kva.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            domain_line("_dmarc.example.org").as_deref(),
            Some("_dmarc.example.org")
        );
        for bad in [
            "bücher.example",
            "-a.example",
            "a..example",
            "198.51.100.7",
            "",
            ".",
            "a.example\nb.example",
        ] {
            assert_eq!(domain_line(bad), None, "{bad:?}");
        }
        assert_eq!(domain_line(&format!("{}.example", "a".repeat(64))), None);
        assert_eq!(url_line("hxxp://x"), Some("hxxp://x"));
        for bad in ["://x", "http://", "1http://x", "http://a b", "http://a\nb"] {
            assert_eq!(url_line(bad), None, "{bad:?}");
        }
    }
}
