//! Hand-written patterns that fail: where the error is reported and why.

use super::*;

/// Patterns that fail: the 1-based column, the kind, and a piece of the expectation.
const INVALID_WITH_POSITION: &[(&str, usize, PatternErrorKind, &str)] = &[
    // Structure.
    ("", 1, PatternErrorKind::UnexpectedToken, "'[' starting"),
    ("   ", 4, PatternErrorKind::UnexpectedToken, "'[' starting"),
    (
        "file:size = 1",
        1,
        PatternErrorKind::UnexpectedToken,
        "'[' starting",
    ),
    ("[]", 2, PatternErrorKind::UnexpectedToken, "an object path"),
    ("()", 2, PatternErrorKind::UnexpectedToken, "'[' starting"),
    (
        "[a:b = 1",
        9,
        PatternErrorKind::UnexpectedToken,
        "']' closing",
    ),
    (
        "([a:b = 1]",
        11,
        PatternErrorKind::UnexpectedToken,
        "or ')'",
    ),
    (
        "[a:b = 1]]",
        10,
        PatternErrorKind::UnexpectedToken,
        "end of input",
    ),
    (
        "[a:b = 1] [c:d = 2]",
        11,
        PatternErrorKind::UnexpectedToken,
        "end of input",
    ),
    (
        "[a:b = 1] AND",
        14,
        PatternErrorKind::UnexpectedToken,
        "'[' starting",
    ),
    (
        "[a:b = 1] and [c:d = 2]",
        11,
        PatternErrorKind::UnexpectedToken,
        "'AND'",
    ),
    (
        "[a:b = 1 and a:c = 2]",
        10,
        PatternErrorKind::UnexpectedToken,
        "'AND', 'OR' or ']'",
    ),
    (
        "[(a:b = 1]",
        10,
        PatternErrorKind::UnexpectedToken,
        "'AND', 'OR' or ')'",
    ),
    (
        "[a:b = 1 AND [c:d = 2]]",
        14,
        PatternErrorKind::UnexpectedToken,
        "an object path",
    ),
    (
        "/* first */ [a:b = 1]",
        1,
        PatternErrorKind::UnexpectedToken,
        "before any comment",
    ),
    (
        "( // first\n[a:b = 1])",
        3,
        PatternErrorKind::UnexpectedToken,
        "before any comment",
    ),
    // Object paths.
    (
        "[file.size = 1]",
        6,
        PatternErrorKind::UnexpectedToken,
        "':' between",
    ),
    (
        "[file: = 1]",
        8,
        PatternErrorKind::UnexpectedToken,
        "a property name",
    ),
    (
        "[some-type:needs-quotes = 1]",
        12,
        PatternErrorKind::UnexpectedToken,
        "without '-'",
    ),
    (
        "[file:hashes.SHA-256 = 'x']",
        14,
        PatternErrorKind::UnexpectedToken,
        "without '-'",
    ),
    (
        "[file:a. = 1]",
        10,
        PatternErrorKind::UnexpectedToken,
        "after '.'",
    ),
    (
        "[file:a.5 = 1]",
        8,
        PatternErrorKind::UnexpectedToken,
        "a comparison operator",
    ),
    (
        "[file:a[x] = 1]",
        9,
        PatternErrorKind::UnexpectedToken,
        "a list index or '*'",
    ),
    (
        "[file:a[1 = 1]",
        11,
        PatternErrorKind::UnexpectedToken,
        "']' closing the list index",
    ),
    (
        "[file:a[1.5] = 1]",
        9,
        PatternErrorKind::UnexpectedToken,
        "a list index or '*'",
    ),
    (
        "[file:a[01] = 1]",
        9,
        PatternErrorKind::InvalidLiteral,
        "without leading zeros",
    ),
    (
        "[file:AND = 1]",
        7,
        PatternErrorKind::UnexpectedToken,
        "a property name",
    ),
    (
        "[AND:b = 1]",
        2,
        PatternErrorKind::UnexpectedToken,
        "an object path",
    ),
    (
        "[true:b = 1]",
        2,
        PatternErrorKind::UnexpectedToken,
        "an object path",
    ),
    (
        "[file:LAST = 1]",
        7,
        PatternErrorKind::UnexpectedToken,
        "a property name",
    ),
    (
        "[1file:a = 1]",
        2,
        PatternErrorKind::UnexpectedToken,
        "an object path",
    ),
    (
        "[\"file\":a = 1]",
        2,
        PatternErrorKind::UnexpectedToken,
        "an object path",
    ),
    // Operators.
    (
        "[file:size foo 1]",
        12,
        PatternErrorKind::UnexpectedToken,
        "a comparison operator",
    ),
    (
        "[file:size =? 1]",
        13,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[file:size NOT NOT = 1]",
        16,
        PatternErrorKind::UnexpectedToken,
        "after NOT",
    ),
    (
        "[file:size NOT EXISTS]",
        16,
        PatternErrorKind::UnexpectedToken,
        "after NOT",
    ),
    (
        "[NOT file:size = 1]",
        6,
        PatternErrorKind::UnexpectedToken,
        "'EXISTS' after",
    ),
    (
        "[EXISTS]",
        8,
        PatternErrorKind::UnexpectedToken,
        "an object type",
    ),
    (
        "[file:size ! 1]",
        12,
        PatternErrorKind::UnexpectedToken,
        "a comparison operator",
    ),
    (
        "[file:size = ]",
        14,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[file:size < true]",
        14,
        PatternErrorKind::UnexpectedToken,
        "not a boolean",
    ),
    (
        "[file:size = null]",
        14,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[file:size = TRUE]",
        14,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[file:size IN 1]",
        15,
        PatternErrorKind::UnexpectedToken,
        "'(' starting the set",
    ),
    (
        "[file:size IN (1 2)]",
        18,
        PatternErrorKind::UnexpectedToken,
        "',' or ')'",
    ),
    (
        "[file:size IN (1,)]",
        18,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[file:size IN ((1))]",
        16,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[file:name LIKE 1]",
        17,
        PatternErrorKind::UnexpectedToken,
        "a string constant after LIKE",
    ),
    (
        "[file:name MATCHES /x/]",
        20,
        PatternErrorKind::UnexpectedToken,
        "after MATCHES",
    ),
    (
        "[file:name ISSUBSET ]",
        21,
        PatternErrorKind::UnexpectedToken,
        "after ISSUBSET",
    ),
    (
        "[file:name ISSUPERSET h'00']",
        23,
        PatternErrorKind::UnexpectedToken,
        "after ISSUPERSET",
    ),
    // Literals.
    (
        "[x:a = 'unterminated]",
        22,
        PatternErrorKind::InvalidLiteral,
        "starts at column 8",
    ),
    (
        "[x:a = '\\n']",
        9,
        PatternErrorKind::InvalidLiteral,
        "escapes",
    ),
    (
        "[x:a = 'a\\\"']",
        10,
        PatternErrorKind::InvalidLiteral,
        "escapes",
    ),
    (
        "[x:a = \"double\"]",
        8,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[x:a = 007]",
        8,
        PatternErrorKind::InvalidLiteral,
        "leading zeros",
    ),
    (
        "[x:a = -01]",
        8,
        PatternErrorKind::InvalidLiteral,
        "leading zeros",
    ),
    (
        "[x:a = 1.]",
        9,
        PatternErrorKind::UnexpectedToken,
        "']' closing",
    ),
    (
        "[x:a = 1.5e3]",
        11,
        PatternErrorKind::UnexpectedToken,
        "']' closing",
    ),
    (
        "[x:a = - 1]",
        8,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[x:a = 9223372036854775808]",
        8,
        PatternErrorKind::NumberOutOfRange,
        "an integer between",
    ),
    (
        "[x:a = -9223372036854775809]",
        8,
        PatternErrorKind::NumberOutOfRange,
        "an integer between",
    ),
    (
        "[x:a = h'abc']",
        8,
        PatternErrorKind::InvalidLiteral,
        "even number of hex digits",
    ),
    (
        "[x:a = h'zz']",
        8,
        PatternErrorKind::InvalidLiteral,
        "even number of hex digits",
    ),
    (
        "[x:a = h'00",
        12,
        PatternErrorKind::InvalidLiteral,
        "closing the literal that starts at column 8",
    ),
    ("[x:a = b'']", 8, PatternErrorKind::InvalidLiteral, "base64"),
    (
        "[x:a = b'ABC']",
        8,
        PatternErrorKind::InvalidLiteral,
        "base64",
    ),
    (
        "[x:a = b'A===']",
        8,
        PatternErrorKind::InvalidLiteral,
        "base64",
    ),
    (
        "[x:a = b'====']",
        8,
        PatternErrorKind::InvalidLiteral,
        "base64",
    ),
    (
        "[x:a = b'AB-_']",
        8,
        PatternErrorKind::InvalidLiteral,
        "base64",
    ),
    (
        "[x:a = t'2024-13-01T00:00:00Z']",
        8,
        PatternErrorKind::InvalidLiteral,
        "a timestamp",
    ),
    (
        "[x:a = t'2024-01-01T24:00:00Z']",
        8,
        PatternErrorKind::InvalidLiteral,
        "a timestamp",
    ),
    (
        "[x:a = t'2024-01-01T00:00:61Z']",
        8,
        PatternErrorKind::InvalidLiteral,
        "a timestamp",
    ),
    (
        "[x:a = t'2024-01-01T00:00:00.Z']",
        8,
        PatternErrorKind::InvalidLiteral,
        "a timestamp",
    ),
    (
        "[x:a = t'2024-01-01T00:00:00+01:00']",
        8,
        PatternErrorKind::InvalidLiteral,
        "a timestamp",
    ),
    (
        "[x:a = t'2024-01-01 00:00:00Z']",
        8,
        PatternErrorKind::InvalidLiteral,
        "a timestamp",
    ),
    (
        "[x:a = t'24-01-01T00:00:00Z']",
        8,
        PatternErrorKind::InvalidLiteral,
        "a timestamp",
    ),
    (
        "[x:a = T'2024-01-01T00:00:00Z']",
        8,
        PatternErrorKind::UnexpectedToken,
        "a constant",
    ),
    (
        "[x:a = 1 /* unterminated",
        25,
        PatternErrorKind::InvalidLiteral,
        "'*/' closing the comment that starts at column 10",
    ),
    (
        "[x:a = 1] §",
        11,
        PatternErrorKind::UnexpectedToken,
        "end of input",
    ),
    // Qualifiers.
    (
        "[a:b = 1] WITHIN 5",
        19,
        PatternErrorKind::UnexpectedToken,
        "'SECONDS'",
    ),
    (
        "[a:b = 1] WITHIN 5 HOURS",
        20,
        PatternErrorKind::UnexpectedToken,
        "'SECONDS'",
    ),
    (
        "[a:b = 1] WITHIN -5 SECONDS",
        18,
        PatternErrorKind::UnexpectedToken,
        "a positive number of seconds",
    ),
    (
        "[a:b = 1] WITHIN '5' SECONDS",
        18,
        PatternErrorKind::UnexpectedToken,
        "a positive number of seconds",
    ),
    (
        "[a:b = 1] WITHIN 0 SECONDS",
        18,
        PatternErrorKind::NumberOutOfRange,
        "greater than 0",
    ),
    (
        "[a:b = 1] WITHIN .0 SECONDS",
        18,
        PatternErrorKind::NumberOutOfRange,
        "greater than 0",
    ),
    (
        "[a:b = 1] within 5 seconds",
        11,
        PatternErrorKind::UnexpectedToken,
        "end of input",
    ),
    (
        "[a:b = 1] REPEATS 2.0 TIMES",
        19,
        PatternErrorKind::UnexpectedToken,
        "a positive whole number",
    ),
    (
        "[a:b = 1] REPEATS 0 TIMES",
        19,
        PatternErrorKind::NumberOutOfRange,
        "greater than 0",
    ),
    (
        "[a:b = 1] REPEATS 2",
        20,
        PatternErrorKind::UnexpectedToken,
        "'TIMES'",
    ),
    (
        "[a:b = 1] START t'2016-06-01T01:30:00Z'",
        40,
        PatternErrorKind::UnexpectedToken,
        "'STOP'",
    ),
    (
        "[a:b = 1] START '2016-06-01T01:30:00Z' STOP t'2016-06-01T01:30:00Z'",
        17,
        PatternErrorKind::UnexpectedToken,
        "a timestamp constant",
    ),
    (
        "[a:b = 1] START t'2016-06-01T01:30:00Z' STOP 5",
        46,
        PatternErrorKind::UnexpectedToken,
        "after STOP",
    ),
    (
        "[a:b = 1] STOP t'2016-06-01T01:30:00Z'",
        11,
        PatternErrorKind::UnexpectedToken,
        "end of input",
    ),
    (
        "[a:b = 1] WITHIN 1 SECONDS WITHIN 2 SECONDS",
        28,
        PatternErrorKind::DuplicateQualifier,
        "at most one WITHIN",
    ),
    (
        "[a:b = 1] REPEATS 1 TIMES WITHIN 1 SECONDS REPEATS 2 TIMES",
        44,
        PatternErrorKind::DuplicateQualifier,
        "at most one REPEATS",
    ),
    (
        "[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T01:30:00Z' START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T01:30:00Z'",
        70,
        PatternErrorKind::DuplicateQualifier,
        "at most one START/STOP",
    ),
    (
        "([a:b = 1] WITHIN 1 SECONDS WITHIN 2 SECONDS)",
        29,
        PatternErrorKind::DuplicateQualifier,
        "at most one WITHIN",
    ),
    // Hash values.
    (
        "[file:hashes.'SHA-256' = 'f00']",
        26,
        PatternErrorKind::InvalidHashValue,
        "SHA-256",
    ),
    (
        "[file:hashes.MD5 != 'x']",
        21,
        PatternErrorKind::InvalidHashValue,
        "MD5",
    ),
    (
        "[file:hashes.MD5 NOT = 'x']",
        24,
        PatternErrorKind::InvalidHashValue,
        "MD5",
    ),
    (
        "[file:hashes.sha1 = 5]",
        21,
        PatternErrorKind::InvalidHashValue,
        "SHA-1",
    ),
    (
        "[file:hashes.'SHA3-256' IN ('x')]",
        29,
        PatternErrorKind::InvalidHashValue,
        "SHA3-256",
    ),
    (
        "[file:hashes.SSDEEP = '3:a b']",
        23,
        PatternErrorKind::InvalidHashValue,
        "SSDEEP",
    ),
    (
        "[file:extensions.'windows-pebinary-ext'.sections[*].hashes.MD5 = 'x']",
        66,
        PatternErrorKind::InvalidHashValue,
        "MD5",
    ),
];

#[test]
fn hand_written_invalid_patterns_fail_at_the_right_place() {
    for (pattern, column, kind, expected_part) in INVALID_WITH_POSITION {
        let error = fails(pattern);
        assert_eq!(
            (error.column, error.kind),
            (*column, *kind),
            "{pattern:?}: {error}"
        );
        assert!(
            error.expected.contains(expected_part),
            "{pattern:?}: {error:?} does not mention {expected_part:?}"
        );
        let (line_start, _) = pattern.split_at(error.offset);
        assert_eq!(line_start.chars().count() + 1, error.column, "{pattern:?}");
    }
}
