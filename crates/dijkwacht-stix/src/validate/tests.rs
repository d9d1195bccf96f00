//! Data-driven cases: each is an object (as JSON text) and the rule codes it must raise.

use serde_json::{Value, json};

use super::validate_object;

fn indicator() -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "indicator_types": ["malicious-activity"],
        "name": "Poison Ivy Malware",
        "pattern": "[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']",
        "pattern_type": "stix",
        "valid_from": "2016-01-01T00:00:00Z"
    })
}

fn with(mut base: Value, changes: Value) -> Value {
    if let (Some(target), Some(source)) = (base.as_object_mut(), changes.as_object()) {
        for (key, value) in source {
            if value.is_null() {
                target.remove(key);
            } else {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    base
}

fn error_codes(value: &Value) -> Vec<&'static str> {
    let mut codes: Vec<_> = validate_object(value)
        .errors()
        .map(|finding| finding.rule.code())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

#[test]
fn a_valid_indicator_has_no_errors() {
    let report = validate_object(&indicator());
    assert!(report.is_valid(), "{:?}", report.diagnostics);
}

#[test]
fn each_broken_rule_is_named() {
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "missing pattern",
            json!({"pattern": null}),
            vec!["required-property"],
        ),
        (
            "id of another type",
            json!({"id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}),
            vec!["id-type-mismatch"],
        ),
        (
            "id without uuid",
            json!({"id": "indicator--1234"}),
            vec!["id-format"],
        ),
        (
            "timestamp with offset",
            json!({"created": "2016-04-06T20:03:48.000+01:00"}),
            vec!["timestamp"],
        ),
        (
            "modified before created",
            json!({"modified": "2015-04-06T20:03:48.000Z"}),
            vec!["modified-before-created"],
        ),
        (
            "seconds precision",
            json!({"created": "2016-04-06T20:03:48Z", "modified": "2016-04-06T20:03:48Z"}),
            vec!["timestamp-precision"],
        ),
        (
            "spec version 2.0",
            json!({"spec_version": "2.0"}),
            vec!["spec-version"],
        ),
        (
            "valid_until before valid_from",
            json!({"valid_until": "2015-01-01T00:00:00Z"}),
            vec!["time-order"],
        ),
        (
            "confidence 101",
            json!({"confidence": 101}),
            vec!["integer-range"],
        ),
        (
            "creator is not an identity",
            json!({"created_by_ref": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}),
            vec!["reference-type"],
        ),
        ("empty labels", json!({"labels": []}), vec!["empty-list"]),
        (
            "reserved name",
            json!({"severity": "high"}),
            vec!["reserved-property"],
        ),
        (
            "bad custom property name",
            json!({"x_Foo-Bar": 1}),
            vec!["property-name"],
        ),
        (
            "garbage pattern",
            json!({"pattern": "not a pattern"}),
            vec!["pattern"],
        ),
        (
            "selector that does not resolve",
            json!({"granular_markings": [{"selectors": ["description"], "marking_ref": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"}]}),
            vec!["selector-unresolved"],
        ),
        (
            "external reference without detail",
            json!({"external_references": [{"source_name": "x"}]}),
            vec!["external-reference"],
        ),
        (
            "name of wrong type",
            json!({"name": 5}),
            vec!["property-type"],
        ),
    ];
    for (label, changes, expected) in cases {
        let object = with(indicator(), changes);
        assert_eq!(error_codes(&object), expected, "{label}");
    }
}

#[test]
fn findings_carry_object_id_and_path() {
    let object = with(
        indicator(),
        json!({"external_references": [{"source_name": "cve", "external_id": 5}]}),
    );
    let report = validate_object(&object);
    let finding = report.errors().next().expect("one error");
    assert_eq!(
        finding.object_id.as_deref(),
        Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    );
    assert_eq!(finding.path, "$.external_references[0].external_id");
}

#[test]
fn observables_are_checked_for_their_own_rules() {
    let address = json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "value": "198.51.100.3"});
    assert!(validate_object(&address).diagnostics.is_empty());
    let random_id = with(
        address.clone(),
        json!({"id": "ipv4-addr--ff4f6a4b-7a8e-4a3f-9f0e-7f1a2c6f1c11"}),
    );
    let report = validate_object(&random_id);
    assert!(report.is_valid());
    assert_eq!(
        report.warnings().next().map(|finding| finding.rule.code()),
        Some("sco-id-deterministic")
    );
    let file =
        json!({"type": "file", "id": "file--ff4f6a4b-7a8e-4a3f-9f0e-7f1a2c6f1c11", "size": 5});
    assert_eq!(error_codes(&file), vec!["conditional-property"]);
}

#[test]
fn custom_objects_and_properties_are_accepted() {
    let custom = json!({
        "type": "x-mitre-tactic", "spec_version": "2.1",
        "id": "x-mitre-tactic--ffd5bcee-6e16-4dd2-8eca-7b3beedf33ca",
        "created": "2018-10-17T00:14:20.652Z", "modified": "2022-04-25T14:00:00.188Z",
        "name": "Impact", "x_mitre_shortname": "impact"
    });
    assert!(validate_object(&custom).is_valid());
}

#[test]
fn tlp_markings_are_the_fixed_ones() {
    let forged = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:AMBER", "definition": {"tlp": "amber"}
    });
    assert_eq!(error_codes(&forged), vec!["marking-definition"]);
    let genuine = with(
        forged,
        json!({"id": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"}),
    );
    assert!(validate_object(&genuine).is_valid());
    let decorated = with(genuine, json!({"x_note": "extra"}));
    assert_eq!(error_codes(&decorated), vec!["marking-definition"]);
}
