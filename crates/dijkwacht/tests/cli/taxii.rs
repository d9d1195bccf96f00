//! The TAXII 2.1 server against the OASIS reference client: a data folder seeded with
//! the CLI (organisations, nested communities, users of every role, tokens), `serve`,
//! and `tests/reference/taxii_interop.py` driving it with taxii2-client as each user,
//! checking what each may see and validating every returned object with
//! stix2-validator.

use super::*;

/// Seeds three organisations in a plenum with two sector communities, users of several
/// roles, a platform admin and two tokens; returns the logins and tokens for the script.
fn seed(data: &Path) -> Value {
    let ok = |arguments: &[&str]| {
        let output = run(data, arguments);
        assert!(
            output.status.success(),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    };
    ok(&["org", "add", "waterbedrijf", "--sector", "water"]);
    ok(&["org", "add", "havenbedrijf", "--sector", "logistiek"]);
    ok(&["org", "add", "zuivel", "--sector", "agri-food"]);
    ok(&["org", "add", "fusion-center", "--sector", "other"]);
    ok(&["community", "add", "plenum", "--kind", "plenum"]);
    for community in ["water", "haven"] {
        ok(&[
            "community",
            "add",
            community,
            "--kind",
            "top-sector",
            "--parent",
            "plenum",
            "--default-tlp",
            "amber",
        ]);
    }
    ok(&["community", "join", "water", "waterbedrijf"]);
    ok(&["community", "join", "haven", "havenbedrijf"]);
    ok(&["community", "join", "plenum", "zuivel"]);
    let mut users = serde_json::Map::new();
    for (name, email, organisation, role) in [
        (
            "water_analyst",
            "water-analyst@waterbedrijf.example",
            "waterbedrijf",
            "analyst",
        ),
        (
            "water_member",
            "water-member@waterbedrijf.example",
            "waterbedrijf",
            "member",
        ),
        (
            "haven_analyst",
            "haven-analyst@havenbedrijf.example",
            "havenbedrijf",
            "analyst",
        ),
        (
            "zuivel_analyst",
            "zuivel-analyst@zuivel.example",
            "zuivel",
            "analyst",
        ),
        (
            "admin",
            "admin@fusion-center.example",
            "fusion-center",
            "admin",
        ),
    ] {
        let password = format!("{name} has a long password");
        let output = run_with_input(
            data,
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
            password.as_bytes(),
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        users.insert(name.to_owned(), json!([email, password]));
    }
    let token = |arguments: &[&str]| {
        ok(arguments)
            .split_whitespace()
            .find(|word| word.starts_with("dwt_"))
            .expect("the token is printed")
            .to_owned()
    };
    let haven_read_only = token(&[
        "token",
        "create",
        "--user",
        "haven-analyst@havenbedrijf.example",
    ]);
    let water_limited_writer = token(&[
        "token",
        "create",
        "--user",
        "water-analyst@waterbedrijf.example",
        "--write",
        "--community",
        "water",
    ]);
    json!({
        "users": users,
        "tokens": {
            "haven_read_only": haven_read_only,
            "water_limited_writer": water_limited_writer,
        },
    })
}

#[test]
fn the_reference_taxii_client_sees_what_the_sharing_rules_allow() {
    let Some(python) = reference_python() else {
        return;
    };
    let data = fresh_store();
    let mut config = seed(data.path());
    let mut command = dijkwacht(data.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = start_server(command);
    config["url"] = json!(format!("http://{}", server.address));
    let config_file = write(data.path(), "interop.json", config.to_string());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/taxii_interop.py");
    let output = Command::new(python)
        .arg(script)
        .arg(&config_file)
        .output()
        .expect("the reference Python runs");
    assert!(
        output.status.success(),
        "the interoperability script failed:\n{}\n{}",
        text(&output.stderr),
        text(&output.stdout)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).expect("a JSON summary");
    assert_eq!(summary["checks"], "passed");
    assert!(
        summary["objects_validated"].as_u64().unwrap_or(0) >= 5,
        "too few objects were validated: {summary}"
    );
    // What the clients did is in the audit log: the additions, the deletion, the
    // failed login, and who read TLP:AMBER.
    let audit = text(&run(data.path(), &["audit", "show"]).stdout);
    for action in ["taxii-add", "taxii-delete", "login-failed", "taxii-read"] {
        assert!(
            audit.contains(action),
            "no {action} in the audit log:\n{audit}"
        );
    }
    let verified = run(data.path(), &["audit", "verify"]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));
}
