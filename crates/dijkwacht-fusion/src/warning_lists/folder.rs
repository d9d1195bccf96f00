//! Reading every `list.json` below a folder, such as a checkout of
//! MISP/misp-warninglists (`lists/<name>/list.json`).
//!
//! A bad list is reported with its path and the others still load: one broken file in
//! a folder of a hundred lists must not leave the fusion center without any. Lists are
//! read in path order, so that the same folder always gives the same lists in the same
//! order, and each list's key is the name of the folder holding it (`rfc1918`), which is
//! how MISP's repository names them. Symbolic links to folders are not followed, so
//! that a link cannot make the walk loop.

use std::path::{Path, PathBuf};

use super::error::WarningListError;
use super::list::WarningList;

/// The name of a list file in MISP's layout.
pub const LIST_FILE_NAME: &str = "list.json";

/// How deep below the folder list files are looked for.
const MAX_FOLDER_DEPTH: usize = 8;

/// The lists of a folder that loaded, and an error for each list file that did not.
#[derive(Debug, Default)]
pub struct LoadedLists {
    pub lists: Vec<WarningList>,
    /// One [`WarningListError::InFile`] or [`WarningListError::Io`] per bad list file.
    pub problems: Vec<WarningListError>,
}

/// Reads every `list.json` below `folder`. Fails only when `folder` itself cannot be
/// read; a list that cannot be read or used is a problem in the result.
pub fn load_folder(folder: &Path) -> Result<LoadedLists, WarningListError> {
    let mut list_files = Vec::new();
    let mut problems = Vec::new();
    let entries = std::fs::read_dir(folder).map_err(|source| WarningListError::Io {
        path: folder.to_owned(),
        source,
    })?;
    collect_list_files(folder, entries, 0, &mut list_files, &mut problems);
    list_files.sort();
    let mut lists = Vec::with_capacity(list_files.len());
    for path in list_files {
        match load_file(&path) {
            Ok(list) => lists.push(list),
            Err(problem) => problems.push(problem),
        }
    }
    Ok(LoadedLists { lists, problems })
}

/// Reads one list file; its key is the name of the folder holding it.
pub fn load_file(path: &Path) -> Result<WarningList, WarningListError> {
    let bytes = std::fs::read(path).map_err(|source| WarningListError::Io {
        path: path.to_owned(),
        source,
    })?;
    let list = WarningList::from_json(&bytes).map_err(|error| WarningListError::InFile {
        path: path.to_owned(),
        source: Box::new(error),
    })?;
    let folder_name = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str());
    Ok(match folder_name {
        Some(name) if !name.is_empty() => list.with_key(name),
        _ => list,
    })
}

fn collect_list_files(
    folder: &Path,
    entries: std::fs::ReadDir,
    depth: usize,
    list_files: &mut Vec<PathBuf>,
    problems: &mut Vec<WarningListError>,
) {
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(source) => {
                problems.push(WarningListError::Io {
                    path: folder.to_owned(),
                    source,
                });
                continue;
            }
        };
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if depth + 1 >= MAX_FOLDER_DEPTH {
                continue;
            }
            match std::fs::read_dir(&path) {
                Ok(inner) => collect_list_files(&path, inner, depth + 1, list_files, problems),
                Err(source) => problems.push(WarningListError::Io { path, source }),
            }
        } else if entry.file_name() == LIST_FILE_NAME && !path.is_dir() {
            list_files.push(path);
        }
    }
}
