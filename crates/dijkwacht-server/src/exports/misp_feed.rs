//! A MISP feed a MISP instance can subscribe to, as it subscribes to CIRCL's OSINT
//! feed: the feed's address is `/api/v1/exports/misp-feed`, and MISP fetches
//! `manifest.json`, then each `<event-uuid>.json` it lacks, and `hashes.csv` when it
//! caches the feed. MISP sends the feed's custom headers with every request, so
//! `Authorization: Bearer dwt_…` makes it a member's feed.
//!
//! The feed is the export crate's, built in memory for the caller
//! ([`dijkwacht_export::misp::build_misp_feed`]): an event is a report or grouping with
//! the attributes of what it references. One pull is a manifest and then many event
//! fetches, so the built feed is kept for [`FEED_LIFETIME`] per audience — the caller's
//! identity *and* its visibility filter, so that a token limited to one community, or
//! a membership changed in the meantime, gets a feed of its own — and at most
//! [`MAX_CACHED_FEEDS`] feeds are kept, the oldest dropped first. Building is the
//! export: it is audited once per build, with every AMBER-or-stricter object in the
//! feed, and a feed whose audit cannot be written is neither served nor kept. Two
//! requests of one audience that arrive together wait for one build.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use dijkwacht_export::misp::{MispEvent, MispFeed, MispFeedOptions, build_misp_feed};
use dijkwacht_policy::Filter;
use dijkwacht_store::ObjectQuery;
use serde::Serialize;
use tokio::sync::OnceCell;

use super::conditional::{EntityTag, ExportHeaders};
use super::params::{self, Accepted};
use super::{EXPORTS_PATH, PageCursor, audit_export, export_filter, path_segment};
use crate::caller::RequestCaller;
use crate::error::{ApiError, JsonError};
use crate::state::AppState;

/// How long a built feed is served before it is built again: one pull of MISP.
pub const FEED_LIFETIME: Duration = Duration::from_secs(60);
/// How many audiences' feeds are kept at once.
pub const MAX_CACHED_FEEDS: usize = 32;

const JSON_CONTENT_TYPE: &str = "application/json";
const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The MISP feed routes, with a cache of their own.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{EXPORTS_PATH}/misp-feed/{{file}}"),
            get(feed_file),
        )
        .layer(Extension(Arc::new(FeedCache::default())))
}

/// Who a feed is for: the audit log's name of the caller and what they may export.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Audience {
    actor: String,
    visibility: Filter,
}

#[derive(Debug)]
struct CachedFeed {
    audience: Audience,
    built_at: Instant,
    feed: Arc<OnceCell<Arc<MispFeed>>>,
}

/// Built feeds by audience; few entries, so a list searched in order will do.
#[derive(Debug, Default)]
pub struct FeedCache {
    feeds: Mutex<Vec<CachedFeed>>,
}

impl FeedCache {
    /// The cell holding the feed of `audience`: the fresh one, or a new empty one.
    fn cell_for(&self, audience: &Audience) -> Arc<OnceCell<Arc<MispFeed>>> {
        let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        feeds.retain(|cached| cached.built_at.elapsed() < FEED_LIFETIME);
        if let Some(cached) = feeds.iter().find(|cached| cached.audience == *audience) {
            return cached.feed.clone();
        }
        if feeds.len() >= MAX_CACHED_FEEDS {
            feeds.remove(0);
        }
        let feed = Arc::new(OnceCell::new());
        feeds.push(CachedFeed {
            audience: audience.clone(),
            built_at: Instant::now(),
            feed: feed.clone(),
        });
        feed
    }
}

/// The caller's feed, from the cache or built (and audited) now.
async fn feed_for(
    state: &AppState,
    cache: &FeedCache,
    caller: &RequestCaller,
    query: Option<&str>,
) -> Result<Arc<MispFeed>, ApiError> {
    params::parse(query.unwrap_or(""), Accepted::NONE, "the MISP feed")
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let audience = Audience {
        actor: caller.actor(),
        visibility: export_filter(&caller.0, None)?,
    };
    let cell = cache.cell_for(&audience);
    let feed = cell
        .get_or_try_init(|| build_feed(state, caller, audience.visibility.clone()))
        .await?;
    Ok(feed.clone())
}

/// Reads what the caller may export and builds the feed, audited as one export.
async fn build_feed(
    state: &AppState,
    caller: &RequestCaller,
    visibility: Filter,
) -> Result<Arc<MispFeed>, ApiError> {
    let query = ObjectQuery {
        limit: state.limits.page_size(None),
        visibility: Some(visibility),
        ..ObjectQuery::default()
    };
    let mut objects = Vec::new();
    let mut pages = PageCursor::new(query);
    while let Some(page) = pages.next_page(state).await? {
        objects.extend(page);
    }
    // The instance's title names the feed, so that each instance's outside-reports
    // event has a uuid of its own in a MISP that subscribes to several.
    let (feed, report) = build_misp_feed(&objects, &MispFeedOptions::new(&state.title));
    let mut details = serde_json::Map::new();
    details.insert("events".to_owned(), report.events.into());
    details.insert("attributes".to_owned(), report.attributes.into());
    details.insert(
        "served_for_seconds".to_owned(),
        FEED_LIFETIME.as_secs().into(),
    );
    audit_export(state, caller, "misp-feed", &report.export, details).await?;
    Ok(Arc::new(feed))
}

fn json_bytes(value: &impl Serialize, what: &str) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|error| ApiError::internal(what, &error))
}

/// GET …/misp-feed/{file}: `manifest.json` (event uuid → what MISP shows before it
/// fetches), `hashes.csv` (`<md5 of a value>,<event uuid>` per line) or
/// `<event-uuid>.json` (one event, as `{"Event": {...}}`).
async fn feed_file(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<FeedCache>>,
    caller: RequestCaller,
    file: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    request_headers: HeaderMap,
) -> Result<Response, JsonError> {
    let file = path_segment(file, "file")?;
    let feed = feed_for(&state, &cache, &caller, query.as_deref()).await?;
    let (body, content_type) = match file.as_str() {
        "manifest.json" => (
            json_bytes(&feed.manifest, "serialising a MISP manifest failed")?,
            JSON_CONTENT_TYPE,
        ),
        "hashes.csv" => {
            let lines: String = feed
                .hashes
                .iter()
                .map(|line| format!("{},{}\n", line.md5, line.event_uuid))
                .collect();
            (lines.into_bytes(), CSV_CONTENT_TYPE)
        }
        _ => {
            let event = file
                .strip_suffix(".json")
                .and_then(|uuid| feed.events.get(uuid))
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "the feed has no file '{file}'; manifest.json lists the events it has for you"
                    ))
                })?;
            #[derive(Serialize)]
            struct EventFile<'a> {
                #[serde(rename = "Event")]
                event: &'a MispEvent,
            }
            let body = json_bytes(&EventFile { event }, "serialising a MISP event failed")?;
            (body, JSON_CONTENT_TYPE)
        }
    };
    let headers = ExportHeaders::new(EntityTag::of_bytes(&body), content_type, &caller.0);
    Ok(headers
        .not_modified_for(&request_headers)
        .unwrap_or_else(|| headers.respond(body)))
}
