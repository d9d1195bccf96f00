//! Warning lists: values that feeds report but that are not malicious — public DNS
//! resolvers, private and documentation ranges, the most visited sites, cloud ranges,
//! the hashes of empty files. Pushing them to members' blocklists breaks their
//! networks and spends the trust the fusion center lives on, so every value is checked
//! against these lists and what is on them is dropped or flagged.
//!
//! The lists are MISP's (`list.json` of MISP/misp-warninglists, [`WarningList`],
//! [`load_folder`]) plus a small built-in set that needs no files ([`builtin_lists`]).
//! They are compiled together into [`WarningLists`], which answers which lists a typed
//! value ([`ObservedValue`]) is on, following MISP's meaning of each list type and its
//! `matching_attributes`. [`values_of_object`] reads the values out of SCOs and STIX
//! patterns, and [`WarningListFilter`] applies a per-list [`WarningPolicy`] to objects.
//!
//! ```text
//! list.json ─► WarningList ─┐
//! built-ins ────────────────┴► WarningLists ─► WarningListFilter::apply(object) ─► Verdict
//!                                   ▲                    │
//!                                   └── check(value) ◄── values_of_object(object)
//! ```

mod builtin;
mod compiled;
mod error;
mod folder;
mod kind;
mod list;
mod networks;
mod policy;
mod stix_values;

pub use builtin::{BUILTIN_VERSION, builtin_lists};
pub use compiled::WarningLists;
pub use error::WarningListError;
pub use folder::{LIST_FILE_NAME, LoadedLists, load_file, load_folder};
pub use kind::{ObservedValue, ValueKind, ValueKinds};
pub use list::{ListType, WarningList, WarningListInfo};
pub use policy::{
    Verdict, WARNING_LISTS_PROPERTY, WarningAction, WarningListFilter, WarningPolicy,
};
pub use stix_values::values_of_object;
pub(crate) use stix_values::{TestedValues, tested_values_with};
