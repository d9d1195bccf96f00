//! Property tests for the STIX 2.1 pattern parser and printer. They exist because
//! patterns arrive from other organisations' feeds, so the parser must survive any
//! text without panicking, and because Dijkwacht stores patterns in their printed
//! canonical form, so printing must never change what a pattern means:
//! - parsing arbitrary and mutated text never panics, and whatever parses prints back
//!   to text that parses to the same tree;
//! - a randomly generated tree prints to text that parses back to the same tree;
//! - for every pattern in the corpora, `parse(print(parse(s))) == parse(s)`;
//! - the matcher never panics: any generated tree or mutated corpus pattern that parses
//!   compiles or is refused, and a compiled one matches arbitrary observations (any
//!   JSON under the properties patterns name, references that lead anywhere or
//!   nowhere, binary properties that do not decode) without panicking.

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine as _;
use dijkwacht_pattern::{
    Comparison, ComparisonExpression, CompiledPattern, Constant, Number, ObjectPath, Observation,
    PathStep, Pattern, PatternError, Predicate, Qualifier, parse,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

/// Words the grammar reads as keywords or booleans, which can not be object types.
const RESERVED_WORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "LAST",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "WITHIN",
    "REPEATS",
    "TIMES",
    "true",
    "false",
];

/// The corpus patterns, read once.
fn corpus_patterns() -> &'static [String] {
    static PATTERNS: OnceLock<Vec<String>> = OnceLock::new();
    PATTERNS.get_or_init(read_corpus_patterns)
}

fn read_corpus_patterns() -> Vec<String> {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/stix21/pattern-corpus");
    let mut patterns = Vec::new();
    if let Ok(text) = std::fs::read_to_string(directory.join("stix21-spec-examples.txt")) {
        patterns.extend(
            text.lines()
                .filter(|line| !line.trim().is_empty())
                .map(str::to_string),
        );
    }
    let read_json = |file_name: &str| -> serde_json::Value {
        std::fs::read_to_string(directory.join(file_name))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let validator = read_json("cti-pattern-validator-v21-cases.json");
    for key in ["valid", "timestamp_valid"] {
        for item in validator[key].as_array().into_iter().flatten() {
            patterns.extend(item.as_str().map(str::to_string));
        }
    }
    for key in ["invalid", "timestamp_invalid"] {
        for item in validator[key].as_array().into_iter().flatten() {
            patterns.extend(item["pattern"].as_str().map(str::to_string));
        }
    }
    let matcher = read_json("cti-pattern-matcher-v21-cases.json");
    for file in matcher["files"]
        .as_object()
        .into_iter()
        .flat_map(|files| files.values())
    {
        for case in file["cases"].as_array().into_iter().flatten() {
            for value in case["values"].as_array().into_iter().flatten() {
                let pattern = value
                    .as_str()
                    .or_else(|| value.get(0).and_then(serde_json::Value::as_str));
                patterns.extend(pattern.map(str::to_string));
            }
        }
    }
    if patterns.is_empty() {
        eprintln!(
            "the pattern corpus is not at {}; using built-in seeds",
            directory.display()
        );
        patterns.extend(
            [
                "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
                "[a:b = 1 AND a:c IN (1, 'x', h'00', b'AA==')] REPEATS 2 TIMES WITHIN 5 SECONDS",
                "([a:b[*].c NOT LIKE 'x%'] FOLLOWEDBY [NOT EXISTS d:e]) START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:30:00.5Z'",
            ]
            .map(str::to_string),
        );
    }
    patterns
}

/// Checks what must hold for any input: the error points inside the input, and a
/// parsed tree survives printing.
fn check_parse_outcome(input: &str) -> Result<(), TestCaseError> {
    match parse(input) {
        Ok(tree) => {
            let printed = tree.to_string();
            prop_assert_eq!(parse(&printed), Ok(tree), "printed as {:?}", printed);
        }
        Err(PatternError {
            offset,
            line,
            column,
            ..
        }) => {
            prop_assert!(offset <= input.len() && input.is_char_boundary(offset));
            prop_assert!(line >= 1 && column >= 1);
        }
    }
    Ok(())
}

/// One edit of a pattern: where (as a fraction of its length), what, and with which
/// text.
#[derive(Debug, Clone)]
enum Edit {
    Insert(f64, String),
    Delete(f64, usize),
    Replace(f64, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let fragment = prop_oneof![
        select(vec![
            "[",
            "]",
            "(",
            ")",
            "'",
            "\\",
            ".",
            ":",
            ",",
            "*",
            "=",
            "!",
            "<",
            ">",
            "-",
            "+",
            " ",
            "AND ",
            " OR ",
            "NOT ",
            "IN",
            "WITHIN 1 SECONDS",
            "REPEATS",
            "t'",
            "h'",
            "b'",
            "/*",
            "//",
            "\n",
            "é",
            "0",
            "1.5",
        ])
        .prop_map(str::to_string),
        "\\PC{1,3}",
    ];
    prop_oneof![
        (0.0..=1.0, fragment.clone()).prop_map(|(at, text)| Edit::Insert(at, text)),
        (0.0..=1.0, 1usize..4).prop_map(|(at, length)| Edit::Delete(at, length)),
        (0.0..=1.0, fragment).prop_map(|(at, text)| Edit::Replace(at, text)),
    ]
}

fn apply_edits(pattern: &str, edits: &[Edit]) -> String {
    let mut characters: Vec<char> = pattern.chars().collect();
    for edit in edits {
        let position = |at: f64| ((characters.len() as f64) * at) as usize;
        match edit {
            Edit::Insert(at, text) => {
                let index = position(*at).min(characters.len());
                characters.splice(index..index, text.chars());
            }
            Edit::Delete(at, length) => {
                let start = position(*at).min(characters.len());
                let end = (start + length).min(characters.len());
                characters.drain(start..end);
            }
            Edit::Replace(at, text) => {
                let start = position(*at).min(characters.len());
                let end = (start + 1).min(characters.len());
                characters.splice(start..end, text.chars());
            }
        }
    }
    characters.into_iter().collect()
}

// Strategies for trees the parser can produce.

fn object_type() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_-]{0,12}".prop_filter("not a reserved word", |name| {
        !RESERVED_WORDS.contains(&name.as_str())
    })
}

