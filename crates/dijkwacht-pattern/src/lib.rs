//! The STIX 2.1 patterning language (STIX 2.1 §9): its grammar as an abstract syntax
//! tree, a parser that reports where and what it expected, and a printer whose output
//! parses back to the same tree; [`Observation`], what patterns are matched against.
//! A crate of its own, below `dijkwacht-stix`, so that
//! the validator checks patterns at ingest with the same parser that the matcher and
//! the bulk index use, and so that matching sensor logs needs no storage or HTTP.

mod ast;
pub mod bulk;
mod error;
mod hashes;
mod lexer;
pub mod matcher;
pub mod observation;
mod parser;
mod printer;

pub use ast::*;
pub use error::{PatternError, PatternErrorKind};
pub use matcher::{CompileError, CompiledPattern};
pub use observation::{Observation, ObservationError};
pub use parser::{MAX_NESTING_DEPTH, ParseOptions, parse, parse_with_options};
