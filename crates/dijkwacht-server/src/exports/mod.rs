//! Bulk exports over HTTP: the formats of `dijkwacht-export` (a STIX 2.1 bundle, CSV,
//! blocklists and a MISP feed) served to the machines that pull intelligence as files —
//! firewalls, DNS resolvers, SIEMs, MISP instances.
//!
//! Why here and how: these are the same exports as `dijkwacht export --visible-to`,
//! but for the caller of the request, so every store query carries
//! `visibility_filter(caller, Action::Export)` (which leaves out TLP:RED and keeps
//! AMBER+STRICT to the organisations in scope; the export crate refuses RED again on
//! its own). `?community=NAME` narrows an export to what is shared into one community
//! the caller reaches; any other name is 404, as a community the caller cannot see does
//! not exist for them. Every export is recorded in the audit log — who, which format,
//! how many objects, the ids of the AMBER-or-stricter ones — before its content leaves,
//! and an export that cannot be recorded is refused (503). Every answer has a strong
//! `ETag` and honours `If-None-Match` ([`conditional`]), so that pollers are cheap.
//!
//! - `GET /api/v1/exports/stix` and `/csv` are streamed in two passes ([`streamed`]);
//! - `GET /api/v1/exports/blocklist/{ip|cidr|domain|url}` is built in memory (the
//!   values are sorted and deduplicated), valid indicators only unless
//!   `valid_only=false`, and never an indicator whose fusion score has decayed below
//!   its kind's threshold ([`crate::fusion_view`]);
//! - `GET /api/v1/exports/misp-feed/…` is a MISP feed, built per caller and kept for
//!   a minute ([`misp_feed`]).
//!
//! Parameters are read strictly ([`params`]); a bad one is a 400 naming it.

pub mod conditional;
pub mod doc;
pub mod misp_feed;
pub mod params;
pub mod streamed;

use std::collections::BTreeSet;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use dijkwacht_export::blocklist::{BlocklistBuilder, BlocklistKind};
use dijkwacht_export::{ExportReport, IndicatorFilter};
use dijkwacht_policy::{Action, Caller, CommunityId, Filter, visibility_filter};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::{ObjectQuery, StoredObject, VersionSelection};
use serde_json::{Map, Value};

use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::fusion_view::decayed_among;
use crate::state::AppState;
use conditional::{EntityTag, ExportHeaders, file_name_part};
use params::{Accepted, ExportParams};
use streamed::StreamedFormat;

/// Where the exports live.
pub const EXPORTS_PATH: &str = "/api/v1/exports";

const STIX_CONTENT_TYPE: &str = "application/stix+json;version=2.1";
const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The export routes, under [`EXPORTS_PATH`].
pub fn routes() -> Router<AppState> {
    let path = |tail: &str| format!("{EXPORTS_PATH}{tail}");
    Router::new()
        .route(
            &path("/stix"),
            get(|state, caller, query, headers| {
                streamed_export(StreamedEndpoint::Stix, state, caller, query, headers)
            }),
        )
        .route(
            &path("/csv"),
            get(|state, caller, query, headers| {
                streamed_export(StreamedEndpoint::Csv, state, caller, query, headers)
            }),
        )
        .route(&path("/blocklist/{kind}"), get(blocklist))
        .route(&path("/{format}"), get(unknown_format))
        .merge(misp_feed::routes())
}

/// Reads the store page by page in `date_added` order, as the export writers take it.
#[derive(Debug)]
pub struct PageCursor {
    query: ObjectQuery,
    done: bool,
}

impl PageCursor {
    pub fn new(query: ObjectQuery) -> PageCursor {
        PageCursor { query, done: false }
    }

    /// The next page, or `None` after the last.
    pub async fn next_page(
        &mut self,
        state: &AppState,
    ) -> Result<Option<Vec<StoredObject>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let page = state
            .store()
            .query(self.query.clone())
            .await
            .map_err(|error| ApiError::internal("reading objects for an export failed", &error))?;
        match (page.more, page.objects.last()) {
            (true, Some(last)) => self.query.added_after = Some(last.date_added),
            _ => self.done = true,
        }
        Ok(Some(page.objects))
    }
}

/// What `caller` may export, narrowed to one community when asked. A community the
/// caller does not reach does not exist for them.
pub fn export_filter(caller: &Caller, community: Option<&str>) -> Result<Filter, ApiError> {
    let visible = visibility_filter(caller, Action::Export);
    let Some(community) = community else {
        return Ok(visible);
    };
    let id = CommunityId::new(community);
    let reached = match caller {
        Caller::Member(member) => member.effective_reach().contains(&id),
        Caller::Anonymous | Caller::Peer(_) => false,
    };
    if !reached {
        return Err(ApiError::not_found(format!(
            "there is no community '{community}' among yours; /taxii2/ lists the communities you reach"
        )));
    }
    Ok(Filter::All(vec![
        visible,
        Filter::ScopeNamesAnyOf(BTreeSet::from([id])),
    ]))
}

