//! `dijkwacht bench`: the macro benchmark of reading, validating and storing one bundle,
//! and a generator of deterministic indicator-heavy bundles to run it on.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use dijkwacht_store::Store;
use dijkwacht_store::intake::IntakePolicy;

use crate::cli::{BenchGenerateArgs, BenchIngestArgs, OutputFormat};
use crate::commands::import::import_sources;
use crate::data_dir::DataDir;
use crate::reading::{InputSource, Purpose, ReadOutcome, read_input};

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Measurement {
    phase: String,
    objects: usize,
    median_seconds: f64,
    objects_per_second: f64,
    peak_rss_bytes: Option<u64>,
}

/// The phases measured, in the order they are reported.
const PHASES: [&str; 4] = ["json-parse", "validate", "parse+validate", "ingest-sqlite"];

pub async fn ingest(options: &BenchIngestArgs) -> anyhow::Result<ExitCode> {
    let results = match &options.phase {
        Some(phase) => vec![measure_phase(phase, options).await?],
        None => {
            // Each phase runs in a process of its own, so that its peak memory is its own.
            let mut results = Vec::new();
            for phase in PHASES {
                results.push(measure_in_child(phase, options)?);
            }
            results
        }
    };
    match options.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&results)?),
        OutputFormat::Text => {
            let objects = results.first().map_or(0, |result| result.objects);
            println!(
                "{} ({objects} objects), median of {} runs",
                options.input.display(),
                options.runs.max(1)
            );
            for result in &results {
                println!(
                    "  {:16} {:>12.0} objects/s  {:>8.3} s  peak RSS {}",
                    result.phase,
                    result.objects_per_second,
                    result.median_seconds,
                    result.peak_rss_bytes.map_or_else(
                        || "n/a".to_owned(),
                        |bytes| format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn measure_in_child(phase: &str, options: &BenchIngestArgs) -> anyhow::Result<Measurement> {
    let executable = std::env::current_exe().context("cannot find this program to run a phase")?;
    let output = std::process::Command::new(executable)
        .args([
            "bench", "ingest", "--format", "json", "--phase", phase, "--runs",
        ])
        .arg(options.runs.to_string())
        .arg(&options.input)
        .output()
        .context("cannot run a benchmark phase")?;
    anyhow::ensure!(
        output.status.success(),
        "the {phase} phase failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut results: Vec<Measurement> =
        serde_json::from_slice(&output.stdout).context("the phase printed no measurement")?;
    results.pop().context("the phase printed no measurement")
}

async fn measure_phase(phase: &str, options: &BenchIngestArgs) -> anyhow::Result<Measurement> {
    let bytes = std::fs::read(&options.input)
        .with_context(|| format!("cannot read {}", options.input.display()))?;
    let runs = options.runs.max(1);
    let objects = count_objects(&bytes)?;
    match phase {
        "json-parse" => measure("json-parse", objects, runs, || {
            let value: serde_json::Value = serde_json::from_slice(&bytes).context("not JSON")?;
            std::hint::black_box(value);
            Ok(())
        }),
        "validate" => {
            let values = parsed_objects(&bytes)?;
            measure("validate", objects, runs, || {
                let valid = values
                    .iter()
                    .filter(|object| dijkwacht_stix::validate_object(object).is_valid())
                    .count();
                anyhow::ensure!(valid == values.len(), "some objects are invalid");
                Ok(())
            })
        }
        "parse+validate" => measure("parse+validate", objects, runs, || {
            match read_input(&bytes, Purpose::Validate, false, &mut || {}) {
                ReadOutcome::Read { intake, .. } => {
                    anyhow::ensure!(intake.invalid.is_empty(), "some objects are invalid");
                    Ok(())
                }
                ReadOutcome::Unreadable(problem) => anyhow::bail!("{problem}"),
            }
        }),
        "ingest-sqlite" => {
            drop(bytes);
            let mut timings = Vec::new();
            for _ in 0..runs {
                let folder = tempfile::tempdir().context("cannot create a temporary folder")?;
                let store = DataDir::new(folder.path()).create()?;
                let started = Instant::now();
                let sources = [InputSource::File(options.input.clone())];
                let summary = import_sources(
                    &store,
                    &sources,
                    IntakePolicy::AllOrNothing,
                    Some("bench"),
                    false,
                    None,
                    None,
                )
                .await?;
                timings.push(started.elapsed());
                anyhow::ensure!(
                    summary.rejected == 0 && summary.inputs_refused == 0,
                    "the bundle was not stored whole"
                );
                drop_store(store).await;
            }
            Ok(summarise(
                "ingest-sqlite",
                objects,
                &mut timings,
                peak_rss(),
            ))
        }
        other => anyhow::bail!("unknown phase '{other}'; phases are {}", PHASES.join(", ")),
    }
}

fn parsed_objects(bytes: &[u8]) -> anyhow::Result<Vec<serde_json::Value>> {
    let mut values = Vec::new();
    let mut sink = |_: usize, value: serde_json::Value| -> Result<(), String> {
        values.push(value);
        Ok(())
    };
    dijkwacht_stix::input::read_objects(
        bytes,
        dijkwacht_stix::input::InputLimits::default(),
        &mut sink,
    )
    .map_err(|problem| anyhow::anyhow!("{problem}"))?;
    Ok(values)
}

async fn drop_store(store: dijkwacht_store_sqlite::SqliteStore) {
    let _ = store.count_by_type().await;
    drop(store);
}

fn count_objects(bytes: &[u8]) -> anyhow::Result<usize> {
    match read_input(bytes, Purpose::Validate, false, &mut || {}) {
        ReadOutcome::Read { intake, .. } => {
            anyhow::ensure!(
                intake.invalid.is_empty(),
                "the bundle has {} invalid objects; benchmark a valid one",
                intake.invalid.len()
            );
            Ok(intake.total)
        }
        ReadOutcome::Unreadable(problem) => anyhow::bail!("{problem}"),
    }
}

fn measure(
    phase: &str,
    objects: usize,
    runs: usize,
    mut work: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Measurement> {
    let mut timings = Vec::with_capacity(runs);
    let mut peak = None;
    for _ in 0..runs {
        let started = Instant::now();
        work()?;
        timings.push(started.elapsed());
        peak = peak.max(peak_rss());
    }
    Ok(summarise(phase, objects, &mut timings, peak))
}

fn summarise(
    phase: &str,
    objects: usize,
    timings: &mut [Duration],
    peak: Option<u64>,
) -> Measurement {
    timings.sort();
    let median = timings
        .get(timings.len() / 2)
        .copied()
        .unwrap_or_default()
        .as_secs_f64();
    Measurement {
        phase: phase.to_owned(),
        objects,
        median_seconds: median,
        objects_per_second: if median > 0.0 {
            objects as f64 / median
        } else {
            0.0
        },
        peak_rss_bytes: peak,
    }
}

/// The peak resident set size of this process (Linux `VmHWM`).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

pub fn generate(options: &BenchGenerateArgs) -> anyhow::Result<ExitCode> {
    let bundle = crate::commands::bench::generated_bundle(options.indicators);
    write_file(&options.output, &bundle)?;
    println!(
        "wrote {} with {} indicators",
        options.output.display(),
        options.indicators
    );
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// A deterministic bundle: `indicators` indicators of the common shapes (IPv4, domain,
/// URL, SHA-256), with an identity, a malware family and one `indicates` relationship
/// per ten indicators, as feeds deliver them.
pub fn generated_bundle(indicators: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(indicators * 700);
    let identity = "identity--0b1e5e7a-3c2b-4f4e-9c55-6a0f2d9b7c11";
    let malware = "malware--5a8f3e21-7c44-4d1a-8b6e-2f9d0c3a4b55";
    out.push_str("{\"type\":\"bundle\",\"id\":\"bundle--9d3c1b2a-4e5f-4a6b-8c7d-0e1f2a3b4c5d\",\"objects\":[\n");
    let _ = writeln!(
        out,
        "{{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"{identity}\",\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\",\"name\":\"Benchmark Feed\",\"identity_class\":\"organization\"}},"
    );
    let _ = write!(
        out,
        "{{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"{malware}\",\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\",\"name\":\"Benchmark Loader\",\"is_family\":true,\"malware_types\":[\"downloader\"],\"created_by_ref\":\"{identity}\"}}"
    );
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for index in 0..indicators {
        let id = format!("indicator--{}", deterministic_uuid(next(), next()));
        let (name, pattern) = match index % 4 {
            0 => {
                let address = next();
                let ip = format!(
                    "{}.{}.{}.{}",
                    1 + address % 223,
                    (address >> 8) % 256,
                    (address >> 16) % 256,
                    (address >> 24) % 256
                );
                (
                    format!("C2 address {ip}"),
                    format!("[ipv4-addr:value = '{ip}']"),
                )
            }
            1 => {
                let domain = format!(
                    "host{:x}.bench-{}.example",
                    next() % 0xffff_ffff,
                    index % 97
                );
                (
                    format!("Malicious domain {domain}"),
                    format!("[domain-name:value = '{domain}']"),
                )
            }
            2 => {
                let url = format!(
                    "https://cdn{}.bench.example/{:x}/payload.bin",
                    index % 31,
                    next()
                );
                (
                    format!("Payload URL {url}"),
                    format!("[url:value = '{url}']"),
                )
            }
            _ => {
                let hash = format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    next(),
                    next(),
                    next(),
                    next()
                );
                (
                    "Malicious file".to_owned(),
                    format!("[file:hashes.'SHA-256' = '{hash}']"),
                )
            }
        };
        let day = 1 + index % 28;
        let _ = write!(
            out,
            ",\n{{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"{id}\",\"created_by_ref\":\"{identity}\",\"created\":\"2026-02-{day:02}T10:00:00.000Z\",\"modified\":\"2026-02-{day:02}T10:00:00.000Z\",\"name\":\"{name}\",\"description\":\"Seen in benchmark campaign {campaign}.\",\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"{pattern}\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-02-{day:02}T10:00:00Z\",\"confidence\":{confidence},\"labels\":[\"bench\"],\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}}",
            campaign = index % 13,
            confidence = 30 + index % 70,
        );
        if index % 10 == 9 {
            let relationship = format!("relationship--{}", deterministic_uuid(next(), next()));
            let _ = write!(
                out,
                ",\n{{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"{relationship}\",\"created\":\"2026-02-{day:02}T10:00:00.000Z\",\"modified\":\"2026-02-{day:02}T10:00:00.000Z\",\"relationship_type\":\"indicates\",\"source_ref\":\"{id}\",\"target_ref\":\"{malware}\"}}"
            );
        }
    }
    out.push_str("\n]}\n");
    out
}

/// A UUIDv4-shaped identifier from two random words.
fn deterministic_uuid(high: u64, low: u64) -> uuid::Uuid {
    let bytes = (u128::from(high) << 64 | u128::from(low)).to_be_bytes();
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
