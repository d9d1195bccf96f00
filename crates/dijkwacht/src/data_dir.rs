//! The data folder: where the store lives and how commands find it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use dijkwacht_audit::AuditLog;
use dijkwacht_store_sqlite::SqliteStore;

/// The file name of the embedded store inside the data folder.
pub const STORE_FILE: &str = "dijkwacht.sqlite";

/// The file name of the audit log inside the data folder.
pub const AUDIT_FILE: &str = "audit.log";

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn store_path(&self) -> PathBuf {
        self.root.join(STORE_FILE)
    }

    pub fn audit_path(&self) -> PathBuf {
        self.root.join(AUDIT_FILE)
    }

    /// Opens the audit log of this data folder (made on first use).
    pub fn audit_log(&self) -> anyhow::Result<AuditLog> {
        AuditLog::open(&self.audit_path())
            .with_context(|| format!("cannot use the audit log in {}", self.root.display()))
    }

    /// Creates the folder and the store, or opens what is there.
    pub fn create(&self) -> anyhow::Result<SqliteStore> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("cannot create the data folder {}", self.root.display()))?;
        SqliteStore::open(&self.store_path())
            .with_context(|| format!("cannot open the store {}", self.store_path().display()))
    }

    /// Opens an existing store; says how to make one when there is none.
    pub fn open(&self) -> anyhow::Result<SqliteStore> {
        let path = self.store_path();
        if !path.exists() {
            bail!(
                "there is no store at {}; run `dijkwacht init` first, or point --data (or DIJKWACHT_DATA) at an existing data folder",
                path.display()
            );
        }
        SqliteStore::open(&path)
            .with_context(|| format!("cannot open the store {}", path.display()))
    }
}

/// Replaces the file at `path` with `bytes` whole: written beside it, synced, renamed
/// over it, and the rename synced where the file system allows. A crash leaves the old
/// file or the new one, never half of either.
pub fn replace_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot write in {}", folder.display()))?;
    std::io::Write::write_all(&mut file, bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    if let Ok(folder) = std::fs::File::open(folder) {
        // Makes the rename itself durable; not every file system allows it.
        let _ = folder.sync_all();
    }
    Ok(())
}
