//! Actionable alerts made by the real binary from intelligence brought in the ways a
//! user brings it, in a SQLite file in a temporary folder. It proves that:
//! - a profile imported after the intelligence still gets its alerts, and importing
//!   the same intelligence or profile again (or rematching) makes no second alert;
//! - a real CISA CSAF advisory and the real KEV catalogue give alerts for hand-picked
//!   products, with the vendor's remediation and CISA's required action quoted among
//!   the steps in Dutch and English, and a fixed version gives none;
//! - the sharing rules hold: TLP:AMBER shared into a community the organisation is not
//!   in gives it no alert, and TLP:RED gives an alert only for the organisation's
//!   named recipients (RED is for named users alone);
//! - a sighting by an organisation of the member's sector, readable by the member,
//!   raises the alert one step — also when it arrives after the alert was made — and
//!   one by another sector, or one the member may not read, does not;
//! - feedback changes the status for the organisation's own users only;
//! - a profile file with bad lines is refused whole, naming every line, and an unknown
//!   organisation is a clear error.
//!
//! The helpers are shared with `alerts_delivery.rs`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};

use crate::{
    add_analyst, add_fusion_source, bundle, fresh_store, run, run_ok, share_last_source_publicly,
    shared_data, text, write,
};

/// A user of `waterbedrijf`.
pub const ALICE: &str = "alice@waterbedrijf.example";
/// A user of `chemie-bv`, another organisation.
pub const CAROL: &str = "carol@chemie-bv.example";
/// The range `waterbedrijf` owns.
pub const WATER_RANGE: &str = "198.51.100.0/24";

/// A platform of four organisations: `fusion` (sector other), the publisher, in both
/// communities; `waterbedrijf` and `drinkwater` (sector water) in community `water`;
/// `chemie-bv` (sector chemie) in community `chemie`. Users: [`ALICE`] and [`CAROL`].
pub fn platform(data: &Path) {
    for arguments in [
        vec!["org", "add", "fusion", "--sector", "other"],
        vec!["org", "add", "waterbedrijf", "--sector", "water"],
        vec!["org", "add", "drinkwater", "--sector", "water"],
        vec!["org", "add", "chemie-bv", "--sector", "chemie"],
        vec!["community", "add", "water", "--kind", "top-sector"],
        vec!["community", "add", "chemie", "--kind", "top-sector"],
        vec!["community", "join", "water", "fusion"],
        vec!["community", "join", "water", "waterbedrijf"],
        vec!["community", "join", "water", "drinkwater"],
        vec!["community", "join", "chemie", "fusion"],
        vec!["community", "join", "chemie", "chemie-bv"],
    ] {
        run_ok(data, &arguments);
    }
    add_analyst(data, ALICE, "waterbedrijf");
    add_analyst(data, CAROL, "chemie-bv");
}

/// Imports a profile of `rows` (after a `kind,value` header) for `organisation`;
/// gives the command's output.
pub fn import_profile(data: &Path, organisation: &str, rows: &[&str]) -> String {
    let path = write(
        data,
        &format!("{organisation}-profile.csv"),
        format!("kind,value\n{}\n", rows.join("\n")),
    );
    run_ok(
        data,
        &[
            "assets",
            "import",
            "--org",
            organisation,
            &path.display().to_string(),
        ],
    )
}

/// The id of address indicator `number`.
pub fn indicator_id(number: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{number:012}")
}

/// An indicator naming `address`, stated with `confidence` when given: without it (and
/// without labels) its alert is medium, with 80 high.
pub fn address_indicator(number: u32, address: &str, confidence: Option<u8>) -> Value {
    let mut indicator = json!({
        "type": "indicator", "spec_version": "2.1", "id": indicator_id(number),
        "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
        "name": format!("Scanner {number}"),
        "pattern": format!("[ipv4-addr:value = '{address}']"), "pattern_type": "stix",
        "valid_from": "2026-11-20T08:00:00Z"
    });
    if let Some(confidence) = confidence {
        indicator["confidence"] = json!(confidence);
    }
    indicator
}