/// A property name: usually an identifier, sometimes any text (printed quoted). Never
/// `hashes`, so that no generated comparison is subject to the hash value check.
fn path_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z_][a-zA-Z0-9_]{0,10}",
        1 => select(RESERVED_WORDS.to_vec()).prop_map(str::to_string),
        1 => "\\PC{0,8}",
        1 => "[a-z]{1,4}[-. '\\\\][a-z]{1,4}",
    ]
    .prop_filter("not hashes", |name| name != "hashes")
}

fn path_step() -> impl Strategy<Value = PathStep> {
    prop_oneof![
        3 => path_name().prop_map(PathStep::Key),
        1 => any::<i64>().prop_map(PathStep::Index),
        1 => Just(PathStep::AnyIndex),
    ]
}

fn object_path() -> impl Strategy<Value = ObjectPath> {
    (object_type(), path_name(), vec(path_step(), 0..4)).prop_map(
        |(object_type, property, steps)| ObjectPath {
            object_type,
            property,
            steps,
        },
    )
}

fn timestamp_text() -> impl Strategy<Value = String> {
    "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?Z"
}

fn finite_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |value| value.is_finite()),
        -1000.0..1000.0f64,
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
    ]
}

/// Any constant except booleans, when `allow_boolean` is false.
fn constant(allow_boolean: bool) -> BoxedStrategy<Constant> {
    let orderable = prop_oneof![
        any::<String>().prop_map(Constant::String),
        any::<i64>().prop_map(Constant::Integer),
        finite_float().prop_map(Constant::Float),
        vec(any::<u8>(), 1..24).prop_map(|bytes| Constant::Binary(
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )),
        "([0-9a-fA-F]{2}){0,8}".prop_map(Constant::Hex),
        timestamp_text().prop_map(Constant::Timestamp),
    ];
    if allow_boolean {
        prop_oneof![5 => orderable, 1 => any::<bool>().prop_map(Constant::Boolean)].boxed()
    } else {
        orderable.boxed()
    }
}

