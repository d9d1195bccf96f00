//! `dijkwacht demo`: a fresh demo data folder with the nine top-sector communities and
//! sample intelligence shipped inside the binary, then the server. Offline, in seconds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use dijkwacht_store::intake::IntakePolicy;
use dijkwacht_store::{IngestMode, IngestOutcome, Provenance, Store};
use serde_json::Value;

use crate::cli::DemoArgs;
use crate::commands::import::{import_sources, print_summary};
use crate::commands::serve::serve_store;
use crate::data_dir::{DataDir, STORE_FILE};
use crate::reading::{InputSource, Purpose, ReadOutcome, expand_inputs, read_input};

/// The demo intelligence, written for the project (see `demo/README.md`).
const DEMO_BUNDLE: &str = include_str!("../../demo/demo-bundle.json");

/// Marks a folder as made by `demo`, so that it may be wiped and made again.
const DEMO_MARKER: &str = ".dijkwacht-demo";

pub async fn run(data: &DataDir, options: &DemoArgs) -> anyhow::Result<ExitCode> {
    let folder = demo_folder(data, options);
    prepare_fresh_folder(&folder)?;
    let demo_data = DataDir::new(&folder);
    let store = demo_data.create()?;

    let communities = load_embedded_bundle(&store).await?;
    println!("Dijkwacht demo");
    println!("  data folder:   {}", folder.display());
    println!("  communities:   {}", communities.join(", "));

    if let Some(samples) = &options.samples {
        let sources = sample_sources(samples)?;
        let summary = import_sources(
            &store,
            &sources,
            IntakePolicy::SkipInvalid,
            None,
            true,
            None,
        )
        .await?;
        print!("  samples:       ");
        print_summary(&summary);
    }
    let counts = store.count_by_type().await?;
    let objects: u64 = counts.iter().map(|count| count.objects).sum();
    println!(
        "  stored:        {objects} objects of {} types",
        counts.len()
    );
    if options.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let data_flag = folder.display().to_string();
    serve_store(
        Arc::new(store),
        options.listen,
        "Dijkwacht demo",
        move |address| {
            println!("  listening on:  http://{address}/   (Ctrl-C stops the demo)");
            println!();
            println!("Try:");
            println!("  curl http://{address}/healthz");
            println!("  dijkwacht --data {data_flag} stats");
            println!("  dijkwacht --data {data_flag} export --type indicator > indicators.json");
            println!("  (from a clone, `cargo run --release --` stands in for `dijkwacht`)");
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// `--data` when the user gave one, else `./dijkwacht-demo`, so that a demo never
/// touches the default data folder.
fn demo_folder(data: &DataDir, _options: &DemoArgs) -> PathBuf {
    let default = Path::new("./dijkwacht-data");
    if data.root() == default {
        PathBuf::from("./dijkwacht-demo")
    } else {
        data.root().to_path_buf()
    }
}

/// Empties a folder made by an earlier demo; refuses to touch any other non-empty one.
fn prepare_fresh_folder(folder: &Path) -> anyhow::Result<()> {
    if folder.exists() {
        let marker = folder.join(DEMO_MARKER);
        let empty = std::fs::read_dir(folder)
            .with_context(|| format!("cannot read {}", folder.display()))?
            .next()
            .is_none();
        if !empty && !marker.exists() {
            bail!(
                "{} exists and was not made by `dijkwacht demo`; choose another folder with --data",
                folder.display()
            );
        }
        for name in [STORE_FILE, "dijkwacht.sqlite-wal", "dijkwacht.sqlite-shm"] {
            let path = folder.join(name);
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    std::fs::write(
        folder.join(DEMO_MARKER),
        "made by dijkwacht demo; the folder is replaced on every run\n",
    )
    .with_context(|| format!("cannot write in {}", folder.display()))?;
    Ok(())
}

/// Stores the embedded bundle and returns the names of its communities.
async fn load_embedded_bundle(store: &dyn Store) -> anyhow::Result<Vec<String>> {
    let ReadOutcome::Read { intake, .. } =
        read_input(DEMO_BUNDLE.as_bytes(), Purpose::Store, false, &mut || {})
    else {
        bail!("the embedded demo bundle is unreadable; this is a bug in this build");
    };
    if let Some(invalid) = intake.invalid.first() {
        bail!(
            "the embedded demo bundle has an invalid object ({}); this is a bug in this build",
            invalid
                .errors
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
    }
    let communities = intake
        .accepted
        .iter()
        .filter(|(_, object)| object.object_type == "identity")
        .filter_map(|(_, object)| {
            let value: Value = serde_json::from_str(&object.json).ok()?;
            (value.get("identity_class")?.as_str()? == "group")
                .then(|| value.get("name")?.as_str().map(str::to_owned))?
        })
        .collect();
    let objects = intake
        .accepted
        .into_iter()
        .map(|(_, object)| object)
        .collect();
    let report = store
        .ingest(objects, IngestMode::AllOrNothing, Provenance::new("demo"))
        .await
        .context("storing the demo bundle failed")?;
    if !report.committed {
        bail!(
            "the demo bundle was not stored: {:?}",
            report.rejections.first()
        );
    }
    tracing::debug!(
        new = report.count(IngestOutcome::NewObject),
        "demo bundle stored"
    );
    Ok(communities)
}

/// The STIX files of a samples folder. For the project's shared data folder these are
/// its STIX and TLP corpora; any other folder is searched for JSON files as a whole.
fn sample_sources(samples: &Path) -> anyhow::Result<Vec<InputSource>> {
    let known = [
        "stix21/cti-documentation",
        "stix21/cti-stix2-json-schemas/examples",
        "stix21/mitre-attack",
        "tlp",
    ];
    let present: Vec<PathBuf> = known
        .iter()
        .map(|part| samples.join(part))
        .filter(|path| path.exists())
        .collect();
    let candidates = if present.is_empty() {
        expand_inputs(&[samples.to_path_buf()])?
    } else {
        expand_inputs(&present)?
    };
    // Keep STIX content only: JSON schemas and indexes that happen to sit beside it
    // are not intelligence.
    Ok(candidates
        .into_iter()
        .filter(|source| match source {
            InputSource::File(path) => {
                let name = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .unwrap_or_default();
                !name.ends_with(".schema.json") && name != "collection-index.json"
            }
            InputSource::StandardInput => false,
        })
        .collect())
}
