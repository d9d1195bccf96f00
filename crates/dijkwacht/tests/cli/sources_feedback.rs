//! Members' feedback on a source's alerts, from the command line to the blocklist: a
//! list of addresses inside a member's range raises alerts naming the list; once the
//! member marks most of them false positive, `source status` shows the list's letter
//! lowered with the reason, and `export --format blocklist` leaves its addresses out
//! (their score fell below the threshold) — unless `[scoring.feedback]` turns the
//! weighting off, which gives the old scores. Mistakes in that table are named.

use serde_json::Value;

use crate::{add_analyst, fresh_store, run, run_ok, text, write};

const MEMBER: &str = "analist@waterbedrijf.nl";

fn blocklist(data: &std::path::Path) -> Vec<String> {
    run_ok(data, &["export", "--format", "blocklist", "--kind", "ip"])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn list_status(data: &std::path::Path) -> Value {
    let printed = run_ok(data, &["source", "status", "--format", "json"]);
    let status: Value = serde_json::from_str(&printed).expect("status prints JSON");
    status["sources"][0].clone()
}

#[test]
fn false_positives_lower_a_sources_letter_and_take_its_addresses_off_the_blocklist() {
    let store = fresh_store();
    let data = store.path();
    crate::water_community_with_fusion(data);
    add_analyst(data, MEMBER, "waterbedrijf");
    let folder = tempfile::tempdir().expect("temporary folder");
    let profile = write(
        folder.path(),
        "profile.csv",
        "kind,value\ncidr,198.51.77.0/24\n",
    );
    let profile = profile.display().to_string();
    run_ok(
        data,
        &["assets", "import", "--org", "waterbedrijf", &profile],
    );
    let addresses: Vec<String> = (1..=10).map(|host| format!("198.51.77.{host}")).collect();
    let list = write(folder.path(), "list.txt", addresses.join("\n") + "\n");
    crate::add_water_source(data, "list-x", "list", &list, "C", "green");
    run_ok(data, &["source", "run", "list-x"]);

    let mut listed = blocklist(data);
    listed.sort();
    let mut expected = addresses.clone();
    expected.sort();
    assert_eq!(
        listed, expected,
        "a lone C source's fresh addresses are listed"
    );
    let before = list_status(data);
    assert_eq!(before["alerts"]["total"], 10, "{before}");
    assert_eq!(before["alerts"]["new"], 10, "{before}");
    assert_eq!(
        (&before["reliability"], &before["effective_reliability"]),
        (&Value::from("C"), &Value::from("C"))
    );

    let alerts: Vec<Value> = serde_json::from_str(&run_ok(
        data,
        &[
            "alerts",
            "list",
            "--org",
            "waterbedrijf",
            "--format",
            "json",
        ],
    ))
    .expect("alerts list gives JSON");
    assert_eq!(
        alerts.len(),
        10,
        "one alert per listed address in the range"
    );
    for (index, alert) in alerts.iter().enumerate() {
        let id = alert["id"].as_str().expect("an alert id");
        let status = if index < 6 {
            "false-positive"
        } else {
            "resolved"
        };
        run_ok(data, &["alerts", "feedback", id, status, "--as", MEMBER]);
    }

    let after = list_status(data);
    assert_eq!(after["alerts"]["false_positive"], 6, "{after}");
    assert_eq!(after["reliability"], "C", "{after}");
    assert_eq!(after["effective_reliability"], "E", "{after}");
    let reason = after["reliability_reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("6 of 10 judged alerts (60%) were false positives"),
        "{reason}"
    );
    let printed = run_ok(data, &["source", "status"]);
    assert!(
        printed.contains(
            "  alerts 10: 0 new, 0 acknowledged, 4 resolved, 0 not relevant, 6 false positive"
        ) && printed.contains("  reliability C, scored as E: 6 of 10 judged alerts"),
        "{printed}"
    );
    assert!(
        blocklist(data).is_empty(),
        "an E source alone scores 20, below the threshold of 30"
    );

    // The switch off gives the scores as they were before the feedback.
    let config = data.join("dijkwacht.toml");
    let written = std::fs::read_to_string(&config).expect("dijkwacht.toml");
    std::fs::write(
        &config,
        format!("{written}\n[scoring.feedback]\nenabled = false\n"),
    )
    .expect("written");
    assert_eq!(blocklist(data).len(), 10);
    let off = list_status(data);
    assert_eq!(off["effective_reliability"], "C", "{off}");
    assert!(!run_ok(data, &["source", "status"]).contains("scored as"));

    // A mistake in the table is named, with what to write.
    std::fs::write(
        &config,
        format!("{written}\n[scoring.feedback]\nlower_one_step_at = 30\n"),
    )
    .expect("written");
    for arguments in [
        vec!["source", "status"],
        vec!["export", "--format", "blocklist", "--kind", "ip"],
    ] {
        let output = run(data, &arguments);
        let said = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}: {said}");
        assert!(
            said.contains("[scoring]")
                && said.contains("`feedback.lower_one_step_at` is 30")
                && said.contains("0.3 is 30 %"),
            "{said}"
        );
    }
}