/// [`address_indicator`] on 198.51.100.`number`, an address of waterbedrijf.
pub fn water_indicator(number: u32, confidence: Option<u8>) -> Value {
    address_indicator(number, &format!("198.51.100.{number}"), confidence)
}

/// Publishes [`water_indicator`] `number` as `fusion` with the `sharing` flags.
pub fn publish_water_indicator(data: &Path, number: u32, confidence: Option<u8>, sharing: &[&str]) {
    publish(
        data,
        "fusion",
        vec![water_indicator(number, confidence)],
        sharing,
    );
}

/// A data folder with [`platform`] and waterbedrijf's range in its profile.
pub fn water_platform() -> tempfile::TempDir {
    let store = fresh_store();
    platform(store.path());
    import_profile(
        store.path(),
        "waterbedrijf",
        &[&format!("cidr,{WATER_RANGE}")],
    );
    store
}

/// Writes `objects` as a bundle into the data folder and imports it as `organisation`
/// with the `sharing` flags (`--community water`, `--tlp amber`, …); gives the output.
pub fn publish(data: &Path, organisation: &str, objects: Vec<Value>, sharing: &[&str]) -> String {
    static BUNDLES: AtomicU32 = AtomicU32::new(0);
    let name = format!("bundle-{}.json", BUNDLES.fetch_add(1, Ordering::Relaxed));
    let path = write(data, &name, bundle(objects)).display().to_string();
    let mut arguments = vec!["import", "--as", organisation];
    arguments.extend_from_slice(sharing);
    arguments.push(&path);
    run_ok(data, &arguments)
}

/// `alerts list --format json`, of one organisation or all, with the `--status` given.
pub fn list_alerts(data: &Path, organisation: Option<&str>, statuses: &[&str]) -> Vec<Value> {
    let mut arguments = vec!["alerts", "list", "--format", "json"];
    if let Some(organisation) = organisation {
        arguments.extend(["--org", organisation]);
    }
    for status in statuses {
        arguments.extend(["--status", status]);
    }
    serde_json::from_str(&run_ok(data, &arguments)).expect("alerts list prints JSON")
}

/// The alert among `alerts` made from `object_id`, if any.
pub fn alert_from<'a>(alerts: &'a [Value], object_id: &str) -> Option<&'a Value> {
    alerts.iter().find(|alert| {
        alert["object_ids"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|id| id == object_id))
    })
}

pub fn id_of(alert: &Value) -> String {
    alert["id"].as_str().expect("an alert has an id").to_owned()
}

/// `alerts show ID --language …` as a member reads it.
pub fn show(data: &Path, id: &str, language: &str) -> String {
    run_ok(data, &["alerts", "show", id, "--language", language])
}

#[test]
fn alerts_a_profile_imported_after_the_intelligence_gets_its_alert_once() {
    let store = fresh_store();
    let data = store.path();
    platform(data);
    let objects = vec![
        water_indicator(7, Some(80)),
        address_indicator(2, "203.0.113.9", Some(80)),
    ];
    let first = publish(data, "fusion", objects.clone(), &["--community", "water"]);
    assert!(!first.contains("alerts:"), "no profile yet: {first}");
    assert!(list_alerts(data, None, &[]).is_empty());

    // The profile comes later: its change is matched against what is stored.
    let imported = import_profile(data, "waterbedrijf", &[&format!("cidr,{WATER_RANGE}")]);
    assert!(imported.contains("matched: 1 new alert(s)"), "{imported}");
    let alerts = list_alerts(data, None, &[]);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let alert = &alerts[0];
    assert_eq!(alert["organisation"], "waterbedrijf");
    assert_eq!(alert["kind"], "listed-address");
    assert_eq!(alert["severity"], "high");
    assert_eq!(alert["object_ids"], json!([indicator_id(7)]));
    let shown = show(data, &id_of(alert), "en");
    assert!(
        shown.contains("indicator pattern names 198.51.100.7, inside your range 198.51.100.0/24"),
        "{shown}"
    );

    // The same intelligence again, the same profile again, a rematch after another
    // entry, and a run: still one alert.
    let again = publish(data, "fusion", objects, &["--community", "water"]);
    assert!(again.contains("2 duplicates"), "{again}");
    let same = import_profile(data, "waterbedrijf", &[&format!("cidr,{WATER_RANGE}")]);
    assert!(same.contains("0 entries added"), "{same}");
    assert!(same.contains("matched: 0 new alert(s)"), "{same}");
    let grown = import_profile(data, "waterbedrijf", &["domain,waterbedrijf.example"]);
    assert!(grown.contains("1 entries added"), "{grown}");
    assert!(grown.contains("matched: 0 new alert(s)"), "{grown}");
    let ran = run_ok(data, &["alerts", "run"]);
    assert!(ran.contains("0 new alert(s)"), "{ran}");
    let after = list_alerts(data, None, &[]);
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["id"], alert["id"]);
}

