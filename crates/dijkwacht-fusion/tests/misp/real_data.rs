//! Every real MISP event maps to valid STIX 2.1 that accounts for every attribute, the
//! same way twice; the feeds' manifests and hashes agree with the event files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use dijkwacht_fusion::misp::{
    Distribution, MappedEvent, MispContext, map_event, parse_hashes_csv, parse_manifest,
};
use dijkwacht_stix::validate_object;
use md5::{Digest, Md5};
use serde_json::Value;

use crate::{EVENT_FOLDERS, event_files, read, shared_data};

/// The context of a public OSINT feed.
pub fn osint_context() -> MispContext {
    MispContext {
        default_distribution: Distribution::AllCommunities,
        default_tlp: None,
    }
}

/// The event object inside a file, read independently of the mapping.
pub fn event_of(document: &Value) -> &Value {
    document.get("Event").unwrap_or(document)
}

/// Every attribute of an event, top-level and inside objects.
pub fn attributes_of(event: &Value) -> Vec<&Value> {
    let mut attributes: Vec<&Value> = event["Attribute"]
        .as_array()
        .map(|list| list.iter().collect())
        .unwrap_or_default();
    for object in event["Object"].as_array().into_iter().flatten() {
        attributes.extend(object["Attribute"].as_array().into_iter().flatten());
    }
    attributes
}

/// All string and number leaves of a JSON value, lower case.
fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.to_lowercase()),
        Value::Number(number) => out.push(number.to_string()),
        Value::Array(items) => items.iter().for_each(|item| leaves(item, out)),
        Value::Object(fields) => fields.values().for_each(|item| leaves(item, out)),
        _ => {}
    }
}

