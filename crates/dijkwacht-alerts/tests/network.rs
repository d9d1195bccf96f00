//! The network index with known answers: three organisations whose profiles overlap
//! (an ISP's range holding its customer's, a subdomain owned by another organisation),
//! every lookup at its edges, and STIX objects matched with their evidence.

use std::net::IpAddr;

use dijkwacht_alerts::matched::{Match, MatchRule};
use dijkwacht_alerts::network::{NetworkAsset, NetworkIndex, Relation};
use dijkwacht_alerts::profile::AssetKind;
use serde_json::{Value, json};

/// alpha: an ISP; beta: its customer, on a /26 of alpha's /24 and on a subdomain of
/// alpha's domain; gamma: one address and a domain that ends like alpha's.
const PROFILES: &[(&str, AssetKind, &str)] = &[
    ("alpha", AssetKind::Cidr, "198.51.100.0/24"),
    ("alpha", AssetKind::Cidr, "198.51.100.128/25"),
    ("alpha", AssetKind::Cidr, "2001:db8:a::/48"),
    ("alpha", AssetKind::Domain, "example.nl"),
    ("alpha", AssetKind::EmailDomain, "example.nl"),
    ("alpha", AssetKind::Asn, "AS64500"),
    ("beta", AssetKind::Cidr, "198.51.100.0/26"),
    ("beta", AssetKind::Domain, "shop.example.nl"),
    ("beta", AssetKind::Domain, "münchen.de"),
    ("gamma", AssetKind::Cidr, "203.0.113.7"),
    ("gamma", AssetKind::Domain, "evilexample.nl"),
];

fn index() -> NetworkIndex {
    let mut index = NetworkIndex::new();
    for (organisation, kind, value) in PROFILES {
        let asset = NetworkAsset::parse(*kind, value)
            .unwrap_or_else(|error| panic!("{kind} {value}: {error}"));
        assert!(index.insert(organisation, &asset), "{organisation} {value}");
    }
    index
}

