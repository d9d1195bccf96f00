//! `/api/v1/assets`: an organisation's asset profile — what it runs (CPE names, package
//! URLs, products) and owns (address ranges, AS numbers, domains, e-mail domains) —,
//! which the alert matcher compares intelligence with.
//!
//! A profile says what a member runs, and so where it can be hurt: only that
//! organisation and platform admins see it. Its users read it (members too, read-only
//! tokens too); analysts and up change it, not through read-only tokens; a token
//! limited to communities neither reads nor changes it (it is shared into none).
//! Platform admins act on any organisation with `?organisation=NAME`; anyone else naming
//! another organisation gets 404, so the answer does not say whether it exists.
//!
//! Entries pass through `dijkwacht_alerts::profile::parse_entry`, the function the
//! command line uses too, so both take and normalise entries alike. A request is all or
//! nothing: every bad entry is named at once (index, kind, value, rule) and nothing is
//! stored. A request carries at most [`MAX_ENTRIES_PER_REQUEST`] entries; as that is
//! more than the REST API's 1 MiB takes (a CPE entry is about 80 bytes), these routes
//! are bounded by the server's own body limit instead (`Limits::max_body_bytes`, 32 MiB
//! unless configured), as MISP uploads are. Every change is audited with its counts
//! (never the entries: the audit log is not the place to copy a profile to) and nudges
//! the matcher ([`AppState::nudge_alert_matcher`]).

use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dijkwacht_alerts::profile::{AssetKind, parse_entry};
use dijkwacht_policy::{Member, Role};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::alerts::{AssetChange, AssetProfile, ProfileEntry};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoResponses, ToSchema};

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::rest::access::{
    OrganisationParam, administrator, details, organisation_acted_on, organisation_store_failed,
    own_records_reader,
};
use crate::rest::extract::{ApiJson, ApiQuery, ErrorBody, SignInRefusals, invalid_field};
use crate::state::AppState;

/// The most entries one request may add, replace or remove.
pub const MAX_ENTRIES_PER_REQUEST: usize = 100_000;

/// The most bad entries one refusal lists; the rest are counted.
const MAX_PROBLEMS_LISTED: usize = 1_000;

/// How much of a bad value a refusal repeats.
const MAX_VALUE_SHOWN: usize = 120;

/// One entry as a request gives it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// cpe, purl, product, cidr, asn, domain or email-domain.
    #[schema(example = "cpe")]
    pub kind: String,
    /// The CPE 2.3 name, package URL, `vendor:product[:version]`, network, AS number,
    /// domain or e-mail domain; brought into its normal form before it is stored.
    #[schema(example = "cpe:2.3:a:openbsd:openssh:9.6:*:*:*:*:*:*:*")]
    pub value: String,
}

/// Entries to add, or (with `replace`) the whole profile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileChangeBody {
    /// At most 100,000. At least one, unless `replace` empties the profile.
    pub entries: Vec<EntryBody>,
    /// `true` to make `entries` the whole profile in one step (what is not among them is
    /// removed); default `false`, which adds them.
    #[serde(default)]
    pub replace: bool,
}

/// Entries to remove.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRemovalBody {
    /// At least one, at most 100,000; entries the profile does not hold count as
    /// unchanged.
    pub entries: Vec<EntryBody>,
}

/// One stored entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub kind: String,
    /// In its normal form.
    pub value: String,
    /// When it was first added.
    pub added_at: String,
}

/// An organisation's whole profile, read at one moment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    pub organisation: String,
    /// Moves whenever the profile changes; 0 for a profile that never held an entry.
    pub revision: i64,
    /// By kind, then value.
    pub entries: Vec<EntryView>,
}

impl From<AssetProfile> for ProfileView {
    fn from(profile: AssetProfile) -> ProfileView {
        ProfileView {
            organisation: profile.organisation,
            revision: profile.revision,
            entries: profile
                .assets
                .into_iter()
                .map(|asset| EntryView {
                    kind: asset.kind,
                    value: asset.value,
                    added_at: Timestamp::from_unix_micros(asset.added_at).to_taxii_string(),
                })
                .collect(),
        }
    }
}

/// What a change did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileChangeView {
    pub organisation: String,
    /// Entries that were not in the profile and are now.
    pub added: usize,
    /// Entries that were in the profile and are no more.
    pub removed: usize,
    /// Entries named that stay as they were (already there, or not there to remove);
    /// an entry named twice counts once.
    pub unchanged: usize,
    /// The profile's revision after the change.
    pub revision: i64,
}

