//! Actionable alerts: what each member runs and owns (its *asset profile*), the
//! intelligence that touches it (*matches*), and the alert that says, in plain Dutch and
//! English, what matched, how bad it is and what to do.
//!
//! Small members have no IT staff; most attacked firms only learn of an attack when
//! told. This crate decides *whether* an advisory or an indicator affects an
//! organisation and *why*, so that the platform can tell it. It is pure: no storage,
//! no HTTP, no clock of its own. The binary feeds it stored objects and profiles and
//! keeps what it decides.
//!
//! - [`profile`]: the entries of a profile (`cpe`, `purl`, `product`, `cidr`, `asn`,
//!   `domain`, `email-domain`), parsed and checked, and the CSV they are imported from.
//! - [`matched`]: what a match records — the organisation, the profile entry, the rule
//!   and the evidence.
//! - [`alert`]: the alert made of one organisation's matches against one piece of
//!   intelligence — severity and its reason, the steps to take in Dutch and English.
//! - [`network`]: the network entries (`cidr`, `asn`, `domain`, `email-domain`) of every
//!   profile in one index, and matching indicators and observables against it.
//! - [`observables`]: the addresses, domains, URLs, e-mail addresses and AS numbers a
//!   STIX object names (positive pattern comparisons, SCOs, `observed-data`).
//! - [`profile_csv`]: reading a profile from a CSV file, every bad row reported.
//! - [`cpe`], [`version`]: CPE names (both bindings, NIST IR 7696 matching) and vendor
//!   version strings and ranges (`vers:` and the forms advisories write), compared as
//!   people read them.
//! - [`product`]: the `cpe`, `purl` and `product` entries a member runs, in one normal
//!   form, and the index of every organisation's products.
//! - [`webhook_url`]: what a webhook URL must be, for whoever registers or posts to one.
//! - [`advisory`]: CSAF advisories, KEV entries and CPE-naming vulnerabilities read from
//!   the stored objects and matched against that index, with what an alert needs.

pub mod advisory;
pub mod alert;
pub mod cpe;
pub mod matched;
pub mod network;
pub mod observables;
pub mod product;
pub mod profile;
pub mod profile_csv;
pub mod version;
pub mod webhook_url;