/// The store query of an export: the latest version of each object the caller may
/// export, in pages of the server's default page size.
fn export_query(
    state: &AppState,
    caller: &Caller,
    params: &ExportParams,
    types: Vec<String>,
) -> Result<ObjectQuery, ApiError> {
    Ok(ObjectQuery {
        types,
        versions: VersionSelection::Last,
        added_after: params.added_after.map(|instant| instant.unix_micros()),
        limit: state.limits.page_size(None),
        visibility: Some(export_filter(caller, params.community.as_deref())?),
        ..ObjectQuery::default()
    })
}

/// The indicator filter of an export; `valid_only` when the request does not say.
fn indicator_filter(params: &ExportParams, valid_only_by_default: bool) -> IndicatorFilter {
    IndicatorFilter {
        min_confidence: params.min_confidence,
        only_valid_at: params
            .valid_only
            .unwrap_or(valid_only_by_default)
            .then(Timestamp::now),
    }
}

fn parse_params(
    query: Option<&str>,
    accepted: Accepted,
    endpoint: &str,
) -> Result<ExportParams, ApiError> {
    params::parse(query.unwrap_or(""), accepted, endpoint)
        .map_err(|error| ApiError::bad_request(error.to_string()))
}

/// Records an export as the command line does — format, objects written, the ids of
/// the AMBER-or-stricter ones, what was skipped — with the filters of the request.
pub async fn audit_export(
    state: &AppState,
    caller: &RequestCaller,
    format: &str,
    report: &ExportReport,
    mut details: Map<String, Value>,
) -> Result<(), ApiError> {
    details.insert("format".to_owned(), format.into());
    details.insert("interface".to_owned(), "http".into());
    details.insert("objects".to_owned(), report.objects_written.into());
    details.insert(
        "amber_or_stricter".to_owned(),
        report.amber_or_stricter.clone().into(),
    );
    let skipped: Map<String, Value> = report
        .skipped
        .iter()
        .map(|(reason, count)| (reason.name().to_owned(), (*count).into()))
        .collect();
    details.insert("skipped".to_owned(), skipped.into());
    state.audit(&caller.actor(), "export", None, details).await
}

/// The request's filters as the audit log records them.
fn filter_details(params: &ExportParams, filter: Option<&IndicatorFilter>) -> Map<String, Value> {
    let mut details = Map::new();
    if !params.types.is_empty() {
        details.insert("types".to_owned(), params.types.clone().into());
    }
    if let Some(instant) = params.added_after {
        details.insert("added_after".to_owned(), instant.to_taxii_string().into());
    }
    if let Some(community) = &params.community {
        details.insert("community".to_owned(), community.clone().into());
    }
    if let Some(filter) = filter {
        if let Some(minimum) = filter.min_confidence {
            details.insert("min_confidence".to_owned(), minimum.into());
        }
        details.insert(
            "valid_only".to_owned(),
            filter.only_valid_at.is_some().into(),
        );
    }
    details
}

/// `dijkwacht-<community or "export">.<extension>`.
fn file_name(params: &ExportParams, extension: &str) -> String {
    let subject = params.community.as_deref().unwrap_or("export");
    format!("dijkwacht-{}.{extension}", file_name_part(subject))
}

/// The endpoints whose exports are streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamedEndpoint {
    Stix,
    Csv,
}

/// GET /api/v1/exports/stix (a STIX 2.1 bundle) and /csv (one row per indicator value
/// and observable): the two passes, with 304 and the audit in between.
async fn streamed_export(
    endpoint: StreamedEndpoint,
    State(state): State<AppState>,
    caller: RequestCaller,
    RawQuery(raw_query): RawQuery,
    request_headers: HeaderMap,
) -> Result<Response, JsonError> {
    let (accepted, endpoint_name) = match endpoint {
        StreamedEndpoint::Stix => (Accepted::STIX, "the STIX export"),
        StreamedEndpoint::Csv => (Accepted::CSV, "the CSV export"),
    };
    let params = parse_params(raw_query.as_deref(), accepted, endpoint_name)?;
    let query = export_query(&state, &caller.0, &params, params.types.clone())?;
    let (format, content_type, extension, mut details) = match endpoint {
        StreamedEndpoint::Stix => {
            let details = filter_details(&params, None);
            (StreamedFormat::Bundle, STIX_CONTENT_TYPE, "json", details)
        }
        StreamedEndpoint::Csv => {
            let filter = indicator_filter(&params, false);
            let details = filter_details(&params, Some(&filter));
            (
                StreamedFormat::Csv(filter),
                CSV_CONTENT_TYPE,
                "csv",
                details,
            )
        }
    };
    let fingerprint = streamed::fingerprint(&state, query.clone(), format).await?;
    let headers = ExportHeaders::new(fingerprint.entity_tag.clone(), content_type, &caller.0)
        .with_file_name(file_name(&params, extension));
    if let Some(not_modified) = headers.not_modified_for(&request_headers) {
        return Ok(not_modified);
    }
    if format == StreamedFormat::Bundle {
        details.insert("bundle_id".to_owned(), fingerprint.bundle_id().into());
    }
    audit_export(&state, &caller, format.name(), &fingerprint.report, details).await?;
    let body = streamed::stream(state, query, format, fingerprint, caller.actor());
    Ok(headers.respond(body))
}

