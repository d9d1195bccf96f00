//! The end of a source's pipeline: what a mapping made goes through the transforms of
//! `dijkwacht-fusion`, is deduplicated against what other sources gave before
//! ([`super::ledger`]), goes through the store's intake (validation, skip-invalid), is
//! routed by the source's handling (owner, communities, TLP) and stored in one
//! transaction per delivery, after which the fusion ledger records who stated what. A
//! delivery that returns has been stored durably, ledger included: only then may a
//! source move its cursor past it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use anyhow::Context;
use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::correlation::ObjectKeys;
use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_fusion::routing::RouteRule;
use dijkwacht_fusion::transform::{TransformChain, TransformReport};
use dijkwacht_policy::Scope;
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder, IntakePolicy, store_validated};
use dijkwacht_store::{IngestOutcome, Provenance, Store};
use serde_json::Value;

use super::ledger::{self, FoldedIndicator, LedgerEntry, route_of};
use super::report::RunReport;

/// Where a source's objects go: its default route, and its routing rules each with
/// the sharing attributes it resolved to (`dijkwacht_fusion::routing`).
#[derive(Debug, Clone, Default)]
pub struct Routes {
    /// `None` when no organisation is configured: stored unrouted.
    pub default: Option<HandlingDefaults>,
    pub rules: Vec<(RouteRule, HandlingDefaults)>,
}

impl Routes {
    /// The index of the rule that takes `object`, if one does.
    fn rule_for(&self, object: &Value, keys: &HashMap<String, ObjectKeys>) -> Option<usize> {
        let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
        self.rules
            .iter()
            .position(|(rule, _)| rule.matches(object, keys.get(id)))
    }

    fn handling_at(&self, rule: Option<usize>) -> Option<&HandlingDefaults> {
        match rule {
            Some(index) => self.rules.get(index).map(|(_, handling)| handling),
            None => self.default.as_ref(),
        }
    }

    fn handling_of(
        &self,
        object: &Value,
        keys: &HashMap<String, ObjectKeys>,
    ) -> Option<&HandlingDefaults> {
        self.handling_at(self.rule_for(object, keys))
    }

    /// Whether any route shares beyond the owner's organisation.
    fn beyond_owner(&self) -> bool {
        self.default
            .iter()
            .chain(self.rules.iter().map(|(_, handling)| handling))
            .any(|handling| handling.scope != Scope::Organisation)
    }
}

/// `handling` kept to the owner's organisation.
fn owner_only(handling: HandlingDefaults) -> HandlingDefaults {
    HandlingDefaults {
        scope: Scope::Organisation,
        attribute_to: None,
        ..handling
    }
}

/// Stores what one source delivers.
pub struct Delivery<'a> {
    pub store: &'a dyn Store,
    pub source: &'a str,
    pub routes: Routes,
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

