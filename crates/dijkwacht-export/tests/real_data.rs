//! The exporters over the real STIX corpora of `../shared/data/stix21` (the OASIS
//! documentation and schema examples and MITRE ATT&CK), with every fourth indicator,
//! report and observable made TLP:RED, checking what must hold for any input: every
//! blocklist line parses as its kind, the MISP feed's manifest, event files and
//! `hashes.csv` agree, and no RED object shows in any format. The MISP feed's shape is
//! also compared with the real MISP feeds of `../shared/data/misp`: every key we write
//! is one MISP writes, with the same JSON type.
//!
//! Without the shared data folder the tests explain and pass, except under CI.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use dijkwacht_export::blocklist::{BlocklistKind, build_blocklists, domain_line, url_line};
use dijkwacht_export::bundle::write_bundle;
use dijkwacht_export::csv_table::CsvWriter;
use dijkwacht_export::misp::{
    MispFeedOptions, build_misp_feed, md5_hex, value_parts, write_misp_feed,
};
use dijkwacht_export::{IndicatorFilter, SkipReason};
use dijkwacht_stix::input::{InputLimits, read_objects};
use dijkwacht_stix::tlp::{TlpLevel, strictest_level};
use dijkwacht_store::StoredObject;
use serde_json::Value;

fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/data is missing under CI"
    );
    eprintln!("skipping: ../shared/data is missing");
    None
}

fn json_files(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, files);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            files.push(path);
        }
    }
}

