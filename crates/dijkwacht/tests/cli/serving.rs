//! The serving commands: `serve` and `demo`, over real HTTP on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::Child;

use super::*;

/// A running `dijkwacht` server process, killed when dropped.
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

/// The demo prints a login per organisation; each works, and a wrong password is
/// refused and audited.
#[test]
fn demo_logins_work_and_failed_logins_are_audited() {
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
        run_with_input(
            &demo_folder,
            &["user", "login", email, "--password-stdin"],
            password.as_bytes(),
        )
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
