//! Where a sensor gets the indicators it matches against: a STIX file on disk
//! ([`IndicatorSource::LocalBundle`]), or a TAXII 2.1 collection on a Dijkwacht server
//! or any other TAXII server ([`IndicatorSource::Taxii`], see [`super::taxii_client`]).
//!
//! Both give the same [`IndicatorUpdate`]: the indicators to match against now, the
//! ones that were revoked or have expired (so that an index kept between runs can drop
//! them), and what was skipped and why. Indicators are judged by Dijkwacht's own
//! validator, so a pattern the matcher cannot parse is reported here, once, by id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::input::{InputLimits, read_objects};
use serde_json::Value;

use crate::matching::taxii_client::{TaxiiCheckpoint, TaxiiCollection};

/// Where indicators come from.
#[derive(Debug, Clone)]
pub enum IndicatorSource {
    /// A STIX bundle, object, JSON array or JSON lines file.
    LocalBundle(PathBuf),
    /// A TAXII 2.1 collection, fetched incrementally.
    Taxii(TaxiiCollection),
}

/// An indicator that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedIndicator {
    /// Its id, or where it was in the input when it has none.
    pub id: String,
    pub reason: String,
}

/// What a source gave.
#[derive(Debug, Default)]
pub struct IndicatorUpdate {
    /// Valid, unrevoked, unexpired indicators (the latest version of each id).
    pub indicators: Vec<Value>,
    /// Indicators that are revoked or whose `valid_until` has passed: drop them.
    pub withdrawn: Vec<Value>,
    pub skipped: Vec<SkippedIndicator>,
    /// For a TAXII source with a state file: where the next run continues. Save it
    /// ([`TaxiiCheckpoint::save`]) once the indicators are in use, so that a run that
    /// fails half-way fetches them again next time.
    pub checkpoint: Option<TaxiiCheckpoint>,
}

impl IndicatorSource {
    /// Reads or fetches the indicators.
    pub async fn load(&self) -> anyhow::Result<IndicatorUpdate> {
        match self {
            IndicatorSource::LocalBundle(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || read_local_bundle(&path))
                    .await
                    .context("reading the indicators stopped unexpectedly")?
            }
            IndicatorSource::Taxii(collection) => {
                let fetched = collection.fetch().await?;
                let mut update = sort_indicators(fetched.objects, Timestamp::now());
                update.checkpoint = fetched.checkpoint;
                Ok(update)
            }
        }
    }
}

/// Reads the indicators of a STIX file (other objects are passed over).
fn read_local_bundle(path: &Path) -> anyhow::Result<IndicatorUpdate> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the indicators in {}", path.display()))?;
    let mut objects = Vec::new();
    read_objects(&bytes, InputLimits::default(), &mut |_, object: Value| {
        if object["type"] == "indicator" {
            objects.push(object);
        }
        Ok(())
    })
    .with_context(|| format!("{} is not readable STIX", path.display()))?;
    Ok(sort_indicators(objects, Timestamp::now()))
}

/// Keeps the latest version of each indicator and sorts them into current, withdrawn
/// and skipped, as of `now`.
pub fn sort_indicators(objects: Vec<Value>, now: Timestamp) -> IndicatorUpdate {
    let mut update = IndicatorUpdate::default();
    let mut latest: BTreeMap<String, (String, Value)> = BTreeMap::new();
    for (index, object) in objects.into_iter().enumerate() {
        let Some(id) = object["id"].as_str().map(str::to_owned) else {
            update.skipped.push(SkippedIndicator {
                id: format!("object {index}"),
                reason: "it has no id".to_owned(),
            });
            continue;
        };
        let version = version_key(&object);
        match latest.get(&id) {
            Some((kept, _)) if *kept >= version => {}
            _ => {
                latest.insert(id, (version, object));
            }
        }
    }
    let now_key = now.sort_key();
    for (id, (_, object)) in latest {
        let expired = object["valid_until"]
            .as_str()
            .and_then(|text| Timestamp::parse(text).ok())
            .is_some_and(|until| until.sort_key() <= now_key);
        if object["revoked"] == true || expired {
            update.withdrawn.push(object);
            continue;
        }
        let report = dijkwacht_stix::validate_object(&object);
        if let Some(error) = report.errors().next() {
            update.skipped.push(SkippedIndicator {
                id,
                reason: error.to_string(),
            });
            continue;
        }
        update.indicators.push(object);
    }
    update
}

