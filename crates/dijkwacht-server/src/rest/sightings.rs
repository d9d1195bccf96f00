//! `POST /api/v1/sightings`: "we saw this". A member organisation reports that it saw
//! an indicator (or any other SDO) that it may read; the server writes the STIX 2.1
//! `sighting`, passes it through the intake gate like every stored object, and shares
//! it into one community the organisation is a member of, owned by the organisation.
//!
//! A sighting names the organisation as where it was seen (`where_sighted_refs`) and as
//! its creator — unless it is anonymous: then it has no `where_sighted_refs` and is
//! attributed to the community's identity, and only the audit log knows who reported
//! it (as publishing through a community does). Its TLP level is the community's
//! default unless the request says otherwise, and never less strict than the sighted
//! object's: a sighting tells that the object exists.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dijkwacht_policy::{CommunityId, Scope};
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::intake::{HandlingDefaults, IntakeBuilder};
use dijkwacht_store::{IngestMode, Provenance};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{details, directory_failed, writer};
use crate::rest::communities::directory_snapshot;
use crate::rest::extract::{ApiJson, BodyRefusals, ErrorBody, SignInRefusals, invalid_field};
use crate::rest::objects::{json_text, latest_visible};
use crate::state::AppState;

/// The largest `count` STIX allows.
const MAX_COUNT: u32 = 999_999_999;
/// The longest description accepted.
const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// A sighting to report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingBody {
    /// The id of the SDO seen (an indicator, malware, …), which you must be able to read.
    #[schema(example = "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2")]
    pub sighting_of_ref: String,
    /// The community to share the sighting into; your organisation must be a
    /// participant or partner of it.
    #[schema(example = "water")]
    pub community: String,
    /// How often it was seen (0-999999999; default 1).
    pub count: Option<u32>,
    /// When it was first seen (RFC 3339).
    pub first_seen: Option<String>,
    /// When it was last seen (RFC 3339), not before `first_seen`.
    pub last_seen: Option<String>,
    /// Leave your organisation out: the sighting is attributed to the community.
    #[serde(default)]
    pub anonymous: bool,
    /// What was seen, in a few words.
    pub description: Option<String>,
    /// clear, green, amber or amber+strict; the community's default when left out.
    pub tlp: Option<String>,
}

fn timestamp(field: &str, text: Option<&str>) -> Result<Option<String>, ApiError> {
    text.map(|text| {
        Timestamp::parse(text)
            .map(|stamp| stamp.to_taxii_string())
            .map_err(|error| {
                invalid_field(
                    field,
                    format!("'{text}' is not an RFC 3339 timestamp ({error})"),
                )
            })
    })
    .transpose()
}

fn chosen_tlp(
    requested: Option<&str>,
    default: TlpLevel,
    sighted: Option<TlpLevel>,
) -> Result<TlpLevel, ApiError> {
    let level = match requested {
        None => default,
        Some(name) => TlpLevel::from_name(name).ok_or_else(|| {
            invalid_field(
                "tlp",
                format!("'{name}' is not a TLP level; use clear, green, amber or amber+strict"),
            )
        })?,
    };
    if level == TlpLevel::Red {
        return Err(invalid_field(
            "tlp",
            "a sighting is shared into a community, and TLP:RED goes to named people only; use amber+strict at most",
        ));
    }
    if let Some(sighted) = sighted.filter(|sighted| *sighted > level) {
        return Err(invalid_field(
            "tlp",
            format!(
                "the sighted object is {}, so its sighting must be at least as strict",
                sighted.label()
            ),
        ));
    }
    Ok(level)
}

