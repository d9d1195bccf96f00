//! Bad input gives a clear error or a located problem and the rest is still mapped;
//! nothing panics, whatever a field holds.

use dijkwacht_fusion::misp::{MispContext, MispError, map_event, map_event_value, map_events};
use serde_json::{Value, json};

use super::real_data::osint_context;
use crate::{attribute, event, map, misp_object, objects_of, read, shared_data, uuid};

fn error_of(bytes: &[u8]) -> MispError {
    match map_event(bytes, &MispContext::default()) {
        Ok(mapped) => panic!(
            "expected an error, got {} objects",
            mapped.mapped.objects.len()
        ),
        Err(error) => error,
    }
}

#[test]
fn an_unknown_type_is_reported_with_its_uuid_and_the_rest_is_mapped() {
    let document = event(
        vec![
            attribute(1, "ip-dst", "198.51.100.1", true),
            attribute(2, "quantum-entanglement-id", "42", true),
            attribute(3, "domain", "evil.example.com", false),
        ],
        vec![],
    );
    let mapped = map(&document, &MispContext::default());
    assert_eq!(
        mapped.mapped.problems.len(),
        1,
        "{:?}",
        mapped.mapped.problems
    );
    let problem = &mapped.mapped.problems[0];
    assert_eq!(
        problem.location,
        format!(
            "event 0b6a8e4e-7f5c-4b8e-9a55-5c2f0e6b7d31, attribute {}",
            uuid(2)
        )
    );
    assert!(
        problem.message.contains("quantum-entanglement-id"),
        "{problem}"
    );
    assert!(!objects_of(&mapped, &uuid(1)).is_empty());
    assert!(!objects_of(&mapped, &uuid(3)).is_empty());
    assert!(!mapped.objects_by_attribute.contains_key(&uuid(2)));
}

#[test]
fn malformed_files_give_clear_errors() {
    let truncated =
        error_of(br#"{"Event": {"uuid": "0b6a8e4e-7f5c-4b8e-9a55-5c2f0e6b7d31", "Attribute": [{"#);
    assert!(matches!(truncated, MispError::Json { .. }), "{truncated}");
    assert!(
        truncated.to_string().contains("not valid JSON"),
        "{truncated}"
    );
    for wrapped in [
        json!({"Event": []}),
        json!({"Event": "x"}),
        json!({"response": [42]}),
    ] {
        let error = error_of(&serde_json::to_vec(&wrapped).unwrap_or_default());
        assert!(matches!(error, MispError::Invalid { .. }), "{error}");
        assert!(error.to_string().contains("not an object"), "{error}");
    }
    let no_uuid = error_of(br#"{"Event": {"timestamp": "1", "info": "x"}}"#);
    assert!(no_uuid.to_string().contains("no uuid"), "{no_uuid}");
    let no_timestamp = error_of(br#"{"Event": {"uuid": "0b6a8e4e-7f5c-4b8e-9a55-5c2f0e6b7d31"}}"#);
    assert!(
        no_timestamp.to_string().contains("timestamp"),
        "{no_timestamp}"
    );
    assert!(matches!(error_of(b"42"), MispError::Invalid { .. }));
    assert!(matches!(error_of(b"\xff\xfe"), MispError::Json { .. }));
}

#[test]
fn a_truncated_real_event_is_an_error_not_a_panic() {
    let Some(data) = shared_data() else {
        return;
    };
    let bytes =
        read(&data.join("misp/events-api-format/5acc88e9-265c-4f22-9d2b-b702950d210f.json"));
    for length in [0, 1, 100, bytes.len() / 2, bytes.len() - 2] {
        let error = error_of(bytes.get(..length).unwrap_or_default());
        assert!(matches!(error, MispError::Json { .. }), "{length}: {error}");
    }
}

#[test]
fn bad_attributes_are_located_problems() {
    let mut no_value = attribute(2, "domain", "x", true);
    no_value
        .as_object_mut()
        .map(|fields| fields.remove("value"));
    let mut object_value = attribute(3, "domain", "x", true);
    object_value["value"] = json!({"nested": true});
    let mut bad_first_seen = attribute(7, "url", "https://example.com/", false);
    bad_first_seen["first_seen"] = json!("last tuesday");
    let document = event(
        vec![
            attribute(1, "ip-dst", "198.51.100.1", true),
            no_value,
            object_value,
            json!("not an attribute"),
            attribute(4, "ip-dst", "999.1.1.1", true),
            attribute(5, "md5", "not-a-hash", true),
            attribute(6, "mac-address", "00:11", false),
            bad_first_seen,
        ],
        vec![misp_object(
            1,
            "domain-ip",
            &[
                ("domain", "domain", "ok.example.com", true),
                ("ip", "ip-dst", "not-an-ip", true),
            ],
        )],
    );
    let mapped = map(&document, &MispContext::default());
    let problem_at = |uuid: &str| {
        mapped
            .mapped
            .problems
            .iter()
            .find(|p| p.location.ends_with(&format!("attribute {uuid}")))
            .map(|p| p.message.clone())
            .unwrap_or_else(|| panic!("no problem for {uuid}: {:?}", mapped.mapped.problems))
    };
    assert!(problem_at(&uuid(2)).contains("no value"));
    assert!(problem_at(&uuid(3)).contains("not text"));
    assert!(problem_at("#3").contains("attribute #3 is a string, not an object"));
    assert!(problem_at(&uuid(4)).contains("not an IP address"));
    assert!(
        problem_at(&uuid(5)).contains("invalid"),
        "{}",
        problem_at(&uuid(5))
    );
    assert!(problem_at(&uuid(6)).contains("MAC"));
    assert!(problem_at(&uuid(7)).contains("first_seen"));
    assert!(problem_at(&uuid(10_102)).contains("not an IP address"));
    // What could be mapped was: the good attribute, the url (without first_seen), and
    // the domain-ip object with its bad member kept in the object's note.
    assert!(!objects_of(&mapped, &uuid(1)).is_empty());
    assert!(!objects_of(&mapped, &uuid(7)).is_empty());
    assert_eq!(
        objects_of(&mapped, &uuid(10_101)),
        [format!("indicator--{}", uuid(10_100))]
    );
    assert_eq!(
        objects_of(&mapped, &uuid(10_102)),
        [format!("note--{}", uuid(10_100))]
    );
    for bad in [2, 3, 4, 5, 6] {
        assert!(
            !mapped.objects_by_attribute.contains_key(&uuid(bad)),
            "{bad}"
        );
    }
}

#[test]
fn lists_that_are_not_lists_are_reported() {
    let mut document = event(vec![], vec![]);
    document["Event"]["Attribute"] = json!({"uuid": "x"});
    document["Event"]["Object"] = json!("none");
    document["Event"]["Tag"] = json!(7);
    let mapped = map(&document, &MispContext::default());
    let messages: Vec<&str> = mapped
        .mapped
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`Attribute` is an object, not a list")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`Object` is a string, not a list")),
        "{messages:?}"
    );
    // The creator's identity is still made, so the report has something to refer to.
    assert_eq!(mapped.mapped.objects.len(), 2);
}

