//! Turns stored STIX objects into the formats machines pull: STIX 2.1 bundles, a MISP
//! feed folder, CSV and plain blocklists for firewalls and DNS resolvers.
//!
//! This crate exists so that the command line and the server produce the same bytes
//! from the same objects, and so that the last line of defence of the sharing rules
//! sits next to the code that writes the bytes. Callers hand it objects they have
//! already read through the sharing policy (`visibility_filter(caller, Action::Export)`);
//! every format still refuses TLP:RED objects on its own, because RED never goes into a
//! bulk export, whatever a caller got wrong. Each format answers with an
//! [`ExportReport`] (objects seen, written, and skipped with a [`SkipReason`]) so that
//! exports can be audited.
//!
//! It knows STIX (through `dijkwacht-stix`) and the store's row type
//! ([`dijkwacht_store::StoredObject`]), and nothing of SQL, HTTP or the command line.

pub mod blocklist;
pub mod bundle;
pub mod csv_table;
mod error;
mod indicator;
pub mod misp;
mod report;
pub mod values;

#[cfg(test)]
mod test_support;

pub use error::ExportError;
pub use indicator::IndicatorFilter;
pub use report::{ExportReport, SkipReason};
