//! Alert delivery: getting an alert out of the platform to the member it concerns, by
//! a signed webhook to the member's own systems or by e-mail to its users, under the
//! TLP rules for what may leave at all.
//!
//! This module sends and judges; it stores nothing. The outbox (elsewhere) hands it
//! one delivery at a time — an [`alert::OutgoingAlert`], a target and a delivery id that stays
//! the same across attempts — and records the [`outcome::DeliveryOutcome`] and the
//! [`outcome::NextStep`] it gets back. Keeping storage out keeps every rule here testable
//! against real receivers without a database, and lets the outbox retry after a
//! restart.
//!
//! - [`alert`]: the message both channels send, `Serialize` and `Deserialize` so the
//!   outbox can keep it as JSON.
//! - [`policy`]: may this alert go over this channel to this target? (TLP:RED never
//!   leaves; TLP:AMBER+STRICT never to a webhook; only ever to the matched
//!   organisation.)
//! - [`webhook`] and [`signature`]: the signed POST, its URL checks, and the receiver's
//!   check of the signature.
//! - [`mail`] and [`mail_text`]: the `[smtp]` settings, the SMTP transport, and the
//!   words of a single alert or a digest.
//! - [`outcome`] and [`backoff`]: what an attempt came to and when to try again.

pub mod alert;
pub mod backoff;
pub mod mail;
pub mod mail_text;
pub mod outcome;
pub mod policy;
pub mod signature;
pub mod webhook;

#[cfg(test)]
mod mail_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod webhook_tests;
