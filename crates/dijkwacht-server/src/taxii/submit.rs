//! Adding objects (§5.4) and their status (§4.3).
//!
//! A POST is validated at once: objects that break a rule are failures, named with the
//! rule, path and fix. The rest is recorded as a submission *before* the answer goes
//! out — so what is acknowledged survives a restart — and stored by a task of its own.
//! The answer waits briefly for that task: small envelopes are answered `complete`,
//! large ones `pending`, and the status resource tells how the work went on. Submissions
//! left unfinished by a stop are finished at the next start ([`resume_unfinished`]).

use std::collections::BTreeSet;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use dijkwacht_policy::{Caller, CommunityId, Scope, UserId};
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder};
use dijkwacht_store::submissions::Submission;
use dijkwacht_store::{IngestMode, IngestOutcome, Provenance};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::caller::RequestCaller;
use crate::error::{ApiError, TaxiiError};
use crate::state::AppState;
use crate::taxii::media::check_content_type;
use crate::taxii::objects::taxii_response;
use crate::taxii::{resolve_collection, resolve_root};

/// How long a POST waits for its objects to be stored before answering `pending`.
const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// One object's part in a status (§4.3.1, status details).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StatusDetail {
    pub id: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The status resource, as TAXII shapes it, plus the root it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    pub id: String,
    /// `pending` or `complete`.
    pub status: String,
    pub request_timestamp: String,
    pub total_count: usize,
    pub success_count: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub successes: Vec<StatusDetail>,
    pub failure_count: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<StatusDetail>,
    pub pending_count: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pendings: Vec<StatusDetail>,
}

/// What is needed to finish a submission after a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingWork {
    root: String,
    user: String,
    owner: String,
    /// `organisation`, `public` or a community name.
    scope: String,
    tlp: String,
    /// The accepted objects as sent.
    objects: Vec<Value>,
}

impl Status {
    fn count(&mut self) {
        self.success_count = self.successes.len();
        self.failure_count = self.failures.len();
        self.pending_count = self.pendings.len();
        self.status = if self.pendings.is_empty() {
            "complete"
        } else {
            "pending"
        }
        .to_owned();
    }
}

/// The id and version a detail names, from the object as sent.
fn detail_of(value: &Value, fallback_version: &str, message: Option<String>) -> StatusDetail {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    StatusDetail {
        id: text("id").unwrap_or_else(|| "(object without id)".to_owned()),
        version: text("modified")
            .or_else(|| text("created"))
            .unwrap_or_else(|| fallback_version.to_owned()),
        message,
    }
}

#[derive(Deserialize)]
struct EnvelopeIn {
    objects: Option<Vec<Value>>,
}

/// POST …/objects/ (§5.4).
pub async fn add_objects(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path((root_name, collection)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, TaxiiError> {
    let root = resolve_collection(&state, &caller.0, &root_name, &collection).await?;
    let Caller::Member(member) = &caller.0 else {
        return Err(ApiError::forbidden("sign in to add objects").into());
    };
    if !root.can_write {
        return Err(ApiError::forbidden(format!(
            "you may read the collection of '{}' but not add to it: that takes an analyst or admin of a member organisation, with a token that may write",
            root.name
        ))
        .into());
    }
    check_content_type(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok()),
    )
    .map_err(|error| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_description(error.to_string())
    })?;
    let body = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "unreadable_body",
            "The body cannot be read",
        )
        .with_description(format!(
            "{}; the largest body accepted is {} bytes",
            rejection.body_text(),
            state.limits.max_body_bytes
        ))
    })?;
    let envelope: EnvelopeIn = serde_json::from_slice(&body).map_err(|error| {
        ApiError::bad_request(format!("the body is not a TAXII envelope: {error}"))
    })?;
    let objects = envelope.objects.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_objects",
            "The envelope has no objects",
        )
        .with_description("send {\"objects\": [...]} with at least one STIX object")
    })?;
    state.limits.check_envelope_objects(objects.len())?;
    let handling = root.handling_for(member);
    let work = PendingWork {
        root: root.name.clone(),
        user: member.user.to_string(),
        owner: handling.owner.clone(),
        scope: match &handling.scope {
            Scope::Public => "public".to_owned(),
            Scope::Communities(communities) => communities
                .iter()
                .next()
                .map(ToString::to_string)
                .unwrap_or_default(),
            Scope::Organisation | Scope::Federated(_) => "organisation".to_owned(),
        },
        tlp: handling.tlp.name().to_owned(),
        objects,
    };
    let id = uuid::Uuid::new_v4().to_string();
    let (status, prepared) =
        start(&state, &id, member.organisation.as_str(), work, &handling).await?;
    let mut details = serde_json::Map::new();
    details.insert("collection".to_owned(), root.name.clone().into());
    details.insert("status".to_owned(), id.clone().into());
    details.insert("objects".to_owned(), status.total_count.into());
    details.insert("refused".to_owned(), status.failure_count.into());
    state
        .audit(&caller.actor(), "taxii-add", None, details)
        .await?;
    let answer_now = status.clone();
    let provenance = Provenance::new(format!("taxii:{}:{}", root.name, member.user));
    let finishing = tokio::spawn(finish(
        state.clone(),
        member.organisation.to_string(),
        status,
        prepared,
        provenance,
    ));
    let status = match tokio::time::timeout(ANSWER_WAIT, finishing).await {
        Ok(Ok(Ok(done))) => done,
        Ok(Ok(Err(error))) => return Err(error.into()),
        Ok(Err(join_error)) => {
            return Err(ApiError::internal("the storing task failed", &join_error).into());
        }
        // Still running: answer with what is known now; the task goes on.
        Err(_) => answer_now,
    };
    Ok(taxii_response(
        StatusCode::ACCEPTED,
        serde_json::to_string(&status).unwrap_or_default(),
        None,
    ))
}

