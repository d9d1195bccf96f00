//! `dijkwacht match` end to end: the sample indicators imported into a community, the
//! server running, and the sample Suricata and Zeek logs matched against the indicators
//! fetched over TAXII; the sightings come out as a STIX bundle holding exactly the
//! expected hits, and reported to the server they raise each indicator's count.

use std::collections::BTreeMap;

use super::*;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dijkwacht-sensor/samples")
}

fn sample_logs() -> Vec<String> {
    let folder = samples();
    let mut logs = vec![folder.join("eve.json")];
    for log in ["conn", "dns", "http", "ssl", "files"] {
        logs.push(folder.join("zeek").join(format!("{log}.log")));
    }
    logs.into_iter()
        .map(|path| path.display().to_string())
        .collect()
}

/// Per sighted indicator, the sum of the sightings' counts in a bundle.
fn counts_in(bundle: &Value) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for sighting in bundle["objects"].as_array().into_iter().flatten() {
        assert_eq!(sighting["type"], "sighting", "{sighting}");
        let indicator = sighting["sighting_of_ref"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        *counts.entry(indicator).or_insert(0) += sighting["count"].as_u64().unwrap_or(0);
    }
    counts
}

#[test]
fn match_finds_the_expected_hits_and_reports_them_to_the_server() {
    let data = fresh_store();
    let ok = |arguments: &[&str]| run_ok(data.path(), arguments);
    ok(&["org", "add", "waterbedrijf", "--sector", "water"]);
    ok(&["community", "add", "water", "--kind", "top-sector"]);
    ok(&["community", "join", "water", "waterbedrijf"]);
    add_analyst(data.path(), "analyst@waterbedrijf.example", "waterbedrijf");
    let token = ok(&[
        "token",
        "create",
        "--user",
        "analyst@waterbedrijf.example",
        "--write",
    ])
    .split_whitespace()
    .find(|word| word.starts_with("dwt_"))
    .expect("the token is printed")
    .to_owned();
    let indicators = samples().join("indicators.json");
    ok(&[
        "import",
        indicators.to_str().unwrap_or_default(),
        "--as",
        "waterbedrijf",
        "--community",
        "water",
    ]);
    let mut command = dijkwacht(data.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = start_server(command);
    let base = format!("http://{}", server.address);
    let collections: Value = reqwest::blocking::Client::new()
        .get(format!("{base}/taxii2/water/collections/"))
        .header("Accept", "application/taxii+json;version=2.1")
        .bearer_auth(&token)
        .send()
        .and_then(|response| response.json())
        .expect("the collections of water");
    let collection = format!(
        "{base}/taxii2/water/collections/{}/",
        collections["collections"][0]["id"]
            .as_str()
            .expect("a collection id")
    );

    let expected: BTreeMap<String, u64> = serde_json::from_str(
        &std::fs::read_to_string(samples().join("expected-hits.json")).expect("expected hits"),
    )
    .expect("expected hits are JSON");
    let expected: BTreeMap<String, u64> = expected
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .collect();
    let work = tempfile::tempdir().expect("temporary folder");
    let state = work.path().join("water.state.json");
    let sightings = work.path().join("sightings.json");
    let mut arguments = vec![
        "match".to_owned(),
        "--indicators".to_owned(),
        collection.clone(),
        "--token".to_owned(),
        token.clone(),
        "--state".to_owned(),
        state.display().to_string(),
        "--format".to_owned(),
        "stix".to_owned(),
        "--output".to_owned(),
        sightings.display().to_string(),
        "--submit".to_owned(),
        base.clone(),
        "--community".to_owned(),
        "water".to_owned(),
    ];
    arguments.extend(sample_logs());
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    let output = run(data.path(), &arguments);
    // The sample EVE log holds one cut-off line (123), as real logs do: reported, and
    // the exit code says the input had a problem, but the run goes on.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("eve.json:123: Malformed"));
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&sightings).expect("out"))
        .expect("a bundle of sightings");
    assert_eq!(counts_in(&bundle), expected, "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains(&format!(
            "submitted {} of {}",
            expected.len(),
            expected.len()
        )),
        "{}",
        text(&output.stderr)
    );
    // Every sighting validates with Dijkwacht's own validator.
    let validated = run_with_input(data.path(), &["validate", "-"], bundle.to_string());
    assert!(validated.status.success(), "{}", text(&validated.stdout));

    // On the server, each sighted indicator now carries its count.
    let (indicator, count) = expected
        .iter()
        .max_by_key(|(_, count)| **count)
        .expect("some hits");
    let summary: Value = reqwest::blocking::Client::new()
        .get(format!("{base}/api/v1/objects/{indicator}/sightings"))
        .bearer_auth(&token)
        .send()
        .and_then(|response| response.json())
        .expect("a sighting summary");
    assert_eq!(summary["total_count"].as_u64(), Some(*count), "{summary}");
    assert_eq!(summary["sightings"].as_u64(), Some(1), "{summary}");

    // A second run fetches nothing new but keeps the indicators it had: same hits.
    let state_path = state.display().to_string();
    let mut again = vec![
        "match",
        "--indicators",
        collection.as_str(),
        "--token",
        token.as_str(),
        "--state",
        state_path.as_str(),
    ];
    let logs = sample_logs();
    again.extend(logs.iter().map(String::as_str));
    let table = run(data.path(), &again);
    assert_eq!(table.status.code(), Some(1), "{}", text(&table.stderr));
    let listed = text(&table.stdout);
    for indicator in expected.keys() {
        assert!(
            listed.contains(indicator.as_str()),
            "{indicator} missing:\n{listed}"
        );
    }
}

#[test]
fn bad_lines_are_reported_by_number_and_the_run_goes_on() {
    let work = tempfile::tempdir().expect("temporary folder");
    let indicators = samples().join("indicators.json");
    let log = write(
        work.path(),
        "mixed.json",
        format!(
            "{}\nthis is not json\n{}\n",
            r#"{"timestamp":"2026-03-02T09:00:00.000000+0000","event_type":"dns","src_ip":"10.10.1.5","dest_ip":"10.10.1.1","dns":{"type":"query","rrname":"c2.badcorp.example","rrtype":"A"}}"#,
            r#"{"timestamp":"2026-03-02T09:00:01.000000+0000","event_type":"dns","src_ip":"10.10.1.5","dest_ip":"10.10.1.1","dns":{"type":"query","rrname":"c2.badcorp.example","rrtype":"A"}}"#
        ),
    );
    let output = run(
        work.path(),
        &[
            "match",
            "--indicators",
            indicators.to_str().unwrap_or_default(),
            log.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "a bad line makes the exit code 1"
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(":2:"),
        "the bad line is named by number: {stderr}"
    );
    assert!(
        stderr.contains("2 event(s)"),
        "both good lines were read: {stderr}"
    );
}
