//! `LIKE` and `MATCHES` anchors: the regular expressions of one path, run together as
//! `regex::RegexSet`s so that one pass over an observed value tests all of them. The
//! `regex` crate guarantees time linear in the input, so an indicator from a feed
//! cannot stall matching with a pathological expression; expressions are compiled
//! one by one at insertion under a size cap (too large is an error), and the sets are
//! built lazily, on the first lookup after a change, so a batch of insertions costs one
//! build, not one per insertion. Sets are built in chunks, which bounds the cost of one
//! build and keeps one oversized set from losing the others: should a chunk fail to
//! build after all, its indicators are reported on every lookup instead.
//!
//! Scanning thousands of expressions on every value is too slow for sensor rates, so
//! each expression that requires a literal (the longest fixed run of a `LIKE`, the
//! prefix or suffix literals of a `MATCHES`, at least three bytes) is found through one
//! Aho-Corasick automaton of all those literals, and only the expressions whose literal
//! occurs in the value are run, each compiled on its first use. Only expressions
//! without such a literal go into the sets.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

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

/// The shortest literal worth a prefilter: shorter ones occur in too many values.
const MIN_LITERAL: usize = 3;

/// Literals one of which every match of `source` contains, or none if there are no
/// such literals of at least [`MIN_LITERAL`] bytes.
fn required_literals(source: &str) -> Vec<Vec<u8>> {
    let Ok(hir) = regex_syntax::parse(source) else {
        return Vec::new();
    };
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let mut sequence = Extractor::new().kind(kind).extract(&hir);
        sequence.optimize_for_prefix_by_preference();
        if let Some(literals) = sequence.literals() {
            if !literals.is_empty() && literals.iter().all(|l| l.as_bytes().len() >= MIN_LITERAL) {
                return literals.iter().map(|l| l.as_bytes().to_vec()).collect();
            }
        }
    }
    Vec::new()
}

/// The longest run of a `LIKE` operand without wildcards: every value it matches
/// contains it.
pub(crate) fn like_literal(like: &str) -> Option<&str> {
    like.split(['%', '_'])
        .max_by_key(|run| run.len())
        .filter(|run| run.len() >= MIN_LITERAL)
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
    /// Literals one of which every match contains; empty: none known.
    literals: Vec<Vec<u8>>,
    /// The expression alone, compiled on its first use after a literal was found.
    alone: OnceLock<Option<Regex>>,
}

#[derive(Debug)]
struct Compiled {
    /// The literals of the expressions that have some, with their entry numbers.
    literals: Option<(AhoCorasick, Vec<u32>)>,
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
    /// Adds an expression; `literal`, when given, is one every match contains.
    pub(crate) fn insert(&mut self, source: &str, literal: Option<&str>, posting: Posting) -> u32 {
        self.compiled = OnceLock::new();
        let literals = match literal {
            Some(literal) => vec![literal.as_bytes().to_vec()],
            None => required_literals(source),
        };
        let entry = RegexEntry {
            source: source.into(),
            posting: Some(posting),
            literals,
            alone: OnceLock::new(),
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
                entry.literals = Vec::new();
                entry.alone = OnceLock::new();
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
        let (with_literals, without): (Vec<u32>, Vec<u32>) = live
            .into_iter()
            .partition(|&id| !self.entries[id as usize].literals.is_empty());
        let mut patterns = Vec::new();
        let mut pattern_entries = Vec::new();
        for &id in &with_literals {
            for literal in &self.entries[id as usize].literals {
                patterns.push(literal.as_slice());
                pattern_entries.push(id);
            }
        }
        let mut compiled = Compiled {
            literals: None,
            sets: Vec::new(),
            unbuilt: Vec::new(),
        };
        if !patterns.is_empty() {
            match AhoCorasick::new(&patterns) {
                Ok(automaton) => compiled.literals = Some((automaton, pattern_entries)),
                // Too many literals for the automaton: scan those entries in sets too.
                Err(_) => {
                    return self.compile_sets(
                        compiled,
                        with_literals.into_iter().chain(without).collect(),
                    );
                }
            }
        }
        self.compile_sets(compiled, without)
    }

    fn compile_sets(&self, mut compiled: Compiled, entries: Vec<u32>) -> Compiled {
        for chunk in entries.chunks(CHUNK) {
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
        if let Some((automaton, pattern_entries)) = &compiled.literals {
            let mut tried: Vec<u32> = Vec::new();
            for literal in automaton.find_overlapping_iter(text) {
                let Some(&id) = pattern_entries.get(literal.pattern().as_usize()) else {
                    continue;
                };
                if tried.contains(&id) {
                    continue;
                }
                tried.push(id);
                self.run_alone(id, text, found);
            }
        }
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

    /// Runs entry `id` alone on `text`, compiling it on first use.
    fn run_alone(&self, id: u32, text: &str, found: &mut Vec<Posting>) {
        let Some(entry) = self.entries.get(id as usize) else {
            return;
        };
        let Some(posting) = entry.posting else {
            return;
        };
        let regex = entry.alone.get_or_init(|| {
            RegexBuilder::new(&entry.source)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .ok()
        });
        match regex {
            Some(regex) if regex.is_match(text) => found.push(posting),
            Some(_) => {}
            // Checked at insertion, so not expected; the matcher judges it.
            None => found.push(Posting::new(posting.slot(), false)),
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
                .map(|entry| {
                    entry.source.len() + entry.literals.iter().map(Vec::len).sum::<usize>()
                })
                .sum::<usize>()
            // The compiled sets are not counted exactly; a rough size per expression.
            + self.len() * 2048
    }
}