/// The corpus as stored objects (the last of each id), and the ids made RED.
fn corpus(data: &Path) -> (Vec<StoredObject>, BTreeSet<String>) {
    let mut files = Vec::new();
    for folder in [
        "stix21/cti-documentation",
        "stix21/cti-stix2-json-schemas/examples",
        "stix21/cti-stix2-json-schemas/interop",
        "stix21/mitre-attack",
    ] {
        json_files(&data.join(folder), &mut files);
    }
    files.sort();
    let mut latest: BTreeMap<String, Value> = BTreeMap::new();
    for file in files {
        let bytes = std::fs::read(&file).expect("corpus files are readable");
        let mut sink = |_: usize, object: Value| -> Result<(), String> {
            if let Some(id) = object.get("id").and_then(Value::as_str) {
                latest.insert(id.to_owned(), object);
            }
            Ok(())
        };
        // Files that are not STIX containers (collection indexes) are not objects.
        let _ = read_objects(&bytes, InputLimits::default(), &mut sink);
    }
    let mut red = BTreeSet::new();
    let mut counter = 0usize;
    let mut objects = Vec::new();
    for (index, (id, object)) in latest.into_iter().enumerate() {
        let text = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or_default();
        let object_type = text("type").to_owned();
        let markings = object
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .map(|refs| refs.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut tlp = strictest_level(markings).or(Some(TlpLevel::Green));
        if matches!(
            object_type.as_str(),
            "indicator" | "report" | "ipv4-addr" | "domain-name"
        ) {
            counter += 1;
            if counter.is_multiple_of(4) {
                tlp = Some(TlpLevel::Red);
            }
        }
        if tlp == Some(TlpLevel::Red) {
            red.insert(id.clone());
        }
        objects.push(StoredObject {
            version: text("modified").to_owned(),
            spec_version: "2.1".to_owned(),
            date_added: i64::try_from(index).unwrap_or(i64::MAX),
            json: object.to_string(),
            tlp,
            owner: None,
            id,
            object_type,
        });
    }
    (objects, red)
}

#[test]
fn bundle_and_csv_leave_out_every_red_object() {
    let Some(data) = shared_data() else { return };
    let (objects, red) = corpus(&data);
    assert!(red.len() >= 5, "the corpus has RED objects to refuse");
    let (bytes, report) = write_bundle(&objects, Vec::new()).expect("writing to memory");
    let bundle: Value = serde_json::from_slice(&bytes).expect("the bundle is JSON");
    let exported = bundle["objects"].as_array().cloned().unwrap_or_default();
    assert_eq!(exported.len(), objects.len() - red.len());
    assert!(
        exported
            .iter()
            .all(|object| !red.contains(object["id"].as_str().unwrap_or_default()))
    );
    assert_eq!(report.skipped_for(SkipReason::TlpRed), red.len());

    let mut writer = CsvWriter::new(Vec::new(), IndicatorFilter::default()).expect("memory");
    writer.write_page(&objects).expect("writing to memory");
    let (table, report, rows) = writer.finish().expect("writing to memory");
    assert!(rows > 10, "the corpus has indicator values: {rows}");
    let mut reader = csv::Reader::from_reader(table.as_slice());
    for record in reader.records() {
        let record = record.expect("every row is CSV");
        assert_eq!(record.len(), 13);
        assert!(
            !red.contains(&record[0]),
            "a RED object in the CSV: {}",
            &record[0]
        );
        assert!(!record[3].is_empty());
    }
    assert_eq!(
        report.objects_seen,
        report.objects_written + report.skipped_total()
    );
}

#[test]
fn every_blocklist_line_parses_and_none_is_red() {
    let Some(data) = shared_data() else { return };
    let (objects, red) = corpus(&data);
    let (lists, report) = build_blocklists(&objects, IndicatorFilter::default());
    let total: usize = report.values.values().sum();
    assert!(
        total > 0,
        "the corpus has IP addresses, domains or URLs: {report:?}"
    );
    for line in lists.lines(BlocklistKind::Ip) {
        assert!(line.parse::<IpAddr>().is_ok(), "{line}");
    }
    for line in lists.lines(BlocklistKind::Cidr) {
        assert!(line.parse::<ipnet::IpNet>().is_ok(), "{line}");
    }
    for line in lists.lines(BlocklistKind::Domain) {
        assert_eq!(domain_line(&line).as_deref(), Some(line.as_str()));
    }
    for line in lists.lines(BlocklistKind::Url) {
        assert_eq!(url_line(&line), Some(line.as_str()));
    }
    assert!(report.export.skipped_for(SkipReason::TlpRed) >= 1);
    let only_red: Vec<StoredObject> = objects
        .iter()
        .filter(|object| red.contains(&object.id))
        .cloned()
        .collect();
    let (red_lists, _) = build_blocklists(&only_red, IndicatorFilter::default());
    assert!(
        BlocklistKind::ALL
            .iter()
            .all(|kind| red_lists.len(*kind) == 0),
        "RED indicators gave blocklist lines"
    );
}

#[test]
fn misp_feed_files_agree_and_hold_no_red_object() {
    let Some(data) = shared_data() else { return };
    let (objects, red) = corpus(&data);
    let (feed, report) = build_misp_feed(&objects, &MispFeedOptions::new("corpus"));
    assert!(report.events >= 2, "the corpus has reports: {report:?}");
    assert!(report.attributes > 10, "{report:?}");
    let folder = tempfile::tempdir().expect("a temporary folder");
    write_misp_feed(&feed, folder.path()).expect("the feed is written");

    let manifest: BTreeMap<String, Value> = serde_json::from_slice(
        &std::fs::read(folder.path().join("manifest.json")).expect("manifest.json"),
    )
    .expect("the manifest is a JSON object");
    let mut event_files = BTreeSet::new();
    for entry in std::fs::read_dir(folder.path())
        .expect("the feed folder")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(uuid) = name
            .strip_suffix(".json")
            .filter(|_| name != "manifest.json")
        {
            event_files.insert(uuid.to_owned());
        }
    }
    assert_eq!(
        manifest.keys().cloned().collect::<BTreeSet<_>>(),
        event_files
    );

    let hashes = std::fs::read_to_string(folder.path().join("hashes.csv")).expect("hashes.csv");
    let mut hash_lines = BTreeSet::new();
    for line in hashes.lines() {
        let (md5, uuid) = line.split_once(',').expect("<md5>,<uuid>");
        assert_eq!(md5.len(), 32, "{line}");
        assert!(
            event_files.contains(uuid),
            "hashes.csv names a missing event: {line}"
        );
        hash_lines.insert((md5.to_owned(), uuid.to_owned()));
    }
    for uuid in &event_files {
        let file: Value = serde_json::from_slice(
            &std::fs::read(folder.path().join(format!("{uuid}.json"))).expect("the event file"),
        )
        .expect("the event is JSON");
        let event = &file["Event"];
        assert_eq!(event["uuid"], uuid.as_str());
        assert_eq!(manifest[uuid]["info"], event["info"]);
        for attribute in event["Attribute"].as_array().cloned().unwrap_or_default() {
            let (kind, value) = (
                attribute["type"].as_str().unwrap_or_default(),
                attribute["value"].as_str().unwrap_or_default(),
            );
            for part in value_parts(kind, value) {
                assert!(
                    hash_lines.contains(&(md5_hex(part), uuid.clone())),
                    "{value} of {uuid} is not in hashes.csv"
                );
            }
            let comment = attribute["comment"].as_str().unwrap_or_default();
            assert!(
                !red.iter().any(|id| comment.contains(id.as_str())),
                "an attribute from a RED object: {comment}"
            );
        }
        let tags = event["Tag"].to_string();
        assert!(!tags.contains("tlp:red"), "{tags}");
    }
    assert_eq!(
        report.export.objects_seen,
        report.export.objects_written + report.export.skipped_total()
    );
}

