//! Criterion benchmarks of the pattern matcher on the deterministic corpus of the
//! differential test (`tests/corpus/`): deciding (pattern, observation) pairs one at a
//! time with `matches_one`, the multi-observation cases with `matches`, and compiling.
//! `bench/matcher.sh` puts the same corpus beside stix2-matcher.

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dijkwacht_pattern::{CompiledPattern, parse};

fn compiled(texts: &[&str]) -> Vec<CompiledPattern> {
    texts
        .iter()
        .map(|text| {
            let parsed = parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
            CompiledPattern::compile(&parsed).unwrap_or_else(|error| panic!("{error}"))
        })
        .collect()
}

fn matching(criterion: &mut Criterion) {
    let corpus = corpus::generate(200, 2_000, 100);
    let texts: Vec<&str> = corpus
        .patterns
        .iter()
        .map(|pattern| pattern.text.as_str())
        .collect();
    let patterns = compiled(&texts);
    let single = &corpus.observations[..2_000];
    let mut group = criterion.benchmark_group("matcher");
    group.throughput(Throughput::Elements((patterns.len() * single.len()) as u64));
    group.bench_function(
        BenchmarkId::new("matches_one", "200x2000 pairs"),
        |bencher| {
            bencher.iter(|| {
                let mut matched = 0usize;
                for observation in single {
                    for pattern in &patterns {
                        matched += usize::from(pattern.matches_one(observation));
                    }
                }
                matched
            });
        },
    );
    let cases: Vec<(usize, Vec<_>)> = corpus
        .cases
        .iter()
        .map(|case| {
            let observations = case
                .observations
                .iter()
                .map(|&i| corpus.observations[i].clone());
            (case.pattern, observations.collect())
        })
        .collect();
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function(
        BenchmarkId::new("matches", "multi-observation cases"),
        |bencher| {
            bencher.iter(|| {
                cases
                    .iter()
                    .filter(|(pattern, observations)| patterns[*pattern].matches(observations))
                    .count()
            });
        },
    );
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function(BenchmarkId::new("compile", "200 patterns"), |bencher| {
        bencher.iter(|| compiled(&texts).len());
    });
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
