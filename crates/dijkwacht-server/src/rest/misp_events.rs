//! `POST /api/v1/misp/events`: a member uploads MISP events as MISP exports them —
//! one event (`{"Event": {…}}`), a list of them, or MISP's `{"response": […]}` — and
//! they are stored as STIX 2.1, mapped by the same `dijkwacht_fusion::misp` as the
//! fusion center's MISP feeds, so that the same event gives the same objects whichever
//! way it came in.
//!
//! Who: an analyst or higher of a member organisation, not through a read-only token
//! (as writing into a TAXII collection). Where: the communities named with
//! `?community=` (repeatable), each one the organisation is a participant or partner
//! of and, for a token limited to communities, one of those; a community the caller
//! does not reach does not exist for them (404). The objects are owned by the caller's
//! organisation; what MISP keeps to "your organisation only" (distribution 0) stays
//! with it. TLP: the event's or attribute's own `tlp:` tag, else `?tlp=`, else the
//! strictest default of the communities named.
//!
//! The upload passes the intake gate all-or-nothing and is stored in one transaction:
//! either every object is stored or none. It is audited (`misp-upload`) before it is
//! stored. The answer is 201 with what was made and what could not be mapped, or 200
//! when everything was stored already (the same event uploaded twice).

mod prepare;

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dijkwacht_directory::role_name;
use dijkwacht_policy::{CommunityId, Member, Role, Scope};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::intake::HandlingDefaults;
use dijkwacht_store::{IngestMode, IngestOutcome, Provenance};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

pub use prepare::{EventSummary, NotMapped};

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{details, writer};
use crate::rest::communities::directory_snapshot;
use crate::rest::extract::{ErrorBody, SignInRefusals, invalid_parameter};
use crate::state::AppState;
use prepare::{Destination, Upload, prepare};

/// What an upload made.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadSummary {
    /// Each event of the body, in order.
    pub events: Vec<EventSummary>,
    /// The STIX ids of the reports made, one per event; read them with
    /// `GET /api/v1/objects/{id}`.
    pub reports: Vec<String>,
    /// The communities the events were shared into.
    pub communities: Vec<String>,
    /// STIX objects the events were mapped to.
    pub objects: usize,
    /// Objects stored for the first time.
    pub new_objects: usize,
    /// New versions of objects stored before (an edited event).
    pub new_versions: usize,
    /// Objects stored already, unchanged (repeats within the upload included).
    pub duplicates: usize,
    /// Objects kept to your organisation: MISP distribution 0.
    pub kept_to_organisation: usize,
    /// What of the events could not be mapped to STIX (stored without it).
    pub not_mapped: Vec<NotMapped>,
}

/// The query parameters of an upload.
#[derive(Debug, Default)]
struct UploadParams {
    communities: BTreeSet<String>,
    tlp: Option<TlpLevel>,
}

/// Reads the raw query: `community` repeatable, `tlp` once, nothing else.
fn parse_params(query: &str) -> Result<UploadParams, ApiError> {
    let mut params = UploadParams::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "community" if value.is_empty() => {
                return Err(invalid_parameter(
                    "community",
                    "is empty; name a community your organisation is a member of",
                ));
            }
            "community" => {
                params.communities.insert(value.into_owned());
            }
            "tlp" if params.tlp.is_some() => {
                return Err(invalid_parameter(
                    "tlp",
                    "appears more than once; give it once",
                ));
            }
            "tlp" => {
                let level = TlpLevel::from_name(&value.to_ascii_lowercase()).ok_or_else(|| {
                    invalid_parameter(
                        "tlp",
                        format!(
                            "'{value}' is not a TLP level; use clear, green, amber or amber+strict"
                        ),
                    )
                })?;
                if level == TlpLevel::Red {
                    return Err(invalid_parameter(
                        "tlp",
                        "TLP:RED goes to named people only, and an upload is shared with communities, which name no one; use amber+strict at most",
                    ));
                }
                params.tlp = Some(level);
            }
            other => {
                return Err(invalid_parameter(
                    other,
                    "is not a parameter of this endpoint; it takes community (repeatable) and tlp",
                ));
            }
        }
    }
    if params.communities.is_empty() {
        return Err(invalid_parameter(
            "community",
            "is missing; name the community to share the events into (?community=NAME, repeatable)",
        ));
    }
    Ok(params)
}

