//! The KEV mapping against CISA's real catalogue (from `shared/data`) and against small
//! hand-written catalogues with broken entries.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dijkwacht_fusion::kev::{KEV_SOURCE_NAME, KevError, map_catalog};
use dijkwacht_fusion::mapped::derived_id;
use dijkwacht_stix::tlp::TLP2_CLEAR;
use dijkwacht_stix::validate_object;
use serde_json::{Value, json};

/// The shared test data, or `None` (after saying so) when it is absent outside CI.
fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "shared test data missing at {}",
        path.display()
    );
    println!("skipping: no shared test data at {}", path.display());
    None
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

fn vulnerabilities_by_name(objects: &[Value]) -> HashMap<String, &Value> {
    objects
        .iter()
        .filter(|object| object["type"] == "vulnerability")
        .map(|object| {
            (
                object["name"].as_str().unwrap_or_default().to_owned(),
                object,
            )
        })
        .collect()
}

#[test]
fn the_real_catalogue_maps_every_entry_to_a_valid_vulnerability() {
    let Some(data) = shared_data() else {
        return;
    };
    let bytes = read(&data.join("cisa-kev/known_exploited_vulnerabilities.json"));
    let source: Value = serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{error}"));
    let entries = source["vulnerabilities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!entries.is_empty(), "the catalogue has entries");

    let catalog = map_catalog(&bytes).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(catalog.mapped.problems, Vec::new());
    assert_eq!(
        catalog.catalog_version,
        source["catalogVersion"].as_str().unwrap_or_default()
    );
    assert_eq!(
        catalog.date_released,
        source["dateReleased"].as_str().unwrap_or_default()
    );
    assert_eq!(Some(catalog.count as u64), source["count"].as_u64());

    let objects = &catalog.mapped.objects;
    let identities: Vec<&Value> = objects
        .iter()
        .filter(|object| object["type"] == "identity")
        .collect();
    assert_eq!(identities.len(), 1, "the CISA identity is included once");
    let cisa_id = identities[0]["id"].clone();
    let vulnerabilities = vulnerabilities_by_name(objects);
    assert_eq!(
        vulnerabilities.len(),
        entries.len(),
        "one vulnerability per entry"
    );
    assert_eq!(objects.len(), entries.len() + 1);

    for entry in &entries {
        let cve = entry["cveID"].as_str().unwrap_or_default();
        let vulnerability = vulnerabilities
            .get(cve)
            .unwrap_or_else(|| panic!("{cve} was not mapped"));
        assert_eq!(vulnerability["id"], derived_id("vulnerability", "kev", cve));
        assert_eq!(vulnerability["created_by_ref"], cisa_id);
        let date_added = entry["dateAdded"].as_str().unwrap_or_default();
        assert_eq!(
            vulnerability["created"],
            format!("{date_added}T00:00:00.000Z")
        );
        assert_eq!(vulnerability["modified"], vulnerability["created"]);
        assert_eq!(vulnerability["x_kev_date_added"], date_added);
        assert_eq!(vulnerability["x_kev_due_date"], entry["dueDate"]);
        assert_eq!(
            vulnerability["x_kev_known_ransomware_campaign_use"],
            json!(entry["knownRansomwareCampaignUse"] == "Known"),
            "{cve}"
        );
        assert_eq!(
            vulnerability["description"].as_str(),
            entry["shortDescription"].as_str().map(str::trim)
        );
        assert_eq!(
            vulnerability["x_kev_vendor_project"].as_str(),
            entry["vendorProject"].as_str().map(str::trim)
        );
        let references = vulnerability["external_references"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(references.contains(&json!({"source_name": "cve", "external_id": cve})));
        assert!(
            references
                .iter()
                .any(|reference| reference["source_name"] == KEV_SOURCE_NAME)
        );
        assert_eq!(vulnerability["object_marking_refs"], json!([TLP2_CLEAR]));
    }

    for object in objects {
        let report = validate_object(object);
        let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let warnings: Vec<&str> = report
            .warnings()
            .map(|warning| warning.rule.code())
            .collect();
        assert!(
            warnings.iter().all(|code| *code == "uuid-version"),
            "only the derived (UUIDv5) ids are warned about: {warnings:?}"
        );
    }

    let again = map_catalog(&bytes).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        again, catalog,
        "mapping the same catalogue twice gives the same objects"
    );
}

#[test]
fn picked_entries_keep_their_kev_facts() {
    let Some(data) = shared_data() else {
        return;
    };
    let catalog = map_catalog(&read(
        &data.join("cisa-kev/known_exploited_vulnerabilities.json"),
    ))
    .unwrap_or_else(|error| panic!("{error}"));
    let vulnerabilities = vulnerabilities_by_name(&catalog.mapped.objects);
    let get = |cve: &str| {
        *vulnerabilities
            .get(cve)
            .unwrap_or_else(|| panic!("{cve} missing"))
    };

    // Values read from the catalogue by hand (catalogVersion 2025.08.25).
    let simple_help = get("CVE-2024-57727");
    assert_eq!(
        simple_help["x_kev_known_ransomware_campaign_use"],
        json!(true)
    );
    assert_eq!(simple_help["created"], "2025-02-13T00:00:00.000Z");
    assert_eq!(simple_help["x_kev_due_date"], "2025-03-06");
    assert_eq!(
        simple_help["x_kev_vendor_project"], "SimpleHelp",
        "the trailing space is trimmed"
    );
    assert_eq!(simple_help["x_kev_cwes"], json!(["CWE-22"]));

    let git = get("CVE-2025-48384");
    assert_eq!(git["x_kev_known_ransomware_campaign_use"], json!(false));
    assert_eq!(git["created"], "2025-08-25T00:00:00.000Z");
    assert_eq!(git["x_kev_product"], "Git");
    assert_eq!(
        git["x_kev_vulnerability_name"],
        "Git Link Following Vulnerability"
    );
    assert_eq!(git["x_kev_cwes"], json!(["CWE-59", "CWE-436"]));

    let log4j = get("CVE-2021-44228");
    assert_eq!(log4j["x_kev_known_ransomware_campaign_use"], json!(true));
    assert_eq!(log4j["x_kev_date_added"], "2021-12-10");
    assert_eq!(log4j["x_kev_due_date"], "2021-12-24");
    assert_eq!(
        log4j["x_kev_notes"],
        "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"
    );
    assert!(
        log4j["x_kev_required_action"]
            .as_str()
            .is_some_and(|action| action.starts_with("For all affected software assets"))
    );
}

fn entry(cve: Value, date_added: &str) -> Value {
    json!({
        "cveID": cve,
        "vendorProject": "Example",
        "product": "Gateway",
        "vulnerabilityName": "Example Gateway Command Injection",
        "dateAdded": date_added,
        "shortDescription": "An example.",
        "requiredAction": "Apply updates.",
        "dueDate": "2025-01-21",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
        "cwes": []
    })
}

fn catalogue(entries: Vec<Value>, count: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2025.01.01",
        "dateReleased": "2025-01-01T12:00:00.000Z",
        "count": count,
        "vulnerabilities": entries,
    }))
    .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn malformed_entries_are_located_problems_and_the_rest_maps() {
    let mut no_cve = entry(json!("CVE-2024-0001"), "2024-12-31");
    if let Some(object) = no_cve.as_object_mut() {
        object.remove("cveID");
    }
    let mut odd_flag = entry(json!("CVE-2024-0005"), "2024-12-31");
    odd_flag["knownRansomwareCampaignUse"] = json!("Suspected");
    odd_flag["dueDate"] = json!("soon");
    let entries = vec![
        entry(json!("CVE-2024-0002"), "2024-12-31"),
        no_cve,
        entry(json!("CVE-2024-0003"), "2024-13-01"),
        entry(json!(42), "2024-12-31"),
        odd_flag,
        entry(json!("CVE-2024-0002"), "2025-01-02"),
        entry(json!("CVE-24-7"), "2024-12-31"),
    ];
    let catalog = map_catalog(&catalogue(entries, 9)).unwrap_or_else(|error| panic!("{error}"));

    let names: Vec<&str> = catalog
        .mapped
        .objects
        .iter()
        .filter(|object| object["type"] == "vulnerability")
        .filter_map(|object| object["name"].as_str())
        .collect();
    assert_eq!(names, ["CVE-2024-0002", "CVE-2024-0005"]);
    let odd = &catalog.mapped.objects[2];
    assert!(odd.get("x_kev_known_ransomware_campaign_use").is_none());
    assert!(odd.get("x_kev_due_date").is_none());
    assert!(odd.get("x_kev_notes").is_none(), "empty notes are left out");
    assert!(
        odd.get("x_kev_cwes").is_none(),
        "an empty list would be invalid STIX"
    );
    for object in &catalog.mapped.objects {
        assert!(validate_object(object).is_valid(), "{object}");
    }

    let problems: Vec<(&str, &str)> = catalog
        .mapped
        .problems
        .iter()
        .map(|problem| (problem.location.as_str(), problem.message.as_str()))
        .collect();
    let expect = |location: &str, fragment: &str| {
        assert!(
            problems
                .iter()
                .any(|(at, message)| *at == location && message.contains(fragment)),
            "no problem at {location} mentioning {fragment:?} in {problems:#?}"
        );
    };
    expect("catalogue", "says 9 but the catalogue holds 7");
    expect("entry 2", "no `cveID`");
    expect("entry 3 (CVE-2024-0003)", "`dateAdded` '2024-13-01'");
    expect("entry 4", "invalid type");
    expect("entry 5 (CVE-2024-0005)", "'Suspected'");
    expect("entry 5 (CVE-2024-0005)", "`dueDate` 'soon'");
    expect("entry 6 (CVE-2024-0002)", "listed twice");
    expect("entry 7 (CVE-24-7)", "not of the form");
    assert_eq!(problems.len(), 8, "{problems:#?}");
}

#[test]
fn what_is_not_a_catalogue_is_an_error() {
    let not_json = map_catalog(b"<html>");
    assert!(
        matches!(not_json, Err(KevError::NotACatalog(_))),
        "{not_json:?}"
    );
    let missing = map_catalog(br#"{"catalogVersion": "1", "count": 0, "vulnerabilities": []}"#);
    let message = missing.map(|_| ()).map_err(|error| error.to_string());
    assert!(
        message
            .as_ref()
            .is_err_and(|message| message.contains("missing field `dateReleased`")),
        "{message:?}"
    );
    let bad_release = map_catalog(
        br#"{"catalogVersion": "1", "dateReleased": "last Tuesday", "count": 0, "vulnerabilities": []}"#,
    );
    assert!(matches!(bad_release, Err(KevError::DateReleased(ref text)) if text == "last Tuesday"));
}
