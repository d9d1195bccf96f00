//! Feeds that restate the same records: a list says only "these values, now"; the KEV
//! catalogue is republished whole, an entry sometimes edited without a new date. Mapped
//! again, such records give objects with the ids already stored but other timestamps —
//! stored as they are, every fetch would make a new version of every object, and one
//! whose `created` differs from the first version's, which STIX forbids.
//!
//! So before storing, a source's fresh objects are set against the latest stored
//! versions of the same ids: an object that says nothing new (equal but for the
//! properties that only record when it was fetched) is left out as unchanged; one that
//! changed keeps the stored `created` (and an indicator its `valid_from`) and becomes a
//! new version at the feed's own time.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// How a feed's restatements are judged.
#[derive(Debug, Clone, Copy)]
pub struct Restatement<'a> {
    /// Properties that record only when the feed was read, ignored in the comparison
    /// (besides `modified`, which always is).
    pub fetch_time_properties: &'a [&'a str],
    /// The time a changed object's new version gets when its own `modified` is not
    /// later than the stored one's (the catalogue's release, the fetch).
    pub version_time: &'a str,
}

/// A list feed: creation, validity start and version are the fetch time.
pub const LIST_RESTATEMENT: &[&str] = &["created", "valid_from"];

/// What reconciling gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reconciled {
    pub to_store: Vec<Value>,
    /// Objects equal to what is stored (or changed without a later time to give
    /// them), left out: the source still states them (the fusion ledger records
    /// that).
    pub unchanged: Vec<Value>,
}

fn without(object: &Map<String, Value>, ignored: &[&str]) -> Map<String, Value> {
    object
        .iter()
        .filter(|(key, _)| key.as_str() != "modified" && !ignored.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// Sets `fresh` objects against the latest `stored` versions (by id).
pub fn reconcile_with_stored(
    fresh: Vec<Value>,
    stored: &HashMap<String, Value>,
    rule: Restatement<'_>,
) -> Reconciled {
    let mut reconciled = Reconciled::default();
    for mut object in fresh {
        let previous = object
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| stored.get(id))
            .and_then(Value::as_object);
        let (Some(previous), Some(fields)) = (previous, object.as_object_mut()) else {
            reconciled.to_store.push(object);
            continue;
        };
        if without(fields, rule.fetch_time_properties)
            == without(previous, rule.fetch_time_properties)
        {
            reconciled.unchanged.push(object);
            continue;
        }
        for kept in ["created", "valid_from"] {
            if let Some(value) = previous.get(kept) {
                fields.insert(kept.to_owned(), value.clone());
            }
        }
        let text = |map: &Map<String, Value>, key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let previous_modified = text(previous, "modified");
        let own_modified = text(fields, "modified");
        // STIX timestamps (UTC, `Z`) of one feed share their form, so they compare as
        // text; the version time is used only when the object's own is not later.
        let modified = if own_modified > previous_modified {
            own_modified
        } else {
            rule.version_time.to_owned()
        };
        if modified <= previous_modified {
            reconciled.unchanged.push(object);
            continue;
        }
        fields.insert("modified".to_owned(), Value::from(modified));
        reconciled.to_store.push(object);
    }
    reconciled
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn indicator(seen: &str, valid_until: Option<&str>) -> Value {
        let mut object = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--00000000-0000-5000-8000-000000000001",
            "created": seen, "modified": seen, "valid_from": seen,
            "pattern": "[ipv4-addr:value = '198.51.99.1']", "pattern_type": "stix",
        });
        if let Some(until) = valid_until {
            object["valid_until"] = json!(until);
        }
        object
    }

    fn stored(object: &Value) -> HashMap<String, Value> {
        HashMap::from([(
            object["id"].as_str().unwrap_or_default().to_owned(),
            object.clone(),
        )])
    }

    fn list_rule(seen: &str) -> Restatement<'_> {
        Restatement {
            fetch_time_properties: LIST_RESTATEMENT,
            version_time: seen,
        }
    }

    #[test]
    fn a_value_still_listed_without_validity_is_unchanged() {
        let first = indicator("2026-01-01T00:00:00Z", None);
        let again = indicator("2026-01-02T00:00:00Z", None);
        let result = reconcile_with_stored(
            vec![again],
            &stored(&first),
            list_rule("2026-01-02T00:00:00Z"),
        );
        assert!(result.to_store.is_empty());
        assert_eq!(result.unchanged.len(), 1);
    }

    #[test]
    fn an_extended_validity_is_a_new_version_with_the_first_creation() {
        let first = indicator("2026-01-01T00:00:00Z", Some("2026-01-31T00:00:00Z"));
        let again = indicator("2026-01-10T00:00:00Z", Some("2026-02-09T00:00:00Z"));
        let result = reconcile_with_stored(
            vec![again],
            &stored(&first),
            list_rule("2026-01-10T00:00:00Z"),
        );
        assert_eq!(result.unchanged.len(), 0);
        let kept = &result.to_store;
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0]["created"], "2026-01-01T00:00:00Z");
        assert_eq!(kept[0]["valid_from"], "2026-01-01T00:00:00Z");
        assert_eq!(kept[0]["modified"], "2026-01-10T00:00:00Z");
        assert_eq!(kept[0]["valid_until"], "2026-02-09T00:00:00Z");
    }

    #[test]
    fn an_edit_without_a_new_date_is_versioned_at_the_release_time() {
        let mut first = indicator("2026-01-01T00:00:00Z", None);
        first["description"] = json!("old");
        let mut edited = first.clone();
        edited["description"] = json!("new");
        let rule = Restatement {
            fetch_time_properties: &[],
            version_time: "2026-03-01T00:00:00Z",
        };
        let result = reconcile_with_stored(vec![edited, first.clone()], &stored(&first), rule);
        assert_eq!(result.unchanged.len(), 1);
        assert_eq!(result.to_store.len(), 1);
        assert_eq!(result.to_store[0]["modified"], "2026-03-01T00:00:00Z");
        assert_eq!(result.to_store[0]["description"], "new");
    }

    #[test]
    fn a_new_value_is_stored_as_mapped() {
        let fresh = indicator("2026-01-10T00:00:00Z", None);
        let result = reconcile_with_stored(
            vec![fresh.clone()],
            &HashMap::new(),
            list_rule("2026-01-10T00:00:00Z"),
        );
        assert_eq!(result.to_store, vec![fresh]);
        assert_eq!(result.unchanged.len(), 0);
    }
}
