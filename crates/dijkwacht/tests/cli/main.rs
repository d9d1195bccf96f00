//! The `dijkwacht` binary as a user meets it: real processes, a real SQLite file in a
//! temporary folder, real HTTP on 127.0.0.1, and the STIX corpora of ../shared/data.
//! One test binary; the modules follow the commands' concerns.

mod alerts;
mod alerts_delivery;
mod alerts_economy;
mod alerts_red;
mod crash;
mod directory;
mod exports;
mod feed_server;
mod fusion;
mod matching;
mod openapi;
mod serving;
mod sharing;
mod sources;
mod sources_csaf;
mod sources_feedback;
mod sources_taxii;
mod stix;
mod taxii;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

pub fn dijkwacht(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dijkwacht"));
    command
        .arg("--data")
        .arg(data)
        .env_remove("DIJKWACHT_DATA")
        .env_remove("DIJKWACHT_LISTEN");
    command
}

pub fn run(data: &Path, arguments: &[&str]) -> Output {
    dijkwacht(data)
        .args(arguments)
        .output()
        .expect("the binary runs")
}

/// Runs the binary with `input` on its standard input.
pub fn run_with_input(data: &Path, arguments: &[&str], input: impl AsRef<[u8]>) -> Output {
    use std::io::Write;
    let mut child = dijkwacht(data)
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_ref())
        .expect("the binary reads its input");
    child.wait_with_output().expect("the binary ends")
}

/// Runs the binary, asserts that it succeeded, and gives its standard output.
pub fn run_ok(data: &Path, arguments: &[&str]) -> String {
    let output = run(data, arguments);
    assert!(
        output.status.success(),
        "{arguments:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// Adds an analyst `email` to `organisation`, with a password from standard input.
pub fn add_analyst(data: &Path, email: &str, organisation: &str) {
    let arguments = [
        "user",
        "add",
        email,
        "--org",
        organisation,
        "--role",
        "analyst",
        "--password-stdin",
    ];
    let output = run_with_input(data, &arguments, b"a long enough password\n");
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// Organisations `fusion` and `waterbedrijf`, both members of community `water`.
pub fn water_community_with_fusion(data: &Path) {
    for arguments in [
        vec!["org", "add", "fusion", "--sector", "water"],
        vec!["org", "add", "waterbedrijf", "--sector", "water"],
        vec!["community", "add", "water", "--kind", "top-sector"],
        vec!["community", "join", "water", "fusion"],
        vec!["community", "join", "water", "waterbedrijf"],
    ] {
        run_ok(data, &arguments);
    }
}

/// A source of `kind` read from `path`, routed to community `water` as `fusion`, with
/// reliability and TLP as given.
pub fn add_water_source(
    data: &Path,
    name: &str,
    kind: &str,
    path: &Path,
    reliability: &str,
    tlp: &str,
) {
    let sharing = ["--community", "water", "--tlp", tlp];
    add_fusion_source(data, name, kind, path, reliability, &sharing);
}

/// A source of `kind` read from `path`, published as `fusion` with `reliability` and
/// the `sharing` flags of `source add`.
pub fn add_fusion_source(
    data: &Path,
    name: &str,
    kind: &str,
    path: &Path,
    reliability: &str,
    sharing: &[&str],
) {
    let path = path.display().to_string();
    let mut arguments = vec!["source", "add", name, "--kind", kind, "--path", &path];
    arguments.extend_from_slice(sharing);
    arguments.extend(["--as", "fusion", "--reliability", reliability]);
    run_ok(data, &arguments);
}

/// Makes the source added last share with everyone, by a route rule after its table
/// in `dijkwacht.toml`.
pub fn share_last_source_publicly(data: &Path) {
    let config_path = data.join("dijkwacht.toml");
    let mut config = std::fs::read_to_string(&config_path).expect("the source configuration");
    config.push_str("\n[[source.route]]\nscope = \"public\"\ntlp = \"clear\"\n");
    std::fs::write(&config_path, config).expect("the route is written");
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn shared_data() -> Option<PathBuf> {
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

pub fn reference_python() -> Option<PathBuf> {
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

pub fn fresh_store() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temporary folder");
    let output = run(folder.path(), &["init"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    folder
}

pub fn total_objects(data: &Path) -> u64 {
    let output = run(data, &["stats", "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).expect("stats prints JSON");
    rows.iter().filter_map(|row| row["objects"].as_u64()).sum()
}

pub fn write(folder: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, content).expect("writable");
    path
}

pub fn indicator(id_suffix: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{id_suffix}"),
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "name": "C2", "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
        "valid_from": "2026-01-05T10:00:00Z"
    })
}

pub fn bundle(objects: Vec<Value>) -> String {
    json!({"type": "bundle", "id": "bundle--1c7f7b36-2a4b-4b8e-9a57-0b5b7c1d2e3f", "objects": objects}).to_string()
}

/// A serving command running in the background; killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a serving command and waits for the address it announces.
pub fn start_server(mut command: Command) -> Server {
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
        let after_scheme = line
            .split_once("https://")
            .or_else(|| line.split_once("http://"))
            .map(|(_, rest)| rest);
        if let Some(rest) = after_scheme {
            break rest.split('/').next().unwrap_or_default().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}
