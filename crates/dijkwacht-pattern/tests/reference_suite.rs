//! The OASIS reference matcher's own test suite, run against our matcher. The cases
//! (`../shared/data/stix21/pattern-corpus/cti-pattern-matcher-v21-cases.json`) are the
//! pattern strings and observations of `stix2-matcher`'s pytest files with the verdict
//! each test asserts: match, no match, or an exception (which for us must be no
//! match). A case whose verdict differs must be listed in
//! `reference/known-differences.txt` as `suite:<file>:<pattern>` with the reason; a
//! listed case that no longer differs fails the test too, so the list stays true.

mod reference;

use std::collections::BTreeMap;

use dijkwacht_pattern::{CompiledPattern, Observation, parse};
use serde_json::Value;

use reference::{KnownDifferences, repository_root};

fn observations_of(bundles: &Value) -> Vec<Observation> {
    let mut observations = Vec::new();
    for bundle in bundles.as_array().into_iter().flatten() {
        let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
        let by_id: BTreeMap<String, Value> = objects
            .iter()
            .filter_map(|object| Some((object["id"].as_str()?.to_owned(), object.clone())))
            .collect();
        for object in objects.iter().filter(|o| o["type"] == "observed-data") {
            match Observation::from_observed_data(object, &by_id) {
                Ok(observation) => observations.push(observation),
                Err(error) => panic!("observed-data in the suite does not convert: {error}"),
            }
        }
    }
    observations
}

fn our_verdict(pattern: &str, observations: &[Observation]) -> bool {
    parse(pattern)
        .ok()
        .and_then(|parsed| CompiledPattern::compile(&parsed).ok())
        .is_some_and(|compiled| compiled.matches(observations))
}

#[test]
fn the_reference_suite_agrees_except_for_known_differences() {
    let path = repository_root()
        .join("../shared/data/stix21/pattern-corpus/cti-pattern-matcher-v21-cases.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return reference::missing(&format!("{}", path.display()));
    };
    let suite: Value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"));
    let mut known = KnownDifferences::load("suite:");
    let mut checked = 0;
    let mut unexplained = Vec::new();
    for (file, contents) in suite["files"].as_object().into_iter().flatten() {
        for case in contents["cases"].as_array().into_iter().flatten() {
            let observations = observations_of(
                &contents["observations"][case["observations"].as_str().unwrap_or("_observations")],
            );
            let expect = case["expect"].as_str().unwrap_or_default();
            for value in case["values"].as_array().into_iter().flatten() {
                let pattern = value
                    .as_str()
                    .or_else(|| value[0].as_str())
                    .unwrap_or_default();
                let reference_matches = matches!(expect, "match" | "match_ids");
                let ours = our_verdict(pattern, &observations);
                checked += 1;
                if ours != reference_matches {
                    let name = format!("suite:{file}:{pattern}");
                    if !known.explains(&name) {
                        unexplained.push(format!(
                            "{name}\tours {}, reference {expect}",
                            if ours { "match" } else { "no match" }
                        ));
                    }
                }
            }
        }
    }
    assert!(
        checked > 300,
        "only {checked} cases read from {}",
        path.display()
    );
    let stale = known.unused();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "unexplained differences from stix2-matcher's suite:\n{}\nlisted but no longer different:\n{}",
        unexplained.join("\n"),
        stale.join("\n")
    );
    eprintln!("{checked} cases of stix2-matcher's suite checked");
}
