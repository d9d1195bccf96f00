//! The end of a source's pipeline: what a mapping made goes through the transforms of
//! `dijkwacht-fusion`, is deduplicated against what other sources gave before
//! ([`super::ledger`]), goes through the store's intake (validation, skip-invalid), is
//! routed by the source's handling (owner, communities, TLP) and stored in one
//! transaction per delivery, after which the fusion ledger records who stated what. A
//! delivery that returns has been stored durably, ledger included: only then may a
//! source move its cursor past it.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::Context;
use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_fusion::transform::{TransformChain, TransformReport};
use dijkwacht_policy::Scope;
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder};
use dijkwacht_store::{
    IngestMode, IngestOutcome, ObjectQuery, Provenance, Store, VersionSelection,
};
use serde_json::Value;

use super::ledger::{self, Folded, LedgerEntry};
use super::report::RunReport;

/// Stores what one source delivers.
pub struct Delivery<'a> {
    pub store: &'a dyn Store,
    pub source: &'a str,
    pub handling: Option<HandlingDefaults>,
    /// The source's Admiralty reliability, recorded with each statement.
    pub reliability: Reliability,
    /// Whether the source restates what it still lists on every run (lists, KEV), so
    /// that a statement's time is the run's rather than the record's.
    pub restates: bool,
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
        let mut result = self
            .transforms
            .apply(mapped.objects, &mut transformed, beyond_owner);
        self.count_transforms(location, &transformed);
        let folded = ledger::fold_held(
            self.store,
            handling.as_ref(),
            &mut result.objects,
            &mut result.keys,
        )
        .await?;
        self.report.corroborated += folded.into_held.len() as u64;
        let now = Timestamp::now();
        let mut objects = result.objects;
        objects.extend(self.extensions_of_held(&folded, now).await?);
        let entry = LedgerEntry {
            source: self.source,
            reliability: self.reliability,
            restates: self.restates,
            handling: handling.as_ref(),
            now,
        };
        let mut record = entry.record(&objects, &HashSet::new(), &result.keys, &folded);
        let refused = self
            .store_objects(location, objects, handling.clone())
            .await?;
        if !refused.is_empty() {
            record
                .statements
                .retain(|statement| !refused.contains(&statement.object_id));
            record
                .observables
                .retain(|link| !refused.contains(&link.object_id));
        }
        ledger::record(self.store, record)
            .await
            .with_context(|| format!("recording what {location} stated failed"))?;
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

    /// New versions of held indicators that folded ones outlast (see
    /// [`ledger::extended_validity`]).
    async fn extensions_of_held(
        &self,
        folded: &Folded,
        now: Timestamp,
    ) -> anyhow::Result<Vec<Value>> {
        if folded.into_held.is_empty() {
            return Ok(Vec::new());
        }
        let held: Vec<Value> = folded
            .into_held
            .iter()
            .map(|(_, held, _)| serde_json::json!({ "id": held }))
            .collect();
        let stored = self.latest_stored(&held).await?;
        let mut latest: HashMap<&str, Value> = HashMap::new();
        for (_, held, object) in &folded.into_held {
            let current = latest.get(held.as_str()).or_else(|| stored.get(held));
            if let Some(version) =
                current.and_then(|current| ledger::extended_validity(current, object, now))
            {
                latest.insert(held, version);
            }
        }
        Ok(latest.into_values().collect())
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

    /// Stores `objects`; returns the ids of those refused (invalid, or refused by the
    /// store).
    async fn store_objects(
        &mut self,
        location: &str,
        objects: Vec<Value>,
        handling: Option<HandlingDefaults>,
    ) -> anyhow::Result<HashSet<String>> {
        let mut refused = HashSet::new();
        if objects.is_empty() {
            return Ok(refused);
        }
        let mut intake = IntakeBuilder::new().with_handling(handling);
        for (index, object) in objects.into_iter().enumerate() {
            intake.push(index, object);
        }
        let intake = intake.finish();
        for invalid in &intake.invalid {
            self.report.rejected += 1;
            let id = invalid.id.as_deref().unwrap_or("(no id)");
            refused.insert(id.to_owned());
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
        let prepared = intake
            .accepted
            .into_iter()
            .map(|(_, object)| object)
            .collect();
        let stored = self
            .store
            .ingest(
                prepared,
                IngestMode::SkipRejected,
                Provenance::new(format!("source:{}", self.source)),
            )
            .await
            .with_context(|| format!("storing what {location} gave failed"))?;
        self.report.new_objects += stored.count(IngestOutcome::NewObject) as u64;
        self.report.new_versions += stored.count(IngestOutcome::NewVersion) as u64;
        self.report.duplicates += stored.count(IngestOutcome::Duplicate) as u64;
        for rejection in &stored.rejections {
            self.report.rejected += 1;
            refused.insert(rejection.id.clone());
            self.report.problem(format!(
                "{location}: object {} not stored: {}",
                rejection.id, rejection.reason
            ));
        }
        Ok(refused)
    }
}
