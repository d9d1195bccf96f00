//! CSAF sources as an operator runs them, on CISA's published advisories from
//! ../shared/data: a provider directory (`changes.csv`, `index.txt`, year folders)
//! served on 127.0.0.1, a ROLIE feed and provider metadata written here pointing at the
//! served files, and a folder of advisories.
//!
//! CISA's own listings name advisories by their path in CISA's repository
//! (`csaf_files/OT/white/2024/…`) and list many advisories the snapshot does not hold,
//! so the served directory is made here from the advisories present, with CISA's
//! `changes.csv` and `index.txt` lines for them, made relative to the directory.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::feed_server::{FeedServer, serve};
use crate::{fresh_store, run, run_ok, shared_data, text, write};

/// Copies CISA's `<branch>/white` advisories into `<into>/<name>/2024/` with CISA's
/// listings for them; gives the advisories' paths relative to the directory, in the
/// order of `changes.csv` (newest first).
fn provider_directory(shared: &Path, branch: &str, into: &Path, name: &str) -> Vec<String> {
    let source = shared.join("csaf/cisa-csaf").join(branch).join("white");
    let directory = into.join(name);
    std::fs::create_dir_all(directory.join("2024"))
        .unwrap_or_else(|error| panic!("writable: {error}"));
    let entries = std::fs::read_dir(source.join("2024"))
        .unwrap_or_else(|error| panic!("the CISA advisories: {error}"));
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.ends_with(".json") {
            std::fs::copy(entry.path(), directory.join("2024").join(&file_name))
                .unwrap_or_else(|error| panic!("copying {file_name}: {error}"));
        }
    }
    let prefix = format!("csaf_files/{branch}/white/");
    let present = |path: &str| directory.join(path).is_file();
    let relative_lines = |listing: &str| -> Vec<String> {
        let text = std::fs::read_to_string(source.join(listing))
            .unwrap_or_else(|error| panic!("CISA's {listing}: {error}"));
        text.lines()
            .filter_map(|line| line.strip_prefix(&prefix))
            .filter(|line| present(line.split(',').next().unwrap_or_default()))
            .map(str::to_owned)
            .collect()
    };
    let changes = relative_lines("changes.csv");
    let index = relative_lines("index.txt");
    write(&directory, "changes.csv", changes.join("\n") + "\n");
    write(&directory, "index.txt", index.join("\n") + "\n");
    let paths: Vec<String> = changes
        .iter()
        .map(|line| line.split(',').next().unwrap_or_default().to_owned())
        .collect();
    let copied = std::fs::read_dir(directory.join("2024")).map_or(0, Iterator::count);
    assert_eq!(paths.len(), copied, "every copied advisory is listed");
    assert_eq!(index.len(), copied, "every copied advisory is indexed");
    assert!(copied > 0, "no CISA advisories in {}", source.display());
    paths
}

/// The number of objects of `kind` stored in `data`.
fn stored(data: &Path, kind: &str) -> u64 {
    let output = run_ok(data, &["stats", "--format", "json"]);
    let rows: Vec<Value> =
        serde_json::from_str(&output).unwrap_or_else(|error| panic!("stats prints JSON: {error}"));
    rows.iter()
        .filter(|row| row["type"] == kind)
        .filter_map(|row| row["objects"].as_u64())
        .sum()
}

fn add_csaf_source(data: &Path, name: &str, location: (&str, &str)) {
    run_ok(
        data,
        &[
            "source", "add", name, "--kind", "csaf", location.0, location.1,
        ],
    );
}

