//! Writes the matcher's benchmark and differential-test corpus (`tests/corpus/`) as the
//! JSON that `tests/reference/match_pairs.py` and `bench/matcher_reference.py` read, so
//! that the OASIS reference matcher is timed on exactly what ours is.
//!
//!     cargo run --release -p dijkwacht-pattern --example corpus -- OUT.json [PATTERNS OBSERVATIONS CASES]

#[path = "../tests/corpus/mod.rs"]
mod corpus;

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let Some(output) = arguments.first() else {
        eprintln!("usage: corpus OUT.json [PATTERNS OBSERVATIONS CASES]");
        std::process::exit(2);
    };
    let count = |position: usize, default: usize| {
        arguments
            .get(position)
            .and_then(|text| text.parse().ok())
            .unwrap_or(default)
    };
    let generated = corpus::generate(count(1, 1_200), count(2, 10_000), count(3, 400));
    let json = corpus::reference_input(&generated).to_string();
    if let Err(error) = std::fs::write(output, json) {
        eprintln!("writing {output}: {error}");
        std::process::exit(1);
    }
    eprintln!(
        "{} patterns, {} observations, {} cases written to {output}",
        generated.patterns.len(),
        generated.observations.len(),
        generated.cases.len()
    );
}
