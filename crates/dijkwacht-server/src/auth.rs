//! Who is calling: turns a password or an API token into the [`Caller`] the sharing
//! policy reasons about, from the directory as it is at this moment — so a revoked
//! token, a changed password or an ended membership counts from the next request on.

use dijkwacht_directory::{ApiToken, SecretError, verify_password};
use dijkwacht_policy::{Caller, Member, OrgId, TokenAccess, UserId};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::StoreError;
use dijkwacht_store::directory::Directory;

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
    #[error("the directory could not be read: {0}")]
    Directory(#[from] StoreError),
}

/// The caller behind a login and password.
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
    let reach = directory.reach(&user.organisation).await?;
    Ok(Caller::Member(Member {
        user: UserId::new(user.email),
        organisation: OrgId::new(user.organisation),
        role: user.role,
        reach,
        token: None,
    }))
}

/// The caller behind an API token (`dwt_…`), recording its use.
pub async fn caller_for_token(
    directory: &dyn Directory,
    presented: &str,
) -> Result<Caller, AuthError> {
    let token = ApiToken::parse(presented)?;
    let Some(record) = directory.token(&token.id().0).await? else {
        return Err(AuthError::UnknownOrRevokedToken);
    };
    if record.revoked_at.is_some() || !token.matches(&record.secret_hash) {
        return Err(AuthError::UnknownOrRevokedToken);
    }
    let users = directory.users().await?;
    let Some(user) = users.into_iter().find(|user| user.email == record.user) else {
        return Err(AuthError::UnknownOrRevokedToken);
    };
    directory
        .touch_token(&record.id, Timestamp::now().unix_micros())
        .await?;
    let reach = directory.reach(&user.organisation).await?;
    Ok(Caller::Member(Member {
        user: UserId::new(user.email),
        organisation: OrgId::new(user.organisation),
        role: user.role,
        reach,
        token: Some(TokenAccess {
            write: record.write,
            communities: record.communities.map(|communities| {
                communities
                    .into_iter()
                    .map(dijkwacht_policy::CommunityId::new)
                    .collect()
            }),
        }),
    }))
}

/// An argon2id hash of a random password, checked against when the login is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Nm4jFUHe/DoXaBL0Dt4Jcg$rW9KUppcCCdAaP6rO7pKNdR/wjzlAzZ4RO8/mknB3EE";
