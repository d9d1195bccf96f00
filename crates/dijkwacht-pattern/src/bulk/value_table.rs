//! The hash table behind exact-value and suffix anchors: (path, value) → the indicators
//! anchored there. Built for a million entries in little memory: every value's bytes
//! sit in one arena (no allocation per value), the table itself holds only 4-byte entry
//! numbers (`hashbrown::HashTable`, hashed with FxHash over the path and the bytes),
//! and an entry used by one indicator — nearly all of them — needs no list.

use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

use super::BulkError;
use super::scalar::Scalar;

/// An interned object path (see `paths.rs`).
pub(crate) type PathId = u32;

/// One indicator anchored at a value: its slot number, and whether a hit here proves
/// the indicator's pattern true (an exact hit) or only makes it a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Posting(u32);

impl Posting {
    pub(crate) fn new(slot: u32, exact: bool) -> Posting {
        Posting(slot << 1 | u32::from(exact))
    }
    pub(crate) fn slot(self) -> u32 {
        self.0 >> 1
    }
    pub(crate) fn exact(self) -> bool {
        self.0 & 1 == 1
    }
}

/// The indicators at one value: nearly always one.
#[derive(Debug)]
pub(crate) enum Postings {
    One(Posting),
    Many(Vec<Posting>),
}

impl Postings {
    pub(crate) fn as_slice(&self) -> &[Posting] {
        match self {
            Postings::One(posting) => std::slice::from_ref(posting),
            Postings::Many(postings) => postings,
        }
    }
}

#[derive(Debug)]
struct ValueEntry {
    path: PathId,
    tag: u8,
    offset: u32,
    len: u32,
    /// `None` for an entry on the free list.
    postings: Option<Postings>,
}

/// Values with the indicators anchored at them, for exact lookups.
#[derive(Debug, Default)]
pub(crate) struct ValueTable {
    arena: Vec<u8>,
    garbage_bytes: usize,
    entries: Vec<ValueEntry>,
    free_entries: Vec<u32>,
    table: HashTable<u32>,
}

fn hash_of(path: PathId, tag: u8, bytes: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write_u32(path);
    hasher.write_u8(tag);
    hasher.write(bytes);
    hasher.finish()
}

impl ValueTable {
    fn entry_bytes(&self, entry: &ValueEntry) -> &[u8] {
        let start = entry.offset as usize;
        self.arena
            .get(start..start + entry.len as usize)
            .unwrap_or(&[])
    }

    fn find(&self, path: PathId, scalar: Scalar<'_>) -> Option<u32> {
        let mut scratch = [0u8; 8];
        let (tag, len) = scalar.encode(&mut scratch);
        let bytes = match scalar {
            Scalar::Text(text) => text.as_bytes(),
            _ => &scratch[..len],
        };
        self.find_bytes(path, tag, bytes)
    }

    fn find_bytes(&self, path: PathId, tag: u8, bytes: &[u8]) -> Option<u32> {
        let hash = hash_of(path, tag, bytes);
        self.table
            .find(hash, |&id| {
                let entry = &self.entries[id as usize];
                entry.path == path && entry.tag == tag && self.entry_bytes(entry) == bytes
            })
            .copied()
    }

    /// The indicators anchored at `scalar` under `path`.
    pub(crate) fn lookup(&self, path: PathId, scalar: Scalar<'_>) -> &[Posting] {
        self.find(path, scalar)
            .and_then(|id| self.entries[id as usize].postings.as_ref())
            .map_or(&[], Postings::as_slice)
    }

    /// The indicators anchored at `text` under `path` (a suffix probe).
    pub(crate) fn lookup_text(&self, path: PathId, text: &str) -> &[Posting] {
        self.lookup(path, Scalar::Text(text))
    }

