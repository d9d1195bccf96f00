//! `/api/v1/alerts`: each organisation's inbox of actionable alerts — intelligence the
//! matcher found to touch its asset profile, with evidence, severity and the steps to
//! take — and the members' feedback on them, which tells the platform how useful each
//! source is.
//!
//! An alert belongs to one organisation and, like its profile, is that organisation's
//! and platform admins' only: another organisation's alert is 404. TLP:RED alerts are
//! for their named recipients alone, platform admins included, in lists
//! ([`AlertQuery::reader`]) and one by one ([`AlertRecord::visible_to`]). Any user of the
//! organisation reads the inbox (read-only tokens too; not a token limited to
//! communities: an alert quotes intelligence from wherever it was found) and gives
//! feedback (not through a read-only token); feedback is audited. Reading alerts of
//! TLP:AMBER or stricter is audited as reading such objects is (`alert-read`).
//!
//! Statistics count an organisation's alerts by status and severity; platform admins
//! count every organisation's, or one's with `?organisation=`, and also see what
//! members said of each fusion source's alerts (`feedback_by_source`), which names the
//! sources and so is for them only, with the letter the scoring model makes of it:
//! the source's letter in `dijkwacht.toml`, moved by that feedback
//! ([`crate::source_feedback`]), and why. The counts are the store's `alert_counts` for
//! the caller as reader: a TLP:RED alert counts only for its named recipients, so a
//! count tells of nothing the inbox would not list.

mod params;

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::scoring::ScoringModel;
use dijkwacht_policy::{Member, Role};
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::alerts::{
    AlertCounts, AlertQuery, AlertRecord, AlertStatus, DEFAULT_ALERT_PAGE, Severity,
    SourceFeedback, StatusChange,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{
    OrganisationParam, alert_store_failed, details, organisation_acted_on,
    organisation_store_failed, own_records_reader, writer,
};
use crate::rest::extract::{
    ApiJson, ApiPath, ApiQuery, BodyRefusals, ErrorBody, SignInRefusals, invalid_field,
};
use crate::source_feedback;
use crate::state::AppState;
use params::parse_inbox_params;

/// The longest note a piece of feedback may carry, in characters.
const MAX_NOTE_CHARS: usize = 2_000;

/// An alert as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// The same for the same finding: the UUID of its organisation and key.
    pub id: String,
    pub organisation: String,
    /// What kind of finding it is (vulnerable-product, exploited-vulnerability, …).
    pub kind: String,
    /// low, medium, high or critical.
    #[schema(example = "high")]
    pub severity: String,
    /// clear, green, amber, amber+strict or red: as far as the alert may travel.
    #[schema(example = "amber")]
    pub tlp: String,
    /// new, acknowledged, resolved, not-relevant or false-positive.
    #[schema(example = "new")]
    pub status: String,
    /// Who set the status, the note they gave and when; null while new.
    pub status_by: Option<String>,
    pub status_note: Option<String>,
    pub status_at: Option<String>,
    /// When it was first raised.
    pub created: String,
    /// When it was last raised again, worse.
    pub updated: String,
    /// The STIX objects it links; read them with `GET /api/v1/objects/{id}`.
    pub object_ids: Vec<String>,
    /// What the matcher wrote: title, summary and steps in Dutch (`nl`) and English
    /// (`en`), and the evidence of the match.
    pub body: serde_json::Value,
}

impl From<&AlertRecord> for AlertView {
    fn from(alert: &AlertRecord) -> AlertView {
        AlertView {
            id: alert.id.clone(),
            organisation: alert.organisation.clone(),
            kind: alert.kind.clone(),
            severity: alert.severity.as_str().to_owned(),
            tlp: alert.tlp.name().to_owned(),
            status: alert.status.as_str().to_owned(),
            status_by: alert.status_by.clone(),
            status_note: alert.status_note.clone(),
            status_at: alert.status_at.map(timestamp_text),
            created: timestamp_text(alert.created_at),
            updated: timestamp_text(alert.updated_at),
            object_ids: alert.object_ids.clone(),
            body: alert.body.clone(),
        }
    }
}