/// A member who may publish: an analyst or higher, not through a read-only token.
fn publisher(member: &Member) -> Result<(), ApiError> {
    if member.role < Role::Analyst {
        return Err(ApiError::forbidden(format!(
            "uploading MISP events publishes intelligence, which takes the role {} or higher; you are {}",
            role_name(Role::Analyst),
            role_name(member.role)
        )));
    }
    Ok(())
}

/// Where the events of `member` go: the communities of `params`, each checked.
async fn destination(
    state: &AppState,
    member: &Member,
    params: &UploadParams,
) -> Result<Destination, ApiError> {
    let token_limit = member
        .token
        .as_ref()
        .and_then(|token| token.communities.as_ref());
    let (communities, memberships) = directory_snapshot(state).await?;
    let mut chosen = BTreeSet::new();
    let mut strictest_default: Option<TlpLevel> = None;
    for name in &params.communities {
        let id = CommunityId::new(name.clone());
        if token_limit.is_some_and(|limit| !limit.contains(&id)) {
            return Err(ApiError::forbidden(format!(
                "this token is limited to other communities than '{name}'; use a token for it, or sign in with a password"
            )));
        }
        let community = communities
            .iter()
            .find(|community| community.name == *name)
            .filter(|_| member.reach.contains(&id))
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "there is no community '{name}' among yours; /taxii2/ lists the communities you reach"
                ))
            })?;
        let is_member = memberships.iter().any(|membership| {
            membership.community == *name
                && membership.organisation == member.organisation.as_str()
                && membership.stage.is_member()
        });
        if !is_member {
            return Err(ApiError::forbidden(format!(
                "your organisation reads what is shared into '{name}' but is not a participant or partner of it, so it may not publish there"
            )));
        }
        strictest_default = strictest_default.max(Some(community.default_tlp));
        chosen.insert(id);
    }
    let (tlp, tlp_from) = match (params.tlp, strictest_default) {
        (Some(level), _) => (level, "parameter"),
        (None, Some(level)) => (level, "community"),
        (None, None) => (TlpLevel::AmberStrict, "community"),
    };
    let shared = HandlingDefaults {
        owner: member.organisation.to_string(),
        scope: Scope::Communities(chosen),
        tlp,
        recipients: BTreeSet::new(),
        attribute_to: None,
    };
    Ok(Destination {
        owner_only: HandlingDefaults {
            scope: Scope::Organisation,
            ..shared.clone()
        },
        shared,
        tlp_from,
    })
}

/// 415 unless the body is sent as `application/json`.
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    if media_type.is_some_and(|media_type| media_type.eq_ignore_ascii_case("application/json")) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
    )
    .with_description(
        "send the MISP event as JSON, with the header Content-Type: application/json",
    ))
}

fn read_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
        ApiError::new(
            rejection.status(),
            if too_large {
                "body_too_large"
            } else {
                "unreadable_body"
            },
            "The body cannot be read",
        )
        .with_description(format!(
            "{}; the largest body accepted is {limit} bytes",
            rejection.body_text()
        ))
    })
}