fn predicate() -> impl Strategy<Value = Predicate> {
    prop_oneof![
        constant(true).prop_map(Predicate::Equal),
        constant(true).prop_map(Predicate::NotEqual),
        constant(false).prop_map(Predicate::LessThan),
        constant(false).prop_map(Predicate::LessThanOrEqual),
        constant(false).prop_map(Predicate::GreaterThan),
        constant(false).prop_map(Predicate::GreaterThanOrEqual),
        vec(constant(true), 0..4).prop_map(Predicate::In),
        any::<String>().prop_map(Predicate::Like),
        any::<String>().prop_map(Predicate::Matches),
        any::<String>().prop_map(Predicate::IsSubset),
        any::<String>().prop_map(Predicate::IsSuperset),
        Just(Predicate::Exists),
    ]
}

fn comparison() -> impl Strategy<Value = ComparisonExpression> {
    (object_path(), any::<bool>(), predicate()).prop_map(|(object_path, negated, predicate)| {
        ComparisonExpression::Comparison(Comparison {
            object_path,
            negated,
            predicate,
        })
    })
}

/// Comparison expressions in the shape the parser builds: AND and OR chains with two
/// or more operands, and a group wherever an operator is an operand of another.
fn comparison_expression() -> impl Strategy<Value = ComparisonExpression> {
    comparison().prop_recursive(3, 12, 3, |inner| {
        let primary = prop_oneof![
            comparison(),
            inner.prop_map(|expression| ComparisonExpression::Grouped(Box::new(expression))),
        ];
        let and_level = prop_oneof![
            primary.clone(),
            vec(primary, 2..4).prop_map(ComparisonExpression::And),
        ];
        prop_oneof![
            and_level.clone(),
            vec(and_level, 2..4).prop_map(ComparisonExpression::Or),
        ]
    })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        (1..=u64::MAX).prop_map(|seconds| Qualifier::Within {
            seconds: Number::Integer(seconds)
        }),
        finite_float()
            .prop_filter("positive", |seconds| *seconds > 0.0)
            .prop_map(|seconds| Qualifier::Within {
                seconds: Number::Float(seconds)
            }),
        (1..=u64::MAX).prop_map(|times| Qualifier::Repeats { times }),
        (timestamp_text(), timestamp_text())
            .prop_map(|(start, stop)| Qualifier::StartStop { start, stop }),
    ]
}

/// Qualifiers for a `[...]` observation: at most one of each kind, in any order.
fn observation_qualifiers() -> impl Strategy<Value = Vec<Qualifier>> {
    vec(qualifier(), 0..4).prop_map(|qualifiers| {
        let mut distinct: Vec<Qualifier> = Vec::new();
        for qualifier in qualifiers {
            if !distinct
                .iter()
                .any(|kept| kept.kind_name() == qualifier.kind_name())
            {
                distinct.push(qualifier);
            }
        }
        distinct
    })
}

fn observation() -> impl Strategy<Value = Pattern> {
    (comparison_expression(), observation_qualifiers()).prop_map(|(comparison, qualifiers)| {
        Pattern::Observation {
            comparison,
            qualifiers,
        }
    })
}

