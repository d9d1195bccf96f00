//! `GET /api/v1/me`: who the server takes the caller to be, as the sharing rules see
//! them — their organisation, role, the communities they are in and the wider reach
//! (ancestors included) that decides what they read, and the limits of the token they
//! use. The first thing to ask when something is not visible that should be.

use axum::Json;
use axum::extract::State;
use dijkwacht_directory::role_name;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::signed_in;
use crate::rest::communities::directory_snapshot;
use crate::rest::extract::{ErrorBody, SignInRefusals};
use crate::rest::organisations::OrganisationView;
use crate::state::AppState;

/// Who you are.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// Your login.
    pub user: String,
    /// admin, moderator, org-admin, analyst or member.
    pub role: String,
    pub organisation: OrganisationView,
    /// Your organisation's memberships and applications.
    pub memberships: Vec<MyMembership>,
    /// The communities whose shared content you read: your organisation's communities
    /// and their ancestors, after any limit of your token.
    pub reach: Vec<String>,
    /// Whether you may change things (false through a read-only token).
    pub may_write: bool,
    /// The limits of the token you use; `null` when signed in with a password.
    pub token: Option<TokenLimits>,
}

/// One of your organisation's memberships.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyMembership {
    pub community: String,
    /// applicant, participant or partner.
    pub stage: String,
}

/// What the token in use allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenLimits {
    pub write: bool,
    /// The communities it is limited to, if any.
    pub communities: Option<Vec<String>>,
}

/// Who you are, and what you reach.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "directory",
    responses(
        (status = 200, description = "You", body = MeView),
        (status = 403, description = "Peers use TAXII", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn get_me(
    State(state): State<AppState>,
    caller: RequestCaller,
) -> Result<Json<MeView>, JsonError> {
    let member = signed_in(&caller.0)?;
    let organisation = state
        .directory()
        .organisations()
        .await
        .map_err(|error| ApiError::internal("the directory failed", &error))?
        .into_iter()
        .find(|organisation| organisation.name == member.organisation.as_str())
        .ok_or_else(|| ApiError::not_found("your organisation is no longer in the directory"))?;
    let (_, memberships) = directory_snapshot(&state).await?;
    Ok(Json(MeView {
        user: member.user.to_string(),
        role: role_name(member.role).to_owned(),
        organisation: OrganisationView::from(&organisation),
        memberships: memberships
            .iter()
            .filter(|membership| membership.organisation == member.organisation.as_str())
            .map(|membership| MyMembership {
                community: membership.community.clone(),
                stage: membership.stage.name().to_owned(),
            })
            .collect(),
        reach: member
            .effective_reach()
            .into_iter()
            .map(ToString::to_string)
            .collect(),
        may_write: member.may_write(),
        token: member.token.as_ref().map(|token| TokenLimits {
            write: token.write,
            communities: token
                .communities
                .as_ref()
                .map(|communities| communities.iter().map(ToString::to_string).collect()),
        }),
    }))
}
