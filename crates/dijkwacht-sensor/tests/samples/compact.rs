//! Log lines reach the bulk index in compact form; the matcher and the output read the
//! JSON observation built from it. Both must say the same: for every line of every
//! sample, the index must find the same indicators, equally exact, through either. The
//! indicators are written from the observations themselves — one per value at every
//! path, references followed, lists by position and by `[*]`, a few ranges, suffixes,
//! regular expressions and patterns without anchors — so every value a line carries is
//! looked up.

use std::fs::File;
use std::io::BufReader;

use dijkwacht_pattern::bulk::{Hit, IndicatorIndex, IndicatorKey, Validity};
use dijkwacht_pattern::{Observation, parse};
use dijkwacht_sensor::{EventFormat, read_events};
use serde_json::{Map, Value};

use super::sample;

const SAMPLES: &[&str] = &[
    "eve.json",
    "zeek/conn.log",
    "zeek/dns.log",
    "zeek/files.log",
    "zeek/http.log",
    "zeek/ssl.log",
];

const PLAIN_LINES: &str = r#"{"ts":"2026-03-02T09:00:00Z","src_ip":"10.0.0.5","dst_ip":"198.51.100.7","dst_port":443,"proto":"TCP","domain":"Example.COM","url":"http://example.com/a.php","sha256":"AA00000000000000000000000000000000000000000000000000000000000000","file_name":"a.exe"}
{"timestamp":1772442000.5,"client_ip":"2001:db8::1","host":"198.51.100.9","md5":"d41d8cd98f00b204e9800998ecf8427e"}
"#;

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn literal(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(quoted(text)),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Path texts and the value found there, for every scalar of `object`.
fn paths_of(
    observation: &Observation,
    prefix: String,
    value: &Value,
    through_reference: bool,
    out: &mut Vec<(String, Value)>,
) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                paths_of(
                    observation,
                    format!("{prefix}.'{key}'"),
                    inner,
                    key.ends_with("_ref") || key.ends_with("_refs"),
                    out,
                );
            }
        }
        Value::Array(list) => {
            for (position, element) in list.iter().enumerate() {
                paths_of(
                    observation,
                    format!("{prefix}[{position}]"),
                    element,
                    through_reference,
                    out,
                );
                paths_of(
                    observation,
                    format!("{prefix}[*]"),
                    element,
                    through_reference,
                    out,
                );
                let back = list.len() - position;
                paths_of(
                    observation,
                    format!("{prefix}[-{back}]"),
                    element,
                    through_reference,
                    out,
                );
            }
        }
        Value::String(reference) if through_reference => {
            out.push((prefix.clone(), value.clone()));
            if let Some(target) = observation.objects.get(reference) {
                for (key, inner) in target {
                    paths_of(observation, format!("{prefix}.{key}"), inner, false, out);
                }
            }
        }
        other => out.push((prefix, other.clone())),
    }
}

fn patterns_for(observation: &Observation, patterns: &mut Vec<String>) {
    for object in observation.objects.values() {
        let Some(object_type) = object.get("type").and_then(Value::as_str) else {
            continue;
        };
        let mut found = Vec::new();
        for (key, value) in object {
            let through = key.ends_with("_ref") || key.ends_with("_refs");
            paths_of(
                observation,
                format!("{object_type}:{key}"),
                value,
                through,
                &mut found,
            );
        }
        for (path, value) in found {
            let path = path.replacen(":'", ":", 1);
            let Some(constant) = literal(&value) else {
                continue;
            };
            patterns.push(format!("[{path} = {constant}]"));
            if let Value::String(text) = &value {
                if let Some(dot) = text.rfind('.') {
                    patterns.push(format!(
                        "[{path} LIKE {}]",
                        quoted(&format!("%{}", &text[dot..]))
                    ));
                }
                patterns.push(format!(
                    "[{path} MATCHES {}]",
                    quoted(&format!("^{}", regex_escape(text)))
                ));
                patterns.push(format!(
                    "[{path} = {} AND {object_type}:type = '{object_type}']",
                    quoted(text)
                ));
            }
        }
    }
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\x{{{:x}}}", u32::from(c))
            }
        })
        .collect()
}

