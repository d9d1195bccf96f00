//! Alerts in the running platform: matching what arrives against the members'
//! profiles ([`matcher`]), getting the alerts out ([`outbox`] over [`delivery`]), and
//! doing both while the server runs ([`worker`]).

pub mod delivery;
pub mod matcher;
pub mod outbox;
pub mod worker;
