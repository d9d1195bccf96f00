//! Differential test against the OASIS reference validator (`stix2-validator`).
//!
//! Both validators judge every object of the STIX corpora in `../shared/data` and a set
//! of objects broken on purpose, one rule at a time. Where their MUST-level verdicts
//! differ, the case must be listed in `reference/known-differences.txt` with the reason;
//! an unlisted difference fails the test, and so does a listed one that no longer occurs.
//!
//! The reference validator runs from the Python named by `DIJKWACHT_REFERENCE_PYTHON`,
//! or from `.venv-reference/bin/python` at the repository root (the test script makes
//! it). Without one the test explains and passes, except under CI, where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use dijkwacht_stix::input::{InputLimits, read_objects};
use dijkwacht_stix::validate_object;
use serde_json::{Value, json};

struct Case {
    name: String,
    object: Value,
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared_data() -> Option<PathBuf> {
    let path = repository_root().join("../shared/data");
    path.exists().then_some(path)
}

fn reference_python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DIJKWACHT_REFERENCE_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let venv = repository_root().join(".venv-reference/bin/python");
    venv.exists().then_some(venv)
}

fn missing(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is missing, and CI must run this test; run the README's test command"
    );
    eprintln!("skipping the comparison with stix2-validator: {what} is missing");
}

