//! The parts of `dijkwacht match` that do not depend on matching itself: where the
//! indicators come from ([`sources`], with an incremental TAXII 2.1 client in
//! [`taxii_client`]), how hits become sightings ([`record`]), how sightings are written
//! for people and machines ([`output`]), and how they are reported to a Dijkwacht
//! server ([`submit`]), where they raise the indicator's sighting count and effective
//! confidence.
//!
//! The matcher in between (patterns against log events or observed-data) lives in
//! `dijkwacht-pattern`; this module only carries indicators to it and hits away from it,
//! so the same reporting serves every kind of sensor input.

pub mod output;
pub mod record;
pub mod sources;
pub mod submit;
pub mod taxii_client;

#[cfg(test)]
mod tests;

pub use output::{write_stix_bundle, write_table};
pub use record::{Hit, SightingTally};
pub use sources::{IndicatorSource, IndicatorUpdate};
pub use submit::{ApiToken, SightingSubmitter, SubmitterConfig};
pub use taxii_client::{TaxiiAuth, TaxiiCollection};
