//! The end of a source's pipeline: what a mapping made goes through the transforms of
//! `dijkwacht-fusion` and the store's intake (validation, skip-invalid), is routed by
//! the source's handling (owner, communities, TLP) and stored in one transaction per
//! delivery. A delivery that returns has been stored durably: only then may a source
//! move its cursor past it.

use std::collections::{BTreeSet, HashMap};

use anyhow::Context;
use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_fusion::transform::{TransformChain, TransformReport};
use dijkwacht_policy::Scope;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder, IntakePolicy, store_validated};
use dijkwacht_store::{IngestOutcome, ObjectQuery, Provenance, Store, VersionSelection};
use serde_json::Value;

use super::report::RunReport;

/// Stores what one source delivers.
pub struct Delivery<'a> {
    pub store: &'a dyn Store,
    pub source: &'a str,
    pub handling: Option<HandlingDefaults>,
    pub transforms: &'a TransformChain,
    pub report: &'a mut RunReport,
    /// Shows the run's figures as deliveries are stored (on a terminal).
    pub progress: Option<indicatif::ProgressBar>,
}

impl std::fmt::Debug for Delivery<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Delivery")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Ids asked of the store per query.
const IDS_PER_QUERY: usize = 500;

impl Delivery<'_> {
    /// The latest stored version of each of `objects`' ids that is stored, for a
    /// source that restates its records (see `dijkwacht_fusion::reconcile`).
    pub async fn latest_stored(&self, objects: &[Value]) -> anyhow::Result<HashMap<String, Value>> {
        let ids: Vec<String> = objects
            .iter()
            .filter_map(|object| object.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let mut latest = HashMap::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let page = self
                .store
                .query(ObjectQuery {
                    ids: chunk.to_vec(),
                    versions: VersionSelection::Last,
                    limit: chunk.len().max(1),
                    ..ObjectQuery::default()
                })
                .await
                .context("reading what the source stored before failed")?;
            for stored in page.objects {
                if let Ok(object) = serde_json::from_str::<Value>(&stored.json) {
                    latest.insert(stored.id, object);
                }
            }
        }
        Ok(latest)
    }

    /// Counts objects left out because the store holds them already.
    pub fn unchanged(&mut self, count: usize) {
        self.report.duplicates += count as u64;
    }

    /// Transforms and stores `mapped`, which came from `location` (a URL, a file, an
    /// event), and counts what happened. Problems with the data are counted and kept
    /// in the report; only a failing store is an error.
    pub async fn deliver(&mut self, location: &str, mapped: Mapped) -> anyhow::Result<()> {
        self.report.documents += 1;
        let handling = self.handling.clone();
        self.deliver_with(location, mapped, handling).await
    }

    /// [`Delivery::deliver`] for data its publisher allows no further than the owner's
    /// own organisation, whatever the source's route (a MISP event at "your
    /// organisation only").
    pub async fn deliver_owner_only(
        &mut self,
        location: &str,
        mapped: Mapped,
    ) -> anyhow::Result<()> {
        let handling = self.handling.clone().map(|handling| HandlingDefaults {
            scope: Scope::Organisation,
            attribute_to: None,
            ..handling
        });
        self.deliver_with(location, mapped, handling).await
    }

    async fn deliver_with(
        &mut self,
        location: &str,
        mapped: Mapped,
        handling: Option<HandlingDefaults>,
    ) -> anyhow::Result<()> {
        self.report.unmapped += mapped.problems.len() as u64;
        for problem in &mapped.problems {
            self.report.problem(format!("{location}: {problem}"));
        }
        self.report.objects += mapped.objects.len() as u64;
        let mut transformed = TransformReport::default();
        let beyond_owner = handling
            .as_ref()
            .is_some_and(|handling| handling.scope != Scope::Organisation);
        let result = self
            .transforms
            .apply(mapped.objects, &mut transformed, beyond_owner);
        self.count_transforms(location, &transformed);
        self.store_objects(location, result.objects, handling.clone())
            .await?;
        if let Some(progress) = &self.progress {
            progress.set_message(format!(
                "{}: {} object(s), {} new, {} updated, {} duplicate(s)",
                self.source,
                self.report.objects,
                self.report.new_objects,
                self.report.new_versions,
                self.report.duplicates
            ));
        }
        if !result.originals.is_empty() {
            // The owner alone keeps what personal data was taken out of.
            let owner_only = handling.map(|handling| HandlingDefaults {
                scope: Scope::Organisation,
                tlp: TlpLevel::AmberStrict,
                attribute_to: None,
                ..handling
            });
            self.store_objects(location, result.originals, owner_only)
                .await?;
        }
        Ok(())
    }

    fn count_transforms(&mut self, location: &str, transformed: &TransformReport) {
        self.report.merged += transformed.merged;
        self.report.dropped_by_warning_list += transformed.dropped_by_warning_list;
        self.report.flagged_by_warning_list += transformed.flagged_by_warning_list;
        self.report.personal_data_removed += transformed.personal_data_removed;
        for note in &transformed.notes {
            self.report.problem(format!("{location}: {note}"));
        }
    }

    async fn store_objects(
        &mut self,
        location: &str,
        objects: Vec<Value>,
        handling: Option<HandlingDefaults>,
    ) -> anyhow::Result<()> {
        if objects.is_empty() {
            return Ok(());
        }
        let (intake, stored) = store_validated(
            self.store,
            IntakeBuilder::new().with_handling(handling),
            objects,
            IntakePolicy::SkipInvalid,
            Provenance::new(format!("source:{}", self.source)),
        )
        .await
        .with_context(|| format!("storing what {location} gave failed"))?;
        for invalid in &intake.invalid {
            self.report.rejected += 1;
            let id = invalid.id.as_deref().unwrap_or("(no id)");
            let findings: BTreeSet<String> = invalid
                .errors
                .iter()
                .map(|finding| format!("{}: {}: {}", finding.rule, finding.path, finding.message))
                .collect();
            self.report.problem(format!(
                "{location}: object {id} not stored: {}",
                findings.into_iter().collect::<Vec<_>>().join("; ")
            ));
        }
        self.report.new_objects += stored.count(IngestOutcome::NewObject) as u64;
        self.report.new_versions += stored.count(IngestOutcome::NewVersion) as u64;
        self.report.duplicates += stored.count(IngestOutcome::Duplicate) as u64;
        for rejection in &stored.rejections {
            self.report.rejected += 1;
            self.report.problem(format!(
                "{location}: object {} not stored: {}",
                rejection.id, rejection.reason
            ));
        }
        Ok(())
    }
}
