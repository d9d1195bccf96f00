//! Fusion across sources, as an operator and a member see it: sources stating the same
//! indicator for the same audience give one object stated by each; the same value
//! shared with another audience stays apart but is linked; the REST view tells a
//! member how many sources stated an object and its score now; and an indicator whose
//! score has decayed leaves the blocklists while a corroborated one stays.

use std::path::Path;

use serde_json::{Value, json};

use crate::{add_analyst, bundle, dijkwacht, fresh_store, run_ok, start_server, write};

const PASSWORD: &str = "a long enough password";

/// The latest stored indicators whose pattern names `value`, as (id, TLP marking of
/// the stored handling, JSON).
fn indicators_naming(data: &Path, value: &str) -> Vec<Value> {
    let exported: Value =
        serde_json::from_str(&run_ok(data, &["export", "--type", "indicator"])).expect("a bundle");
    exported["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|object| {
            object["pattern"]
                .as_str()
                .is_some_and(|pattern| pattern.contains(&format!("'{value}'")))
        })
        .cloned()
        .collect()
}

#[test]
fn one_indicator_per_audience_stated_by_every_source_scored_and_linked() {
    let store = fresh_store();
    let data = store.path();
    crate::water_community_with_fusion(data);
    add_analyst(data, "analist@waterbedrijf.nl", "waterbedrijf");
    let folder = tempfile::tempdir().expect("temporary folder");
    // An old report of two addresses, which no list restates for one of them.
    let old = |suffix: &str, address: &str| {
        json!({"type": "indicator", "spec_version": "2.1",
               "id": format!("indicator--00000000-0000-4000-8000-{suffix}"),
               "created": "2024-01-10T00:00:00.000Z", "modified": "2024-01-10T00:00:00.000Z",
               "valid_from": "2024-01-10T00:00:00.000Z", "pattern_type": "stix",
               "pattern": format!("[ipv4-addr:value = '{address}']"),
               "indicator_types": ["malicious-activity"]})
    };
    let report = write(
        folder.path(),
        "old.json",
        bundle(vec![
            old("000000000050", "198.51.99.50"),
            old("000000000008", "198.51.99.8"),
        ]),
    );
    crate::add_water_source(data, "old-report", "stix", &report, "B", "green");
    let a = write(folder.path(), "a.txt", "198.51.99.7\n198.51.99.8\n");
    let b = write(folder.path(), "b.txt", "198.51.99.7\n198.51.99.9\n");
    let amber = write(folder.path(), "amber.txt", "198.51.99.7\n");
    crate::add_water_source(data, "list-a", "list", &a, "B", "green");
    crate::add_water_source(data, "list-b", "list", &b, "D", "green");
    crate::add_water_source(data, "list-amber", "list", &amber, "C", "amber");
    let stored = run_ok(data, &["source", "run", "old-report"]);
    assert!(stored.contains("new 2,"), "{stored}");
    let first = run_ok(data, &["source", "run", "list-a"]);
    assert!(first.contains("corroborating other sources 1"), "{first}");
    let second = run_ok(data, &["source", "run", "list-b"]);
    assert!(second.contains("new 1,"), "{second}");
    assert!(second.contains("corroborating other sources 1"), "{second}");
    let third = run_ok(data, &["source", "run", "list-amber"]);
    assert!(third.contains("new 1,"), "{third}");

    // One indicator per audience: green (list-a, list-b folded into it) and amber
    // (list-amber, which ran last) apart.
    let mut seven = indicators_naming(data, "198.51.99.7");
    assert_eq!(seven.len(), 2, "{seven:?}");
    seven.sort_by_key(|indicator| indicator["created"].as_str().map(str::to_owned));
    let (green, amber) = (&seven[0], &seven[1]);
    // The old report's 198.51.99.8 is the one list-a restated: no second indicator.
    assert_eq!(indicators_naming(data, "198.51.99.8").len(), 1);

    let mut command = dijkwacht(data);
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = start_server(command);
    let base = format!("http://{}", server.address);
    let client = reqwest::blocking::Client::new();
    let view = |id: &str| -> Value {
        client
            .get(format!("{base}/api/v1/objects/{id}"))
            .basic_auth("analist@waterbedrijf.nl", Some(PASSWORD))
            .send()
            .and_then(|response| response.error_for_status())
            .and_then(|response| response.json())
            .unwrap_or_else(|error| panic!("reading {id}: {error}"))
    };
    let green_id = green["id"].as_str().expect("an id");
    let amber_id = amber["id"].as_str().expect("an id");
    let fused = &view(green_id)["x_dijkwacht_fusion"];
    assert_eq!(fused["sources"], 2, "{fused}");
    assert_eq!(fused["corroborating_sources"], 3, "{fused}");
    assert_eq!(fused["reliability"], "B", "{fused}");
    assert_eq!(fused["related"], json!([amber_id]), "{fused}");
    assert_eq!(fused["score"]["actionable"], true, "{fused}");
    assert_eq!(fused["score"]["kind"], "ip-address", "{fused}");
    assert!(fused["score"]["confidence"].as_u64() > Some(60), "{fused}");
    assert!(fused["last_seen"].is_string() && fused["first_seen"].is_string());

    // A list that still states a value it stated before adds nothing to the store,
    // but its statement moves the value's last seen on.
    let restated = run_ok(data, &["source", "run", "list-a"]);
    assert!(
        restated.contains("new 0, updated 0, duplicates 1"),
        "{restated}"
    );
    let later = &view(green_id)["x_dijkwacht_fusion"];
    assert_eq!(later["sources"], 2, "{later}");
    assert!(
        later["last_seen"].as_str() > fused["last_seen"].as_str(),
        "{later} after {fused}"
    );

    let decayed = &view("indicator--00000000-0000-4000-8000-000000000050")["x_dijkwacht_fusion"];
    assert_eq!(decayed["sources"], 1, "{decayed}");
    assert_eq!(decayed["score"]["confidence"], 0, "{decayed}");
    assert_eq!(decayed["score"]["actionable"], false, "{decayed}");
    let refreshed = &view("indicator--00000000-0000-4000-8000-000000000008")["x_dijkwacht_fusion"];
    assert_eq!(refreshed["sources"], 2, "{refreshed}");
    assert_eq!(refreshed["score"]["actionable"], true, "{refreshed}");

    let blocklist = client
        .get(format!("{base}/api/v1/exports/blocklist/ip"))
        .basic_auth("analist@waterbedrijf.nl", Some(PASSWORD))
        .send()
        .and_then(|response| response.error_for_status())
        .and_then(|response| response.text())
        .expect("a blocklist");
    let lines: Vec<&str> = blocklist.lines().collect();
    assert_eq!(
        lines,
        vec!["198.51.99.7", "198.51.99.8", "198.51.99.9"],
        "the decayed 198.51.99.50 is left out"
    );
    let operator = run_ok(data, &["export", "--format", "blocklist", "--kind", "ip"]);
    assert_eq!(operator.lines().collect::<Vec<_>>(), lines);
    drop(server);

    // Once the holder is revoked, list-b's 198.51.99.7 is stored as its own again.
    let mut revoked = green.clone();
    revoked["revoked"] = json!(true);
    revoked["modified"] = json!("2099-01-01T00:00:00.000Z");
    let folder_path = folder.path();
    let revocation = write(folder_path, "revoked.json", bundle(vec![revoked]));
    let revocation = revocation.display().to_string();
    run_ok(
        data,
        &[
            "import",
            "--as",
            "fusion",
            "--community",
            "water",
            &revocation,
        ],
    );
    let again = run_ok(data, &["source", "run", "list-b"]);
    assert!(again.contains("new 1,"), "{again}");
    assert!(again.contains("corroborating other sources 0"), "{again}");
}