/// A path segment, or a 400 in our format naming it (a segment that is not UTF-8
/// once percent-decoded would otherwise get axum's plain-text answer).
pub fn path_segment(
    segment: Result<Path<String>, PathRejection>,
    name: &str,
) -> Result<String, ApiError> {
    segment.map(|Path(text)| text).map_err(|rejection| {
        ApiError::bad_request(format!(
            "the path parameter `{name}` cannot be read: {}",
            rejection.body_text()
        ))
    })
}

fn blocklist_kind(name: &str) -> Result<BlocklistKind, ApiError> {
    BlocklistKind::ALL
        .into_iter()
        .find(|kind| kind.name() == name)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "the path parameter `kind` has `{name}`; use ip, cidr, domain or url, as in {EXPORTS_PATH}/blocklist/ip"
            ))
        })
}

/// GET /api/v1/exports/blocklist/{kind}: one value per line.
async fn blocklist(
    State(state): State<AppState>,
    caller: RequestCaller,
    kind: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    request_headers: HeaderMap,
) -> Result<Response, JsonError> {
    let kind = blocklist_kind(&path_segment(kind, "kind")?)?;
    let params = parse_params(query.as_deref(), Accepted::BLOCKLIST, "a blocklist")?;
    let filter = indicator_filter(&params, true);
    let query = export_query(&state, &caller.0, &params, vec!["indicator".to_owned()])?;
    let mut builder = BlocklistBuilder::new(filter);
    let mut pages = PageCursor::new(query);
    let now = Timestamp::now();
    let sightings_visibility = visibility_filter(&caller.0, Action::Read);
    // Members' feedback moves the sources' letters; read once for the whole list.
    let feedback = state
        .feedback
        .get(state.alerts(), &state.scoring)
        .await
        .map_err(|error| ApiError::internal("reading feedback by source failed", &error))?;
    while let Some(page) = pages.next_page(&state).await? {
        // Indicators the fusion center scores leave blocklists once decayed.
        let decayed = decayed_among(
            state.store(),
            &state.scoring,
            &feedback,
            &page,
            Some(sightings_visibility.clone()),
            now,
        )
        .await
        .map_err(|error| ApiError::internal("scoring indicators failed", &error))?;
        builder.exclude_decayed(decayed);
        builder.add_page(&page);
    }
    let (lists, report) = builder.finish();
    let mut body = Vec::new();
    let lines = lists
        .write(kind, &mut body)
        .map_err(|error| ApiError::internal("writing a blocklist failed", &error))?;
    let headers = ExportHeaders::new(EntityTag::of_bytes(&body), TEXT_CONTENT_TYPE, &caller.0);
    if let Some(not_modified) = headers.not_modified_for(&request_headers) {
        return Ok(not_modified);
    }
    let mut details = filter_details(&params, Some(&filter));
    details.insert("kind".to_owned(), kind.name().into());
    details.insert("lines".to_owned(), lines.into());
    details.insert("invalid_values".to_owned(), report.invalid_values.into());
    audit_export(&state, &caller, "blocklist", &report.export, details).await?;
    Ok(headers.respond(body))
}

/// GET /api/v1/exports/{anything else}: 400, naming the formats there are.
async fn unknown_format(format: Result<Path<String>, PathRejection>) -> JsonError {
    let format = match path_segment(format, "format") {
        Ok(format) => format,
        Err(error) => return JsonError(error),
    };
    let hint = if format == "blocklist" {
        format!("a blocklist needs its kind: {EXPORTS_PATH}/blocklist/ip, cidr, domain or url")
    } else {
        format!(
            "use stix, csv, blocklist/{{ip|cidr|domain|url}} or misp-feed/manifest.json under {EXPORTS_PATH}/"
        )
    };
    JsonError(ApiError::bad_request(format!(
        "the path parameter `format` has `{format}`, which is not an export format; {hint}"
    )))
}