/// The sort key of an object's version (`modified`, else `created`; empty when neither
/// is a timestamp).
fn version_key(object: &Value) -> String {
    object["modified"]
        .as_str()
        .or_else(|| object["created"].as_str())
        .and_then(|text| Timestamp::parse(text).ok())
        .map(|stamp| stamp.sort_key())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn indicator(number: u32, modified: &str, extra: Value) -> Value {
        let mut object = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--0a000000-0000-4000-8000-{number:012}"),
            "created": "2026-01-01T00:00:00.000Z", "modified": modified,
            "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        });
        if let (Some(fields), Some(more)) = (object.as_object_mut(), extra.as_object()) {
            fields.extend(more.clone());
        }
        object
    }

    fn ids(objects: &[Value]) -> Vec<&str> {
        objects
            .iter()
            .filter_map(|object| object["id"].as_str())
            .collect()
    }

    #[tokio::test]
    async fn a_local_bundle_gives_current_withdrawn_and_skipped_indicators() {
        let bundle = json!({"type": "bundle", "id": "bundle--6e3c27ca-1c0d-4ab7-8a4b-1b1bcbb5c3c8", "objects": [
            indicator(1, "2026-01-01T00:00:00.000Z", json!({})),
            indicator(1, "2026-01-02T00:00:00.000Z", json!({"name": "newer"})),
            indicator(2, "2026-01-01T00:00:00.000Z", json!({"revoked": true})),
            indicator(3, "2026-01-01T00:00:00.000Z", json!({"valid_until": "2021-01-03T00:00:00Z"})),
            indicator(4, "2026-01-01T00:00:00.000Z", json!({"pattern": "[ipv4-addr:value = "})),
            {"type": "malware", "spec_version": "2.1", "id": "malware--0a000000-0000-4000-8000-000000000009",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
             "name": "not an indicator", "is_family": true},
        ]});
        let folder = tempfile::tempdir().expect("a folder");
        let path = folder.path().join("indicators.json");
        std::fs::write(&path, bundle.to_string()).expect("written");
        let update = IndicatorSource::LocalBundle(path)
            .load()
            .await
            .expect("loaded");
        assert_eq!(
            ids(&update.indicators),
            ["indicator--0a000000-0000-4000-8000-000000000001"]
        );
        assert_eq!(update.indicators[0]["name"], "newer", "the latest version");
        assert_eq!(
            ids(&update.withdrawn),
            [
                "indicator--0a000000-0000-4000-8000-000000000002",
                "indicator--0a000000-0000-4000-8000-000000000003"
            ]
        );
        assert_eq!(update.skipped.len(), 1);
        assert!(update.skipped[0].id.ends_with("000000000004"));
        assert!(
            update.skipped[0].reason.contains("pattern"),
            "{:?}",
            update.skipped
        );
        assert!(update.checkpoint.is_none());
    }

    #[tokio::test]
    async fn an_unreadable_file_is_an_error_naming_it() {
        let folder = tempfile::tempdir().expect("a folder");
        let path = folder.path().join("broken.json");
        std::fs::write(&path, "{\"type\": \"bundle\", \"objects\": [").expect("written");
        let error = IndicatorSource::LocalBundle(path)
            .load()
            .await
            .expect_err("refused");
        assert!(format!("{error:#}").contains("broken.json"), "{error:#}");
        let missing = IndicatorSource::LocalBundle(folder.path().join("missing.json"))
            .load()
            .await
            .expect_err("refused");
        assert!(format!("{missing:#}").contains("missing.json"));
    }
}
