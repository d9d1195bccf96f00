//! Unit tests of the bulk index: one per kind of anchor, the anchoring of `OR` and
//! `AND`, references, removal, expiry and the counts. Each case is an index of a few
//! patterns, an observation written as its SCOs, and the hits expected (`!` = exact).

use serde_json::{Value, json};

use super::*;
use crate::parse;

const FOREVER: Validity = Validity {
    valid_from: 0,
    valid_until: None,
};

fn index_of(patterns: &[&str]) -> IndicatorIndex {
    let mut index = IndicatorIndex::new();
    for (number, pattern) in patterns.iter().enumerate() {
        let parsed = parse(pattern).unwrap_or_else(|error| panic!("{pattern}: {error}"));
        index
            .insert(IndicatorKey::from(format!("p{number}")), &parsed, FOREVER)
            .unwrap_or_else(|error| panic!("{pattern}: {error}"));
    }
    index
}

fn observation(objects: Value) -> Observation {
    let objects = objects
        .as_object()
        .unwrap_or_else(|| panic!("objects by key"))
        .iter()
        .map(|(key, object)| {
            let object = object.as_object().cloned().unwrap_or_default();
            (key.clone(), object)
        })
        .collect();
    Observation {
        id: None,
        first_observed: 0,
        last_observed: 0,
        number_observed: 1,
        objects,
    }
}

