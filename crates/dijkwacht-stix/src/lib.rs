//! STIX 2.1 for Dijkwacht: the object model, streaming input, validation of the
//! specification's rules, deterministic SCO ids, TLP markings and the pattern grammar.
//!
//! This crate knows nothing of storage, HTTP or files: it turns bytes into checked
//! [`StixObject`]s and says precisely what is wrong with the ones that are not.
//! Everything else in Dijkwacht builds on it.

pub mod diagnostic;
pub mod input;
pub mod object;
/// The pattern grammar lives in `dijkwacht-pattern`; reachable here as before.
pub use dijkwacht_pattern as pattern;
pub mod registry;
pub mod scoid;
pub mod timestamp;
pub mod tlp;
pub mod validate;

pub use diagnostic::{Diagnostic, Rule, Severity};
pub use object::{ObjectCategory, StixObject};
pub use timestamp::Timestamp;
pub use validate::{Report, validate_object};
