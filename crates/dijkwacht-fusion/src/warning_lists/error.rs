//! The ways reading or compiling warning lists fails, each saying where (the file, the
//! line and column of the JSON, the entry of the list) and what to change.

use std::path::PathBuf;

/// Why a warning list, or a folder of them, could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WarningListError {
    /// The bytes are not a warning list in MISP's format (`name`, `version`,
    /// `description`, `type`, `list`).
    #[error(
        "not a MISP warning list at line {line}, column {column}: {message}; a list needs \
         `name`, `version`, `description`, `type` (string, substring, hostname, cidr or \
         regex) and `list`"
    )]
    Format {
        line: usize,
        column: usize,
        message: String,
    },
    /// One entry of a list cannot be used; the list is refused as a whole, so that a
    /// list never silently matches less than it says.
    #[error("warning list `{list}`, entry list[{index}] `{entry}`: {reason}")]
    BadEntry {
        list: String,
        index: usize,
        entry: String,
        reason: String,
    },
    /// The substrings or the regular expressions of all lists, each valid alone, are
    /// too many or too large to compile together.
    #[error(
        "the {matcher} of the warning lists together cannot be compiled: {reason}; load \
         fewer or smaller substring and regex lists"
    )]
    TooLarge {
        matcher: &'static str,
        reason: String,
    },
    /// A list file, or the folder holding the lists, cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A list file was read but is not a usable list.
    #[error("{path}: {source}")]
    InFile {
        path: PathBuf,
        source: Box<WarningListError>,
    },
}
