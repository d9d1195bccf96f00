//! Memberships: an organisation admin applies to a community for their organisation
//! (an open community admits at once, a vetted one makes it an applicant), moderators
//! and platform admins decide (approve as participant or partner, or suspend back to
//! applicant), and an organisation leaves — or is removed by a moderator. The rules of
//! stages and the thirty-day life of applications are the directory's; every change is
//! audited, as the command line's are.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dijkwacht_directory::MembershipStage;
use dijkwacht_policy::Role;
use dijkwacht_store::StoreError;
use serde::Deserialize;
use serde_json::{Map, json};
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{administrator, details, directory_failed};
use crate::rest::communities::MembershipView;
use crate::rest::extract::{
    ApiJson, ApiPath, BodyRefusals, ErrorBody, SignInRefusals, conflict, invalid_field,
};
use crate::state::AppState;

/// An application to join a community.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    /// The organisation's contact person for this community.
    pub contact: Option<String>,
    /// The organisation that applies: your own when left out; another only for platform
    /// admins.
    pub organisation: Option<String>,
}

/// A moderator's decision on a membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    /// participant or partner to admit; applicant to suspend.
    #[schema(example = "participant")]
    pub stage: String,
}

fn membership_refusal(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound(what) => ApiError::not_found(what),
        StoreError::Invalid(problem) => conflict(problem),
        other => directory_failed(&other),
    }
}

async fn membership(
    state: &AppState,
    community: &str,
    organisation: &str,
) -> Result<MembershipView, ApiError> {
    state
        .directory()
        .memberships()
        .await
        .map_err(|error| directory_failed(&error))?
        .iter()
        .find(|each| each.community == community && each.organisation == organisation)
        .map(MembershipView::from)
        .ok_or_else(|| ApiError::not_found(format!("'{organisation}' is not in '{community}'")))
}

/// Applies to (or, if it is open, joins) a community (organisation admins).
#[utoipa::path(
    post,
    path = "/api/v1/communities/{name}/applications",
    tag = "directory",
    params(("name" = String, Path, description = "The community's short name")),
    request_body = ApplicationBody,
    responses(
        (status = 201, description = "Applied (vetted community) or joined (open community)", body = MembershipView),
        (status = 403, description = "Applying takes an organisation admin; for another organisation a platform admin", body = ErrorBody),
        (status = 404, description = "No such community or organisation", body = ErrorBody),
        (status = 409, description = "Already a member or applicant", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn apply(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(community): ApiPath<String>,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> Result<(StatusCode, Json<MembershipView>), JsonError> {
    let member = administrator(&caller.0, Role::OrganisationAdmin, "apply to communities")?;
    let organisation = match body.organisation {
        Some(other) if other != member.organisation.as_str() => {
            if member.role < Role::PlatformAdmin {
                return Err(ApiError::forbidden(
                    "you apply for your own organisation; only platform admins apply for another",
                )
                .into());
            }
            other
        }
        _ => member.organisation.to_string(),
    };
    if let Some(contact) = &body.contact {
        if contact.chars().count() > 254 || contact.chars().any(char::is_control) {
            return Err(invalid_field(
                "contact",
                "use at most 254 characters without control characters",
            )
            .into());
        }
    }
    let stage = state
        .directory()
        .join(&community, &organisation, body.contact)
        .await
        .map_err(membership_refusal)?;
    state
        .audit(
            &caller.actor(),
            "membership-requested",
            Some(&format!("{community}/{organisation}")),
            details(&[("stage", json!(stage.name()))]),
        )
        .await?;
    let view = membership(&state, &community, &organisation).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Sets an organisation's stage in a community: admit, make partner, or suspend back to
/// applicant (moderators and platform admins).
#[utoipa::path(
    put,
    path = "/api/v1/communities/{name}/members/{organisation}",
    tag = "directory",
    params(
        ("name" = String, Path, description = "The community's short name"),
        ("organisation" = String, Path, description = "The organisation's short name"),
    ),
    request_body = StageBody,
    responses(
        (status = 200, description = "The membership as it is now", body = MembershipView),
        (status = 403, description = "Deciding takes a moderator", body = ErrorBody),
        (status = 404, description = "The organisation has not applied to the community", body = ErrorBody),
        (status = 409, description = "The application has expired; the organisation must apply again", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn set_stage(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath((community, organisation)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<StageBody>,
) -> Result<Json<MembershipView>, JsonError> {
    administrator(&caller.0, Role::Moderator, "decide on memberships")?;
    let stage =
        MembershipStage::parse(&body.stage).map_err(|error| invalid_field("stage", error))?;
    state
        .directory()
        .set_stage(&community, &organisation, stage)
        .await
        .map_err(membership_refusal)?;
    let action = if stage.is_member() {
        "membership-approved"
    } else {
        "membership-suspended"
    };
    state
        .audit(
            &caller.actor(),
            action,
            Some(&format!("{community}/{organisation}")),
            details(&[("stage", json!(stage.name()))]),
        )
        .await?;
    Ok(Json(membership(&state, &community, &organisation).await?))
}

/// Ends a membership or withdraws an application: an organisation admin for their own
/// organisation, a moderator or platform admin for any.
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{name}/members/{organisation}",
    tag = "directory",
    params(
        ("name" = String, Path, description = "The community's short name"),
        ("organisation" = String, Path, description = "The organisation's short name"),
    ),
    responses(
        (status = 204, description = "The organisation is no longer in the community"),
        (status = 400, description = "The path cannot be read", body = ErrorBody),
        (status = 403, description = "Leaving takes an organisation admin; removing another organisation a moderator", body = ErrorBody),
        (status = 404, description = "The organisation is not in the community", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn leave(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath((community, organisation)): ApiPath<(String, String)>,
) -> Result<StatusCode, JsonError> {
    let member = administrator(&caller.0, Role::OrganisationAdmin, "end memberships")?;
    if organisation != member.organisation.as_str() && member.role < Role::Moderator {
        return Err(ApiError::forbidden(
            "you may end your own organisation's memberships; removing another organisation takes a moderator",
        )
        .into());
    }
    state
        .directory()
        .leave(&community, &organisation)
        .await
        .map_err(membership_refusal)?;
    state
        .audit(
            &caller.actor(),
            "membership-ended",
            Some(&format!("{community}/{organisation}")),
            Map::new(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
