//! Killed mid-import: `source run` on a large MISP feed is killed with SIGKILL while it
//! stores, then run again. Every event the source had acknowledged (checkpointed in its
//! state file) must be in the store after the kill, and the second run must complete
//! the feed from there, ending with exactly what an uninterrupted run stores.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{dijkwacht, fresh_store, run_ok, total_objects, write};

const EVENTS: usize = 300;
const ATTRIBUTES: usize = 40;

fn uuid(kind: u32, number: usize) -> String {
    format!("{number:08x}-{kind:04x}-4000-8000-{number:012x}")
}

/// A MISP feed of generated events, each with public addresses to block.
fn write_feed(folder: &Path) {
    let mut manifest = serde_json::Map::new();
    for event in 0..EVENTS {
        let event_uuid = uuid(1, event);
        let timestamp = 1_767_225_600 + event as i64;
        let attributes: Vec<Value> = (0..ATTRIBUTES)
            .map(|attribute| {
                let number = event * ATTRIBUTES + attribute;
                json!({
                    "uuid": uuid(2, number), "type": "ip-dst", "category": "Network activity",
                    "to_ids": true, "timestamp": timestamp.to_string(),
                    "value": format!("11.{}.{}.{}", number / 65_536 % 256, number / 256 % 256, number % 256 + 1 ),
                })
            })
            .collect();
        let orgc =
            json!({"name": "Feed publisher", "uuid": "5f7b4e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"});
        let document = json!({"Event": {
            "uuid": event_uuid, "info": format!("Campaign {event}"), "date": "2026-01-01",
            "timestamp": timestamp.to_string(), "published": true, "analysis": "2",
            "threat_level_id": "2", "Orgc": orgc, "Attribute": attributes,
            "Tag": [{"name": "tlp:green"}],
        }});
        write(folder, &format!("{event_uuid}.json"), document.to_string());
        manifest.insert(
            event_uuid,
            json!({"info": format!("Campaign {event}"), "Orgc": orgc, "date": "2026-01-01",
                   "timestamp": timestamp, "analysis": 2, "threat_level_id": 2}),
        );
    }
    write(folder, "manifest.json", Value::Object(manifest).to_string());
}

/// The events a state file says are stored.
fn acknowledged(data: &Path) -> BTreeMap<String, i64> {
    std::fs::read(data.join("sources/big.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|state| serde_json::from_value(state["cursor"].clone()).ok())
        .unwrap_or_default()
}

fn stored_reports(data: &Path) -> Vec<String> {
    let bundle: Value =
        serde_json::from_str(&run_ok(data, &["export", "--type", "report"])).expect("a bundle");
    bundle["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .filter_map(|object| object["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
#[test]
fn a_run_killed_mid_import_loses_nothing_it_acknowledged_and_resumes() {
    let feed = tempfile::tempdir().expect("temporary folder");
    write_feed(feed.path());
    let path = feed.path().display().to_string();

    let whole = fresh_store();
    run_ok(
        whole.path(),
        &[
            "source",
            "add",
            "big",
            "--kind",
            "misp-feed",
            "--path",
            &path,
        ],
    );
    run_ok(whole.path(), &["source", "run"]);
    let everything = total_objects(whole.path());

    let store = fresh_store();
    let data = store.path();
    run_ok(
        data,
        &[
            "source",
            "add",
            "big",
            "--kind",
            "misp-feed",
            "--path",
            &path,
        ],
    );
    let mut child = dijkwacht(data)
        .args(["source", "run", "big"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary runs");
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged(data).len() < 10 {
        assert!(Instant::now() < deadline, "the import did not progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL: no chance to clean up.
    child.kill().expect("killed");
    let _ = child.wait();
    let acknowledged_events = acknowledged(data);
    assert!(
        acknowledged_events.len() < EVENTS,
        "the run ended before it was killed; make the feed larger"
    );
    let reports = stored_reports(data);
    for event in acknowledged_events.keys() {
        assert!(
            reports.contains(&format!("report--{event}")),
            "event {event} was acknowledged but is not stored"
        );
    }

    let resumed = run_ok(data, &["source", "run", "big"]);
    assert!(resumed.contains("new "), "{resumed}");
    assert_eq!(acknowledged(data).len(), EVENTS);
    assert_eq!(total_objects(data), everything);
    assert_eq!(stored_reports(data).len(), EVENTS);
}
