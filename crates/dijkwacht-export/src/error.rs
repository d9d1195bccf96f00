//! What can stop an export half-way. Objects that cannot be exported are not errors:
//! they are skipped and counted in the [`crate::ExportReport`]; only a failing output
//! (a full disk, a closed pipe, a folder that cannot be written) ends an export.

use std::path::PathBuf;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing to the output failed.
    #[error("writing the export failed: {0}")]
    Write(#[from] std::io::Error),
    /// A file of a feed folder could not be written.
    #[error("cannot write {path}: {source}; check that the folder exists and is writable")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing a CSV record failed.
    #[error("writing a CSV record failed: {0}")]
    Csv(#[from] csv::Error),
    /// A MISP document could not be serialised (which would be a bug in this crate).
    #[error("serialising {what} failed: {source}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },
}
