//! The feed as files: `<event-uuid>.json` for each event (`{"Event": {...}}`),
//! `manifest.json` and `hashes.csv` (`<md5 of value>,<event uuid>`, one line per value;
//! composite values such as `filename|sha256` are hashed per part, as PyMISP does).
//!
//! Each file is written beside its final name and renamed into place, events first and
//! the manifest last, so that a subscriber polling the folder never reads a manifest
//! that names an event not yet written. Event files of earlier exports are left alone:
//! MISP does not delete events that leave a manifest either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use md5::{Digest, Md5};
use serde::Serialize;

use super::{FeedHash, MispEvent, MispFeed};
use crate::ExportError;

/// Writes `feed` into `folder`, creating the folder if needed.
pub fn write_misp_feed(feed: &MispFeed, folder: &Path) -> Result<(), ExportError> {
    std::fs::create_dir_all(folder).map_err(|source| ExportError::File {
        path: folder.to_path_buf(),
        source,
    })?;
    #[derive(Serialize)]
    struct EventFile<'a> {
        #[serde(rename = "Event")]
        event: &'a MispEvent,
    }
    for (uuid, event) in &feed.events {
        let bytes = to_json(&EventFile { event }, &format!("event {uuid}"))?;
        replace_file(folder, &format!("{uuid}.json"), &bytes)?;
    }
    let mut hashes = String::new();
    for line in &feed.hashes {
        hashes.push_str(&format!("{},{}\n", line.md5, line.event_uuid));
    }
    replace_file(folder, "hashes.csv", hashes.as_bytes())?;
    let manifest = to_json(&feed.manifest, "the manifest")?;
    replace_file(folder, "manifest.json", &manifest)
}

fn to_json(value: &impl Serialize, what: &str) -> Result<Vec<u8>, ExportError> {
    serde_json::to_vec_pretty(value).map_err(|source| ExportError::Json {
        what: what.to_owned(),
        source,
    })
}

fn replace_file(folder: &Path, name: &str, bytes: &[u8]) -> Result<(), ExportError> {
    let path = folder.join(name);
    let partial = folder.join(format!(".{name}.partial"));
    let failed = |source| ExportError::File {
        path: path.clone(),
        source,
    };
    std::fs::write(&partial, bytes).map_err(failed)?;
    std::fs::rename(&partial, &path).map_err(failed)
}

/// The lines of `hashes.csv` for these events, sorted and without duplicates.
pub(super) fn hashes_of(events: &BTreeMap<String, MispEvent>) -> Vec<FeedHash> {
    let mut lines = BTreeSet::new();
    for (uuid, event) in events {
        for attribute in &event.attributes {
            for part in value_parts(&attribute.attribute_type, &attribute.value) {
                lines.insert(FeedHash {
                    md5: md5_hex(part),
                    event_uuid: uuid.clone(),
                });
            }
        }
    }
    lines.into_iter().collect()
}

/// The parts of a value that are hashed: both halves of a composite type, else the
/// value itself.
pub fn value_parts<'a>(attribute_type: &str, value: &'a str) -> Vec<&'a str> {
    if attribute_type.contains('|') {
        if let Some((first, second)) = value.split_once('|') {
            return vec![first, second];
        }
    }
    vec![value]
}

/// The lower-case hex MD5 of a value, as `hashes.csv` holds it.
pub fn md5_hex(value: &str) -> String {
    Md5::digest(value.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
