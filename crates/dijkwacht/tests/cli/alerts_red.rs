//! TLP:RED and alerts: intelligence only named users may read becomes an alert for
//! those of the organisation's users alone — never for the organisation as a whole, and
//! never for another organisation whose range it names.

use serde_json::{Value, json};

use crate::{add_analyst, run_ok, water_community_with_fusion};

#[test]
fn red_intelligence_alerts_only_its_named_users() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let data = folder.path();
    run_ok(data, &["init"]);
    water_community_with_fusion(data);
    run_ok(data, &["org", "add", "zuivel", "--sector", "agri-food"]);
    run_ok(data, &["community", "join", "water", "zuivel"]);
    add_analyst(data, "named@waterbedrijf.example", "waterbedrijf");
    add_analyst(data, "other@waterbedrijf.example", "waterbedrijf");
    add_analyst(data, "someone@zuivel.example", "zuivel");
    crate::alerts::import_profile(data, "waterbedrijf", &["cidr,198.51.100.0/25"]);
    crate::alerts::import_profile(data, "zuivel", &["cidr,198.51.100.0/24"]);
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--0c7c1d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "objects": [{
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
            "created": "2026-11-20T08:00:00.000Z",
            "modified": "2026-11-20T08:00:00.000Z",
            "name": "Exfiltration server seen in an ongoing incident",
            "indicator_types": ["malicious-activity"],
            "pattern": "[ipv4-addr:value = '198.51.100.9']",
            "pattern_type": "stix",
            "valid_from": "2026-11-20T08:00:00Z",
            "confidence": 90
        }]
    });
    let path = folder.path().join("red.json");
    std::fs::write(&path, bundle.to_string()).expect("the bundle");
    run_ok(
        data,
        &[
            "import",
            "--as",
            "fusion",
            "--community",
            "water",
            "--tlp",
            "red",
            "--recipient",
            "named@waterbedrijf.example",
            &path.display().to_string(),
        ],
    );
    let listed = run_ok(data, &["alerts", "list", "--format", "json"]);
    let alerts: Vec<Value> = serde_json::from_str(&listed).expect("JSON");
    assert_eq!(
        alerts.len(),
        1,
        "one alert, for the named user's organisation: {alerts:?}"
    );
    let alert = &alerts[0];
    assert_eq!(alert["organisation"], "waterbedrijf");
    assert_eq!(alert["tlp"], "red");
    assert_eq!(alert["recipients"], json!(["named@waterbedrijf.example"]));
    assert_eq!(alert["kind"], "listed-address");
}
