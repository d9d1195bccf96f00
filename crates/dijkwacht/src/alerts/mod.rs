//! Actionable alerts in the binary: what turns a match into something a member hears
//! about. [`delivery`] sends alerts out of the platform.

pub mod delivery;