fn corpus_files(data: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in [
        "stix21/cti-documentation",
        "stix21/cti-stix2-json-schemas/examples",
        "stix21/mitre-attack",
        "tlp",
    ] {
        collect(&data.join(folder), &mut files);
    }
    files.retain(|path| {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        name.ends_with(".json")
            && !name.ends_with(".schema.json")
            && name != "collection-index.json"
    });
    files.sort();
    files
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn corpus_cases(data: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for file in corpus_files(data) {
        let bytes = std::fs::read(&file).expect("corpus file is readable");
        let relative = file
            .strip_prefix(data)
            .unwrap_or(&file)
            .display()
            .to_string();
        let mut sink = |index: usize, object: Value| -> Result<(), String> {
            let id = object
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            cases.push(Case {
                name: format!("corpus:{relative}:{index}:{id}"),
                object,
            });
            Ok(())
        };
        // Files that are not well-formed STIX containers are covered by the input tests.
        let _ = read_objects(&bytes, InputLimits::default(), &mut sink);
    }
    cases
}

/// Valid objects of many types, each to be broken one rule at a time.
fn base_objects() -> Vec<(&'static str, Value)> {
    let common = |object_type: &str, uuid: &str| {
        json!({
            "type": object_type, "spec_version": "2.1", "id": format!("{object_type}--{uuid}"),
            "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-06T10:00:00.000Z"
        })
    };
    let extend = |mut base: Value, extra: Value| {
        if let (Some(target), Some(source)) = (base.as_object_mut(), extra.as_object()) {
            target.extend(source.clone());
        }
        base
    };
    vec![
        (
            "indicator",
            extend(
                common("indicator", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
                json!({
                    "name": "Bad IP", "indicator_types": ["malicious-activity"], "pattern": "[ipv4-addr:value = '198.51.100.1']",
                    "pattern_type": "stix", "valid_from": "2026-01-05T10:00:00Z", "labels": ["c2"], "confidence": 80,
                    "created_by_ref": "identity--7a6c0f9e-7d1c-4b40-9b0e-1e6b0a5c2f10",
                    "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
                    "external_references": [{"source_name": "vendor", "external_id": "X-1"}],
                    "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}],
                    "description": "Command and control server.",
                    "granular_markings": [{"selectors": ["description"], "marking_ref": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"}]
                }),
            ),
        ),
        (
            "malware",
            extend(
                common("malware", "0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"),
                json!({"name": "Loader", "is_family": true, "malware_types": ["dropper"]}),
            ),
        ),
        (
            "identity",
            extend(
                common("identity", "7a6c0f9e-7d1c-4b40-9b0e-1e6b0a5c2f10"),
                json!({"name": "Waterschap", "identity_class": "organization", "sectors": ["water"]}),
            ),
        ),
        (
            "report",
            extend(
                common("report", "84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"),
                json!({"name": "Weekly", "published": "2026-01-06T10:00:00Z", "object_refs": ["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}),
            ),
        ),
        (
            "relationship",
            extend(
                common("relationship", "44298a74-ba52-4f0c-87a3-1824e67d7fad"),
                json!({"relationship_type": "indicates", "source_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "target_ref": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", "start_time": "2026-01-01T00:00:00Z", "stop_time": "2026-02-01T00:00:00Z"}),
            ),
        ),
        (
            "sighting",
            extend(
                common("sighting", "ee20065d-2555-424f-ad9e-0f8428623c75"),
                json!({"sighting_of_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "count": 3, "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-02T00:00:00Z", "where_sighted_refs": ["identity--7a6c0f9e-7d1c-4b40-9b0e-1e6b0a5c2f10"]}),
            ),
        ),
        (
            "observed-data",
            extend(
                common("observed-data", "b67d30ff-02ac-498a-92f9-32f845f448cf"),
                json!({"first_observed": "2026-01-01T00:00:00Z", "last_observed": "2026-01-01T01:00:00Z", "number_observed": 2, "object_refs": ["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]}),
            ),
        ),
        (
            "location",
            extend(
                common("location", "a6e9345f-5a15-4c29-8bb3-7dcc5d168d64"),
                json!({"name": "Rotterdam", "latitude": 51.92, "longitude": 4.48, "country": "NL"}),
            ),
        ),
        (
            "campaign",
            extend(
                common("campaign", "83422c77-904c-4dc1-aff5-5c38f3a2c55c"),
                json!({"name": "Harbour Phish", "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-03T00:00:00Z"}),
            ),
        ),
        (
            "opinion",
            extend(
                common("opinion", "b01efc25-77b4-4003-b18b-f6e24b5cd9f7"),
                json!({"opinion": "agree", "object_refs": ["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}),
            ),
        ),
        (
            "ipv4-addr",
            json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "value": "198.51.100.3"}),
        ),
        (
            "file",
            json!({"type": "file", "spec_version": "2.1", "id": "file--5a27d487-c542-5f97-a131-a8866b477b46", "name": "invoice.exe", "hashes": {"SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}, "size": 1024}),
        ),
        (
            "network-traffic",
            json!({"type": "network-traffic", "spec_version": "2.1", "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d", "dst_ref": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "dst_port": 443, "protocols": ["tcp"]}),
        ),
        (
            "marking-definition",
            json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:GREEN", "definition": {"tlp": "green"}}),
        ),
    ]
}

fn set(mut object: Value, key: &str, value: Value) -> Value {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
    object
}

fn remove(mut object: Value, key: &str) -> Value {
    if let Some(map) = object.as_object_mut() {
        map.remove(key);
    }
    object
}

fn mutation_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (label, base) in base_objects() {
        let mut add = |mutation: &str, object: Value| {
            cases.push(Case {
                name: format!("mutation:{label}:{mutation}"),
                object,
            })
        };
        add("unchanged", base.clone());
        let keys: Vec<String> = base
            .as_object()
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        for key in &keys {
            add(&format!("without-{key}"), remove(base.clone(), key));
        }
        let id = base["id"].as_str().unwrap_or_default().to_owned();
        let uuid = id
            .split_once("--")
            .map(|(_, uuid)| uuid.to_owned())
            .unwrap_or_default();
        add(
            "id-of-other-type",
            set(base.clone(), "id", json!(format!("campaign--{uuid}"))),
        );
        add(
            "id-short-uuid",
            set(base.clone(), "id", json!(format!("{label}--1234"))),
        );
        add(
            "id-uppercase-uuid",
            set(
                base.clone(),
                "id",
                json!(format!("{label}--{}", uuid.to_uppercase())),
            ),
        );
        add(
            "type-uppercase",
            set(base.clone(), "type", json!(label.to_uppercase())),
        );
        add(
            "spec-version-2.0",
            set(base.clone(), "spec_version", json!("2.0")),
        );
        add(
            "spec-version-number",
            set(base.clone(), "spec_version", json!(2.1)),
        );
        add(
            "reserved-severity",
            set(base.clone(), "severity", json!("high")),
        );
        add(
            "custom-property-bad-name",
            set(base.clone(), "x_Bad-Name", json!("v")),
        );
        add(
            "custom-property-two-chars",
            set(base.clone(), "xy", json!("v")),
        );
        add(
            "custom-property-ok",
            set(base.clone(), "x_dijkwacht_note", json!("v")),
        );
        add(
            "custom-property-empty-list",
            set(base.clone(), "x_dijkwacht_list", json!([])),
        );
        add(
            "marking-ref-not-marking",
            set(
                base.clone(),
                "object_marking_refs",
                json!(["identity--7a6c0f9e-7d1c-4b40-9b0e-1e6b0a5c2f10"]),
            ),
        );
        add(
            "marking-refs-empty",
            set(base.clone(), "object_marking_refs", json!([])),
        );
        add(
            "granular-selector-missing",
            set(
                base.clone(),
                "granular_markings",
                json!([{"selectors": ["nonexistent_property"], "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}]),
            ),
        );
        add(
            "granular-ref-and-lang",
            set(
                base.clone(),
                "granular_markings",
                json!([{"selectors": ["id"], "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "lang": "en"}]),
            ),
        );
        add(
            "extension-bad-key",
            set(
                base.clone(),
                "extensions",
                json!({"not an extension": {"a": 1}}),
            ),
        );
        add(
            "extension-definition-without-type",
            set(
                base.clone(),
                "extensions",
                json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"rank": 5}}),
            ),
        );
        if base.get("created").is_some() {
            add(
                "created-offset",
                set(
                    base.clone(),
                    "created",
                    json!("2026-01-05T10:00:00.000+01:00"),
                ),
            );
            add(
                "created-no-fraction",
                set(base.clone(), "created", json!("2026-01-05T10:00:00Z")),
            );
            add(
                "created-bad-date",
                set(base.clone(), "created", json!("2026-02-30T10:00:00.000Z")),
            );
            add(
                "created-not-string",
                set(base.clone(), "created", json!(1_700_000_000)),
            );
            add(
                "created-by-malware",
                set(
                    base.clone(),
                    "created_by_ref",
                    json!("malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"),
                ),
            );
            add("labels-empty", set(base.clone(), "labels", json!([])));
            add(
                "labels-not-list",
                set(base.clone(), "labels", json!("label")),
            );
            add(
                "external-reference-without-source",
                set(
                    base.clone(),
                    "external_references",
                    json!([{"url": "https://example.com"}]),
                ),
            );
            add(
                "external-reference-only-source",
                set(
                    base.clone(),
                    "external_references",
                    json!([{"source_name": "x"}]),
                ),
            );
            add("revoked-string", set(base.clone(), "revoked", json!("yes")));
            add("lang-number", set(base.clone(), "lang", json!(5)));
        }
        if base.get("modified").is_some() {
            add(
                "modified-before-created",
                set(base.clone(), "modified", json!("2025-01-05T10:00:00.000Z")),
            );
            add(
                "confidence-101",
                set(base.clone(), "confidence", json!(101)),
            );
            add(
                "confidence-negative",
                set(base.clone(), "confidence", json!(-1)),
            );
            add(
                "confidence-float",
                set(base.clone(), "confidence", json!(50.5)),
            );
        }
    }
    let indicator = base_objects()
        .into_iter()
        .find(|(label, _)| *label == "indicator")
        .map(|(_, object)| object)
        .unwrap_or_default();
    let mut add = |mutation: &str, object: Value| {
        cases.push(Case {
            name: format!("mutation:specific:{mutation}"),
            object,
        })
    };
    add(
        "indicator-garbage-pattern",
        set(indicator.clone(), "pattern", json!("this is not a pattern")),
    );
    add(
        "indicator-unclosed-pattern",
        set(
            indicator.clone(),
            "pattern",
            json!("[ipv4-addr:value = '1.2.3.4'"),
        ),
    );
    add(
        "indicator-bad-operator",
        set(
            indicator.clone(),
            "pattern",
            json!("[ipv4-addr:value == '1.2.3.4']"),
        ),
    );
    add(
        "indicator-valid-until-before-from",
        set(
            indicator.clone(),
            "valid_until",
            json!("2025-01-01T00:00:00Z"),
        ),
    );
    add(
        "indicator-valid-until-equal-from",
        set(
            indicator.clone(),
            "valid_until",
            json!("2026-01-05T10:00:00Z"),
        ),
    );
    add(
        "indicator-pattern-type-custom",
        set(
            set(indicator.clone(), "pattern_type", json!("x-custom")),
            "pattern",
            json!("anything"),
        ),
    );
    add(
        "indicator-snort",
        set(
            set(indicator.clone(), "pattern_type", json!("snort")),
            "pattern",
            json!("alert tcp any any -> any 80 (msg:\"x\";)"),
        ),
    );
    let relationship = json!({"type": "relationship", "spec_version": "2.1", "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z", "relationship_type": "indicates", "source_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "target_ref": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"});
    add(
        "relationship-to-marking",
        set(
            relationship.clone(),
            "target_ref",
            json!("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
        ),
    );
    add(
        "relationship-from-relationship",
        set(
            relationship.clone(),
            "source_ref",
            json!("relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad"),
        ),
    );
    add(
        "relationship-to-bundle",
        set(
            relationship.clone(),
            "target_ref",
            json!("bundle--44298a74-ba52-4f0c-87a3-1824e67d7fad"),
        ),
    );
    add(
        "relationship-bad-ref",
        set(relationship.clone(), "target_ref", json!("malware")),
    );
    add(
        "relationship-type-uppercase",
        set(
            relationship.clone(),
            "relationship_type",
            json!("Indicates"),
        ),
    );
    add(
        "relationship-stop-before-start",
        set(
            set(
                relationship.clone(),
                "start_time",
                json!("2026-02-01T00:00:00Z"),
            ),
            "stop_time",
            json!("2026-01-01T00:00:00Z"),
        ),
    );
    let sighting = json!({"type": "sighting", "spec_version": "2.1", "id": "sighting--ee20065d-2555-424f-ad9e-0f8428623c75", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z", "sighting_of_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"});
    add(
        "sighting-count-negative",
        set(sighting.clone(), "count", json!(-1)),
    );
    add(
        "sighting-count-too-large",
        set(sighting.clone(), "count", json!(1_000_000_000)),
    );
    add(
        "sighting-of-observable",
        set(
            sighting.clone(),
            "sighting_of_ref",
            json!("ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"),
        ),
    );
    add(
        "sighting-where-malware",
        set(
            sighting.clone(),
            "where_sighted_refs",
            json!(["malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"]),
        ),
    );
    add(
        "sighting-observed-data-indicator",
        set(
            sighting.clone(),
            "observed_data_refs",
            json!(["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]),
        ),
    );
    add(
        "sighting-last-before-first",
        set(
            set(
                sighting.clone(),
                "first_seen",
                json!("2026-02-01T00:00:00Z"),
            ),
            "last_seen",
            json!("2026-01-01T00:00:00Z"),
        ),
    );
    let observed = json!({"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z", "first_observed": "2026-01-01T00:00:00Z", "last_observed": "2026-01-01T01:00:00Z", "number_observed": 1, "object_refs": ["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]});
    add(
        "observed-number-zero",
        set(observed.clone(), "number_observed", json!(0)),
    );
    add(
        "observed-last-before-first",
        set(
            observed.clone(),
            "last_observed",
            json!("2025-01-01T00:00:00Z"),
        ),
    );
    add(
        "observed-refs-to-indicator",
        set(
            observed.clone(),
            "object_refs",
            json!(["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]),
        ),
    );
    add(
        "observed-objects-and-refs",
        set(
            observed.clone(),
            "objects",
            json!({"0": {"type": "ipv4-addr", "value": "198.51.100.3"}}),
        ),
    );
    add(
        "observed-no-objects",
        remove(observed.clone(), "object_refs"),
    );
    let location = json!({"type": "location", "spec_version": "2.1", "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z", "latitude": 51.92, "longitude": 4.48});
    add(
        "location-latitude-only",
        remove(location.clone(), "longitude"),
    );
    add(
        "location-latitude-100",
        set(location.clone(), "latitude", json!(100)),
    );
    add(
        "location-nothing",
        remove(remove(location.clone(), "latitude"), "longitude"),
    );
    add(
        "location-precision-without-coordinates",
        set(
            remove(remove(location.clone(), "latitude"), "longitude"),
            "precision",
            json!(10.0),
        ),
    );
    let malware = json!({"type": "malware", "spec_version": "2.1", "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z", "is_family": true, "name": "Loader"});
    add(
        "malware-family-without-name",
        remove(malware.clone(), "name"),
    );
    add(
        "malware-instance-without-name",
        remove(set(malware.clone(), "is_family", json!(false)), "name"),
    );
    add(
        "malware-family-string",
        set(malware.clone(), "is_family", json!("true")),
    );
    add(
        "malware-os-ref-not-software",
        set(
            malware.clone(),
            "operating_system_refs",
            json!(["identity--7a6c0f9e-7d1c-4b40-9b0e-1e6b0a5c2f10"]),
        ),
    );
    add(
        "malware-first-after-last",
        set(
            set(malware.clone(), "first_seen", json!("2026-02-01T00:00:00Z")),
            "last_seen",
            json!("2026-01-01T00:00:00Z"),
        ),
    );
    add(
        "opinion-bad-value",
        json!({"type": "opinion", "spec_version": "2.1", "id": "opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z", "opinion": "maybe", "object_refs": ["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}),
    );
    add(
        "file-without-name-or-hashes",
        json!({"type": "file", "spec_version": "2.1", "id": "file--3916128d-69af-5525-be7a-99fac2383a59", "size": 5}),
    );
    add(
        "file-negative-size",
        json!({"type": "file", "spec_version": "2.1", "id": "file--3916128d-69af-5525-be7a-99fac2383a59", "name": "a.exe", "size": -5}),
    );
    add(
        "file-bad-hex",
        json!({"type": "file", "spec_version": "2.1", "id": "file--3916128d-69af-5525-be7a-99fac2383a59", "name": "a.exe", "magic_number_hex": "abc"}),
    );
    add(
        "file-name-enc-alone",
        json!({"type": "file", "spec_version": "2.1", "id": "file--3916128d-69af-5525-be7a-99fac2383a59", "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e"}, "name_enc": "utf-8"}),
    );
    add(
        "file-parent-not-directory",
        json!({"type": "file", "spec_version": "2.1", "id": "file--3916128d-69af-5525-be7a-99fac2383a59", "name": "a.exe", "parent_directory_ref": "file--3916128d-69af-5525-be7a-99fac2383a59"}),
    );
    add(
        "ipv4-without-value",
        json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"}),
    );
    add(
        "ipv4-random-id",
        json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff4f6a4b-7a8e-4a3f-9f0e-7f1a2c6f1c11", "value": "198.51.100.3"}),
    );
    add(
        "ipv4-with-created",
        json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "value": "198.51.100.3", "created": "2026-01-05T10:00:00.000Z"}),
    );
    add(
        "network-traffic-no-ends",
        json!({"type": "network-traffic", "spec_version": "2.1", "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d", "protocols": ["tcp"]}),
    );
    add(
        "network-traffic-port-too-high",
        json!({"type": "network-traffic", "spec_version": "2.1", "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d", "dst_ref": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "dst_port": 70000, "protocols": ["tcp"]}),
    );
    add(
        "artifact-url-without-hashes",
        json!({"type": "artifact", "spec_version": "2.1", "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641", "url": "https://example.com/a.bin"}),
    );
    add(
        "artifact-url-and-payload",
        json!({"type": "artifact", "spec_version": "2.1", "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641", "url": "https://example.com/a.bin", "payload_bin": "aGVsbG8=", "hashes": {"MD5": "5d41402abc4b2a76b9719d911017c592"}}),
    );
    add(
        "artifact-bad-base64",
        json!({"type": "artifact", "spec_version": "2.1", "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641", "payload_bin": "not base64!"}),
    );
    add(
        "email-multipart-with-body",
        json!({"type": "email-message", "spec_version": "2.1", "id": "email-message--72b7698f-10c2-565a-a2a6-b4996a2f2265", "is_multipart": true, "body": "hello"}),
    );
    add(
        "email-without-is-multipart",
        json!({"type": "email-message", "spec_version": "2.1", "id": "email-message--72b7698f-10c2-565a-a2a6-b4996a2f2265", "subject": "hi"}),
    );
    add(
        "process-empty",
        json!({"type": "process", "spec_version": "2.1", "id": "process--f52a906a-0dfc-40bd-92f1-e7778ead38a9"}),
    );
    add(
        "marking-tlp-forged",
        json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:GREEN", "definition": {"tlp": "green"}}),
    );
    add(
        "marking-without-definition",
        json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2017-01-20T00:00:00.000Z", "name": "Nothing"}),
    );
    add(
        "marking-statement",
        json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2017-01-20T00:00:00.000Z", "definition_type": "statement", "definition": {"statement": "Copyright 2026 Dijkwacht"}}),
    );
    add(
        "custom-object-x",
        json!({"type": "x-dijkwacht-advisory", "spec_version": "2.1", "id": "x-dijkwacht-advisory--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z", "title": "Patch now"}),
    );
    add(
        "custom-object-without-created",
        json!({"type": "x-dijkwacht-advisory", "spec_version": "2.1", "id": "x-dijkwacht-advisory--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "title": "Patch now"}),
    );
    add(
        "custom-object-bad-type",
        json!({"type": "x_dijkwacht_advisory", "spec_version": "2.1", "id": "x_dijkwacht_advisory--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z"}),
    );
    add("not-an-object", json!(["indicator"]));
    add(
        "no-type",
        json!({"id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}),
    );
    cases
}

fn run_reference(python: &Path, cases: &[Case]) -> Vec<(bool, Vec<String>)> {
    let folder = tempfile_folder();
    let input = folder.join("cases.json");
    let payload: Vec<Value> = cases
        .iter()
        .map(|case| json!({"case": case.name, "object": case.object}))
        .collect();
    std::fs::write(
        &input,
        serde_json::to_vec(&payload).expect("cases serialise"),
    )
    .expect("temporary file is writable");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/validate_objects.py");
    let output = Command::new(python)
        .arg(&script)
        .arg(&input)
        .output()
        .expect("the reference Python runs");
    assert!(
        output.status.success(),
        "stix2-validator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<Value> =
        serde_json::from_slice(&output.stdout).expect("the harness prints JSON");
    assert_eq!(verdicts.len(), cases.len());
    let _ = std::fs::remove_dir_all(&folder);
    verdicts
        .into_iter()
        .map(|verdict| {
            let errors = verdict["errors"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            (verdict["valid"].as_bool().unwrap_or(false), errors)
        })
        .collect()
}

fn tempfile_folder() -> PathBuf {
    let folder = std::env::temp_dir().join(format!("dijkwacht-oasis-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("temporary folder");
    folder
}

/// `pattern<TAB>reason` lines; `*` in a pattern matches any run of characters.
fn known_differences() -> Vec<(String, String)> {
    let text = include_str!("reference/known-differences.txt");
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            line.split_once('\t')
                .map(|(pattern, reason)| (pattern.trim().to_owned(), reason.trim().to_owned()))
        })
        .collect()
}

fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    for (position, piece) in pieces.iter().enumerate() {
        if position + 1 == pieces.len() {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(found) => rest = &rest[found + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn verdicts_agree_with_the_oasis_validator() {
    let Some(python) = reference_python() else {
        return missing("the reference validator (.venv-reference or DIJKWACHT_REFERENCE_PYTHON)");
    };
    let mut cases = mutation_cases();
    match shared_data() {
        Some(data) => cases.extend(corpus_cases(&data)),
        None => missing("../shared/data"),
    }
    assert!(cases.len() > 200, "too few cases: {}", cases.len());
    let reference = run_reference(&python, &cases);
    let known = known_differences();
    let mut used = vec![false; known.len()];
    let mut unexplained = Vec::new();
    let mut tally = BTreeMap::new();
    for (case, (reference_valid, reference_errors)) in cases.iter().zip(&reference) {
        let report = validate_object(&case.object);
        let ours_valid = report.is_valid();
        *tally.entry((ours_valid, *reference_valid)).or_insert(0) += 1;
        if ours_valid == *reference_valid {
            continue;
        }
        match known
            .iter()
            .position(|(pattern, _)| matches(pattern, &case.name))
        {
            Some(position) => used[position] = true,
            None => {
                let ours: Vec<String> = report.errors().map(ToString::to_string).collect();
                unexplained.push(format!(
                    "{}\n    ours: {}\n    reference: {}",
                    case.name,
                    if ours_valid {
                        "valid".to_owned()
                    } else {
                        ours.join(" | ")
                    },
                    if *reference_valid {
                        "valid".to_owned()
                    } else {
                        reference_errors.join(" | ")
                    }
                ));
            }
        }
    }
    eprintln!("verdicts (ours valid, reference valid) → cases: {tally:?}");
    let stale: Vec<_> = known
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|((pattern, _), _)| pattern.clone())
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained disagreement(s):\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed differences that no longer occur (remove them): {stale:?}"
    );
}
