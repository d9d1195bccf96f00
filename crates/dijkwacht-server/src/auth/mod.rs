//! Who is calling: turns a password or an API token into the [`Caller`] the sharing
//! policy reasons about, from the directory as it is at this moment — so a revoked
//! token, a changed password or an ended membership counts from the next request on.
//!
//! [`Authenticator`] is what the server uses: it adds the [`guard`] (a keyed cache of
//! recent successes, a ledger of failures, a bound on concurrent argon2 checks) to the
//! plain checks [`caller_for_password`] and [`caller_for_token`].

pub mod guard;

use std::net::IpAddr;
use std::time::Duration;

use dijkwacht_directory::{ApiToken, SecretError, verify_password};
use dijkwacht_policy::{Caller, CommunityId, Member, OrgId, TokenAccess, UserId};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::StoreError;
use dijkwacht_store::directory::{Directory, TokenRecord, User};

pub use guard::{Attempter, LoginGuard};

/// Why a caller could not be recognised. Messages are safe to show the caller: they do
/// not tell a wrong login from a wrong password.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong login or password")]
    WrongPassword,
    #[error("{0}")]
    MalformedToken(#[from] SecretError),
    #[error("the token is unknown or revoked")]
    UnknownOrRevokedToken,
    #[error("too many failed attempts; try again in {} seconds", .0.as_secs().max(1))]
    Locked(Duration),
    #[error("the directory could not be read: {0}")]
    Directory(#[from] StoreError),
}

/// The caller behind a login and password, checked without a cache (for tools and
/// tests; the server uses [`Authenticator::password`]).
pub async fn caller_for_password(
    directory: &dyn Directory,
    email: &str,
    password: &str,
) -> Result<Caller, AuthError> {
    let Some((user, hash)) = directory.user_with_password(email).await? else {
        // Spend the same effort as for a real user, so that timing does not tell.
        let _ = verify_password(password, DUMMY_HASH);
        return Err(AuthError::WrongPassword);
    };
    if !verify_password(password, &hash) {
        return Err(AuthError::WrongPassword);
    }
    member_caller(directory, user, None).await
}

/// The caller behind an API token (`dwt_…`), recording its use.
pub async fn caller_for_token(
    directory: &dyn Directory,
    presented: &str,
) -> Result<Caller, AuthError> {
    let (user, record) = token_user(directory, presented).await?;
    directory
        .touch_token(&record.id, Timestamp::now().unix_micros())
        .await?;
    let access = TokenAccess {
        write: record.write,
        communities: record
            .communities
            .map(|communities| communities.into_iter().map(CommunityId::new).collect()),
    };
    member_caller(directory, user, Some(access)).await
}

/// The token's record and user, if the token is real and not revoked.
async fn token_user(
    directory: &dyn Directory,
    presented: &str,
) -> Result<(User, TokenRecord), AuthError> {
    let token = ApiToken::parse(presented)?;
    let Some(record) = directory.token(&token.id().0).await? else {
        return Err(AuthError::UnknownOrRevokedToken);
    };
    if record.revoked_at.is_some() || !token.matches(&record.secret_hash) {
        return Err(AuthError::UnknownOrRevokedToken);
    }
    let Some((user, _)) = directory.user_with_password(&record.user).await? else {
        return Err(AuthError::UnknownOrRevokedToken);
    };
    Ok((user, record))
}

async fn member_caller(
    directory: &dyn Directory,
    user: User,
    token: Option<TokenAccess>,
) -> Result<Caller, AuthError> {
    let reach = directory.reach(&user.organisation).await?;
    Ok(Caller::Member(Member {
        user: UserId::new(user.email),
        organisation: OrgId::new(user.organisation),
        role: user.role,
        reach,
        token,
    }))
}

/// The server's authentication: the plain checks behind a [`LoginGuard`].
#[derive(Debug)]
pub struct Authenticator {
    guard: LoginGuard,
}

impl Authenticator {
    /// An authenticator allowing `concurrent_checks` argon2 checks at once.
    pub fn new(concurrent_checks: usize) -> Result<Authenticator, getrandom::Error> {
        Ok(Authenticator {
            guard: LoginGuard::new(concurrent_checks)?,
        })
    }

    /// The caller behind a login and password sent from `address`.
    pub async fn password(
        &self,
        directory: &dyn Directory,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<Caller, AuthError> {
        let attempters = attempters(Some(email), address);
        if let Some(wait) = self.guard.locked_for(&attempters) {
            return Err(AuthError::Locked(wait));
        }
        let found = directory.user_with_password(email).await?;
        let stored_hash = found.as_ref().map(|(_, hash)| hash.clone());
        if let (Some((user, _)), Some(hash)) = (&found, &stored_hash) {
            if self.guard.recently_verified(email, password, hash) {
                return member_caller(directory, user.clone(), None).await;
            }
        }
        let verified = {
            let _permit = self.guard.checks.acquire().await;
            let (password, hash) = (password.to_owned(), stored_hash.clone());
            tokio::task::spawn_blocking(move || match hash {
                Some(hash) => verify_password(&password, &hash),
                // Spend the same effort as for a real user, so that timing does not tell.
                None => {
                    let _ = verify_password(&password, DUMMY_HASH);
                    false
                }
            })
            .await
            .unwrap_or(false)
        };
        match (found, stored_hash, verified) {
            (Some((user, _)), Some(hash), true) => {
                self.guard.remember_success(email, password, &hash);
                member_caller(directory, user, None).await
            }
            _ => {
                self.guard.record_failure(&attempters);
                Err(AuthError::WrongPassword)
            }
        }
    }

    /// The caller behind an API token sent from `address`.
    pub async fn token(
        &self,
        directory: &dyn Directory,
        presented: &str,
        address: Option<IpAddr>,
    ) -> Result<Caller, AuthError> {
        let attempters = attempters(None, address);
        if let Some(wait) = self.guard.locked_for(&attempters) {
            return Err(AuthError::Locked(wait));
        }
        match caller_for_token(directory, presented).await {
            Err(error @ (AuthError::MalformedToken(_) | AuthError::UnknownOrRevokedToken)) => {
                self.guard.record_failure(&attempters);
                Err(error)
            }
            other => other,
        }
    }
}

fn attempters(login: Option<&str>, address: Option<IpAddr>) -> Vec<Attempter> {
    login
        .map(|login| Attempter::Login(login.to_ascii_lowercase()))
        .into_iter()
        .chain(address.map(Attempter::Address))
        .collect()
}

/// An argon2id hash of a random password, checked against when the login is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Nm4jFUHe/DoXaBL0Dt4Jcg$rW9KUppcCCdAaP6rO7pKNdR/wjzlAzZ4RO8/mknB3EE";
