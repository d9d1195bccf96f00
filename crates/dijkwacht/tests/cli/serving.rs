//! The serving commands: `serve` and `demo`, over real HTTP and HTTPS on 127.0.0.1.

use super::*;

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
    // Several demo organisations have alerts with steps, from the shipped feeds: the
    // demo CSAF advisory, the demo KEV catalogue and the demo indicators.
    let alerts = demo_alerts(&demo_folder);
    for (organisation, kind, step_source) in [
        (
            "waterschap-zeeduin",
            "vulnerable-product",
            "csaf-remediation",
        ),
        ("kadewerk", "exploited-vulnerability", "kev-required-action"),
        ("van-der-graaf", "listed-address", "template"),
    ] {
        assert!(
            alerts
                .iter()
                .any(|alert| alert["organisation"] == organisation
                    && alert["kind"] == kind
                    && has_step_from(alert, step_source)),
            "{organisation} has no {kind} alert with a {step_source} step: {alerts:?}"
        );
    }
    // The fixed version of the demo advisory's product is not alerted.
    assert!(
        !alerts
            .iter()
            .any(|alert| alert["organisation"] == "rijnmond-warmtenet"
                && alert["kind"] == "vulnerable-product"),
        "rijnmond-warmtenet runs the fixed AquaView 4.3.0"
    );
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
    if shared_data().is_none() {
        return;
    }
    let folder = tempfile::tempdir().expect("temporary folder");
    let demo_folder = folder.path().join("demo");
    // As the README says it: a path relative to where the command runs, not to the
    // data folder.
    let output = dijkwacht(&demo_folder)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["demo", "--no-serve", "--samples", "../../../shared/data"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        !text(&output.stdout).contains("stopped:"),
        "every source ran: {}",
        text(&output.stdout)
    );
    assert!(total_objects(&demo_folder) > 3_500);
    // The real KEV catalogue and CISA's CSAF advisories alert the demo organisations
    // that run what they name, with CISA's required action or the vendor's remedy.
    let alerts = demo_alerts(&demo_folder);
    for (organisation, kind, step_source, about) in [
        (
            "van-der-graaf",
            "exploited-vulnerability",
            "kev-required-action",
            "Microsoft Exchange Server",
        ),
        (
            "duinrand-diagnostics",
            "vulnerable-product",
            "csaf-remediation",
            "Philips Vue PACS",
        ),
        (
            "rijnmond-warmtenet",
            "vulnerable-product",
            "csaf-remediation",
            "Kieback&Peter",
        ),
    ] {
        assert!(
            alerts
                .iter()
                .any(|alert| alert["organisation"] == organisation
                    && alert["kind"] == kind
                    && alert["body"]["title"]["en"]
                        .as_str()
                        .is_some_and(|title| title.contains(about))
                    && has_step_from(alert, step_source)),
            "{organisation} has no {kind} alert about {about} with a {step_source} step"
        );
    }
}

/// Every alert of the demo folder, as `alerts list --format json` gives them.
fn demo_alerts(demo_folder: &std::path::Path) -> Vec<serde_json::Value> {
    let output = run(demo_folder, &["alerts", "list", "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("alerts list gives JSON")
}

fn has_step_from(alert: &serde_json::Value, source: &str) -> bool {
    alert["body"]["steps"].as_array().is_some_and(|steps| {
        steps.iter().any(|step| {
            step["source"] == source && step["nl"].as_str().is_some_and(|nl| !nl.is_empty())
        })
    })
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

/// A self-signed certificate for 127.0.0.1, written as PEM files into `folder`; returns
/// the certificate's PEM and the two paths.
fn write_test_certificate(folder: &Path) -> (String, PathBuf, PathBuf) {
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .expect("a certificate is generated");
    let certificate_pem = generated.cert.pem();
    let certificate = write(folder, "certificate.pem", &certificate_pem);
    let key = write(folder, "key.pem", generated.signing_key.serialize_pem());
    (certificate_pem, certificate, key)
}

#[test]
fn serve_over_https_answers_health() {
    let data = fresh_store();
    let (certificate_pem, certificate, key) = write_test_certificate(data.path());
    let mut command = dijkwacht(data.path());
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&certificate)
        .arg("--tls-key")
        .arg(&key);
    let server = start_server(command);
    let client = reqwest::blocking::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(certificate_pem.as_bytes()).expect("PEM"),
        )
        .build()
        .expect("a client");
    let health: Value = client
        .get(format!("https://{}/healthz", server.address))
        .send()
        .and_then(|response| response.json())
        .expect("healthz answers over HTTPS");
    assert_eq!(health["status"], "ok");
}

#[test]
fn serve_refuses_half_a_tls_configuration_and_names_the_missing_flag() {
    let data = fresh_store();
    let (_, certificate, key) = write_test_certificate(data.path());
    let path = |path: &Path| path.to_str().unwrap_or_default().to_owned();
    for (given, missing) in [
        (["--tls-cert", &path(&certificate)], "--tls-key"),
        (["--tls-key", &path(&key)], "--tls-cert"),
    ] {
        let output = run(
            data.path(),
            &[&["serve", "--listen", "127.0.0.1:0"], &given[..]].concat(),
        );
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        assert!(stderr.contains(missing), "{stderr}");
    }
}

#[test]
fn serve_names_a_certificate_file_without_a_certificate() {
    let data = fresh_store();
    let (_, _, key) = write_test_certificate(data.path());
    let not_a_certificate = write(data.path(), "notes.txt", "just some notes");
    let output = run(
        data.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            not_a_certificate.to_str().unwrap_or_default(),
            "--tls-key",
            key.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no certificate found") && stderr.contains("notes.txt"),
        "{stderr}"
    );
}

#[test]
fn serve_warns_when_plain_http_listens_beyond_loopback() {
    let data = fresh_store();
    let mut child = dijkwacht(data.path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let first_line = BufReader::new(stderr)
        .lines()
        .next()
        .and_then(Result::ok)
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        first_line.starts_with("warning:") && first_line.contains("HTTPS"),
        "{first_line}"
    );
}

#[test]
fn serve_applies_the_limit_flags() {
    let data = fresh_store();
    let mut command = dijkwacht(data.path());
    command.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--max-body-bytes",
        "100",
        "--rate-limit-per-minute",
        "1",
        "--rate-limit-burst",
        "2",
    ]);
    let server = start_server(command);
    let client = reqwest::blocking::Client::new();
    let oversized = client
        .post(format!("http://{}/healthz", server.address))
        .body(vec![b' '; 200])
        .send()
        .expect("the server answers");
    assert_eq!(oversized.status(), 413);
    let error: Value = oversized.json().expect("a JSON error");
    assert_eq!(error["error"]["code"], "payload_too_large");
    // That was the first request of a burst of two.
    let healthz = format!("http://{}/healthz", server.address);
    assert_eq!(client.get(&healthz).send().expect("answers").status(), 200);
    let refused = client.get(&healthz).send().expect("answers");
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}