/// The parts of an attribute's value that its STIX must show, as they appear there.
fn expected_parts(attribute: &Value) -> Vec<String> {
    let misp_type = attribute["type"].as_str().unwrap_or_default();
    let value = attribute["value"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let parts: Vec<String> = if misp_type.contains('|') || misp_type == "malware-sample" {
        match value.rsplit_once('|') {
            Some((first, second)) if !misp_type.starts_with("regkey") => {
                vec![first.trim().to_owned(), second.trim().to_owned()]
            }
            _ => value
                .split_once('|')
                .map(|(a, b)| vec![a.trim().to_owned(), b.trim().to_owned()])
                .unwrap_or(vec![value.clone()]),
        }
    } else {
        vec![value]
    };
    parts
        .into_iter()
        .map(|part| match misp_type {
            "AS" => part.trim_start_matches("as").to_owned(),
            _ if misp_type.starts_with("x509-fingerprint") => part.replace(':', ""),
            // Registry hives are written out (HKLM is HKEY_LOCAL_MACHINE): the rest shows.
            _ if misp_type.starts_with("regkey") && part.starts_with("hk") => part
                .split_once('\\')
                .map_or(part.clone(), |(_, rest)| rest.to_owned()),
            // Hashes lose white space pasted into them (a line break in an ssdeep).
            "md5" | "sha1" | "sha256" | "sha512" | "ssdeep" => part.split_whitespace().collect(),
            _ => part,
        })
        .collect()
}

/// Whether a part shows in the leaves, as it is or escaped in a pattern.
fn shows(part: &str, leaves: &[String]) -> bool {
    let escaped = part.replace('\\', "\\\\").replace('\'', "\\'");
    leaves
        .iter()
        .any(|leaf| leaf.contains(part) || leaf.contains(&escaped))
}

/// What mapping all the real events gave.
#[derive(Debug, Default)]
struct Tally {
    events: usize,
    attributes: usize,
    objects: usize,
    problems: usize,
    by_type: BTreeMap<String, usize>,
}

/// Checks one mapped event against its source; returns the number of attributes.
fn check_event(path: &Path, document: &Value, mapped: &MappedEvent) -> usize {
    let name = path.display();
    let event = event_of(document);
    assert_eq!(
        mapped.event_uuid,
        event["uuid"].as_str().unwrap_or_default(),
        "{name}"
    );
    let ids: BTreeSet<&str> = mapped
        .mapped
        .objects
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    let report_id = format!("report--{}", mapped.event_uuid);
    let report = mapped
        .mapped
        .objects
        .iter()
        .find(|o| o["id"] == report_id.as_str())
        .unwrap_or_else(|| panic!("{name}: no report"));
    assert_eq!(report["name"], event["info"], "{name}");
    let refs: BTreeSet<&str> = report["object_refs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let others: BTreeSet<&str> = ids.iter().copied().filter(|id| *id != report_id).collect();
    assert_eq!(
        refs, others,
        "{name}: the report must refer to every other object"
    );
    let identity = format!(
        "identity--{}",
        event["Orgc"]["uuid"].as_str().unwrap_or_default()
    );
    for object in &mapped.mapped.objects {
        let id = object["id"].as_str().unwrap_or_default();
        let report = validate_object(object);
        let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{name}: {id} is invalid: {errors:?}");
        assert_eq!(object["spec_version"], "2.1", "{name}: {id}");
        for key in ["created", "modified"] {
            if let Some(time) = object.get(key) {
                assert!(
                    time.as_str().is_some_and(|t| t.ends_with('Z')),
                    "{name}: {id} {key}"
                );
            }
        }
        if object.get("created").is_some() && object["type"] != "identity" {
            assert_eq!(object["created_by_ref"], identity.as_str(), "{name}: {id}");
        }
        // No reference points outside the event's objects (markings aside).
        if let Value::Object(fields) = object {
            for (key, value) in fields {
                if key == "object_marking_refs"
                    || key == "created_by_ref"
                    || !(key.ends_with("_ref") || key.ends_with("_refs"))
                {
                    continue;
                }
                let targets: Vec<&str> = match value {
                    Value::String(target) => vec![target.as_str()],
                    Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                for target in targets {
                    assert!(
                        ids.contains(target),
                        "{name}: {id}.{key} refers to {target}, which is not mapped"
                    );
                }
            }
        }
    }
    let by_id: BTreeMap<&str, &Value> = mapped
        .mapped
        .objects
        .iter()
        .filter_map(|o| Some((o["id"].as_str()?, o)))
        .collect();
    let attributes = attributes_of(event);
    for attribute in &attributes {
        let uuid = attribute["uuid"].as_str().unwrap_or_default();
        let Some(targets) = mapped.objects_by_attribute.get(uuid) else {
            let reported = mapped
                .mapped
                .problems
                .iter()
                .any(|p| p.location.contains(uuid) || p.message.contains(uuid));
            assert!(
                reported,
                "{name}: attribute {uuid} is neither mapped nor reported"
            );
            continue;
        };
        assert!(!targets.is_empty(), "{name}: attribute {uuid} went nowhere");
        let mut found = Vec::new();
        for target in targets {
            let object = by_id
                .get(target.as_str())
                .unwrap_or_else(|| panic!("{name}: {uuid} went into {target}, which is not there"));
            leaves(object, &mut found);
        }
        for part in expected_parts(attribute) {
            assert!(
                shows(&part, &found),
                "{name}: the value '{part}' of attribute {uuid} is not in {targets:?}"
            );
        }
    }
    attributes.len()
}

#[test]
fn every_real_event_maps_to_valid_stix_that_accounts_for_every_attribute() {
    let Some(data) = shared_data() else {
        return;
    };
    let mut tally = Tally::default();
    for folder in EVENT_FOLDERS {
        for path in event_files(&data.join(folder)) {
            let bytes = read(&path);
            let document: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
            let mapped = map_event(&bytes, &osint_context())
                .unwrap_or_else(|e| panic!("{} does not map: {e}", path.display()));
            tally.attributes += check_event(&path, &document, &mapped);
            tally.events += 1;
            tally.objects += mapped.mapped.objects.len();
            tally.problems += mapped.mapped.problems.len();
            for object in &mapped.mapped.objects {
                *tally
                    .by_type
                    .entry(object["type"].as_str().unwrap_or_default().to_owned())
                    .or_default() += 1;
            }
            for problem in &mapped.mapped.problems {
                eprintln!("problem: {problem}");
            }
        }
    }
    eprintln!("MISP real data: {tally:?}");
    assert_eq!(tally.events, 13, "the data README lists 10 + 1 + 2 events");
    assert!(tally.attributes > 1000, "{tally:?}");
    assert!(
        tally
            .by_type
            .get("indicator")
            .is_some_and(|count| *count > 100),
        "{tally:?}"
    );
}

#[test]
fn mapping_an_event_twice_gives_identical_output() {
    let Some(data) = shared_data() else {
        return;
    };
    for folder in EVENT_FOLDERS {
        for path in event_files(&data.join(folder)) {
            let bytes = read(&path);
            let first = map_event(&bytes, &osint_context()).unwrap_or_else(|e| panic!("{e}"));
            let second = map_event(&bytes, &osint_context()).unwrap_or_else(|e| panic!("{e}"));
            let serialise = |mapped: &MappedEvent| {
                serde_json::to_vec(&mapped.mapped.objects).unwrap_or_default()
            };
            assert_eq!(serialise(&first), serialise(&second), "{}", path.display());
            assert_eq!(first, second, "{}", path.display());
        }
    }
}

/// MISP's `hashes.csv` for the events of a folder: the MD5 of every value (of each part
/// of a composite value) with the event's uuid.
fn hashes_csv_of(folder: &Path) -> (String, usize) {
    let mut csv = String::new();
    let mut lines = 0;
    for path in event_files(folder) {
        let document: Value =
            serde_json::from_slice(&read(&path)).unwrap_or_else(|e| panic!("{e}"));
        let event = event_of(&document);
        let uuid = event["uuid"].as_str().unwrap_or_default();
        for attribute in attributes_of(event) {
            let value = attribute["value"].as_str().unwrap_or_default();
            let parts: Vec<&str> = if attribute["type"].as_str().unwrap_or_default().contains('|') {
                value.split('|').collect()
            } else {
                vec![value]
            };
            for part in parts {
                csv.push_str(&format!("{:x},{uuid}\n", Md5::digest(part.as_bytes())));
                lines += 1;
            }
        }
    }
    (csv, lines)
}

#[test]
fn feed_manifests_and_hashes_agree_with_the_event_files() {
    let Some(data) = shared_data() else {
        return;
    };
    for folder in [
        "misp/feed-circl-osint-sample",
        "misp/feed-misp-test-fixture",
    ] {
        let folder = data.join(folder);
        let entries = parse_manifest(&read(&folder.join("manifest.json")))
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        let files: BTreeSet<String> = event_files(&folder)
            .iter()
            .filter_map(|path| {
                path.file_stem()
                    .and_then(|stem| stem.to_str())
                    .map(str::to_owned)
            })
            .collect();
        let listed: BTreeSet<String> = entries
            .iter()
            .map(|entry| entry.event_uuid.clone())
            .collect();
        assert_eq!(
            listed,
            files,
            "{}: the manifest must list exactly the event files",
            folder.display()
        );
        for entry in &entries {
            let document: Value =
                serde_json::from_slice(&read(&folder.join(format!("{}.json", entry.event_uuid))))
                    .unwrap_or_else(|e| panic!("{e}"));
            let event = event_of(&document);
            assert_eq!(entry.info, event["info"].as_str().unwrap_or_default());
            assert_eq!(
                Some(entry.timestamp.to_string().as_str()),
                event["timestamp"].as_str(),
                "{}",
                entry.event_uuid
            );
            assert_eq!(entry.orgc_uuid.as_deref(), event["Orgc"]["uuid"].as_str());
            assert!(
                !entry.tags.is_empty(),
                "{}: every sample event is tagged",
                entry.event_uuid
            );
        }
        // The feeds hold no hashes.csv (the data README says so); one is made the way
        // MISP makes it, and a real one is read too if it ever appears.
        let (csv, lines) = hashes_csv_of(&folder);
        let real = folder.join("hashes.csv");
        for text in [Some(csv.into_bytes()), real.exists().then(|| read(&real))]
            .into_iter()
            .flatten()
        {
            let (pairs, problems) = parse_hashes_csv(&text);
            assert!(problems.is_empty(), "{problems:?}");
            assert!(
                pairs.iter().all(|(_, uuid)| files.contains(uuid)),
                "{}: hashes.csv names an event that is not there",
                folder.display()
            );
            let in_hashes: BTreeSet<&String> = pairs.iter().map(|(_, uuid)| uuid).collect();
            assert_eq!(in_hashes.len(), files.len(), "every event has values");
        }
        assert!(lines > 0);
    }
}
