//! Validating, importing and exporting STIX: the data paths a user meets first, with
//! the shared corpora and every kind of bad input.

use super::*;

#[test]
fn init_validate_import_export_and_stats() {
    let data = fresh_store();
    let folder = tempfile::tempdir().expect("temporary folder");
    let good = write(
        folder.path(),
        "good.json",
        bundle(vec![indicator("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")]),
    );
    let output = run(
        data.path(),
        &["validate", good.to_str().unwrap_or_default()],
    );
    assert!(output.status.success(), "{}", text(&output.stdout));

    let output = run(data.path(), &["import", good.to_str().unwrap_or_default()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("1 new"),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(total_objects(data.path()), 1);

    let output = run(data.path(), &["export", "--type", "indicator"]);
    assert!(output.status.success());
    let exported: Value = serde_json::from_slice(&output.stdout).expect("export is JSON");
    assert_eq!(exported["type"], "bundle");
    assert_eq!(
        exported["objects"][0],
        indicator("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    );
    let output = run(data.path(), &["export", "--type", "malware"]);
    let exported: Value = serde_json::from_slice(&output.stdout).expect("export is JSON");
    assert!(
        exported.get("objects").is_none(),
        "an empty export has no objects list: {exported}"
    );
    let output = run(
        data.path(),
        &["export", "--added-after", "2999-01-01T00:00:00Z"],
    );
    let exported: Value = serde_json::from_slice(&output.stdout).expect("export is JSON");
    assert!(
        exported.get("objects").is_none(),
        "an empty export has no objects list: {exported}"
    );
    let output = run(data.path(), &["search", "C2"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
    let output = run(data.path(), &["search", "nothing-like-this"]);
    assert!(text(&output.stdout).contains("0 found"));
    let output = run(data.path(), &["export", "--added-after", "yesterday"]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("not a timestamp"));
}

#[test]
fn commands_on_a_missing_store_say_how_to_make_one() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let output = run(&folder.path().join("nothing-here"), &["stats"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("dijkwacht init"),
        "{}",
        text(&output.stderr)
    );
}

/// Each bad input: a clear message naming the problem, a non-zero exit, nothing stored.
#[test]
fn bad_input_is_refused_whole_and_explained() {
    let data = fresh_store();
    let folder = tempfile::tempdir().expect("temporary folder");
    let valid = indicator("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    let mut wrong_type = indicator("0b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b");
    wrong_type["name"] = json!(42);
    let mut missing = indicator("1b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b");
    missing
        .as_object_mut()
        .map(|object| object.remove("pattern"));
    let mut mismatched = indicator("2b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b");
    mismatched["id"] = json!("malware--2b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b");
    let mut changed = valid.clone();
    changed["name"] = json!("something else");
    let mut invalid_utf8 = bundle(vec![valid.clone()]).into_bytes();
    let at = invalid_utf8
        .iter()
        .position(|byte| *byte == b'C')
        .unwrap_or(0);
    invalid_utf8[at] = 0xFF;
    let nested = format!(
        "{{\"type\":\"bundle\",\"id\":\"bundle--1c7f7b36-2a4b-4b8e-9a57-0b5b7c1d2e3f\",\"objects\":[{}{}]}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "malformed.json",
            b"{\"type\": \"bundle\",\n \"objects\": [\n  {\"type\": }\n]}".to_vec(),
            "line 3, column",
        ),
        (
            "wrong-type.json",
            bundle(vec![valid.clone(), wrong_type]).into_bytes(),
            "$.name: expected a string, found a number",
        ),
        (
            "missing.json",
            bundle(vec![valid.clone(), missing]).into_bytes(),
            "required-property",
        ),
        (
            "mismatch.json",
            bundle(vec![valid.clone(), mismatched]).into_bytes(),
            "id-type-mismatch",
        ),
        (
            "duplicate.json",
            bundle(vec![valid.clone(), changed]).into_bytes(),
            "same id and version",
        ),
        ("utf8.json", invalid_utf8, "not valid UTF-8"),
        ("nested.json", nested.into_bytes(), "recursion limit"),
        ("not-stix.json", b"[1, 2, 3]".to_vec(), "not-an-object"),
        // Valid objects first, then the input breaks: what streamed to the store is undone.
        (
            "truncated.json",
            {
                let mut text = bundle(vec![
                    valid.clone(),
                    indicator("3b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b"),
                ])
                .into_bytes();
                text.truncate(text.len() - 3);
                text
            },
            "EOF while parsing",
        ),
        (
            "bad-bundle-id.json",
            bundle(vec![valid.clone()])
                .replace("bundle--1c7f7b36", "bundel--1c7f7b36")
                .into_bytes(),
            "bundle--<UUID>",
        ),
    ];
    for (name, content, expected) in cases {
        let path = write(folder.path(), name, content);
        let output = run(data.path(), &["import", path.to_str().unwrap_or_default()]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{name}: expected '{expected}' in:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(total_objects(data.path()), 0, "{name} stored something");
        let output = run(
            data.path(),
            &["validate", path.to_str().unwrap_or_default()],
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: validate accepted it"
        );
    }
    // With --skip-invalid the valid objects of a partly bad input are stored.
    let path = folder.path().join("missing.json");
    let output = run(
        data.path(),
        &[
            "import",
            "--skip-invalid",
            path.to_str().unwrap_or_default(),
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(total_objects(data.path()), 1);
}

#[test]
fn a_one_gigabyte_line_is_refused_without_storing_anything() {
    use std::io::Write;
    let data = fresh_store();
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("huge.json");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("writable"));
        let head = r#"{"type":"bundle","id":"bundle--1c7f7b36-2a4b-4b8e-9a57-0b5b7c1d2e3f","objects":[{"type":"indicator","name":""#;
        file.write_all(head.as_bytes()).expect("writable");
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..1024 {
            file.write_all(&chunk).expect("writable");
        }
        file.write_all(b"\"}]}").expect("writable");
    }
    let output = run(data.path(), &["import", path.to_str().unwrap_or_default()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("larger than the limit"), "{stderr}");
    assert_eq!(total_objects(data.path()), 0);
}

/// Every STIX file of the shared corpora validates (or is refused for a named reason),
/// imports, exports as a bundle the OASIS validator accepts, and a second import adds
/// nothing.
#[test]
fn shared_corpora_round_trip() {
    let Some(shared) = shared_data() else { return };
    let data = fresh_store();
    let folders = [
        "stix21/cti-documentation",
        "stix21/cti-stix2-json-schemas/examples",
        "stix21/mitre-attack",
        "tlp",
    ];
    // Files that are not valid STIX 2.1, each with the reason.
    // These upstream files are bundles without `"type": "bundle"` (and the second also
    // has the invalid timestamp 2022-101-27T13:49:54.326Z).
    let refused = [
        (
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json",
            "no `type`",
        ),
        ("using-tlp2.0-green.json", "no `type`"),
    ];
    let mut files: Vec<PathBuf> = Vec::new();
    for folder in folders {
        let mut entries = Vec::new();
        collect_files(&shared.join(folder), &mut entries);
        entries.sort();
        files.extend(entries.into_iter().filter(|path| {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            name.ends_with(".json")
                && !name.ends_with(".schema.json")
                && name != "collection-index.json"
        }));
    }
    assert!(files.len() >= 28, "found only {} corpus files", files.len());
    for file in &files {
        let name = file
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        let output = run(data.path(), &["import", file.to_str().unwrap_or_default()]);
        match refused
            .iter()
            .find(|(refused_name, _)| *refused_name == name)
        {
            Some((_, reason)) => {
                assert_eq!(output.status.code(), Some(1), "{name} should be refused");
                assert!(
                    text(&output.stderr).contains(reason),
                    "{name}: {}",
                    text(&output.stderr)
                );
            }
            None => assert!(output.status.success(), "{name}: {}", text(&output.stderr)),
        }
    }
    let stored = total_objects(data.path());
    assert!(stored > 3_500, "only {stored} objects stored");
    // Importing everything again adds nothing.
    for file in &files {
        let output = run(
            data.path(),
            &[
                "import",
                "--skip-invalid",
                file.to_str().unwrap_or_default(),
            ],
        );
        let stdout = text(&output.stdout);
        assert!(
            stdout.contains(" 0 new, 0 new versions"),
            "{}: {stdout}",
            file.display()
        );
    }
    assert_eq!(total_objects(data.path()), stored);
    // The export is one valid bundle holding every object but those marked TLP:RED,
    // which never go into a bulk export, not even the operator's.
    let export = data.path().join("export.json");
    let output = run(
        data.path(),
        &["export", "--output", export.to_str().unwrap_or_default()],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let bundle: Value = serde_json::from_slice(&std::fs::read(&export).expect("export written"))
        .expect("export is JSON");
    let red_marking = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
    let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
    assert!(
        objects.iter().all(|object| !object["object_marking_refs"]
            .to_string()
            .contains(red_marking)),
        "an object marked TLP:RED was exported"
    );
    let stderr = text(&output.stderr);
    let red_skipped: usize = stderr
        .split_once("tlp-red ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    assert!(
        red_skipped >= 1,
        "the corpora hold TLP:RED objects: {stderr}"
    );
    assert_eq!(
        objects.len() + red_skipped,
        usize::try_from(stored).unwrap_or(0)
    );
    let output = run(
        data.path(),
        &["validate", export.to_str().unwrap_or_default()],
    );
    assert!(
        output.status.success(),
        "our validator refuses our export: {}",
        text(&output.stdout)
    );
    if let Some(python) = reference_python() {
        let validator = python.with_file_name("stix2_validator");
        let output = Command::new(validator)
            .args(["--no-cache", "--silent"])
            .arg(&export)
            .output()
            .expect("stix2-validator runs");
        assert!(
            output.status.success(),
            "stix2-validator refuses the export: {}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
    }
}

fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("corpus folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

#[test]
fn imports_json_lines_folders_and_standard_input() {
    let data = fresh_store();
    let folder = tempfile::tempdir().expect("temporary folder");
    let lines = format!(
        "{}\n{}\n",
        indicator("4b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b"),
        indicator("5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")
    );
    let nested = folder.path().join("feeds/today");
    std::fs::create_dir_all(&nested).expect("writable");
    write(&nested, "indicators.jsonl", lines);
    write(
        folder.path(),
        "notes.txt",
        "not STIX, and not picked up from a folder",
    );
    let output = run(
        data.path(),
        &["import", folder.path().to_str().unwrap_or_default()],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(total_objects(data.path()), 2);

    let output = run_with_input(
        data.path(),
        &["import", "-"],
        bundle(vec![indicator("6b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]).as_bytes(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(total_objects(data.path()), 3);
}

#[test]
fn validate_reports_as_json_with_warnings_when_asked() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut random_id =
        json!({"type": "ipv4-addr", "spec_version": "2.1", "value": "198.51.100.3"});
    random_id["id"] = json!("ipv4-addr--ff4f6a4b-7a8e-4a3f-9f0e-7f1a2c6f1c11");
    let path = write(folder.path(), "warned.json", bundle(vec![random_id]));
    let output = run(
        folder.path(),
        &[
            "validate",
            "--warnings",
            "--format",
            "json",
            path.to_str().unwrap_or_default(),
        ],
    );
    assert!(
        output.status.success(),
        "a SHOULD finding must not fail validation"
    );
    let verdicts: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON verdicts");
    assert_eq!(verdicts[0]["valid"], true);
    assert_eq!(verdicts[0]["warnings"][0]["rule"], "sco-id-deterministic");
    assert_eq!(verdicts[0]["warnings"][0]["path"], "$.id");
    let output = run(
        folder.path(),
        &["validate", path.to_str().unwrap_or_default()],
    );
    assert!(
        !text(&output.stdout).contains("sco-id-deterministic"),
        "warnings are shown only when asked"
    );
}