/// The refusals of a change to a profile (adding, replacing, removing).
#[derive(Debug, IntoResponses)]
pub enum ProfileChangeRefusals {
    #[response(
        status = 400,
        description = "The body is not JSON, or a query parameter is unknown or wrong"
    )]
    Malformed(ErrorBody),
    #[response(
        status = 403,
        description = "Changing a profile takes an analyst or higher, not through a read-only or community-limited token"
    )]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "No such organisation whose profile you may change"
    )]
    NotFound(ErrorBody),
    #[response(
        status = 413,
        description = "More than 100,000 entries, or a body larger than the server's limit"
    )]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "The body is not sent as application/json")]
    WrongMediaType(ErrorBody),
    #[response(
        status = 422,
        description = "A field is missing or wrong, or entries are not right: each bad one is named with its index, kind, value and rule; nothing was changed"
    )]
    Invalid(ErrorBody),
}

/// How a change treats the entries it names.
#[derive(Debug, Clone, Copy)]
enum ProfileOperation {
    Add,
    Replace,
    Remove,
}

impl ProfileOperation {
    fn audit_action(self) -> &'static str {
        match self {
            ProfileOperation::Add => "assets-added",
            ProfileOperation::Replace => "assets-replaced",
            ProfileOperation::Remove => "assets-removed",
        }
    }
}

/// The organisation's asset profile.
#[utoipa::path(
    get,
    path = "/api/v1/assets",
    tag = "alerts",
    params(OrganisationParam),
    responses(
        (status = 200, description = "The profile: its entries by kind and value, and its revision", body = ProfileView),
        (status = 400, description = "A query parameter is unknown or wrong", body = ErrorBody),
        (status = 403, description = "Peers use TAXII; a token limited to communities does not read profiles", body = ErrorBody),
        (status = 404, description = "No such organisation whose profile you may see", body = ErrorBody),
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn get_profile(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(param): ApiQuery<OrganisationParam>,
) -> Result<Json<ProfileView>, JsonError> {
    let member = own_records_reader(&caller.0, "an asset profile")?;
    let organisation =
        organisation_acted_on(member, param.organisation.as_deref(), "asset profile")?;
    let profile = state
        .alerts()
        .asset_profile(&organisation)
        .await
        .map_err(organisation_store_failed(&organisation))?;
    Ok(Json(ProfileView::from(profile)))
}

/// Adds entries to the profile, or with `"replace": true` makes them the whole profile.
#[utoipa::path(
    post,
    path = "/api/v1/assets",
    tag = "alerts",
    params(OrganisationParam),
    request_body(
        content = ProfileChangeBody,
        description = "The entries (at most 100,000), up to the server's body limit (32 MiB unless configured) rather than the REST API's 1 MiB"
    ),
    responses(
        (status = 200, description = "Stored: what was added, removed and left as it was", body = ProfileChangeView),
        ProfileChangeRefusals,
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn change_profile(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(param): ApiQuery<OrganisationParam>,
    ApiJson(body): ApiJson<ProfileChangeBody>,
) -> Result<Json<ProfileChangeView>, JsonError> {
    let operation = if body.replace {
        ProfileOperation::Replace
    } else {
        ProfileOperation::Add
    };
    apply_change(&state, &caller, param, body.entries, operation).await
}

/// Removes entries from the profile.
#[utoipa::path(
    delete,
    path = "/api/v1/assets",
    tag = "alerts",
    params(OrganisationParam),
    request_body(
        content = ProfileRemovalBody,
        description = "The entries to remove (at most 100,000), up to the server's body limit (32 MiB unless configured)"
    ),
    responses(
        (status = 200, description = "Removed: what was removed, and what was not there", body = ProfileChangeView),
        ProfileChangeRefusals,
        SignInRefusals,
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn remove_from_profile(
    State(state): State<AppState>,
    caller: RequestCaller,
    ApiQuery(param): ApiQuery<OrganisationParam>,
    ApiJson(body): ApiJson<ProfileRemovalBody>,
) -> Result<Json<ProfileChangeView>, JsonError> {
    apply_change(
        &state,
        &caller,
        param,
        body.entries,
        ProfileOperation::Remove,
    )
    .await
}

/// Checks who asks and what they give, stores the change in one call, audits it and
/// nudges the matcher.
async fn apply_change(
    state: &AppState,
    caller: &RequestCaller,
    param: OrganisationParam,
    entries: Vec<EntryBody>,
    operation: ProfileOperation,
) -> Result<Json<ProfileChangeView>, JsonError> {
    let member = profile_editor(&caller.0)?;
    let organisation =
        organisation_acted_on(member, param.organisation.as_deref(), "asset profile")?;
    if entries.is_empty() && !matches!(operation, ProfileOperation::Replace) {
        return Err(invalid_field(
            "entries",
            "name at least one entry (to empty the profile, send no entries with \"replace\": true)",
        )
        .into());
    }
    let entries = checked_entries(&entries)?;
    let at = Timestamp::now().unix_micros();
    let alerts = state.alerts();
    let stored = match operation {
        ProfileOperation::Add => alerts.add_assets(&organisation, entries, at).await,
        ProfileOperation::Replace => alerts.replace_assets(&organisation, entries, at).await,
        ProfileOperation::Remove => alerts.remove_assets(&organisation, entries).await,
    };
    let change: AssetChange = stored.map_err(organisation_store_failed(&organisation))?;
    if change.changed() {
        state.nudge_alert_matcher();
        state
            .audit(
                &caller.actor(),
                operation.audit_action(),
                Some(&organisation),
                details(&[
                    ("added", json!(change.added)),
                    ("removed", json!(change.removed)),
                    ("unchanged", json!(change.unchanged)),
                    ("revision", json!(change.revision)),
                ]),
            )
            .await?;
    }
    Ok(Json(ProfileChangeView {
        organisation,
        added: change.added,
        removed: change.removed,
        unchanged: change.unchanged,
        revision: change.revision,
    }))
}

/// Who may change a profile: an analyst or higher (those who know what the
/// organisation runs), not through a read-only or community-limited token.
fn profile_editor(caller: &dijkwacht_policy::Caller) -> Result<&Member, ApiError> {
    administrator(caller, Role::Analyst, "change an asset profile")
}

/// Every entry checked and normalised, or one 422 naming every bad one.
fn checked_entries(entries: &[EntryBody]) -> Result<Vec<ProfileEntry>, ApiError> {
    if entries.len() > MAX_ENTRIES_PER_REQUEST {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_entries",
            "Too many entries",
        )
        .with_description(format!(
            "entries: {} entries, and one request takes at most {MAX_ENTRIES_PER_REQUEST}; send them in several requests (adding), or ask for a larger limit",
            entries.len()
        )));
    }
    let mut checked = Vec::with_capacity(entries.len());
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let parsed = AssetKind::from_str(&entry.kind)
            .map_err(|error| error.to_string())
            .and_then(|kind| parse_entry(kind, &entry.value).map_err(|error| error.to_string()));
        match parsed {
            Ok(parsed) => checked.push(ProfileEntry::new(parsed.kind.as_str(), parsed.value)),
            Err(rule) => problems.push(format!(
                "entries[{index}] (kind '{}', value '{}'): {rule}",
                shown(&entry.kind),
                shown(&entry.value)
            )),
        }
    }
    if problems.is_empty() {
        return Ok(checked);
    }
    let bad = problems.len();
    let mut listed = problems
        .into_iter()
        .take(MAX_PROBLEMS_LISTED)
        .collect::<Vec<_>>()
        .join("; ");
    if bad > MAX_PROBLEMS_LISTED {
        listed.push_str(&format!(
            "; and {} more bad entries",
            bad - MAX_PROBLEMS_LISTED
        ));
    }
    Err(invalid_field(
        "entries",
        format!(
            "{bad} of {} entries are not right, so nothing was stored — {listed}",
            entries.len()
        ),
    ))
}

