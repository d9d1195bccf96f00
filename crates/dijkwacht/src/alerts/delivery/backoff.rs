//! When to try a failed delivery again. Receivers fail for minutes (a restart), hours
//! (an outage) or for good (a removed endpoint); the waits grow so that a short failure
//! costs little delay and a long one little traffic: 30 s, 2 min, 10 min, 1 h, then
//! every 6 h, and after the 8th attempt the delivery is given up (about a day in all).
//! Pure functions of the attempts so far and the time: the outbox stores the answer.

use std::time::{Duration, SystemTime};

/// Attempts per delivery, the first included.
pub const MAX_ATTEMPTS: u32 = 8;

/// The longest wait a receiver's `Retry-After` can ask for; a longer one is cut to it.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(6 * 60 * 60);

/// The wait after the 1st, 2nd, … failed attempt; the last one holds for the rest.
const WAITS: [Duration; 5] = [
    Duration::from_secs(30),
    Duration::from_secs(2 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(6 * 60 * 60),
];

/// How long to wait after `attempts_so_far` failed attempts; `None` when they are all
/// used up. Zero attempts so far: no wait.
pub fn wait_after(attempts_so_far: u32) -> Option<Duration> {
    if attempts_so_far >= MAX_ATTEMPTS {
        return None;
    }
    let Some(index) = attempts_so_far.checked_sub(1) else {
        return Some(Duration::ZERO);
    };
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    WAITS.get(index).or(WAITS.last()).copied()
}

/// When the next attempt is due after `attempts_so_far` failed ones, or `None` when the
/// delivery is to be given up.
pub fn next_attempt(attempts_so_far: u32, now: SystemTime) -> Option<SystemTime> {
    now.checked_add(wait_after(attempts_so_far)?)
}

/// [`next_attempt`], but not before the receiver asked (`Retry-After`, at most
/// [`MAX_RETRY_AFTER`]).
pub fn next_attempt_honouring(
    attempts_so_far: u32,
    now: SystemTime,
    retry_after: Option<Duration>,
) -> Option<SystemTime> {
    let scheduled = next_attempt(attempts_so_far, now)?;
    let asked = retry_after
        .map(|wait| wait.min(MAX_RETRY_AFTER))
        .and_then(|wait| now.checked_add(wait));
    Some(asked.map_or(scheduled, |asked| asked.max(scheduled)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;

    #[test]
    fn the_waits_grow_then_hold_and_the_eighth_failure_is_the_last() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        let waits: Vec<Option<u64>> = (0..=9)
            .map(|attempts| {
                next_attempt(attempts, now)
                    .map(|at| at.duration_since(now).expect("never in the past").as_secs())
            })
            .collect();
        assert_eq!(
            waits,
            [
                Some(0),
                Some(30),
                Some(2 * MINUTE),
                Some(10 * MINUTE),
                Some(HOUR),
                Some(6 * HOUR),
                Some(6 * HOUR),
                Some(6 * HOUR),
                None,
                None,
            ]
        );
    }

    #[test]
    fn retry_after_delays_but_never_hastens_and_is_bounded() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        let wait = |retry_after: Option<u64>| {
            next_attempt_honouring(2, now, retry_after.map(Duration::from_secs))
                .map(|at| at.duration_since(now).expect("not in the past").as_secs())
        };
        assert_eq!(wait(None), Some(2 * MINUTE));
        assert_eq!(
            wait(Some(5)),
            Some(2 * MINUTE),
            "sooner than the schedule: ignored"
        );
        assert_eq!(wait(Some(HOUR)), Some(HOUR));
        assert_eq!(wait(Some(1_000_000)), Some(6 * HOUR), "bounded");
        assert_eq!(
            next_attempt_honouring(MAX_ATTEMPTS, now, Some(Duration::from_secs(1))),
            None,
            "a Retry-After does not add attempts"
        );
    }
}
