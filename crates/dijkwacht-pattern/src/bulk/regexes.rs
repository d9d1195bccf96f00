//! `LIKE` and `MATCHES` anchors: the regular expressions of one path, run together as
//! `regex::RegexSet`s so that one pass over an observed value tests all of them. The
//! `regex` crate guarantees time linear in the input, so an indicator from a feed
//! cannot stall matching with a pathological expression; expressions are compiled
//! one by one at insertion under a size cap (too large is an error), and the sets are
//! built lazily, on the first lookup after a change, so a batch of insertions costs one
//! build, not one per insertion. Sets are built in chunks, which bounds the cost of one
//! build and keeps one oversized set from losing the others: should a chunk fail to
//! build after all, its indicators are reported on every lookup instead.

use std::sync::OnceLock;

use regex::{RegexBuilder, RegexSet, RegexSetBuilder};

use super::value_table::Posting;

/// The most bytes one compiled expression may take (the `regex` crate's size limit).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How many expressions one `RegexSet` holds.
const CHUNK: usize = 256;

/// Why a `LIKE` or `MATCHES` operand cannot be indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RegexProblem {
    /// Compiles to more than [`REGEX_SIZE_LIMIT`] bytes.
    TooLarge,
    /// PCRE that the `regex` crate does not accept (back-references, look-around…).
    Unsupported(String),
}

/// Checks that `source` compiles within the size cap.
pub(crate) fn check_regex(source: &str) -> Result<(), RegexProblem> {
    match RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        Ok(_) => Ok(()),
        Err(regex::Error::CompiledTooBig(_)) => Err(RegexProblem::TooLarge),
        Err(error) => Err(RegexProblem::Unsupported(error.to_string())),
    }
}

/// The regular expression a `LIKE` operand means: `%` any text, `_` any one character,
/// the rest literally, over the whole value.
pub(crate) fn like_to_regex(like: &str) -> String {
    let mut source = String::from("(?s)^");
    for character in like.chars() {
        match character {
            '%' => source.push_str(".*"),
            '_' => source.push('.'),
            other => source.push_str(&regex::escape(other.encode_utf8(&mut [0; 4]))),
        }
    }
    source.push('$');
    source
}

#[derive(Debug)]
struct RegexEntry {
    source: Box<str>,
    /// `None` once removed.
    posting: Option<Posting>,
}

#[derive(Debug)]
struct Compiled {
    /// Each set with the entry numbers of its expressions, in order.
    sets: Vec<(RegexSet, Vec<u32>)>,
    /// Entries of chunks that did not build: reported on every lookup.
    unbuilt: Vec<u32>,
}

/// The expressions of one path.
#[derive(Debug, Default)]
pub(crate) struct RegexIndex {
    entries: Vec<RegexEntry>,
    free_entries: Vec<u32>,
    compiled: OnceLock<Compiled>,
}

impl RegexIndex {
    pub(crate) fn insert(&mut self, source: &str, posting: Posting) -> u32 {
        self.compiled = OnceLock::new();
        let entry = RegexEntry {
            source: source.into(),
            posting: Some(posting),
        };
        match self.free_entries.pop() {
            Some(id) => {
                self.entries[id as usize] = entry;
                id
            }
            None => {
                self.entries.push(entry);
                // Entries are bounded by the indicator slots, which fit in u32.
                u32::try_from(self.entries.len() - 1).unwrap_or(u32::MAX)
            }
        }
    }

    pub(crate) fn remove(&mut self, id: u32) {
        if let Some(entry) = self.entries.get_mut(id as usize) {
            if entry.posting.take().is_some() {
                entry.source = "".into();
                self.free_entries.push(id);
                self.compiled = OnceLock::new();
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len() - self.free_entries.len()
    }

    fn compile(&self) -> Compiled {
        let live: Vec<u32> = (0..self.entries.len())
            .filter(|&id| self.entries[id].posting.is_some())
            .filter_map(|id| u32::try_from(id).ok())
            .collect();
        let mut compiled = Compiled {
            sets: Vec::new(),
            unbuilt: Vec::new(),
        };
        for chunk in live.chunks(CHUNK) {
            let sources = chunk
                .iter()
                .map(|&id| self.entries[id as usize].source.as_ref());
            match RegexSetBuilder::new(sources)
                .size_limit(REGEX_SIZE_LIMIT * CHUNK)
                .build()
            {
                Ok(set) => compiled.sets.push((set, chunk.to_vec())),
                Err(_) => compiled.unbuilt.extend_from_slice(chunk),
            }
        }
        compiled
    }

    /// Adds the postings of every expression that matches `text`.
    pub(crate) fn lookup(&self, text: &str, found: &mut Vec<Posting>) {
        let compiled = self.compiled.get_or_init(|| self.compile());
        for (set, ids) in &compiled.sets {
            if set.is_match(text) {
                for matched in set.matches(text).iter() {
                    if let Some(posting) = ids
                        .get(matched)
                        .and_then(|&id| self.entries[id as usize].posting)
                    {
                        found.push(posting);
                    }
                }
            }
        }
        for &id in &compiled.unbuilt {
            if let Some(posting) = self.entries[id as usize].posting {
                // Not proven: the matcher must judge it.
                found.push(Posting::new(posting.slot(), false));
            }
        }
    }

    /// Builds the sets now rather than on the next lookup.
    pub(crate) fn prepare(&self) {
        self.compiled.get_or_init(|| self.compile());
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<RegexEntry>()
            + self
                .entries
                .iter()
                .map(|entry| entry.source.len())
                .sum::<usize>()
            // The compiled sets are not counted exactly; a rough size per expression.
            + self.len() * 2048
    }
}