/// Runs `name`, asserting it succeeded; gives standard output and standard error.
fn run_source(data: &Path, name: &str) -> (String, String) {
    let output = run(data, &["source", "run", name]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn a_provider_directory_is_read_whole_once_and_then_only_for_what_changed() {
    let Some(shared) = shared_data() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("temporary folder: {error}"));
    let advisories = provider_directory(&shared, "OT", folder.path(), "white");
    let feed = serve(folder.path().to_path_buf());
    let store = fresh_store();
    let data = store.path();
    add_csaf_source(data, "cisa-ot", ("--url", &feed.url("white/")));

    let (first, problems) = run_source(data, "cisa-ot");
    assert_eq!(
        stored(data, "report"),
        advisories.len() as u64,
        "{first}{problems}"
    );
    // CISA describes itself differently in some advisories (category `other` or
    // `coordinator`, another contact) under one namespace and name; the mapping gives
    // them one identity id and version, so the later descriptions are refused. That is
    // the only problem: every advisory's report is stored.
    for problem in problems.lines() {
        assert!(
            problem.contains("object identity--")
                && problem.contains("a different object with this id and version"),
            "{problems}"
        );
    }
    let requests = |feed: &FeedServer, path: &str| feed.requests(&format!("/white/{path}"));
    for advisory in &advisories {
        assert_eq!(requests(&feed, advisory), 1, "{advisory}");
    }

    // Nothing changed: changes.csv answers 304 and no advisory is fetched again.
    let (second, _) = run_source(data, "cisa-ot");
    assert!(second.contains("(1 unchanged), 0 object(s)"), "{second}");
    assert_eq!(feed.not_modified(), 1);
    assert_eq!(requests(&feed, "changes.csv"), 2);
    for advisory in &advisories {
        assert_eq!(requests(&feed, advisory), 1, "{advisory}");
    }

    // The publisher lists one advisory as changed: only that one is fetched again.
    let changes_path = folder.path().join("white/changes.csv");
    let changes = std::fs::read_to_string(&changes_path)
        .unwrap_or_else(|error| panic!("changes.csv: {error}"));
    let changed = &advisories[advisories.len() / 2];
    let mut lines: Vec<String> = changes
        .lines()
        .filter(|line| !line.starts_with(changed.as_str()))
        .map(str::to_owned)
        .collect();
    lines.insert(0, format!("{changed},2030-01-01T00:00:00.000Z"));
    write(
        &folder.path().join("white"),
        "changes.csv",
        lines.join("\n"),
    );
    let (third, _) = run_source(data, "cisa-ot");
    assert!(third.contains("new 0, updated 0"), "{third}");
    for advisory in &advisories {
        let expected = if advisory == changed { 2 } else { 1 };
        assert_eq!(requests(&feed, advisory), expected, "{advisory}");
    }
    assert_eq!(stored(data, "report"), advisories.len() as u64);
}

#[test]
fn a_broken_advisory_in_the_middle_is_named_and_the_others_are_stored() {
    let Some(shared) = shared_data() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("temporary folder: {error}"));
    let advisories = provider_directory(&shared, "OT", folder.path(), "white");
    let broken = &advisories[advisories.len() / 2];
    let broken_file = folder.path().join("white").join(broken);
    let bytes = std::fs::read(&broken_file).unwrap_or_else(|error| panic!("{broken}: {error}"));
    std::fs::write(&broken_file, &bytes[..bytes.len() / 2])
        .unwrap_or_else(|error| panic!("{broken}: {error}"));
    // And one listed advisory is not there at all.
    let mut changes = std::fs::read_to_string(folder.path().join("white/changes.csv"))
        .unwrap_or_else(|error| panic!("changes.csv: {error}"));
    changes.push_str("2024/icsa-24-999-99.json,2024-10-01T00:00:00.000Z\n");
    write(&folder.path().join("white"), "changes.csv", changes);
    let feed = serve(folder.path().to_path_buf());
    let store = fresh_store();
    let data = store.path();
    add_csaf_source(data, "cisa-ot", ("--url", &feed.url("white/")));

    let (_, problems) = run_source(data, "cisa-ot");
    let file_name = broken.rsplit('/').next().unwrap_or_default();
    assert!(
        problems.contains(&format!(
            "{file_name}: the document: not read as a CSAF advisory"
        )),
        "{problems}"
    );
    assert!(
        problems.contains("icsa-24-999-99.json: listed in") && problems.contains("404"),
        "{problems}"
    );
    assert_eq!(stored(data, "report"), advisories.len() as u64 - 1);

    // The missing advisory is asked for again; the broken one, at its listed version,
    // is not.
    let (_, again) = run_source(data, "cisa-ot");
    assert!(again.contains("icsa-24-999-99.json"), "{again}");
    assert!(!again.contains(file_name), "{again}");
    assert_eq!(feed.requests("/white/2024/icsa-24-999-99.json"), 2);
    assert_eq!(feed.requests(&format!("/white/{broken}")), 1);
}

