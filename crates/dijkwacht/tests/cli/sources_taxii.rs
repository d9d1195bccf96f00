//! TAXII 2.1 sources as an operator runs them: against a real TAXII 2.1 server — the
//! project's own `serve`, on a data folder seeded with the CLI, with small pages so that
//! paging is exercised — and against a publisher that ignores filters and sends no
//! `X-TAXII-*` headers.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::feed_server::serve;
use crate::{
    Server, add_analyst, bundle, dijkwacht, fresh_store, run_ok, start_server, text, total_objects,
    write,
};

const ANALYST: &str = "analist@waterbedrijf.example";
/// The password `add_analyst` gives.
const ANALYST_PASSWORD: &str = "a long enough password";
const TOKEN_VARIABLE: &str = "DIJKWACHT_TEST_TAXII_TOKEN";

/// An indicator numbered `number`, with an address outside the documentation ranges
/// (which the receiving side's built-in warning list would drop).
fn numbered_indicator(number: u32) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--0b5bb5a1-6b1f-4b52-8f43-1c6f5d3b{number:04}"),
        "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
        "name": format!("C2 {number}"),
        "pattern": format!("[ipv4-addr:value = '198.51.99.{number}']"),
        "pattern_type": "stix", "valid_from": "2026-01-05T10:00:00Z"
    })
}

/// Imports indicators `numbers` into `data` with the given `import` options.
fn import(data: &Path, numbers: std::ops::Range<u32>, options: &[&str]) {
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("temporary folder: {error}"));
    let objects = numbers.map(numbered_indicator).collect();
    let file = write(folder.path(), "bundle.json", bundle(objects));
    let mut arguments = vec!["import", file.to_str().unwrap_or_default()];
    arguments.extend_from_slice(options);
    run_ok(data, &arguments);
}

/// A TAXII server of its own data folder: the water company shares indicators 1–5 into
/// the `water` community, and the dairy keeps indicator 90 to itself. Serves pages of
/// two objects. Gives the folder, the server, the analyst's token and the URL of the
/// `water` collection.
struct Publisher {
    data: tempfile::TempDir,
    server: Server,
    token: String,
    collection_url: String,
}

