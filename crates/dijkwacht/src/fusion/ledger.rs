//! Deduplication across sources and the fusion ledger (`dijkwacht_store::fusion`).
//!
//! Before a delivery is stored, each indicator whose canonical pattern is already held
//! by another object *for the same audience* (owner, scope, effective TLP and
//! recipients: the route) is folded into that object: it is not stored again, the other
//! objects of the delivery that name it name the held one instead, and the source's
//! statement is recorded against the held one — so three feeds listing one address
//! give one indicator seen in three sources. When the folded indicator is valid for
//! longer than the held one, the held one gets a new version with the later
//! `valid_until` (the fusion center owns both), so an indicator a source still lists
//! does not expire because the first source stopped listing it. A holder that was
//! revoked or deleted takes no statements: the indicator is stored again as its own.
//! Objects routed to different audiences are never merged: merging would carry one
//! audience's data to the other.
//!
//! After the store, every stored object is recorded with its observable keys, and a
//! statement by the source at the time the source saw it: the record's own `modified`
//! (or `created`), or the run's time for sources that restate what they still list
//! (lists, the KEV catalogue).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::correlation::{ObjectKeys, pattern_key};
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_stix::tlp::strictest_level;
use dijkwacht_store::fusion::{FusionRecord, ObservableLink, Statement};
use dijkwacht_store::intake::HandlingDefaults;
use dijkwacht_store::{ObjectQuery, Store, VersionSelection};
use serde_json::Value;

/// The audience an object of this delivery goes to, as text: objects are only ever
/// merged within one. Its TLP is the object's own marking, else the route's (as the
/// intake decides it); other markings do not change who may read it.
pub fn route_of(handling: Option<&HandlingDefaults>, object: &Value) -> String {
    let own_tlp = strictest_level(
        object
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    );
    match handling {
        None => format!("unrouted|{own_tlp:?}"),
        Some(handling) => format!(
            "{}|{:?}|{:?}|{:?}",
            handling.owner,
            handling.scope,
            own_tlp.unwrap_or(handling.tlp),
            handling.recipients,
        ),
    }
}

/// An indicator folded into one held before.
#[derive(Debug)]
pub struct FoldedIndicator {
    /// The id of the object it was folded into.
    pub held: String,
    pub object: Value,
}

/// What folding did to a delivery.
#[derive(Debug, Default)]
pub struct Folded {
    pub indicators: Vec<FoldedIndicator>,
    /// The latest stored version of each holder, by id.
    pub holders: HashMap<String, Value>,
}

/// Folds the indicators of `objects` whose pattern is held by another object for the
/// same audience (`route_of_object` gives each object's audience, see [`route_of`]),
/// rewriting references to them in the objects that stay; returns what was folded.
pub async fn fold_held(
    store: &dyn Store,
    route_of_object: impl Fn(&Value) -> String,
    objects: &mut Vec<Value>,
    keys: &HashMap<String, ObjectKeys>,
) -> anyhow::Result<Folded> {
    let mut wanted: HashMap<String, String> = HashMap::new();
    for object in objects.iter() {
        let Some(id) = object.get("id").and_then(Value::as_str) else {
            continue;
        };
        if let Some(canonical) = keys
            .get(id)
            .and_then(|keys| keys.canonical_pattern.as_ref())
        {
            wanted.insert(
                pattern_key(&route_of_object(object), canonical),
                id.to_owned(),
            );
        }
    }
    if wanted.is_empty() {
        return Ok(Folded::default());
    }
    let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for link in store
        .objects_with_keys(wanted.keys().cloned().collect())
        .await?
    {
        holders.entry(link.key).or_default().push(link.object_id);
    }
    let mut renamed: HashMap<String, String> = HashMap::new();
    for (key, held) in holders {
        let Some(id) = wanted.get(&key) else { continue };
        if held.contains(id) {
            continue; // it is the holder itself
        }
        if let Some(first) = held.into_iter().min() {
            renamed.insert(id.clone(), first);
        }
    }
    // Only a holder that is still stored and not revoked takes statements.
    let usable = usable_holders(store, renamed.values().cloned().collect()).await?;
    renamed.retain(|_, held| usable.contains_key(held));
    let mut folded = Folded {
        holders: usable,
        ..Folded::default()
    };
    if renamed.is_empty() {
        return Ok(folded);
    }
    let mut kept = Vec::with_capacity(objects.len());
    for mut object in std::mem::take(objects) {
        let id = object.get("id").and_then(Value::as_str).map(str::to_owned);
        match id.and_then(|id| renamed.get(&id).cloned()) {
            Some(held) => folded.indicators.push(FoldedIndicator { held, object }),
            None => {
                rename_references(&mut object, &renamed);
                kept.push(object);
            }
        }
    }
    *objects = kept;
    Ok(folded)
}