/// A ROLIE feed of the served IT advisories, with one entry on another origin.
fn rolie_feed(feed: &FeedServer, folder: &Path, advisories: &[String]) -> PathBuf {
    let mut entries: Vec<Value> = advisories
        .iter()
        .map(|path| {
            let advisory: Value = serde_json::from_slice(
                &std::fs::read(folder.join("it").join(path))
                    .unwrap_or_else(|error| panic!("{path}: {error}")),
            )
            .unwrap_or_else(|error| panic!("{path}: {error}"));
            let tracking = &advisory["document"]["tracking"];
            let url = feed.url(&format!("it/{path}"));
            json!({
                "id": tracking["id"],
                "title": advisory["document"]["title"],
                "updated": tracking["current_release_date"],
                "content": {"src": url, "type": "application/json"},
                "link": [{"rel": "self", "href": url}, {"ref": "hash", "href": format!("{url}.sha512")}],
                "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"}
            })
        })
        .collect();
    entries.push(json!({
        "id": "VA-24-999-01", "updated": "2024-10-01T00:00:00Z",
        "content": {"src": format!("http://127.0.0.2:{}/it/2024/va-24-999-01.json", feed.port)}
    }));
    let document = json!({"feed": {
        "id": "cisa-csaf-it-feed-tlp-white", "title": "CISA IT advisories (TLP:WHITE)",
        "updated": "2024-10-03T16:03:00Z", "entry": entries
    }});
    write(
        &folder.join("it"),
        "feed-tlp-white.json",
        document.to_string(),
    )
}

