//! `/api/v1/organisations`: the member organisations. A member sees its own organisation
//! and those that share a community with it (as participant or partner), so that it
//! knows who it shares with; platform admins see all and add new ones. Adding goes
//! through [`dijkwacht_store::registration`], as the command line does, so both refuse
//! the same names and both give the organisation its STIX identity.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dijkwacht_directory::{Sector, SizeClass};
use dijkwacht_policy::{Member, Role};
use dijkwacht_store::directory::Organisation;
use dijkwacht_store::registration::{self, NewOrganisation, RegistrationError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{administrator, details, directory_failed, signed_in};
use crate::rest::extract::{
    ApiJson, ApiPath, BodyRefusals, ErrorBody, SignInRefusals, conflict, invalid_field,
};
use crate::state::AppState;

/// An organisation as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    /// The short name (`waterbedrijf`).
    pub name: String,
    pub display_name: String,
    /// Top sectors: agri-food, chemie, creatieve-industrie, energie, hightech,
    /// life-sciences, logistiek, tuinbouw, water or other.
    pub sectors: Vec<String>,
    /// micro, small, medium or large.
    pub size: String,
    /// Whether it is a vital operator.
    pub vital: bool,
    /// The STIX identity its objects name as `created_by_ref`.
    pub identity: String,
}

impl From<&Organisation> for OrganisationView {
    fn from(organisation: &Organisation) -> OrganisationView {
        OrganisationView {
            name: organisation.name.clone(),
            display_name: organisation.display_name.clone(),
            sectors: organisation
                .sectors
                .iter()
                .map(|sector| sector.name().to_owned())
                .collect(),
            size: organisation.size.name().to_owned(),
            vital: organisation.vital,
            identity: organisation.identity.clone(),
        }
    }
}

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisationBody {
    /// 2-64 lower-case letters, digits and '-'.
    #[schema(example = "waterbedrijf", pattern = "^[a-z0-9-]{2,64}$")]
    pub name: String,
    /// The full name; the short name when left out.
    pub display_name: Option<String>,
    /// At least one of: agri-food, chemie, creatieve-industrie, energie, hightech,
    /// life-sciences, logistiek, tuinbouw, water, other.
    #[schema(example = json!(["water"]))]
    pub sectors: Vec<String>,
    /// micro, small (the default), medium or large.
    #[serde(default)]
    pub size: Option<String>,
    /// Whether it is a vital operator (default false).
    #[serde(default)]
    pub vital: bool,
}

/// The organisations `member` may see: all for platform admins; else its own and those
/// that are members of a community its organisation is a member of.
pub async fn visible_organisations(
    state: &AppState,
    member: &Member,
) -> Result<Vec<Organisation>, ApiError> {
    let organisations = state
        .directory()
        .organisations()
        .await
        .map_err(|error| directory_failed(&error))?;
    if member.role == Role::PlatformAdmin {
        return Ok(organisations);
    }
    let memberships = state
        .directory()
        .memberships()
        .await
        .map_err(|error| directory_failed(&error))?;
    let own = member.organisation.as_str();
    let shared: BTreeSet<&str> = memberships
        .iter()
        .filter(|membership| membership.organisation == own && membership.stage.is_member())
        .map(|membership| membership.community.as_str())
        .collect();
    let neighbours: BTreeSet<&str> = memberships
        .iter()
        .filter(|membership| {
            membership.stage.is_member() && shared.contains(membership.community.as_str())
        })
        .map(|membership| membership.organisation.as_str())
        .collect();
    Ok(organisations
        .into_iter()
        .filter(|organisation| {
            organisation.name == own || neighbours.contains(organisation.name.as_str())
        })
        .collect())
}

/// The organisations you may see.
#[utoipa::path(
    get,
    path = "/api/v1/organisations",
    tag = "directory",
    responses(
        (status = 200, description = "Your organisation and those you share a community with (every organisation for platform admins)", body = Vec<OrganisationView>),
        (status = 403, description = "Peers use TAXII", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list_organisations(
    State(state): State<AppState>,
    caller: RequestCaller,
) -> Result<Json<Vec<OrganisationView>>, JsonError> {
    let member = signed_in(&caller.0)?;
    let organisations = visible_organisations(&state, member).await?;
    Ok(Json(
        organisations.iter().map(OrganisationView::from).collect(),
    ))
}

/// One organisation you may see.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{name}",
    tag = "directory",
    params(("name" = String, Path, description = "The organisation's short name")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationView),
        (status = 400, description = "The path cannot be read", body = ErrorBody),
        (status = 403, description = "Peers use TAXII", body = ErrorBody),
        (status = 404, description = "No such organisation that you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn get_organisation(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<OrganisationView>, JsonError> {
    let member = signed_in(&caller.0)?;
    let organisations = visible_organisations(&state, member).await?;
    let organisation = organisations
        .iter()
        .find(|organisation| organisation.name == name)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "there is no organisation '{name}' that shares a community with yours"
            ))
        })?;
    Ok(Json(OrganisationView::from(organisation)))
}

/// Adds an organisation, with its STIX identity (platform admins).
#[utoipa::path(
    post,
    path = "/api/v1/organisations",
    tag = "directory",
    request_body = NewOrganisationBody,
    responses(
        (status = 201, description = "Added", body = OrganisationView),
        (status = 403, description = "Only platform admins add organisations, not through read-only or community-limited tokens", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn create_organisation(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiJson(body): ApiJson<NewOrganisationBody>,
) -> Result<(StatusCode, Json<OrganisationView>), JsonError> {
    administrator(&caller.0, Role::PlatformAdmin, "add organisations")?;
    if body.sectors.is_empty() {
        return Err(invalid_field("sectors", "name at least one sector").into());
    }
    let sectors = body
        .sectors
        .iter()
        .map(|sector| Sector::parse(sector))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| invalid_field("sectors", error))?;
    let size = SizeClass::parse(body.size.as_deref().unwrap_or("small"))
        .map_err(|error| invalid_field("size", error))?;
    if let Some(display_name) = &body.display_name {
        check_display_name("display_name", display_name)?;
    }
    let organisation = registration::add_organisation(
        state.store(),
        state.directory(),
        NewOrganisation {
            name: body.name,
            display_name: body.display_name,
            sectors,
            size,
            vital: body.vital,
        },
    )
    .await
    .map_err(registration_refusal)?;
    let sector_names: Vec<&str> = organisation
        .sectors
        .iter()
        .map(|sector| sector.name())
        .collect();
    state
        .audit(
            &caller.actor(),
            "organisation-added",
            Some(&organisation.name),
            details(&[
                ("sectors", json!(sector_names)),
                ("identity", json!(organisation.identity)),
            ]),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(OrganisationView::from(&organisation)),
    ))
}

/// A display name: 1-200 characters, no control characters.
pub fn check_display_name(field: &str, text: &str) -> Result<(), ApiError> {
    let length = text.chars().count();
    if length == 0 || length > 200 || text.chars().any(char::is_control) {
        return Err(invalid_field(
            field,
            "use 1-200 characters without control characters",
        ));
    }
    Ok(())
}

/// The answer to a refused registration: 422 for a bad name, 409 for a taken one.
pub fn registration_refusal(error: RegistrationError) -> ApiError {
    match error {
        RegistrationError::Name(problem) => invalid_field("name", problem),
        RegistrationError::Exists(problem) => conflict(problem),
        RegistrationError::UnknownParent(_) => invalid_field("parent", error),
        RegistrationError::Store(error) => directory_failed(&error),
    }
}
