//! Micro-benchmarks of the STIX core on a generated indicator bundle: the plain JSON
//! parse that bounds everything, reading with validation, and validation alone.

use std::fmt::Write as _;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dijkwacht_stix::input::{InputLimits, read_objects};
use dijkwacht_stix::validate_object;

fn bundle(indicators: usize) -> String {
    let mut out = String::from(
        "{\"type\":\"bundle\",\"id\":\"bundle--9d3c1b2a-4e5f-4a6b-8c7d-0e1f2a3b4c5d\",\"objects\":[",
    );
    for index in 0..indicators {
        if index > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--{index:08x}-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":\"2026-02-01T10:00:00.000Z\",\"modified\":\"2026-02-01T10:00:00.000Z\",\"name\":\"C2 address\",\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[ipv4-addr:value = '198.51.{}.{}']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-02-01T10:00:00Z\",\"confidence\":70,\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}}",
            index / 256 % 256,
            index % 256
        );
    }
    out.push_str("]}");
    out
}

fn benchmarks(criterion: &mut Criterion) {
    let indicators = 10_000;
    let text = bundle(indicators);
    let values: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|bundle| {
            bundle
                .get("objects")
                .and_then(|objects| objects.as_array().cloned())
        })
        .unwrap_or_default();
    let mut group = criterion.benchmark_group("stix");
    group.throughput(Throughput::Elements(indicators as u64));
    group.sample_size(20);
    group.bench_function("json-parse", |bench| {
        bench.iter(|| {
            serde_json::from_str::<serde_json::Value>(&text)
                .map(std::hint::black_box)
                .is_ok()
        })
    });
    group.bench_function("read+validate", |bench| {
        bench.iter(|| {
            let mut valid = 0usize;
            let mut sink = |_: usize, object: serde_json::Value| -> Result<(), String> {
                valid += usize::from(validate_object(&object).is_valid());
                Ok(())
            };
            let _ = read_objects(text.as_bytes(), InputLimits::default(), &mut sink);
            valid
        })
    });
    group.bench_function("validate", |bench| {
        bench.iter(|| {
            values
                .iter()
                .filter(|object| validate_object(object).is_valid())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
