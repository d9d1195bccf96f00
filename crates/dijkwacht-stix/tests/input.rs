//! Reading inputs: every shape, every kind of malformed input, and the promise that no
//! input makes the reader panic.

use dijkwacht_stix::input::{InputError, InputLimits, InputShape, read_objects};
use proptest::prelude::*;
use serde_json::Value;

fn read(bytes: &[u8], limits: InputLimits) -> (Result<InputShape, InputError>, Vec<Value>) {
    let mut objects = Vec::new();
    let mut sink = |_: usize, value: Value| -> Result<(), String> {
        objects.push(value);
        Ok(())
    };
    let result = read_objects(bytes, limits, &mut sink);
    (result, objects)
}

fn read_default(bytes: &[u8]) -> (Result<InputShape, InputError>, Vec<Value>) {
    read(bytes, InputLimits::default())
}

#[test]
fn reads_every_shape() {
    let bundle = br#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [{"type": "a"}, {"type": "b"}]}"#;
    let (shape, objects) = read_default(bundle);
    assert_eq!(
        shape.ok(),
        Some(InputShape::Bundle {
            id: Some("bundle--5d0092c5-5f74-4287-9642-33f4c354e56d".to_owned())
        })
    );
    assert_eq!(objects.len(), 2);

    let (shape, objects) = read_default(br#"{"type": "indicator", "id": "indicator--x"}"#);
    assert_eq!(shape.ok(), Some(InputShape::Object));
    assert_eq!(objects.len(), 1);

    let (shape, objects) = read_default(br#"[{"type": "a"}, {"type": "b"}, {"type": "c"}]"#);
    assert_eq!(shape.ok(), Some(InputShape::Array));
    assert_eq!(objects.len(), 3);

    let (shape, objects) = read_default(b"{\"type\": \"a\"}\n\n{\"type\": \"b\"}\n");
    assert_eq!(shape.ok(), Some(InputShape::JsonLines));
    assert_eq!(objects.len(), 2);
}

#[test]
fn bundle_keys_may_come_in_any_order() {
    let bundle = br#"{"objects": [{"type": "a"}], "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "type": "bundle"}"#;
    let (shape, objects) = read_default(bundle);
    assert!(matches!(shape, Ok(InputShape::Bundle { .. })));
    assert_eq!(objects.len(), 1);
}

#[test]
fn observed_data_with_an_objects_dictionary_is_one_object() {
    let object = br#"{"objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.1"}}, "type": "observed-data", "id": "observed-data--x"}"#;
    let (shape, objects) = read_default(object);
    assert_eq!(shape.ok(), Some(InputShape::Object));
    assert_eq!(objects[0]["objects"]["0"]["value"], "198.51.100.1");
}

#[test]
fn malformed_json_reports_line_and_column() {
    let text = b"{\"type\": \"bundle\",\n \"objects\": [\n  {\"type\": \"a\",}\n]}";
    match read_default(text).0 {
        Err(InputError::Syntax {
            line,
            column,
            message,
        }) => {
            assert_eq!(line, 3);
            assert_eq!(column, 16);
            assert!(message.contains("key must be a string"), "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn a_malformed_json_line_names_its_line() {
    let text = b"{\"type\": \"a\"}\n{\"type\": }\n";
    match read_default(text).0 {
        Err(InputError::LineSyntax { line, .. }) => assert_eq!(line, 2),
        other => panic!("expected a line syntax error, got {other:?}"),
    }
}

#[test]
fn invalid_utf8_is_refused_with_its_offset() {
    let mut text = br#"{"type": "indicator", "name": "caf"#.to_vec();
    let bad_byte_at = text.len();
    text.push(0xE9);
    text.extend_from_slice(br#""}"#);
    match read_default(&text).0 {
        Err(InputError::NotUtf8 { offset }) => assert_eq!(offset, bad_byte_at),
        other => panic!("expected a UTF-8 error, got {other:?}"),
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for depth in [200, 100_000] {
        let mut text = String::from(
            r#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": ["#,
        );
        text.push_str(&"[".repeat(depth));
        text.push_str(&"]".repeat(depth));
        text.push_str("]}");
        let (result, objects) = read_default(text.as_bytes());
        assert!(result.is_err(), "depth {depth} was accepted");
        assert!(objects.is_empty());
        let single = format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert!(read_default(single.as_bytes()).0.is_err());
    }
}

#[test]
fn oversized_objects_and_lines_are_refused() {
    let limits = InputLimits {
        max_object_bytes: 64,
    };
    let big = format!(r#"{{"type": "indicator", "name": "{}"}}"#, "a".repeat(100));
    let bundle = format!(
        r#"{{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [{big}]}}"#
    );
    match read(bundle.as_bytes(), limits).0 {
        Err(InputError::Stopped(message)) => {
            assert!(message.contains("larger than the limit"), "{message}")
        }
        other => panic!("expected a size error, got {other:?}"),
    }
    let lines = format!("{{\"type\": \"a\"}}\n{big}\n");
    assert!(matches!(
        read(lines.as_bytes(), limits).0,
        Err(InputError::LineTooLong { line: 2, .. })
    ));
    assert!(matches!(
        read(big.as_bytes(), limits).0,
        Err(InputError::Stopped(_))
    ));
}

#[test]
fn other_top_levels_are_refused() {
    assert!(matches!(read_default(b"").0, Err(InputError::Empty)));
    assert!(matches!(read_default(b"   \n").0, Err(InputError::Empty)));
    assert!(matches!(read_default(b"42").0, Err(InputError::Shape(_))));
    assert!(
        read_default(br#"{"type": "report", "objects": [1]}"#)
            .0
            .is_err()
    );
    assert!(
        read_default(br#"{"type": "bundle", "objects": "no"}"#)
            .0
            .is_err()
    );
    assert!(read_default(br#"{"type": "bundle"} trailing"#).0.is_err());
}

#[test]
fn a_stopping_sink_stops_the_reading() {
    let bundle = br#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [{"type": "a"}, {"type": "b"}]}"#;
    let mut seen = 0;
    let mut sink = |_: usize, _: Value| -> Result<(), String> {
        seen += 1;
        Err("enough".to_owned())
    };
    let result = read_objects(bundle, InputLimits::default(), &mut sink);
    assert!(matches!(result, Err(InputError::Stopped(message)) if message == "enough"));
    assert_eq!(seen, 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_default(&bytes);
    }

    #[test]
    fn mangled_bundles_never_panic(cut in 0usize..400, insert in any::<u8>()) {
        let mut text = br#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [{"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "pattern": "[ipv4-addr:value = '198.51.100.1']"}, {"type": "x"}]}"#.to_vec();
        let position = cut.min(text.len());
        text.insert(position, insert);
        let (_, objects) = read_default(&text);
        for object in &objects {
            let _ = dijkwacht_stix::validate_object(object);
        }
    }

    #[test]
    fn validation_never_panics_on_arbitrary_json(value in arbitrary_json()) {
        let _ = dijkwacht_stix::validate_object(&value);
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        Just("type".to_owned()),
        Just("id".to_owned()),
        Just("created".to_owned()),
        Just("modified".to_owned()),
        Just("spec_version".to_owned()),
        Just("pattern".to_owned()),
        Just("granular_markings".to_owned()),
        Just("extensions".to_owned()),
        Just("selectors".to_owned()),
        Just("object_refs".to_owned()),
        Just("hashes".to_owned()),
        Just("x_custom".to_owned()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |number| number.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            Just("indicator".to_owned()),
            Just("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".to_owned()),
            Just("2026-01-01T00:00:00.000Z".to_owned()),
            Just("2.1".to_owned()),
            Just("[a:b = 'c']".to_owned()),
            Just("file".to_owned()),
            Just("marking-definition".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}
