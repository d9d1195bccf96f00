//! Administering who is who (organisations, communities, users, tokens) and the audit
//! log that records it.

use super::*;

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

    let output = run_with_input(
        data.path(),
        &[
            "user",
            "add",
            "alice@waterbedrijf.example",
            "--org",
            "waterbedrijf",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        b"correct horse battery staple\n",
    );
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
    let data = fresh_store();
    for arguments in [
        vec!["org", "add", "waterbedrijf", "--sector", "water"],
        vec!["community", "add", "water", "--kind", "top-sector"],
    ] {
        let output = run(data.path(), &arguments);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let output = run_with_input(
        data.path(),
        &[
            "user",
            "add",
            "bot@waterbedrijf.example",
            "--org",
            "waterbedrijf",
            "--role",
            "member",
            "--password-stdin",
        ],
        b"a long enough password\n",
    );
    assert!(output.status.success());

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
