//! Store-only ingest benchmarks: prepared indicators (no parsing or validation) written
//! in one batch into a fresh SQLite store, and the same batch again as duplicates. The
//! ids are scattered like real UUIDs so that the id index sees realistic inserts.

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dijkwacht_stix::StixObject;
use dijkwacht_store::{IngestMode, PreparedObject, Provenance, Store};
use dijkwacht_store_sqlite::SqliteStore;
use serde_json::json;

const BATCH: u32 = 20_000;

/// An indicator with a random-looking, deterministic UUIDv4 id (splitmix64).
fn indicator(number: u32) -> PreparedObject {
    let mut state = u64::from(number).wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    };
    let (high, low) = (next(), next());
    let id = format!(
        "indicator--{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFF,
        0x8000 | ((low >> 48) & 0x3FFF),
        low & 0xFFFF_FFFF_FFFF
    );
    let object = StixObject::from_value(json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-06-01T12:00:00.000Z",
        "name": format!("Phishing domain {number}"),
        "description": "Landing page of a credential phishing campaign against water boards",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[domain-name:value = 'login-{number}.example']"),
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }))
    .map(|object| PreparedObject::from_object(&object));
    object.unwrap_or_else(|problem| panic!("the generated indicator is a STIX object: {problem}"))
}

fn benchmarks(criterion: &mut Criterion) {
    let runtime =
        tokio::runtime::Runtime::new().unwrap_or_else(|error| panic!("a runtime: {error}"));
    let objects: Vec<PreparedObject> = (0..BATCH).map(indicator).collect();
    let mut group = criterion.benchmark_group("sqlite-store");
    group.throughput(Throughput::Elements(u64::from(BATCH)));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("ingest-new", |bench| {
        bench.iter_batched(
            || {
                let folder =
                    tempfile::tempdir().unwrap_or_else(|error| panic!("a folder: {error}"));
                let store = SqliteStore::open(&folder.path().join("store.sqlite"))
                    .unwrap_or_else(|error| panic!("a store: {error}"));
                (folder, store, objects.clone())
            },
            |(folder, store, batch)| {
                let report = runtime
                    .block_on(store.ingest(
                        batch,
                        IngestMode::AllOrNothing,
                        Provenance::new("bench"),
                    ))
                    .unwrap_or_else(|error| panic!("stored: {error}"));
                assert!(report.committed);
                (folder, store)
            },
            BatchSize::PerIteration,
        )
    });
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("a folder: {error}"));
    let store = SqliteStore::open(&folder.path().join("store.sqlite"))
        .unwrap_or_else(|error| panic!("a store: {error}"));
    runtime
        .block_on(store.ingest(
            objects.clone(),
            IngestMode::AllOrNothing,
            Provenance::new("bench"),
        ))
        .unwrap_or_else(|error| panic!("stored: {error}"));
    group.bench_function("ingest-duplicates", |bench| {
        bench.iter_batched(
            || objects.clone(),
            |batch| {
                runtime
                    .block_on(store.ingest(
                        batch,
                        IngestMode::AllOrNothing,
                        Provenance::new("bench"),
                    ))
                    .unwrap_or_else(|error| panic!("stored: {error}"))
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
