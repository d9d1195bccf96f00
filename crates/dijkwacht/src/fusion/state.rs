//! Where each source stopped, and how it has fared: one small JSON file per source in
//! `<data>/sources/`. A source saves its cursor only after what it fetched up to there
//! is stored, so a crash or a kill between two saves costs a re-fetch, never a loss:
//! the objects fetched again carry the ids and timestamps they had, and the store counts
//! them as duplicates. A file is replaced whole (written beside, synced, renamed), so a
//! crash never leaves half a state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::report::RunReport;

/// What a conditional GET needs to ask "changed since?".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// One source's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceState {
    /// Where the source stopped, in the source kind's own terms (TAXII: the last
    /// `X-TAXII-Date-Added-Last`; a MISP feed: each event's last timestamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Value>,
    /// Validators of the URLs fetched, for conditional requests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub validators: BTreeMap<String, Validators>,
    /// RFC 3339 times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<String>,
    /// The newest object time (`modified`, or `created`) seen from the source: how far
    /// behind it the store is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_report: Option<RunReport>,
}

impl SourceState {
    /// Whether the source's last run went to its end (and it has run at all).
    pub fn is_healthy(&self) -> bool {
        match (&self.last_success, &self.last_error_at) {
            (Some(success), Some(error)) => success >= error,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

/// The folder of state files.
#[derive(Debug, Clone)]
pub struct StateFolder {
    folder: PathBuf,
}

impl StateFolder {
    pub fn new(data_root: &Path) -> StateFolder {
        StateFolder {
            folder: data_root.join("sources"),
        }
    }

    fn path(&self, source: &str) -> PathBuf {
        self.folder.join(format!("{source}.json"))
    }

    /// The state of `source`; a fresh one if it never ran.
    pub fn load(&self, source: &str) -> anyhow::Result<SourceState> {
        let path = self.path(source);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "the state file {} is damaged; move it away to start the source afresh",
                    path.display()
                )
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok(SourceState::default())
            }
            Err(error) => {
                Err(error).with_context(|| format!("cannot read the state file {}", path.display()))
            }
        }
    }

    /// Replaces the state of `source` durably.
    pub fn save(&self, source: &str, state: &SourceState) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.folder)
            .with_context(|| format!("cannot create {}", self.folder.display()))?;
        let bytes = serde_json::to_vec_pretty(state).context("cannot write a source state")?;
        crate::data_dir::replace_file(&self.path(source), &bytes)
            .with_context(|| format!("cannot save the state of {source}"))
    }

    /// Forgets a source's state (when the source is removed).
    pub fn remove(&self, source: &str) -> anyhow::Result<()> {
        match std::fs::remove_file(self.path(source)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(error).with_context(|| format!("cannot remove the state of {source}"))
            }
            _ => Ok(()),
        }
    }
}