/// Ids asked of the store per query.
const IDS_PER_QUERY: usize = 500;

/// The latest stored version of each of `ids` that is stored, by id.
pub async fn latest_versions(
    store: &dyn Store,
    ids: &[String],
) -> anyhow::Result<HashMap<String, Value>> {
    let mut latest = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let page = store
            .query(ObjectQuery {
                ids: chunk.to_vec(),
                versions: VersionSelection::Last,
                limit: chunk.len().max(1),
                ..ObjectQuery::default()
            })
            .await?;
        for stored in page.objects {
            if let Ok(object) = serde_json::from_str::<Value>(&stored.json) {
                latest.insert(stored.id, object);
            }
        }
    }
    Ok(latest)
}

/// The latest stored version of each of `ids` that is not revoked, by id.
async fn usable_holders(
    store: &dyn Store,
    ids: BTreeSet<String>,
) -> anyhow::Result<HashMap<String, Value>> {
    let ids: Vec<String> = ids.into_iter().collect();
    let mut usable = latest_versions(store, &ids).await?;
    usable.retain(|_, object| object.get("revoked").and_then(Value::as_bool) != Some(true));
    Ok(usable)
}

/// Points every `*_ref` and `*_refs` property (at any depth) that names a key of
/// `renamed` at its new id.
fn rename_references(value: &mut Value, renamed: &HashMap<String, String>) {
    match value {
        Value::Object(properties) => {
            for (name, property) in properties.iter_mut() {
                if name.ends_with("_ref") || name.ends_with("_refs") {
                    rename_ids(property, renamed);
                } else {
                    rename_references(property, renamed);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rename_references(item, renamed)),
        _ => {}
    }
}

fn rename_ids(value: &mut Value, renamed: &HashMap<String, String>) {
    match value {
        Value::String(id) => {
            if let Some(held) = renamed.get(id.as_str()) {
                *id = held.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rename_ids(item, renamed)),
        _ => {}
    }
}

/// The new version of `held` that a folded indicator valid for longer asks for: its
/// `valid_until` moved to the folded one's (or removed, when that has none), at
/// `now`. `None` when the held one is valid at least as long.
pub fn extended_validity(held: &Value, folded: &Value, now: Timestamp) -> Option<Value> {
    let until = |object: &Value| {
        object
            .get("valid_until")
            .and_then(Value::as_str)
            .and_then(|text| Timestamp::parse(text).ok())
    };
    let held_until = until(held)?;
    let later = match until(folded) {
        Some(folded_until) if folded_until.unix_micros() > held_until.unix_micros() => {
            Some(folded_until)
        }
        Some(_) => return None,
        None => None,
    };
    let modified = held
        .get("modified")
        .and_then(Value::as_str)
        .and_then(|text| Timestamp::parse(text).ok())?;
    if now.unix_micros() <= modified.unix_micros() {
        return None;
    }
    let mut version = held.clone();
    let properties = version.as_object_mut()?;
    match later {
        Some(_) => properties.insert("valid_until".to_owned(), folded["valid_until"].clone()),
        None => properties.remove("valid_until"),
    };
    properties.insert("modified".to_owned(), Value::from(now.to_string()));
    Some(version)
}

/// Types the ledger leaves out: they say who and how, not what was seen.
fn is_stated(object_type: &str) -> bool {
    !matches!(
        object_type,
        "marking-definition" | "identity" | "extension-definition"
    )
}

/// When the source saw `object`: the run's time for sources that restate what they
/// list, else the object's `modified` or `created`, never later than `now`.
fn seen_at(object: &Value, restates: bool, now: Timestamp) -> i64 {
    let own = || {
        ["modified", "created"]
            .iter()
            .find_map(|name| object.get(*name).and_then(Value::as_str))
            .and_then(|text| Timestamp::parse(text).ok())
    };
    match (restates, own()) {
        (false, Some(time)) => time.unix_micros().min(now.unix_micros()),
        _ => now.unix_micros(),
    }
}

/// What the source stated in one delivery, for [`Store::record_fusion`].
pub struct LedgerEntry<'a> {
    pub source: &'a str,
    pub reliability: Reliability,
    pub restates: bool,
    pub handling: Option<&'a HandlingDefaults>,
    pub now: Timestamp,
}

impl LedgerEntry<'_> {
    /// The record of the `stored` objects (with their keys) and of the indicators
    /// folded into held ones.
    pub fn record<'f>(
        &self,
        stored: &[Value],
        keys: &HashMap<String, ObjectKeys>,
        folded: impl IntoIterator<Item = &'f FoldedIndicator>,
    ) -> FusionRecord {
        let mut record = FusionRecord::default();
        for object in stored {
            let (Some(id), Some(object_type)) = (
                object.get("id").and_then(Value::as_str),
                object.get("type").and_then(Value::as_str),
            ) else {
                continue;
            };
            if !is_stated(object_type) {
                continue;
            }
            record.statements.push(self.statement(id, object));
            if let Some(keys) = keys.get(id) {
                if let Some(canonical) = &keys.canonical_pattern {
                    record.observables.push(ObservableLink {
                        key: pattern_key(&route_of(self.handling, object), canonical),
                        object_id: id.to_owned(),
                    });
                }
                record
                    .observables
                    .extend(keys.observables.iter().map(|key| ObservableLink {
                        key: key.clone(),
                        object_id: id.to_owned(),
                    }));
            }
        }
        for each in folded {
            record
                .statements
                .push(self.statement(&each.held, &each.object));
        }
        record
    }

    fn statement(&self, id: &str, object: &Value) -> Statement {
        Statement {
            object_id: id.to_owned(),
            source: self.source.to_owned(),
            reliability: self.reliability.letter(),
            seen_at: seen_at(object, self.restates, self.now),
        }
    }
}

