//! The sources' health for `/metrics`: read from `dijkwacht.toml` and the state files
//! at each scrape, so that a `source run` by hand shows as well as a scheduled one.
//! Likewise the operator's letters ([`ConfiguredRatings`]), with which the server
//! reports what members' feedback makes of each source (its alerts it counts itself).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use dijkwacht_fusion::config::Reliability;
use dijkwacht_server::metrics::{MetricsSource, family, label};
use dijkwacht_server::source_feedback::SourceRatings;
use dijkwacht_stix::timestamp::Timestamp;

use super::load_config;
use super::state::StateFolder;

#[derive(Debug)]
pub struct SourceMetrics {
    pub data_root: PathBuf,
}

/// Each source's letter as `dijkwacht.toml` gives it when asked, so an edited letter
/// counts without a restart.
#[derive(Debug)]
pub struct ConfiguredRatings {
    pub data_root: PathBuf,
}

impl SourceRatings for ConfiguredRatings {
    fn ratings(&self) -> BTreeMap<String, Reliability> {
        let Ok(config) = load_config(&self.data_root) else {
            return BTreeMap::new();
        };
        config
            .sources
            .into_iter()
            .map(|source| (source.name, source.reliability))
            .collect()
    }
}

fn seconds(time: Option<&String>) -> Option<f64> {
    let time = Timestamp::parse(time?).ok()?;
    #[allow(clippy::cast_precision_loss)]
    Some(time.unix_micros() as f64 / 1e6)
}

impl MetricsSource for SourceMetrics {
    fn render(&self, out: &mut String) {
        let Ok(config) = load_config(&self.data_root) else {
            return;
        };
        let states = StateFolder::new(&self.data_root);
        #[allow(clippy::cast_precision_loss)]
        let now = Timestamp::now().unix_micros() as f64 / 1e6;
        let mut rows = Vec::new();
        for source in &config.sources {
            let Ok(state) = states.load(&source.name) else {
                continue;
            };
            let labels = format!(
                "source=\"{}\",kind=\"{}\"",
                label(&source.name),
                source.kind
            );
            rows.push((labels, state));
        }
        family(
            out,
            "dijkwacht_source_healthy",
            "gauge",
            "1 when the source's last run succeeded.",
        );
        for (labels, state) in &rows {
            let healthy = state.is_healthy();
            let _ = writeln!(
                out,
                "dijkwacht_source_healthy{{{labels}}} {}",
                u8::from(healthy)
            );
        }
        family(
            out,
            "dijkwacht_source_last_success_timestamp_seconds",
            "gauge",
            "When the source last ran to its end.",
        );
        for (labels, state) in &rows {
            if let Some(time) = seconds(state.last_success.as_ref()) {
                let _ = writeln!(
                    out,
                    "dijkwacht_source_last_success_timestamp_seconds{{{labels}}} {time}"
                );
            }
        }
        family(
            out,
            "dijkwacht_source_last_error_timestamp_seconds",
            "gauge",
            "When the source last stopped with an error.",
        );
        for (labels, state) in &rows {
            if let Some(time) = seconds(state.last_error_at.as_ref()) {
                let _ = writeln!(
                    out,
                    "dijkwacht_source_last_error_timestamp_seconds{{{labels}}} {time}"
                );
            }
        }
        family(
            out,
            "dijkwacht_source_lag_seconds",
            "gauge",
            "Seconds since the source last ran to its end.",
        );
        for (labels, state) in &rows {
            if let Some(time) = seconds(state.last_success.as_ref()) {
                let _ = writeln!(
                    out,
                    "dijkwacht_source_lag_seconds{{{labels}}} {}",
                    (now - time).max(0.0)
                );
            }
        }
        family(
            out,
            "dijkwacht_source_last_run_objects",
            "gauge",
            "What the source's last run did with its objects, by outcome.",
        );
        for (labels, state) in &rows {
            let Some(report) = &state.last_report else {
                continue;
            };
            for (outcome, count) in [
                ("fetched", report.objects),
                ("new", report.new_objects),
                ("updated", report.new_versions),
                ("duplicate", report.duplicates),
                ("merged", report.merged),
                ("rejected", report.rejected),
                ("unmapped", report.unmapped),
                ("dropped_by_warning_list", report.dropped_by_warning_list),
                ("flagged_by_warning_list", report.flagged_by_warning_list),
                ("personal_data_removed", report.personal_data_removed),
            ] {
                let _ = writeln!(
                    out,
                    "dijkwacht_source_last_run_objects{{{labels},outcome=\"{outcome}\"}} {count}"
                );
            }
        }
        family(
            out,
            "dijkwacht_source_last_run_duration_seconds",
            "gauge",
            "How long the source's last run took.",
        );
        for (labels, state) in &rows {
            if let Some(report) = &state.last_report {
                #[allow(clippy::cast_precision_loss)]
                let duration = report.elapsed_ms as f64 / 1000.0;
                let _ = writeln!(
                    out,
                    "dijkwacht_source_last_run_duration_seconds{{{labels}}} {duration}"
                );
            }
        }
    }
}