/// The JSON type of a value, as the shape comparison needs it.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The keys (with their JSON types) of real MISP documents, per level: `manifest`,
/// `Event`, `Attribute`, `Tag`, `Orgc`.
fn real_shapes(misp: &Path) -> BTreeMap<&'static str, BTreeSet<(String, &'static str)>> {
    let mut shapes: BTreeMap<&'static str, BTreeSet<(String, &'static str)>> = BTreeMap::new();
    let mut record = |level: &'static str, object: &Value| {
        for (key, value) in object.as_object().into_iter().flatten() {
            shapes
                .entry(level)
                .or_default()
                .insert((key.clone(), json_type(value)));
        }
    };
    let mut files = Vec::new();
    for folder in [
        "feed-circl-osint-sample",
        "feed-misp-test-fixture",
        "events-api-format",
    ] {
        json_files(&misp.join(folder), &mut files);
    }
    for file in files {
        let document: Value =
            serde_json::from_slice(&std::fs::read(&file).expect("readable")).expect("MISP JSON");
        if file.ends_with("manifest.json") {
            for entry in document
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, entry)| entry)
            {
                record("manifest", entry);
                for tag in entry["Tag"].as_array().into_iter().flatten() {
                    record("Tag", tag);
                }
                record("Orgc", &entry["Orgc"]);
            }
            continue;
        }
        let event = &document["Event"];
        record("Event", event);
        record("Orgc", &event["Orgc"]);
        for tag in event["Tag"].as_array().into_iter().flatten() {
            record("Tag", tag);
        }
        for attribute in event["Attribute"].as_array().into_iter().flatten() {
            record("Attribute", attribute);
            for tag in attribute["Tag"].as_array().into_iter().flatten() {
                record("Tag", tag);
            }
        }
    }
    shapes
}

#[test]
fn misp_feed_shape_is_a_subset_of_real_feeds() {
    let Some(data) = shared_data() else { return };
    let real = real_shapes(&data.join("misp"));
    let (objects, _) = corpus(&data);
    let (feed, _) = build_misp_feed(&objects, &MispFeedOptions::new("corpus"));
    let check = |level: &str, object: &Value| {
        let known = &real[level];
        for (key, value) in object.as_object().into_iter().flatten() {
            assert!(
                known.contains(&(key.clone(), json_type(value))),
                "{level}.{key} as {} is not what real MISP feeds write",
                json_type(value)
            );
        }
    };
    let mut checked_attributes = 0;
    for (uuid, entry) in &feed.manifest {
        let entry = serde_json::to_value(entry).expect("serialisable");
        check("manifest", &entry);
        check("Orgc", &entry["Orgc"]);
        let event = serde_json::to_value(&feed.events[uuid]).expect("serialisable");
        check("Event", &event);
        check("Orgc", &event["Orgc"]);
        for tag in event["Tag"].as_array().into_iter().flatten() {
            check("Tag", tag);
        }
        for attribute in event["Attribute"].as_array().into_iter().flatten() {
            check("Attribute", attribute);
            checked_attributes += 1;
            for tag in attribute["Tag"].as_array().into_iter().flatten() {
                check("Tag", tag);
            }
        }
    }
    assert!(checked_attributes > 0);
    // The keys a feed consumer needs are there.
    for (uuid, entry) in &feed.manifest {
        let entry = serde_json::to_value(entry).expect("serialisable");
        for key in [
            "info",
            "Orgc",
            "timestamp",
            "date",
            "analysis",
            "threat_level_id",
        ] {
            assert!(entry.get(key).is_some(), "{uuid} lacks {key}");
        }
    }
}