/// Uploads MISP events, stored as STIX 2.1 in your communities.
#[utoipa::path(
    post,
    path = "/api/v1/misp/events",
    tag = "intelligence",
    params(
        ("community" = Vec<String>, Query, description = "A community to share the events into, which your organisation is a participant or partner of; repeat it for several"),
        ("tlp" = Option<String>, Query, description = "clear, green, amber or amber+strict: the TLP of what carries no tlp: tag; the strictest default of the communities when left out"),
    ),
    request_body(
        content = Object,
        content_type = "application/json",
        description = "A MISP event as MISP exports it ({\"Event\": {…}}), a list of them, or MISP's {\"response\": […]}; up to the server's body limit (32 MiB unless configured)"
    ),
    responses(
        (status = 201, description = "Stored: what was made, new and already there, and what could not be mapped", body = UploadSummary),
        (status = 200, description = "Everything was stored already: nothing changed", body = UploadSummary),
        (status = 400, description = "The body is not JSON (cut short?), or a query parameter is missing, unknown or wrong; the details name it", body = ErrorBody),
        (status = 403, description = "Not an analyst or higher, a read-only token, a token limited to other communities, or a community your organisation only reads", body = ErrorBody),
        (status = 404, description = "A community you do not reach", body = ErrorBody),
        (status = 409, description = "The store refused an object (another organisation's, or another version with the same time); nothing was stored", body = ErrorBody),
        (status = 413, description = "The body is larger than the server's limit", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "The body is not a MISP event, an object breaks a STIX rule, or TLP:RED; the details name the event, attribute or object and the field; nothing was stored", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn upload_events(
    State(state): State<AppState>,
    caller: RequestCaller,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, JsonError> {
    let member = writer(&caller.0)?;
    publisher(member)?;
    let params = parse_params(query.as_deref().unwrap_or_default())?;
    let destination = destination(&state, member, &params).await?;
    check_content_type(&headers)?;
    let body = read_body(body, state.limits.max_body_bytes)?;
    let upload = tokio::task::spawn_blocking(move || prepare(&body, &destination))
        .await
        .map_err(|error| ApiError::internal("mapping MISP events failed", &error))??;
    let reports: Vec<String> = upload
        .events
        .iter()
        .flat_map(|event| event.reports.iter().cloned())
        .collect();
    state
        .audit(
            &caller.actor(),
            "misp-upload",
            reports.first().map(String::as_str),
            details(&[
                ("organisation", json!(member.organisation.as_str())),
                ("communities", json!(params.communities)),
                (
                    "events",
                    json!(
                        upload
                            .events
                            .iter()
                            .map(|event| &event.uuid)
                            .collect::<Vec<_>>()
                    ),
                ),
                ("reports", json!(reports)),
                ("objects", json!(upload.prepared.len())),
                ("kept_to_organisation", json!(upload.kept_to_organisation)),
            ]),
        )
        .await?;
    let Upload {
        prepared,
        events,
        not_mapped,
        objects,
        kept_to_organisation,
        origins,
    } = upload;
    let stored = state
        .store()
        .ingest(
            prepared,
            IngestMode::AllOrNothing,
            Provenance::new(format!("rest:misp:{}", member.user)),
        )
        .await
        .map_err(|error| ApiError::internal("storing MISP events failed", &error))?;
    if !stored.committed {
        let refusals: Vec<String> = stored
            .rejections
            .iter()
            .map(|rejection| {
                let origin = origins
                    .get(&rejection.id)
                    .map(|origin| format!(" ({origin})"))
                    .unwrap_or_default();
                format!("object {}{origin}: {}", rejection.id, rejection.reason)
            })
            .collect();
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "The store refused objects of the upload",
        )
        .with_description(format!("nothing was stored: {}", refusals.join("; ")))
        .into());
    }
    let new_objects = stored.count(IngestOutcome::NewObject);
    let new_versions = stored.count(IngestOutcome::NewVersion);
    if new_objects + new_versions > 0 {
        state.nudge_streams();
    }
    let summary = UploadSummary {
        events,
        reports,
        communities: params.communities.into_iter().collect(),
        objects,
        new_objects,
        new_versions,
        duplicates: objects.saturating_sub(new_objects + new_versions),
        kept_to_organisation,
        not_mapped,
    };
    let status = if new_objects + new_versions > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(summary)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_strictly_and_named_when_wrong() {
        let params = parse_params("community=water&community=chemie&tlp=AMBER")
            .unwrap_or_else(|error| panic!("{error:?}"));
        assert_eq!(params.communities.len(), 2);
        assert_eq!(params.tlp, Some(TlpLevel::Amber));
        for (query, named) in [
            ("", "community: is missing"),
            ("community=", "community: is empty"),
            ("community=water&tlp=red", "tlp: TLP:RED"),
            ("community=water&tlp=pink", "tlp: 'pink'"),
            (
                "community=water&tlp=green&tlp=amber",
                "tlp: appears more than once",
            ),
            (
                "community=water&skip_invalid=true",
                "skip_invalid: is not a parameter",
            ),
        ] {
            let error = parse_params(query)
                .err()
                .unwrap_or_else(|| panic!("{query} refused"));
            assert_eq!(error.status, StatusCode::BAD_REQUEST);
            let details = error.description.unwrap_or_default();
            assert!(details.starts_with(named), "{query}: {details}");
        }
    }
}
