//! The handling rules: TLP tags become TLP 2.0 markings (an attribute's overrides the
//! event's), PAP is reported, distribution levels (inherit included) are resolved and
//! never widened; edits give new versions with the same ids; galaxies give ATT&CK
//! attack patterns; objects, sightings and references take their STIX shapes.

use dijkwacht_fusion::misp::{Distribution, MispContext, map_event};
use dijkwacht_stix::tlp::{
    TLP2_AMBER, TLP2_AMBER_STRICT, TLP2_CLEAR, TLP2_GREEN, TLP2_RED, TlpLevel,
};
use serde_json::{Value, json};

use super::real_data::osint_context;
use crate::{
    TYPES, attribute, event, ids, kitchen_sink_event, map, object, objects_of, of_type, read,
    shared_data, uuid,
};

fn markings(object: &Value) -> Vec<&str> {
    object["object_marking_refs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn report(mapped: &dijkwacht_fusion::misp::MappedEvent) -> &Value {
    of_type(mapped, "report")
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no report"))
}

#[test]
fn tlp_tags_become_tlp2_markings_and_an_attribute_tag_overrides_the_event() {
    let mut red = attribute(1, "ip-dst", "198.51.100.1", true);
    red["Tag"] = json!([{"name": "tlp:red"}]);
    let plain = attribute(2, "domain", "evil.example.com", true);
    let mut clear = attribute(3, "url", "https://example.com/x", false);
    clear["Tag"] = json!([{"name": "tlp:white"}, {"name": "kill-chain:delivery"}]);
    let mut document = event(vec![red, plain, clear], vec![]);
    document["Event"]["Tag"] =
        json!([{"name": "tlp:amber"}, {"name": "PAP:GREEN"}, {"name": "type:OSINT"}]);
    let mapped = map(&document, &MispContext::default());
    assert_eq!(mapped.tlp, Some(TlpLevel::Amber));
    assert_eq!(mapped.pap.as_deref(), Some("PAP:GREEN"));
    assert_eq!(markings(report(&mapped)), vec![TLP2_AMBER]);
    let labels = report(&mapped)["labels"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        labels.contains(&json!("PAP:GREEN")) && labels.contains(&json!("type:OSINT")),
        "{labels:?}"
    );
    assert!(
        !labels
            .iter()
            .any(|label| label.as_str().is_some_and(|l| l.starts_with("tlp:"))),
        "{labels:?}"
    );
    assert_eq!(
        markings(object(&mapped, &format!("indicator--{}", uuid(1)))),
        vec![TLP2_RED]
    );
    assert_eq!(
        markings(object(&mapped, &format!("indicator--{}", uuid(2)))),
        vec![TLP2_AMBER]
    );
    for id in objects_of(&mapped, &uuid(3)) {
        assert_eq!(markings(object(&mapped, id)), vec![TLP2_CLEAR], "{id}");
    }
    let observed = object(&mapped, &format!("observed-data--{}", uuid(3)));
    assert!(
        observed["labels"]
            .as_array()
            .is_some_and(|l| l.contains(&json!("kill-chain:delivery")))
    );
}

#[test]
fn every_tlp_level_has_its_tlp2_marking_and_the_default_applies_without_a_tag() {
    let cases = [
        ("tlp:white", TLP2_CLEAR, TlpLevel::Clear),
        ("tlp:clear", TLP2_CLEAR, TlpLevel::Clear),
        ("tlp:green", TLP2_GREEN, TlpLevel::Green),
        ("TLP:AMBER", TLP2_AMBER, TlpLevel::Amber),
        ("tlp:amber+strict", TLP2_AMBER_STRICT, TlpLevel::AmberStrict),
        ("tlp:red", TLP2_RED, TlpLevel::Red),
    ];
    for (tag, marking, level) in cases {
        let mut document = event(
            vec![attribute(
                1,
                "md5",
                "d41d8cd98f00b204e9800998ecf8427e",
                true,
            )],
            vec![],
        );
        document["Event"]["Tag"] = json!([{"name": tag}]);
        let mapped = map(&document, &MispContext::default());
        assert_eq!(mapped.tlp, Some(level), "{tag}");
        for object in &mapped.mapped.objects {
            if object["type"] != "identity" {
                assert_eq!(markings(object), vec![marking], "{tag}: {}", object["id"]);
            }
        }
    }
    let mut untagged = event(
        vec![attribute(
            1,
            "md5",
            "d41d8cd98f00b204e9800998ecf8427e",
            true,
        )],
        vec![],
    );
    untagged["Event"]["Tag"] = json!([]);
    let context = MispContext {
        default_tlp: Some(TlpLevel::Green),
        ..MispContext::default()
    };
    let mapped = map(&untagged, &context);
    assert_eq!(mapped.tlp, Some(TlpLevel::Green));
    assert_eq!(markings(report(&mapped)), vec![TLP2_GREEN]);
    let unmarked = map(&untagged, &MispContext::default());
    assert_eq!(unmarked.tlp, None);
    assert!(markings(report(&unmarked)).is_empty());
}

#[test]
fn distribution_levels_are_resolved_inherited_and_never_widened() {
    let with = |index: usize, distribution: Value| {
        let mut item = attribute(index, "ip-dst", &format!("198.51.100.{index}"), true);
        item["distribution"] = distribution;
        item
    };
    let mut grouped = with(4, json!("4"));
    grouped["SharingGroup"] =
        json!({"name": "Water ISAC", "uuid": "5d2c1b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"});
    let mut document = event(
        vec![
            with(1, json!("5")),
            with(2, json!("0")),
            with(3, json!(1)),
            grouped,
            with(5, json!("3")),
        ],
        vec![],
    );
    document["Event"]["distribution"] = json!("2");
    let mapped = map(&document, &osint_context());
    assert_eq!(mapped.distribution, Distribution::ConnectedCommunities);
    let listed = |index: usize| {
        mapped
            .object_distributions
            .get(&format!("indicator--{}", uuid(index)))
            .cloned()
    };
    assert_eq!(listed(1), None, "inherit takes the event's level");
    assert_eq!(listed(2), Some(Distribution::YourOrganisationOnly));
    assert_eq!(listed(3), Some(Distribution::ThisCommunityOnly));
    assert_eq!(
        listed(4),
        Some(Distribution::SharingGroup {
            uuid: Some("5d2c1b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d".to_owned()),
            name: Some("Water ISAC".to_owned())
        })
    );
    assert_eq!(
        listed(5),
        None,
        "an attribute wider than its event is not widened"
    );

    let mut group_event = event(vec![with(1, json!("5")), with(2, json!("4"))], vec![]);
    group_event["Event"]["distribution"] = json!("4");
    group_event["Event"]["sharing_group_id"] = json!("7");
    group_event["Event"]["SharingGroup"] =
        json!({"name": "Energy ISAO", "uuid": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"});
    group_event["Event"]["Attribute"][1]["sharing_group_id"] = json!("7");
    let mapped = map(&group_event, &osint_context());
    assert_eq!(
        mapped.distribution,
        Distribution::SharingGroup {
            uuid: Some("1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b".to_owned()),
            name: Some("Energy ISAO".to_owned())
        }
    );
    assert!(
        mapped.object_distributions.is_empty(),
        "{:?}",
        mapped.object_distributions
    );

    let feed_event = event(vec![with(1, json!("5"))], vec![]);
    assert_eq!(
        map(&feed_event, &osint_context()).distribution,
        Distribution::AllCommunities
    );
    assert_eq!(
        map(&feed_event, &MispContext::default()).distribution,
        Distribution::YourOrganisationOnly
    );

    let mut broken = event(vec![attribute(1, "domain", "example.com", true)], vec![]);
    broken["Event"]["distribution"] = json!("9");
    let mapped = map(&broken, &osint_context());
    assert_eq!(mapped.distribution, Distribution::YourOrganisationOnly);
    assert!(
        mapped
            .mapped
            .problems
            .iter()
            .any(|p| p.message.contains("distribution 9")),
        "{:?}",
        mapped.mapped.problems
    );
}

#[test]
fn an_edited_attribute_keeps_its_ids_and_gets_a_new_version() {
    let Some(data) = shared_data() else {
        return;
    };
    let path = data.join("misp/feed-circl-osint-sample/5a0a9aa9-23a4-4607-b6df-41a9950d210f.json");
    let mut document: Value =
        serde_json::from_slice(&read(&path)).unwrap_or_else(|e| panic!("{e}"));
    let attributes = document["Event"]["Attribute"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let edited = attributes
        .iter()
        .position(|a| a["to_ids"] == true)
        .unwrap_or_else(|| panic!("no indicator"));
    let untouched = attributes
        .iter()
        .rposition(|a| a["to_ids"] == true)
        .unwrap_or_else(|| panic!("no indicator"));
    assert_ne!(edited, untouched);
    let edited_uuid = attributes[edited]["uuid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let untouched_uuid = attributes[untouched]["uuid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let before = map_event(&read(&path), &osint_context()).unwrap_or_else(|e| panic!("{e}"));
    document["Event"]["Attribute"][edited]["value"] = json!("changed.example.com");
    document["Event"]["Attribute"][edited]["type"] = json!("domain");
    document["Event"]["Attribute"][edited]["timestamp"] = json!("1700000000");
    document["Event"]["timestamp"] = json!("1700000000");
    let after = map(&document, &osint_context());
    let id = format!("indicator--{edited_uuid}");
    assert_eq!(
        objects_of(&before, &edited_uuid),
        objects_of(&after, &edited_uuid)
    );
    let (old, new) = (object(&before, &id), object(&after, &id));
    assert_ne!(old["modified"], new["modified"]);
    assert_eq!(new["modified"], "2023-11-14T22:13:20.000Z");
    assert_eq!(
        old["created"], new["created"],
        "created stays put across versions"
    );
    assert_eq!(
        new["pattern"],
        "[domain-name:value = 'changed.example.com']"
    );
    let untouched_id = format!("indicator--{untouched_uuid}");
    assert_eq!(
        object(&before, &untouched_id),
        object(&after, &untouched_id)
    );
    assert_eq!(ids(&before), ids(&after));
}

#[test]
fn galaxies_become_attack_patterns_and_actors_with_relationships() {
    let mut tagged = attribute(
        2,
        "sha256",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        true,
    );
    tagged["Tag"] = json!([{"name": "misp-galaxy:threat-actor=\"Sofacy\""}]);
    let mut document = event(
        vec![attribute(1, "domain", "evil.example.com", true), tagged],
        vec![],
    );
    document["Event"]["Tag"] = json!([
        {"name": "tlp:green"},
        {"name": "misp-galaxy:mitre-attack-pattern=\"Spearphishing Attachment - T1566.001\""},
        {"name": "misp-galaxy:sector=\"Water\""},
    ]);
    let mapped = map(&document, &MispContext::default());
    let patterns = of_type(&mapped, "attack-pattern");
    assert_eq!(patterns.len(), 1);
    let pattern = patterns[0];
    assert_eq!(pattern["name"], "Spearphishing Attachment");
    assert_eq!(
        pattern["external_references"][0],
        json!({"source_name": "mitre-attack", "external_id": "T1566.001", "url": "https://attack.mitre.org/techniques/T1566/001"})
    );
    let relationships = of_type(&mapped, "relationship");
    let toward = |target: &Value| -> Vec<String> {
        relationships
            .iter()
            .filter(|r| r["target_ref"] == target["id"] && r["relationship_type"] == "indicates")
            .filter_map(|r| r["source_ref"].as_str().map(str::to_owned))
            .collect()
    };
    let mut sources = toward(pattern);
    sources.sort();
    assert_eq!(
        sources,
        vec![
            format!("indicator--{}", uuid(1)),
            format!("indicator--{}", uuid(2))
        ]
    );
    let actors = of_type(&mapped, "threat-actor");
    assert_eq!(actors.len(), 1);
    assert_eq!(actors[0]["name"], "Sofacy");
    assert_eq!(toward(actors[0]), vec![format!("indicator--{}", uuid(2))]);
    assert!(
        report(&mapped)["labels"]
            .as_array()
            .is_some_and(|l| l.contains(&json!("misp-galaxy:sector=\"Water\"")))
    );
    assert_eq!(
        mapped
            .mapped
            .objects
            .iter()
            .filter(|o| o["name"] == "Water")
            .count(),
        0,
        "other galaxies stay labels"
    );
}

#[test]
fn real_galaxies_give_attack_patterns_with_their_attack_ids() {
    let Some(data) = shared_data() else {
        return;
    };
    let path = data.join("misp/events-api-format/5acc88e9-265c-4f22-9d2b-b702950d210f.json");
    let mapped = map_event(&read(&path), &osint_context()).unwrap_or_else(|e| panic!("{e}"));
    let mut attack_ids: Vec<&str> = of_type(&mapped, "attack-pattern")
        .iter()
        .filter_map(|p| p["external_references"][0]["external_id"].as_str())
        .collect();
    attack_ids.sort_unstable();
    assert_eq!(attack_ids, vec!["T1069", "T1098"]);
    let mut group_ids: Vec<&str> = of_type(&mapped, "intrusion-set")
        .iter()
        .filter_map(|p| p["external_references"][0]["external_id"].as_str())
        .collect();
    group_ids.sort_unstable();
    assert_eq!(group_ids, vec!["G0005", "G0006"]);
}

#[test]
fn object_templates_give_one_indicator_per_object_and_keep_the_rest() {
    let mapped = map(&kitchen_sink_event(), &MispContext::default());
    assert!(
        mapped.mapped.problems.is_empty(),
        "{:?}",
        mapped.mapped.problems
    );
    let file = object(&mapped, &format!("indicator--{}", uuid(10_100)));
    assert_eq!(
        file["pattern"],
        "[file:name = 'dropper.exe' AND file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661']"
    );
    let observed = object(&mapped, &format!("observed-data--{}", uuid(10_100)));
    let file_sco = observed["object_refs"]
        .as_array()
        .and_then(|refs| {
            refs.iter().find_map(|id| {
                mapped
                    .mapped
                    .objects
                    .iter()
                    .find(|o| o["id"] == *id && o["type"] == "file")
            })
        })
        .unwrap_or_else(|| panic!("no file SCO"));
    assert_eq!(file_sco["size"], 73802);
    assert_eq!(
        file_sco["hashes"]["SHA-256"],
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    );
    let note = object(&mapped, &format!("note--{}", uuid(10_100)));
    assert_eq!(
        note["content"],
        "entropy (float): 7.91\nstate (text): Malicious"
    );
    assert!(
        of_type(&mapped, "relationship")
            .iter()
            .any(|r| r["relationship_type"] == "based-on"
                && r["source_ref"] == file["id"]
                && r["target_ref"] == observed["id"])
    );
    let domain_ip = object(&mapped, &format!("indicator--{}", uuid(10_200)));
    assert_eq!(
        domain_ip["pattern"],
        "[domain-name:value = 'cdn.example.com' AND (domain-name:resolves_to_refs[*].value = '203.0.113.10' OR domain-name:resolves_to_refs[*].value = '203.0.113.11')]"
    );
    let reference = of_type(&mapped, "relationship")
        .into_iter()
        .find(|r| r["relationship_type"] == "communicates-with")
        .unwrap_or_else(|| panic!("the object reference was not mapped"));
    assert_eq!(reference["id"], format!("relationship--{}", uuid(9000)));
    assert_eq!(
        (&reference["source_ref"], &reference["target_ref"]),
        (&file["id"], &domain_ip["id"])
    );
    let email = object(&mapped, &format!("indicator--{}", uuid(10_600)));
    assert_eq!(
        email["pattern"],
        "[email-message:from_ref.value = 'phish@example.com' AND email-message:subject = 'Your invoice' AND email-message:body_multipart[*].body_raw_ref.name = 'invoice.zip']"
    );
    // pe-section has no STIX shape: its md5 stands alone, the rest is the object's note.
    assert!(objects_of(&mapped, &uuid(10_802)).contains(&format!("indicator--{}", uuid(10_802))));
    assert_eq!(
        objects_of(&mapped, &uuid(10_801)),
        [format!("note--{}", uuid(10_800))]
    );
}

#[test]
fn every_type_of_the_table_maps_without_problems() {
    let mapped = map(&kitchen_sink_event(), &MispContext::default());
    assert!(
        mapped.mapped.problems.is_empty(),
        "{:?}",
        mapped.mapped.problems
    );
    for index in 0..TYPES.len() * 2 {
        assert!(!objects_of(&mapped, &uuid(index + 1)).is_empty());
    }
    let rules: Vec<&str> = of_type(&mapped, "indicator")
        .iter()
        .filter_map(|i| i["pattern_type"].as_str())
        .collect();
    for pattern_type in ["yara", "snort", "sigma", "stix"] {
        assert!(rules.contains(&pattern_type), "{pattern_type}");
    }
    let vulnerability = object(&mapped, &format!("vulnerability--{}", uuid(66)));
    assert_eq!(
        vulnerability["external_references"],
        json!([{"source_name": "cve", "external_id": "CVE-2017-0199"}])
    );
    let link_uuids = [uuid(21), uuid(22)];
    let references = report(&mapped)["external_references"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        references
            .iter()
            .any(|r| r["url"] == "https://blog.example.com/analysis"),
        "{references:?}"
    );
    for link in link_uuids {
        assert_eq!(
            objects_of(&mapped, &link),
            [report(&mapped)["id"].as_str().unwrap_or_default()]
        );
    }
}

#[test]
fn sightings_become_sightings_and_false_positives_opinions() {
    let mut seen = attribute(1, "ip-dst", "198.51.100.1", true);
    seen["Sighting"] = json!([
        {"type": "0", "date_sighting": "1709300000", "uuid": uuid(50), "Organisation": {"name": "Sensor Org", "uuid": "3c9f7a2e-5d4b-4e1a-9f6c-2b8d7e0a1c35"}},
        {"type": "1", "date_sighting": "1709300100", "source": "analyst"},
        {"type": "2", "date_sighting": "1709300200"},
    ]);
    let mapped = map(&event(vec![seen], vec![]), &MispContext::default());
    let sighting = object(&mapped, &format!("sighting--{}", uuid(50)));
    assert_eq!(
        sighting["sighting_of_ref"],
        format!("indicator--{}", uuid(1))
    );
    assert_eq!(
        sighting["where_sighted_refs"],
        json!(["identity--3c9f7a2e-5d4b-4e1a-9f6c-2b8d7e0a1c35"])
    );
    assert_eq!(sighting["first_seen"], "2024-03-01T13:33:20.000000Z");
    object(&mapped, "identity--3c9f7a2e-5d4b-4e1a-9f6c-2b8d7e0a1c35");
    let opinions = of_type(&mapped, "opinion");
    assert_eq!(opinions.len(), 1);
    assert_eq!(opinions[0]["opinion"], "strongly-disagree");
    assert_eq!(
        opinions[0]["object_refs"],
        json!([format!("indicator--{}", uuid(1))])
    );
    assert_eq!(
        mapped.mapped.problems.len(),
        1,
        "{:?}",
        mapped.mapped.problems
    );
    assert!(mapped.mapped.problems[0].message.contains("expiration"));
}

#[test]
fn first_and_last_seen_give_validity_and_observation_windows() {
    let seen =
        |index: usize, misp_type: &str, value: &str, to_ids: bool, first: &str, last: &str| {
            let mut item = attribute(index, misp_type, value, to_ids);
            item["first_seen"] = json!(first);
            item["last_seen"] = json!(last);
            item
        };
    let document = event(
        vec![
            seen(
                1,
                "ip-dst",
                "198.51.100.1",
                true,
                "2024-02-01T10:00:00.123456+01:00",
                "2024-02-03T00:00:00Z",
            ),
            seen(
                2,
                "domain",
                "evil.example.com",
                false,
                "2024-02-01T00:00:00Z",
                "2024-02-02T00:00:00Z",
            ),
            seen(
                3,
                "url",
                "https://evil.example.com/",
                true,
                "2024-02-05T00:00:00Z",
                "2024-02-04T00:00:00Z",
            ),
            attribute(4, "md5", "d41d8cd98f00b204e9800998ecf8427e", true),
        ],
        vec![],
    );
    let mapped = map(&document, &MispContext::default());
    let first = object(&mapped, &format!("indicator--{}", uuid(1)));
    assert_eq!(first["valid_from"], "2024-02-01T09:00:00.123456Z");
    assert_eq!(first["valid_until"], "2024-02-03T00:00:00.000000Z");
    let observed = object(&mapped, &format!("observed-data--{}", uuid(2)));
    assert_eq!(
        (&observed["first_observed"], &observed["last_observed"]),
        (
            &json!("2024-02-01T00:00:00.000000Z"),
            &json!("2024-02-02T00:00:00.000000Z")
        )
    );
    assert_eq!(observed["number_observed"], 1);
    let backwards = object(&mapped, &format!("indicator--{}", uuid(3)));
    assert!(backwards.get("valid_until").is_none());
    assert_eq!(
        mapped.mapped.problems.len(),
        1,
        "{:?}",
        mapped.mapped.problems
    );
    assert!(mapped.mapped.problems[0].location.ends_with(&uuid(3)));
    let plain = object(&mapped, &format!("indicator--{}", uuid(4)));
    assert_eq!(plain["valid_from"], "2024-03-01T08:00:00.000000Z");
    assert_eq!(plain["modified"], "2024-03-01T08:00:00.000Z");
    assert_eq!(
        plain["created"], "2024-03-01T00:00:00.000Z",
        "created is the event's date"
    );
}