fn publisher() -> Publisher {
    let data = fresh_store();
    for arguments in [
        vec!["org", "add", "waterbedrijf", "--sector", "water"],
        vec!["org", "add", "zuivel", "--sector", "agri-food"],
        vec!["community", "add", "water", "--kind", "top-sector"],
        vec!["community", "join", "water", "waterbedrijf"],
    ] {
        run_ok(data.path(), &arguments);
    }
    add_analyst(data.path(), ANALYST, "waterbedrijf");
    import(
        data.path(),
        1..6,
        &[
            "--as",
            "waterbedrijf",
            "--community",
            "water",
            "--tlp",
            "green",
        ],
    );
    import(data.path(), 90..91, &["--as", "zuivel"]);
    let created = run_ok(data.path(), &["token", "create", "--user", ANALYST]);
    let token = created
        .split_whitespace()
        .find(|word| word.starts_with("dwt_"))
        .unwrap_or_else(|| panic!("no token in: {created}"))
        .to_owned();
    let mut command = dijkwacht(data.path());
    command.args(["serve", "--listen", "127.0.0.1:0", "--max-page-size", "2"]);
    let server = start_server(command);
    let collections: Value = reqwest::blocking::Client::new()
        .get(format!(
            "http://{}/taxii2/water/collections/",
            server.address
        ))
        .header("accept", "application/taxii+json;version=2.1")
        .bearer_auth(&token)
        .send()
        .and_then(|response| response.json())
        .unwrap_or_else(|error| panic!("the collections of `water`: {error}"));
    let id = collections["collections"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no collection in {collections}"));
    let collection_url = format!("http://{}/taxii2/water/collections/{id}/", server.address);
    Publisher {
        data,
        server,
        token,
        collection_url,
    }
}

fn run_source(data: &Path, names: &[&str], environment: &[(&str, &str)]) -> Output {
    let mut command = dijkwacht(data);
    command.args(["source", "run"]).args(names);
    for (name, value) in environment {
        command.env(name, value);
    }
    command
        .output()
        .unwrap_or_else(|error| panic!("the binary runs: {error}"))
}

fn run_source_ok(data: &Path, name: &str, environment: &[(&str, &str)]) -> String {
    let output = run_source(data, &[name], environment);
    assert!(
        output.status.success(),
        "{}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn cursor_of(data: &Path, source: &str) -> Value {
    let state = std::fs::read(data.join("sources").join(format!("{source}.json")))
        .unwrap_or_else(|error| panic!("the state of {source}: {error}"));
    let state: Value = serde_json::from_slice(&state)
        .unwrap_or_else(|error| panic!("the state of {source} is JSON: {error}"));
    state["cursor"].clone()
}

#[test]
fn a_taxii_collection_arrives_page_by_page_and_then_only_what_was_added_since() {
    let publisher = publisher();
    let store = fresh_store();
    let data = store.path();
    run_ok(
        data,
        &[
            "source",
            "add",
            "water-feed",
            "--kind",
            "taxii",
            "--url",
            &publisher.collection_url,
            "--token-env",
            TOKEN_VARIABLE,
        ],
    );
    let token = [(TOKEN_VARIABLE, publisher.token.as_str())];

    let first = run_source_ok(data, "water-feed", &token);
    // Five objects in pages of two: three pages, one delivery each.
    assert!(first.contains("fetched 3 document(s)"), "{first}");
    assert!(first.contains("new 5,"), "{first}");
    assert_eq!(total_objects(data), 5);
    let exported = run_ok(data, &["export"]);
    assert!(exported.contains("198.51.99.5"), "{exported}");
    assert!(
        !exported.contains("198.51.99.90"),
        "the dairy's own indicator reached another organisation: {exported}"
    );
    // The cursor is the last page's date: nothing of the collection is added after it.
    let cursor = cursor_of(data, "water-feed");
    let added_after = cursor["added_after"]
        .as_str()
        .unwrap_or_else(|| panic!("no added_after in {cursor}"));
    let after_cursor: Value = reqwest::blocking::Client::new()
        .get(format!("{}objects/", publisher.collection_url))
        .query(&[("added_after", added_after)])
        .header("accept", "application/taxii+json;version=2.1")
        .bearer_auth(&publisher.token)
        .send()
        .and_then(|response| response.json())
        .unwrap_or_else(|error| panic!("objects after the cursor: {error}"));
    assert!(after_cursor.get("objects").is_none(), "{after_cursor}");

    // The publisher shares two more; only they arrive.
    import(
        publisher.data.path(),
        6..8,
        &[
            "--as",
            "waterbedrijf",
            "--community",
            "water",
            "--tlp",
            "green",
        ],
    );
    let second = run_source_ok(data, "water-feed", &token);
    assert!(second.contains("fetched 1 document(s)"), "{second}");
    assert!(second.contains("2 object(s)"), "{second}");
    assert!(
        second.contains("new 2, updated 0, duplicates 0"),
        "{second}"
    );
    assert_eq!(total_objects(data), 7);

    let third = run_source_ok(data, "water-feed", &token);
    assert!(third.contains(", 0 object(s)"), "{third}");

    // The same collection with HTTP Basic: everything, as duplicates of what is stored.
    run_ok(
        data,
        &[
            "source",
            "add",
            "water-basic",
            "--kind",
            "taxii",
            "--url",
            &format!("{}objects/", publisher.collection_url),
            "--user",
            ANALYST,
            "--password-env",
            "DIJKWACHT_TEST_TAXII_PASSWORD",
        ],
    );
    let basic = run_source_ok(
        data,
        "water-basic",
        &[("DIJKWACHT_TEST_TAXII_PASSWORD", ANALYST_PASSWORD)],
    );
    assert!(basic.contains("7 object(s)"), "{basic}");
    assert!(basic.contains("new 0, updated 0, duplicates 7"), "{basic}");
    drop(publisher.server);
}

#[test]
fn wrong_credentials_fail_that_source_with_401_and_the_others_still_run() {
    let publisher = publisher();
    let store = fresh_store();
    let data = store.path();
    run_ok(
        data,
        &[
            "source",
            "add",
            "wrong-token",
            "--kind",
            "taxii",
            "--url",
            &publisher.collection_url,
            "--token-env",
            TOKEN_VARIABLE,
        ],
    );
    run_ok(
        data,
        &[
            "source",
            "add",
            "no-auth",
            "--kind",
            "taxii",
            "--url",
            &publisher.collection_url,
        ],
    );
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("temporary folder: {error}"));
    let file = write(
        folder.path(),
        "local.json",
        bundle(vec![numbered_indicator(42)]),
    );
    run_ok(
        data,
        &[
            "source",
            "add",
            "local",
            "--kind",
            "stix",
            "--path",
            file.to_str().unwrap_or_default(),
        ],
    );
    let output = run_source(data, &[], &[(TOKEN_VARIABLE, "dwt_this-is-not-a-token")]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let printed = text(&output.stdout);
    assert!(
        printed.contains("did not accept the source's credentials (401 Unauthorized)"),
        "{printed}"
    );
    // Without credentials the collection does not exist for the caller.
    assert!(
        printed.contains("hides it from these credentials (404 Not Found)"),
        "{printed}"
    );
    // The local source, last in line, ran.
    assert_eq!(total_objects(data), 1);
    assert!(cursor_of(data, "wrong-token").is_null());
    drop(publisher.server);
}

#[test]
fn a_server_without_paging_headers_gets_its_cursor_from_the_manifest() {
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("temporary folder: {error}"));
    let collection = folder.path().join("collections/c1");
    for part in ["objects", "manifest"] {
        std::fs::create_dir_all(collection.join(part))
            .unwrap_or_else(|error| panic!("writable: {error}"));
    }
    let objects = vec![numbered_indicator(11), numbered_indicator(12)];
    write(
        &collection.join("objects"),
        "index.json",
        json!({"more": false, "objects": objects}).to_string(),
    );
    // Versions written with another precision than the objects' `modified`.
    let record = |object: &Value, date_added: &str| {
        json!({"id": object["id"], "date_added": date_added,
               "version": "2026-01-05T10:00:00Z", "media_type": "application/stix+json;version=2.1"})
    };
    write(
        &collection.join("manifest"),
        "index.json",
        json!({"objects": [
            record(&objects[0], "2026-02-01T08:00:00.000001Z"),
            record(&objects[1], "2026-02-01T08:00:00.000002Z"),
            {"id": "indicator--0b5bb5a1-6b1f-4b52-8f43-1c6f5d3b9999",
             "date_added": "2027-01-01T00:00:00.000000Z", "version": "2026-01-05T10:00:00Z"}
        ]})
        .to_string(),
    );
    // A second collection that answers with a bundle.
    std::fs::create_dir_all(folder.path().join("collections/c2/objects"))
        .unwrap_or_else(|error| panic!("writable: {error}"));
    write(
        &folder.path().join("collections/c2/objects"),
        "index.json",
        bundle(vec![numbered_indicator(13)]),
    );
    let feed = serve(folder.path().to_path_buf());
    let store = fresh_store();
    let data = store.path();
    for (name, path) in [
        ("headerless", "static/collections/c1/"),
        ("bundle", "static/collections/c2/"),
    ] {
        let url = feed.url(path);
        run_ok(
            data,
            &["source", "add", name, "--kind", "taxii", "--url", &url],
        );
    }

    let output = run_source(data, &["headerless"], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("new 2,"),
        "{}",
        text(&output.stdout)
    );
    assert!(
        text(&output.stderr).contains("no X-TAXII-Date-Added-Last"),
        "{}",
        text(&output.stderr)
    );
    // The greatest date_added of a delivered object; not the manifest's undelivered one.
    assert_eq!(
        cursor_of(data, "headerless"),
        json!({"added_after": "2026-02-01T08:00:00.000002Z"})
    );
    run_source(data, &["headerless"], &[]);
    let asked_after_cursor = feed
        .counts
        .lock()
        .unwrap_or_else(|error| panic!("counts: {error}"))
        .requests
        .keys()
        .filter(|path| path.starts_with("/static/collections/c1/objects/"))
        .filter(|path| {
            path.replace("%3A", ":")
                .contains("added_after=2026-02-01T08:00:00.000002Z")
        })
        .count();
    assert_eq!(asked_after_cursor, 1);

    let output = run_source(data, &["bundle"], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let problems = text(&output.stderr);
    assert!(
        problems.contains("collections/c2/objects/") && problems.contains("not a TAXII envelope"),
        "{problems}"
    );
    assert!(cursor_of(data, "bundle").is_null());
    assert_eq!(total_objects(data), 2);
}