const EXTRA_PATTERNS: &[&str] = &[
    "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
    "[network-traffic:src_ref.value ISSUBSET '10.10.0.0/16']",
    "[network-traffic:dst_ref.value ISSUBSET '0.0.0.0/1']",
    "[ipv6-addr:value ISSUBSET '2000::/3']",
    "[network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']",
    "[network-traffic:protocols[0] = 'udp']",
    "[network-traffic:dst_port IN (53, 80, 8080)]",
    "[domain-name:value LIKE '%.com']",
    "[domain-name:value LIKE 'www.%']",
    "[url:value LIKE '%.php%']",
    "[file:size > 1000]",
    "[file:name NOT LIKE '%.txt']",
    "[x509-certificate:hashes.'SHA-1' != 'x']",
    "[network-traffic:src_port >= 1024] WITHIN 60 SECONDS",
    "[domain-name:resolves_to_refs[*].type = 'ipv4-addr']",
];

fn read_all(mut each: impl FnMut(&dijkwacht_sensor::Event<'_>)) -> usize {
    let mut events = 0;
    for name in SAMPLES {
        let file = File::open(sample(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
        read_events(BufReader::new(file), EventFormat::Auto, |event| {
            events += 1;
            each(&event);
        })
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    }
    read_events(PLAIN_LINES.as_bytes(), EventFormat::PlainJson, |event| {
        events += 1;
        each(&event);
    })
    .unwrap_or_else(|error| panic!("plain lines: {error}"));
    events
}

fn sorted(mut hits: Vec<Hit>) -> Vec<(String, bool)> {
    hits.sort_by(|a, b| a.key.cmp(&b.key));
    hits.into_iter()
        .map(|hit| (hit.key.to_string(), hit.exact))
        .collect()
}

#[test]
fn the_index_finds_the_same_through_the_compact_and_the_json_form() {
    let mut patterns: Vec<String> = EXTRA_PATTERNS.iter().map(|p| (*p).to_owned()).collect();
    read_all(|event| patterns_for(event.observation(), &mut patterns));
    patterns.sort();
    patterns.dedup();
    let mut index = IndicatorIndex::new();
    let validity = Validity {
        valid_from: 0,
        valid_until: None,
    };
    let mut indexed = 0;
    for (number, pattern) in patterns.iter().enumerate() {
        // A few written patterns are not valid (a path the grammar refuses); the
        // rest are plenty.
        let Ok(parsed) = parse(pattern) else { continue };
        let key = IndicatorKey::from(format!("indicator--{number:08}"));
        if index.insert(key, &parsed, validity).is_ok() {
            indexed += 1;
        }
    }
    assert!(
        indexed > 2_000,
        "only {indexed} of {} patterns indexed",
        patterns.len()
    );
    let stats = index.stats();
    assert!(stats.prefix_anchors > 0 && stats.suffix_anchors > 0 && stats.regex_anchors > 0);
    assert!(stats.always_check > 0, "{stats:?}");

    let (mut compared, mut with_hits, mut exact_hits) = (0usize, 0usize, 0usize);
    let events = read_all(|event| {
        let (mut through_compact, mut through_json) = (Vec::new(), Vec::new());
        index.candidates_in(event, &mut through_compact);
        index.candidates(event.observation(), &mut through_json);
        let (compact, json) = (sorted(through_compact), sorted(through_json));
        assert_eq!(compact, json, "line {} ({:?})", event.line, event.source);
        compared += 1;
        with_hits += usize::from(json.len() > stats.always_check);
        exact_hits += json.iter().filter(|(_, exact)| *exact).count();
    });
    assert_eq!(compared, events);
    assert!(events > 400, "{events} events");
    // Every line carries values its own indicators name.
    assert_eq!(with_hits, events);
    assert!(exact_hits > events, "{exact_hits} exact hits");
}

#[test]
fn the_json_form_of_a_compact_observation_round_trips_its_window() {
    read_all(|event| {
        let observation: &Observation = event.observation();
        assert_eq!(
            event.window(),
            (observation.first_observed, observation.last_observed)
        );
        assert!(!observation.objects.is_empty());
        let keys: Vec<&String> = observation.objects.keys().collect();
        let objects: Vec<&Map<String, Value>> = observation.objects.values().collect();
        assert_eq!(keys.len(), objects.len());
    });
}
