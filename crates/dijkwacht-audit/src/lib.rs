//! The audit log: an append-only file of JSON lines in which every entry carries the
//! hash of the one before, so that changing, removing or reordering any entry breaks
//! the chain at that point and [`verify`] can say where.
//!
//! Who did what, when, to what: every write, every administrative action, and (with the
//! sharing rules) every read of AMBER, AMBER+STRICT and RED objects and every failed
//! login. Entries are written and synced before the action is acknowledged.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `previous` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1 for the first entry, then one more each time.
    pub sequence: u64,
    /// When, as a TAXII timestamp (UTC, microseconds).
    pub at: String,
    /// Who: a user, a token, a peer, or `operator` for the command line.
    pub actor: String,
    /// What, as a short verb phrase: `import`, `login-failed`, `read`.
    pub action: String,
    /// To what, when it applies: an object id, a file, an organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Anything else worth keeping, as a JSON object.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
    /// The hash of the entry before (hex SHA-256), or [`GENESIS`].
    pub previous: String,
    /// The hash of this entry's other fields (hex SHA-256).
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry: SHA-256 over the JSON of every field but `hash`,
    /// keys sorted.
    pub fn compute_hash(&self) -> String {
        let mut fields = Map::new();
        fields.insert("sequence".to_owned(), Value::from(self.sequence));
        fields.insert("at".to_owned(), Value::from(self.at.clone()));
        fields.insert("actor".to_owned(), Value::from(self.actor.clone()));
        fields.insert("action".to_owned(), Value::from(self.action.clone()));
        if let Some(subject) = &self.subject {
            fields.insert("subject".to_owned(), Value::from(subject.clone()));
        }
        if !self.details.is_empty() {
            fields.insert("details".to_owned(), Value::Object(self.details.clone()));
        }
        fields.insert("previous".to_owned(), Value::from(self.previous.clone()));
        let text = serde_json::to_string(&fields).unwrap_or_default();
        hex(&Sha256::digest(text.as_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// What can go wrong with the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot use the audit log {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the audit log {path} is broken at line {}: {}; run `dijkwacht audit verify` for details", .broken.line, .broken.reason)]
    Broken { path: PathBuf, broken: BrokenLink },
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// 1-based line number in the file.
    pub line: usize,
    pub reason: String,
}

/// The result of checking a whole log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries that chain correctly from the start.
    pub intact_entries: u64,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
    /// The hash of the last intact entry (or [`GENESIS`]).
    pub last_hash: String,
}

/// An open audit log, appended to under a lock.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    state: Mutex<Tail>,
}

#[derive(Debug)]
struct Tail {
    file: File,
    sequence: u64,
    hash: String,
}

impl AuditLog {
    /// Opens (or creates) the log at `path`. A log whose chain is broken is refused, so
    /// that nothing is appended to a tampered file.
    pub fn open(path: &Path) -> Result<AuditLog, AuditError> {
        let io = |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io)?;
        let verification = verify(path)?;
        if let Some(broken) = verification.broken {
            return Err(AuditError::Broken {
                path: path.to_path_buf(),
                broken,
            });
        }
        Ok(AuditLog {
            path: path.to_path_buf(),
            state: Mutex::new(Tail {
                file,
                sequence: verification.intact_entries,
                hash: verification.last_hash,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an entry and syncs it to disk before returning it.
    pub fn append(
        &self,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        details: Map<String, Value>,
    ) -> Result<AuditEntry, AuditError> {
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        // A poisoned lock only means another append panicked; the file is still whole
        // up to its last complete line, so go on with its state.
        let mut tail = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut entry = AuditEntry {
            sequence: tail.sequence + 1,
            at: dijkwacht_stix::Timestamp::now().to_taxii_string(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject: subject.map(str::to_owned),
            details,
            previous: tail.hash.clone(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        let mut line = serde_json::to_string(&entry).unwrap_or_default();
        line.push('\n');
        tail.file.write_all(line.as_bytes()).map_err(io)?;
        tail.file.sync_data().map_err(io)?;
        tail.sequence = entry.sequence;
        tail.hash = entry.hash.clone();
        Ok(entry)
    }
}

/// Checks the whole chain of the log at `path` (a missing file is an empty log).
pub fn verify(path: &Path) -> Result<Verification, AuditError> {
    let mut verification = Verification {
        intact_entries: 0,
        broken: None,
        last_hash: GENESIS.to_owned(),
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(verification),
        Err(source) => {
            return Err(AuditError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|source| AuditError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if read == 0 {
            return Ok(verification);
        }
        number += 1;
        let broken = |reason: String| BrokenLink {
            line: number,
            reason,
        };
        let problem = if !line.ends_with('\n') {
            Some(broken(
                "the last line is incomplete (the file was cut)".to_owned(),
            ))
        } else {
            match serde_json::from_str::<AuditEntry>(line.trim_end()) {
                Err(error) => Some(broken(format!("not an audit entry: {error}"))),
                Ok(entry) if entry.sequence != verification.intact_entries + 1 => {
                    Some(broken(format!(
                        "entry {} follows entry {}: entries were removed or reordered",
                        entry.sequence, verification.intact_entries
                    )))
                }
                Ok(entry) if entry.previous != verification.last_hash => Some(broken(
                    "it does not carry the hash of the entry before it".to_owned(),
                )),
                Ok(entry) if entry.hash != entry.compute_hash() => Some(broken(
                    "its content does not match its hash: the entry was changed".to_owned(),
                )),
                Ok(entry) => {
                    verification.intact_entries = entry.sequence;
                    verification.last_hash = entry.hash;
                    None
                }
            }
        };
        if let Some(problem) = problem {
            verification.broken = Some(problem);
            return Ok(verification);
        }
    }
}
