//! What keeps password checks cheap for the server and dear for an attacker.
//!
//! - **A cache of successful verifications.** An argon2id check costs tens of
//!   milliseconds of CPU by design; a TAXII client polling with Basic auth would pay it
//!   on every request. A success is remembered for a few minutes under a keyed hash
//!   (HMAC-SHA-256 with a key drawn at start-up) of login and password, together with
//!   the stored hash it was checked against: a changed password, or a guess, never hits.
//!   Neither the password nor an unkeyed hash of it is kept.
//! - **A ledger of failures** per login and per client address. After a few failures,
//!   further attempts are refused for a while without being checked at all (the refusal
//!   costs the server nothing), the wait doubling with each failure.
//! - **A bound on concurrent argon2 checks**, so that a flood of logins cannot take
//!   every core from the rest of the server.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a successful verification is remembered.
pub const VERIFIED_LIFETIME: Duration = Duration::from_secs(300);
/// Failures allowed per login before its attempts are refused unchecked.
pub const FAILURES_BEFORE_LOCK: u32 = 5;
/// Failures allowed per client address: more, since one address may be a whole office
/// behind NAT, and locking it would let one guesser lock out every colleague.
pub const ADDRESS_FAILURES_BEFORE_LOCK: u32 = 20;
/// Failures older than this are forgotten.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The longest a lock lasts.
pub const LONGEST_LOCK: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most in each map; beyond it, stale ones are swept and, if still
/// full, the oldest half is dropped.
const MAX_ENTRIES: usize = 50_000;

/// A key for the failure ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attempter {
    Login(String),
    Address(IpAddr),
}

impl Attempter {
    fn allowance(&self) -> u32 {
        match self {
            Attempter::Login(_) => FAILURES_BEFORE_LOCK,
            Attempter::Address(_) => ADDRESS_FAILURES_BEFORE_LOCK,
        }
    }
}

#[derive(Debug)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

#[derive(Debug)]
struct Verified {
    /// The stored password hash the success was checked against.
    stored_hash: String,
    expires: Instant,
}

