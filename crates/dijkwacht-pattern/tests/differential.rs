//! Differential test against the OASIS reference matcher (`stix2-matcher` 3.0.0).
//!
//! A corpus generated from a fixed seed (`corpus/`: 1,000 patterns of realistic
//! shapes, 10,000 observations drawn from the same value pools, and multi-observation
//! cases for the observation operators and qualifiers) is decided by both matchers:
//! every (pattern, single observation) pair, and every case. The reference runs in a
//! few Python processes (`reference/match_pairs.py`, which explains how it shares work
//! between pairs using only the reference's own code) while ours runs here.
//!
//! An exception of the reference counts as "no match". Any other difference must be
//! listed in `reference/known-differences.txt` as
//! `differential:<pairs|cases>:<pattern shape>:ours-<verdict>:reference-<verdict>`
//! with its reason; an unlisted difference fails the test, and so does a listed line
//! that no longer occurs.
//!
//! The reference runs from the Python named by `DIJKWACHT_REFERENCE_PYTHON`, or from
//! `.venv-reference/bin/python` at the repository root (scripts/test.sh makes it).
//! Without one the test explains and passes, except under `CI=true`, where it fails.

mod corpus;
mod reference;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use dijkwacht_pattern::{CompiledPattern, parse};
use serde_json::Value;

use reference::KnownDifferences;

const PATTERNS: usize = 1_000;
const OBSERVATIONS: usize = 10_000;
const CASES: usize = 400;

fn verdict_name(matched: bool) -> &'static str {
    if matched { "match" } else { "nomatch" }
}

/// What the reference said about one pair or case.
#[derive(Debug, Clone, PartialEq)]
enum ReferenceVerdict {
    Match,
    NoMatch,
    /// An exception, with its kind (`Invalid CIDR subnet`, `TypeError`, …).
    Raised(String),
}

impl ReferenceVerdict {
    fn name(&self) -> String {
        match self {
            ReferenceVerdict::Match => "match".to_owned(),
            ReferenceVerdict::NoMatch => "nomatch".to_owned(),
            ReferenceVerdict::Raised(reason) => format!("error({reason})"),
        }
    }

    fn read(code: char, reasons: &Value) -> ReferenceVerdict {
        match code {
            '1' => ReferenceVerdict::Match,
            '0' => ReferenceVerdict::NoMatch,
            other => ReferenceVerdict::Raised(
                reasons[other.to_string()]
                    .as_str()
                    .unwrap_or("unknown")
                    .to_owned(),
            ),
        }
    }
}

struct ReferenceRun {
    /// Per pattern, per observation.
    pairs: Vec<Vec<ReferenceVerdict>>,
    cases: Vec<ReferenceVerdict>,
    processes: usize,
}

/// Runs `match_pairs.py` in a few processes and gathers their verdicts.
fn run_reference(python: &std::path::Path, input: &std::path::Path) -> ReferenceRun {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/match_pairs.py");
    let processes = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    let children: Vec<_> = (0..processes)
        .map(|shard| {
            Command::new(python)
                .arg(&script)
                .arg(input)
                .arg(shard.to_string())
                .arg(processes.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap_or_else(|error| panic!("starting {}: {error}", python.display()))
        })
        .collect();
    let mut pairs = vec![Vec::new(); PATTERNS];
    let mut cases = vec![ReferenceVerdict::NoMatch; CASES];
    for mut child in children {
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_else(|error| panic!("reading the reference: {error}"));
            let row: Value =
                serde_json::from_str(&line).unwrap_or_else(|error| panic!("{error}: {line}"));
            if let (Some(index), Some(verdicts)) =
                (row["pattern"].as_u64(), row["verdicts"].as_str())
            {
                pairs[index as usize] = verdicts
                    .chars()
                    .map(|code| ReferenceVerdict::read(code, &row["reasons"]))
                    .collect();
            } else if let (Some(index), Some(verdict)) =
                (row["case"].as_u64(), row["verdict"].as_str())
            {
                let reasons = serde_json::json!({"E": row["reason"]});
                cases[index as usize] =
                    ReferenceVerdict::read(verdict.chars().next().unwrap_or('E'), &reasons);
            }
        }
        let status = child.wait().unwrap_or_else(|error| panic!("{error}"));
        assert!(status.success(), "match_pairs.py failed: {status}");
    }
    ReferenceRun {
        pairs,
        cases,
        processes,
    }
}

#[derive(Default)]
struct Differences {
    /// Per case name: how many times, and the first example.
    by_name: BTreeMap<String, (usize, String)>,
}

impl Differences {
    fn record(&mut self, name: String, example: impl FnOnce() -> String) {
        let entry = self.by_name.entry(name).or_insert_with(|| (0, example()));
        entry.0 += 1;
    }
}