/// Reports a sighting of an object you may read.
#[utoipa::path(
    post,
    path = "/api/v1/sightings",
    tag = "intelligence",
    request_body = SightingBody,
    responses(
        (status = 201, description = "The STIX 2.1 sighting, as stored", body = Object),
        (status = 403, description = "Not through a read-only token, nor for a community outside the token's limit", body = ErrorBody),
        (status = 404, description = "No such object that you may read", body = ErrorBody),
        SignInRefusals,
        BodyRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn report_sighting(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiJson(body): ApiJson<SightingBody>,
) -> Result<Response, JsonError> {
    let member = writer(&caller.0)?;
    let community_id = CommunityId::new(body.community.clone());
    if member
        .token
        .as_ref()
        .and_then(|token| token.communities.as_ref())
        .is_some_and(|limit| !limit.contains(&community_id))
    {
        return Err(ApiError::forbidden(format!(
            "this token is limited to other communities than '{}'",
            body.community
        ))
        .into());
    }
    let (communities, memberships) = directory_snapshot(&state).await?;
    let is_member = memberships.iter().any(|membership| {
        membership.community == body.community
            && membership.organisation == member.organisation.as_str()
            && membership.stage.is_member()
    });
    let community = communities
        .iter()
        .find(|community| community.name == body.community)
        .filter(|_| is_member)
        .ok_or_else(|| {
            invalid_field(
                "community",
                format!(
                    "your organisation is not a participant or partner of a community '{}'",
                    body.community
                ),
            )
        })?;
    let count = body.count.unwrap_or(1);
    if count > MAX_COUNT {
        return Err(invalid_field("count", format!("use 0 to {MAX_COUNT}")).into());
    }
    if body
        .description
        .as_ref()
        .is_some_and(|text| text.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(invalid_field(
            "description",
            format!("use at most {MAX_DESCRIPTION_CHARS} characters"),
        )
        .into());
    }
    let first_seen = timestamp("first_seen", body.first_seen.as_deref())?;
    let last_seen = timestamp("last_seen", body.last_seen.as_deref())?;
    let sighted = latest_visible(&state, &caller.0, &body.sighting_of_ref)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "there is no object {} that you may read",
                body.sighting_of_ref
            ))
        })?;
    let tlp = chosen_tlp(body.tlp.as_deref(), community.default_tlp, sighted.tlp)?;
    let organisation = state
        .directory()
        .organisations()
        .await
        .map_err(|error| directory_failed(&error))?
        .into_iter()
        .find(|organisation| organisation.name == member.organisation.as_str())
        .ok_or_else(|| ApiError::not_found("your organisation is no longer in the directory"))?;

    let now = Timestamp::now().to_stix_millis();
    let id = format!("sighting--{}", uuid::Uuid::new_v4());
    let mut sighting = json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": id,
        "created": now,
        "modified": now,
        "created_by_ref": organisation.identity,
        "sighting_of_ref": sighted.id,
        "count": count,
        "object_marking_refs": [tlp.marking_id()],
    });
    if let Some(fields) = sighting.as_object_mut() {
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                fields.insert(key.to_owned(), value);
            }
        };
        set("first_seen", first_seen.map(Value::from));
        set("last_seen", last_seen.map(Value::from));
        set("description", body.description.clone().map(Value::from));
        set(
            "where_sighted_refs",
            (!body.anonymous).then(|| json!([organisation.identity])),
        );
    }
    let handling = HandlingDefaults {
        owner: member.organisation.to_string(),
        scope: Scope::Communities(BTreeSet::from([community_id])),
        tlp,
        recipients: BTreeSet::new(),
        attribute_to: body.anonymous.then(|| community.identity.clone()),
    };
    let mut intake = IntakeBuilder::new().with_handling(Some(handling));
    intake.push(0, sighting);
    let intake = intake.finish();
    if let Some(invalid) = intake.invalid.first() {
        let problems: Vec<String> = invalid
            .errors
            .iter()
            .map(|error| format!("{} at {}: {}", error.rule, error.path, error.message))
            .collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_sighting",
            "The sighting breaks a STIX rule",
        )
        .with_description(problems.join("; "))
        .into());
    }
    let prepared: Vec<_> = intake
        .accepted
        .into_iter()
        .map(|(_, object)| object)
        .collect();
    let stored_json = prepared
        .first()
        .map(|object| object.json.clone())
        .unwrap_or_default();
    state
        .audit(
            &caller.actor(),
            "sighting-reported",
            Some(&id),
            details(&[
                ("organisation", json!(member.organisation.as_str())),
                ("community", json!(body.community)),
                ("sighting_of_ref", json!(sighted.id)),
                ("anonymous", json!(body.anonymous)),
                ("tlp", json!(tlp.name())),
            ]),
        )
        .await?;
    let report = state
        .store()
        .ingest(
            prepared,
            IngestMode::AllOrNothing,
            Provenance::new(format!("rest:sighting:{}", member.user)),
        )
        .await
        .map_err(|error| ApiError::internal("storing a sighting failed", &error))?;
    if !report.committed {
        let reason = report.rejections.first().map_or_else(
            || "not stored".to_owned(),
            |rejection| rejection.reason.clone(),
        );
        return Err(ApiError::internal("a sighting was refused by the store", &reason).into());
    }
    state.nudge_streams();
    Ok(json_text(StatusCode::CREATED, stored_json))
}
