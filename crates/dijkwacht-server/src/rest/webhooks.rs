//! `/api/v1/webhooks`: where an organisation wants its alerts pushed — its own HTTPS
//! endpoints (a SIEM, a chat channel, a ticket system) —, each with a secret that every
//! delivery is signed with (an HMAC over the body) so the receiver knows it came from
//! here.
//!
//! Organisation admins list, add and disable their organisation's webhooks; platform
//! admins any organisation's with `?organisation=NAME` (another organisation's webhook
//! is 404 to everyone else). Adding and disabling are not done through read-only or
//! community-limited tokens, and are audited (with the URL's origin only: a webhook URL
//! may carry a key in its path).
//!
//! A URL is `https`, or plain `http` only to this machine (a loopback address or
//! `localhost`), and holds no user name or password: alerts are not to be readable on
//! the way, and deliveries prove themselves with the signature instead. The deliverer
//! applies the same rule when it sends. The secret is stored readable (the deliverer
//! must sign with it) and is never listed: when the caller gives none, one of 256
//! random bits is drawn and shown in the answer to the creation, once. Disabling keeps
//! the webhook and its deliveries on record; pending deliveries to it are given up.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use dijkwacht_alerts::webhook_url::WebhookUrl;
use dijkwacht_policy::Role;
use dijkwacht_stix::Timestamp;
use dijkwacht_store::alerts::{NewWebhook, Severity, Webhook, WebhookSecret};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{
    OrganisationParam, administrator, alert_store_failed, details, organisation_acted_on,
    organisation_store_failed, own_records_reader, require_role,
};
use crate::rest::alerts::timestamp_text;
use crate::rest::extract::{
    ApiJson, ApiPath, ApiQuery, BodyRefusals, ErrorBody, SignInRefusals, invalid_field,
};
use crate::state::AppState;

/// The longest webhook URL taken.
/// The fewest bytes a secret given by the caller may have (the deliverer's minimum).
const MIN_SECRET_BYTES: usize = 16;
/// The most bytes a secret given by the caller may have.
const MAX_SECRET_BYTES: usize = 512;
/// The random bytes of a drawn secret: 256 bits.
const DRAWN_SECRET_BYTES: usize = 32;

/// A webhook as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    /// Use it to disable the webhook.
    pub id: i64,
    pub organisation: String,
    pub url: String,
    /// Alerts less severe than this are not sent to it: low, medium, high or critical.
    #[schema(example = "high")]
    pub min_severity: String,
    pub created_at: String,
    /// When it was disabled; null while it takes deliveries.
    pub disabled_at: Option<String>,
}

impl From<&Webhook> for WebhookView {
    fn from(webhook: &Webhook) -> WebhookView {
        WebhookView {
            id: webhook.id,
            organisation: webhook.organisation.clone(),
            url: webhook.url.clone(),
            min_severity: webhook.min_severity.as_str().to_owned(),
            created_at: timestamp_text(webhook.created_at),
            disabled_at: webhook.disabled_at.map(timestamp_text),
        }
    }
}

/// A new webhook.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// `https://…`, or `http://` to this machine only; no user name or password in it.
    #[schema(example = "https://siem.waterbedrijf.example/dijkwacht")]
    pub url: String,
    /// low (the default), medium, high or critical: the least severe alert sent to it.
    #[schema(example = "high")]
    pub min_severity: Option<String>,
    /// The key to sign deliveries with (16-512 bytes); one of 256 random bits is drawn
    /// and shown once when left out.
    pub secret: Option<String>,
}

/// A new webhook, with the secret drawn for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The secret drawn for it (base64url), shown this once; null when you gave one.
    pub secret: Option<String>,
}

/// Your organisation's webhooks (organisation admins).
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "alerts",
    params(OrganisationParam),
    responses(
        (status = 200, description = "The webhooks, oldest first, disabled ones included; never their secrets", body = Vec<WebhookView>),
        (status = 400, description = "A query parameter is unknown or wrong", body = ErrorBody),
        (status = 403, description = "Takes an organisation admin, not through a community-limited token", body = ErrorBody),
        (status = 404, description = "No such organisation whose webhooks you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(param): ApiQuery<OrganisationParam>,
) -> Result<Json<Vec<WebhookView>>, JsonError> {
    // Listing changes nothing, so a read-only token of an organisation admin may list.
    let member = own_records_reader(&caller.0, "a webhook")?;
    require_role(member, Role::OrganisationAdmin, "list webhooks")?;
    let organisation = organisation_acted_on(member, param.organisation.as_deref(), "webhook")?;
    let webhooks = state
        .alerts()
        .webhooks(&organisation)
        .await
        .map_err(organisation_store_failed(&organisation))?;
    Ok(Json(webhooks.iter().map(WebhookView::from).collect()))
}

/// Adds a webhook; a secret drawn for it is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "alerts",
    params(OrganisationParam),
    request_body = NewWebhookBody,
    responses(
        (status = 201, description = "Added; copy a drawn secret now", body = CreatedWebhook),
        (status = 403, description = "Takes an organisation admin, not through a read-only or community-limited token", body = ErrorBody),
        (status = 404, description = "No such organisation whose webhooks you may change", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(param): ApiQuery<OrganisationParam>,
    ApiJson(body): ApiJson<NewWebhookBody>,
) -> Result<(StatusCode, Json<CreatedWebhook>), JsonError> {
    let member = administrator(&caller.0, Role::OrganisationAdmin, "add webhooks")?;
    let organisation = organisation_acted_on(member, param.organisation.as_deref(), "webhook")?;
    let url = checked_url(&body.url)?;
    let min_severity = match &body.min_severity {
        Some(name) => {
            Severity::parse(name.trim()).map_err(|error| invalid_field("min_severity", error))?
        }
        None => Severity::Low,
    };
    let (secret, drawn) = match body.secret {
        Some(given) => (checked_secret(given)?, None),
        None => {
            let drawn = drawn_secret()?;
            (drawn.clone(), Some(drawn))
        }
    };
    let webhook = state
        .alerts()
        .add_webhook(NewWebhook {
            organisation: organisation.clone(),
            url: url.to_string(),
            secret: WebhookSecret::new(secret),
            min_severity,
            created_at: Timestamp::now().unix_micros(),
        })
        .await
        .map_err(organisation_store_failed(&organisation))?;
    state
        .audit(
            &caller.actor(),
            "webhook-added",
            Some(&webhook.id.to_string()),
            details(&[
                ("organisation", json!(webhook.organisation)),
                ("origin", json!(url.origin().ascii_serialization())),
                ("min_severity", json!(webhook.min_severity.as_str())),
                ("secret_drawn", json!(drawn.is_some())),
            ]),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhook {
            webhook: WebhookView::from(&webhook),
            secret: drawn,
        }),
    ))
}

