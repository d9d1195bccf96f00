//! `dijkwacht export --format stix|misp-feed|csv|blocklist`: each format from the
//! command line, its flags and their refusals, and the promise every format keeps: a
//! TLP:RED object, even one its caller may read, never goes into a bulk export.

use super::*;

const RED_VALUE: &str = "203.0.113.66";

fn indicator_with(id_suffix: &str, pattern: &str, extra: Value) -> Value {
    let mut object = indicator(id_suffix);
    object["pattern"] = pattern.into();
    if let (Some(target), Value::Object(source)) = (object.as_object_mut(), extra) {
        target.extend(source);
    }
    object
}

/// A store with an organisation, a user, CLEAR intelligence (a report over an indicator,
/// an indicator outside it, an expired one, an observable) and a RED indicator named to
/// the user.
fn store_with_intelligence() -> tempfile::TempDir {
    let data = fresh_store();
    let ok = |arguments: &[&str]| {
        run_ok(data.path(), arguments);
    };
    ok(&["org", "add", "waterbedrijf", "--sector", "water"]);
    add_analyst(data.path(), "a@waterbedrijf.example", "waterbedrijf");
    let folder = tempfile::tempdir().expect("temporary folder");
    let clear = write(
        folder.path(),
        "clear.json",
        bundle(vec![
            indicator_with(
                "a10c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
                "[ipv4-addr:value = '198.51.100.7']",
                json!({"confidence": 90}),
            ),
            indicator_with(
                "a20c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
                "[domain-name:value = 'Evil.Example']",
                json!({}),
            ),
            indicator_with(
                "a30c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
                "[url:value = 'http://expired.example/x']",
                json!({"valid_until": "2026-01-06T10:00:00Z", "confidence": 90}),
            ),
            json!({"type": "ipv4-addr", "spec_version": "2.1",
                   "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "192.0.2.44"}),
            json!({"type": "report", "spec_version": "2.1",
                   "id": "report--b10c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
                   "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
                   "name": "C2 seen at the dike", "published": "2026-01-05T10:00:00Z",
                   "object_refs": ["indicator--a10c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b"]}),
        ]),
    );
    ok(&[
        "import",
        clear.to_str().unwrap_or_default(),
        "--as",
        "waterbedrijf",
        "--public",
        "--tlp",
        "clear",
    ]);
    let red = write(
        folder.path(),
        "red.json",
        bundle(vec![indicator_with(
            "dd0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
            &format!("[ipv4-addr:value = '{RED_VALUE}']"),
            json!({"confidence": 100}),
        )]),
    );
    ok(&[
        "import",
        red.to_str().unwrap_or_default(),
        "--as",
        "waterbedrijf",
        "--tlp",
        "red",
        "--recipient",
        "a@waterbedrijf.example",
    ]);
    data
}

fn export(data: &Path, arguments: &[&str]) -> String {
    run_ok(data, &[&["export"], arguments].concat())
}

#[test]
fn each_format_writes_what_it_promises() {
    let data = store_with_intelligence();
    let lines = |arguments: &[&str]| -> Vec<String> {
        export(data.path(), arguments)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    for (kind, expected) in [
        ("ip", "198.51.100.7"),
        ("cidr", "198.51.100.7/32"),
        ("domain", "evil.example"),
        ("url", "http://expired.example/x"),
    ] {
        assert_eq!(
            lines(&["--format", "blocklist", "--kind", kind]),
            [expected]
        );
    }
    assert!(
        lines(&["--format", "blocklist", "--kind", "url", "--valid-only"]).is_empty(),
        "--valid-only drops the expired indicator"
    );
    assert_eq!(
        lines(&[
            "--format",
            "blocklist",
            "--kind",
            "ip",
            "--min-confidence",
            "50"
        ]),
        ["198.51.100.7"]
    );
    assert!(
        lines(&[
            "--format",
            "blocklist",
            "--kind",
            "domain",
            "--min-confidence",
            "50"
        ])
        .is_empty(),
        "an indicator without confidence does not meet a minimum"
    );

    let csv = lines(&["--format", "csv"]);
    assert!(csv[0].starts_with("stix_id,object_type,value_type,value,name,created,modified,valid_from,valid_until,confidence,tlp,labels"), "{}", csv[0]);
    assert_eq!(csv.len(), 5, "a header and four values: {csv:?}");
    assert!(
        csv.iter()
            .any(|row| row.contains("ipv4-addr:value,192.0.2.44"))
    );
    let valid_csv = lines(&["--format", "csv", "--valid-only"]);
    assert_eq!(valid_csv.len(), 4);
    assert!(!valid_csv.iter().any(|row| row.contains("expired.example")));

    let feed = tempfile::tempdir().expect("temporary folder");
    let folder = feed.path().join("feed");
    export(
        data.path(),
        &[
            "--format",
            "misp-feed",
            "-o",
            folder.to_str().unwrap_or_default(),
            "--valid-only",
        ],
    );
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(folder.join("manifest.json")).expect("manifest.json"),
    )
    .expect("the manifest is JSON");
    let entries = manifest.as_object().cloned().unwrap_or_default();
    let mut infos: Vec<String> = entries
        .values()
        .filter_map(|entry| entry["info"].as_str().map(str::to_owned))
        .collect();
    infos.sort();
    assert_eq!(
        infos,
        [
            "C2 seen at the dike",
            "Dijkwacht indicators outside reports"
        ]
    );
    let mut values = Vec::new();
    for uuid in entries.keys() {
        let event: Value = serde_json::from_slice(
            &std::fs::read(folder.join(format!("{uuid}.json"))).expect("event file"),
        )
        .expect("the event is JSON");
        assert_eq!(event["Event"]["Tag"][0]["name"], "tlp:clear");
        for attribute in event["Event"]["Attribute"].as_array().into_iter().flatten() {
            values.push(attribute["value"].as_str().unwrap_or_default().to_owned());
        }
    }
    values.sort();
    assert_eq!(values, ["192.0.2.44", "198.51.100.7", "Evil.Example"]);
    let hashes = std::fs::read_to_string(folder.join("hashes.csv")).expect("hashes.csv");
    assert_eq!(hashes.lines().count(), 3);

    // Another feed name gives the outside-reports event another uuid; report events keep theirs.
    let other = feed.path().join("other");
    let other_path = other.to_str().unwrap_or_default();
    export(
        data.path(),
        &[
            "--format",
            "misp-feed",
            "-o",
            other_path,
            "--feed-name",
            "elsewhere",
        ],
    );
    let other_manifest: Value =
        serde_json::from_slice(&std::fs::read(other.join("manifest.json")).expect("manifest.json"))
            .expect("the manifest is JSON");
    let other_keys = other_manifest.as_object().cloned().unwrap_or_default();
    let shared = entries
        .keys()
        .filter(|key| other_keys.contains_key(*key))
        .count();
    assert_eq!((entries.len(), other_keys.len(), shared), (2, 2, 1));

    let audit = text(&run(data.path(), &["audit", "show", "--limit", "100"]).stdout);
    assert!(audit.contains("\"format\":\"misp-feed\""), "{audit}");
    assert!(audit.contains("\"kind\":\"url\""), "{audit}");
}

#[test]
fn a_red_object_appears_in_no_export() {
    let data = store_with_intelligence();
    let feed = tempfile::tempdir().expect("temporary folder");
    for reader in [None, Some("a@waterbedrijf.example")] {
        let with_reader = |arguments: &[&str]| -> Vec<String> {
            let mut all: Vec<String> = arguments
                .iter()
                .map(|argument| (*argument).to_owned())
                .collect();
            if let Some(email) = reader {
                all.extend(["--visible-to".to_owned(), email.to_owned()]);
            }
            all
        };
        for arguments in [
            vec!["--format", "stix"],
            vec!["--format", "csv"],
            vec!["--format", "blocklist", "--kind", "ip"],
            vec!["--format", "blocklist", "--kind", "cidr"],
        ] {
            let all = with_reader(&arguments);
            let borrowed: Vec<&str> = all.iter().map(String::as_str).collect();
            let output = run(data.path(), &[&["export"], borrowed.as_slice()].concat());
            assert!(output.status.success(), "{all:?}: {}", text(&output.stderr));
            let written = text(&output.stdout);
            assert!(
                !written.contains(RED_VALUE),
                "{all:?} exported the RED indicator: {written}"
            );
            assert!(!written.contains("dd0c1d2e"), "{all:?}: {written}");
            if reader.is_none() {
                // The operator's query reads RED; the exporter refuses it and says so.
                assert!(
                    text(&output.stderr).contains("tlp-red 1"),
                    "{all:?}: {}",
                    text(&output.stderr)
                );
            }
        }
        let folder = feed.path().join(reader.unwrap_or("operator"));
        let all = with_reader(&[
            "--format",
            "misp-feed",
            "-o",
            folder.to_str().unwrap_or_default(),
        ]);
        let borrowed: Vec<&str> = all.iter().map(String::as_str).collect();
        let output = run(data.path(), &[&["export"], borrowed.as_slice()].concat());
        assert!(output.status.success(), "{}", text(&output.stderr));
        for entry in std::fs::read_dir(&folder)
            .expect("the feed folder")
            .flatten()
        {
            let content = std::fs::read_to_string(entry.path()).expect("feed files are text");
            assert!(
                !content.contains(RED_VALUE),
                "{}: {content}",
                entry.path().display()
            );
            assert!(!content.contains("tlp:red"), "{}", entry.path().display());
        }
    }
}

#[test]
fn flags_that_do_not_fit_the_format_are_refused() {
    let data = fresh_store();
    for (arguments, expected) in [
        (vec!["--format", "blocklist"], "needs --kind"),
        (vec!["--kind", "ip"], "--format blocklist"),
        (vec!["--format", "misp-feed"], "-o DIR"),
        (
            vec!["--feed-name", "x"],
            "--feed-name is for --format misp-feed",
        ),
        (vec!["--valid-only"], "a STIX bundle holds every object"),
        (
            vec!["--format", "csv", "--all-versions"],
            "--all-versions is for --format stix",
        ),
    ] {
        let mut all = vec!["export"];
        all.extend(arguments.iter().copied());
        let output = run(data.path(), &all);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        assert!(
            text(&output.stderr).contains(expected),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
    }
    let output = run(
        data.path(),
        &["export", "--format", "csv", "--min-confidence", "101"],
    );
    assert_eq!(output.status.code(), Some(2));
}
