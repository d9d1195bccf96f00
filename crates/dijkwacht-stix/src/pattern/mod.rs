//! The STIX 2.1 patterning language: its grammar as an abstract syntax tree, a parser
//! that reports where and what it expected, and a printer whose output parses back to
//! the same tree. Evaluating patterns against observations is not done here.

mod ast;
mod lexer;
mod parser;
mod printer;

pub use ast::*;
pub use parser::{
    MAX_NESTING_DEPTH, ParseOptions, PatternError, PatternErrorKind, parse, parse_with_options,
};
