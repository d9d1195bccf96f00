//! The feed built from small hand-written bundles: events per report and grouping,
//! attributes per value, the outside-reports event, TLP tags, and the files on disk.

use serde_json::{Value, json};

use super::*;
use crate::test_support::{domain_object, indicator, stored, suffix};

const SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn report(prefix: &str, refs: &[String], extra: Value) -> Value {
    let mut object = json!({
        "type": "report", "spec_version": "2.1", "id": format!("report--{}", suffix(prefix)),
        "created": "2026-01-04T08:00:00.000Z", "modified": "2026-01-06T09:30:00.000Z",
        "name": "Phishing wave", "published": "2026-01-06T09:30:00Z", "object_refs": refs,
        "created_by_ref": format!("identity--{}", suffix("1d")),
    });
    crate::test_support::merge(&mut object, extra);
    object
}

fn world() -> Vec<StoredObject> {
    let id = |kind: &str, prefix: &str| format!("{kind}--{}", suffix(prefix));
    vec![
        stored(
            domain_object(
                "identity",
                "1d",
                json!({"name": "Waterbedrijf", "identity_class": "organization"}),
            ),
            Some(TlpLevel::Clear),
        ),
        stored(
            report(
                "a0",
                &[
                    id("indicator", "b1"),
                    id("indicator", "b2"),
                    id("vulnerability", "c1"),
                    id("domain-name", "d1"),
                    id("indicator", "e9"),
                    id("malware", "f1"),
                ],
                json!({}),
            ),
            Some(TlpLevel::Green),
        ),
        stored(
            indicator(
                &suffix("b1"),
                &format!(
                    "[ipv4-addr:value = '198.51.100.7' OR file:hashes.'SHA-256' = '{SHA256}']"
                ),
                json!({"modified": "2026-01-07T00:00:00.000Z"}),
            ),
            Some(TlpLevel::Amber),
        ),
        stored(
            indicator(
                &suffix("b2"),
                "[url:value = 'http://evil.example/a'] WITHIN 60 SECONDS",
                json!({}),
            ),
            Some(TlpLevel::Green),
        ),
        stored(
            domain_object(
                "vulnerability",
                "c1",
                json!({"name": "Heartbleed", "external_references":
                       [{"source_name": "cve", "external_id": "CVE-2014-0160"}]}),
            ),
            Some(TlpLevel::Clear),
        ),
        stored(
            json!({"type": "domain-name", "spec_version": "2.1", "id": id("domain-name", "d1"),
                   "value": "evil.example"}),
            Some(TlpLevel::Green),
        ),
        stored(
            indicator(
                &suffix("e9"),
                "[domain-name:value = 'red.example']",
                json!({}),
            ),
            Some(TlpLevel::Red),
        ),
        stored(
            domain_object(
                "malware",
                "f1",
                json!({"name": "Emotet", "is_family": true}),
            ),
            Some(TlpLevel::Green),
        ),
        stored(
            indicator(
                &suffix("0a"),
                "[email-addr:value = 'boss@evil.example']",
                json!({"revoked": true}),
            ),
            Some(TlpLevel::Clear),
        ),
        stored(
            domain_object(
                "grouping",
                "9a",
                json!({"created": "2026-01-08T00:00:00.000Z", "modified": "2026-01-08T00:00:00.000Z",
                       "name": "Under investigation", "context": "suspicious-activity",
                       "object_refs": [id("indicator", "b1")]}),
            ),
            Some(TlpLevel::Clear),
        ),
    ]
}

fn options() -> MispFeedOptions {
    MispFeedOptions::new("test feed")
}

#[test]
fn reports_become_events_with_mapped_attributes() {
    let objects = world();
    let (feed, report) = build_misp_feed(&objects, &options());
    let uuid = derived_uuid(&format!("report--{}", suffix("a0")));
    let event = &feed.events[&uuid];
    assert_eq!(event.info, "Phishing wave");
    assert_eq!(event.date, "2026-01-06");
    assert_eq!(
        event.timestamp, "1767744000",
        "the latest change: the AMBER indicator's"
    );
    assert_eq!(event.publish_timestamp, "1767691800");
    assert_eq!(event.analysis, "2");
    assert_eq!(event.threat_level_id, "4");
    assert_eq!(
        event.distribution, "0",
        "AMBER content makes the event organisation-only"
    );
    assert_eq!(event.orgc.name, "Waterbedrijf");
    assert_eq!(event.orgc.uuid, suffix("1d"));
    let tags: Vec<&str> = event.tags.iter().map(|tag| tag.name.as_str()).collect();
    assert_eq!(
        tags,
        ["tlp:amber"],
        "the strictest level of the report and its contents"
    );
    let attributes: Vec<(&str, &str, &str, bool)> = event
        .attributes
        .iter()
        .map(|attribute| {
            (
                attribute.attribute_type.as_str(),
                attribute.category.as_str(),
                attribute.value.as_str(),
                attribute.to_ids,
            )
        })
        .collect();
    assert_eq!(
        attributes,
        [
            ("ip-dst", "Network activity", "198.51.100.7", true),
            ("sha256", "Payload delivery", SHA256, true),
            ("vulnerability", "External analysis", "CVE-2014-0160", false),
            ("domain", "Network activity", "evil.example", false),
        ],
        "the WITHIN indicator, the RED indicator and the malware have no attribute"
    );
    assert_eq!(event.attributes[0].tags[0].name, "tlp:amber");
    assert!(
        !event
            .attributes
            .iter()
            .any(|attribute| attribute.value == "red.example")
    );
    assert_eq!(report.export.skipped_for(SkipReason::TlpRed), 1);
    assert_eq!(report.export.skipped_for(SkipReason::ComplexPattern), 1);
    assert_eq!(
        report.export.skipped_for(SkipReason::NotApplicable),
        2,
        "the identity and the malware"
    );
    assert_eq!(
        report.export.objects_seen,
        report.export.objects_written + report.export.skipped_total()
    );
}

