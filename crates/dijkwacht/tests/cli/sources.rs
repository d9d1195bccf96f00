//! The fusion center's sources as an operator runs them: `source add`, `source run`,
//! `source status`, against feeds served on 127.0.0.1 from ../shared/data and from
//! files written here — including publishers that hang up, redirect away or send too
//! much.

use std::path::Path;

use serde_json::Value;

use crate::feed_server::{FeedServer, serve};
use crate::{bundle, fresh_store, indicator, run, run_ok, shared_data, text, total_objects, write};

fn status(data: &Path) -> Value {
    let output = run_ok(data, &["source", "status", "--format", "json"]);
    serde_json::from_str(&output).expect("status prints JSON")
}

fn source_status<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["sources"]
        .as_array()
        .and_then(|sources| sources.iter().find(|source| source["name"] == name))
        .unwrap_or_else(|| panic!("no status for {name}: {status}"))
}

fn cti_documentation() -> Option<(FeedServer, u64)> {
    let data = shared_data()?;
    let folder = data.join("stix21/cti-documentation");
    let bytes = std::fs::read(folder.join("apt1.json")).expect("apt1.json");
    let bundle: Value = serde_json::from_slice(&bytes).expect("a bundle");
    let objects = bundle["objects"].as_array().map_or(0, Vec::len) as u64;
    Some((serve(folder), objects))
}

#[test]
fn a_stix_url_is_fetched_once_and_then_asked_only_whether_it_changed() {
    let Some((feed, objects)) = cti_documentation() else {
        return;
    };
    let store = fresh_store();
    let data = store.path();
    let url = feed.url("apt1.json");
    run_ok(
        data,
        &[
            "source",
            "add",
            "apt1",
            "--kind",
            "stix",
            "--url",
            &url,
            "--reliability",
            "B",
        ],
    );
    let listed = run_ok(data, &["source", "list"]);
    assert!(
        listed.contains("apt1") && listed.contains("reliability B"),
        "{listed}"
    );

    let first = run_ok(data, &["source", "run", "apt1"]);
    assert!(first.contains(&format!("{objects} object(s)")), "{first}");
    assert!(first.contains(&format!("new {objects},")), "{first}");
    assert_eq!(total_objects(data), objects);

    let second = run_ok(data, &["source", "run"]);
    assert!(second.contains("(1 unchanged), 0 object(s)"), "{second}");
    assert_eq!(feed.not_modified(), 1);
    assert_eq!(feed.requests("/apt1.json"), 2);
    assert_eq!(total_objects(data), objects);

    let status = status(data);
    let apt1 = source_status(&status, "apt1");
    assert_eq!(apt1["healthy"], true, "{apt1}");
    assert_eq!(apt1["last_report"]["not_modified"], 1);
}

