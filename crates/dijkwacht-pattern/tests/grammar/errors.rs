//! How errors read (line, column, expectation) and the nesting and size limits.

use super::*;

#[test]
fn error_display_names_column_expectation_and_finding() {
    let error = fails("[file:size =? 1]");
    assert_eq!(
        error.to_string(),
        "at column 13: expected a constant (string, number, boolean, b'...', h'...' or \
         t'...'), found '?'"
    );
    let error = fails("[file:name foo 'x']");
    assert_eq!(error.offset, 11);
    assert_eq!(error.found, "'foo'");
    assert_eq!(
        error.to_string(),
        "at column 12: expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, \
         MATCHES, ISSUBSET or ISSUPERSET), found 'foo'"
    );
    let error = fails("[file:name = 'x'");
    assert_eq!(error.found, "end of input");
    let error = fails("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879fcead3f77f6cda6ec']");
    assert_eq!(error.found, "'cead3f77f6cda6ec00f57d76c9a6879fcead3f7...");
}

#[test]
fn errors_on_later_lines_report_line_and_column() {
    let error = fails("[file:name = 'x']\nAND\n  [file:size = ]");
    assert_eq!((error.line, error.column), (3, 16));
    assert_eq!(error.offset, 37);
    assert!(
        error
            .to_string()
            .starts_with("at line 3, column 16: expected a constant")
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let error = fails("[x:a = 'ééé' foo]");
    assert_eq!(error.column, 14);
    assert_eq!(error.offset, 16);
}

#[test]
fn the_error_type_is_a_standard_error() {
    fn takes_error(_: &dyn std::error::Error) {}
    let error = fails("[");
    takes_error(&error);
    assert_eq!(error.clone(), error);
}

// Nesting, size and the stack.

#[test]
fn nesting_up_to_the_limit_parses_and_beyond_it_fails() {
    // One level for the brackets, the rest parentheses around comparisons.
    let deepest = format!(
        "[{}a:b = 1{}]",
        "(".repeat(MAX_NESTING_DEPTH - 1),
        ")".repeat(MAX_NESTING_DEPTH - 1)
    );
    assert_round_trip(&deepest);
    let too_deep = format!(
        "[{}a:b = 1{}]",
        "(".repeat(MAX_NESTING_DEPTH),
        ")".repeat(MAX_NESTING_DEPTH)
    );
    let error = fails(&too_deep);
    assert_eq!(error.kind, PatternErrorKind::TooDeeplyNested);
    assert_eq!(error.column, MAX_NESTING_DEPTH + 1);
    assert_eq!(
        error.to_string(),
        format!(
            "at column {}: pattern nests more than 64 levels",
            MAX_NESTING_DEPTH + 1
        )
    );

    let deepest_groups = format!(
        "{}[a:b = 1]{}",
        "(".repeat(MAX_NESTING_DEPTH - 1),
        ")".repeat(MAX_NESTING_DEPTH - 1)
    );
    assert_round_trip(&deepest_groups);
    let too_deep_groups = format!(
        "{}[a:b = 1]{}",
        "(".repeat(MAX_NESTING_DEPTH),
        ")".repeat(MAX_NESTING_DEPTH)
    );
    assert_eq!(
        fails(&too_deep_groups).kind,
        PatternErrorKind::TooDeeplyNested
    );
}

#[test]
fn the_deepest_pattern_fits_in_a_small_stack() {
    // 32 groups, the brackets and 31 parentheses around comparisons: 64 levels.
    let groups = MAX_NESTING_DEPTH / 2;
    let comparison_parentheses = MAX_NESTING_DEPTH - groups - 1;
    let deepest = format!(
        "{}[{}a:b = 1 AND a:c IN (1, 2){}] WITHIN 1 SECONDS{}",
        "(".repeat(groups),
        "(".repeat(comparison_parentheses),
        ")".repeat(comparison_parentheses),
        ") REPEATS 2 TIMES".repeat(groups)
    );
    // The deepest pattern needs about 0.55 MiB of stack in a debug build and 0.12 MiB
    // in a release build; a thread's default is 2 MiB.
    let worker = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let tree = parse(&deepest).map_err(|error| error.to_string())?;
            let printed = tree.to_string();
            let reparsed = parse(&printed).map_err(|error| error.to_string())?;
            Ok::<bool, String>(reparsed == tree && format!("{tree:?}").len() > 1)
        })
        .expect("a thread with a small stack");
    assert_eq!(worker.join().expect("no stack overflow"), Ok(true));
}

#[test]
fn huge_inputs_do_not_exhaust_the_stack() {
    for pattern in [
        "(".repeat(200_000),
        format!("[{}", "(".repeat(200_000)),
        format!("{}[{}", "(".repeat(50), "(".repeat(200_000)),
    ] {
        let error = fails(&pattern);
        let opening = pattern.get(..60).unwrap_or_default();
        assert_eq!(error.kind, PatternErrorKind::TooDeeplyNested, "{opening}");
    }
    let long_chain = vec!["[a:b = 1]"; 100_000].join(" AND ");
    let Pattern::And(operands) = parses(&long_chain) else {
        panic!("a long AND chain is one And node");
    };
    assert_eq!(operands.len(), 100_000);
    let long_comparison = format!("[{}]", vec!["a:b = 1"; 100_000].join(" OR "));
    assert_round_trip(&long_comparison);
    let many_qualifiers = format!("([a:b = 1]){}", " WITHIN 1 SECONDS".repeat(50_000));
    assert_round_trip(&many_qualifiers);
}
