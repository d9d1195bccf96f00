//! The shape of the tree: operator precedence, qualifiers, paths and literals.

use super::*;

fn comparison(object_type: &str, property: &str, value: i64) -> ComparisonExpression {
    ComparisonExpression::Comparison(Comparison {
        object_path: ObjectPath {
            object_type: object_type.to_string(),
            property: property.to_string(),
            steps: Vec::new(),
        },
        negated: false,
        predicate: Predicate::Equal(Constant::Integer(value)),
    })
}

fn observation(object_type: &str, value: i64) -> Pattern {
    Pattern::Observation {
        comparison: comparison(object_type, "v", value),
        qualifiers: Vec::new(),
    }
}

#[test]
fn observation_operators_bind_and_then_or_then_followedby() {
    let tree = parses("[a:v = 1] FOLLOWEDBY [b:v = 2] OR [c:v = 3] AND [d:v = 4] AND [e:v = 5]");
    let expected = Pattern::FollowedBy(vec![
        observation("a", 1),
        Pattern::Or(vec![
            observation("b", 2),
            Pattern::And(vec![
                observation("c", 3),
                observation("d", 4),
                observation("e", 5),
            ]),
        ]),
    ]);
    assert_eq!(tree, expected);
}

#[test]
fn comparison_and_binds_tighter_than_or() {
    let tree = parses("[a:x = 1 OR a:y = 2 AND a:z = 3 OR (a:w = 4 OR a:u = 5)]");
    let expected = Pattern::Observation {
        comparison: ComparisonExpression::Or(vec![
            comparison("a", "x", 1),
            ComparisonExpression::And(vec![comparison("a", "y", 2), comparison("a", "z", 3)]),
            ComparisonExpression::Grouped(Box::new(ComparisonExpression::Or(vec![
                comparison("a", "w", 4),
                comparison("a", "u", 5),
            ]))),
        ]),
        qualifiers: Vec::new(),
    };
    assert_eq!(tree, expected);
}

#[test]
fn qualifiers_attach_to_the_preceding_observation_or_group() {
    let tree = parses("[a:v = 1] AND ([b:v = 2] OR [c:v = 3]) REPEATS 2 TIMES WITHIN 1.5 SECONDS");
    let expected = Pattern::And(vec![
        observation("a", 1),
        Pattern::Grouped {
            pattern: Box::new(Pattern::Or(vec![observation("b", 2), observation("c", 3)])),
            qualifiers: vec![
                Qualifier::Repeats { times: 2 },
                Qualifier::Within {
                    seconds: Number::Float(1.5),
                },
            ],
        },
    ]);
    assert_eq!(tree, expected);

    let Pattern::FollowedBy(operands) = parses(
        "[a:v = 1] FOLLOWEDBY [b:v = 2] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:30:00Z'",
    ) else {
        panic!("expected FOLLOWEDBY");
    };
    assert_eq!(
        operands.get(1),
        Some(&Pattern::Observation {
            comparison: comparison("b", "v", 2),
            qualifiers: vec![Qualifier::StartStop {
                start: "2016-06-01T01:30:00Z".to_string(),
                stop: "2016-06-01T02:30:00Z".to_string(),
            }],
        })
    );
}

#[test]
fn object_paths_and_literals_are_stored_unquoted_and_as_written() {
    let Pattern::Observation { comparison, .. } = parses(
        "[file:extensions.'windows-pebinary-ext'.sections[*].hashes[2].'x-y' NOT IN ('it\\'s', h'FF', b'AQ==')]",
    ) else {
        panic!("expected an observation");
    };
    let ComparisonExpression::Comparison(comparison) = comparison else {
        panic!("expected one comparison");
    };
    assert_eq!(
        comparison.object_path,
        ObjectPath {
            object_type: "file".to_string(),
            property: "extensions".to_string(),
            steps: vec![
                PathStep::Key("windows-pebinary-ext".to_string()),
                PathStep::Key("sections".to_string()),
                PathStep::AnyIndex,
                PathStep::Key("hashes".to_string()),
                PathStep::Index(2),
                PathStep::Key("x-y".to_string()),
            ],
        }
    );
    assert!(comparison.negated);
    assert_eq!(
        comparison.predicate,
        Predicate::In(vec![
            Constant::String("it's".to_string()),
            Constant::Hex("FF".to_string()),
            Constant::Binary("AQ==".to_string()),
        ])
    );
    let Predicate::In(constants) = &comparison.predicate else {
        panic!("expected IN");
    };
    let bytes: Vec<Option<Vec<u8>>> = constants.iter().map(Constant::binary_bytes).collect();
    assert_eq!(bytes, vec![None, Some(vec![0xff]), Some(vec![1])]);
}