/// The cache and the ledger, shared by all requests.
#[derive(Debug)]
pub struct LoginGuard {
    key: [u8; 32],
    verified: Mutex<HashMap<[u8; 32], Verified>>,
    failures: Mutex<HashMap<Attempter, Failures>>,
    /// Permits for argon2 checks running at once.
    pub checks: tokio::sync::Semaphore,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means a panic elsewhere; the maps are still usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LoginGuard {
    /// A guard with a fresh random key; `concurrent_checks` argon2 checks at once.
    pub fn new(concurrent_checks: usize) -> Result<LoginGuard, getrandom::Error> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)?;
        Ok(LoginGuard {
            key,
            verified: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            checks: tokio::sync::Semaphore::new(concurrent_checks.max(1)),
        })
    }

    fn cache_key(&self, login: &str, password: &str) -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => return [0u8; 32],
        };
        mac.update(login.as_bytes());
        mac.update(&[0]);
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether this login and password were verified against `stored_hash` recently.
    pub fn recently_verified(&self, login: &str, password: &str, stored_hash: &str) -> bool {
        let key = self.cache_key(login, password);
        let now = Instant::now();
        lock(&self.verified)
            .get(&key)
            .is_some_and(|entry| entry.expires > now && entry.stored_hash == stored_hash)
    }

    /// Remembers a successful verification, and forgives the login's failures.
    pub fn remember_success(&self, login: &str, password: &str, stored_hash: &str) {
        let key = self.cache_key(login, password);
        let now = Instant::now();
        {
            let mut verified = lock(&self.verified);
            if verified.len() >= MAX_ENTRIES {
                verified.retain(|_, entry| entry.expires > now);
                if verified.len() >= MAX_ENTRIES {
                    verified.clear();
                }
            }
            verified.insert(
                key,
                Verified {
                    stored_hash: stored_hash.to_owned(),
                    expires: now + VERIFIED_LIFETIME,
                },
            );
        }
        lock(&self.failures).remove(&Attempter::Login(login.to_ascii_lowercase()));
    }

    /// How long attempts from any of `attempters` must still wait, if any is locked.
    pub fn locked_for(&self, attempters: &[Attempter]) -> Option<Duration> {
        let now = Instant::now();
        let failures = lock(&self.failures);
        attempters
            .iter()
            .filter_map(|attempter| failures.get(attempter)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a failure against each attempter; returns whether this failure locked
    /// one of them.
    pub fn record_failure(&self, attempters: &[Attempter]) -> bool {
        let now = Instant::now();
        let mut failures = lock(&self.failures);
        if failures.len() >= MAX_ENTRIES {
            failures.retain(|_, entry| now.duration_since(entry.last) < FAILURE_WINDOW);
            if failures.len() >= MAX_ENTRIES {
                failures.clear();
            }
        }
        let mut locked = false;
        for attempter in attempters {
            let entry = failures.entry(attempter.clone()).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(entry.last) >= FAILURE_WINDOW {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
            let allowance = attempter.allowance();
            if entry.count >= allowance {
                let doublings = (entry.count - allowance).min(20);
                let wait = Duration::from_secs(1u64 << doublings).min(LONGEST_LOCK);
                entry.locked_until = Some(now + wait);
                locked = true;
            }
        }
        locked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> LoginGuard {
        LoginGuard::new(2).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn a_success_is_remembered_only_for_the_same_password_and_stored_hash() {
        let guard = guard();
        guard.remember_success("alice@example.org", "secret", "$argon2id$one");
        assert!(guard.recently_verified("alice@example.org", "secret", "$argon2id$one"));
        assert!(!guard.recently_verified("alice@example.org", "guess", "$argon2id$one"));
        assert!(!guard.recently_verified("bob@example.org", "secret", "$argon2id$one"));
        assert!(
            !guard.recently_verified("alice@example.org", "secret", "$argon2id$two"),
            "a changed password hash invalidates the cache"
        );
    }

    #[test]
    fn two_guards_key_the_cache_differently() {
        let (first, second) = (guard(), guard());
        assert_ne!(
            first.cache_key("alice@example.org", "secret"),
            second.cache_key("alice@example.org", "secret")
        );
        // Login and password are separated, so "ab"+"c" is not "a"+"bc".
        assert_ne!(first.cache_key("ab", "c"), first.cache_key("a", "bc"));
    }

    #[test]
    fn failures_lock_after_the_allowance_and_success_forgives_the_login() {
        let guard = guard();
        let login = Attempter::Login("alice@example.org".to_owned());
        let address = Attempter::Address(IpAddr::from([192, 0, 2, 1]));
        let both = [login.clone(), address.clone()];
        for _ in 1..FAILURES_BEFORE_LOCK {
            assert!(!guard.record_failure(&both));
            assert_eq!(guard.locked_for(&both), None);
        }
        assert!(
            guard.record_failure(&both),
            "the last allowed failure locks"
        );
        assert!(guard.locked_for(std::slice::from_ref(&login)).is_some());
        assert_eq!(
            guard.locked_for(std::slice::from_ref(&address)),
            None,
            "an address has a larger allowance than a login"
        );
        guard.remember_success("alice@example.org", "secret", "hash");
        assert_eq!(
            guard.locked_for(&[login]),
            None,
            "success forgives the login"
        );
        // Guessing across many logins from one address locks the address.
        for number in FAILURES_BEFORE_LOCK..ADDRESS_FAILURES_BEFORE_LOCK {
            let other = Attempter::Login(format!("user{number}@example.org"));
            guard.record_failure(&[other, address.clone()]);
        }
        assert!(guard.locked_for(std::slice::from_ref(&address)).is_some());
        let other = Attempter::Address(IpAddr::from([192, 0, 2, 2]));
        assert_eq!(guard.locked_for(&[other]), None, "others are not locked");
    }

    #[test]
    fn each_further_failure_doubles_the_wait_up_to_the_longest_lock() {
        let guard = guard();
        let login = [Attempter::Login("mallory@example.org".to_owned())];
        let mut waits = Vec::new();
        for _ in 0..FAILURES_BEFORE_LOCK + 14 {
            guard.record_failure(&login);
            waits.push(guard.locked_for(&login).unwrap_or_default());
        }
        let locked: Vec<Duration> = waits
            .into_iter()
            .skip(FAILURES_BEFORE_LOCK as usize - 1)
            .collect();
        assert!(locked[0] <= Duration::from_secs(1) && locked[0] > Duration::ZERO);
        assert!(locked[3] > Duration::from_secs(7) && locked[3] <= Duration::from_secs(8));
        assert!(locked.iter().all(|wait| *wait <= LONGEST_LOCK));
        assert!(locked[locked.len() - 1] > LONGEST_LOCK - Duration::from_secs(5));
    }
}
