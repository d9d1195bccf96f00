//! What a read went through: counts, and the lines that gave no event with the reason.
//! A bad line is a counted, located problem and never the end of the read, because a
//! sensor log of millions of lines with one cut-off line at the end is the normal case.

use std::fmt;

/// How many problems a report keeps with their line number; the rest are only counted.
pub const MAX_PROBLEMS_KEPT: usize = 1_000;

/// Why a line gave no event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// Not JSON, or JSON of the wrong shape for its format.
    Malformed(String),
    /// Longer than the line limit; skipped without being read into memory.
    TooLong { bytes: u64 },
    /// A Suricata `event_type` or a Zeek log this reader does not map.
    UnknownEventType(String),
    /// Valid, but nothing in it is an observable (no address, name, URL or hash).
    NothingObserved,
    /// A STIX object that is not a usable `observed-data`.
    InvalidStix(String),
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Malformed(reason) => write!(formatter, "malformed: {reason}"),
            ProblemKind::TooLong { bytes } => {
                write!(
                    formatter,
                    "line of {bytes} bytes is over the limit; skipped"
                )
            }
            ProblemKind::UnknownEventType(kind) => write!(formatter, "unknown event type `{kind}`"),
            ProblemKind::NothingObserved => formatter.write_str("nothing observable in the line"),
            ProblemKind::InvalidStix(reason) => {
                write!(formatter, "invalid observed-data: {reason}")
            }
        }
    }
}

/// One line that gave no event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based.
    pub line: u64,
    pub kind: ProblemKind,
}

/// The outcome of [`crate::read_events`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Lines read (blank lines included).
    pub lines: u64,
    /// Events handed to the sink.
    pub events: u64,
    pub malformed: u64,
    pub too_long: u64,
    pub unknown_event_types: u64,
    pub nothing_observed: u64,
    pub invalid_stix: u64,
    /// The first [`MAX_PROBLEMS_KEPT`] problems, in line order.
    pub problems: Vec<LineProblem>,
}

impl ReadReport {
    pub(crate) fn problem(&mut self, line: u64, kind: ProblemKind) {
        let counter = match &kind {
            ProblemKind::Malformed(_) => &mut self.malformed,
            ProblemKind::TooLong { .. } => &mut self.too_long,
            ProblemKind::UnknownEventType(_) => &mut self.unknown_event_types,
            ProblemKind::NothingObserved => &mut self.nothing_observed,
            ProblemKind::InvalidStix(_) => &mut self.invalid_stix,
        };
        *counter += 1;
        if self.problems.len() < MAX_PROBLEMS_KEPT {
            self.problems.push(LineProblem { line, kind });
        }
    }

    /// Lines that gave no event, whether kept in `problems` or only counted.
    pub fn problem_count(&self) -> u64 {
        self.malformed
            + self.too_long
            + self.unknown_event_types
            + self.nothing_observed
            + self.invalid_stix
    }
}

/// Why a read stopped: only the input itself failing, never its content.
#[derive(Debug, thiserror::Error)]
pub enum SensorError {
    #[error("reading the sensor log failed after line {line}: {source}")]
    Io {
        line: u64,
        #[source]
        source: std::io::Error,
    },
}