/// One change of an alert's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeView {
    #[schema(example = "acknowledged")]
    pub status: String,
    pub by: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

impl From<&StatusChange> for StatusChangeView {
    fn from(change: &StatusChange) -> StatusChangeView {
        StatusChangeView {
            status: change.status.as_str().to_owned(),
            by: change.by.clone(),
            note: change.note.clone(),
            at: timestamp_text(change.at),
        }
    }
}

/// One alert with the history of its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: AlertView,
    /// Every status change, oldest first.
    pub history: Vec<StatusChangeView>,
}

/// A page of the inbox, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<AlertView>,
    /// Whether more alerts lie beyond this page: older ones, or newer ones when the page
    /// was asked with `after`.
    pub more: bool,
    /// When `more`: the position to continue from, as `?before=` (or as `?after=` when
    /// this page was asked with `after`).
    pub next: Option<String>,
}

/// A member's verdict on an alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// acknowledged, resolved, not-relevant or false-positive.
    #[schema(example = "resolved")]
    pub status: String,
    /// Why, in a few words (at most 2,000 characters).
    pub note: Option<String>,
}

/// How many alerts have one status and one severity.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertCountView {
    pub status: String,
    pub severity: String,
    pub alerts: u64,
}

/// What members said of the alerts one fusion source's intelligence raised, and what
/// scoring makes of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceFeedbackView {
    pub source: String,
    /// Alerts naming the source, and how many of them have each status now.
    pub alerts: u64,
    pub new: u64,
    pub acknowledged: u64,
    pub resolved: u64,
    pub not_relevant: u64,
    pub false_positive: u64,
    /// The source's Admiralty letter (A–F) in the operator's configuration; null when
    /// the source is not (or no longer) configured.
    pub reliability: Option<String>,
    /// The letter scoring uses after this feedback (the same as `reliability` unless
    /// the feedback moved it, or feedback weighting is off); null with `reliability`.
    pub effective_reliability: Option<String>,
    /// Why the effective letter is what it is, in words; null with `reliability`.
    pub reliability_reason: Option<String>,
}

impl SourceFeedbackView {
    /// The view of one source's feedback, scored by `model` when the operator's
    /// letter for it is known.
    fn new(
        feedback: SourceFeedback,
        rating: Option<Reliability>,
        model: &ScoringModel,
    ) -> SourceFeedbackView {
        let effective = rating.map(|stated| {
            model.effective_reliability(stated, &source_feedback::feedback_counts(&feedback))
        });
        SourceFeedbackView {
            reliability: rating.map(|letter| letter.letter().to_string()),
            effective_reliability: effective
                .as_ref()
                .map(|effective| effective.effective.letter().to_string()),
            reliability_reason: effective.as_ref().map(ToString::to_string),
            source: feedback.source,
            alerts: feedback.alerts,
            new: feedback.new,
            acknowledged: feedback.acknowledged,
            resolved: feedback.resolved,
            not_relevant: feedback.not_relevant,
            false_positive: feedback.false_positive,
        }
    }
}

/// Alert counts, and for platform admins what members said of each source.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertStatistics {
    /// The organisation counted; null when a platform admin counts every organisation.
    pub organisation: Option<String>,
    pub total: u64,
    /// Every status, zeros included.
    pub by_status: BTreeMap<String, u64>,
    /// Every severity, zeros included.
    pub by_severity: BTreeMap<String, u64>,
    /// The combinations that occur.
    pub cells: Vec<AlertCountView>,
    /// Platform admins only (null for everyone else): per fusion source, its alerts by
    /// status, over every organisation, and the letter scoring makes of them.
    pub feedback_by_source: Option<Vec<SourceFeedbackView>>,
}

