//! Tests of the bulk index against truths computed another way:
//! - a property test: random small sets of one-comparison patterns and random
//!   observations; every pattern whose comparison is true for an observation must be
//!   reported (completeness), every exact hit must be true, and a true comparison over
//!   values written in canonical case must be reported exact;
//! - the cases of the OASIS reference matcher (`stix2-matcher`): every pattern it
//!   matches is reported for some observation of its test, and no pattern it does not
//!   match is ever reported exact.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use dijkwacht_pattern::bulk::{Hit, IndicatorIndex, IndicatorKey, Validity};
use dijkwacht_pattern::{Observation, parse};
use proptest::collection::vec;
use proptest::prelude::*;
use regex::Regex;
use serde_json::{Map, Value, json};

const FOREVER: Validity = Validity {
    valid_from: 0,
    valid_until: None,
};

const IPS: &[&str] = &["10.0.0.1", "10.0.0.2", "10.1.2.3", "192.168.1.1"];
const CIDRS: &[&str] = &[
    "10.0.0.0/8",
    "10.0.0.0/24",
    "192.168.0.0/16",
    "0.0.0.0/0",
    "10.0.0.2/32",
];
const DOMAINS: &[&str] = &[
    "a.example.com",
    "b.example.com",
    "example.com",
    "Example.com",
    "x.a.example.com",
];
const LIKES: &[&str] = &[
    "%.example.com",
    "%.a.example.com",
    "a.example.%",
    "%example%",
    "example.com",
    "_.example.com",
];
const REGEXES: &[&str] = &["^a\\.", "example", "^[a-z]+\\.com$", "B"];
const PORTS: &[i64] = &[80, 443, 8080];
const MD5S: &[&str] = &[
    "00112233445566778899aabbccddeeff",
    "ffeeddccbbaa99887766554433221100",
    "00112233445566778899AABBCCDDEEFF",
];

/// One comparison of the generated patterns.
#[derive(Debug, Clone)]
enum Case {
    IpEqual(usize),
    IpIn(usize, usize),
    IpSubset(usize),
    IpNotEqual(usize),
    DomainEqual(usize),
    DomainLike(usize),
    DomainMatches(usize),
    DomainNotEqual(usize),
    PortEqual(usize),
    PortIn(usize, usize),
    HashEqual(usize),
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![
        (0..IPS.len()).prop_map(Case::IpEqual),
        (0..IPS.len(), 0..IPS.len()).prop_map(|(a, b)| Case::IpIn(a, b)),
        (0..CIDRS.len()).prop_map(Case::IpSubset),
        (0..IPS.len()).prop_map(Case::IpNotEqual),
        (0..DOMAINS.len()).prop_map(Case::DomainEqual),
        (0..LIKES.len()).prop_map(Case::DomainLike),
        (0..REGEXES.len()).prop_map(Case::DomainMatches),
        (0..DOMAINS.len()).prop_map(Case::DomainNotEqual),
        (0..PORTS.len()).prop_map(Case::PortEqual),
        (0..PORTS.len(), 0..PORTS.len()).prop_map(|(a, b)| Case::PortIn(a, b)),
        (0..MD5S.len()).prop_map(Case::HashEqual),
    ]
}

impl Case {
    fn pattern(&self) -> String {
        match self {
            Case::IpEqual(a) => format!("[ipv4-addr:value = '{}']", IPS[*a]),
            Case::IpIn(a, b) => format!("[ipv4-addr:value IN ('{}', '{}')]", IPS[*a], IPS[*b]),
            Case::IpSubset(a) => format!("[ipv4-addr:value ISSUBSET '{}']", CIDRS[*a]),
            Case::IpNotEqual(a) => format!("[ipv4-addr:value != '{}']", IPS[*a]),
            Case::DomainEqual(a) => format!("[domain-name:value = '{}']", DOMAINS[*a]),
            Case::DomainLike(a) => format!("[domain-name:value LIKE '{}']", LIKES[*a]),
            Case::DomainMatches(a) => {
                format!(
                    "[domain-name:value MATCHES '{}']",
                    REGEXES[*a].replace('\\', "\\\\")
                )
            }
            Case::DomainNotEqual(a) => format!("[domain-name:value != '{}']", DOMAINS[*a]),
            Case::PortEqual(a) => format!("[network-traffic:dst_port = {}]", PORTS[*a]),
            Case::PortIn(a, b) => {
                format!(
                    "[network-traffic:dst_port IN ({}, {})]",
                    PORTS[*a], PORTS[*b]
                )
            }
            Case::HashEqual(a) => format!("[file:hashes.MD5 = '{}']", MD5S[*a]),
        }
    }

