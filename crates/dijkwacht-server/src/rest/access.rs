//! Who may do what through the REST API, said once: the role ladder of
//! [`dijkwacht_policy::Role`] (member < analyst < organisation admin < moderator <
//! platform admin), read-only tokens that may change nothing, and tokens limited to
//! communities that may not administer (they are meant for machines that read or
//! publish into those communities, not for running the directory). And the one way REST
//! reads of sensitive objects are audited.

use dijkwacht_directory::role_name;
use dijkwacht_policy::{Caller, Member, Role};
use dijkwacht_store::StoredObject;

use crate::caller::RequestCaller;
use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in member behind a request: anonymous callers get 401, peers 403.
pub fn signed_in(caller: &Caller) -> Result<&Member, ApiError> {
    match caller {
        Caller::Member(member) => Ok(member),
        Caller::Anonymous => Err(ApiError::unauthorized(
            "sign in with HTTP Basic (login and password) or a Bearer API token",
        )),
        Caller::Peer(_) => Err(ApiError::forbidden(
            "peers use TAXII; the REST API is for the users of member organisations",
        )),
    }
}

/// A signed-in member who may change things: not through a read-only token.
pub fn writer(caller: &Caller) -> Result<&Member, ApiError> {
    let member = signed_in(caller)?;
    if !member.may_write() {
        return Err(ApiError::forbidden(
            "this token is read-only; use a token created with write, or sign in with a password",
        ));
    }
    Ok(member)
}

/// A member who may administer with at least `least` role: signed in, not through a
/// read-only token nor one limited to communities.
pub fn administrator<'a>(
    caller: &'a Caller,
    least: Role,
    what: &str,
) -> Result<&'a Member, ApiError> {
    let member = writer(caller)?;
    if member
        .token
        .as_ref()
        .is_some_and(|token| token.communities.is_some())
    {
        return Err(ApiError::forbidden(format!(
            "a token limited to communities may not {what}; sign in with a password or use an unlimited token"
        )));
    }
    if member.role < least {
        return Err(ApiError::forbidden(format!(
            "to {what} takes the role {} or higher; you are {}",
            role_name(least),
            role_name(member.role)
        )));
    }
    Ok(member)
}

/// Records which objects of TLP:AMBER or stricter `caller` read through `action`
/// (`rest-read`, `rest-search`, `stream-read`); nothing when there are none. A read that
/// cannot be recorded is not served.
pub async fn audit_sensitive_reads<'a>(
    state: &AppState,
    caller: &RequestCaller,
    action: &str,
    objects: impl IntoIterator<Item = &'a StoredObject>,
) -> Result<(), ApiError> {
    state
        .audit_sensitive_reads(&caller.actor(), action, serde_json::Map::new(), objects)
        .await
}

/// Builds audit details from pairs.
pub fn details(pairs: &[(&str, serde_json::Value)]) -> serde_json::Map<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect()
}

/// The error for a directory read or write that failed inside the server.
pub fn directory_failed(error: &dyn std::fmt::Display) -> ApiError {
    ApiError::internal("the directory failed", error)
}
