//! `/api/v1/communities`: the communities of this instance. Every signed-in member sees
//! the list (to know what to apply to), with each community's kind, parent, vetting,
//! default TLP level and member count; who the members are, and their contact persons,
//! only the community's own members, moderators and platform admins see. Platform
//! admins add communities through [`dijkwacht_store::registration`], as the command
//! line does.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dijkwacht_directory::CommunityKind;
use dijkwacht_policy::{Member, Role};
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Community, Membership};
use dijkwacht_store::registration::{self, NewCommunity};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{administrator, details, directory_failed, signed_in};
use crate::rest::extract::{
    ApiJson, ApiPath, BodyRefusals, ErrorBody, SignInRefusals, invalid_field,
};
use crate::rest::organisations::{check_display_name, registration_refusal};
use crate::state::AppState;

/// A community as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityView {
    /// The short name (`water`).
    pub name: String,
    pub display_name: String,
    /// top-sector, trade-association, region, supply-chain, theme, plenum or public.
    pub kind: String,
    /// What is shared into the parent reaches this community's members too.
    pub parent: Option<String>,
    /// Vetted communities admit applicants by a moderator's decision; open ones at once.
    pub vetted: bool,
    /// The TLP level of what is shared into it without a TLP marking.
    pub default_tlp: String,
    /// The STIX identity objects published through the community are attributed to.
    pub identity: String,
    /// Participants and partners (applicants are not members).
    pub member_count: usize,
    /// Your organisation's stage in it, if it has one.
    pub your_stage: Option<String>,
}

/// A community with its memberships.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityDetail {
    #[serde(flatten)]
    pub community: CommunityView,
    /// Every membership and application; `null` unless your organisation is a member,
    /// or you are a moderator or platform admin.
    pub memberships: Option<Vec<MembershipView>>,
}

/// An organisation's standing in a community.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub community: String,
    pub organisation: String,
    /// applicant, participant or partner.
    pub stage: String,
    /// The organisation's contact person for this community.
    pub contact: Option<String>,
    /// When the organisation asked to join.
    pub applied_at: String,
}

impl From<&Membership> for MembershipView {
    fn from(membership: &Membership) -> MembershipView {
        MembershipView {
            community: membership.community.clone(),
            organisation: membership.organisation.clone(),
            stage: membership.stage.name().to_owned(),
            contact: membership.contact.clone(),
            applied_at: Timestamp::from_unix_micros(membership.applied_at).to_taxii_string(),
        }
    }
}

/// A new community.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommunityBody {
    /// 2-64 lower-case letters, digits and '-'; not `public` or `own`.
    #[schema(example = "water", pattern = "^[a-z0-9-]{2,64}$")]
    pub name: String,
    /// The full name; the short name when left out.
    pub display_name: Option<String>,
    /// top-sector, trade-association, region, supply-chain, theme, plenum or public.
    #[schema(example = "top-sector")]
    pub kind: String,
    /// An existing community this one is part of.
    pub parent: Option<String>,
    /// Whether applicants wait for a moderator (default false: open).
    #[serde(default)]
    pub vetted: bool,
    /// clear, green (the default), amber, amber+strict or red.
    pub default_tlp: Option<String>,
}

fn view(community: &Community, memberships: &[Membership], member: &Member) -> CommunityView {
    let of_community = || {
        memberships
            .iter()
            .filter(|membership| membership.community == community.name)
    };
    CommunityView {
        name: community.name.clone(),
        display_name: community.display_name.clone(),
        kind: community.kind.name().to_owned(),
        parent: community.parent.clone(),
        vetted: community.vetted,
        default_tlp: community.default_tlp.name().to_owned(),
        identity: community.identity.clone(),
        member_count: of_community()
            .filter(|membership| membership.stage.is_member())
            .count(),
        your_stage: of_community()
            .find(|membership| membership.organisation == member.organisation.as_str())
            .map(|membership| membership.stage.name().to_owned()),
    }
}

