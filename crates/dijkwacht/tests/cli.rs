//! The `dijkwacht` binary as a user meets it: real processes, a real SQLite file in a
//! temporary folder, real HTTP on 127.0.0.1, and the STIX corpora of ../shared/data.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

fn dijkwacht(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dijkwacht"));
    command
        .arg("--data")
        .arg(data)
        .env_remove("DIJKWACHT_DATA")
        .env_remove("DIJKWACHT_LISTEN");
    command
}

fn run(data: &Path, arguments: &[&str]) -> Output {
    dijkwacht(data)
        .args(arguments)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

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

fn reference_python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DIJKWACHT_REFERENCE_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-reference/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the reference validator is missing under CI"
    );
    eprintln!("skipping the stix2-validator check: no reference Python");
    None
}

fn fresh_store() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    let output = run(folder.path(), &["init"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    folder
}

fn total_objects(data: &Path) -> u64 {
    let output = run(data, &["stats", "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).expect("stats prints JSON");
    rows.iter().filter_map(|row| row["objects"].as_u64()).sum()
}

fn write(folder: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, content).expect("writable");
    path
}

fn indicator(id_suffix: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{id_suffix}"),
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "name": "C2", "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
        "valid_from": "2026-01-05T10:00:00Z"
    })
}

fn bundle(objects: Vec<Value>) -> String {
    json!({"type": "bundle", "id": "bundle--1c7f7b36-2a4b-4b8e-9a57-0b5b7c1d2e3f", "objects": objects}).to_string()
}

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
    // The export is one valid bundle holding every object.
    let export = data.path().join("export.json");
    let output = run(
        data.path(),
        &["export", "--output", export.to_str().unwrap_or_default()],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let bundle: Value = serde_json::from_slice(&std::fs::read(&export).expect("export written"))
        .expect("export is JSON");
    assert_eq!(
        bundle["objects"].as_array().map(Vec::len),
        Some(usize::try_from(stored).unwrap_or(0))
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

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a serving command and waits for the address it announces.
fn start_server(mut command: Command) -> Server {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .and_then(Result::ok)
            .expect("the server announces its address");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap_or_default().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}

#[test]
fn serve_answers_health_and_version() {
    let data = fresh_store();
    let mut command = dijkwacht(data.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = start_server(command);
    let health: Value = reqwest::blocking::get(format!("http://{}/healthz", server.address))
        .and_then(|response| response.json())
        .expect("healthz answers");
    assert_eq!(health["status"], "ok");
    let version: Value = reqwest::blocking::get(format!("http://{}/version", server.address))
        .and_then(|response| response.json())
        .expect("version answers");
    assert_eq!(version["name"], "dijkwacht");
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn demo_starts_with_communities_and_serves() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let demo_folder = folder.path().join("demo");
    let mut command = dijkwacht(&demo_folder);
    command.args(["demo", "--listen", "127.0.0.1:0"]);
    let server = start_server(command);
    let health: Value = reqwest::blocking::get(format!("http://{}/healthz", server.address))
        .and_then(|response| response.json())
        .expect("healthz answers");
    assert_eq!(health["status"], "ok");
    drop(server);
    let output = run(&demo_folder, &["stats", "--format", "json"]);
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).expect("stats prints JSON");
    let count = |kind: &str| {
        rows.iter()
            .find(|row| row["type"] == kind)
            .and_then(|row| row["objects"].as_u64())
            .unwrap_or(0)
    };
    assert!(count("identity") >= 13, "{rows:?}");
    assert!(count("indicator") >= 50, "{rows:?}");
    // A second run starts afresh rather than piling up.
    let output = run(&demo_folder, &["demo", "--no-serve"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for community in [
        "Agri & Food",
        "Chemie",
        "Creatieve Industrie",
        "Energie",
        "High Tech Systemen & Materialen",
        "Life Sciences & Health",
        "Logistiek",
        "Tuinbouw & Uitgangsmaterialen",
        "Water",
    ] {
        assert!(
            stdout.contains(community),
            "{community} missing from:\n{stdout}"
        );
    }
    // The demo never takes over a folder it did not make.
    let foreign = folder.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("writable");
    std::fs::write(foreign.join("precious.txt"), "keep").expect("writable");
    let output = run(&foreign, &["demo", "--no-serve"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(foreign.join("precious.txt").exists());
}

#[test]
fn demo_loads_the_public_samples_when_asked() {
    let Some(shared) = shared_data() else { return };
    let folder = tempfile::tempdir().expect("temporary folder");
    let demo_folder = folder.path().join("demo");
    let output = run(
        &demo_folder,
        &[
            "demo",
            "--no-serve",
            "--samples",
            shared.to_str().unwrap_or_default(),
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(total_objects(&demo_folder) > 3_500);
}

#[test]
fn imports_json_lines_folders_and_standard_input() {
    use std::io::Write;
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

    let mut child = dijkwacht(data.path())
        .args(["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(bundle(vec![indicator("6b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]).as_bytes())
        .expect("writable");
    let output = child.wait_with_output().expect("the import ends");
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

#[test]
fn imports_are_audited_and_tampering_is_found() {
    let data = fresh_store();
    let folder = tempfile::tempdir().expect("temporary folder");
    for (number, suffix) in [
        "7b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
        "8b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b",
    ]
    .iter()
    .enumerate()
    {
        let path = write(
            folder.path(),
            &format!("feed-{number}.json"),
            bundle(vec![indicator(suffix)]),
        );
        let output = run(data.path(), &["import", path.to_str().unwrap_or_default()]);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let output = run(data.path(), &["audit", "verify"]);
    assert!(output.status.success(), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout).contains("intact, 2 entries"),
        "{}",
        text(&output.stdout)
    );
    let output = run(data.path(), &["audit", "show"]);
    let entries: Vec<Value> = text(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["action"], "import");
    assert_eq!(entries[1]["details"]["new_objects"], 1);

    let log = data.path().join("audit.log");
    let tampered = std::fs::read_to_string(&log)
        .expect("readable")
        .replace("\"new_objects\":1", "\"new_objects\":0");
    std::fs::write(&log, tampered).expect("writable");
    let output = run(data.path(), &["audit", "verify"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("broken at line 1"),
        "{}",
        text(&output.stdout)
    );
    // Nothing more is written into a tampered log.
    let path = write(
        folder.path(),
        "feed-3.json",
        bundle(vec![indicator("9b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]),
    );
    let output = run(data.path(), &["import", path.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("audit log"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn administration_of_organisations_communities_and_users() {
    use std::io::Write;
    let data = fresh_store();
    let ok = |arguments: &[&str]| {
        let output = run(data.path(), arguments);
        assert!(
            output.status.success(),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    };
    ok(&[
        "org",
        "add",
        "waterbedrijf",
        "--sector",
        "water",
        "--display-name",
        "Waterbedrijf Zeeduin",
    ]);
    ok(&[
        "org",
        "add",
        "havenbedrijf",
        "--sector",
        "logistiek",
        "--size",
        "large",
        "--vital",
    ]);
    ok(&["community", "add", "plenum", "--kind", "plenum"]);
    ok(&[
        "community",
        "add",
        "water",
        "--kind",
        "top-sector",
        "--parent",
        "plenum",
        "--vetted",
    ]);
    assert!(
        ok(&[
            "community",
            "join",
            "water",
            "waterbedrijf",
            "--contact",
            "ciso@waterbedrijf.example"
        ])
        .contains("applicant")
    );
    assert!(ok(&["community", "approve", "water", "waterbedrijf"]).contains("participant"));
    assert!(ok(&["community", "join", "plenum", "havenbedrijf"]).contains("participant"));
    let members = ok(&["community", "members"]);
    assert!(
        members.contains("waterbedrijf") && members.contains("ciso@waterbedrijf.example"),
        "{members}"
    );
    assert!(ok(&["org", "list"]).contains("Waterbedrijf Zeeduin"));
    assert!(ok(&["community", "list"]).contains("vetted"));

    let mut child = dijkwacht(data.path())
        .args([
            "user",
            "add",
            "alice@waterbedrijf.example",
            "--org",
            "waterbedrijf",
            "--role",
            "analyst",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(b"correct horse battery staple\n")
        .expect("writable");
    let output = child.wait_with_output().expect("ends");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(ok(&["user", "list"]).contains("alice@waterbedrijf.example"));

    // Each organisation and community has a STIX identity in the store.
    let output = run(data.path(), &["export", "--type", "identity"]);
    let exported: Value = serde_json::from_slice(&output.stdout).expect("a bundle");
    assert_eq!(exported["objects"].as_array().map(Vec::len), Some(4));

    // Mistakes are refused with the reason, and leave nothing behind.
    for (arguments, expected) in [
        (
            vec!["org", "add", "waterbedrijf", "--sector", "water"],
            "exists already",
        ),
        (
            vec!["org", "add", "Bad Name", "--sector", "water"],
            "not a valid organisation name",
        ),
        (
            vec!["org", "add", "bank", "--sector", "banking"],
            "is not a sector",
        ),
        (
            vec![
                "community",
                "add",
                "zee",
                "--kind",
                "region",
                "--parent",
                "oceaan",
            ],
            "does not exist",
        ),
        (
            vec!["community", "add", "zee", "--kind", "ocean"],
            "is not a community kind",
        ),
        (
            vec!["community", "approve", "water", "havenbedrijf"],
            "has not applied",
        ),
        (
            vec![
                "user",
                "add",
                "bob",
                "--org",
                "waterbedrijf",
                "--role",
                "analyst",
                "--password-stdin",
            ],
            "not an e-mail address",
        ),
        (
            vec![
                "user",
                "add",
                "bob@x.example",
                "--org",
                "waterbedrijf",
                "--role",
                "root",
                "--password-stdin",
            ],
            "is not a role",
        ),
    ] {
        let output = run(data.path(), &arguments);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        assert!(
            text(&output.stderr).contains(expected),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
    }
    let output = run(data.path(), &["export", "--type", "identity"]);
    let exported: Value = serde_json::from_slice(&output.stdout).expect("a bundle");
    assert_eq!(
        exported["objects"].as_array().map(Vec::len),
        Some(4),
        "a refused command stored an identity"
    );
    let output = run(data.path(), &["audit", "verify"]);
    assert!(
        text(&output.stdout).contains("intact, 10 entries"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn tokens_are_shown_once_listed_without_secrets_and_revoked() {
    use std::io::Write;
    let data = fresh_store();
    for arguments in [
        vec!["org", "add", "waterbedrijf", "--sector", "water"],
        vec!["community", "add", "water", "--kind", "top-sector"],
    ] {
        let output = run(data.path(), &arguments);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let mut child = dijkwacht(data.path())
        .args([
            "user",
            "add",
            "bot@waterbedrijf.example",
            "--org",
            "waterbedrijf",
            "--role",
            "member",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(b"a long enough password\n")
        .expect("writable");
    assert!(child.wait_with_output().expect("ends").status.success());

    let output = run(
        data.path(),
        &[
            "token",
            "create",
            "--user",
            "bot@waterbedrijf.example",
            "--community",
            "water",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let token = text(&output.stdout).trim().to_owned();
    assert!(token.starts_with("dwt_") && token.len() > 50, "{token}");
    let secret = token
        .strip_prefix("dwt_")
        .and_then(|rest| rest.split_once('_'))
        .map(|(_, secret)| secret.to_owned())
        .unwrap_or_default();
    let listed = text(&run(data.path(), &["token", "list"]).stdout);
    assert!(
        listed.contains("bot@waterbedrijf.example") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&secret), "the list shows a secret");
    let id = token.split('_').nth(1).unwrap_or_default().to_owned();
    let output = run(data.path(), &["token", "revoke", &id]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&run(data.path(), &["token", "list"]).stdout).contains("revoked"));
    let output = run(data.path(), &["token", "revoke", "nothere1"]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(
        data.path(),
        &["token", "create", "--user", "nobody@x.example"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("does not exist"),
        "{}",
        text(&output.stderr)
    );
}

/// The demo prints a login per organisation; each works, and a wrong password is
/// refused and audited.
#[test]
fn demo_logins_work_and_failed_logins_are_audited() {
    use std::io::Write;
    let folder = tempfile::tempdir().expect("temporary folder");
    let demo_folder = folder.path().join("demo");
    let output = run(&demo_folder, &["demo", "--no-serve"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let logins: Vec<(String, String)> = stdout
        .lines()
        .filter_map(|line| {
            let (left, password) = line.rsplit_once(" / ")?;
            let email = left.split_whitespace().last()?;
            email
                .contains('@')
                .then(|| (email.to_owned(), password.trim().to_owned()))
        })
        .collect();
    assert!(logins.len() >= 5, "too few logins in:\n{stdout}");
    let login = |email: &str, password: &str| {
        let mut child = dijkwacht(&demo_folder)
            .args(["user", "login", email, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(password.as_bytes())
            .expect("writable");
        child.wait_with_output().expect("ends")
    };
    let mut reaches = std::collections::BTreeSet::new();
    for (email, password) in logins.iter().take(4) {
        let output = login(email, password);
        assert!(output.status.success(), "{email}: {}", text(&output.stdout));
        reaches.insert(
            text(&output.stdout)
                .split("shared into: ")
                .nth(1)
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert!(
        reaches.len() > 1,
        "the demo organisations should sit in different communities: {reaches:?}"
    );
    // A demo user's bulk export holds the demo intelligence, but never TLP:RED.
    let output = run(&demo_folder, &["export", "--visible-to", &logins[0].0]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let exported: Value = serde_json::from_slice(&output.stdout).expect("a bundle");
    let objects = exported["objects"].as_array().cloned().unwrap_or_default();
    assert!(objects.len() > 300, "only {} objects", objects.len());
    let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
    assert!(
        !objects.iter().any(|object| object["object_marking_refs"]
            .as_array()
            .is_some_and(|markings| markings.iter().any(|marking| marking == red))),
        "a RED object was exported"
    );
    let output = login(&logins[0].0, "not the password");
    assert_eq!(output.status.code(), Some(1));
    let audit = text(&run(&demo_folder, &["audit", "show"]).stdout);
    assert!(audit.contains("login-failed"), "{audit}");
}

/// `import --as` gives objects an owner, a scope and a TLP level; a user's bulk export
/// then holds exactly what the sharing rules allow them.
#[test]
fn imported_objects_reach_only_whom_their_handling_allows() {
    use std::io::Write;
    let data = fresh_store();
    let ok = |arguments: &[&str]| {
        let output = run(data.path(), arguments);
        assert!(
            output.status.success(),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
    };
    ok(&["org", "add", "waterbedrijf", "--sector", "water"]);
    ok(&["org", "add", "havenbedrijf", "--sector", "logistiek"]);
    ok(&["org", "add", "zuivel", "--sector", "agri-food"]);
    ok(&["community", "add", "plenum", "--kind", "plenum"]);
    ok(&[
        "community",
        "add",
        "water",
        "--kind",
        "top-sector",
        "--parent",
        "plenum",
    ]);
    ok(&["community", "join", "water", "waterbedrijf"]);
    ok(&["community", "join", "plenum", "havenbedrijf"]);
    for (email, organisation) in [
        ("a@waterbedrijf.example", "waterbedrijf"),
        ("b@havenbedrijf.example", "havenbedrijf"),
        ("c@zuivel.example", "zuivel"),
    ] {
        let mut child = dijkwacht(data.path())
            .args([
                "user",
                "add",
                email,
                "--org",
                organisation,
                "--role",
                "analyst",
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(b"a long enough password\n")
            .expect("writable");
        assert!(child.wait_with_output().expect("ends").status.success());
    }
    let folder = tempfile::tempdir().expect("temporary folder");
    let water = write(
        folder.path(),
        "water.json",
        bundle(vec![indicator("aa0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]),
    );
    let plenum = write(
        folder.path(),
        "plenum.json",
        bundle(vec![indicator("bb0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]),
    );
    let public = write(
        folder.path(),
        "public.json",
        bundle(vec![indicator("cc0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]),
    );
    ok(&[
        "import",
        water.to_str().unwrap_or_default(),
        "--as",
        "waterbedrijf",
        "--community",
        "water",
    ]);
    ok(&[
        "import",
        plenum.to_str().unwrap_or_default(),
        "--as",
        "havenbedrijf",
        "--community",
        "plenum",
        "--tlp",
        "amber",
    ]);
    ok(&[
        "import",
        public.to_str().unwrap_or_default(),
        "--as",
        "zuivel",
        "--public",
        "--tlp",
        "clear",
    ]);
    let visible = |email: &str| -> Vec<String> {
        let output = run(data.path(), &["export", "--visible-to", email]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let exported: Value = serde_json::from_slice(&output.stdout).expect("a bundle");
        let mut ids: Vec<String> = exported["objects"]
            .as_array()
            .map(|objects| {
                objects
                    .iter()
                    .filter_map(|object| object["id"].as_str().map(|id| id[11..13].to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    };
    // `water` was imported without --tlp: the community's default (green) applied.
    let audit = text(&run(data.path(), &["audit", "show"]).stdout);
    assert!(audit.contains("\"tlp_default\":\"green\""), "{audit}");
    // The water company sits in `water`, a child of `plenum`: it receives both.
    assert_eq!(visible("a@waterbedrijf.example"), ["aa", "bb", "cc"]);
    // The port sits in `plenum` only: shared into the child `water`, it does not reach it.
    assert_eq!(visible("b@havenbedrijf.example"), ["bb", "cc"]);
    // The dairy is in no community: public content and its own.
    assert_eq!(visible("c@zuivel.example"), ["cc"]);
    // Reads of AMBER and stricter are audited object by object, with the reader.
    let audit = text(&run(data.path(), &["audit", "show", "--limit", "100"]).stdout);
    let read_by_port = audit
        .lines()
        .find(|line| {
            line.contains("\"actor\":\"b@havenbedrijf.example\"")
                && line.contains("\"action\":\"export\"")
        })
        .unwrap_or_default();
    assert!(
        read_by_port.contains("indicator--bb0c1d2e"),
        "{read_by_port}"
    );

    // What the rules forbid is refused before anything is stored.
    let red = write(
        folder.path(),
        "red.json",
        bundle(vec![indicator("dd0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]),
    );
    for (arguments, code, expected) in [
        (
            vec!["--as", "zuivel", "--community", "water"],
            2,
            "not a member of the community",
        ),
        (vec!["--as", "nobody"], 2, "no organisation"),
        (
            vec!["--as", "zuivel", "--tlp", "purple"],
            2,
            "is not a TLP level",
        ),
        (
            vec!["--as", "zuivel", "--tlp", "red"],
            1,
            "name them with --recipient",
        ),
        (vec!["--community", "water"], 2, "--as"),
    ] {
        let mut all = vec!["import", red.to_str().unwrap_or_default()];
        all.extend(arguments.iter().copied());
        let output = run(data.path(), &all);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stderr).contains(expected),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
    }
    ok(&[
        "import",
        red.to_str().unwrap_or_default(),
        "--as",
        "zuivel",
        "--tlp",
        "red",
        "--recipient",
        "b@havenbedrijf.example",
    ]);
    assert_eq!(
        visible("b@havenbedrijf.example"),
        ["bb", "cc"],
        "RED never goes into a bulk export"
    );
}

/// Publishing through a community attributes the objects to the community's identity;
/// the real publisher is kept in the audit log only.
#[test]
fn publishing_through_a_community_hides_the_publisher() {
    let data = fresh_store();
    for arguments in [
        vec!["org", "add", "waterbedrijf", "--sector", "water"],
        vec!["community", "add", "water", "--kind", "top-sector"],
        vec!["community", "join", "water", "waterbedrijf"],
        vec!["org", "add", "zuivel", "--sector", "agri-food"],
    ] {
        let output = run(data.path(), &arguments);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let community_identity = text(&run(data.path(), &["community", "list"]).stdout);
    assert!(community_identity.contains("water"));
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut object = indicator("ee0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b");
    object["created_by_ref"] = json!("identity--11111111-2222-4333-8444-555555555555");
    let path = write(folder.path(), "anonymous.json", bundle(vec![object]));
    let output = run(
        data.path(),
        &[
            "import",
            path.to_str().unwrap_or_default(),
            "--as",
            "waterbedrijf",
            "--community",
            "water",
            "--tlp",
            "green",
            "--through",
            "water",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let exported: Value =
        serde_json::from_slice(&run(data.path(), &["export", "--type", "indicator"]).stdout)
            .expect("a bundle");
    let creator = exported["objects"][0]["created_by_ref"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let identities: Value =
        serde_json::from_slice(&run(data.path(), &["export", "--type", "identity"]).stdout)
            .expect("a bundle");
    let water = identities["objects"]
        .as_array()
        .and_then(|objects| {
            objects
                .iter()
                .find(|object| object["identity_class"] == "group")
        })
        .and_then(|object| object["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(creator, water, "the object is attributed to the community");
    let audit = text(&run(data.path(), &["audit", "show"]).stdout);
    let entry = audit
        .lines()
        .find(|line| line.contains("\"action\":\"import\""))
        .unwrap_or_default();
    assert!(
        entry.contains("\"as\":\"waterbedrijf\"") && entry.contains("published_through"),
        "{entry}"
    );
    // Only members publish through a community.
    let output = run(
        data.path(),
        &[
            "import",
            path.to_str().unwrap_or_default(),
            "--as",
            "zuivel",
            "--through",
            "water",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not a member"),
        "{}",
        text(&output.stderr)
    );
}
