//! Ranges as advisories and profiles write them, each with versions that must and must
//! not be in.

use super::*;

fn range(text: &str) -> VersionRange {
    VersionRange::parse(text).unwrap_or_else(|error| panic!("{error}"))
}

fn version(text: &str) -> Version {
    Version::parse(text).unwrap_or_else(|error| panic!("{error}"))
}

/// (range, versions in, versions out)
const CASES: &[(&str, &[&str], &[&str])] = &[
    ("vers:all/*", &["0.1", "99"], &[]),
    ("all versions", &["1", "V3.1 SP2"], &[]),
    ("*", &["2.0"], &[]),
    ("<=1.0.26", &["1.0.26", "1.0.3", "0.9"], &["1.0.27", "1.1"]),
    (
        "<5.4.2.2",
        &["5.4.2.1", "5.4.1.99"],
        &["5.4.2.2", "5.4.2.10"],
    ),
    ("<V3.0", &["2.9", "V2.10", "3.0-rc1"], &["3.0", "V3.0.1"]),
    (">=2.0 <2.5", &["2.0", "2.4.9"], &["1.9", "2.5", "2.5.0"]),
    (">= 2.0 < 2.5", &["2.1"], &["2.5"]),
    (">=1.0,<2.0", &["1.0", "1.10"], &["2.0", "0.9"]),
    ("vers:generic/>=1.0|<2.0", &["1.5"], &["2.0", "0.99"]),
    (
        "vers:npm/1.2.3|>=2.0.0|<5.0.0",
        &["1.2.3", "2.0.0", "4.9.9"],
        &["1.2.4", "5.0.0", "1.9"],
    ),
    (
        "vers:generic/<1.0|>=2.0",
        &["0.9", "2.0", "3"],
        &["1.0", "1.5"],
    ),
    (
        "vers:pypi/>=1.0|!=1.5|<2.0",
        &["1.0", "1.4"],
        &["1.5", "2.0"],
    ),
    (
        "vers:all/<V2302.0016",
        &["V2302.0015", "V2301.9"],
        &["V2302.0016", "V2302.0017"],
    ),
    (
        ">v33.011|<v33.015",
        &["v33.012", "33.014"],
        &["v33.011", "v33.015", "v34.001"],
    ),
    (
        "8.001|8.002|9.001",
        &["8.001", "8.2", "9.001"],
        &["8.003", "9.0", "8"],
    ),
    ("0 < 8.0.1", &["0", "8.0.0", "7.1.3"], &["8.0.1", "8.1"]),
    ("all versions < 3.2", &["3.1"], &["3.2"]),
    ("all versions prior to V4.0", &["V3.9"], &["V4.0"]),
    ("prior to 1.38", &["1.37"], &["1.38"]),
    ("up to 2.1", &["2.1"], &["2.1.1"]),
    ("10.97.3 and earlier", &["10.97.3", "10.9"], &["10.97.4"]),
    (
        "<V33.017_V34.014_V35.013_V36.011",
        &["V32.011", "V33.016", "V34.013", "V35.012", "V36.010"],
        &["V33.017", "V34.014", "V35.013", "V36.011", "V37.001"],
    ),
    (
        "<V33.017_V35.013",
        &["V33.016", "V34.002", "V35.012"],
        &["V33.017", "V35.013", "V36.0"],
    ),
    ("<=7.07", &["7.07", "7.7", "7.06"], &["7.08"]),
    (
        "<12.2.8.410",
        &["12.2.8.409", "12.2.7"],
        &["12.2.8.410", "12.3"],
    ),
];

#[test]
fn ranges_hold_exactly_the_versions_they_say() {
    for (text, inside, outside) in CASES {
        let parsed = range(text);
        for member in *inside {
            assert!(
                parsed.contains(&version(member)),
                "{member} in {text} ({parsed})"
            );
        }
        for member in *outside {
            assert!(
                !parsed.contains(&version(member)),
                "{member} not in {text} ({parsed})"
            );
        }
    }
}

#[test]
fn canonical_form_is_vers_sorted() {
    assert_eq!(range(">=1.0,<2.0").to_string(), "vers:generic/>=1.0|<2.0");
    assert_eq!(range("<2.0|>=1.0").to_string(), "vers:generic/>=1.0|<2.0");
    assert_eq!(
        range("vers:npm/<5.0.0|>=2.0.0|1.2.3").to_string(),
        "vers:npm/1.2.3|>=2.0.0|<5.0.0"
    );
    assert_eq!(range("all versions").to_string(), "vers:all/*");
    assert_eq!(
        range("<V33.017_V34.014").to_string(),
        "vers:generic/<V33.017|>=34|<V34.014"
    );
    let written_twice = [range(">=1.0,<2.0"), range("vers:generic/>=1.0|<2.0")];
    assert_eq!(written_twice[0], written_twice[1]);
}

#[test]
fn unclear_ranges_are_refused_naming_the_text() {
    for text in [
        "",
        "latest",
        "some versions",
        "vers:npm",
        "vers:NPM!/1.0",
        ">=",
        "<1.0||>2.0",
        "vers:npm/>=*",
        "<V35.013_V34.014",
    ] {
        let error = VersionRange::parse(text).expect_err(text);
        match &error {
            VersionError::Range { text: quoted, .. } => assert_eq!(quoted, text.trim()),
            other => panic!("{text}: {other:?}"),
        }
        assert!(
            error.to_string().contains(&format!("'{}'", text.trim())),
            "{error}"
        );
    }
}

#[test]
fn overlap_is_decided_by_intervals_and_points() {
    let pairs = [
        ("<2.0", ">=1.5", true),
        ("<1.5", ">=1.5", false),
        ("<=1.5", ">=1.5", true),
        ("8.001|8.002", ">=8.0,<8.002", true),
        ("8.001|8.002", ">8.002", false),
        ("vers:all/*", "1.2", true),
        (">v33.011|<v33.015", ">=33.015", false),
        (">v33.011|<v33.015", "<33.012", true),
        ("vers:generic/<1.0|>=2.0", ">=1.0,<2.0", false),
        ("vers:generic/!=1.0", "*", false),
    ];
    for (left, right, expected) in pairs {
        assert_eq!(
            range(left).overlaps(&range(right)),
            expected,
            "{left} ~ {right}"
        );
        assert_eq!(
            range(right).overlaps(&range(left)),
            expected,
            "{right} ~ {left}"
        );
    }
}

/// Overlap with a one-version range agrees with containment, on every case above.
#[test]
fn overlap_with_one_version_agrees_with_contains() {
    for (text, inside, outside) in CASES {
        let parsed = range(text);
        for member in inside.iter().chain(outside.iter()) {
            let single = range(&format!("={member}"));
            assert_eq!(
                parsed.overlaps(&single),
                parsed.contains(&version(member)),
                "{member} ~ {text}"
            );
        }
    }
}

#[test]
fn ranges_are_told_from_versions() {
    for text in [
        "<1.0",
        ">=1.0,<2.0",
        "vers:generic/>=1.0|<2.0",
        "8.001|8.002",
        "*",
    ] {
        assert!(VersionRange::looks_like_range(text), "{text}");
    }
    for text in ["1.2.3", "15.2(4)M3", "V3.1 SP2"] {
        assert!(!VersionRange::looks_like_range(text), "{text}");
    }
}
