//! What the fusion center does with an object whose values are on warning lists: drop
//! it, or pass it on flagged, per list.
//!
//! An object is dropped only when *every* value it tests is on a list whose action is
//! [`WarningAction::Drop`], and it tests nothing a list cannot judge. An indicator
//! `[ipv4-addr:value = '8.8.8.8' AND domain-name:value = 'evil.test']` still tests a
//! malicious name, so it is kept and flagged; dropping it would lose the intelligence.
//! A flagged or dropped object gets the custom property `x_dijkwacht_warning_lists`
//! with the keys of the lists it hit, sorted and without repeats (merged with what an
//! earlier check wrote there), so that analysts and members see why.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::compiled::WarningLists;
use super::list::WarningListInfo;
use super::stix_values::{TestedValues, tested_values};

/// The custom property naming the warning lists an object's values are on.
pub const WARNING_LISTS_PROPERTY: &str = "x_dijkwacht_warning_lists";

/// What to do with an object whose values are on a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WarningAction {
    /// Leave the object out of what the fusion center passes on.
    Drop,
    /// Pass the object on, with the lists named in `x_dijkwacht_warning_lists`.
    #[default]
    Flag,
}

/// The action per list, by key (or by MISP name), and the action for every other list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarningPolicy {
    pub default_action: WarningAction,
    actions: FxHashMap<String, WarningAction>,
}

impl WarningPolicy {
    pub fn new(default_action: WarningAction) -> WarningPolicy {
        WarningPolicy {
            default_action,
            actions: FxHashMap::default(),
        }
    }

    /// The same policy with `action` for the list whose key or name is `list`.
    pub fn with_action(mut self, list: impl Into<String>, action: WarningAction) -> WarningPolicy {
        self.actions.insert(list.into(), action);
        self
    }

    /// The action for a list: the one set for its key, else for its name, else the
    /// default.
    pub fn action_for(&self, list: &WarningListInfo) -> WarningAction {
        self.actions
            .get(&list.key)
            .or_else(|| self.actions.get(&list.name))
            .copied()
            .unwrap_or(self.default_action)
    }
}

/// The outcome of checking one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No value of the object is on a list.
    Keep,
    /// Some values are on lists; the object is passed on with these list keys.
    Flag(Vec<String>),
    /// Every value is on a list whose action is drop; these are all the lists hit.
    Drop(Vec<String>),
}

/// Warning lists with a policy: the transform that checks every object.
#[derive(Debug)]
pub struct WarningListFilter {
    lists: WarningLists,
    policy: WarningPolicy,
    drops: Vec<bool>,
}

impl WarningListFilter {
    pub fn new(lists: WarningLists, policy: WarningPolicy) -> WarningListFilter {
        let drops = lists
            .lists()
            .iter()
            .map(|list| policy.action_for(list) == WarningAction::Drop)
            .collect();
        WarningListFilter {
            lists,
            policy,
            drops,
        }
    }

    pub fn lists(&self) -> &WarningLists {
        &self.lists
    }

    pub fn policy(&self) -> &WarningPolicy {
        &self.policy
    }

    /// The verdict on `object` without changing it.
    pub fn judge(&self, object: &Value) -> Verdict {
        self.judge_tested(&tested_values(object))
    }

    /// The verdict on values read out of an object already.
    pub(crate) fn judge_tested(&self, tested: &TestedValues) -> Verdict {
        let mut list_keys: BTreeSet<&str> = BTreeSet::new();
        let mut every_value_dropped = !tested.values.is_empty() && !tested.tests_other_things;
        let mut hits = Vec::new();
        for value in &tested.values {
            self.lists.collect_hits(value.kind, &value.text, &mut hits);
            let mut value_dropped = false;
            for list in &hits {
                if let Some(info) = self.lists.lists().get(*list as usize) {
                    list_keys.insert(&info.key);
                }
                value_dropped |= self.drops.get(*list as usize).copied().unwrap_or(false);
            }
            every_value_dropped &= value_dropped;
        }
        let list_keys: Vec<String> = list_keys.into_iter().map(str::to_owned).collect();
        match (list_keys.is_empty(), every_value_dropped) {
            (true, _) => Verdict::Keep,
            (false, true) => Verdict::Drop(list_keys),
            (false, false) => Verdict::Flag(list_keys),
        }
    }

    /// The verdict on `object`; when it is on a list, `x_dijkwacht_warning_lists` is
    /// set to the lists' keys (with any already there), sorted and without repeats.
    pub fn apply(&self, object: &mut Value) -> Verdict {
        let tested = tested_values(object);
        self.apply_tested(object, &tested)
    }

    /// [`WarningListFilter::apply`] with the values read out of `object` already.
    pub(crate) fn apply_tested(&self, object: &mut Value, tested: &TestedValues) -> Verdict {
        let verdict = self.judge_tested(tested);
        if let Verdict::Flag(keys) | Verdict::Drop(keys) = &verdict {
            if let Some(properties) = object.as_object_mut() {
                let mut all_keys: BTreeSet<String> = keys.iter().cloned().collect();
                if let Some(Value::Array(earlier)) = properties.get(WARNING_LISTS_PROPERTY) {
                    all_keys.extend(earlier.iter().filter_map(Value::as_str).map(str::to_owned));
                }
                properties.insert(
                    WARNING_LISTS_PROPERTY.to_owned(),
                    Value::Array(all_keys.into_iter().map(Value::String).collect()),
                );
            }
        }
        verdict
    }
}
