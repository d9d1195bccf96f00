//! What the tests that compare the matcher with `stix2-matcher` share: where the
//! repository and the reference Python are, and the list of known differences
//! (`known-differences.txt` beside this file).

#![allow(dead_code)] // Each test binary uses a part of this module.

use std::path::{Path, PathBuf};

pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python with stix2-matcher: `DIJKWACHT_REFERENCE_PYTHON`, else the repository's
/// `.venv-reference`.
pub fn reference_python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DIJKWACHT_REFERENCE_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let venv = repository_root().join(".venv-reference/bin/python");
    venv.exists().then_some(venv)
}

/// Explains a skipped comparison; under CI a missing reference fails instead.
pub fn missing(what: &str) {
    assert!(
        std::env::var("CI").map_or(true, |value| value != "true"),
        "{what} is missing, and CI must run this test; run scripts/test.sh"
    );
    eprintln!("skipping the comparison with stix2-matcher: {what} is missing");
}

/// The lines of `known-differences.txt` that start with a prefix: a case name (`*`
/// matches any run of characters), a TAB, and the reason.
pub struct KnownDifferences {
    names: Vec<String>,
    used: Vec<bool>,
}

impl KnownDifferences {
    pub fn load(prefix: &str) -> KnownDifferences {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/known-differences.txt");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let names: Vec<String> = text
            .lines()
            .filter(|line| line.starts_with(prefix))
            .map(|line| {
                let (name, reason) = line.split_once('\t').unwrap_or((line, ""));
                assert!(!reason.trim().is_empty(), "no reason given for {name}");
                name.to_owned()
            })
            .collect();
        KnownDifferences {
            used: vec![false; names.len()],
            names,
        }
    }

    /// Whether a listed line covers the case, marking the line used.
    pub fn explains(&mut self, case: &str) -> bool {
        let mut explained = false;
        for (name, used) in self.names.iter().zip(&mut self.used) {
            if wildcard_matches(name, case) {
                *used = true;
                explained = true;
            }
        }
        explained
    }

    /// The listed lines no case needed.
    pub fn unused(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(name, _)| name.clone())
            .collect()
    }
}

fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    for (position, piece) in pieces.iter().enumerate() {
        if position + 1 == pieces.len() {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(found) => rest = &rest[found + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}