type Prepared = Vec<(Value, dijkwacht_store::PreparedObject)>;

/// Validates the objects of `work`, records the submission (failures decided, the rest
/// pending) and returns its status with the objects to store.
async fn start(
    state: &AppState,
    id: &str,
    organisation: &str,
    mut work: PendingWork,
    handling: &HandlingDefaults,
) -> Result<(Status, Prepared), ApiError> {
    let request_timestamp = Timestamp::now().to_taxii_string();
    let (prepared, failures) = classify(&work.objects, handling, &request_timestamp);
    let mut status = Status {
        id: id.to_owned(),
        status: String::new(),
        request_timestamp: request_timestamp.clone(),
        total_count: work.objects.len(),
        success_count: 0,
        successes: Vec::new(),
        failure_count: 0,
        failures,
        pending_count: 0,
        pendings: prepared
            .iter()
            .map(|(value, _)| detail_of(value, &request_timestamp, None))
            .collect(),
    };
    status.count();
    work.objects = prepared.iter().map(|(value, _)| value.clone()).collect();
    save(
        state,
        organisation,
        &status,
        (!status.pendings.is_empty()).then_some(&work),
    )
    .await?;
    Ok((status, prepared))
}

/// Splits objects into those to store and failures with every rule they broke.
fn classify(
    objects: &[Value],
    handling: &HandlingDefaults,
    request_timestamp: &str,
) -> (Prepared, Vec<StatusDetail>) {
    let mut intake = IntakeBuilder::new().with_handling(Some(handling.clone()));
    for (index, value) in objects.iter().enumerate() {
        intake.push(index, value.clone());
    }
    let intake = intake.finish();
    let failures = intake
        .invalid
        .iter()
        .map(|invalid| {
            let message = invalid
                .errors
                .iter()
                .map(|error| format!("{} at {}: {}", error.rule, error.path, error.message))
                .collect::<Vec<_>>()
                .join("; ");
            let sent = objects.get(invalid.index).unwrap_or(&Value::Null);
            detail_of(sent, request_timestamp, Some(message))
        })
        .collect();
    let prepared = intake
        .accepted
        .into_iter()
        .filter_map(|(index, object)| Some((objects.get(index)?.clone(), object)))
        .collect();
    (prepared, failures)
}

async fn save(
    state: &AppState,
    organisation: &str,
    status: &Status,
    work: Option<&PendingWork>,
) -> Result<(), ApiError> {
    let submission = Submission {
        id: status.id.clone(),
        organisation: organisation.to_owned(),
        finished: status.pendings.is_empty(),
        status: serde_json::to_string(status).unwrap_or_default(),
        pending_work: work.map(|work| serde_json::to_string(work).unwrap_or_default()),
    };
    state
        .submissions()
        .save_submission(submission)
        .await
        .map_err(|error| ApiError::internal("saving a submission failed", &error))
}