/// A folder holding only `advisory` of CISA's CSAF advisories, as a source reads it.
fn csaf_folder(shared: &Path, into: &Path, advisory: &str) -> PathBuf {
    let folder = into.join("csaf");
    std::fs::create_dir_all(&folder).expect("a CSAF folder");
    let from = shared.join("csaf/cisa-csaf/OT/white/2024").join(advisory);
    std::fs::copy(&from, folder.join(advisory))
        .unwrap_or_else(|error| panic!("{}: {error}", from.display()));
    folder
}

/// Adds a path source published by `fusion` that shares with everyone, and runs it.
fn public_source(data: &Path, name: &str, kind: &str, path: &Path) -> String {
    add_fusion_source(data, name, kind, path, "A", &[]);
    share_last_source_publicly(data);
    run_ok(data, &["source", "run", name])
}

/// CISA's required action for `cve` in the catalogue, as CISA wrote it.
fn required_action(catalogue: &Path, cve: &str) -> String {
    let text = std::fs::read_to_string(catalogue).expect("the KEV catalogue");
    let catalogue: Value = serde_json::from_str(&text).expect("the KEV catalogue is JSON");
    catalogue["vulnerabilities"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry["cveID"] == cve)
        .and_then(|entry| entry["requiredAction"].as_str())
        .unwrap_or_else(|| panic!("{cve} is not in the catalogue"))
        .to_owned()
}

fn with_cve<'a>(alerts: &'a [Value], cve: &str) -> &'a Value {
    alerts
        .iter()
        .find(|alert| {
            alert["body"]["cves"]
                .as_array()
                .is_some_and(|cves| cves.iter().any(|known| known == cve))
        })
        .unwrap_or_else(|| panic!("no alert about {cve}: {alerts:#?}"))
}

