//! Unit tests of the network side: entries parsed into their normal form or refused by
//! the rule they break, names and their parents, and the range tables' arithmetic.
//! Matching stored objects is tested in `tests/network.rs`.

use super::asset::{NetworkAsset, NetworkAssetError};
use super::domain::{DomainProblem, name_and_parents, observed_domain};
use super::owners::OrgId;
use super::ranges::{AddressBits, FoundRange, RangeTable};
use crate::profile::AssetKind;

/// Each case: kind, value as written, normal form.
#[test]
fn entries_are_brought_into_their_normal_form() {
    let cases: &[(AssetKind, &str, &str)] = &[
        (AssetKind::Cidr, "198.51.100.0/24", "198.51.100.0/24"),
        (AssetKind::Cidr, " 198.51.100.7 ", "198.51.100.7/32"),
        (AssetKind::Cidr, "198.51.100.7/24", "198.51.100.0/24"),
        (AssetKind::Cidr, "10.0.0.0/8", "10.0.0.0/8"),
        (AssetKind::Cidr, "2001:DB8:0:0::/48", "2001:db8::/48"),
        (AssetKind::Cidr, "2001:db8::1", "2001:db8::1/128"),
        (AssetKind::Cidr, "2001:db8:ffff::1/32", "2001:db8::/32"),
        (AssetKind::Asn, "64500", "AS64500"),
        (AssetKind::Asn, "AS64500", "AS64500"),
        (AssetKind::Asn, "as 64500", "AS64500"),
        (AssetKind::Asn, "4294967295", "AS4294967295"),
        (AssetKind::Asn, "1.10", "AS65546"),
        (AssetKind::Domain, "Example.NL.", "example.nl"),
        (AssetKind::Domain, "münchen.de", "xn--mnchen-3ya.de"),
        (AssetKind::Domain, "xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        (AssetKind::Domain, "BÜCHER.example", "xn--bcher-kva.example"),
        (
            AssetKind::Domain,
            "a-b.c-d.example.co.uk",
            "a-b.c-d.example.co.uk",
        ),
        (AssetKind::EmailDomain, "Mail.Example.NL", "mail.example.nl"),
    ];
    for (kind, written, normal) in cases {
        let asset = NetworkAsset::parse(*kind, written)
            .unwrap_or_else(|error| panic!("{kind} {written:?}: {error}"));
        let entry = asset.entry();
        assert_eq!(entry.kind, *kind, "{written}");
        assert_eq!(entry.value, *normal, "{written}");
        assert_eq!(
            NetworkAsset::parse(*kind, &entry.value).as_ref(),
            Ok(&asset),
            "the normal form of {written} reads back as itself"
        );
    }
}

/// Each case: kind, value, and a piece of the message that names the rule.
#[test]
fn bad_entries_are_refused_by_the_rule_they_break() {
    let cases: &[(AssetKind, &str, &str)] = &[
        (AssetKind::Cidr, "10.0.0.0/33", "at most 32 bits"),
        (AssetKind::Cidr, "2001:db8::/129", "at most 128 bits"),
        (AssetKind::Cidr, "300.1.1.1", "not an IPv4 or IPv6 address"),
        (AssetKind::Cidr, "10.0.0.0/", "not an IPv4 or IPv6 address"),
        (
            AssetKind::Cidr,
            "10.0.0.0/-1",
            "not an IPv4 or IPv6 address",
        ),
        (AssetKind::Cidr, "10.0.0.0/999999999999", "at most 32 bits"),
        (AssetKind::Cidr, "example.nl", "not an IPv4 or IPv6 address"),
        (AssetKind::Cidr, "0.0.0.0/0", "broader than /8"),
        (AssetKind::Cidr, "10.0.0.0/7", "broader than /8"),
        (AssetKind::Cidr, "2000::/3", "broader than /16"),
        (AssetKind::Cidr, "  ", "empty"),
        (AssetKind::Asn, "0", "out of range"),
        (AssetKind::Asn, "AS0", "out of range"),
        (AssetKind::Asn, "4294967296", "out of range"),
        (AssetKind::Asn, "99999999999999999999999", "out of range"),
        (AssetKind::Asn, "AS-FOO", "not an AS number"),
        (AssetKind::Asn, "-5", "not an AS number"),
        (AssetKind::Asn, "1.70000", "not an AS number"),
        (AssetKind::Domain, "nl", "whole top-level domain"),
        (AssetKind::Domain, "evil..example", "label is empty"),
        (AssetKind::Domain, ".example.nl", "label is empty"),
        (
            AssetKind::Domain,
            "exa mple.nl",
            "other than letters, digits and hyphens",
        ),
        (
            AssetKind::Domain,
            "under_score.nl",
            "other than letters, digits and hyphens",
        ),
        (
            AssetKind::Domain,
            "-example.nl",
            "begins or ends with a hyphen",
        ),
        (AssetKind::Domain, &"a".repeat(64), "at most 63"),
        (AssetKind::Domain, "https://example.nl/", "looks like a URL"),
        (
            AssetKind::Domain,
            "info@example.nl",
            "looks like an e-mail address",
        ),
        (AssetKind::Domain, "198.51.100.7", "with kind cidr"),
        (AssetKind::Domain, "example.123", "all digits"),
        (AssetKind::Domain, "xn--zz.nl", "IDNA"),
        (AssetKind::EmailDomain, "", "empty"),
        (
            AssetKind::Cpe,
            "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*",
            "not a network kind",
        ),
    ];
    for (kind, written, rule) in cases {
        let error = NetworkAsset::parse(*kind, written)
            .expect_err(&format!("{kind} {written:?} must be refused"));
        let message = error.to_string();
        assert!(message.contains(rule), "{kind} {written:?}: {message}");
    }
    let long_name = format!("{}.nl", vec!["a".repeat(60); 5].join("."));
    assert!(matches!(
        NetworkAsset::parse(AssetKind::Domain, &long_name),
        Err(NetworkAssetError::Domain {
            problem: DomainProblem::TooLong(_),
            ..
        })
    ));
}

#[test]
fn observed_domains_are_folded_and_tolerated() {
    assert_eq!(
        observed_domain("Login.Example.NL.").as_deref(),
        Some("login.example.nl")
    );
    assert_eq!(
        observed_domain("münchen.de").as_deref(),
        Some("xn--mnchen-3ya.de")
    );
    assert_eq!(
        observed_domain("bad_name.example").as_deref(),
        Some("bad_name.example")
    );
    assert_eq!(observed_domain(" . "), None);
}

#[test]
fn parents_are_cut_at_dots_only() {
    let parents: Vec<&str> = name_and_parents("a.b.example.nl").collect();
    assert_eq!(parents, ["a.b.example.nl", "b.example.nl", "example.nl"]);
    let parents: Vec<&str> = name_and_parents("evilexample.nl").collect();
    assert_eq!(parents, ["evilexample.nl"]);
    assert_eq!(name_and_parents("localhost").count(), 0);
    assert_eq!(
        name_and_parents("trailing.").collect::<Vec<_>>(),
        ["trailing."]
    );
}

#[test]
fn prefix_arithmetic_holds_at_the_edges() {
    let address = u32::from_be_bytes([198, 51, 100, 77]);
    assert_eq!(address.first_of(24), u32::from_be_bytes([198, 51, 100, 0]));
    assert_eq!(address.last_of(24), u32::from_be_bytes([198, 51, 100, 255]));
    assert_eq!(address.first_of(32), address);
    assert_eq!(address.last_of(32), address);
    assert_eq!(address.first_of(0), 0);
    assert_eq!(address.last_of(0), u32::MAX);
    let v6 = u128::from(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    assert_eq!(v6.first_of(128), v6);
    assert_eq!(
        v6.first_of(32),
        u128::from(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0))
    );
    assert_eq!(v6.last_of(0), u128::MAX);
}

#[test]
fn range_tables_find_holders_and_ranges_inside() {
    let mut table: RangeTable<u32> = RangeTable::new();
    let at = |a: u8, b: u8, c: u8, d: u8| u32::from_be_bytes([a, b, c, d]);
    assert!(table.insert(at(10, 0, 0, 0), 16, OrgId(1)));
    assert!(table.insert(at(10, 0, 1, 0), 24, OrgId(2)));
    assert!(table.insert(at(10, 0, 1, 0), 24, OrgId(3)));
    assert!(
        !table.insert(at(10, 0, 1, 0), 24, OrgId(3)),
        "an owner is added once"
    );
    assert!(table.insert(at(10, 1, 0, 0), 24, OrgId(4)));

    let mut found = Vec::new();
    table.holding(at(10, 0, 1, 255), 32, &mut found);
    let owners: Vec<u32> = found.iter().map(|range| range.organisation.0).collect();
    assert_eq!(owners, [1, 2, 3]);

    found.clear();
    table.inside(at(10, 0, 0, 0), 15, &mut found);
    let inside: Vec<(u32, u8)> = found
        .iter()
        .map(|range| (range.organisation.0, range.length))
        .collect();
    assert_eq!(inside, [(1, 16), (2, 24), (3, 24), (4, 24)]);

    table.remove(at(10, 0, 1, 0), 24, OrgId(2));
    table.remove(at(10, 0, 0, 0), 16, OrgId(1));
    found.clear();
    table.holding(at(10, 0, 1, 1), 32, &mut found);
    assert_eq!(
        found,
        [FoundRange {
            first: at(10, 0, 1, 0),
            length: 24,
            organisation: OrgId(3)
        }]
    );
}
