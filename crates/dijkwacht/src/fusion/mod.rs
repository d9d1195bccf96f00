//! The fusion center at work: runs the sources of `dijkwacht.toml` (by hand with
//! `dijkwacht source run`, on their schedules under `dijkwacht serve`), each through
//! the transforms of `dijkwacht-fusion` into the store. What a feed *means* — the
//! mappings to STIX, the transforms — is `dijkwacht-fusion`'s; this module is the I/O
//! around it: HTTP ([`fetch`]), where each source stopped ([`state`]), storing
//! ([`deliver`]) and the per-kind reading ([`sources`]).
//!
//! One source's failure is its own: it is recorded in its state (`last_error`) and
//! the report, and the other sources run on.

pub mod deliver;
pub mod feed_host;
pub mod fetch;
pub mod ledger;
pub mod metrics;
pub mod report;
pub mod schedule;
pub mod sources;
pub mod state;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use dijkwacht_fusion::config::{FusionConfig, SourceConfig, SourceKind};
use dijkwacht_fusion::routing::RouteScope;
use dijkwacht_fusion::transform::TransformChain;
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_store_sqlite::SqliteStore;

use self::deliver::{Delivery, Routes};
use self::fetch::{FetchLimits, Fetcher};
use self::report::RunReport;
use self::sources::SourceRun;
use self::state::StateFolder;
use crate::commands::import::{HandlingRequest, handling_for};

/// The configuration file's name inside the data folder.
pub const CONFIG_FILE: &str = "dijkwacht.toml";

pub fn config_path(data_root: &Path) -> PathBuf {
    data_root.join(CONFIG_FILE)
}

/// Reads `dijkwacht.toml`; an absent file is an empty configuration.
pub fn load_config(data_root: &Path) -> anyhow::Result<FusionConfig> {
    let path = config_path(data_root);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(FusionConfig::parse(&text)?),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(FusionConfig::default()),
        Err(error) => Err(error).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes `dijkwacht.toml` whole.
pub fn save_config(data_root: &Path, config: &FusionConfig) -> anyhow::Result<()> {
    config.check()?;
    let text = format!(
        "# The fusion center's sources; see `dijkwacht source --help`.\n{}",
        config.to_toml()?
    );
    crate::data_dir::replace_file(&config_path(data_root), text.as_bytes())
}

/// Where a source's output goes: its own route and its routing rules, each resolved
/// against the directory (the owner exists and belongs to every community named).
async fn routes_of(
    store: &SqliteStore,
    config: &FusionConfig,
    source: &SourceConfig,
) -> anyhow::Result<Routes> {
    let Some(owner) = config.organisation.as_deref() else {
        if !source.communities.is_empty() || !source.routes.is_empty() {
            anyhow::bail!(
                "source `{}` names communities or routes, but dijkwacht.toml names no `organisation` to share as",
                source.name
            );
        }
        return Ok(Routes::default());
    };
    let default = HandlingRequest {
        owner,
        communities: &source.communities,
        through: None,
        recipients: &[],
        tlp: source.tlp.as_deref(),
        public: false,
        federated: false,
    };
    let mut routes = Routes {
        default: Some(
            handling_for(store, &default)
                .await
                .with_context(|| format!("source `{}`: its route does not hold", source.name))?,
        ),
        rules: Vec::new(),
    };
    for (number, rule) in source.routes.iter().enumerate() {
        let request = HandlingRequest {
            communities: &rule.communities,
            tlp: rule.tlp.as_deref().or(source.tlp.as_deref()),
            public: rule.scope == RouteScope::Public,
            federated: rule.scope == RouteScope::Federated,
            ..default
        };
        let handling = handling_for(store, &request).await.with_context(|| {
            format!(
                "source `{}`: route rule {} does not hold",
                source.name,
                number + 1
            )
        })?;
        routes.rules.push((rule.clone(), handling));
    }
    Ok(routes)
}

/// The transforms the configuration asks for; a warning list that cannot be read is
/// a problem of the run, not its end.
fn transforms_of(
    data_root: &Path,
    config: &FusionConfig,
    report: &mut RunReport,
) -> anyhow::Result<TransformChain> {
    let (chain, problems) =
        TransformChain::from_config(&config.warning_lists, &config.personal_data, data_root)
            .context("the transforms of dijkwacht.toml can not be used")?;
    for problem in problems {
        report.problem(format!("warning lists: {problem}"));
    }
    Ok(chain)
}

/// Runs one source to its end and records the outcome in its state. The report says
/// what happened, errors included; only failures to record it are errors here.
pub async fn run_source(
    data_root: &Path,
    store: &SqliteStore,
    config: &FusionConfig,
    source: &SourceConfig,
    limits: FetchLimits,
    progress: Option<indicatif::ProgressBar>,
) -> anyhow::Result<RunReport> {
    let started = Instant::now();
    let states = StateFolder::new(data_root);
    let mut state = states.load(&source.name)?;
    state.last_started = Some(Timestamp::now().to_string());
    let mut report = RunReport::default();
    let outcome = async {
        let transforms = transforms_of(data_root, config, &mut report)?;
        let routes = routes_of(store, config, source).await?;
        let fetcher = match &source.url {
            Some(url) => Some(Fetcher::new(url, source.auth.as_ref(), limits)?),
            None => None,
        };
        let mut run = SourceRun {
            config: source,
            fetcher,
            state: state.clone(),
            states: &states,
            delivery: Delivery {
                store,
                source: &source.name,
                routes,
                reliability: source.reliability,
                restates: matches!(
                    source.kind,
                    SourceKind::Csv | SourceKind::List | SourceKind::Kev
                ),
                transforms: &transforms,
                report: &mut report,
                progress,
            },
        };
        let result = sources::run_kind(&mut run).await;
        if result.is_ok() {
            state = run.state;
        }
        result
    }
    .await;
    let now = Timestamp::now().to_string();
    match outcome {
        Ok(()) => state.last_success = Some(now),
        Err(error) => {
            // What the last checkpoint saved is the state to keep: the source may have
            // moved its cursor past what it could not store.
            let started_at = state.last_started.take();
            state = states.load(&source.name)?;
            state.last_started = started_at;
            let message = format!("{error:#}");
            state.last_error = Some(message.clone());
            state.last_error_at = Some(now);
            report.error = Some(message);
        }
    }
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    state.last_report = Some(report.clone());
    states.save(&source.name, &state)?;
    Ok(report)
}