#[test]
fn alerts_from_a_real_csaf_advisory_and_the_real_kev_catalogue_quote_their_remedies() {
    let Some(shared) = shared_data() else { return };
    let store = fresh_store();
    let data = store.path();
    platform(data);
    run_ok(
        data,
        &["org", "add", "generatorbouw", "--sector", "energie"],
    );
    run_ok(
        data,
        &["org", "add", "al-bijgewerkt", "--sector", "energie"],
    );
    import_profile(
        data,
        "generatorbouw",
        &[
            "product,Deep Sea Electronics:DSE855:1.0.26",
            "product,Ivanti:Cloud Services Appliance:4.6",
            "product,Progress:MOVEit Transfer",
        ],
    );
    // The version the advisory names as the fix: not affected.
    import_profile(
        data,
        "al-bijgewerkt",
        &["product,Deep Sea Electronics:DSE855:1.2.0"],
    );

    let folder = tempfile::tempdir().expect("a temporary folder");
    let csaf = csaf_folder(&shared, folder.path(), "icsa-24-298-03.json");
    let ran = public_source(data, "cisa-csaf", "csaf", &csaf);
    assert!(ran.contains("alerts: 1 new"), "{ran}");
    let catalogue = shared.join("cisa-kev/known_exploited_vulnerabilities.json");
    let ran = public_source(data, "cisa-kev", "kev", &catalogue);
    assert!(ran.contains("alerts: 5 new"), "{ran}");

    assert!(list_alerts(data, Some("al-bijgewerkt"), &[]).is_empty());
    let alerts = list_alerts(data, Some("generatorbouw"), &[]);
    // CISA lists the appliance once as `Cloud Services Appliance` and three times as
    // `Cloud Services Appliance (CSA)`: one product, four alerts.
    let mut cves: Vec<&str> = alerts
        .iter()
        .flat_map(|alert| alert["body"]["cves"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    cves.sort_unstable();
    assert_eq!(
        cves,
        [
            "CVE-2023-34362",
            "CVE-2024-5947",
            "CVE-2024-8190",
            "CVE-2024-8963",
            "CVE-2024-9379",
            "CVE-2024-9380"
        ],
        "{alerts:#?}"
    );

    // The CSAF advisory: CVSS 6.5, the vendor's fix quoted in both languages.
    let advisory = with_cve(&alerts, "CVE-2024-5947");
    assert_eq!(advisory["kind"], "vulnerable-product");
    assert_eq!(advisory["severity"], "medium");
    assert_eq!(advisory["tlp"], "clear");
    let fix = "Deep Sea Electronics recommends that users update DSE855 to version 1.2.0";
    let dutch = show(data, &id_of(advisory), "nl");
    let english = show(data, &id_of(advisory), "en");
    assert!(
        dutch.contains(&format!(
            "Installeer de oplossing van de leverancier: {fix}"
        )),
        "{dutch}"
    );
    assert!(dutch.contains("Wat te doen:"), "{dutch}");
    assert!(
        english.contains(&format!("Install the vendor's fix: {fix}")),
        "{english}"
    );
    assert!(english.contains("What to do:"), "{english}");
    assert!(english.contains("Deep Sea Electronics DSE855"), "{english}");

    // KEV: exploited, so at least high; used by ransomware, critical. CISA's required
    // action is quoted as CISA wrote it.
    let ivanti = with_cve(&alerts, "CVE-2024-8190");
    assert_eq!(ivanti["kind"], "exploited-vulnerability");
    assert_eq!(ivanti["severity"], "high");
    let action = required_action(&catalogue, "CVE-2024-8190");
    assert!(action.contains("End-of-Life"), "{action}");
    let dutch = show(data, &id_of(ivanti), "nl");
    let english = show(data, &id_of(ivanti), "en");
    assert!(dutch.contains("Voer de maatregel van CISA uit"), "{dutch}");
    assert!(dutch.contains(&action), "{dutch}");
    assert!(english.contains("Take CISA's required action"), "{english}");
    assert!(english.contains(&action), "{english}");
    let moveit = with_cve(&alerts, "CVE-2023-34362");
    assert_eq!(moveit["severity"], "critical");
    assert!(
        show(data, &id_of(moveit), "en").contains(&required_action(&catalogue, "CVE-2023-34362"))
    );
    assert!(show(data, &id_of(moveit), "nl").contains("gebruikt bij ransomware"));
}

#[test]
fn alerts_follow_the_sharing_rules_amber_elsewhere_none_red_its_recipients_only() {
    let store = water_platform();
    let data = store.path();
    // AMBER into `chemie`, which waterbedrijf is not in: no alert.
    publish_water_indicator(
        data,
        10,
        Some(80),
        &["--community", "chemie", "--tlp", "amber"],
    );
    // RED to a named user of waterbedrijf: an alert for that user alone.
    publish_water_indicator(
        data,
        11,
        Some(80),
        &["--community", "water", "--tlp", "red", "--recipient", ALICE],
    );
    // AMBER into `water`: the alert, at AMBER.
    publish_water_indicator(
        data,
        12,
        Some(80),
        &["--community", "water", "--tlp", "amber"],
    );
    run_ok(data, &["alerts", "run"]);
    let alerts = list_alerts(data, None, &[]);
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    assert!(
        alert_from(&alerts, &indicator_id(10)).is_none(),
        "{alerts:#?}"
    );
    let amber = alert_from(&alerts, &indicator_id(12)).expect("AMBER into water alerts");
    assert_eq!(amber["tlp"], "amber");
    assert_eq!(amber["organisation"], "waterbedrijf");
    assert_eq!(amber["recipients"], json!([]));
    let red = alert_from(&alerts, &indicator_id(11)).expect("RED alerts its named user");
    assert_eq!(red["tlp"], "red");
    assert_eq!(red["organisation"], "waterbedrijf");
    assert_eq!(red["recipients"], json!([ALICE]));

    // A profile change rematches everything stored: nothing more from AMBER
    // elsewhere, and RED stays with its recipient.
    import_profile(data, "waterbedrijf", &["domain,waterbedrijf.example"]);
    assert_eq!(list_alerts(data, None, &[]).len(), 2);
}

#[test]
fn alerts_rise_with_a_sighting_nearby_that_the_member_may_read() {
    let store = water_platform();
    let data = store.path();
    // Three indicators without confidence or labels: medium each.
    publish(
        data,
        "fusion",
        vec![
            water_indicator(21, None),
            water_indicator(22, None),
            water_indicator(23, None),
        ],
        &["--community", "water", "--tlp", "green"],
    );
    let severity = |number: u32| {
        let alerts = list_alerts(data, Some("waterbedrijf"), &[]);
        alert_from(&alerts, &indicator_id(number))
            .map(|alert| alert["severity"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("no alert from indicator {number}: {alerts:#?}"))
    };
    for number in [21, 22, 23] {
        assert_eq!(severity(number), "medium");
    }
    let sighting = |number: u32, of: u32| {
        json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--00000000-0000-4000-9000-{number:012}"),
            "created": "2026-11-21T08:00:00.000Z", "modified": "2026-11-21T08:00:00.000Z",
            "sighting_of_ref": indicator_id(of), "count": 3
        })
    };
    // drinkwater (sector water) sights 21 and shares it into water.
    let sighted = publish(
        data,
        "drinkwater",
        vec![sighting(1, 21)],
        &["--community", "water", "--tlp", "green"],
    );
    assert!(sighted.contains("alerts: 0 new, 1 raised"), "{sighted}");
    // chemie-bv (another sector) sights 22 and shares it with everyone.
    publish(
        data,
        "chemie-bv",
        vec![sighting(2, 22)],
        &["--public", "--tlp", "clear"],
    );
    // drinkwater sights 23 but keeps it to itself.
    publish(data, "drinkwater", vec![sighting(3, 23)], &[]);

    assert_eq!(severity(21), "high", "sighted nearby, readable");
    assert_eq!(severity(22), "medium", "sighted by another sector");
    assert_eq!(
        severity(23),
        "medium",
        "a sighting waterbedrijf may not read"
    );
    let alerts = list_alerts(data, Some("waterbedrijf"), &[]);
    let raised = alert_from(&alerts, &indicator_id(21)).expect("the alert of 21");
    let shown = show(data, &id_of(raised), "en");
    assert!(
        shown.contains("seen by organisations in your sector or supply chain"),
        "{shown}"
    );
    assert_eq!(alerts.len(), 3, "raised, not repeated: {alerts:#?}");
}

#[test]
fn alerts_feedback_is_for_the_organisations_own_users() {
    let store = water_platform();
    let data = store.path();
    publish_water_indicator(data, 31, Some(80), &["--community", "water"]);
    let alerts = list_alerts(data, Some("waterbedrijf"), &[]);
    assert_eq!(alerts.len(), 1);
    let id = id_of(&alerts[0]);
    assert_eq!(alerts[0]["status"], "new");

    let refused = run(
        data,
        &["alerts", "feedback", &id, "resolved", "--as", CAROL],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    let said = text(&refused.stderr);
    assert!(
        said.contains(&format!("{CAROL} is not of waterbedrijf")),
        "{said}"
    );
    assert!(list_alerts(data, None, &["resolved"]).is_empty());

    let given = run_ok(
        data,
        &[
            "alerts", "feedback", &id, "resolved", "--as", ALICE, "--note", "patched",
        ],
    );
    assert!(given.contains(&format!("{id} is now resolved")), "{given}");
    let resolved = list_alerts(data, None, &["resolved"]);
    assert_eq!(resolved.len(), 1, "{resolved:#?}");
    assert_eq!(resolved[0]["id"], id.as_str());
    assert_eq!(resolved[0]["status_by"], ALICE);
    assert_eq!(resolved[0]["status_note"], "patched");
    assert!(list_alerts(data, None, &["new"]).is_empty());
    assert!(show(data, &id, "nl").contains("· resolved"));
}

#[test]
fn alerts_profiles_with_bad_lines_or_for_unknown_organisations_are_refused() {
    let store = fresh_store();
    let data = store.path();
    platform(data);
    let csv = write(
        data,
        "bad-profile.csv",
        "kind,value\n\
         cidr,198.51.100.0/24\n\
         cidr,10.0.0.0/4\n\
         domain,not a domain\n\
         product,siemens\n\
         asn,AS64500\n\
         printer,hp\n",
    );
    let csv = csv.display().to_string();
    let output = run(data, &["assets", "import", "--org", "waterbedrijf", &csv]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let said = text(&output.stderr);
    for line in [3, 4, 5, 7] {
        assert!(
            said.contains(&format!("line {line}")),
            "line {line}: {said}"
        );
    }
    for good in [2, 6] {
        assert!(
            !said.contains(&format!("line {good}:")),
            "line {good}: {said}"
        );
    }
    assert!(
        said.contains("4 line(s)") && said.contains("nothing was stored"),
        "{said}"
    );
    let listed: Value = serde_json::from_str(&run_ok(
        data,
        &[
            "assets",
            "list",
            "--org",
            "waterbedrijf",
            "--format",
            "json",
        ],
    ))
    .expect("assets list prints JSON");
    assert_eq!(listed["entries"], json!([]), "{listed}");

    let output = run(data, &["assets", "import", "--org", "waterschap", &csv]);
    assert_eq!(output.status.code(), Some(2));
    let said = text(&output.stderr);
    assert!(
        said.contains("there is no organisation 'waterschap'") && said.contains("org list"),
        "{said}"
    );
}

/// A `course-of-action` that `mitigates` the intelligence becomes a step of its alert —
/// when the organisation may read it; one kept elsewhere does not.
#[test]
fn alerts_take_linked_courses_of_action_as_steps() {
    let store = water_platform();
    let data = store.path();
    let course = |number: u32, name: &str| {
        json!({
            "type": "course-of-action", "spec_version": "2.1",
            "id": format!("course-of-action--00000000-0000-4000-a000-{number:012}"),
            "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
            "name": name,
            "description": "Block the address at the firewall and look for outbound connections to it."
        })
    };
    let mitigates = |number: u32, course_number: u32, target: String| {
        json!({
            "type": "relationship", "spec_version": "2.1",
            "id": format!("relationship--00000000-0000-4000-a000-{number:012}"),
            "created": "2026-11-20T08:00:00.000Z", "modified": "2026-11-20T08:00:00.000Z",
            "relationship_type": "mitigates",
            "source_ref": format!("course-of-action--00000000-0000-4000-a000-{course_number:012}"),
            "target_ref": target
        })
    };
    // A course the member may read, and one the fusion center keeps to itself.
    publish(
        data,
        "fusion",
        vec![course(2, "Kept course"), mitigates(2, 2, indicator_id(31))],
        &[],
    );
    publish(
        data,
        "fusion",
        vec![
            water_indicator(31, Some(80)),
            course(1, "Isolate the listed host"),
            mitigates(1, 1, indicator_id(31)),
        ],
        &["--community", "water", "--tlp", "green"],
    );
    let alerts = list_alerts(data, Some("waterbedrijf"), &[]);
    let alert = alert_from(&alerts, &indicator_id(31)).expect("an alert from indicator 31");
    let steps = alert["body"]["steps"].as_array().expect("steps");
    let from_courses: Vec<&Value> = steps
        .iter()
        .filter(|step| step["source"] == "course-of-action")
        .collect();
    assert_eq!(from_courses.len(), 1, "{steps:#?}");
    let step = from_courses[0];
    assert!(
        step["nl"]
            .as_str()
            .is_some_and(|nl| nl.contains("Isolate the listed host")
                && nl.contains("Block the address at the firewall")),
        "{step}"
    );
    assert!(
        step["en"]
            .as_str()
            .is_some_and(|en| en.starts_with("Recommended measure: "))
    );
}
