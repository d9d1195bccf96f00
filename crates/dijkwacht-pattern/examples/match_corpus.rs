//! Times our matcher on a corpus written by `examples/corpus.rs`, read back from the
//! same JSON the reference matcher reads (`bench/matcher.sh` runs both): every pattern
//! compiled once, then every (pattern, observation) pair decided with `matches_one`,
//! observation by observation.
//! Prints the median of the runs in pattern–observation evaluations per second.
//!
//!     cargo run --release -p dijkwacht-pattern --example match_corpus -- CORPUS.json [RUNS]

use std::collections::BTreeMap;
use std::time::Instant;

use dijkwacht_pattern::{CompiledPattern, Observation, parse};
use serde_json::Value;

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = arguments.first() else {
        eprintln!("usage: match_corpus CORPUS.json [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = arguments
        .get(1)
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(5);
    let corpus: Value = match std::fs::read(path).map(|bytes| serde_json::from_slice(&bytes)) {
        Ok(Ok(corpus)) => corpus,
        Ok(Err(error)) => fail(&format!("{path}: {error}")),
        Err(error) => fail(&format!("{path}: {error}")),
    };
    let observations: Vec<Observation> = corpus["observations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|bundle| {
            let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
            let by_id: BTreeMap<String, Value> = objects
                .iter()
                .filter_map(|object| Some((object["id"].as_str()?.to_owned(), object.clone())))
                .collect();
            Observation::from_observed_data(&objects[0], &by_id)
                .unwrap_or_else(|error| fail(&format!("an observation does not convert: {error}")))
        })
        .collect();
    let patterns: Vec<CompiledPattern> = corpus["patterns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["pattern"].as_str())
        .map(|text| {
            let parsed = parse(text).unwrap_or_else(|error| fail(&format!("{text}: {error}")));
            CompiledPattern::compile(&parsed).unwrap_or_else(|error| fail(&format!("{error}")))
        })
        .collect();
    let pairs = patterns.len() * observations.len();
    let mut rates = Vec::new();
    let mut matched = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        matched = 0;
        // Each observation against every pattern, as a sensor event meets the
        // indicators: the observation stays in the cache while the patterns read it.
        for observation in &observations {
            for pattern in &patterns {
                matched += usize::from(pattern.matches_one(observation));
            }
        }
        rates.push(pairs as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "dijkwacht  {:>14.0} evaluations/s  (median of {} runs; {} patterns x {} observations, {matched} match)",
        rates[rates.len() / 2],
        rates.len(),
        patterns.len(),
        observations.len()
    );
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1);
}