#[test]
fn api_response_lists_hold_several_events() {
    let first = event(vec![attribute(1, "domain", "a.example.com", true)], vec![]);
    let mut second = event(vec![attribute(2, "domain", "b.example.com", true)], vec![]);
    second["Event"]["uuid"] = json!("9c4a3f1e-2b5d-4c6e-8f7a-0b1c2d3e4f5a");
    let response = json!({"response": [first, second]});
    let bytes = serde_json::to_vec(&response).unwrap_or_default();
    let events = map_events(&bytes, &MispContext::default()).unwrap_or_else(|e| panic!("{e}"));
    let uuids: Vec<&str> = events.iter().map(|e| e.event_uuid.as_str()).collect();
    assert_eq!(
        uuids,
        vec![
            "0b6a8e4e-7f5c-4b8e-9a55-5c2f0e6b7d31",
            "9c4a3f1e-2b5d-4c6e-8f7a-0b1c2d3e4f5a"
        ]
    );
    let error = error_of(&bytes);
    assert!(error.to_string().contains("map_events"), "{error}");
    let single =
        json!({"response": [event(vec![attribute(1, "domain", "a.example.com", true)], vec![])]});
    assert!(map_event_value(&single, &MispContext::default()).is_ok());
    let bare = event(vec![attribute(1, "domain", "a.example.com", true)], vec![])["Event"].clone();
    assert!(map_event_value(&bare, &MispContext::default()).is_ok());
}

/// Every field of a real event, of its first attribute, object and object member,
/// replaced in turn by each kind of JSON value: the mapping answers, never panics.
#[test]
fn no_field_value_makes_the_mapping_panic() {
    let Some(data) = shared_data() else {
        return;
    };
    let bytes =
        read(&data.join("misp/events-api-format/5acc88e9-265c-4f22-9d2b-b702950d210f.json"));
    let mut original: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
    // The attachment's base64 content is most of the file and adds nothing here.
    for item in original["Event"]["Attribute"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if item.get("data").is_some() {
            item["data"] = json!("UEsDBAoAAAAAAA==");
        }
    }
    let replacements = [
        json!(null),
        json!(true),
        json!(-7),
        json!(""),
        json!("x|y"),
        json!([]),
        json!([1]),
        json!({}),
        json!({"a": 1}),
    ];
    let paths: [&[&str]; 4] = [
        &[],
        &["Attribute", "0"],
        &["Object", "0"],
        &["Object", "0", "Attribute", "0"],
    ];
    let mut cases = 0;
    for path in paths {
        let mut pointer = String::from("/Event");
        for step in path {
            pointer.push('/');
            pointer.push_str(step);
        }
        let keys: Vec<String> = original
            .pointer(&pointer)
            .and_then(Value::as_object)
            .map(|fields| fields.keys().cloned().collect())
            .unwrap_or_default();
        for key in keys {
            for replacement in &replacements {
                let mut document = original.clone();
                if let Some(slot) = document.pointer_mut(&format!("{pointer}/{key}")) {
                    *slot = replacement.clone();
                }
                let _ = map_event_value(&document, &osint_context());
                cases += 1;
            }
        }
    }
    assert!(cases > 300, "only {cases} cases");
}