/// Stores the pending objects of a submission and records the outcome.
async fn finish(
    state: AppState,
    organisation: String,
    mut status: Status,
    prepared: Prepared,
    provenance: Provenance,
) -> Result<Status, ApiError> {
    if prepared.is_empty() {
        return Ok(status);
    }
    let (sent, objects): (Vec<Value>, Vec<_>) = prepared.into_iter().unzip();
    let report = state
        .store()
        .ingest(objects, IngestMode::SkipRejected, provenance)
        .await
        .map_err(|error| ApiError::internal("storing submitted objects failed", &error))?;
    state.nudge_streams();
    status.pendings.clear();
    for (index, value) in sent.iter().enumerate() {
        let stored_at = report
            .dates_added
            .get(index)
            .copied()
            .flatten()
            .map(|date| Timestamp::from_unix_micros(date).to_taxii_string());
        let fallback = stored_at.unwrap_or_else(|| status.request_timestamp.clone());
        match report.outcomes.get(index) {
            Some(IngestOutcome::Rejected) | None => {
                let reason = report
                    .rejections
                    .iter()
                    .find(|rejection| rejection.index == index)
                    .map(|rejection| rejection.reason.clone())
                    .unwrap_or_else(|| "not stored".to_owned());
                status
                    .failures
                    .push(detail_of(value, &fallback, Some(reason)));
            }
            Some(IngestOutcome::Duplicate) => status.successes.push(detail_of(
                value,
                &fallback,
                Some("already stored".to_owned()),
            )),
            Some(IngestOutcome::NewObject | IngestOutcome::NewVersion) => {
                status.successes.push(detail_of(value, &fallback, None));
            }
        }
    }
    status.count();
    save(&state, &organisation, &status, None).await?;
    Ok(status)
}

/// GET …/status/{id}/ (§4.3): only for users of the organisation that sent it.
pub async fn get_status(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path((root_name, status_id)): Path<(String, String)>,
) -> Result<Response, TaxiiError> {
    resolve_root(&state, &caller.0, &root_name).await?;
    let not_found = || ApiError::not_found(format!("there is no status {status_id} of yours"));
    let Caller::Member(member) = &caller.0 else {
        return Err(not_found().into());
    };
    let submission = state
        .submissions()
        .submission(&status_id)
        .await
        .map_err(|error| ApiError::internal("reading a submission failed", &error))?
        .filter(|submission| submission.organisation == member.organisation.as_str())
        .ok_or_else(not_found)?;
    Ok(taxii_response(StatusCode::OK, submission.status, None))
}

/// Finishes the submissions a previous run acknowledged but did not store; returns
/// how many were finished.
pub async fn resume_unfinished(state: &AppState) -> Result<usize, ApiError> {
    let unfinished = state
        .submissions()
        .unfinished_submissions()
        .await
        .map_err(|error| ApiError::internal("listing unfinished submissions failed", &error))?;
    let mut finished = 0;
    for submission in unfinished {
        let (Ok(status), Some(Ok(work))) = (
            serde_json::from_str::<Status>(&submission.status),
            submission
                .pending_work
                .as_deref()
                .map(serde_json::from_str::<PendingWork>),
        ) else {
            tracing::error!(id = %submission.id, "an unfinished submission cannot be read; left as it is");
            continue;
        };
        let handling = HandlingDefaults {
            owner: work.owner.clone(),
            scope: match work.scope.as_str() {
                "public" => Scope::Public,
                "organisation" => Scope::Organisation,
                community => Scope::Communities(BTreeSet::from([CommunityId::new(community)])),
            },
            tlp: TlpLevel::from_name(&work.tlp).unwrap_or(TlpLevel::AmberStrict),
            recipients: BTreeSet::<UserId>::new(),
            attribute_to: None,
        };
        let (prepared, _) = classify(&work.objects, &handling, &status.request_timestamp);
        let provenance = Provenance::new(format!("taxii:{}:{}", work.root, work.user));
        finish(
            state.clone(),
            submission.organisation.clone(),
            status,
            prepared,
            provenance,
        )
        .await?;
        finished += 1;
    }
    Ok(finished)
}
