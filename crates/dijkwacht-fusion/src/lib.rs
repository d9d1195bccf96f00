//! The fusion center (design.md, "How data flows"): a pipeline of sources → transforms →
//! sinks that turns open, commercial and government feeds into scored, deduplicated
//! STIX 2.1 that is routed to communities.
//!
//! This crate holds what the pipeline *is*, free of storage and HTTP so that every piece
//! is tested on its own: the mappings from each feed format to STIX 2.1 ([`misp`],
//! [`kev`], [`csaf`], [`lists`]), the transforms ([`personal_data`],
//! [`warning_lists`]), and the shared shape of a mapping's result ([`mapped`]). Fetching
//! over HTTP, remembering where each source stopped and storing the result are the
//! binary's and the store's.
//!
//! Invariant: no I/O beyond reading files named by the caller (warning-list folders);
//! no storage, no HTTP.

pub mod config;
pub mod correlation;
pub mod csaf;
pub mod kev;
pub mod lists;
pub mod mapped;
pub mod misp;
pub mod personal_data;
pub mod reconcile;
pub mod routing;
pub mod scoring;
pub mod transform;
pub mod warning_lists;