/// Every community and every membership, read once.
pub async fn directory_snapshot(
    state: &AppState,
) -> Result<(Vec<Community>, Vec<Membership>), ApiError> {
    let communities = state
        .directory()
        .communities()
        .await
        .map_err(|error| directory_failed(&error))?;
    let memberships = state
        .directory()
        .memberships()
        .await
        .map_err(|error| directory_failed(&error))?;
    Ok((communities, memberships))
}

/// Every community.
#[utoipa::path(
    get,
    path = "/api/v1/communities",
    tag = "directory",
    responses(
        (status = 200, description = "Every community, by name", body = Vec<CommunityView>),
        (status = 403, description = "Peers use TAXII", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list_communities(
    State(state): State<AppState>,
    caller: RequestCaller,
) -> Result<Json<Vec<CommunityView>>, JsonError> {
    let member = signed_in(&caller.0)?;
    let (mut communities, memberships) = directory_snapshot(&state).await?;
    communities.sort_by(|left, right| left.name.cmp(&right.name));
    Ok(Json(
        communities
            .iter()
            .map(|community| view(community, &memberships, member))
            .collect(),
    ))
}

/// One community; its memberships for its members, moderators and platform admins.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{name}",
    tag = "directory",
    params(("name" = String, Path, description = "The community's short name")),
    responses(
        (status = 200, description = "The community", body = CommunityDetail),
        (status = 400, description = "The path cannot be read", body = ErrorBody),
        (status = 403, description = "Peers use TAXII", body = ErrorBody),
        (status = 404, description = "No such community", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn get_community(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<CommunityDetail>, JsonError> {
    let member = signed_in(&caller.0)?;
    let (communities, memberships) = directory_snapshot(&state).await?;
    let community = communities
        .iter()
        .find(|community| community.name == name)
        .ok_or_else(|| ApiError::not_found(format!("there is no community '{name}'")))?;
    let is_member = memberships.iter().any(|membership| {
        membership.community == name
            && membership.organisation == member.organisation.as_str()
            && membership.stage.is_member()
    });
    let shown = (is_member || member.role >= Role::Moderator).then(|| {
        memberships
            .iter()
            .filter(|membership| membership.community == name)
            .map(MembershipView::from)
            .collect()
    });
    Ok(Json(CommunityDetail {
        community: view(community, &memberships, member),
        memberships: shown,
    }))
}

/// Adds a community, with its STIX identity (platform admins).
#[utoipa::path(
    post,
    path = "/api/v1/communities",
    tag = "directory",
    request_body = NewCommunityBody,
    responses(
        (status = 201, description = "Added", body = CommunityView),
        (status = 403, description = "Only platform admins add communities, not through read-only or community-limited tokens", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn create_community(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiJson(body): ApiJson<NewCommunityBody>,
) -> Result<(StatusCode, Json<CommunityView>), JsonError> {
    let member = administrator(&caller.0, Role::PlatformAdmin, "add communities")?;
    let kind = CommunityKind::parse(&body.kind).map_err(|error| invalid_field("kind", error))?;
    let default_tlp = match body.default_tlp.as_deref() {
        None => TlpLevel::Green,
        Some(name) => TlpLevel::from_name(name).ok_or_else(|| {
            invalid_field(
                "default_tlp",
                format!(
                    "'{name}' is not a TLP level; use clear, green, amber, amber+strict or red"
                ),
            )
        })?,
    };
    if let Some(display_name) = &body.display_name {
        check_display_name("display_name", display_name)?;
    }
    let community = registration::add_community(
        state.store(),
        state.directory(),
        NewCommunity {
            name: body.name,
            display_name: body.display_name,
            kind,
            parent: body.parent,
            vetted: body.vetted,
            default_tlp,
        },
    )
    .await
    .map_err(registration_refusal)?;
    state
        .audit(
            &caller.actor(),
            "community-added",
            Some(&community.name),
            details(&[
                ("kind", json!(community.kind.name())),
                ("parent", json!(community.parent)),
                ("vetted", json!(community.vetted)),
            ]),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view(&community, &[], member))))
}
