//! Unit tests of the matcher: the examples of STIX 2.1 §9.8 and of the operator and
//! qualifier tables, each as a pattern string and the verdict, against observations
//! built by hand. Data, not code, so that a case is one line to add.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{CompileError, CompiledPattern};
use crate::observation::{Observation, parse_timestamp_micros};
use crate::parse;

fn observation(objects: Value) -> Observation {
    observation_at(objects, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", 1)
}

fn observation_at(objects: Value, first: &str, last: &str, count: u64) -> Observation {
    let mut by_key = BTreeMap::new();
    if let Value::Object(objects) = objects {
        for (key, object) in objects {
            if let Value::Object(object) = object {
                by_key.insert(key, object);
            }
        }
    }
    Observation {
        id: None,
        first_observed: parse_timestamp_micros(first).unwrap_or_else(|| panic!("{first}")),
        last_observed: parse_timestamp_micros(last).unwrap_or_else(|| panic!("{last}")),
        number_observed: count,
        objects: by_key,
    }
}

fn compiled(pattern: &str) -> CompiledPattern {
    let parsed = parse(pattern).unwrap_or_else(|error| panic!("{pattern}: {error}"));
    CompiledPattern::compile(&parsed).unwrap_or_else(|error| panic!("{pattern}: {error}"))
}

/// Every (pattern, verdict) against the same observations.
fn check(observations: &[Observation], cases: &[(&str, bool)]) {
    let mut wrong = Vec::new();
    for (pattern, expected) in cases {
        if compiled(pattern).matches(observations) != *expected {
            wrong.push(format!(
                "{pattern} should {}match",
                if *expected { "" } else { "not " }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn specification_examples_match_what_they_describe() {
    let email = observation(json!({
        "0": {"type": "email-message", "from_ref": "1", "sender_ref": "1",
              "subject": "Conference Info",
              "body_multipart": [{"body_raw_ref": "2"}, {"body": "hi"}]},
        "1": {"type": "email-addr", "value": "jdoe@example.com"},
        "2": {"type": "file", "name": "Final Report Q3.exe"}
    }));
    check(
        &[email],
        &[
            (
                r"[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']",
                true,
            ),
            (
                "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
                true,
            ),
            (
                "[email-message:body_multipart[1].body_raw_ref.name LIKE '%']",
                false,
            ),
        ],
    );
    let file = observation(json!({
        "0": {"type": "file", "name": "foo.dll", "parent_directory_ref": "1", "mime_type": "image/bmp",
              "magic_number_hex": "ffd8", "created": "2014-01-13T07:03:17Z", "size": 371712,
              "hashes": {"SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
              "extensions": {"windows-pebinary-ext": {"sections": [{"entropy": 3.5}, {"entropy": 7.2}]}}},
        "1": {"type": "directory", "path": "C:\\Windows\\System32"}
    }));
    check(
        &[file],
        &[
            (
                "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
                true,
            ),
            (
                "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
                false,
            ),
            (
                r"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']",
                true,
            ),
            (
                "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
                true,
            ),
            (
                "[file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0]",
                false,
            ),
            (
                "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
                true,
            ),
            (
                "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
                true,
            ),
        ],
    );
    let traffic = observation(json!({
        "0": {"type": "network-traffic", "dst_ref": "1"},
        "1": {"type": "ipv4-addr", "value": "203.0.113.33/32"},
        "2": {"type": "domain-name", "value": "www.5z8.info", "resolves_to_refs": ["3", "9"]},
        "3": {"type": "ipv4-addr", "value": "198.51.100.1/32"}
    }));
    check(
        &[traffic],
        &[
            (
                "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
                true,
            ),
            (
                "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
                true,
            ),
            // A key that names no SCO of the observation is left out of the list.
            (
                "[domain-name:resolves_to_refs[1].value = '198.51.100.1/32']",
                false,
            ),
        ],
    );
}

#[test]
fn and_inside_an_observation_needs_one_object() {
    // STIX 2.1 §9.5: two network-traffic objects, each with one of the addresses.
    let split = observation(json!({
        "0": {"type": "network-traffic", "src_ref": "1"},
        "1": {"type": "ipv4-addr", "value": "203.0.113.10"},
        "2": {"type": "network-traffic", "dst_ref": "3"},
        "3": {"type": "ipv4-addr", "value": "198.51.100.58"}
    }));
    check(
        &[split],
        &[
            (
                "[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58']",
                false,
            ),
            (
                "[network-traffic:src_ref.value = '203.0.113.10' OR network-traffic:dst_ref.value = '198.51.100.58']",
                true,
            ),
            (
                "[ipv4-addr:value = '203.0.113.10' AND network-traffic:src_ref.value = '203.0.113.10']",
                false,
            ),
            (
                "[ipv4-addr:value = '203.0.113.10' OR domain-name:value = 'x']",
                true,
            ),
        ],
    );
}

#[test]
fn comparison_operators_follow_the_type_rules() {
    let data = observation(json!({
        "0": {"type": "x-test", "int": 5, "float": 12.5, "whole_float": 12.0, "truth": true,
              "text": "hello", "lines": "a\nb", "trailing": "a\n", "when": "2016-04-06T20:03:48.123Z", "list": [1, "two", 3.5],
              "payload_bin": "dGhpcyBpcyBhIHRlc3Q=", "data_hex": "00ff", "accented": "e\u{301}te",
              "nested": {"deeper": {"key": "value"}}, "nothing": null}
    }));
    check(
        &[data],
        &[
            ("[x-test:int = 5]", true),
            ("[x-test:int = 5.0]", true),
            ("[x-test:int < 5.5]", true),
            ("[x-test:whole_float = 12]", true),
            ("[x-test:float = 12]", false),
            ("[x-test:int != 'five']", true),
            ("[x-test:int = 'five']", false),
            ("[x-test:int > 'five']", false),
            ("[x-test:int NOT > 'five']", true),
            ("[x-test:truth = true]", true),
            ("[x-test:truth != 1]", true),
            ("[x-test:truth IN (1, 2)]", true),
            ("[x-test:int IN (4, 5.0)]", true),
            ("[x-test:int IN ()]", false),
            ("[x-test:int NOT IN ()]", true),
            ("[x-test:text > 'hell' AND x-test:text < 'help']", true),
            ("[x-test:text = h'68656c6c6f']", true),
            ("[x-test:text IN (h'68656c6c6f')]", false),
            ("[x-test:when = t'2016-04-06T20:03:48.123Z']", true),
            ("[x-test:when > t'2016-04-06T20:03:48Z']", true),
            ("[x-test:text = t'2016-04-06T20:03:48Z']", false),
            ("[x-test:text != t'2016-04-06T20:03:48Z']", true),
            ("[x-test:list[*] = 'two']", true),
            ("[x-test:list[1] = 'two']", true),
            ("[x-test:list[5] != 'two']", false),
            ("[x-test:list[-1] != 'two']", false),
            ("[x-test:list[*] > 3]", true),
            ("[x-test:payload_bin = 'this is a test']", true),
            ("[x-test:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']", false),
            ("[x-test:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']", true),
            (
                "[x-test:payload_bin = h'7468697320697320612074657374']",
                true,
            ),
            ("[x-test:payload_bin > 'this']", true),
            ("[x-test:data_hex = h'00FF']", true),
            (r"[x-test:data_hex MATCHES '^\\x00\\xff$']", true),
            ("[x-test:payload_bin MATCHES '^this.is']", true),
            ("[x-test:payload_bin LIKE 'this%test']", true),
            ("[x-test:text LIKE 'h_l%']", true),
            ("[x-test:text LIKE 'H%']", false),
            ("[x-test:text NOT LIKE 'H%']", true),
            ("[x-test:text LIKE '%']", true),
            ("[x-test:text LIKE 'hello']", true),
            ("[x-test:text LIKE 'hel%lo']", true),
            ("[x-test:text LIKE 'hell%llo']", false),
            ("[x-test:text LIKE '%ell%']", true),
            ("[x-test:text LIKE '%ell']", false),
            ("[x-test:text LIKE '%l_o']", true),
            // % and _ match line feeds too, and the whole value must match.
            ("[x-test:lines LIKE 'a%']", true),
            ("[x-test:lines LIKE 'a_b']", true),
            ("[x-test:lines LIKE 'a']", false),
            ("[x-test:lines MATCHES 'a.b']", true),
            ("[x-test:lines MATCHES 'a$']", false),
            ("[x-test:trailing MATCHES 'a$']", true),
            ("[x-test:text MATCHES 'l+']", true),
            ("[x-test:text MATCHES '^l+']", false),
            ("[x-test:int MATCHES '5']", false),
            ("[x-test:int NOT MATCHES '5']", true),
            // LIKE and MATCHES see NFC: e + combining acute is é.
            ("[x-test:accented LIKE '\u{e9}te']", true),
            ("[x-test:accented MATCHES '^\u{e9}']", true),
            ("[x-test:accented = '\u{e9}te']", false),
            ("[x-test:nested.deeper.key = 'value']", true),
            ("[x-test:nested.deeper != 'value']", true),
            ("[x-test:nested.missing != 'value']", false),
            ("[x-test:nothing != 'value']", true),
            ("[x-test:missing != 1]", false),
            ("[x-test:missing NOT = 1]", false),
            ("[EXISTS x-test:nested.deeper]", true),
            ("[EXISTS x-test:nested.other]", false),
            ("[NOT EXISTS x-test:nested.other]", true),
            ("[NOT EXISTS x-test:int AND x-test:int = 5]", false),
            ("[EXISTS x-test:int AND x-test:int = 5]", true),
            ("[EXISTS x-other:int]", false),
            ("[NOT EXISTS x-other:int]", false),
        ],
    );
}

#[test]
fn network_operators_take_ipv4_and_ipv6() {
    let data = observation(json!({
        "0": {"type": "ipv4-addr", "value": "198.51.100.7"},
        "1": {"type": "ipv4-addr", "value": "198.51.100.0/27"},
        "2": {"type": "ipv6-addr", "value": "2001:db8::1"},
        "3": {"type": "domain-name", "value": "example.com"}
    }));
    check(
        &[data],
        &[
            ("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", true),
            ("[ipv4-addr:value ISSUBSET '198.51.100.0/28']", true),
            ("[ipv4-addr:value ISSUBSET '198.51.101.0/24']", false),
            ("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", true),
            ("[ipv4-addr:value ISSUPERSET '198.51.100.0/28']", true),
            ("[ipv4-addr:value ISSUPERSET '198.51.100.7']", true),
            ("[ipv4-addr:value ISSUPERSET '198.51.100.0/24']", false),
            ("[ipv6-addr:value ISSUBSET '2001:db8::/32']", true),
            ("[ipv6-addr:value ISSUBSET '198.51.100.0/24']", false),
            ("[domain-name:value ISSUBSET '0.0.0.0/0']", false),
            ("[domain-name:value NOT ISSUBSET '0.0.0.0/0']", true),
        ],
    );
}

fn at(second: u32, count: u64) -> Observation {
    let time = format!("2020-01-01T00:00:{second:02}Z");
    observation_at(
        json!({"0": {"type": "x-event", "n": second}}),
        &time,
        &time,
        count,
    )
}

#[test]
fn observation_operators_need_distinct_observations() {
    check(
        &[at(1, 1)],
        &[
            ("[x-event:n = 1] AND [x-event:n = 1]", false),
            ("[x-event:n = 1] OR [x-event:n = 2]", true),
            ("[x-event:n = 1] FOLLOWEDBY [x-event:n = 1]", false),
            ("[x-event:n = 1] REPEATS 1 TIMES", true),
        ],
    );
    // Seen twice: two observations of the same thing (number_observed).
    check(
        &[at(1, 2)],
        &[
            ("[x-event:n = 1] AND [x-event:n = 1]", true),
            ("[x-event:n = 1] FOLLOWEDBY [x-event:n = 1]", true),
            ("[x-event:n = 1] REPEATS 2 TIMES", true),
            ("[x-event:n = 1] REPEATS 3 TIMES", false),
            (
                "([x-event:n = 1] AND [x-event:n = 1]) REPEATS 2 TIMES",
                false,
            ),
        ],
    );
    let events = [at(1, 1), at(5, 1), at(30, 3)];
    check(
        &events,
        &[
            ("[x-event:n = 1] AND [x-event:n = 5]", true),
            ("[x-event:n = 1] FOLLOWEDBY [x-event:n = 5]", true),
            ("[x-event:n = 5] FOLLOWEDBY [x-event:n = 1]", false),
            (
                "[x-event:n = 1] FOLLOWEDBY [x-event:n = 5] FOLLOWEDBY [x-event:n = 30]",
                true,
            ),
            ("[x-event:n = 5] AND [x-event:n = 7]", false),
            ("[x-event:n > 0] REPEATS 5 TIMES", true),
            ("[x-event:n > 0] REPEATS 6 TIMES", false),
            ("[x-event:n < 10] REPEATS 2 TIMES", true),
            ("[x-event:n < 10] REPEATS 3 TIMES", false),
            (
                "[x-event:n = 1] FOLLOWEDBY [x-event:n = 30] REPEATS 3 TIMES",
                true,
            ),
            (
                "([x-event:n = 1] FOLLOWEDBY [x-event:n = 30]) REPEATS 2 TIMES",
                false,
            ),
        ],
    );
}

#[test]
fn qualifiers_have_the_specified_boundaries() {
    let events = [at(1, 1), at(5, 1), at(30, 1)];
    check(
        &events,
        &[
            (
                "([x-event:n = 1] AND [x-event:n = 5]) WITHIN 5 SECONDS",
                true,
            ),
            // A spread of exactly the window is not within it (§9.5.1: the latest
            // timestamp MUST NOT be equal to the earliest plus the window).
            (
                "([x-event:n = 1] AND [x-event:n = 5]) WITHIN 4 SECONDS",
                false,
            ),
            (
                "([x-event:n = 1] AND [x-event:n = 5]) WITHIN 4.000001 SECONDS",
                true,
            ),
            (
                "([x-event:n = 1] AND [x-event:n = 5]) WITHIN 3.9 SECONDS",
                false,
            ),
            (
                "([x-event:n = 1] AND [x-event:n = 5]) WITHIN 4.5 SECONDS",
                true,
            ),
            (
                "([x-event:n = 1] FOLLOWEDBY [x-event:n = 30]) WITHIN 10 SECONDS",
                false,
            ),
            ("[x-event:n > 0] REPEATS 2 TIMES WITHIN 5 SECONDS", true),
            ("[x-event:n > 0] REPEATS 3 TIMES WITHIN 5 SECONDS", false),
            // START is included, STOP is not.
            (
                "[x-event:n = 5] START t'2020-01-01T00:00:05Z' STOP t'2020-01-01T00:00:06Z'",
                true,
            ),
            (
                "[x-event:n = 5] START t'2020-01-01T00:00:04Z' STOP t'2020-01-01T00:00:05Z'",
                false,
            ),
            (
                "[x-event:n = 5] START t'2020-01-01T00:00:06Z' STOP t'2020-01-01T00:00:04Z'",
                false,
            ),
            (
                "([x-event:n > 0] REPEATS 2 TIMES) START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:10Z'",
                true,
            ),
            (
                "([x-event:n > 0] REPEATS 3 TIMES) START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:10Z'",
                false,
            ),
        ],
    );
    // One observation's window: an observation over [0 s, 100 s] may lie in any part.
    let long = observation_at(
        json!({"0": {"type": "x-event", "n": 1}}),
        "2020-01-01T00:00:00Z",
        "2020-01-01T00:01:40Z",
        1,
    );
    check(
        &[long],
        &[
            (
                "[x-event:n = 1] START t'2020-01-01T00:01:40Z' STOP t'2020-01-01T00:02:00Z'",
                true,
            ),
            (
                "[x-event:n = 1] START t'2019-12-31T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
                false,
            ),
            ("[x-event:n = 1] WITHIN 1 SECONDS", true),
        ],
    );
}

#[test]
fn unknown_types_and_properties_match_nothing() {
    check(
        &[observation(
            json!({"0": {"type": "indicator", "name": "x"}, "1": {"value": "x"}}),
        )],
        &[
            ("[indicator:name = 'x']", false),
            ("[x-unknown:value = 'x']", false),
            ("[indicator:name != 'y']", false),
        ],
    );
}

#[test]
fn patterns_a_linear_time_matcher_can_not_run_are_refused_by_name() {
    let refused = |pattern: &str| {
        let parsed = parse(pattern).unwrap_or_else(|error| panic!("{pattern}: {error}"));
        CompiledPattern::compile(&parsed).err()
    };
    assert!(matches!(
        refused(r"[file:name MATCHES '(a)\\1']"),
        Some(CompileError::UnsupportedRegex { offset: 3, .. })
    ));
    let message = refused("[file:name MATCHES '(?=x)y']").map(|error| error.to_string());
    assert_eq!(
        message.as_deref(),
        Some(
            "`file:name MATCHES '(?=x)y'`: the regular expression uses a lookahead assertion at character 0, which a linear-time matcher can not run; rewrite the expression without it"
        )
    );
    assert!(matches!(
        refused("[ipv4-addr:value ISSUBSET 'not a network']"),
        Some(CompileError::InvalidNetwork { .. })
    ));
    assert!(matches!(
        refused("[file:size IN (1, 'one')]"),
        Some(CompileError::MixedSet { .. })
    ));
}

#[test]
fn catastrophic_expressions_and_enormous_values_run_in_linear_time() {
    let long = "a".repeat(1_000_000);
    let data = observation(json!({"0": {"type": "x-test", "text": format!("{long}!")}}));
    let started = std::time::Instant::now();
    check(
        &[data],
        &[
            ("[x-test:text MATCHES '^(a+)+$']", false),
            ("[x-test:text MATCHES '(a|aa)*b']", false),
            ("[x-test:text LIKE '%a%a%a%a%a%b']", false),
            ("[x-test:text LIKE 'a%!']", true),
        ],
    );
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}
