//! The sharing rules seen from the command line: handling given on import, exports
//! through the policy, and publishing through a community.

use super::*;

/// `import --as` gives objects an owner, a scope and a TLP level; a user's bulk export
/// then holds exactly what the sharing rules allow them.
#[test]
fn imported_objects_reach_only_whom_their_handling_allows() {
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
        add_analyst(data.path(), email, organisation);
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