impl Delivery<'_> {
    /// The latest stored version of each of `objects`' ids that is stored, for a
    /// source that restates its records (see `dijkwacht_fusion::reconcile`).
    pub async fn latest_stored(&self, objects: &[Value]) -> anyhow::Result<HashMap<String, Value>> {
        let ids: Vec<String> = objects
            .iter()
            .filter_map(|object| object.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        ledger::latest_versions(self.store, &ids)
            .await
            .context("reading what the source stored before failed")
    }

    /// Tells the progress display how many documents this run will deliver, when the
    /// source knows (the events a manifest lists as changed, the files of a folder):
    /// the spinner becomes a bar.
    pub fn expect_documents(&self, count: usize) {
        if let Some(progress) = &self.progress {
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} document(s)  {msg}  {elapsed}",
            ) {
                progress.set_style(style);
            }
            progress.set_length(count as u64);
            progress.set_position(0);
        }
    }

    /// Moves the progress bar on by one of the documents announced with
    /// [`Delivery::expect_documents`].
    pub fn advance(&self) {
        if let Some(progress) = &self.progress {
            progress.inc(1);
        }
    }

    /// The source still states these stored objects, unchanged: they are counted as
    /// duplicates and only the fusion ledger hears of them (their last seen moves on).
    pub async fn unchanged(&mut self, objects: Vec<Value>) -> anyhow::Result<()> {
        self.report.duplicates += objects.len() as u64;
        if objects.is_empty() {
            return Ok(());
        }
        let entry = LedgerEntry {
            source: self.source,
            reliability: self.reliability,
            restates: self.restates,
            handling: self.routes.default.as_ref(),
            now: Timestamp::now(),
        };
        let record = entry.record(&objects, &HashMap::new(), []);
        ledger::record(self.store, record)
            .await
            .context("recording what the source still states failed")
    }

    /// Transforms and stores `mapped`, which came from `location` (a URL, a file, an
    /// event), and counts what happened. Problems with the data are counted and kept
    /// in the report; only a failing store is an error.
    pub async fn deliver(&mut self, location: &str, mapped: Mapped) -> anyhow::Result<()> {
        self.report.documents += 1;
        let routes = self.routes.clone();
        self.deliver_with(location, mapped, routes).await
    }

    /// [`Delivery::deliver`] for data its publisher allows no further than the owner's
    /// own organisation, whatever the source's routes (a MISP event at "your
    /// organisation only").
    pub async fn deliver_owner_only(
        &mut self,
        location: &str,
        mapped: Mapped,
    ) -> anyhow::Result<()> {
        let routes = Routes {
            default: self.routes.default.clone().map(owner_only),
            rules: Vec::new(),
        };
        self.deliver_with(location, mapped, routes).await
    }

    async fn deliver_with(
        &mut self,
        location: &str,
        mapped: Mapped,
        routes: Routes,
    ) -> anyhow::Result<()> {
        self.report.unmapped += mapped.problems.len() as u64;
        for problem in &mapped.problems {
            self.report.problem(format!("{location}: {problem}"));
        }
        self.report.objects += mapped.objects.len() as u64;
        let mut transformed = TransformReport::default();
        let mut result =
            self.transforms
                .apply(mapped.objects, &mut transformed, routes.beyond_owner());
        self.count_transforms(location, &transformed);
        let keys = &result.keys;
        let folded = ledger::fold_held(
            self.store,
            |object| route_of(routes.handling_of(object, keys), object),
            &mut result.objects,
            keys,
        )
        .await?;
        self.report.corroborated += folded.indicators.len() as u64;
        let now = Timestamp::now();
        // Each audience's objects are stored (and recorded) apart.
        let mut groups: BTreeMap<Option<usize>, (Vec<Value>, Vec<&FoldedIndicator>)> =
            BTreeMap::new();
        for object in std::mem::take(&mut result.objects) {
            let rule = routes.rule_for(&object, keys);
            groups.entry(rule).or_default().0.push(object);
        }
        for each in &folded.indicators {
            let rule = routes.rule_for(&each.object, keys);
            groups.entry(rule).or_default().1.push(each);
        }
        for (rule, (mut objects, folded_here)) in groups {
            let handling = routes.handling_at(rule).cloned();
            objects.extend(extensions_of_held(&folded_here, &folded.holders, now));
            let entry = LedgerEntry {
                source: self.source,
                reliability: self.reliability,
                restates: self.restates,
                handling: handling.as_ref(),
                now,
            };
            let mut record = entry.record(&objects, keys, folded_here.iter().copied());
            let refused = self.store_objects(location, objects, handling).await?;
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
        }
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
            let owner_only = routes.default.clone().map(|handling| HandlingDefaults {
                tlp: TlpLevel::AmberStrict,
                ..owner_only(handling)
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

/// New versions of held indicators that folded ones outlast (see
/// [`ledger::extended_validity`]), from the holders' latest stored versions.
fn extensions_of_held(
    folded: &[&FoldedIndicator],
    holders: &HashMap<String, Value>,
    now: Timestamp,
) -> Vec<Value> {
    let mut latest: HashMap<&str, Value> = HashMap::new();
    for each in folded {
        let current = latest
            .get(each.held.as_str())
            .or_else(|| holders.get(&each.held));
        if let Some(version) =
            current.and_then(|current| ledger::extended_validity(current, &each.object, now))
        {
            latest.insert(&each.held, version);
        }
    }
    latest.into_values().collect()
}