#[test]
fn a_rolie_feed_and_provider_metadata_lead_to_the_advisories_on_this_origin() {
    let Some(shared) = shared_data() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("temporary folder: {error}"));
    let ot = provider_directory(&shared, "OT", folder.path(), "white");
    let it = provider_directory(&shared, "IT", folder.path(), "it");
    let feed = serve(folder.path().to_path_buf());
    rolie_feed(&feed, folder.path(), &it);
    let store = fresh_store();
    let data = store.path();

    add_csaf_source(
        data,
        "cisa-it",
        ("--url", &feed.url("it/feed-tlp-white.json")),
    );
    let (_, problems) = run_source(data, "cisa-it");
    assert_eq!(stored(data, "report"), it.len() as u64);
    assert!(
        problems.contains("1 advisory(ies) are on another origin")
            && problems.contains("127.0.0.2"),
        "{problems}"
    );
    let (again, _) = run_source(data, "cisa-it");
    assert!(again.contains("(1 unchanged), 0 object(s)"), "{again}");

    // The provider's metadata names the OT directory and the IT feed here, and a feed
    // elsewhere. The IT advisories are known already; the OT ones are new.
    let metadata = json!({
        "canonical_url": feed.url(".well-known/csaf/provider-metadata.json"),
        "last_updated": "2024-10-24T12:00:00.000Z",
        "list_on_CSAF_aggregators": true,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": true,
        "publisher": {"category": "coordinator", "name": "CISA", "namespace": "https://www.cisa.gov/"},
        "role": "csaf_trusted_provider",
        "distributions": [
            {"directory_url": feed.url("white/")},
            {"rolie": {"feeds": [
                {"tlp_label": "WHITE", "url": feed.url("it/feed-tlp-white.json")},
                {"tlp_label": "AMBER", "url": "https://csaf.example.invalid/feed-tlp-amber.json"}
            ]}}
        ]
    });
    let well_known = folder.path().join(".well-known/csaf");
    std::fs::create_dir_all(&well_known).unwrap_or_else(|error| panic!("writable: {error}"));
    write(&well_known, "provider-metadata.json", metadata.to_string());
    add_csaf_source(
        data,
        "cisa",
        (
            "--url",
            &feed.url(".well-known/csaf/provider-metadata.json"),
        ),
    );
    let (printed, problems) = run_source(data, "cisa");
    assert!(
        problems.contains("https://csaf.example.invalid/feed-tlp-amber.json is on another origin"),
        "{problems}"
    );
    assert_eq!(
        stored(data, "report"),
        (ot.len() + it.len()) as u64,
        "{printed}"
    );
    // Each source keeps its own cursor: the IT advisories were fetched once per source.
    for path in &ot {
        assert_eq!(feed.requests(&format!("/white/{path}")), 1, "{path}");
    }
    for path in &it {
        assert_eq!(feed.requests(&format!("/it/{path}")), 2, "{path}");
    }

    // Metadata whose every distribution is elsewhere fails the source, saying why.
    let elsewhere = json!({
        "canonical_url": "https://csaf.example.invalid/.well-known/csaf/provider-metadata.json",
        "publisher": {"category": "vendor", "name": "Elsewhere", "namespace": "https://csaf.example.invalid"},
        "distributions": [{"directory_url": "https://csaf.example.invalid/csaf/white/"}]
    });
    write(&well_known, "elsewhere.json", elsewhere.to_string());
    add_csaf_source(
        data,
        "elsewhere",
        ("--url", &feed.url(".well-known/csaf/elsewhere.json")),
    );
    let output = run(data, &["source", "run", "elsewhere"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("every distribution of Elsewhere is on another origin"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn a_folder_of_advisories_is_read_recursively_and_unchanged_files_are_skipped() {
    let Some(shared) = shared_data() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("temporary folder: {error}"));
    let ot = provider_directory(&shared, "OT", folder.path(), "ot");
    let it = provider_directory(&shared, "IT", folder.path(), "it");
    // A mirrored distribution keeps its listings beside the advisories.
    write(
        &folder.path().join("it"),
        "feed.json",
        json!({"feed": {"entry": []}}).to_string(),
    );
    write(
        folder.path(),
        "notes.json",
        json!({"title": "not an advisory"}).to_string(),
    );
    let store = fresh_store();
    let data = store.path();
    let path = folder.path().display().to_string();
    add_csaf_source(data, "mirror", ("--path", &path));

    let (first, problems) = run_source(data, "mirror");
    assert_eq!(
        stored(data, "report"),
        (ot.len() + it.len()) as u64,
        "{first}"
    );
    // The stray document is named; the feed beside the advisories is not.
    assert!(
        problems.contains("notes.json: the document: not read as a CSAF advisory"),
        "{problems}"
    );
    assert!(!problems.contains("feed.json"), "{problems}");
    assert!(
        first.contains(&format!("fetched {} document(s)", ot.len() + it.len() + 1)),
        "{first}"
    );

    let (second, again) = run_source(data, "mirror");
    assert!(second.contains("fetched 0 document(s)"), "{second}");
    assert!(again.is_empty(), "{again}");

    // A listing given alone as the `path` is not passed over in silence.
    let feed_file = folder.path().join("it/feed.json").display().to_string();
    add_csaf_source(data, "listing", ("--path", &feed_file));
    let (_, problems) = run_source(data, "listing");
    assert!(
        problems.contains("feed.json: a CSAF listing, not an advisory"),
        "{problems}"
    );
}
