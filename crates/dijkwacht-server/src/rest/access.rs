//! Who may do what through the REST API, said once: the role ladder of
//! [`dijkwacht_policy::Role`] (member < analyst < organisation admin < moderator <
//! platform admin), read-only tokens that may change nothing, and tokens limited to
//! communities that may not administer (they are meant for machines that read or
//! publish into those communities, not for running the directory). An organisation's
//! own records — its asset profile, alerts and webhooks — are its own and a platform
//! admin's only: anyone else asking for another organisation's gets 404, so that the
//! answer does not even say whether it exists. And the one way REST reads of sensitive
//! objects are audited.

use dijkwacht_directory::role_name;
use dijkwacht_policy::{Caller, Member, Role};
use dijkwacht_store::{StoreError, StoredObject};
use serde::Deserialize;
use utoipa::IntoParams;

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
    require_role(member, least, what)?;
    Ok(member)
}

/// Refuses a member below the role `least`, saying what `what` takes.
pub fn require_role(member: &Member, least: Role, what: &str) -> Result<(), ApiError> {
    if member.role < least {
        return Err(ApiError::forbidden(format!(
            "to {what} takes the role {} or higher; you are {}",
            role_name(least),
            role_name(member.role)
        )));
    }
    Ok(())
}

/// A member who reads their organisation's own records (asset profile, alerts,
/// webhooks): signed in, and not through a token limited to communities — such a token
/// sees only what is shared into its communities, and these records are shared into
/// none (an alert quotes intelligence from wherever the matcher found it).
pub fn own_records_reader<'a>(caller: &'a Caller, what: &str) -> Result<&'a Member, ApiError> {
    let member = signed_in(caller)?;
    if member
        .token
        .as_ref()
        .is_some_and(|token| token.communities.is_some())
    {
        return Err(ApiError::forbidden(format!(
            "a token limited to communities sees only what is shared into them, and {what} is shared into none; use a token without a community limit, or sign in with a password"
        )));
    }
    Ok(member)
}

/// `?organisation=`: platform admins act on the organisation they name.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrganisationParam {
    /// Platform admins: the organisation to act on instead of your own. Anyone else may
    /// name only their own.
    pub organisation: Option<String>,
}

/// The organisation whose own records a request is about: the member's, or the one a
/// platform admin names. Anyone else naming another organisation gets 404, never 403:
/// the answer must not confirm that the organisation, or its `what`, exists.
pub fn organisation_acted_on(
    member: &Member,
    requested: Option<&str>,
    what: &str,
) -> Result<String, ApiError> {
    let own = member.organisation.as_str();
    match requested {
        None => Ok(own.to_owned()),
        Some(name) if name == own || member.role == Role::PlatformAdmin => Ok(name.to_owned()),
        Some(name) => Err(ApiError::not_found(format!(
            "there is no {what} of an organisation '{name}' that you may see; leave out ?organisation= for your own"
        ))),
    }
}

/// The error for a call of the alerts' storage about `organisation` that failed: 404
/// when the directory does not know it, the plain 503 otherwise.
pub fn organisation_store_failed(organisation: &str) -> impl FnOnce(StoreError) -> ApiError + '_ {
    move |error| {
        alert_store_failed(
            &error,
            &format!("there is no organisation '{organisation}'"),
        )
    }
}

/// The error for a read or write of the alerts' storage that failed: 404 saying
/// `missing` when what it names does not exist, the plain 503 otherwise.
pub fn alert_store_failed(error: &StoreError, missing: &str) -> ApiError {
    match error {
        StoreError::NotFound(_) => ApiError::not_found(missing),
        other => ApiError::internal("the alerts' storage failed", other),
    }
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
