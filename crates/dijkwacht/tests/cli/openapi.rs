//! The REST API against its own OpenAPI document, with `schemathesis` (PyPI, pinned in
//! scripts/reference-requirements.txt): it generates requests from the document —
//! valid ones and broken ones — and fails when an answer is a server error or does not
//! match the schema documented for its status. It runs against the real binary over a
//! data folder seeded through the command line, signed in as a platform admin so that
//! every endpoint is reached.

use std::time::Instant;

use super::*;

const ADMIN: &str = "admin@fusion.example";
const PASSWORD: &str = "a long enough password";

fn seeded_data_folder() -> tempfile::TempDir {
    let data = fresh_store();
    let ok = |arguments: &[&str]| run_ok(data.path(), arguments);
    ok(&["org", "add", "fusion", "--sector", "other"]);
    ok(&["org", "add", "waterbedrijf", "--sector", "water"]);
    ok(&["community", "add", "water", "--kind", "top-sector"]);
    ok(&[
        "community",
        "add",
        "chemie",
        "--kind",
        "top-sector",
        "--vetted",
    ]);
    ok(&["community", "join", "water", "waterbedrijf"]);
    ok(&["community", "join", "water", "fusion"]);
    ok(&["community", "join", "chemie", "waterbedrijf"]);
    for (email, organisation, role) in [
        (ADMIN, "fusion", "admin"),
        ("alice@waterbedrijf.example", "waterbedrijf", "analyst"),
    ] {
        let output = run_with_input(
            data.path(),
            &[
                "user",
                "add",
                email,
                "--org",
                organisation,
                "--role",
                role,
                "--password-stdin",
            ],
            format!("{PASSWORD}\n"),
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let folder = tempfile::tempdir().expect("temporary folder");
    let shared = write(
        folder.path(),
        "water.json",
        bundle(vec![indicator("dd0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b")]),
    );
    let shared = shared.to_string_lossy().into_owned();
    ok(&[
        "import",
        &shared,
        "--as",
        "waterbedrijf",
        "--community",
        "water",
        "--tlp",
        "amber",
    ]);
    data
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_off_the_schema() {
    let Some(python) = reference_python() else {
        return;
    };
    let schemathesis = python.with_file_name("schemathesis");
    if !schemathesis.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "schemathesis is missing from the reference venv under CI; run scripts/test.sh"
        );
        eprintln!(
            "skipping the schemathesis run: {} is missing (scripts/test.sh installs it)",
            schemathesis.display()
        );
        return;
    }
    let data = seeded_data_folder();
    let mut command = dijkwacht(data.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = start_server(command);
    let report = tempfile::tempdir().expect("temporary folder");
    let started = Instant::now();
    let output = Command::new(&schemathesis)
        .args([
            "run",
            &format!("http://{}/api/v1/openapi.json", server.address),
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--auth",
            &format!("{ADMIN}:{PASSWORD}"),
            "--max-examples",
            "12",
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--seed",
            "20260105",
            // The stream never ends by design; its own tests cover it.
            "--exclude-path",
            "/api/v1/stream",
            "--report-dir",
        ])
        .arg(report.path())
        // It keeps a cache of examples in its working folder; keep that out of the clone.
        .current_dir(report.path())
        .env("SCHEMATHESIS_DISABLE_TELEMETRY", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("schemathesis runs");
    let stdout = text(&output.stdout);
    eprintln!(
        "schemathesis took {:.0?}\n{stdout}\n{}",
        started.elapsed(),
        text(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis found problems (see its report above)"
    );
    // Every operation but the stream was selected, and every selected one tested.
    let figure = |label: &str| {
        stdout
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| panic!("no '{label}' in the report: {stdout}"))
    };
    let selected = figure("Selected:");
    let tested = figure("Tested:");
    let (chosen, documented) = selected.split_once('/').unwrap_or_default();
    let documented: usize = documented.parse().unwrap_or_default();
    assert!(
        documented >= 18,
        "the document lists every endpoint: {selected}"
    );
    assert_eq!(chosen, tested, "every selected operation was tested");
    assert_eq!(chosen.parse::<usize>().ok(), Some(documented - 1));
}
