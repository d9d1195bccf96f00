//! Runs the sources on their schedules while `dijkwacht serve` runs: every half minute
//! it reads `dijkwacht.toml` again (so `source add` takes effect without a restart) and
//! runs, one after the other, each enabled source with an `every` whose last start is
//! that long ago. A source's failure is recorded in its state and the others run on.

use std::path::PathBuf;
use std::time::Duration;

use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_store_sqlite::SqliteStore;

use super::fetch::FetchLimits;
use super::state::StateFolder;
use super::{load_config, run_source};

/// How often the schedule is looked at.
pub const TICK: Duration = Duration::from_secs(30);

/// Runs due sources until the task is dropped.
pub async fn run_schedules(data_root: PathBuf, store: SqliteStore) {
    let mut ticker = tokio::time::interval(TICK);
    loop {
        ticker.tick().await;
        run_due(&data_root, &store).await;
    }
}

/// Runs every source that is due now; returns how many ran.
pub async fn run_due(data_root: &std::path::Path, store: &SqliteStore) -> usize {
    let config = match load_config(data_root) {
        Ok(config) => config,
        Err(error) => {
            tracing::warn!("sources not run: {error:#}");
            return 0;
        }
    };
    let states = StateFolder::new(data_root);
    let now = Timestamp::now().unix_micros();
    let mut ran = 0;
    for source in config.sources.iter().filter(|source| source.enabled) {
        let Some(every) = source.every else {
            continue;
        };
        let last_started = states
            .load(&source.name)
            .ok()
            .and_then(|state| state.last_started)
            .and_then(|time| Timestamp::parse(&time).ok())
            .map(|time| time.unix_micros());
        let every_micros = i64::try_from(every.0.as_micros()).unwrap_or(i64::MAX);
        if last_started.is_some_and(|started| now - started < every_micros) {
            continue;
        }
        ran += 1;
        match run_source(
            data_root,
            store,
            &config,
            source,
            FetchLimits::default(),
            None,
        )
        .await
        {
            Ok(report) => match &report.error {
                None => tracing::info!(
                    source = %source.name,
                    new = report.new_objects,
                    updated = report.new_versions,
                    problems = report.problem_count,
                    "source ran"
                ),
                Some(error) => tracing::warn!(source = %source.name, "source failed: {error}"),
            },
            Err(error) => tracing::warn!(source = %source.name, "source could not run: {error:#}"),
        }
    }
    ran
}
