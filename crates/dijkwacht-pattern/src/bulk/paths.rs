//! Interned object paths. Anchors name their path by a 4-byte number, and a lookup
//! starts from an observed object's type: which paths of that type have anchors, and of
//! which kinds, so that it reads only the properties some indicator asks about.

use rustc_hash::FxHashMap;

use super::scalar::{Folding, path_text};
use super::value_table::PathId;
use crate::ast::ObjectPath;

/// The kinds of anchors, as counted per path and in [`super::IndexStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnchorKind {
    Value,
    Prefix,
    Suffix,
    Regex,
}

/// One interned path and how many anchors of each kind use it.
#[derive(Debug)]
pub(crate) struct PathInfo {
    pub(crate) path: ObjectPath,
    pub(crate) folding: Folding,
    pub(crate) value_anchors: u32,
    pub(crate) prefix_anchors: u32,
    pub(crate) suffix_anchors: u32,
    pub(crate) regex_anchors: u32,
}

impl PathInfo {
    fn total(&self) -> u32 {
        self.value_anchors + self.prefix_anchors + self.suffix_anchors + self.regex_anchors
    }

    fn counter(&mut self, kind: AnchorKind) -> &mut u32 {
        match kind {
            AnchorKind::Value => &mut self.value_anchors,
            AnchorKind::Prefix => &mut self.prefix_anchors,
            AnchorKind::Suffix => &mut self.suffix_anchors,
            AnchorKind::Regex => &mut self.regex_anchors,
        }
    }
}

/// Every path any anchor has used; paths are never forgotten (there are few).
#[derive(Debug, Default)]
pub(crate) struct PathTable {
    by_text: FxHashMap<Box<str>, PathId>,
    paths: Vec<PathInfo>,
    /// The paths with at least one anchor.
    in_use: Vec<PathId>,
    /// The same, by object type.
    in_use_by_type: FxHashMap<Box<str>, Vec<PathId>>,
}

impl PathTable {
    pub(crate) fn intern(&mut self, path: &ObjectPath) -> PathId {
        let text = path_text(path);
        if let Some(&id) = self.by_text.get(text.as_str()) {
            return id;
        }
        // Paths are few (one per distinct object path in the indicators).
        let id = PathId::try_from(self.paths.len()).unwrap_or(PathId::MAX);
        self.paths.push(PathInfo {
            path: path.clone(),
            folding: Folding::for_path(path),
            value_anchors: 0,
            prefix_anchors: 0,
            suffix_anchors: 0,
            regex_anchors: 0,
        });
        self.by_text.insert(text.into_boxed_str(), id);
        id
    }

    pub(crate) fn info(&self, id: PathId) -> Option<&PathInfo> {
        self.paths.get(id as usize)
    }

    /// Counts one more anchor of `kind` on `id`.
    pub(crate) fn add_use(&mut self, id: PathId, kind: AnchorKind) {
        let Some(info) = self.paths.get_mut(id as usize) else {
            return;
        };
        if info.total() == 0 {
            self.in_use.push(id);
            self.in_use_by_type
                .entry(info.path.object_type.as_str().into())
                .or_default()
                .push(id);
        }
        *info.counter(kind) += 1;
    }

    /// Counts one anchor of `kind` on `id` less.
    pub(crate) fn remove_use(&mut self, id: PathId, kind: AnchorKind) {
        let Some(info) = self.paths.get_mut(id as usize) else {
            return;
        };
        let counter = info.counter(kind);
        *counter = counter.saturating_sub(1);
        if info.total() == 0 {
            self.in_use.retain(|&other| other != id);
            let object_type = info.path.object_type.as_str();
            if let Some(ids) = self.in_use_by_type.get_mut(object_type) {
                ids.retain(|&other| other != id);
                if ids.is_empty() {
                    self.in_use_by_type.remove(object_type);
                }
            }
        }
    }

    /// The paths with anchors.
    pub(crate) fn in_use(&self) -> &[PathId] {
        &self.in_use
    }

    /// The paths with anchors on objects of `object_type`.
    pub(crate) fn in_use_for(&self, object_type: &str) -> &[PathId] {
        self.in_use_by_type
            .get(object_type)
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn len(&self) -> usize {
        self.paths.len()
    }
}