/// Disables a webhook: it takes no more deliveries, and those pending are given up.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "alerts",
    params(("id" = i64, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "Disabled (or already disabled): the webhook as it is now", body = WebhookView),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 403, description = "Takes an organisation admin, not through a read-only or community-limited token", body = ErrorBody),
        (status = 404, description = "No such webhook that you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn disable_webhook(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<WebhookView>, JsonError> {
    let member = administrator(&caller.0, Role::OrganisationAdmin, "disable webhooks")?;
    let no_webhook = || format!("there is no webhook {id} of your organisation");
    let webhook = state
        .alerts()
        .webhook(id)
        .await
        .map_err(|error| alert_store_failed(&error, &no_webhook()))?
        .filter(|webhook| {
            webhook.organisation == member.organisation.as_str()
                || member.role == Role::PlatformAdmin
        })
        .ok_or_else(|| ApiError::not_found(no_webhook()))?;
    if !webhook.is_enabled() {
        return Ok(Json(WebhookView::from(&webhook)));
    }
    let disabled = state
        .alerts()
        .disable_webhook(id, Timestamp::now().unix_micros())
        .await
        .map_err(|error| alert_store_failed(&error, &no_webhook()))?;
    state
        .audit(
            &caller.actor(),
            "webhook-disabled",
            Some(&id.to_string()),
            details(&[("organisation", json!(disabled.organisation))]),
        )
        .await?;
    Ok(Json(WebhookView::from(&disabled)))
}

/// A webhook URL as [`WebhookUrl`] takes it, in its normal form; a refusal names `url`.
fn checked_url(text: &str) -> Result<url::Url, ApiError> {
    WebhookUrl::parse(text)
        .map(|url| url.url().clone())
        .map_err(|error| invalid_field("url", error))
}

/// A secret the caller gives: long enough to be a key, short enough to be one.
fn checked_secret(secret: String) -> Result<String, ApiError> {
    if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&secret.len()) {
        return Err(invalid_field(
            "secret",
            format!(
                "use {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, or leave it out to have one drawn"
            ),
        ));
    }
    if secret.chars().any(char::is_control) {
        return Err(invalid_field(
            "secret",
            "use text without control characters, or leave it out to have one drawn",
        ));
    }
    Ok(secret)
}

/// 256 random bits, as base64url without padding.
fn drawn_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; DRAWN_SECRET_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|error| ApiError::internal("drawing a webhook secret failed", &error))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dijkwacht_alerts::webhook_url::MAX_WEBHOOK_URL_CHARS;

    fn refusal(text: &str) -> String {
        checked_url(text)
            .err()
            .and_then(|error| error.description)
            .unwrap_or_else(|| format!("{text} was taken"))
    }

    /// The rule itself is `WebhookUrl`'s, tested where it lives; here, that each
    /// refusal names the field `url`.
    #[test]
    fn url_refusals_name_the_field() {
        assert!(checked_url("http://[::1]:9000/hook").is_ok());
        for (bad, named) in [
            ("siem.example.nl/hook", "url: this is not a URL"),
            ("http://example.com/hook", "url: plain http is allowed only"),
            ("http://10.0.0.8/hook", "url: plain http"),
            ("ftp://siem.example.nl/hook", "url: a webhook is https"),
            (
                "https://admin:hunter2@siem.example.nl/hook",
                "url: a webhook URL must not hold",
            ),
            (
                "https://token@siem.example.nl/hook",
                "url: a webhook URL must not hold",
            ),
        ] {
            let details = refusal(bad);
            assert!(details.starts_with(named), "{bad}: {details}");
            assert!(!details.contains("hunter2"), "{details}");
        }
        let long = format!("https://example.nl/{}", "a".repeat(MAX_WEBHOOK_URL_CHARS));
        assert!(refusal(&long).starts_with("url: use at most"));
    }

    #[test]
    fn secrets_are_keys_and_drawn_ones_have_256_bits() {
        assert!(checked_secret("short".to_owned()).is_err());
        assert!(checked_secret("x".repeat(MAX_SECRET_BYTES + 1)).is_err());
        assert!(checked_secret("sixteen bytes!!!".to_owned()).is_ok());
        assert!(checked_secret("sixteen bytes!!\n".to_owned()).is_err());
        let drawn = drawn_secret().unwrap_or_default();
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&drawn)
            .unwrap_or_default();
        assert_eq!(decoded.len(), DRAWN_SECRET_BYTES);
        assert_ne!(drawn_secret().unwrap_or_default(), drawn);
    }
}
