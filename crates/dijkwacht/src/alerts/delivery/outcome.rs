//! What one attempt at a delivery came to, the same for both channels, and what the
//! outbox does next. The outbox records the outcome and the next step; it never needs to
//! know SMTP reply codes or HTTP statuses to decide whether to try again.

use std::time::{Duration, SystemTime};

use super::backoff::{self, MAX_ATTEMPTS};
use super::policy::DeliveryRefused;

/// The end of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver took it; `receipt` is what it answered (`200 OK`, `250 2.0.0 Ok`).
    Delivered { receipt: String },
    /// It failed in a way that may pass (no connection, a timeout, a busy receiver).
    Retry {
        reason: String,
        /// How long the receiver asked to be left alone, if it did.
        retry_after: Option<Duration>,
    },
    /// The receiver refused it, or it cannot be sent as it is; trying again will not
    /// help until someone changes something.
    GiveUp { reason: String },
    /// The TLP rules keep it in; nothing was sent.
    Refused(DeliveryRefused),
}

/// What the outbox does after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Delivered: nothing more to do.
    Done,
    /// Try again at this time.
    TryAgainAt(SystemTime),
    /// Never try again; the reason is for the operator and the member.
    Stop { reason: String },
}

impl DeliveryOutcome {
    pub(crate) fn retry(reason: impl Into<String>) -> DeliveryOutcome {
        DeliveryOutcome::Retry {
            reason: reason.into(),
            retry_after: None,
        }
    }

    pub(crate) fn give_up(reason: impl Into<String>) -> DeliveryOutcome {
        DeliveryOutcome::GiveUp {
            reason: reason.into(),
        }
    }

    /// The next step after this outcome, when `attempts_so_far` counts this attempt.
    pub fn next_step(&self, attempts_so_far: u32, now: SystemTime) -> NextStep {
        match self {
            DeliveryOutcome::Delivered { .. } => NextStep::Done,
            DeliveryOutcome::Retry {
                reason,
                retry_after,
            } => match backoff::next_attempt_honouring(attempts_so_far, now, *retry_after) {
                Some(at) => NextStep::TryAgainAt(at),
                None => NextStep::Stop {
                    reason: format!("gave up after {MAX_ATTEMPTS} attempts; the last: {reason}"),
                },
            },
            DeliveryOutcome::GiveUp { reason } => NextStep::Stop {
                reason: reason.clone(),
            },
            DeliveryOutcome::Refused(refusal) => NextStep::Stop {
                reason: refusal.to_string(),
            },
        }
    }
}

/// An error with its causes, one after the other, for a reason: the causes hold the
/// useful part ("Connection refused"); a cause its parent already quotes is left out.
pub(crate) fn describe_error(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::delivery::policy::Channel;

    #[test]
    fn only_a_retry_comes_back_and_only_while_attempts_remain() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        let busy = DeliveryOutcome::Retry {
            reason: "503 Service Unavailable".to_owned(),
            retry_after: Some(Duration::from_secs(90)),
        };
        assert_eq!(
            busy.next_step(1, now),
            NextStep::TryAgainAt(now + Duration::from_secs(90))
        );
        assert_eq!(
            busy.next_step(MAX_ATTEMPTS, now),
            NextStep::Stop {
                reason: "gave up after 8 attempts; the last: 503 Service Unavailable".to_owned()
            }
        );
        let delivered = DeliveryOutcome::Delivered {
            receipt: "200 OK".to_owned(),
        };
        assert_eq!(delivered.next_step(1, now), NextStep::Done);
        assert_eq!(
            DeliveryOutcome::give_up("400 Bad Request").next_step(1, now),
            NextStep::Stop {
                reason: "400 Bad Request".to_owned()
            }
        );
        let refused = DeliveryOutcome::Refused(DeliveryRefused::RedStaysInTheInbox {
            channel: Channel::Webhook,
        });
        assert!(
            matches!(refused.next_step(1, now), NextStep::Stop { reason } if reason.contains("TLP:RED"))
        );
    }
}