/// The hits as text: `p0! p2` (p0 exact, p2 a candidate), in slot order.
fn hits(index: &IndicatorIndex, objects: Value) -> String {
    let mut out = Vec::new();
    index.candidates(&observation(objects), &mut out);
    out.iter()
        .map(|hit| format!("{}{}", hit.key, if hit.exact { "!" } else { "" }))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ip(value: &str) -> Value {
    let kind = if value.contains(':') {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    };
    json!({"0": {"type": kind, "value": value}})
}

fn domain(value: &str) -> Value {
    json!({"0": {"type": "domain-name", "value": value}})
}

#[test]
fn exact_values_hit_exactly() {
    let index = index_of(&[
        "[ipv4-addr:value = '198.51.100.7']",
        "[domain-name:value = 'evil.example']",
        "[file:hashes.MD5 = '0123456789abcdef0123456789abcdef']",
        "[network-traffic:dst_port = 4444]",
        "[network-traffic:dst_port = '4444']",
        "[ipv4-addr:value IN ('203.0.113.1', '203.0.113.2')]",
    ]);
    assert_eq!(hits(&index, ip("198.51.100.7")), "p0!");
    assert_eq!(hits(&index, ip("198.51.100.8")), "");
    assert_eq!(hits(&index, domain("evil.example")), "p1!");
    assert_eq!(
        hits(
            &index,
            json!({"0": {"type": "file", "hashes": {"MD5": "0123456789abcdef0123456789abcdef"}}})
        ),
        "p2!"
    );
    // The number 4444, not the text '4444'.
    assert_eq!(
        hits(
            &index,
            json!({"0": {"type": "network-traffic", "dst_port": 4444}})
        ),
        "p3!"
    );
    assert_eq!(hits(&index, ip("203.0.113.2")), "p5!");
}

#[test]
fn case_folded_values_are_candidates() {
    let index = index_of(&[
        "[domain-name:value = 'Evil.Example']",
        "[file:hashes.'SHA-256' = 'ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD']",
        "[url:value = 'http://x.example/A']",
    ]);
    assert_eq!(hits(&index, domain("evil.example")), "p0");
    assert_eq!(hits(&index, domain("EVIL.example")), "p0");
    let file = |hash: &str| json!({"0": {"type": "file", "hashes": {"SHA-256": hash}}});
    assert_eq!(
        hits(
            &index,
            file("abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd")
        ),
        "p1"
    );
    // URLs keep their case: a path is case-sensitive.
    assert_eq!(
        hits(
            &index,
            json!({"0": {"type": "url", "value": "http://x.example/a"}})
        ),
        ""
    );
}

#[test]
fn address_ranges_hit_by_containment() {
    let index = index_of(&[
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        "[ipv4-addr:value ISSUBSET '10.20.30.0/24']",
        "[ipv4-addr:value = '192.168.0.0/16']",
        "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
        "[ipv6-addr:value ISSUBSET '2001:db8:1:2::/64']",
        "[ipv4-addr:value ISSUBSET '0.0.0.0/0']",
    ]);
    assert_eq!(hits(&index, ip("10.20.30.40")), "p0! p1! p5!");
    assert_eq!(hits(&index, ip("10.99.0.1")), "p0! p5!");
    assert_eq!(hits(&index, ip("11.0.0.1")), "p5!");
    // A range inside the prefix is a subset of it; one around it is not.
    assert_eq!(hits(&index, ip("10.20.0.0/16")), "p0! p5!");
    assert_eq!(hits(&index, ip("10.0.0.0/7")), "p5!");
    // `=` with a CIDR is a comparison of text: the range only finds candidates.
    assert_eq!(hits(&index, ip("192.168.1.1")), "p2 p5!");
    assert_eq!(hits(&index, ip("192.168.0.0/16")), "p2 p5!");
    assert_eq!(hits(&index, ip("2001:db8:1:2::99")), "p3! p4!");
    assert_eq!(hits(&index, ip("2001:db9::1")), "");
    assert_eq!(hits(&index, ip("not an address")), "");
}

#[test]
fn domain_suffixes_hit_subdomains() {
    let index = index_of(&[
        "[domain-name:value LIKE '%.example.com']",
        "[domain-name:value LIKE '%.b.example.com']",
        "[domain-name:value LIKE 'exact.example.org']",
    ]);
    assert_eq!(hits(&index, domain("a.b.example.com")), "p0! p1!");
    assert_eq!(hits(&index, domain("x.example.com")), "p0!");
    assert_eq!(hits(&index, domain("example.com")), "");
    assert_eq!(hits(&index, domain("badexample.com")), "");
    assert_eq!(hits(&index, domain("exact.example.org")), "p2!");
    assert_eq!(hits(&index, domain("X.EXAMPLE.COM")), "p0");
}

#[test]
fn regular_expressions_and_likes_hit_through_a_set() {
    let index = index_of(&[
        "[url:value MATCHES '/wp-admin/[a-z]+\\\\.php$']",
        "[url:value LIKE 'http://%/gate.php']",
        "[domain-name:value MATCHES '^[a-z]{12}\\\\.top$']",
    ]);
    let url = |value: &str| json!({"0": {"type": "url", "value": value}});
    assert_eq!(
        hits(&index, url("http://a.example/wp-admin/setup.php")),
        "p0!"
    );
    assert_eq!(hits(&index, url("http://a.example/gate.php")), "p1!");
    assert_eq!(hits(&index, url("http://a.example/gate.phpx")), "");
    assert_eq!(hits(&index, domain("abcdefghijkl.top")), "p2!");
    assert_eq!(hits(&index, domain("abc.top")), "");
}

#[test]
fn a_regular_expression_too_large_is_refused_with_its_path() {
    let mut index = IndicatorIndex::new();
    let pattern =
        parse("[url:value MATCHES '(\\\\w{100}){100}']").unwrap_or_else(|error| panic!("{error}"));
    let error = index.insert(IndicatorKey::from("indicator--big"), &pattern, FOREVER);
    match error {
        Err(BulkError::RegexTooLarge { key, path, .. }) => {
            assert_eq!(
                (key.as_str(), path.as_str()),
                ("indicator--big", "url:value")
            );
        }
        other => panic!("expected RegexTooLarge, got {other:?}"),
    }
    assert!(index.is_empty());
}

#[test]
fn unsupported_expressions_and_negations_are_always_checked() {
    let index = index_of(&[
        "[url:value MATCHES '(a)\\\\1']",
        "[ipv4-addr:value != '10.0.0.1']",
        "[ipv4-addr:value NOT = '10.0.0.1']",
        "[ipv4-addr:value IN ()]",
        "[ipv4-addr:value = '10.0.0.9']",
    ]);
    let stats = index.stats();
    assert_eq!(
        (
            stats.always_check,
            stats.never_match,
            stats.unsupported_regexes
        ),
        (3, 1, 1)
    );
    assert_eq!(hits(&index, ip("10.0.0.9")), "p0 p1 p2 p4!");
    assert_eq!(hits(&index, domain("unrelated.example")), "p0 p1 p2");
}

#[test]
fn an_or_is_anchored_on_every_branch() {
    let index = index_of(&[
        "[ipv4-addr:value = '10.0.0.1' OR domain-name:value = 'c2.example']",
        "[ipv4-addr:value = '10.0.0.2'] OR [url:value = 'http://c2.example/']",
        "[ipv4-addr:value = '10.0.0.3' OR ipv4-addr:value != '10.0.0.4']",
    ]);
    assert_eq!(hits(&index, ip("10.0.0.1")), "p0 p2");
    assert_eq!(hits(&index, domain("c2.example")), "p0 p2");
    assert_eq!(
        hits(
            &index,
            json!({"0": {"type": "url", "value": "http://c2.example/"}})
        ),
        "p1 p2"
    );
    assert_eq!(index.stats().always_check, 1);
}

#[test]
fn an_and_is_anchored_on_its_cheapest_operand() {
    let index = index_of(&[
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8' AND ipv4-addr:value = '10.1.1.1']",
        "[file:name MATCHES 'x' AND file:hashes.MD5 = '00112233445566778899aabbccddeeff'] AND [file:size > 10]",
        "[network-traffic:dst_port = 443] FOLLOWEDBY [domain-name:value = 'a.example'] WITHIN 5 SECONDS",
    ]);
    // The value anchor was chosen over the range: the range alone finds nothing.
    assert_eq!(hits(&index, ip("10.9.9.9")), "");
    assert_eq!(hits(&index, ip("10.1.1.1")), "p0");
    assert_eq!(
        hits(
            &index,
            json!({"0": {"type": "file", "hashes": {"MD5": "00112233445566778899aabbccddeeff"}}})
        ),
        "p1"
    );
    assert_eq!(
        hits(
            &index,
            json!({"0": {"type": "network-traffic", "dst_port": 443}})
        ),
        "p2"
    );
    let stats = index.stats();
    assert_eq!(
        (
            stats.value_anchors,
            stats.prefix_anchors,
            stats.regex_anchors
        ),
        (3, 0, 0)
    );
}

#[test]
fn qualifiers_make_a_single_comparison_a_candidate() {
    let index = index_of(&[
        "[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES",
        "([ipv4-addr:value = '10.0.0.1'])",
    ]);
    assert_eq!(hits(&index, ip("10.0.0.1")), "p0 p1!");
}

#[test]
fn references_are_followed() {
    let index = index_of(&[
        "[network-traffic:dst_ref.value = '198.51.100.1']",
        "[email-message:to_refs[*].value = 'ceo@example.com']",
        "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
    ]);
    let flow = json!({
        "0": {"type": "ipv4-addr", "value": "10.0.0.1"},
        "1": {"type": "ipv4-addr", "value": "198.51.100.1"},
        "2": {"type": "network-traffic", "src_ref": "0", "dst_ref": "1"}
    });
    assert_eq!(hits(&index, flow), "p0! p2!");
    let mail = json!({
        "0": {"type": "email-addr", "value": "ceo@example.com"},
        "1": {"type": "email-message", "to_refs": ["0"]}
    });
    assert_eq!(hits(&index, mail), "p1!");
}

#[test]
fn removal_and_replacement_take_anchors_out() {
    let mut index = index_of(&[
        "[ipv4-addr:value = '10.0.0.1']",
        "[ipv4-addr:value = '10.0.0.1' OR ipv4-addr:value ISSUBSET '172.16.0.0/12']",
        "[domain-name:value LIKE '%.example.com'] OR [url:value MATCHES 'x']",
    ]);
    assert_eq!(hits(&index, ip("10.0.0.1")), "p0! p1");
    assert!(index.remove(&IndicatorKey::from("p0")));
    assert!(!index.remove(&IndicatorKey::from("p0")));
    assert_eq!(hits(&index, ip("10.0.0.1")), "p1");
    assert!(index.remove(&IndicatorKey::from("p1")));
    assert_eq!(hits(&index, ip("172.16.1.1")), "");
    assert!(index.remove(&IndicatorKey::from("p2")));
    assert_eq!(hits(&index, domain("a.example.com")), "");
    assert_eq!(
        index.stats(),
        IndexStats {
            paths: index.stats().paths,
            heap_bytes: index.stats().heap_bytes,
            ..IndexStats::default()
        }
    );
    // Re-inserting a key replaces its pattern.
    let mut index = index_of(&["[ipv4-addr:value = '10.0.0.1']"]);
    let replacement = parse("[ipv4-addr:value = '10.0.0.2']").unwrap_or_else(|e| panic!("{e}"));
    index
        .insert(IndicatorKey::from("p0"), &replacement, FOREVER)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(hits(&index, ip("10.0.0.1")), "");
    assert_eq!(hits(&index, ip("10.0.0.2")), "p0!");
    assert_eq!(index.len(), 1);
}

#[test]
fn expiry_removes_indicators_whose_time_passed() {
    let mut index = IndicatorIndex::new();
    for (key, until) in [
        ("a", Some(300)),
        ("b", Some(100)),
        ("c", None),
        ("d", Some(200)),
    ] {
        let pattern = parse("[ipv4-addr:value = '10.0.0.1']").unwrap_or_else(|e| panic!("{e}"));
        let validity = Validity {
            valid_from: 0,
            valid_until: until,
        };
        index
            .insert(IndicatorKey::from(key), &pattern, validity)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    assert_eq!(index.expire(99), vec![]);
    let expired: Vec<String> = index.expire(200).iter().map(ToString::to_string).collect();
    assert_eq!(expired, ["b", "d"]);
    assert_eq!(hits(&index, ip("10.0.0.1")), "a! c!");
    index.remove(&IndicatorKey::from("a"));
    assert_eq!(index.expire(i64::MAX), vec![]);
    assert_eq!(index.len(), 1);
    assert_eq!(index.validity(&IndicatorKey::from("c")), Some(FOREVER));
}

#[test]
fn many_indicators_on_one_value_and_slot_reuse() {
    let mut index = IndicatorIndex::new();
    let pattern = parse("[domain-name:value = 'shared.example']").unwrap_or_else(|e| panic!("{e}"));
    for number in 0..5 {
        index
            .insert(IndicatorKey::from(format!("k{number}")), &pattern, FOREVER)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    index.remove(&IndicatorKey::from("k1"));
    index.remove(&IndicatorKey::from("k3"));
    assert_eq!(hits(&index, domain("shared.example")), "k0! k2! k4!");
    let other = parse("[domain-name:value = 'other.example']").unwrap_or_else(|e| panic!("{e}"));
    index
        .insert(IndicatorKey::from("k5"), &other, FOREVER)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(hits(&index, domain("other.example")), "k5!");
    assert_eq!(hits(&index, domain("shared.example")), "k0! k2! k4!");
    let stats = index.stats();
    assert_eq!(
        (stats.indicators, stats.value_anchors, stats.distinct_values),
        (4, 4, 2)
    );
}

#[test]
fn expressions_found_through_their_literals_match_as_the_sets_do() {
    let mut index = index_of(&[
        "[url:value MATCHES '(?i)GATE\\\\.php']",
        "[domain-name:value MATCHES '^[a-z]{5}\\\\.xyz$']",
        "[url:value LIKE '%/admin/%.php']",
        "[url:value MATCHES 'a.b']",
    ]);
    let url = |value: &str| json!({"0": {"type": "url", "value": value}});
    assert_eq!(hits(&index, url("http://x.example/Gate.PHP")), "p0!");
    assert_eq!(hits(&index, url("http://x.example/admin/x.php")), "p2!");
    assert_eq!(hits(&index, url("http://x.example/admin/x.phpx")), "");
    assert_eq!(hits(&index, url("axb")), "p3!");
    assert_eq!(hits(&index, domain("abcde.xyz")), "p1!");
    assert_eq!(hits(&index, domain("abcdef.xyz")), "");
    index.remove(&IndicatorKey::from("p2"));
    assert_eq!(hits(&index, url("http://x.example/admin/x.php")), "");
    assert_eq!(index.stats().regex_anchors, 3);
}

#[test]
fn prefixes_a_little_shorter_than_a_bucket_are_found_in_every_bucket() {
    let mut index = index_of(&[
        "[ipv4-addr:value ISSUBSET '20.0.0.0/10']",
        "[ipv4-addr:value ISSUBSET '20.0.0.0/6']",
        "[ipv6-addr:value ISSUBSET '2001:d00::/24']",
    ]);
    assert_eq!(hits(&index, ip("20.63.255.255")), "p0! p1!");
    assert_eq!(hits(&index, ip("20.64.0.0")), "p1!");
    assert_eq!(hits(&index, ip("23.0.0.1")), "p1!");
    assert_eq!(hits(&index, ip("2001:dff:ffff::1")), "p2!");
    index.remove(&IndicatorKey::from("p0"));
    assert_eq!(hits(&index, ip("20.1.0.0")), "p1!");
    index.remove(&IndicatorKey::from("p1"));
    assert_eq!(hits(&index, ip("20.1.0.0")), "");
}