/// `organisation entry-value` of each hit, in the index's order.
fn owners(hits: &[dijkwacht_alerts::network::AssetHit<'_>]) -> Vec<String> {
    hits.iter()
        .map(|hit| format!("{} {}", hit.organisation, hit.asset.entry().value))
        .collect()
}

fn address(text: &str) -> IpAddr {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

#[test]
fn addresses_meet_the_ranges_that_hold_them() {
    let index = index();
    let cases: &[(&str, &[&str])] = &[
        (
            "198.51.100.0",
            &["alpha 198.51.100.0/24", "beta 198.51.100.0/26"],
        ),
        (
            "198.51.100.63",
            &["alpha 198.51.100.0/24", "beta 198.51.100.0/26"],
        ),
        ("198.51.100.64", &["alpha 198.51.100.0/24"]),
        // Of alpha's nested /24 and /25, the narrower names the match, once.
        ("198.51.100.128", &["alpha 198.51.100.128/25"]),
        ("198.51.100.255", &["alpha 198.51.100.128/25"]),
        ("198.51.99.255", &[]),
        ("198.51.101.0", &[]),
        ("203.0.113.7", &["gamma 203.0.113.7/32"]),
        ("203.0.113.8", &[]),
        ("2001:db8:a::", &["alpha 2001:db8:a::/48"]),
        (
            "2001:db8:a:ffff:ffff:ffff:ffff:ffff",
            &["alpha 2001:db8:a::/48"],
        ),
        ("2001:db8:b::", &[]),
        ("::ffff:198.51.100.7", &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(
            owners(&index.lookup_address(address(text))),
            *expected,
            "{text}"
        );
    }
    let single = index.lookup_address(address("203.0.113.7"));
    assert_eq!(single[0].relation, Relation::Same);
    assert_eq!(single[0].rule, MatchRule::AddressInRange);
}

#[test]
fn listed_networks_meet_the_ranges_they_overlap() {
    let index = index();
    let cases: &[(&str, &[&str])] = &[
        // A listed /16 holds both organisations' ranges; of alpha's nested ones, the
        // outer /24 is named.
        (
            "198.51.0.0/16",
            &["alpha 198.51.100.0/24", "beta 198.51.100.0/26"],
        ),
        (
            "198.51.100.0/28",
            &["alpha 198.51.100.0/24", "beta 198.51.100.0/26"],
        ),
        ("198.51.100.192/26", &["alpha 198.51.100.128/25"]),
        (
            "198.51.100.0/24",
            &["alpha 198.51.100.0/24", "beta 198.51.100.0/26"],
        ),
        (
            "198.0.0.0/8",
            &["alpha 198.51.100.0/24", "beta 198.51.100.0/26"],
        ),
        // Broader than /8 (IPv4) or /32 (IPv6): too broad to tell anyone anything.
        ("198.0.0.0/7", &[]),
        ("2001:db8::/32", &["alpha 2001:db8:a::/48"]),
        ("2001:db8::/31", &[]),
        ("203.0.113.0/24", &["gamma 203.0.113.7/32"]),
        ("192.0.2.0/24", &[]),
    ];
    for (text, expected) in cases {
        let network = text
            .parse()
            .unwrap_or_else(|error| panic!("{text}: {error}"));
        assert_eq!(owners(&index.lookup_network(network)), *expected, "{text}");
    }
    let holds = index.lookup_network("198.51.0.0/16".parse().expect("a network"));
    assert!(holds.iter().all(|hit| hit.relation == Relation::Holds));
    let inside = index.lookup_network("198.51.100.0/28".parse().expect("a network"));
    assert!(inside.iter().all(|hit| hit.relation == Relation::Inside));
}

#[test]
fn domains_meet_their_owners_and_the_owners_of_their_parents() {
    let index = index();
    let cases: &[(&str, &[&str])] = &[
        ("example.nl", &["alpha example.nl"]),
        ("Login.EXAMPLE.nl.", &["alpha example.nl"]),
        (
            "shop.example.nl",
            &["alpha example.nl", "beta shop.example.nl"],
        ),
        (
            "a.b.shop.example.nl",
            &["alpha example.nl", "beta shop.example.nl"],
        ),
        ("evilexample.nl", &["gamma evilexample.nl"]),
        ("login.evilexample.nl", &["gamma evilexample.nl"]),
        ("example.nl.attacker.example", &[]),
        ("nl", &[]),
        ("www.MÜNCHEN.de", &["beta xn--mnchen-3ya.de"]),
        ("xn--mnchen-3ya.de", &["beta xn--mnchen-3ya.de"]),
        ("munchen.de", &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(owners(&index.lookup_domain(text)), *expected, "{text}");
    }
    let hits = index.lookup_domain("shop.example.nl");
    let relations: Vec<Relation> = hits.iter().map(|hit| hit.relation).collect();
    assert_eq!(relations, [Relation::Inside, Relation::Same]);
}

#[test]
fn urls_meet_the_owners_of_their_host() {
    let index = index();
    let cases: &[(&str, &[&str], MatchRule)] = &[
        (
            "https://login.example.nl:8443/path?q=1",
            &["alpha example.nl"],
            MatchRule::UrlOnDomain,
        ),
        (
            "http://user:pw@shop.example.nl/",
            &["alpha example.nl", "beta shop.example.nl"],
            MatchRule::UrlOnDomain,
        ),
        (
            "example.nl/login.php",
            &["alpha example.nl"],
            MatchRule::UrlOnDomain,
        ),
        (
            "http://198.51.100.200/x",
            &["alpha 198.51.100.128/25"],
            MatchRule::AddressInRange,
        ),
        (
            "http://[2001:db8:a::1]:8080/",
            &["alpha 2001:db8:a::/48"],
            MatchRule::AddressInRange,
        ),
        (
            "http://example.nl@attacker.example/",
            &[],
            MatchRule::UrlOnDomain,
        ),
        (
            "https://evilexample.nl.attacker.example/",
            &[],
            MatchRule::UrlOnDomain,
        ),
    ];
    for (url, expected, rule) in cases {
        let hits = index.lookup_url(url);
        assert_eq!(owners(&hits), *expected, "{url}");
        assert!(hits.iter().all(|hit| hit.rule == *rule), "{url}");
    }
}

#[test]
fn email_addresses_meet_email_domains_before_domains() {
    let index = index();
    let hits = index.lookup_email("CEO@Example.nl");
    assert_eq!(owners(&hits), ["alpha example.nl"]);
    assert_eq!(
        hits[0].rule,
        MatchRule::EmailOnDomain,
        "not also the weaker rule"
    );
    assert_eq!(hits[0].asset.kind(), AssetKind::EmailDomain);

    let hits = index.lookup_email("sales@shop.example.nl");
    let rules: Vec<(String, MatchRule)> = hits
        .iter()
        .map(|hit| (hit.organisation.to_owned(), hit.rule))
        .collect();
    assert_eq!(
        rules,
        [
            ("alpha".to_owned(), MatchRule::EmailOnDomain),
            ("beta".to_owned(), MatchRule::DomainOrSubdomain)
        ]
    );
    assert!(
        index
            .lookup_email("ceo@evilexample.nl")
            .iter()
            .all(|hit| hit.organisation == "gamma")
    );
    assert!(index.lookup_email("not-an-address").is_empty());
    assert!(index.lookup_email("@example.nl").is_empty());
}

#[test]
fn autonomous_systems_meet_their_holders() {
    let index = index();
    assert_eq!(
        owners(&index.lookup_autonomous_system(64500)),
        ["alpha AS64500"]
    );
    assert!(index.lookup_autonomous_system(64501).is_empty());
}

fn indicator(pattern: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "pattern_type": "stix", "pattern": pattern, "valid_from": "2024-01-01T00:00:00Z"
    })
}

/// `organisation|entry|rule|observed` of each match.
fn summary(matches: &[Match]) -> Vec<String> {
    matches
        .iter()
        .map(|found| {
            format!(
                "{}|{}|{}|{}",
                found.organisation,
                found.asset.value,
                found.rule.as_str(),
                found.observed
            )
        })
        .collect()
}

#[test]
fn indicators_match_by_their_positive_comparisons_only() {
    let index = index();
    let cases: &[(&str, &[&str])] = &[
        (
            "[ipv4-addr:value = '198.51.100.7']",
            &[
                "alpha|198.51.100.0/24|address-in-range|198.51.100.7",
                "beta|198.51.100.0/26|address-in-range|198.51.100.7",
            ],
        ),
        ("[ipv4-addr:value != '198.51.100.7']", &[]),
        (
            "[ipv4-addr:value NOT IN ('198.51.100.7', '203.0.113.7')]",
            &[],
        ),
        (
            "[ipv4-addr:value = '192.0.2.1' AND ipv4-addr:value != '198.51.100.7']",
            &[],
        ),
        ("[domain-name:value NOT LIKE 'example.nl']", &[]),
        ("[ipv4-addr:value > '198.51.100.7']", &[]),
        (
            "[ipv4-addr:value ISSUBSET '198.51.100.128/26']",
            &["alpha|198.51.100.128/25|address-in-range|198.51.100.128/26"],
        ),
        (
            "[ipv4-addr:value = '198.51.100.7'] OR [ipv4-addr:value = '198.51.100.7']",
            &[
                "alpha|198.51.100.0/24|address-in-range|198.51.100.7",
                "beta|198.51.100.0/26|address-in-range|198.51.100.7",
            ],
        ),
        (
            "[domain-name:value IN ('login.example.nl', 'evilexample.nl')] FOLLOWEDBY [url:value = 'http://shop.example.nl/pay'] WITHIN 60 SECONDS",
            &[
                // Ordered by organisation, entry, then the observed value.
                "alpha|example.nl|url-on-domain|http://shop.example.nl/pay",
                "alpha|example.nl|domain-or-subdomain|login.example.nl",
                "beta|shop.example.nl|url-on-domain|http://shop.example.nl/pay",
                "gamma|evilexample.nl|domain-or-subdomain|evilexample.nl",
            ],
        ),
        (
            "[email-message:from_ref.value = 'ceo@example.nl']",
            &["alpha|example.nl|email-on-domain|ceo@example.nl"],
        ),
        ("[email-message:to_refs[*].value = 'ceo@example.nl']", &[]),
        (
            "[email-addr:value = 'x@shop.example.nl']",
            &[
                "alpha|example.nl|email-on-domain|x@shop.example.nl",
                "beta|shop.example.nl|domain-or-subdomain|x@shop.example.nl",
            ],
        ),
        (
            "[autonomous-system:number = 64500]",
            &["alpha|AS64500|autonomous-system|64500"],
        ),
        (
            "[network-traffic:dst_ref.value = 'www.münchen.de' AND network-traffic:src_ref.value = '2001:db8:a::5']",
            &[
                "alpha|2001:db8:a::/48|address-in-range|2001:db8:a::5",
                "beta|xn--mnchen-3ya.de|domain-or-subdomain|www.münchen.de",
            ],
        ),
        ("[file:name = 'example.nl']", &[]),
    ];
    for (pattern, expected) in cases {
        assert_eq!(
            summary(&index.match_object(&indicator(pattern))),
            *expected,
            "{pattern}"
        );
    }
}

#[test]
fn evidence_says_what_was_named_and_how_it_stands_to_the_entry() {
    let index = index();
    let cases: &[(Value, &str)] = &[
        (
            indicator("[ipv4-addr:value = '198.51.100.7']"),
            "indicator pattern names 198.51.100.7, inside your range 198.51.100.0/24",
        ),
        (
            indicator("[ipv4-addr:value = '198.51.0.0/16']"),
            "indicator pattern names the network 198.51.0.0/16, which holds your range 198.51.100.0/24",
        ),
        (
            json!({"type": "domain-name", "id": "domain-name--1", "value": "login.example.nl"}),
            "observable names login.example.nl, a subdomain of your domain example.nl",
        ),
        (
            indicator("[url:value = 'https://example.nl/reset']"),
            "indicator pattern names the URL https://example.nl/reset, whose host example.nl is your domain example.nl",
        ),
        (
            indicator("[email-addr:value = 'ceo@example.nl']"),
            "indicator pattern names the e-mail address ceo@example.nl, at your e-mail domain example.nl",
        ),
        (
            json!({"type": "autonomous-system", "id": "autonomous-system--1", "number": 64500}),
            "observable names AS64500, your autonomous system AS64500",
        ),
    ];
    for (object, evidence) in cases {
        let matches = index.match_object(object);
        assert_eq!(
            matches.first().map(|found| found.evidence.as_str()),
            Some(*evidence),
            "{object}"
        );
    }
}

#[test]
fn revoked_objects_and_other_pattern_languages_name_nothing() {
    let index = index();
    let mut revoked = indicator("[ipv4-addr:value = '198.51.100.7']");
    revoked["revoked"] = json!(true);
    assert!(index.match_object(&revoked).is_empty());
    let mut not_revoked = revoked.clone();
    not_revoked["revoked"] = json!(false);
    assert_eq!(index.match_object(&not_revoked).len(), 2);

    let mut sigma = indicator("[ipv4-addr:value = '198.51.100.7']");
    sigma["pattern_type"] = json!("sigma");
    assert!(index.match_object(&sigma).is_empty());
    assert!(
        index
            .match_object(&indicator("[ipv4-addr:value = "))
            .is_empty()
    );
    assert!(
        index
            .match_object(&json!({"type": "malware", "name": "example.nl"}))
            .is_empty()
    );
    assert!(index.match_object(&json!("198.51.100.7")).is_empty());
}

#[test]
fn observables_and_observed_data_match_by_their_values() {
    let index = index();
    let address = json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.200"});
    assert_eq!(
        summary(&index.match_object(&address)),
        ["alpha|198.51.100.128/25|address-in-range|198.51.100.200"]
    );
    let observed = json!({
        "type": "observed-data", "id": "observed-data--1", "number_observed": 1,
        "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z",
        "objects": {
            "0": {"type": "domain-name", "value": "mail.example.nl"},
            "1": {"type": "url", "value": "http://203.0.113.7/gate.php"},
            "2": {"type": "email-addr", "value": "info@evilexample.nl"},
            "3": {"type": "file", "name": "example.nl"}
        }
    });
    assert_eq!(
        summary(&index.match_object(&observed)),
        [
            "alpha|example.nl|domain-or-subdomain|mail.example.nl",
            "gamma|203.0.113.7/32|address-in-range|http://203.0.113.7/gate.php",
            "gamma|evilexample.nl|domain-or-subdomain|info@evilexample.nl",
        ]
    );
    let matches = index.match_object(&observed);
    assert!(
        matches[0]
            .evidence
            .starts_with("observed-data names mail.example.nl")
    );
}

#[test]
fn a_batch_gives_what_each_object_gives_in_order() {
    let index = index();
    let shapes = [
        indicator("[ipv4-addr:value = '198.51.100.7']"),
        indicator("[domain-name:value = 'unrelated.example']"),
        json!({"type": "url", "value": "http://shop.example.nl/"}),
        indicator("[ipv4-addr:value != '198.51.100.7']"),
        indicator("[email-addr:value = 'a@example.nl']"),
    ];
    let objects: Vec<Value> = (0..5003)
        .map(|number| shapes[number % shapes.len()].clone())
        .collect();
    let one_by_one: Vec<Vec<Match>> = objects
        .iter()
        .map(|object| index.match_object(object))
        .collect();
    assert_eq!(index.match_batch_on(&objects, 2), one_by_one);
    assert_eq!(index.match_batch_on(&objects, 3), one_by_one);
    assert_eq!(index.match_batch(&objects[..10]), one_by_one[..10]);
    let matched = one_by_one
        .iter()
        .filter(|matches| !matches.is_empty())
        .count();
    // 5003 = 5 × 1000 + 3: shapes 0, 2 and 4 of each full round, 0 and 2 of the rest.
    assert_eq!(matched, 3002, "three of the five shapes match");
}

#[test]
fn organisations_come_and_go() {
    let mut index = index();
    assert_eq!(index.len(), PROFILES.len());
    assert_eq!(index.organisation_count(), 3);
    let again = NetworkAsset::parse(AssetKind::Domain, "EXAMPLE.nl").expect("a domain");
    assert!(
        !index.insert("alpha", &again),
        "the same entry twice is one entry"
    );
    assert_eq!(index.len(), PROFILES.len());

    assert_eq!(index.remove_organisation("beta"), 3);
    assert_eq!(index.remove_organisation("beta"), 0);
    assert_eq!(index.len(), PROFILES.len() - 3);
    assert_eq!(
        owners(&index.lookup_address(address("198.51.100.7"))),
        ["alpha 198.51.100.0/24"]
    );
    assert_eq!(
        owners(&index.lookup_domain("shop.example.nl")),
        ["alpha example.nl"]
    );
    assert!(index.lookup_domain("münchen.de").is_empty());

    let range = NetworkAsset::parse(AssetKind::Cidr, "198.51.100.0/26").expect("a range");
    assert!(index.insert("delta", &range));
    assert_eq!(
        owners(&index.lookup_address(address("198.51.100.7"))),
        ["alpha 198.51.100.0/24", "delta 198.51.100.0/26"]
    );
    assert_eq!(index.entries_of("delta"), [range]);
    assert_eq!(index.organisation_count(), 3);

    assert_eq!(index.remove_organisation("alpha"), 6);
    assert_eq!(index.remove_organisation("gamma"), 2);
    assert_eq!(index.remove_organisation("delta"), 1);
    assert!(index.is_empty());
    assert_eq!(index.organisation_count(), 0);
    assert!(index.lookup_autonomous_system(64500).is_empty());
}