#[test]
fn verdicts_agree_with_stix2_matcher() {
    let Some(python) = reference::reference_python() else {
        return reference::missing(
            "the reference matcher (.venv-reference or DIJKWACHT_REFERENCE_PYTHON)",
        );
    };
    let started = Instant::now();
    let corpus = corpus::generate(PATTERNS, OBSERVATIONS, CASES);
    let input = std::env::temp_dir().join(format!(
        "dijkwacht-matcher-corpus-{}.json",
        std::process::id()
    ));
    std::fs::write(&input, corpus::reference_input(&corpus).to_string())
        .unwrap_or_else(|error| panic!("{}: {error}", input.display()));

    let compiled: Vec<CompiledPattern> = corpus
        .patterns
        .iter()
        .map(|pattern| {
            let parsed =
                parse(&pattern.text).unwrap_or_else(|error| panic!("{}: {error}", pattern.text));
            CompiledPattern::compile(&parsed)
                .unwrap_or_else(|error| panic!("{}: {error}", pattern.text))
        })
        .collect();
    let ours_thread = std::thread::scope(|scope| {
        let ours = scope.spawn(|| {
            let started = Instant::now();
            let verdicts: Vec<Vec<bool>> = compiled
                .iter()
                .map(|pattern| {
                    corpus
                        .observations
                        .iter()
                        .map(|o| pattern.matches_one(o))
                        .collect()
                })
                .collect();
            let cases: Vec<bool> = corpus
                .cases
                .iter()
                .map(|case| {
                    let observations: Vec<_> = case
                        .observations
                        .iter()
                        .map(|&i| corpus.observations[i].clone())
                        .collect();
                    compiled[case.pattern].matches(&observations)
                })
                .collect();
            (verdicts, cases, started.elapsed())
        });
        let reference = run_reference(&python, &input);
        (
            ours.join()
                .unwrap_or_else(|_| panic!("our matcher panicked")),
            reference,
        )
    });
    let _ = std::fs::remove_file(&input);
    let ((ours, our_cases, our_time), reference) = ours_thread;
    assert_eq!(reference.cases.len(), corpus.cases.len());

    let mut differences = Differences::default();
    let (mut pairs, mut matched, mut reference_errors) = (0usize, 0usize, 0usize);
    for (index, pattern) in corpus.patterns.iter().enumerate() {
        let theirs = &reference.pairs[index];
        assert_eq!(
            theirs.len(),
            corpus.observations.len(),
            "no verdicts for {}",
            pattern.text
        );
        for (observation, (&our, their)) in ours[index].iter().zip(theirs).enumerate() {
            pairs += 1;
            matched += usize::from(our);
            reference_errors += usize::from(matches!(their, ReferenceVerdict::Raised(_)));
            if our == (*their == ReferenceVerdict::Match) {
                continue;
            }
            differences.record(
                format!(
                    "differential:pairs:{}:ours-{}:reference-{}",
                    pattern.shape,
                    verdict_name(our),
                    their.name()
                ),
                || format!("{} against observation {observation}", pattern.text),
            );
        }
    }
    for (case, (&our, their)) in corpus
        .cases
        .iter()
        .zip(our_cases.iter().zip(&reference.cases))
    {
        if our == (*their == ReferenceVerdict::Match) {
            continue;
        }
        let pattern = &corpus.patterns[case.pattern];
        differences.record(
            format!(
                "differential:cases:{}:ours-{}:reference-{}",
                pattern.shape,
                verdict_name(our),
                their.name()
            ),
            || {
                format!(
                    "{} against observations {:?}",
                    pattern.text, case.observations
                )
            },
        );
    }
    let case_matches = our_cases.iter().filter(|matched| **matched).count();
    eprintln!(
        "{} patterns × {} observations = {pairs} pairs ({matched} match here, {reference_errors} raise in the reference), \
         {} cases ({case_matches} match here); ours {our_time:?}, whole test {:?} with {} reference processes",
        corpus.patterns.len(),
        corpus.observations.len(),
        corpus.cases.len(),
        started.elapsed(),
        reference.processes
    );
    assert!(pairs >= 10_000_000, "only {pairs} pairs");
    assert!(
        matched * 100 >= pairs / 10,
        "too few pairs match to say much: {matched} of {pairs}"
    );

    let mut known = KnownDifferences::load("differential:");
    let mut unexplained = Vec::new();
    for (name, (count, example)) in &differences.by_name {
        eprintln!("difference ({count}×): {name}");
        if !known.explains(name) {
            unexplained.push(format!("{name}\t{count}× e.g. {example}"));
        }
    }
    let stale = known.unused();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "unexplained differences from stix2-matcher:\n{}\nlisted but no longer different:\n{}",
        unexplained.join("\n"),
        stale.join("\n")
    );
}