#[test]
fn exists_and_negation() {
    let tree = parses("[NOT EXISTS file:name AND EXISTS file:size]");
    let Pattern::Observation {
        comparison: ComparisonExpression::And(operands),
        ..
    } = tree
    else {
        panic!("expected an AND");
    };
    let negations: Vec<(bool, bool)> = operands
        .iter()
        .map(|operand| match operand {
            ComparisonExpression::Comparison(comparison) => (
                comparison.negated,
                comparison.predicate == Predicate::Exists,
            ),
            _ => panic!("expected comparisons"),
        })
        .collect();
    assert_eq!(negations, vec![(true, true), (false, true)]);
}

#[test]
fn floats_keep_their_value() {
    let largest = format!("{}.0", f64::MAX);
    let smallest = format!("{}", f64::MIN_POSITIVE);
    for (text, value) in [
        ("0.1", 0.1),
        ("-2.5", -2.5),
        ("123456789.123456789", 123_456_789.123_456_79),
        ("0.000000000000000000001", 1e-21),
        (largest.as_str(), f64::MAX),
        (smallest.as_str(), f64::MIN_POSITIVE),
    ] {
        let tree = parses(&format!("[x:a = {text}]"));
        let Pattern::Observation {
            comparison: ComparisonExpression::Comparison(comparison),
            ..
        } = &tree
        else {
            panic!("expected one comparison");
        };
        assert_eq!(
            comparison.predicate,
            Predicate::Equal(Constant::Float(value))
        );
        assert_round_trip(&format!("[x:a = {text}]"));
    }
    let too_large = format!("[x:a = 1{}.0]", "0".repeat(400));
    assert_eq!(fails(&too_large).kind, PatternErrorKind::NumberOutOfRange);
}

// The stricter option.

#[test]
fn same_object_type_rule_is_off_by_default_and_available_as_an_option() {
    let strict = ParseOptions {
        require_same_object_type_in_and: true,
    };
    let mixed = "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']";
    assert!(parse(mixed).is_ok());
    let error = parse_with_options(mixed, strict).expect_err("refused when asked");
    assert_eq!(error.kind, PatternErrorKind::MixedObjectTypesInAnd);
    assert_eq!(error.column, 34);
    assert_eq!(error.found, "'domain-name'");
    assert!(error.expected.contains("'ipv4-addr'"), "{error}");

    for accepted in [
        "[a:x = 1 AND a:y = 2 AND (a:z = 3 OR a:w = 4)]",
        "[a:x = 1 OR b:y = 2]",
        "[a:x = 1 AND (a:y = 1 OR b:y = 2)]",
        "[(a:y = 1 OR b:y = 2) AND a:x = 1]",
        "[a:x = 1 AND a:y = 2 OR b:z = 3 AND b:w = 4]",
        "[a:x = 1] AND [b:y = 2]",
        "[EXISTS a:x AND NOT EXISTS a:y]",
    ] {
        assert!(
            parse_with_options(accepted, strict).is_ok(),
            "{accepted} should pass the same-type rule"
        );
    }
    for refused in [
        "[a:x = 1 AND (b:y = 1 AND b:z = 2)]",
        "[(a:y = 1 OR b:y = 2) AND a:x = 1 AND c:z = 3]",
        "[a:x = 1 OR b:y = 2 AND c:z = 3]",
        "[EXISTS a:x AND EXISTS b:x]",
    ] {
        let error = parse_with_options(refused, strict).expect_err(refused);
        assert_eq!(
            error.kind,
            PatternErrorKind::MixedObjectTypesInAnd,
            "{refused}"
        );
    }
}

// Trees built by hand.

#[test]
fn hand_built_trees_without_groups_print_with_parentheses_that_keep_their_meaning() {
    let tree = Pattern::And(vec![
        Pattern::Or(vec![observation("a", 1), observation("b", 2)]),
        observation("c", 3),
    ]);
    assert_eq!(tree.to_string(), "([a:v = 1] OR [b:v = 2]) AND [c:v = 3]");
    let inner = Pattern::Observation {
        comparison: ComparisonExpression::Or(vec![
            ComparisonExpression::And(vec![comparison("a", "x", 1), comparison("a", "y", 2)]),
            ComparisonExpression::Or(vec![comparison("a", "z", 3), comparison("a", "w", 4)]),
        ]),
        qualifiers: vec![Qualifier::Within {
            seconds: Number::Integer(3),
        }],
    };
    assert_eq!(
        inner.to_string(),
        "[a:x = 1 AND a:y = 2 OR (a:z = 3 OR a:w = 4)] WITHIN 3 SECONDS"
    );
}