impl AlertStatistics {
    fn new(organisation: Option<String>, counts: &AlertCounts) -> AlertStatistics {
        AlertStatistics {
            organisation,
            total: counts.total(),
            by_status: AlertStatus::ALL
                .iter()
                .map(|status| (status.as_str().to_owned(), counts.with_status(*status)))
                .collect(),
            by_severity: Severity::ALL
                .iter()
                .map(|severity| {
                    (
                        severity.as_str().to_owned(),
                        counts.with_severity(*severity),
                    )
                })
                .collect(),
            cells: counts
                .cells
                .iter()
                .map(|cell| AlertCountView {
                    status: cell.status.as_str().to_owned(),
                    severity: cell.severity.as_str().to_owned(),
                    alerts: cell.alerts,
                })
                .collect(),
            feedback_by_source: None,
        }
    }
}

/// A stored time as the API writes times.
pub fn timestamp_text(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_taxii_string()
}

/// Your organisation's alerts, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    tag = "alerts",
    params(
        ("organisation" = Option<String>, Query, description = "Platform admins: another organisation's inbox"),
        ("status" = Option<Vec<String>>, Query, description = "Only these statuses (new, acknowledged, resolved, not-relevant, false-positive): repeat it, or list them with commas; all when left out"),
        ("severity" = Option<String>, Query, description = "Only this severity and worse: low, medium, high or critical"),
        ("since" = Option<String>, Query, description = "Only alerts raised at or after this time (2026-01-05T10:00:00Z)"),
        ("before" = Option<String>, Query, description = "The page of older alerts after this position (the `next` of the page before)"),
        ("after" = Option<String>, Query, description = "The page of newer alerts before this position, the closest first (to catch up); not with `before`"),
        ("limit" = Option<usize>, Query, minimum = 1, description = "At most this many alerts (default 100, at most the server's page limit)"),
    ),
    responses(
        (status = 200, description = "A page of alerts, newest first; TLP:RED ones only when they name you", body = AlertList),
        (status = 400, description = "A query parameter is unknown, repeated or wrong; the details name it", body = ErrorBody),
        (status = 403, description = "Peers use TAXII; a token limited to communities does not read alerts", body = ErrorBody),
        (status = 404, description = "No such organisation whose alerts you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list_alerts(
    State(state): State<AppState>,
    caller: RequestCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<AlertList>, JsonError> {
    let member = own_records_reader(&caller.0, "an alert")?;
    let max_limit = state.limits.max_page_size.max(1);
    let params = parse_inbox_params(query.as_deref().unwrap_or_default(), max_limit)?;
    let organisation =
        organisation_acted_on(member, params.organisation.as_deref(), "alert inbox")?;
    let paging_newer = params.after.is_some();
    let page = state
        .alerts()
        .alerts(AlertQuery {
            organisation: Some(organisation.clone()),
            reader: Some(member.user.to_string()),
            statuses: params.statuses,
            min_severity: params.min_severity,
            since: params.since,
            before: params.before,
            after: params.after,
            limit: params
                .limit
                .unwrap_or_else(|| DEFAULT_ALERT_PAGE.min(max_limit)),
        })
        .await
        .map_err(organisation_store_failed(&organisation))?;
    let continue_from = if paging_newer {
        page.alerts.first()
    } else {
        page.alerts.last()
    };
    let next = continue_from
        .filter(|_| page.more)
        .map(|alert| alert.position().to_string());
    audit_sensitive_alert_reads(&state, &caller, &page.alerts).await?;
    Ok(Json(AlertList {
        alerts: page.alerts.iter().map(AlertView::from).collect(),
        more: page.more,
        next,
    }))
}

/// One alert with its history.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/{id}",
    tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The alert and the history of its status", body = AlertDetail),
        (status = 400, description = "The path cannot be read", body = ErrorBody),
        (status = 403, description = "Peers use TAXII; a token limited to communities does not read alerts", body = ErrorBody),
        (status = 404, description = "No such alert that you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn get_alert(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AlertDetail>, JsonError> {
    let member = own_records_reader(&caller.0, "an alert")?;
    let alert = visible_alert(&state, member, &id).await?;
    audit_sensitive_alert_reads(&state, &caller, std::slice::from_ref(&alert)).await?;
    Ok(Json(with_history(&state, &alert).await?))
}

/// Your verdict on one of your organisation's alerts.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{id}/feedback",
    tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    request_body = FeedbackBody,
    responses(
        (status = 200, description = "The alert with its new status and history", body = AlertDetail),
        (status = 403, description = "Not through a read-only or community-limited token; feedback comes from the alert's own organisation", body = ErrorBody),
        (status = 404, description = "No such alert that you may see", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn give_feedback(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FeedbackBody>,
) -> Result<Json<AlertDetail>, JsonError> {
    writer(&caller.0)?;
    let member = own_records_reader(&caller.0, "an alert")?;
    let (status, note) = checked_feedback(body)?;
    let alert = visible_alert(&state, member, &id).await?;
    if alert.organisation != member.organisation.as_str() {
        return Err(ApiError::forbidden(format!(
            "feedback on an alert comes from the users of the organisation it was raised for ('{}')",
            alert.organisation
        ))
        .into());
    }
    let change = StatusChange {
        status,
        by: Some(member.user.to_string()),
        note,
        at: Timestamp::now().unix_micros(),
    };
    let updated = state
        .alerts()
        .set_alert_status(&id, change)
        .await
        .map_err(|error| alert_store_failed(&error, &no_alert(&id)))?;
    // Feedback moves sources' letters: the next score reads the tally afresh.
    state.feedback.forget().await;
    state
        .audit(
            &caller.actor(),
            "alert-feedback",
            Some(&id),
            details(&[
                ("organisation", json!(updated.organisation)),
                ("status", json!(updated.status.as_str())),
                ("previous_status", json!(alert.status.as_str())),
            ]),
        )
        .await?;
    Ok(Json(with_history(&state, &updated).await?))
}

/// How many alerts by status and severity.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/statistics",
    tag = "alerts",
    params(OrganisationParam),
    responses(
        (status = 200, description = "Your organisation's counts (a platform admin's: every organisation's, or the one named), with what members said of each source for platform admins", body = AlertStatistics),
        (status = 400, description = "A query parameter is unknown or wrong", body = ErrorBody),
        (status = 403, description = "Peers use TAXII; a token limited to communities does not read alerts", body = ErrorBody),
        (status = 404, description = "No such organisation whose alerts you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn alert_statistics(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(param): ApiQuery<OrganisationParam>,
) -> Result<Json<AlertStatistics>, JsonError> {
    let member = own_records_reader(&caller.0, "an alert")?;
    let platform_admin = member.role == Role::PlatformAdmin;
    let organisation = if platform_admin {
        param.organisation
    } else {
        Some(organisation_acted_on(
            member,
            param.organisation.as_deref(),
            "alert statistics",
        )?)
    };
    let counts = state
        .alerts()
        .alert_counts(organisation.as_deref(), Some(member.user.as_str()))
        .await
        .map_err(organisation_store_failed(
            organisation.as_deref().unwrap_or_default(),
        ))?;
    let mut statistics = AlertStatistics::new(organisation, &counts);
    if platform_admin {
        let feedback = state
            .alerts()
            .feedback_by_source()
            .await
            .map_err(|error| ApiError::internal("reading feedback by source failed", &error))?;
        let ratings = state
            .source_ratings
            .as_ref()
            .map(|ratings| ratings.ratings())
            .unwrap_or_default();
        statistics.feedback_by_source = Some(
            feedback
                .into_iter()
                .map(|feedback| {
                    let rating = ratings.get(&feedback.source).copied();
                    SourceFeedbackView::new(feedback, rating, &state.scoring)
                })
                .collect(),
        );
    }
    Ok(Json(statistics))
}

fn no_alert(id: &str) -> String {
    format!("there is no alert '{id}' that you may see")
}

/// The alert `id` if `member` may see it: one of their organisation's (any for platform
/// admins) and, when TLP:RED, naming them. Anything else is 404, as if it did not exist.
async fn visible_alert(
    state: &AppState,
    member: &Member,
    id: &str,
) -> Result<AlertRecord, ApiError> {
    let alert = state
        .alerts()
        .alert(id)
        .await
        .map_err(|error| alert_store_failed(&error, &no_alert(id)))?;
    alert
        .filter(|alert| {
            (alert.organisation == member.organisation.as_str()
                || member.role == Role::PlatformAdmin)
                && alert.visible_to(member.user.as_str())
        })
        .ok_or_else(|| ApiError::not_found(no_alert(id)))
}

async fn with_history(state: &AppState, alert: &AlertRecord) -> Result<AlertDetail, ApiError> {
    let history = state
        .alerts()
        .alert_history(&alert.id)
        .await
        .map_err(|error| alert_store_failed(&error, &no_alert(&alert.id)))?;
    Ok(AlertDetail {
        alert: AlertView::from(alert),
        history: history.iter().map(StatusChangeView::from).collect(),
    })
}

/// The status and note of a piece of feedback, checked: a verdict (not `new`), and a
/// note of readable text, empty ones left out.
fn checked_feedback(body: FeedbackBody) -> Result<(AlertStatus, Option<String>), ApiError> {
    let status =
        AlertStatus::parse(body.status.trim()).map_err(|error| invalid_field("status", error))?;
    if status == AlertStatus::New {
        return Err(invalid_field(
            "status",
            "feedback is acknowledged, resolved, not-relevant or false-positive; an alert is new only until someone gives it",
        ));
    }
    let note = body
        .note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    if let Some(note) = &note {
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(invalid_field(
                "note",
                format!("use at most {MAX_NOTE_CHARS} characters"),
            ));
        }
        if note
            .chars()
            .any(|character| character.is_control() && !matches!(character, '\n' | '\t'))
        {
            return Err(invalid_field(
                "note",
                "use text without control characters (new lines and tabs are fine)",
            ));
        }
    }
    Ok((status, note))
}

/// Records which alerts of TLP:AMBER or stricter `caller` read, as reads of such
/// objects are recorded; nothing when there are none. A read that cannot be recorded
/// is not served.
async fn audit_sensitive_alert_reads(
    state: &AppState,
    caller: &RequestCaller,
    alerts: &[AlertRecord],
) -> Result<(), ApiError> {
    let sensitive: Vec<&str> = alerts
        .iter()
        .filter(|alert| alert.tlp >= TlpLevel::Amber)
        .map(|alert| alert.id.as_str())
        .collect();
    if sensitive.is_empty() {
        return Ok(());
    }
    state
        .audit(
            &caller.actor(),
            "alert-read",
            None,
            details(&[("alerts", json!(sensitive))]),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feedback(status: &str, note: Option<&str>) -> Result<(AlertStatus, Option<String>), String> {
        checked_feedback(FeedbackBody {
            status: status.to_owned(),
            note: note.map(str::to_owned),
        })
        .map_err(|error| error.description.unwrap_or_default())
    }

    #[test]
    fn feedback_is_a_verdict_with_a_readable_note() {
        assert_eq!(
            feedback("resolved", Some("  patched on Monday\n ")),
            Ok((AlertStatus::Resolved, Some("patched on Monday".to_owned())))
        );
        assert_eq!(
            feedback("false-positive", Some("   ")),
            Ok((AlertStatus::FalsePositive, None))
        );
        for (status, note, named) in [
            ("new", None, "status: feedback is"),
            ("done", None, "status: 'done' is not a status"),
            ("resolved", Some("a\u{7}b"), "note: use text"),
        ] {
            let refused = feedback(status, note).err().unwrap_or_default();
            assert!(refused.starts_with(named), "{status}: {refused}");
        }
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        assert!(
            feedback("resolved", Some(&long))
                .err()
                .unwrap_or_default()
                .starts_with("note: use at most")
        );
    }
}