#[test]
fn a_publisher_that_hangs_up_redirects_away_or_sends_too_much_is_an_error_of_that_source_only() {
    let Some((feed, objects)) = cti_documentation() else {
        return;
    };
    let store = fresh_store();
    let data = store.path();
    for (name, path) in [
        ("cut", "cut/apt1.json"),
        ("away", "away/apt1.json"),
        ("huge", "huge"),
        ("good", "here/apt1.json"),
    ] {
        let url = feed.url(path);
        run_ok(
            data,
            &["source", "add", name, "--kind", "stix", "--url", &url],
        );
    }
    let output = run(data, &["source", "run"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let printed = text(&output.stdout);
    assert!(printed.contains("cut off after"), "{printed}");
    assert!(printed.contains("another host"), "{printed}");
    assert!(printed.contains("larger than the limit"), "{printed}");
    // The cut-off download was tried again before giving up.
    assert!(feed.requests("/cut/apt1.json") > 1);
    // The good source, last in line, ran and stored everything.
    assert_eq!(total_objects(data), objects);

    let status = status(data);
    for failing in ["cut", "away", "huge"] {
        let source = source_status(&status, failing);
        assert_eq!(source["healthy"], false, "{source}");
        assert!(source["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    assert_eq!(source_status(&status, "good")["healthy"], true);
}

#[test]
fn a_folder_with_a_broken_file_stores_the_others_and_names_the_broken_one() {
    let store = fresh_store();
    let data = store.path();
    let folder = tempfile::tempdir().expect("temporary folder");
    // Addresses outside the documentation ranges, which the built-in warning list drops.
    let indicator = |suffix: &str| {
        let mut object = indicator(suffix);
        object["pattern"] = Value::from(format!(
            "[ipv4-addr:value = '198.51.99.{}']",
            &suffix[suffix.len() - 1..]
        ));
        object
    };
    write(
        folder.path(),
        "a.json",
        bundle(vec![indicator("0b5bb5a1-6b1f-4b52-8f43-1c6f5d3a0001")]),
    );
    let truncated = bundle(vec![indicator("0b5bb5a1-6b1f-4b52-8f43-1c6f5d3a0002")]);
    write(folder.path(), "b.json", &truncated[..truncated.len() / 2]);
    write(
        folder.path(),
        "c.json",
        bundle(vec![indicator("0b5bb5a1-6b1f-4b52-8f43-1c6f5d3a0003")]),
    );
    let path = folder.path().display().to_string();
    run_ok(
        data,
        &[
            "source",
            "add",
            "drop-folder",
            "--kind",
            "stix",
            "--path",
            &path,
        ],
    );
    let output = run(data, &["source", "run", "drop-folder"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let problems = text(&output.stderr);
    assert!(
        problems.contains("b.json") && problems.contains("not read as STIX"),
        "{problems}"
    );
    assert_eq!(total_objects(data), 2);
    // Run again: the same objects are duplicates, nothing new.
    let again = run_ok(data, &["source", "run", "drop-folder"]);
    assert!(again.contains("new 0, updated 0, duplicates 2"), "{again}");
}

#[test]
fn mistakes_in_adding_a_source_are_explained() {
    let store = fresh_store();
    let data = store.path();
    for (arguments, expected) in [
        (
            vec!["--kind", "gopher", "--url", "http://127.0.0.1:1/"],
            "no source kind",
        ),
        (
            vec!["--kind", "stix", "--url", "ftp://127.0.0.1/"],
            "http:// or https://",
        ),
        (
            vec![
                "--kind",
                "stix",
                "--url",
                "http://127.0.0.1:1/",
                "--reliability",
                "Q",
            ],
            "no reliability",
        ),
        (
            vec![
                "--kind",
                "stix",
                "--url",
                "http://127.0.0.1:1/",
                "--every",
                "1s",
            ],
            "shorter than a minute",
        ),
        (
            vec![
                "--kind",
                "stix",
                "--url",
                "http://127.0.0.1:1/",
                "--community",
                "water",
            ],
            "--as <organisation>",
        ),
    ] {
        let mut all = vec!["source", "add", "feed"];
        all.extend(arguments.iter().copied());
        let output = run(data, &all);
        let said = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{all:?}");
        assert!(said.contains(expected), "{all:?}: {said}");
    }
    let listed = run_ok(data, &["source", "list"]);
    assert!(listed.contains("no sources"), "{listed}");
    // The same mistake written into dijkwacht.toml by hand is refused when the source
    // runs, naming the cause.
    write(
        data,
        "dijkwacht.toml",
        "[[source]]\nname = \"feed\"\nkind = \"stix\"\nurl = \"http://127.0.0.1:1/\"\ncommunities = [\"water\"]\n",
    );
    let ran = run(data, &["source", "run", "feed"]);
    assert_eq!(ran.status.code(), Some(1));
    assert!(
        text(&ran.stdout).contains("names no `organisation`"),
        "{}",
        text(&ran.stdout)
    );
}

#[test]
fn the_kev_catalogue_is_stored_once_and_an_edited_entry_becomes_a_new_version() {
    let Some(shared) = shared_data() else {
        return;
    };
    let catalogue: Value = serde_json::from_slice(
        &std::fs::read(shared.join("cisa-kev/known_exploited_vulnerabilities.json"))
            .expect("the KEV catalogue"),
    )
    .expect("JSON");
    let entries = catalogue["vulnerabilities"].as_array().map_or(0, Vec::len) as u64;
    let folder = tempfile::tempdir().expect("temporary folder");
    write(folder.path(), "kev.json", catalogue.to_string());
    let feed = serve(folder.path().to_path_buf());
    let store = fresh_store();
    let data = store.path();
    let url = feed.url("kev.json");
    run_ok(
        data,
        &[
            "source",
            "add",
            "kev",
            "--kind",
            "kev",
            "--url",
            &url,
            "--reliability",
            "A",
        ],
    );
    let first = run_ok(data, &["source", "run", "kev"]);
    // One vulnerability per entry and CISA's identity.
    assert!(first.contains(&format!("new {},", entries + 1)), "{first}");

    // CISA edits one entry's notes and republishes, without a new dateAdded.
    let mut edited = catalogue.clone();
    edited["vulnerabilities"][0]["notes"] = Value::from("Edited by the publisher.");
    edited["dateReleased"] = Value::from("2030-01-01T00:00:00.000Z");
    write(folder.path(), "kev.json", edited.to_string());
    let second = run_ok(data, &["source", "run", "kev"]);
    assert!(
        second.contains(&format!("new 0, updated 1, duplicates {entries}")),
        "{second}"
    );
    let third = run_ok(data, &["source", "run", "kev"]);
    assert!(third.contains("(1 unchanged)"), "{third}");
}

#[test]
fn a_plain_list_is_routed_to_its_community_and_restating_it_adds_nothing() {
    let store = fresh_store();
    let data = store.path();
    crate::water_community_with_fusion(data);
    run_ok(data, &["org", "add", "zuivel", "--sector", "agri-food"]);
    crate::add_analyst(data, "analist@waterbedrijf.nl", "waterbedrijf");
    crate::add_analyst(data, "analist@zuivel.nl", "zuivel");
    let folder = tempfile::tempdir().expect("temporary folder");
    let list =
        "# a blocklist\n198.51.99.7\nevil-example[.]top\n10.0.0.1\nnot a value\n198.51.99.7\n";
    let path = write(folder.path(), "block.txt", list);
    crate::add_water_source(data, "blocklist", "list", &path, "C", "green");
    let output = run(data, &["source", "run", "blocklist"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    // Two values stored; the private address dropped by the built-in warning list;
    // the bad line reported with its number; the repeated value mapped once.
    assert!(printed.contains("new 2,"), "{printed}");
    assert!(printed.contains("dropped by warning list 1"), "{printed}");
    assert!(
        text(&output.stderr).contains("line 5"),
        "{}",
        text(&output.stderr)
    );

    let member = run_ok(data, &["export", "--visible-to", "analist@waterbedrijf.nl"]);
    assert!(
        member.contains("198.51.99.7") && member.contains("evil-example.top"),
        "{member}"
    );
    let outsider = run_ok(data, &["export", "--visible-to", "analist@zuivel.nl"]);
    assert!(!outsider.contains("198.51.99.7"), "{outsider}");

    let again = run_ok(data, &["source", "run", "blocklist"]);
    assert!(again.contains("new 0, updated 0, duplicates 2"), "{again}");
}

#[test]
fn personal_data_is_taken_out_of_what_is_shared_and_kept_for_the_owner() {
    let store = fresh_store();
    let data = store.path();
    crate::water_community_with_fusion(data);
    crate::add_analyst(data, "analist@fusion.nl", "fusion");
    crate::add_analyst(data, "analist@waterbedrijf.nl", "waterbedrijf");
    let report = serde_json::json!({
        "type": "report", "spec_version": "2.1",
        "id": "report--4f1c7e9a-2b3d-4c5e-8f60-718293a4b5c6",
        "created": "2026-02-01T09:00:00.000Z", "modified": "2026-02-01T09:00:00.000Z",
        "name": "Invoice fraud wave", "published": "2026-02-01T09:00:00Z",
        "description": "Reported by jan.devries@example.nl (06-12345678); IBAN NL91ABNA0417164300 used.",
        "object_refs": ["identity--8a0b5a39-3c1d-4e2f-9a4b-5c6d7e8f9a0b"]
    });
    let folder = tempfile::tempdir().expect("temporary folder");
    write(folder.path(), "report.json", bundle(vec![report]));
    crate::add_water_source(data, "reports", "stix", folder.path(), "C", "green");
    let printed = run_ok(data, &["source", "run", "reports"]);
    assert!(printed.contains("personal data removed 3"), "{printed}");

    let member = run_ok(data, &["export", "--visible-to", "analist@waterbedrijf.nl"]);
    assert!(member.contains("Invoice fraud wave"), "{member}");
    for personal in ["jan.devries@example.nl", "12345678", "NL91ABNA0417164300"] {
        assert!(
            !member.contains(personal),
            "{personal} reached a member: {member}"
        );
    }
    let owner = run_ok(data, &["export", "--visible-to", "analist@fusion.nl"]);
    assert!(owner.contains("jan.devries@example.nl"), "{owner}");
    assert!(owner.contains("\"note\""), "{owner}");
}

#[test]
fn serve_runs_sources_on_their_schedule_and_shows_their_health_in_metrics() {
    let Some((feed, objects)) = cti_documentation() else {
        return;
    };
    let store = fresh_store();
    let data = store.path();
    let url = feed.url("apt1.json");
    run_ok(
        data,
        &[
            "source", "add", "apt1", "--kind", "stix", "--url", &url, "--every", "1h",
        ],
    );
    let broken = feed.url("missing.json");
    run_ok(
        data,
        &[
            "source", "add", "broken", "--kind", "stix", "--url", &broken, "--every", "1h",
        ],
    );
    let mut command = crate::dijkwacht(data);
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = crate::start_server(command);
    let metrics_url = format!("http://{}/metrics", server.address);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let metrics = loop {
        let page = reqwest::blocking::get(&metrics_url)
            .and_then(|response| response.text())
            .unwrap_or_default();
        // Both have run: the good one to its end, the broken one into its error.
        if page.contains("dijkwacht_source_healthy{source=\"apt1\",kind=\"stix\"} 1")
            && page.contains("dijkwacht_source_last_error_timestamp_seconds{source=\"broken\"")
        {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no health in time:\n{page}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    assert!(
        metrics.contains("# TYPE dijkwacht_source_lag_seconds gauge"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "dijkwacht_source_last_run_objects{{source=\"apt1\",kind=\"stix\",outcome=\"new\"}} {objects}"
        )),
        "{metrics}"
    );
    assert!(metrics.contains("dijkwacht_source_healthy{source=\"broken\",kind=\"stix\"} 0"));
    // The letters come from dijkwacht.toml; without alerts, feedback moves none.
    assert!(
        metrics.contains("dijkwacht_source_reliability_steps{source=\"apt1\"} 0"),
        "{metrics}"
    );
    // No error text or URL reaches the page: neither in the help texts nor in any
    // metric's name or labels (the values are numbers, whose digits may spell anything).
    for line in metrics.lines() {
        let named = line.rsplit_once(' ').map_or(line, |(name, _)| name);
        let text = if line.starts_with('#') { line } else { named };
        assert!(
            !text.contains("404") && !text.contains("missing.json") && !text.contains("Not Found"),
            "{line}"
        );
    }
    drop(server);
    assert_eq!(total_objects(data), objects);
}

#[test]
fn a_misp_feed_resumes_after_a_publisher_dies_mid_event_and_skips_what_it_stored() {
    let Some(shared) = shared_data() else {
        return;
    };
    let folder = shared.join("misp/feed-circl-osint-sample");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    let mut events: Vec<String> = manifest
        .as_object()
        .map(|entries| entries.keys().cloned().collect())
        .unwrap_or_default();
    events.sort();
    assert!(events.len() >= 5, "{events:?}");

    // The whole feed read from disk, for comparison.
    let local = fresh_store();
    let path = folder.display().to_string();
    run_ok(
        local.path(),
        &[
            "source",
            "add",
            "osint",
            "--kind",
            "misp-feed",
            "--path",
            &path,
        ],
    );
    run_ok(local.path(), &["source", "run"]);
    let everything = total_objects(local.path());
    assert!(everything > 1_000, "{everything}");

    let feed = serve(folder.clone());
    let store = fresh_store();
    let data = store.path();
    let url = feed.url("");
    run_ok(
        data,
        &[
            "source",
            "add",
            "osint",
            "--kind",
            "misp-feed",
            "--url",
            &url,
        ],
    );
    let broken = format!("/{}.json", events[2]);
    feed.cut(&broken, true);
    let output = run(data, &["source", "run", "osint"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout).contains("cut off"),
        "{}",
        text(&output.stdout)
    );
    let partial = total_objects(data);
    assert!(
        partial > 0 && partial < everything,
        "{partial} of {everything}"
    );

    feed.cut(&broken, false);
    run_ok(data, &["source", "run", "osint"]);
    assert_eq!(total_objects(data), everything);
    // What was stored before the failure was not fetched again.
    for stored_before in &events[..2] {
        assert_eq!(
            feed.requests(&format!("/{stored_before}.json")),
            1,
            "{stored_before}"
        );
    }
    // Nothing changed: the manifest answers 304 and no event is fetched.
    let again = run_ok(data, &["source", "run", "osint"]);
    assert!(again.contains("(1 unchanged)"), "{again}");
}

#[test]
fn a_malformed_event_in_the_middle_of_a_feed_is_named_and_the_rest_is_stored() {
    let Some(shared) = shared_data() else {
        return;
    };
    let original = shared.join("misp/feed-circl-osint-sample");
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut names: Vec<String> = std::fs::read_dir(&original)
        .expect("the feed folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in &names {
        let bytes = std::fs::read(original.join(name)).expect("readable");
        write(folder.path(), name, bytes);
    }
    let victim = names
        .iter()
        .filter(|name| name.as_str() != "manifest.json")
        .nth(3)
        .expect("an event file")
        .clone();
    let bytes = std::fs::read(folder.path().join(&victim)).expect("readable");
    write(folder.path(), &victim, &bytes[..bytes.len() / 3]);
    let store = fresh_store();
    let data = store.path();
    let path = folder.path().display().to_string();
    run_ok(
        data,
        &[
            "source",
            "add",
            "osint",
            "--kind",
            "misp-feed",
            "--path",
            &path,
        ],
    );
    let output = run(data, &["source", "run"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let problems = text(&output.stderr);
    assert!(
        problems.contains(&victim) && problems.contains("not mapped"),
        "{problems}"
    );
    assert!(total_objects(data) > 1_000);
}
