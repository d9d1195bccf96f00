//! The readers against the sample logs in `samples/` (written by `samples/generate.py`,
//! which also computed `expected-hits.json` with an evaluator of its own): the events
//! and problems each log gives, the observations of chosen lines, and that the bulk
//! index over `samples/indicators.json` reports every expected hit — the exact ones
//! exactly — when fed every event.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use dijkwacht_pattern::bulk::{IndicatorIndex, IndicatorKey, Validity};
use dijkwacht_pattern::{Observation, parse};
use dijkwacht_sensor::{
    EveEventType, EventFormat, EventSource, LineProblem, ProblemKind, ReadReport, ZeekLog,
    read_events, read_events_with_limit,
};

#[path = "samples/compact.rs"]
mod compact;

/// An event kept beyond its line: where it came from and its observation.
struct Event {
    line: u64,
    source: EventSource,
    observation: Observation,
}

impl Event {
    fn observation(&self) -> &Observation {
        &self.observation
    }
}

fn keep(event: dijkwacht_sensor::Event<'_>) -> Event {
    Event {
        line: event.line,
        source: event.source,
        observation: event.into_observation(),
    }
}
use serde_json::{Value, json};

pub(crate) fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn read_sample(name: &str, format: EventFormat) -> (Vec<Event>, ReadReport) {
    let file = File::open(sample(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
    let mut events = Vec::new();
    let report = read_events(BufReader::new(file), format, |event| {
        events.push(keep(event))
    })
    .unwrap_or_else(|error| panic!("{name}: {error}"));
    (events, report)
}

fn read_text(text: &str, format: EventFormat) -> (Vec<Event>, ReadReport) {
    let mut events = Vec::new();
    let report = read_events(text.as_bytes(), format, |event| events.push(keep(event)))
        .unwrap_or_else(|error| panic!("{error}"));
    (events, report)
}

/// An observation's objects as one JSON value, for comparison with an expectation.
fn objects(observation: &Observation) -> Value {
    serde_json::to_value(&observation.objects).unwrap_or(Value::Null)
}

const ZEEK_LOGS: &[(&str, ZeekLog, u64)] = &[
    ("zeek/conn.log", ZeekLog::Conn, 40),
    ("zeek/dns.log", ZeekLog::Dns, 40),
    ("zeek/http.log", ZeekLog::Http, 20),
    ("zeek/ssl.log", ZeekLog::Ssl, 20),
    ("zeek/files.log", ZeekLog::Files, 10),
];

#[test]
fn eve_gives_one_event_per_mapped_line_and_locates_the_rest() {
    for format in [EventFormat::SuricataEve, EventFormat::Auto] {
        let (events, report) = read_sample("eve.json", format);
        assert_eq!((report.lines, report.events, events.len()), (305, 302, 302));
        assert_eq!(
            report.problems,
            [
                LineProblem {
                    line: 42,
                    kind: ProblemKind::UnknownEventType("stats".to_owned())
                },
                LineProblem {
                    line: 123,
                    kind: ProblemKind::Malformed(
                        "EOF while parsing a string at line 1 column 84".to_owned()
                    )
                },
                LineProblem {
                    line: 205,
                    kind: ProblemKind::UnknownEventType("anomaly".to_owned())
                },
            ]
        );
        let mut by_type = BTreeMap::new();
        for event in &events {
            let EventSource::Suricata(event_type) = event.source else {
                panic!("line {}: {:?}", event.line, event.source);
            };
            *by_type.entry(format!("{event_type:?}")).or_insert(0) += 1;
        }
        assert_eq!(by_type.len(), 6, "{by_type:?}");
    }
}

#[test]
fn eve_lines_become_these_observations() {
    let (events, _) = read_sample("eve.json", EventFormat::SuricataEve);
    let first = &events[0];
    assert_eq!(
        (first.line, first.source),
        (1, EventSource::Suricata(EveEventType::Http))
    );
    assert_eq!(first.observation().first_observed, 1_772_442_002_209_000);
    assert_eq!(
        objects(first.observation()),
        json!({
            "0": {"type": "ipv4-addr", "value": "10.10.2.247"},
            "1": {"type": "ipv4-addr", "value": "20.190.159.2"},
            "2": {"type": "network-traffic", "src_ref": "0", "dst_ref": "1",
                  "src_port": 59479, "dst_port": 80, "protocols": ["tcp", "http"]},
            "3": {"type": "domain-name", "value": "github.com"},
            "4": {"type": "url", "value": "http://github.com/"}
        })
    );
    let tls = events
        .iter()
        .find(|event| event.source == EventSource::Suricata(EveEventType::Tls))
        .unwrap_or_else(|| panic!("a TLS event"));
    let certificate = &tls.observation().objects["4"];
    assert_eq!(certificate["type"], "x509-certificate");
    assert_eq!(
        certificate["hashes"]["SHA-1"].as_str().map(str::len),
        Some(40)
    );
    let answer = events
        .iter()
        .find(|event| {
            event.source == EventSource::Suricata(EveEventType::Dns)
                && event.observation().objects.len() == 5
        })
        .unwrap_or_else(|| panic!("a DNS answer"));
    let domain = &answer.observation().objects["3"];
    assert_eq!(domain["type"], "domain-name");
    assert_eq!(domain["resolves_to_refs"], json!(["4"]));
    let file = events
        .iter()
        .find(|event| event.source == EventSource::Suricata(EveEventType::Fileinfo))
        .and_then(|event| {
            event
                .observation()
                .objects
                .values()
                .find(|o| o["type"] == "file")
        })
        .unwrap_or_else(|| panic!("a file"));
    assert_eq!(file["hashes"].as_object().map(|h| h.len()), Some(3));
    let url = events
        .iter()
        .find(|event| event.source == EventSource::Suricata(EveEventType::Http))
        .and_then(|event| {
            event
                .observation()
                .objects
                .values()
                .find(|o| o["type"] == "url")
        })
        .unwrap_or_else(|| panic!("a url"));
    assert!(
        url["value"]
            .as_str()
            .is_some_and(|value| value.starts_with("http://"))
    );
}

#[test]
fn zeek_logs_are_known_by_their_fields() {
    for &(name, log, count) in ZEEK_LOGS {
        for format in [EventFormat::Zeek, EventFormat::Auto] {
            let (events, report) = read_sample(name, format);
            assert_eq!(
                (report.events, report.problem_count()),
                (count, 0),
                "{name}"
            );
            assert!(
                events
                    .iter()
                    .all(|event| event.source == EventSource::Zeek(log))
            );
        }
    }
    let (events, _) = read_sample("zeek/dns.log", EventFormat::Zeek);
    let first = events[0].observation();
    let domain = first
        .objects
        .values()
        .find(|object| object["type"] == "domain-name")
        .unwrap_or_else(|| panic!("a domain"));
    assert_eq!(domain["resolves_to_refs"].as_array().map(Vec::len), Some(1));
    let (events, _) = read_sample("zeek/conn.log", EventFormat::Zeek);
    let conn = events[0].observation();
    assert!(conn.last_observed >= conn.first_observed);
    assert_eq!(conn.objects["2"]["protocols"], json!(["tcp", "ssl"]));
}

#[test]
fn the_index_reports_every_expected_hit_and_exact_ones_exactly() {
    let bundle: Value = serde_json::from_reader(BufReader::new(
        File::open(sample("indicators.json")).unwrap_or_else(|error| panic!("{error}")),
    ))
    .unwrap_or_else(|error| panic!("{error}"));
    let expected: BTreeMap<String, u64> = serde_json::from_reader(BufReader::new(
        File::open(sample("expected-hits.json")).unwrap_or_else(|error| panic!("{error}")),
    ))
    .unwrap_or_else(|error| panic!("{error}"));
    let mut index = IndicatorIndex::new();
    let mut single_comparison = BTreeMap::new();
    for indicator in bundle["objects"].as_array().into_iter().flatten() {
        let (Some(id), Some(pattern)) = (indicator["id"].as_str(), indicator["pattern"].as_str())
        else {
            continue;
        };
        let parsed = parse(pattern).unwrap_or_else(|error| panic!("{pattern}: {error}"));
        let validity = Validity {
            valid_from: 0,
            valid_until: None,
        };
        index
            .insert(IndicatorKey::from(id), &parsed, validity)
            .unwrap_or_else(|error| panic!("{error}"));
        single_comparison.insert(
            id.to_owned(),
            !pattern.contains(" OR ") && !pattern.contains(" AND "),
        );
    }
    let mut exact = BTreeMap::<String, u64>::new();
    let mut reported = BTreeMap::<String, u64>::new();
    let mut hits = Vec::new();
    let mut names = vec!["eve.json"];
    names.extend(ZEEK_LOGS.iter().map(|(name, _, _)| *name));
    for name in names {
        let (events, _) = read_sample(name, EventFormat::Auto);
        for event in events {
            hits.clear();
            index.candidates(event.observation(), &mut hits);
            for hit in &hits {
                *reported.entry(hit.key.to_string()).or_default() += 1;
                if hit.exact {
                    *exact.entry(hit.key.to_string()).or_default() += 1;
                }
            }
        }
    }
    for (id, &count) in &expected {
        let reported_count = reported.get(id).copied().unwrap_or(0);
        assert!(
            reported_count >= count,
            "{id}: {reported_count} reported, {count} expected"
        );
        if single_comparison[id] {
            assert_eq!(
                exact.get(id).copied().unwrap_or(0),
                count,
                "{id} exact hits"
            );
            assert_eq!(
                reported_count, count,
                "{id}: candidates beyond the exact hits"
            );
        }
    }
    assert_eq!(expected.len(), 18);
}

#[test]
fn stix_bundles_and_lines_give_observations() {
    let observed = json!({
        "type": "observed-data", "spec_version": "2.1",
        "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
        "created": "2026-03-02T09:00:00Z", "modified": "2026-03-02T09:00:00Z",
        "first_observed": "2026-03-02T09:00:00Z", "last_observed": "2026-03-02T09:05:00Z",
        "number_observed": 3,
        "object_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]
    });
    let address = json!({"type": "ipv4-addr", "spec_version": "2.1",
        "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "203.0.113.66"});
    let bundle = json!({"type": "bundle", "id": "bundle--0d4c6b64-5f4a-4a57-8a58-7a2f4c2d3b11",
        "objects": [observed, address]});
    let pretty = serde_json::to_string_pretty(&bundle).unwrap_or_default();
    for (text, format) in [
        (pretty.as_str(), EventFormat::Stix),
        (pretty.as_str(), EventFormat::Auto),
        (&format!("{address}\n{observed}\n"), EventFormat::Auto),
        (&format!("{bundle}\n"), EventFormat::Stix),
    ] {
        let (events, report) = read_text(text, format);
        assert_eq!((events.len(), report.problem_count()), (1, 0), "{text}");
        let observation = events[0].observation();
        assert_eq!(observation.number_observed, 3);
        assert_eq!(
            observation.objects["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]["value"],
            "203.0.113.66"
        );
    }
    let (_, report) = read_text(&format!("{observed}\n"), EventFormat::Stix);
    assert_eq!(report.invalid_stix, 1);
}

#[test]
fn plain_json_lines_use_common_field_names() {
    let text = r#"{"timestamp":"2026-03-02T09:00:00Z","src_ip":"10.0.0.5","dst_ip":"203.0.113.66","dst_port":"8080","domain":"c2.badcorp.example","url":"http://c2.badcorp.example/x","sha256":"ab"}
{"ts":1772442000.5,"host":"198.51.100.7"}
{"message":"nothing here"}
[1, 2]
"#;
    let (events, report) = read_text(text, EventFormat::PlainJson);
    assert_eq!(events.len(), 2);
    assert_eq!(
        objects(events[0].observation()),
        json!({
            "0": {"type": "ipv4-addr", "value": "10.0.0.5"},
            "1": {"type": "ipv4-addr", "value": "203.0.113.66"},
            "2": {"type": "network-traffic", "src_ref": "0", "dst_ref": "1", "dst_port": 8080},
            "3": {"type": "domain-name", "value": "c2.badcorp.example"},
            "4": {"type": "url", "value": "http://c2.badcorp.example/x"},
            "5": {"type": "file", "hashes": {"SHA-256": "ab"}}
        })
    );
    assert_eq!(events[1].observation().objects["0"]["type"], "ipv4-addr");
    assert_eq!(
        events[1].observation().first_observed,
        1_772_442_000_500_000
    );
    assert_eq!((report.nothing_observed, report.malformed), (1, 1));
    assert_eq!(report.problems[0].line, 3);
}

#[test]
fn lines_over_the_limit_are_skipped_and_reported() {
    let long = format!(r#"{{"event_type":"dns","x":"{}"}}"#, "a".repeat(5000));
    let text = format!("{long}\nnot json\n\n");
    let mut events = 0;
    let report = read_events_with_limit(text.as_bytes(), EventFormat::Auto, 1024, |_| events += 1)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(events, 0);
    assert_eq!(report.lines, 3);
    assert_eq!(
        report.problems[0],
        LineProblem {
            line: 1,
            kind: ProblemKind::TooLong {
                bytes: long.len() as u64
            }
        }
    );
    assert_eq!((report.too_long, report.malformed), (1, 1));
}