    /// The object type and property value tested, and whether the comparison is true
    /// for one such value (the reference semantics: exact text, exact numbers).
    fn holds_for(&self, object_type: &str, value: &Value) -> bool {
        let text = value.as_str().unwrap_or("");
        match (self, object_type) {
            (Case::IpEqual(a), "ipv4-addr") => text == IPS[*a],
            (Case::IpIn(a, b), "ipv4-addr") => text == IPS[*a] || text == IPS[*b],
            (Case::IpSubset(a), "ipv4-addr") => in_cidr(text, CIDRS[*a]),
            (Case::IpNotEqual(a), "ipv4-addr") => text != IPS[*a],
            (Case::DomainEqual(a), "domain-name") => text == DOMAINS[*a],
            (Case::DomainLike(a), "domain-name") => like(LIKES[*a]).is_match(text),
            (Case::DomainMatches(a), "domain-name") => {
                Regex::new(REGEXES[*a]).is_ok_and(|regex| regex.is_match(text))
            }
            (Case::DomainNotEqual(a), "domain-name") => text != DOMAINS[*a],
            (Case::PortEqual(a), "network-traffic") => value.as_i64() == Some(PORTS[*a]),
            (Case::PortIn(a, b), "network-traffic") => {
                value.as_i64() == Some(PORTS[*a]) || value.as_i64() == Some(PORTS[*b])
            }
            (Case::HashEqual(a), "file") => text == MD5S[*a],
            _ => false,
        }
    }

    /// Whether the index can prove this comparison (it anchors it).
    fn anchored(&self) -> bool {
        !matches!(self, Case::IpNotEqual(_) | Case::DomainNotEqual(_))
    }
}

fn like(pattern: &str) -> Regex {
    let mut source = String::from("(?s)^");
    for character in pattern.chars() {
        match character {
            '%' => source.push_str(".*"),
            '_' => source.push('.'),
            other => source.push_str(&regex::escape(&other.to_string())),
        }
    }
    source.push('$');
    Regex::new(&source).unwrap_or_else(|error| panic!("{error}"))
}

fn in_cidr(address: &str, cidr: &str) -> bool {
    let (network, length) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let (Ok(address), Ok(network), Ok(length)) = (
        address.parse::<Ipv4Addr>(),
        network.parse::<Ipv4Addr>(),
        length.parse::<u32>(),
    ) else {
        return false;
    };
    let mask = if length == 0 {
        0
    } else {
        u32::MAX << (32 - length)
    };
    u32::from(address) & mask == u32::from(network) & mask
}

/// The tested value of an observed object: its `value`, `dst_port` or MD5.
fn tested_value(object: &Map<String, Value>) -> Value {
    match object.get("type").and_then(Value::as_str) {
        Some("network-traffic") => object.get("dst_port").cloned().unwrap_or(Value::Null),
        Some("file") => object["hashes"]["MD5"].clone(),
        _ => object.get("value").cloned().unwrap_or(Value::Null),
    }
}

fn observed_object() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0..IPS.len()).prop_map(|a| json!({"type": "ipv4-addr", "value": IPS[a]})),
        (0..DOMAINS.len()).prop_map(|a| json!({"type": "domain-name", "value": DOMAINS[a]})),
        (0..PORTS.len()).prop_map(|a| json!({"type": "network-traffic", "dst_port": PORTS[a]})),
        (0..MD5S.len()).prop_map(|a| json!({"type": "file", "hashes": {"MD5": MD5S[a]}})),
    ]
}