#[test]
fn groupings_and_unreferenced_values_get_events_of_their_own() {
    let objects = world();
    let (feed, report) = build_misp_feed(&objects, &options());
    assert_eq!(feed.events.len(), 3);
    assert_eq!(report.events, 3);
    let grouping = &feed.events[&derived_uuid(&format!("grouping--{}", suffix("9a")))];
    assert_eq!(grouping.analysis, "1");
    assert_eq!(
        grouping.orgc,
        options().producer,
        "no created_by_ref: the producer"
    );
    assert_eq!(grouping.attributes.len(), 2);
    let report_event = &feed.events[&derived_uuid(&format!("report--{}", suffix("a0")))];
    assert_ne!(
        grouping.attributes[0].uuid, report_event.attributes[0].uuid,
        "one indicator in two events gives two attribute uuids"
    );
    let outside = &feed.events[&derived_uuid("outside-reports:test feed")];
    assert_eq!(outside.info, OUTSIDE_REPORTS_INFO);
    assert_eq!(outside.attributes.len(), 1);
    assert_eq!(outside.attributes[0].attribute_type, "email-src");
    assert!(
        outside.attributes[0].deleted,
        "a revoked indicator is a deleted attribute"
    );
    assert_eq!(outside.tags[0].name, "tlp:clear");
    assert_eq!(outside.distribution, "3");
}

#[test]
fn manifest_and_hashes_follow_the_events() {
    let objects = world();
    let (feed, _) = build_misp_feed(&objects, &options());
    assert_eq!(
        feed.manifest.keys().collect::<Vec<_>>(),
        feed.events.keys().collect::<Vec<_>>()
    );
    for (uuid, event) in &feed.events {
        let entry = &feed.manifest[uuid];
        assert_eq!(entry.info, event.info);
        assert_eq!(entry.timestamp.to_string(), event.timestamp);
        assert_eq!(entry.tags, event.tags);
        for attribute in &event.attributes {
            let line = FeedHash {
                md5: md5_hex(&attribute.value),
                event_uuid: uuid.clone(),
            };
            assert!(feed.hashes.contains(&line), "{attribute:?}");
        }
    }
    assert_eq!(md5_hex("198.51.100.7"), "526291673f8700ef4e4902e29550a03b");
    assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(value_parts("filename|sha256", "a.exe|ff"), ["a.exe", "ff"]);
    assert_eq!(value_parts("url", "http://a|b"), ["http://a|b"]);
}

#[test]
fn building_twice_gives_the_same_feed() {
    let mut objects = world();
    let (first, _) = build_misp_feed(&objects, &options());
    objects.reverse();
    let (second, _) = build_misp_feed(&objects, &options());
    assert_eq!(first, second);
}

#[test]
fn filter_applies_to_indicators_in_the_feed() {
    let objects = world();
    let mut options = options();
    options.filter.only_valid_at = dijkwacht_stix::Timestamp::parse("2026-02-01T00:00:00Z").ok();
    let (feed, report) = build_misp_feed(&objects, &options);
    assert_eq!(report.export.skipped_for(SkipReason::Revoked), 1);
    assert!(
        !feed
            .events
            .values()
            .flat_map(|event| &event.attributes)
            .any(|attribute| attribute.deleted),
        "revoked indicators are not valid"
    );
}

#[test]
fn the_folder_holds_manifest_events_and_hashes() {
    let objects = world();
    let (feed, _) = build_misp_feed(&objects, &options());
    let folder = tempfile::tempdir().expect("a temporary folder");
    write_misp_feed(&feed, folder.path()).expect("the feed is written");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(folder.path().join("manifest.json")).expect("manifest.json"),
    )
    .expect("the manifest is JSON");
    let entries = manifest.as_object().expect("the manifest is an object");
    assert_eq!(entries.len(), 3);
    for (uuid, entry) in entries {
        assert!(entry["timestamp"].is_i64(), "{entry}");
        let event: Value = serde_json::from_slice(
            &std::fs::read(folder.path().join(format!("{uuid}.json"))).expect("the event file"),
        )
        .expect("the event is JSON");
        assert_eq!(event["Event"]["uuid"], uuid.as_str());
        assert!(event["Event"]["timestamp"].is_string());
    }
    let hashes = std::fs::read_to_string(folder.path().join("hashes.csv")).expect("hashes.csv");
    assert_eq!(hashes.lines().count(), feed.hashes.len());
    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .expect("the folder")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
}