#[test]
fn routing_rules_send_what_they_match_to_their_own_audience() {
    let store = fresh_store();
    let data = store.path();
    crate::water_community_with_fusion(data);
    for arguments in [
        vec!["org", "add", "netbeheer", "--sector", "energie"],
        vec!["community", "add", "ot", "--kind", "theme"],
        vec!["community", "join", "ot", "fusion"],
        vec!["community", "join", "ot", "netbeheer"],
    ] {
        run_ok(data, &arguments);
    }
    add_analyst(data, "analist@waterbedrijf.nl", "waterbedrijf");
    add_analyst(data, "analist@netbeheer.nl", "netbeheer");
    add_analyst(data, "analist@fusion.nl", "fusion");
    let time = "2026-11-01T00:00:00.000Z";
    let sha256 = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f";
    let objects = vec![
        json!({"type": "indicator", "spec_version": "2.1", "created": time, "modified": time,
               "id": "indicator--00000000-0000-4000-8000-0000000000a1", "valid_from": time,
               "pattern_type": "stix", "pattern": "[ipv4-addr:value = '198.51.99.20']"}),
        json!({"type": "indicator", "spec_version": "2.1", "created": time, "modified": time,
               "id": "indicator--00000000-0000-4000-8000-0000000000a2", "valid_from": time,
               "pattern_type": "stix", "pattern": format!("[file:hashes.'SHA-256' = '{sha256}']")}),
        json!({"type": "vulnerability", "spec_version": "2.1", "created": time, "modified": time,
               "id": "vulnerability--00000000-0000-4000-8000-0000000000a3", "name": "CVE-2024-3400"}),
        json!({"type": "report", "spec_version": "2.1", "created": time, "modified": time,
               "id": "report--00000000-0000-4000-8000-0000000000a4", "name": "Routed report",
               "published": time, "object_refs": [
                   "indicator--00000000-0000-4000-8000-0000000000a1",
                   "indicator--00000000-0000-4000-8000-0000000000a2",
                   "vulnerability--00000000-0000-4000-8000-0000000000a3"]}),
    ];
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = write(folder.path(), "routed.json", bundle(objects));
    crate::add_water_source(data, "routed", "stix", &path, "B", "green");
    let config = data.join("dijkwacht.toml");
    let mut text = std::fs::read_to_string(&config).expect("dijkwacht.toml");
    text.push_str(
        "\n[[source.route]]\ntypes = [\"vulnerability\"]\ncommunities = [\"ot\"]\ntlp = \"amber\"\n\
         \n[[source.route]]\nvalues = [\"sha256\"]\nscope = \"organisation\"\n",
    );
    std::fs::write(&config, text).expect("written");
    let listed = run_ok(data, &["source", "list"]);
    assert!(listed.contains("2 routing rule(s)"), "{listed}");
    let printed = run_ok(data, &["source", "run", "routed"]);
    assert!(printed.contains("new 4,"), "{printed}");

    let sees = |user: &str| run_ok(data, &["export", "--visible-to", user]);
    let water = sees("analist@waterbedrijf.nl");
    assert!(
        water.contains("198.51.99.20") && water.contains("Routed report"),
        "{water}"
    );
    assert!(
        !water.contains("CVE-2024-3400"),
        "the vulnerability went to ot: {water}"
    );
    assert!(
        !water.contains(sha256),
        "the hash stayed with the owner: {water}"
    );
    let ot = sees("analist@netbeheer.nl");
    assert!(ot.contains("CVE-2024-3400"), "{ot}");
    assert!(!ot.contains("198.51.99.20") && !ot.contains(sha256), "{ot}");
    let owner = sees("analist@fusion.nl");
    assert!(
        owner.contains(sha256) && owner.contains("CVE-2024-3400") && owner.contains("198.51.99.20"),
        "{owner}"
    );

    // A rule that names a community the owner is not in stops the source, named.
    let mut text = std::fs::read_to_string(&config).expect("dijkwacht.toml");
    text.push_str("\n[[source.route]]\nlabels = [\"x\"]\ncommunities = [\"nowhere\"]\n");
    std::fs::write(&config, text).expect("written");
    let output = crate::run(data, &["source", "run", "routed"]);
    let said = format!(
        "{}{}",
        crate::text(&output.stdout),
        crate::text(&output.stderr)
    );
    assert!(said.contains("route rule 3 does not hold"), "{said}");
}