/// A value as a refusal repeats it: control characters escaped, long ones cut.
fn shown(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    if escaped.chars().count() <= MAX_VALUE_SHOWN {
        return escaped;
    }
    let cut: String = escaped.chars().take(MAX_VALUE_SHOWN).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, value: &str) -> EntryBody {
        EntryBody {
            kind: kind.to_owned(),
            value: value.to_owned(),
        }
    }

    #[test]
    fn good_entries_are_normalised_and_every_bad_one_is_named() {
        let checked = checked_entries(&[entry("Domain", " example.nl ")]).map_err(|e| e.title);
        assert_eq!(checked, Ok(vec![ProfileEntry::new("domain", "example.nl")]));
        let refused = checked_entries(&[
            entry("cpx", "x"),
            entry("domain", "example.nl"),
            entry("cidr", "  "),
        ])
        .err()
        .and_then(|error| error.description)
        .unwrap_or_default();
        assert!(refused.starts_with("entries: 2 of 3"), "{refused}");
        assert!(
            refused.contains("entries[0] (kind 'cpx', value 'x'): 'cpx' is not a kind"),
            "{refused}"
        );
        assert!(
            refused.contains("entries[2] (kind 'cidr', value '  '): the value is empty"),
            "{refused}"
        );
        assert!(!refused.contains("entries[1]"), "{refused}");
    }

    #[test]
    fn refusals_repeat_values_escaped_and_cut() {
        assert_eq!(shown("a\nb"), "a\\nb");
        let long = "x".repeat(500);
        assert_eq!(shown(&long).chars().count(), MAX_VALUE_SHOWN + 1);
    }

    #[test]
    fn too_many_entries_are_refused_before_any_is_read() {
        let many: Vec<EntryBody> = (0..=MAX_ENTRIES_PER_REQUEST)
            .map(|_| entry("asn", "64500"))
            .collect();
        let refused = checked_entries(&many).err().map(|error| error.status);
        assert_eq!(refused, Some(StatusCode::PAYLOAD_TOO_LARGE));
    }
}