fn observation_of(objects: &[Value]) -> Observation {
    Observation {
        id: None,
        first_observed: 0,
        last_observed: 0,
        number_observed: 1,
        objects: objects
            .iter()
            .enumerate()
            .map(|(key, object)| {
                (
                    key.to_string(),
                    object.as_object().cloned().unwrap_or_default(),
                )
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn candidates_are_complete_and_exact_hits_true(
        cases in vec(case(), 1..12),
        observations in vec(vec(observed_object(), 0..5), 1..6),
        removed in vec(any::<bool>(), 12),
    ) {
        let mut index = IndicatorIndex::new();
        let mut live = Vec::new();
        for (number, case) in cases.iter().enumerate() {
            let pattern = parse(&case.pattern()).unwrap_or_else(|error| panic!("{error}"));
            let key = IndicatorKey::from(format!("k{number}"));
            index.insert(key.clone(), &pattern, FOREVER).unwrap_or_else(|error| panic!("{error}"));
            live.push(!removed[number]);
            if removed[number] {
                index.remove(&key);
            }
        }
        for objects in &observations {
            let observation = observation_of(objects);
            let mut hits = Vec::new();
            index.candidates(&observation, &mut hits);
            let reported: BTreeMap<String, bool> =
                hits.iter().map(|Hit { key, exact }| (key.to_string(), *exact)).collect();
            prop_assert_eq!(reported.len(), hits.len(), "an indicator reported twice");
            for (number, case) in cases.iter().enumerate() {
                let key = format!("k{number}");
                let truth = |canonical_only: bool| observation.objects.values().any(|object| {
                    let value = tested_value(object);
                    let canonical = !value.as_str().unwrap_or("").bytes().any(|b| b.is_ascii_uppercase());
                    (canonical || !canonical_only)
                        && case.holds_for(object["type"].as_str().unwrap_or(""), &value)
                });
                let (is_true, true_on_canonical) = (truth(false), truth(true));
                let pattern = case.pattern();
                if !live[number] {
                    prop_assert!(!reported.contains_key(&key), "{} was removed", pattern);
                    continue;
                }
                if is_true {
                    prop_assert!(reported.contains_key(&key), "{} missed on {:?}", pattern, objects);
                }
                if reported.get(&key) == Some(&true) {
                    prop_assert!(is_true, "{} reported exact but false on {:?}", pattern, objects);
                }
                let upper_constant = pattern.bytes().any(|b| b.is_ascii_uppercase() && b != b'B')
                    && !pattern.contains("MATCHES");
                if true_on_canonical && case.anchored() && !upper_constant {
                    prop_assert_eq!(reported.get(&key), Some(&true), "{} not exact on {:?}", pattern, objects);
                }
            }
        }
    }
}

/// The OASIS matcher's test cases, in `shared/data`; skipped when absent.
#[test]
fn what_the_reference_matcher_matches_is_reported() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/stix21/pattern-corpus/cti-pattern-matcher-v21-cases.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return;
    };
    let corpus: Value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"));
    let mut checked = 0;
    for (file, content) in corpus["files"].as_object().into_iter().flatten() {
        let observation_sets: BTreeMap<&String, Vec<Observation>> = content["observations"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, bundles)| (name, observations_of(bundles)))
            .collect();
        for case in content["cases"].as_array().into_iter().flatten() {
            let expect = case["expect"].as_str().unwrap_or("");
            let Some(observations) = case["observations"]
                .as_str()
                .and_then(|name| {
                    observation_sets
                        .iter()
                        .find(|(key, _)| key.as_str() == name)
                })
                .map(|(_, observations)| observations)
            else {
                continue;
            };
            for value in case["values"].as_array().into_iter().flatten() {
                let pattern_text = value.as_str().or_else(|| value[0].as_str()).unwrap_or("");
                let Ok(pattern) = parse(pattern_text) else {
                    continue;
                };
                let mut index = IndicatorIndex::new();
                if index
                    .insert(IndicatorKey::from("x"), &pattern, FOREVER)
                    .is_err()
                {
                    continue;
                }
                let mut hits = Vec::new();
                for observation in observations {
                    index.candidates(observation, &mut hits);
                }
                match expect {
                    "match" | "match_ids" => assert!(
                        !hits.is_empty(),
                        "{file}: {pattern_text} matches in stix2-matcher but was not reported"
                    ),
                    "nomatch" => assert!(
                        hits.iter().all(|hit| !hit.exact),
                        "{file}: {pattern_text} does not match in stix2-matcher but was reported exact"
                    ),
                    _ => continue,
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} cases checked");
}

/// The observations of a list of bundles, one per observed-data.
fn observations_of(bundles: &Value) -> Vec<Observation> {
    let mut observations = Vec::new();
    for bundle in bundles.as_array().into_iter().flatten() {
        let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
        let by_id: BTreeMap<String, Value> = objects
            .iter()
            .filter_map(|object| Some((object["id"].as_str()?.to_owned(), object.clone())))
            .collect();
        for object in objects
            .iter()
            .filter(|object| object["type"] == "observed-data")
        {
            if let Ok(observation) = Observation::from_observed_data(object, &by_id) {
                observations.push(observation);
            }
        }
    }
    observations
}
