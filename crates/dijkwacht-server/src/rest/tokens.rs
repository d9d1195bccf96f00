//! `/api/v1/tokens`: API tokens for machines. A user lists and creates their own; the
//! secret is in the answer to the creation and nowhere else (only its hash is stored).
//! A token never gets more than its user may: write only for analysts and up, and a
//! community limit only within the communities the user's organisation reaches.
//! Organisation admins see and revoke the tokens of their organisation's users.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dijkwacht_directory::ApiToken;
use dijkwacht_policy::{CommunityId, Member, Role};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::directory::TokenRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{administrator, details, directory_failed, signed_in, writer};
use crate::rest::extract::{
    ApiJson, ApiPath, ApiQuery, BodyRefusals, ErrorBody, SignInRefusals, invalid_field,
};
use crate::state::AppState;

/// A token as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// The public id (the `<id>` of `dwt_<id>_<secret>`).
    pub id: String,
    /// The user it acts for.
    pub user: String,
    /// Whether it may change things; otherwise read only.
    pub write: bool,
    /// When set, it sees only what is shared into these communities.
    pub communities: Option<Vec<String>>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&TokenRecord> for TokenView {
    fn from(record: &TokenRecord) -> TokenView {
        let stamp = |micros: i64| Timestamp::from_unix_micros(micros).to_taxii_string();
        TokenView {
            id: record.id.clone(),
            user: record.user.clone(),
            write: record.write,
            communities: record.communities.clone(),
            created_at: stamp(record.created_at),
            last_used_at: record.last_used_at.map(stamp),
            revoked_at: record.revoked_at.map(stamp),
        }
    }
}

/// A new token, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The whole token (`dwt_<id>_<secret>`) to send as `Authorization: Bearer …`; it
    /// is not shown again.
    pub token: String,
    #[serde(flatten)]
    pub record: TokenView,
}

/// What a new token may do.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// Whether it may change things (default false: read only). Analysts and up only.
    #[serde(default)]
    pub write: bool,
    /// Limit it to what is shared into these communities (which your organisation must
    /// reach); no limit when left out.
    pub communities: Option<Vec<String>>,
}

/// Which tokens to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenListing {
    /// `true` to list the tokens of every user of your organisation (organisation
    /// admins); your own otherwise.
    #[serde(default)]
    pub organisation: bool,
}

async fn users_of_organisation(
    state: &AppState,
    organisation: &str,
) -> Result<BTreeSet<String>, ApiError> {
    Ok(state
        .directory()
        .users()
        .await
        .map_err(|error| directory_failed(&error))?
        .into_iter()
        .filter(|user| user.organisation == organisation)
        .map(|user| user.email)
        .collect())
}

/// Your tokens (or, for organisation admins, your organisation's).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    params(TokenListing),
    responses(
        (status = 200, description = "The tokens, oldest first, revoked ones included", body = Vec<TokenView>),
        (status = 400, description = "A query parameter is wrong", body = ErrorBody),
        (status = 403, description = "Listing the organisation's tokens takes an organisation admin", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(listing): ApiQuery<TokenListing>,
) -> Result<Json<Vec<TokenView>>, JsonError> {
    let member = if listing.organisation {
        administrator(
            &caller.0,
            Role::OrganisationAdmin,
            "list the organisation's tokens",
        )?
    } else {
        signed_in(&caller.0)?
    };
    let users = if listing.organisation {
        users_of_organisation(&state, member.organisation.as_str()).await?
    } else {
        BTreeSet::from([member.user.to_string()])
    };
    let tokens = state
        .directory()
        .tokens()
        .await
        .map_err(|error| directory_failed(&error))?;
    Ok(Json(
        tokens
            .iter()
            .filter(|token| users.contains(&token.user))
            .map(TokenView::from)
            .collect(),
    ))
}

fn checked_communities(
    member: &Member,
    requested: Option<Vec<String>>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(requested) = requested else {
        return Ok(None);
    };
    if requested.is_empty() {
        return Err(invalid_field(
            "communities",
            "name at least one community, or leave the field out for a token without a limit",
        ));
    }
    let reach = member.effective_reach();
    for community in &requested {
        if !reach.contains(&CommunityId::new(community.clone())) {
            return Err(invalid_field(
                "communities",
                format!(
                    "your organisation does not reach a community '{community}'; a token sees no more than you do"
                ),
            ));
        }
    }
    let unique: BTreeSet<String> = requested.into_iter().collect();
    Ok(Some(unique.into_iter().collect()))
}

/// Creates a token for yourself; its secret is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = NewTokenBody,
    responses(
        (status = 201, description = "Created; copy the token now", body = CreatedToken),
        (status = 403, description = "Not through a read-only or community-limited token; write only for analysts and up", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn create_token(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, Json<CreatedToken>), JsonError> {
    let member = administrator(&caller.0, Role::Member, "create tokens")?;
    if body.write && member.role < Role::Analyst {
        return Err(ApiError::forbidden(
            "members read only, so their tokens do too; a token that may write takes an analyst or higher",
        )
        .into());
    }
    let communities = checked_communities(member, body.communities)?;
    let token = ApiToken::generate()
        .map_err(|error| ApiError::internal("generating a token failed", &error))?;
    let record = TokenRecord {
        id: token.id().0.clone(),
        user: member.user.to_string(),
        secret_hash: token.secret_hash(),
        write: body.write,
        communities: communities.clone(),
        created_at: Timestamp::now().unix_micros(),
        last_used_at: None,
        revoked_at: None,
    };
    state
        .directory()
        .add_token(record.clone())
        .await
        .map_err(|error| directory_failed(&error))?;
    state
        .audit(
            &caller.actor(),
            "token-created",
            Some(&record.id),
            details(&[
                ("user", json!(record.user)),
                ("write", json!(record.write)),
                ("communities", json!(communities.unwrap_or_default())),
            ]),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: token.reveal(),
            record: TokenView::from(&record),
        }),
    ))
}

/// Revokes a token at once: your own, or (organisation admins) one of your
/// organisation's users, or (platform admins) any.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 400, description = "The path cannot be read", body = ErrorBody),
        (status = 403, description = "Not through a read-only token; another user's token takes their organisation's admin", body = ErrorBody),
        (status = 404, description = "No such token that you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, JsonError> {
    let member = writer(&caller.0)?;
    let not_found = || ApiError::not_found(format!("there is no token {id} of yours"));
    let record = state
        .directory()
        .token(&id)
        .await
        .map_err(|error| directory_failed(&error))?
        .ok_or_else(not_found)?;
    if record.user != member.user.as_str() && member.role < Role::PlatformAdmin {
        let colleagues = users_of_organisation(&state, member.organisation.as_str()).await?;
        if !colleagues.contains(&record.user) {
            return Err(not_found().into());
        }
        administrator(
            &caller.0,
            Role::OrganisationAdmin,
            "revoke the tokens of other users",
        )?;
    }
    if record.revoked_at.is_some() {
        return Ok(StatusCode::NO_CONTENT);
    }
    state
        .directory()
        .revoke_token(&id, Timestamp::now().unix_micros())
        .await
        .map_err(|error| directory_failed(&error))?;
    state
        .audit(
            &caller.actor(),
            "token-revoked",
            Some(&id),
            details(&[("user", json!(record.user))]),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
