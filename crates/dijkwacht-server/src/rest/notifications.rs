//! `/api/v1/me/notifications`: how the caller hears of their organisation's alerts by
//! e-mail — not at all, high and critical ones at once (the rest in the daily digest),
//! or a daily or weekly digest. A preference is a user's own: each reads and sets only
//! theirs, which is why the path is under `/me` and names no one. Setting it is a
//! change, so not through a read-only token. Until a user chooses, the deliverer's
//! default holds, and the answer says so with a `mode` of null.

use axum::Json;
use axum::extract::State;
use dijkwacht_store::alerts::NotificationMode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::JsonError;
use crate::rest::access::{alert_store_failed, signed_in, writer};
use crate::rest::extract::{ApiJson, BodyRefusals, ErrorBody, SignInRefusals, invalid_field};
use crate::state::AppState;

/// Your e-mail preference.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    /// off, immediate, daily or weekly; null when you have not chosen (the platform's
    /// default holds).
    #[schema(example = "daily")]
    pub mode: Option<String>,
}

/// The e-mail preference to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationBody {
    /// off, immediate (high and critical at once, the rest daily), daily or weekly.
    #[schema(example = "daily")]
    pub mode: String,
}

fn no_user(user: &str) -> String {
    format!("there is no user '{user}' any more")
}

/// How you hear of alerts by e-mail.
#[utoipa::path(
    get,
    path = "/api/v1/me/notifications",
    tag = "alerts",
    responses(
        (status = 200, description = "Your preference; a mode of null when you have not chosen", body = NotificationView),
        (status = 403, description = "Peers use TAXII", body = ErrorBody),
        (status = 404, description = "Your user was removed from the directory", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn get_notifications(
    State(state): State<AppState>,
    caller: RequestCaller,
) -> Result<Json<NotificationView>, JsonError> {
    let member = signed_in(&caller.0)?;
    let mode = state
        .alerts()
        .notification(member.user.as_str())
        .await
        .map_err(|error| alert_store_failed(&error, &no_user(member.user.as_str())))?;
    Ok(Json(NotificationView {
        mode: mode.map(|mode| mode.as_str().to_owned()),
    }))
}

/// Sets how you hear of alerts by e-mail.
#[utoipa::path(
    put,
    path = "/api/v1/me/notifications",
    tag = "alerts",
    request_body = NotificationBody,
    responses(
        (status = 200, description = "Set", body = NotificationView),
        (status = 403, description = "Not through a read-only token; peers use TAXII", body = ErrorBody),
        (status = 404, description = "Your user was removed from the directory", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn set_notifications(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiJson(body): ApiJson<NotificationBody>,
) -> Result<Json<NotificationView>, JsonError> {
    let member = writer(&caller.0)?;
    let mode =
        NotificationMode::parse(body.mode.trim()).map_err(|error| invalid_field("mode", error))?;
    state
        .alerts()
        .set_notification(member.user.as_str(), mode)
        .await
        .map_err(|error| alert_store_failed(&error, &no_user(member.user.as_str())))?;
    Ok(Json(NotificationView {
        mode: Some(mode.as_str().to_owned()),
    }))
}
