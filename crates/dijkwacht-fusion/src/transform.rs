//! The transforms every delivery of a source goes through before the store, in the order
//! the design gives them: (validation and normalisation are the store's intake, which
//! every storing path shares) → personal data out of free text → warning lists →
//! deduplication. Each counts what it did in the [`TransformReport`], so that a run's
//! report says why fewer objects were stored than fetched.
//!
//! Deduplication here is within one delivery: the same object twice (same id and
//! version) is kept once, and indicators of different ids whose patterns are the same
//! once parsed and printed canonically become one — the first, which records the ids
//! of the others in `x_dijkwacht_merged_ids`. Each object is read once (an indicator's
//! pattern parsed once) and its keys ([`crate::correlation`]) are handed on in
//! [`Transformed::keys`], so that the sink can deduplicate across sources and
//! correlate against what is stored.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use std::path::Path;

use serde_json::Value;

use crate::config::{ListAction, WarningListsConfig};
use crate::correlation::{ObjectKeys, ReadObject, read_object};
use crate::mapped::derived_id;
use crate::personal_data::{RedactionConfig, RedactionConfigError, Redactor};
use crate::warning_lists::{
    Verdict, WarningAction, WarningListError, WarningListFilter, WarningLists, WarningPolicy,
    builtin_lists, load_folder,
};

/// What the transforms did to one delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransformReport {
    /// Objects that were the same as another of the delivery and folded into it.
    pub merged: u64,
    pub dropped_by_warning_list: u64,
    pub flagged_by_warning_list: u64,
    /// Pieces of personal data taken out of free text.
    pub personal_data_removed: u64,
    /// Remarks worth an operator's eye (an object left as it was, and why).
    pub notes: Vec<String>,
}

/// The transforms of a run, built once from the configuration.
#[derive(Debug, Default)]
pub struct TransformChain {
    warning_lists: Option<WarningListFilter>,
    redactor: Option<Redactor>,
}

