//! The STIX made from every real MISP event and from the hand-written event with every
//! type and template passes the OASIS reference validator (`stix2-validator`, default
//! options, so `--strict` off): each error is a failure.
//!
//! The validator runs from the Python named by `DIJKWACHT_REFERENCE_PYTHON`, or from
//! `.venv-reference/bin/python` at the repository root (made with
//! `python3 -m venv .venv-reference && .venv-reference/bin/pip install -r
//! scripts/reference-requirements.txt`), through the harness of `dijkwacht-stix`'s
//! differential test. Without one the test explains and passes, except under CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use dijkwacht_fusion::misp::{MispContext, map_event};
use serde_json::{Value, json};

use super::real_data::osint_context;
use crate::{EVENT_FOLDERS, event_files, kitchen_sink_event, map, read, shared_data};

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference_python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DIJKWACHT_REFERENCE_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let venv = repository_root().join(".venv-reference/bin/python");
    venv.exists().then_some(venv)
}

/// Runs the reference validator over `(case, object)` pairs; returns the failures.
fn reference_failures(python: &Path, cases: &[(String, Value)]) -> Vec<String> {
    let folder = std::env::temp_dir().join(format!("dijkwacht-misp-oasis-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("temporary folder: {e}"));
    let input = folder.join("cases.json");
    let payload: Vec<Value> = cases
        .iter()
        .map(|(case, object)| json!({"case": case, "object": object}))
        .collect();
    std::fs::write(&input, serde_json::to_vec(&payload).unwrap_or_default())
        .unwrap_or_else(|e| panic!("temporary file: {e}"));
    let script =
        repository_root().join("crates/dijkwacht-stix/tests/reference/validate_objects.py");
    let output = Command::new(python)
        .arg(&script)
        .arg(&input)
        .output()
        .unwrap_or_else(|e| panic!("the reference Python does not run: {e}"));
    let _ = std::fs::remove_dir_all(&folder);
    assert!(
        output.status.success(),
        "stix2-validator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<Value> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the harness prints JSON: {e}"));
    assert_eq!(verdicts.len(), cases.len());
    verdicts
        .iter()
        .filter(|verdict| verdict["valid"] != true)
        .map(|verdict| format!("{}: {}", verdict["case"], verdict["errors"]))
        .collect()
}

#[test]
fn mapped_events_pass_the_oasis_validator() {
    let Some(python) = reference_python() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "the reference validator (.venv-reference or DIJKWACHT_REFERENCE_PYTHON) is missing, and CI must run this test"
        );
        eprintln!(
            "skipping: the reference validator (.venv-reference or DIJKWACHT_REFERENCE_PYTHON) is missing"
        );
        return;
    };
    let mut cases: Vec<(String, Value)> = Vec::new();
    let sink = map(&kitchen_sink_event(), &MispContext::default());
    for object in sink.mapped.objects {
        cases.push((format!("kitchen-sink:{}", object["id"]), object));
    }
    if let Some(data) = shared_data() {
        for folder in EVENT_FOLDERS {
            for path in event_files(&data.join(folder)) {
                let mapped =
                    map_event(&read(&path), &osint_context()).unwrap_or_else(|e| panic!("{e}"));
                let name = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .unwrap_or_default()
                    .to_owned();
                for object in mapped.mapped.objects {
                    cases.push((format!("{name}:{}", object["id"]), object));
                }
            }
        }
    }
    let failures = reference_failures(&python, &cases);
    eprintln!(
        "stix2-validator judged {} objects, {} invalid",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} object(s) fail stix2-validator:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