/// Patterns in the shape the parser builds (see [`comparison_expression`]).
fn pattern() -> impl Strategy<Value = Pattern> {
    observation().prop_recursive(3, 12, 3, |inner| {
        let primary = prop_oneof![
            observation(),
            (inner, vec(qualifier(), 0..3)).prop_map(|(pattern, qualifiers)| {
                Pattern::Grouped {
                    pattern: Box::new(pattern),
                    qualifiers,
                }
            }),
        ];
        let and_level = prop_oneof![primary.clone(), vec(primary, 2..4).prop_map(Pattern::And)];
        let or_level = prop_oneof![
            and_level.clone(),
            vec(and_level, 2..4).prop_map(Pattern::Or)
        ];
        prop_oneof![
            or_level.clone(),
            vec(or_level, 2..4).prop_map(Pattern::FollowedBy),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(input in any::<String>()) {
        check_parse_outcome(&input)?;
    }

    #[test]
    fn pattern_like_text_never_panics(
        input in "[\\[\\]()'.:,*=!<>a-zA-Z0-9_ +\\\\/-]{0,80}|(\\[|\\(|[a-z]{1,3}:[a-z]{1,3} ?|[=<>!]=? ?|AND |OR |NOT |IN |EXISTS |FOLLOWEDBY |WITHIN [0-9] SECONDS |REPEATS [0-9] TIMES |'[a-z\\\\']*'|[thb]'[0-9a-zA-Z:.=+/-]*'|[0-9.+-]{1,4}|\\)|\\]){0,20}"
    ) {
        check_parse_outcome(&input)?;
    }

    #[test]
    fn mutated_corpus_patterns_never_panic(
        choice in any::<prop::sample::Index>(),
        edits in vec(edit(), 1..5),
    ) {
        let patterns = corpus_patterns();
        let original = choice.get(patterns);
        check_parse_outcome(&apply_edits(original, &edits))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_trees_print_and_parse_back_unchanged(tree in pattern()) {
        let printed = tree.to_string();
        prop_assert_eq!(parse(&printed), Ok(tree), "printed as {:?}", printed);
    }
}

#[test]
fn corpus_patterns_are_stable_under_printing() {
    let patterns = corpus_patterns();
    let mut parsed = 0;
    for pattern in patterns {
        if let Ok(tree) = parse(pattern) {
            let printed = tree.to_string();
            assert_eq!(
                parse(&printed),
                Ok(tree),
                "{pattern:?} printed as {printed:?}"
            );
            // Printing is canonical: printing the reparsed tree gives the same text.
            let reprinted = parse(&printed).map(|tree| tree.to_string());
            assert_eq!(reprinted.as_deref(), Ok(printed.as_str()));
            parsed += 1;
        }
    }
    assert!(parsed > 0, "no corpus pattern parsed");
}

// Arbitrary observations for the matcher.

const SCO_TYPES: &[&str] = &[
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "network-traffic",
    "email-message",
    "artifact",
    "x-test",
    "indicator",
];

const PROPERTY_NAMES: &[&str] = &[
    "type",
    "value",
    "name",
    "size",
    "hashes",
    "SHA-256",
    "src_ref",
    "dst_ref",
    "contains_refs",
    "resolves_to_refs",
    "payload_bin",
    "magic_number_hex",
    "values",
    "protocols",
    "ctime",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        finite_float().prop_map(Value::from),
        select(vec![
            "0",
            "1",
            "2",
            "198.51.100.7",
            "2001:db8::1",
            "10.0.0.0/8",
            "ffd8",
            "AQID",
            "2020-03-01T00:00:00Z",
            "é",
            "a\nb"
        ])
        .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((select(PROPERTY_NAMES.to_vec()), inner), 0..4).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect(),
                )
            }),
        ]
    })
}

fn sco() -> impl Strategy<Value = Map<String, Value>> {
    (
        select(SCO_TYPES.to_vec()),
        vec((select(PROPERTY_NAMES.to_vec()), json_value()), 0..6),
    )
        .prop_map(|(object_type, properties)| {
            let mut object: Map<String, Value> = properties
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect();
            object.insert("type".to_owned(), Value::from(object_type));
            object
        })
}

fn observations() -> impl Strategy<Value = Vec<Observation>> {
    vec(
        (
            vec(sco(), 0..4),
            0..1_000_000_000i64,
            0..10_000_000i64,
            1..4u64,
        )
            .prop_map(
                |(objects, first_observed, duration, number_observed)| Observation {
                    id: None,
                    first_observed,
                    last_observed: first_observed + duration,
                    number_observed,
                    objects: objects
                        .into_iter()
                        .enumerate()
                        .map(|(key, object)| (key.to_string(), object))
                        .collect(),
                },
            ),
        0..4,
    )
}

fn match_without_panicking(pattern: &Pattern, observations: &[Observation]) {
    if let Ok(compiled) = CompiledPattern::compile(pattern) {
        let together = compiled.matches(observations);
        let alone = observations
            .iter()
            .any(|observation| compiled.matches_one(observation));
        // A pattern that one observation satisfies is satisfied by any set holding it.
        assert!(!alone || together, "matches_one but not matches: {pattern}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn matching_generated_trees_never_panics(tree in pattern(), observations in observations()) {
        match_without_panicking(&tree, &observations);
    }

    #[test]
    fn matching_corpus_patterns_never_panics(
        choice in any::<prop::sample::Index>(),
        edits in vec(edit(), 0..3),
        observations in observations(),
    ) {
        let patterns = corpus_patterns();
        let original: &String = choice.get(patterns);
        if let Ok(tree) = parse(&apply_edits(original, &edits)) {
            match_without_panicking(&tree, &observations);
        }
    }
}