/// Records a delivery in the ledger.
pub async fn record(store: &dyn Store, record: FusionRecord) -> anyhow::Result<()> {
    store.record_fusion(record).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use dijkwacht_stix::tlp::TlpLevel;
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_renamed_at_any_depth_and_nothing_else_is() {
        let renamed: HashMap<String, String> =
            [("indicator--b".to_owned(), "indicator--a".to_owned())].into();
        let mut report = json!({"type": "report", "object_refs": ["indicator--b", "malware--m"],
            "description": "indicator--b", "x": {"nested": [{"target_ref": "indicator--b"}]}});
        rename_references(&mut report, &renamed);
        assert_eq!(report["object_refs"], json!(["indicator--a", "malware--m"]));
        assert_eq!(report["description"], "indicator--b");
        assert_eq!(report["x"]["nested"][0]["target_ref"], "indicator--a");
    }

    #[test]
    fn validity_is_extended_only_when_the_folded_one_lasts_longer() {
        let now = Timestamp::parse("2026-03-01T00:00:00Z").expect("time");
        let held =
            json!({"modified": "2026-01-01T00:00:00Z", "valid_until": "2026-02-01T00:00:00Z"});
        let later = json!({"valid_until": "2026-04-01T00:00:00Z"});
        let earlier = json!({"valid_until": "2026-01-15T00:00:00Z"});
        let open = json!({});
        let extended = extended_validity(&held, &later, now).expect("a new version");
        assert_eq!(extended["valid_until"], "2026-04-01T00:00:00Z");
        assert_eq!(extended["modified"], now.to_string());
        assert!(extended_validity(&held, &earlier, now).is_none());
        let unbounded = extended_validity(&held, &open, now).expect("a new version");
        assert!(unbounded.get("valid_until").is_none());
        let held_open = json!({"modified": "2026-01-01T00:00:00Z"});
        assert!(extended_validity(&held_open, &later, now).is_none());
    }

    #[test]
    fn audiences_differ_by_tlp_and_handling_only() {
        let green = TlpLevel::Green.marking_id();
        let amber = TlpLevel::Amber.marking_id();
        let statement = "marking-definition--00000000-0000-4000-8000-000000000001";
        let marked_green = json!({"object_marking_refs": [statement, green]});
        let marked_amber = json!({"object_marking_refs": [amber]});
        let unmarked = json!({});
        let handling = HandlingDefaults {
            owner: "fusion-center".to_owned(),
            scope: dijkwacht_policy::Scope::Public,
            tlp: TlpLevel::Green,
            recipients: Default::default(),
            attribute_to: None,
        };
        let routed = |object: &Value| route_of(Some(&handling), object);
        assert_eq!(routed(&marked_green), routed(&unmarked));
        assert_ne!(routed(&marked_amber), routed(&unmarked));
        let other_owner = HandlingDefaults {
            owner: "someone-else".to_owned(),
            ..handling.clone()
        };
        assert_ne!(route_of(Some(&other_owner), &unmarked), routed(&unmarked));
        assert_ne!(route_of(None, &unmarked), routed(&unmarked));
    }
}