    /// Anchors `posting` at `scalar` under `path`; returns the entry number to remove it by.
    pub(crate) fn insert(
        &mut self,
        path: PathId,
        scalar: Scalar<'_>,
        posting: Posting,
    ) -> Result<u32, BulkError> {
        if let Some(id) = self.find(path, scalar) {
            let entry = &mut self.entries[id as usize];
            entry.postings = Some(match entry.postings.take() {
                None => Postings::One(posting),
                Some(Postings::One(first)) => Postings::Many(vec![first, posting]),
                Some(Postings::Many(mut postings)) => {
                    postings.push(posting);
                    Postings::Many(postings)
                }
            });
            return Ok(id);
        }
        let mut scratch = [0u8; 8];
        let (tag, len) = scalar.encode(&mut scratch);
        let bytes = match scalar {
            Scalar::Text(text) => text.as_bytes(),
            _ => &scratch[..len],
        };
        let offset = u32::try_from(self.arena.len()).map_err(|_| BulkError::IndexFull)?;
        let len = u32::try_from(bytes.len()).map_err(|_| BulkError::IndexFull)?;
        u32::try_from(self.arena.len() + bytes.len()).map_err(|_| BulkError::IndexFull)?;
        self.arena.extend_from_slice(bytes);
        let entry = ValueEntry {
            path,
            tag,
            offset,
            len,
            postings: Some(Postings::One(posting)),
        };
        let id = match self.free_entries.pop() {
            Some(id) => {
                self.entries[id as usize] = entry;
                id
            }
            None => {
                let id = u32::try_from(self.entries.len()).map_err(|_| BulkError::IndexFull)?;
                self.entries.push(entry);
                id
            }
        };
        let hash = hash_of(path, tag, bytes);
        let (entries, arena) = (&self.entries, &self.arena);
        self.table.insert_unique(hash, id, |&other| {
            let entry = &entries[other as usize];
            let start = entry.offset as usize;
            let bytes = arena.get(start..start + entry.len as usize).unwrap_or(&[]);
            hash_of(entry.path, entry.tag, bytes)
        });
        Ok(id)
    }

    /// Takes the postings of `slot` off entry `id`, and the entry itself once unused.
    pub(crate) fn remove(&mut self, id: u32, slot: u32) {
        let Some(entry) = self.entries.get_mut(id as usize) else {
            return;
        };
        let now_empty = match &mut entry.postings {
            None => return,
            Some(Postings::One(posting)) => posting.slot() == slot,
            Some(Postings::Many(postings)) => {
                postings.retain(|posting| posting.slot() != slot);
                if let [only] = postings.as_slice() {
                    entry.postings = Some(Postings::One(*only));
                }
                false
            }
        };
        if !now_empty {
            return;
        }
        let (path, tag) = (entry.path, entry.tag);
        let hash = hash_of(path, tag, self.entry_bytes(&self.entries[id as usize]));
        if let Ok(found) = self.table.find_entry(hash, |&other| other == id) {
            found.remove();
        }
        let entry = &mut self.entries[id as usize];
        entry.postings = None;
        self.garbage_bytes += entry.len as usize;
        entry.len = 0;
        self.free_entries.push(id);
        if self.garbage_bytes > 1 << 20 && self.garbage_bytes * 2 > self.arena.len() {
            self.compact_arena();
        }
    }

    /// Copies the live values into a fresh arena; entry numbers stay as they are.
    fn compact_arena(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len() - self.garbage_bytes);
        for entry in &mut self.entries {
            if entry.postings.is_some() {
                let start = entry.offset as usize;
                let bytes = self
                    .arena
                    .get(start..start + entry.len as usize)
                    .unwrap_or(&[]);
                // The new arena is smaller than the old one, which fitted in u32.
                entry.offset = u32::try_from(arena.len()).unwrap_or(u32::MAX);
                arena.extend_from_slice(bytes);
            }
        }
        self.arena = arena;
        self.garbage_bytes = 0;
    }

    /// Values in the table.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() - self.free_entries.len()
    }

    /// Approximate bytes on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        let lists: usize = self
            .entries
            .iter()
            .map(|entry| match &entry.postings {
                Some(Postings::Many(postings)) => postings.capacity() * size_of::<Posting>(),
                _ => 0,
            })
            .sum();
        self.arena.capacity()
            + self.entries.capacity() * size_of::<ValueEntry>()
            + self.free_entries.capacity() * 4
            + self.table.capacity() * 5
            + lists
    }
}