/// Why the transforms cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    #[error(transparent)]
    WarningLists(#[from] WarningListError),
    #[error("[personal_data]: {0}")]
    PersonalData(#[from] RedactionConfigError),
}

/// What the transforms made of a delivery.
#[derive(Debug, Default)]
pub struct Transformed {
    /// To store with the source's handling.
    pub objects: Vec<Value>,
    /// Notes keeping the free text personal data was taken out of, for the owner
    /// alone (to store with owner-only handling).
    pub originals: Vec<Value>,
    /// What each of `objects` is recognised by (its canonical pattern, its observable
    /// keys; [`crate::correlation`]), by id, for the objects that have any.
    pub keys: HashMap<String, ObjectKeys>,
}

fn action(action: ListAction) -> WarningAction {
    match action {
        ListAction::Drop => WarningAction::Drop,
        ListAction::Flag => WarningAction::Flag,
    }
}

impl TransformChain {
    /// No transform but deduplication.
    pub fn new() -> TransformChain {
        TransformChain::default()
    }

    /// The chain the configuration asks for. Folders named relative are read from
    /// `base`. A list that cannot be read is returned as a problem beside the chain
    /// (the other lists still apply); only an unreadable folder is an error.
    pub fn from_config(
        lists: &WarningListsConfig,
        personal_data: &RedactionConfig,
        base: &Path,
    ) -> Result<(TransformChain, Vec<WarningListError>), TransformError> {
        let mut all = if lists.builtin {
            builtin_lists()
        } else {
            Vec::new()
        };
        let mut problems = Vec::new();
        for folder in &lists.folders {
            let loaded = load_folder(&base.join(folder))?;
            all.extend(loaded.lists);
            problems.extend(loaded.problems);
        }
        let filter = if all.is_empty() {
            None
        } else {
            let mut policy = WarningPolicy::new(action(lists.action));
            for (list, list_action) in &lists.actions {
                policy = policy.with_action(list.clone(), action(*list_action));
            }
            Some(WarningListFilter::new(WarningLists::build(all)?, policy))
        };
        let redactor = if personal_data.detectors.is_empty() {
            None
        } else {
            Some(Redactor::new(personal_data)?)
        };
        Ok((
            TransformChain {
                warning_lists: filter,
                redactor,
            },
            problems,
        ))
    }

    /// How many warning lists are checked.
    pub fn warning_list_count(&self) -> usize {
        self.warning_lists
            .as_ref()
            .map_or(0, |filter| filter.lists().len())
    }

    /// Runs every transform over a delivery's objects. Personal data is taken out of
    /// free text only when the objects are shared `beyond_owner`.
    pub fn apply(
        &self,
        objects: Vec<Value>,
        report: &mut TransformReport,
        beyond_owner: bool,
    ) -> Transformed {
        let mut originals = Vec::new();
        let objects = match (&self.redactor, beyond_owner) {
            (Some(redactor), true) => redact(redactor, objects, report, &mut originals),
            _ => objects,
        };
        // Each object is read once (an indicator's pattern parsed once) for the warning
        // lists, the deduplication and the keys the store correlates by.
        let read: Vec<(Value, ReadObject)> = objects
            .into_iter()
            .map(|object| {
                let read = read_object(&object);
                (object, read)
            })
            .collect();
        let read = match &self.warning_lists {
            Some(filter) => check_warning_lists(filter, read, report),
            None => read,
        };
        let (objects, keys) = deduplicate_read(read, report);
        Transformed {
            objects,
            originals,
            keys,
        }
    }
}

/// Takes personal data out of each object's free text; for each object changed, a
/// note for the owner keeps what the changed properties said before.
fn redact(
    redactor: &Redactor,
    objects: Vec<Value>,
    report: &mut TransformReport,
    originals: &mut Vec<Value>,
) -> Vec<Value> {
    objects
        .into_iter()
        .map(|mut object| {
            let before = object.clone();
            let findings = redactor.redact_object(&mut object);
            if !findings.is_empty() {
                report.personal_data_removed += findings.len() as u64;
                if let Some(note) = original_note(&before, &object) {
                    originals.push(note);
                }
            }
            object
        })
        .collect()
}

/// A note naming `before` that keeps its properties which redaction changed.
fn original_note(before: &Value, after: &Value) -> Option<Value> {
    let (before_fields, after_fields) = (before.as_object()?, after.as_object()?);
    let id = before_fields.get("id")?.as_str()?;
    let time = before_fields
        .get("modified")
        .or_else(|| before_fields.get("created"))?
        .as_str()?;
    let mut content = String::new();
    for (key, value) in before_fields {
        if after_fields.get(key) != Some(value) {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            content.push_str(&format!("{key}: {text}\n"));
        }
    }
    Some(serde_json::json!({
        "type": "note",
        "spec_version": "2.1",
        "id": derived_id("note", "personal-data", &format!("{id}|{time}")),
        "created": time,
        "modified": time,
        "abstract": "The free text before personal data was taken out (for the owner only)",
        "content": content,
        "object_refs": [id],
    }))
}

/// Drops or flags the objects whose values are on warning lists. An SCO dropped here
/// may still be named by another object of the delivery (an `observed-data`); such
/// references are left for the store's intake to judge.
fn check_warning_lists(
    filter: &WarningListFilter,
    objects: Vec<(Value, ReadObject)>,
    report: &mut TransformReport,
) -> Vec<(Value, ReadObject)> {
    let mut kept = Vec::with_capacity(objects.len());
    for (mut object, read) in objects {
        match filter.apply_tested(&mut object, &read.tested) {
            Verdict::Keep => kept.push((object, read)),
            Verdict::Flag(_) => {
                report.flagged_by_warning_list += 1;
                kept.push((object, read));
            }
            Verdict::Drop(_) => report.dropped_by_warning_list += 1,
        }
    }
    kept
}

/// The key an object's version is known by: id and `modified` (or none, for SCOs and
/// objects without versions).
fn version_key(object: &Value) -> Option<(String, Option<String>)> {
    let id = object.get("id")?.as_str()?.to_owned();
    let modified = object
        .get("modified")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some((id, modified))
}

/// Folds repeated objects and repeated indicator patterns of one delivery.
pub fn deduplicate(objects: Vec<Value>, report: &mut TransformReport) -> Vec<Value> {
    let read = objects
        .into_iter()
        .map(|object| {
            let read = read_object(&object);
            (object, read)
        })
        .collect();
    deduplicate_read(read, report).0
}

/// [`deduplicate`] of objects read already; also gives the keys of each kept object
/// that has any, by id.
fn deduplicate_read(
    objects: Vec<(Value, ReadObject)>,
    report: &mut TransformReport,
) -> (Vec<Value>, HashMap<String, ObjectKeys>) {
    let mut seen_versions = HashSet::with_capacity(objects.len());
    let mut first_with_pattern: HashMap<String, usize> = HashMap::new();
    let mut merged_ids: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut kept: Vec<Value> = Vec::with_capacity(objects.len());
    let mut keys: HashMap<String, ObjectKeys> = HashMap::new();
    for (object, read) in objects {
        if let Some(key) = version_key(&object) {
            if !seen_versions.insert(key) {
                report.merged += 1;
                continue;
            }
        }
        let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
        if let Some(canonical) = &read.keys.canonical_pattern {
            if let Some(&first) = first_with_pattern.get(canonical) {
                let first_id = kept[first].get("id").and_then(Value::as_str);
                if first_id != Some(id) {
                    merged_ids.entry(first).or_default().insert(id.to_owned());
                    report.merged += 1;
                    continue;
                }
            } else {
                first_with_pattern.insert(canonical.clone(), kept.len());
            }
        }
        if !read.keys.is_empty() && !id.is_empty() {
            keys.insert(id.to_owned(), read.keys);
        }
        kept.push(object);
    }
    for (position, ids) in merged_ids {
        if let Some(Value::Object(object)) = kept.get_mut(position) {
            let mut all: BTreeSet<String> = object
                .get("x_dijkwacht_merged_ids")
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            all.extend(ids);
            object.insert(
                "x_dijkwacht_merged_ids".to_owned(),
                Value::from(all.into_iter().collect::<Vec<_>>()),
            );
        }
    }
    (kept, keys)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn indicator(id: &str, pattern: &str, modified: &str) -> Value {
        json!({"type": "indicator", "spec_version": "2.1", "id": id, "created": modified,
               "modified": modified, "pattern": pattern, "pattern_type": "stix",
               "valid_from": modified})
    }

    #[test]
    fn built_in_warning_lists_drop_special_use_values_and_keep_the_rest() {
        let (chain, problems) = TransformChain::from_config(
            &WarningListsConfig::default(),
            &RedactionConfig::default(),
            Path::new("."),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert!(problems.is_empty());
        assert!(chain.warning_list_count() > 0);
        let private = indicator(
            "indicator--00000000-0000-4000-8000-000000000001",
            "[ipv4-addr:value = '10.1.2.3']",
            "2026-01-01T00:00:00Z",
        );
        let public = indicator(
            "indicator--00000000-0000-4000-8000-000000000002",
            "[ipv4-addr:value = '198.51.99.1']",
            "2026-01-01T00:00:00Z",
        );
        let mixed = indicator(
            "indicator--00000000-0000-4000-8000-000000000003",
            "[ipv4-addr:value = '10.1.2.3' OR ipv4-addr:value = '198.51.99.2']",
            "2026-01-01T00:00:00Z",
        );
        let mut report = TransformReport::default();
        let kept = chain
            .apply(vec![private, public.clone(), mixed], &mut report, false)
            .objects;
        assert_eq!(report.dropped_by_warning_list, 1);
        assert_eq!(report.flagged_by_warning_list, 1);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0], public);
        assert!(kept[1].get("x_dijkwacht_warning_lists").is_some());
    }

    #[test]
    fn personal_data_leaves_what_is_shared_and_stays_in_a_note_for_the_owner() {
        let (chain, _) = TransformChain::from_config(
            &WarningListsConfig::default(),
            &RedactionConfig::default(),
            Path::new("."),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        let mut report = json!({"type": "report", "spec_version": "2.1",
            "id": "report--00000000-0000-4000-8000-000000000009",
            "created": "2026-01-01T00:00:00Z", "modified": "2026-01-02T00:00:00Z",
            "name": "Phishing wave", "published": "2026-01-02T00:00:00Z",
            "description": "Reported by jan.devries@example.nl, call 06-12345678.",
            "object_refs": ["indicator--00000000-0000-4000-8000-000000000001"]});
        let mut counts = TransformReport::default();
        let kept_private = chain.apply(vec![report.clone()], &mut counts, false);
        assert_eq!(kept_private.objects, vec![report.clone()]);
        assert!(kept_private.originals.is_empty());

        let shared = chain.apply(vec![report.clone()], &mut counts, true);
        let description = shared.objects[0]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(!description.contains("jan.devries") && !description.contains("12345678"));
        assert_eq!(counts.personal_data_removed, 2);
        assert_eq!(shared.originals.len(), 1);
        let note = &shared.originals[0];
        assert_eq!(note["object_refs"], json!([report["id"]]));
        assert!(
            note["content"]
                .as_str()
                .is_some_and(|c| c.contains("jan.devries@example.nl"))
        );
        // The same object again gives the same note (stored once).
        report["name"] = json!("Phishing wave");
        let again = chain.apply(vec![report], &mut counts, true);
        assert_eq!(again.originals[0]["id"], note["id"]);
    }

    #[test]
    fn the_same_version_twice_is_kept_once() {
        let a = indicator(
            "indicator--00000000-0000-4000-8000-000000000001",
            "[ipv4-addr:value = '198.51.100.1']",
            "2026-01-01T00:00:00Z",
        );
        let mut report = TransformReport::default();
        let kept = deduplicate(vec![a.clone(), a.clone()], &mut report);
        assert_eq!(kept, vec![a]);
        assert_eq!(report.merged, 1);
    }

    #[test]
    fn two_versions_of_one_object_are_both_kept() {
        let id = "indicator--00000000-0000-4000-8000-000000000001";
        let old = indicator(
            id,
            "[ipv4-addr:value = '198.51.100.1']",
            "2026-01-01T00:00:00Z",
        );
        let new = indicator(
            id,
            "[ipv4-addr:value = '198.51.100.1']",
            "2026-02-01T00:00:00Z",
        );
        let mut report = TransformReport::default();
        assert_eq!(deduplicate(vec![old, new], &mut report).len(), 2);
        assert_eq!(report.merged, 0);
    }

    #[test]
    fn indicators_with_the_same_pattern_become_one_that_names_the_others() {
        let first = indicator(
            "indicator--00000000-0000-4000-8000-000000000001",
            "[ipv4-addr:value = '198.51.100.1']",
            "2026-01-01T00:00:00Z",
        );
        // Written differently, the same once parsed.
        let second = indicator(
            "indicator--00000000-0000-4000-8000-000000000002",
            "[ ipv4-addr:value  =  '198.51.100.1' ]",
            "2026-01-02T00:00:00Z",
        );
        let other = indicator(
            "indicator--00000000-0000-4000-8000-000000000003",
            "[ipv4-addr:value = '198.51.100.2']",
            "2026-01-02T00:00:00Z",
        );
        let mut report = TransformReport::default();
        let kept = deduplicate(vec![first, second, other], &mut report);
        assert_eq!(kept.len(), 2);
        assert_eq!(report.merged, 1);
        assert_eq!(
            kept[0]["x_dijkwacht_merged_ids"],
            json!(["indicator--00000000-0000-4000-8000-000000000002"])
        );
        assert!(kept[1].get("x_dijkwacht_merged_ids").is_none());
    }
}
