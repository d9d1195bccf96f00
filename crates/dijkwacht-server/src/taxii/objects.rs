//! Reading and deleting objects (§5.3–§5.8): the objects listing, one object, its
//! versions and the manifest. Every query carries the root's filter — the sharing
//! policy's visibility for the caller *and* the collection's own condition — so the
//! store only ever reads rows the caller may see. An object the caller may not see
//! does not exist for them (404).

use std::fmt::Write as _;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dijkwacht_policy::{Action, Caller};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::{ObjectQuery, Page, StoredObject, VersionSelection};

use crate::caller::RequestCaller;
use crate::error::{ApiError, TaxiiError};
use crate::limits::Limits;
use crate::state::AppState;
use crate::taxii::layout::RootView;
use crate::taxii::media::TAXII_CONTENT_TYPE;
use crate::taxii::params::{self, Accepted, TaxiiParams};
use crate::taxii::resolve_collection;

const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
const DATE_ADDED_FIRST: HeaderName = HeaderName::from_static("x-taxii-date-added-first");
const DATE_ADDED_LAST: HeaderName = HeaderName::from_static("x-taxii-date-added-last");

/// The store query for a TAXII request: its filters, the page size within the limits,
/// and `next` (the `date_added` of the previous page's last object) as a lower bound.
pub fn object_query(
    params: &TaxiiParams,
    limits: &Limits,
    default_versions: VersionSelection,
) -> Result<ObjectQuery, ApiError> {
    let mut added_after = params.added_after;
    if let Some(next) = &params.next {
        let cursor: i64 = next.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "the query parameter `next` has `{next}`, which is not a cursor this server gave; copy `next` from the previous page"
            ))
        })?;
        added_after = Some(added_after.map_or(cursor, |after| after.max(cursor)));
    }
    Ok(ObjectQuery {
        types: params.types.clone(),
        ids: params.ids.clone(),
        spec_versions: params.spec_versions.clone(),
        versions: params.versions.clone().unwrap_or(default_versions),
        added_after,
        added_until: None,
        limit: limits.page_size(params.limit),
        visibility: None,
        target_refs: Vec::new(),
    })
}

fn parse_params(query: Option<&str>, accepted: Accepted) -> Result<TaxiiParams, ApiError> {
    params::parse(query.unwrap_or(""), accepted)
        .map_err(|error| ApiError::bad_request(error.to_string()))
}

/// A TAXII answer: the body, its media type and the date-added headers of a page.
pub fn taxii_response(status: StatusCode, body: String, page: Option<&Page>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_CONTENT_TYPE),
    );
    if let Some(page) = page {
        let stamp = |object: &StoredObject| {
            HeaderValue::from_str(&Timestamp::from_unix_micros(object.date_added).to_taxii_string())
                .ok()
        };
        if let Some(first) = page.objects.first().and_then(stamp) {
            headers.insert(DATE_ADDED_FIRST, first);
        }
        if let Some(last) = page.objects.last().and_then(stamp) {
            headers.insert(DATE_ADDED_LAST, last);
        }
    }
    response
}

/// `"more"` and, when there is more, `"next"`.
fn paging_fields(page: &Page) -> String {
    match (page.more, page.objects.last()) {
        (true, Some(last)) => format!("\"more\":true,\"next\":\"{}\"", last.date_added),
        _ => "\"more\":false".to_owned(),
    }
}

/// The envelope of a page; its objects' JSON is copied as stored, not re-serialised.
fn envelope(page: &Page) -> String {
    let size: usize = page
        .objects
        .iter()
        .map(|object| object.json.len() + 1)
        .sum();
    let mut body = String::with_capacity(size + 64);
    body.push('{');
    body.push_str(&paging_fields(page));
    if !page.objects.is_empty() {
        body.push_str(",\"objects\":[");
        for (position, object) in page.objects.iter().enumerate() {
            if position > 0 {
                body.push(',');
            }
            body.push_str(&object.json);
        }
        body.push(']');
    }
    body.push('}');
    body
}

/// Runs `query` restricted to what `caller` may read in `root`.
async fn visible_page(
    state: &AppState,
    caller: &Caller,
    root: &RootView,
    mut query: ObjectQuery,
) -> Result<Page, ApiError> {
    query.visibility = Some(root.filter(caller, Action::Read));
    state
        .store()
        .query(query)
        .await
        .map_err(|error| ApiError::internal("querying objects failed", &error))
}

/// Records who read which objects of TLP:AMBER or stricter, and from which collection.
async fn audit_read(
    state: &AppState,
    caller: &RequestCaller,
    root: &RootView,
    page: &Page,
) -> Result<(), ApiError> {
    let mut details = serde_json::Map::new();
    details.insert("collection".to_owned(), root.name.clone().into());
    state
        .audit_sensitive_reads(&caller.actor(), "taxii-read", details, &page.objects)
        .await
}

/// The page of a collection's listing (objects or manifest) a request asks for.
async fn listing_page(
    state: &AppState,
    caller: &Caller,
    (root, collection): (String, String),
    query: Option<&str>,
) -> Result<(RootView, Page), ApiError> {
    let root = resolve_collection(state, caller, &root, &collection).await?;
    let params = parse_params(query, Accepted::LISTING)?;
    let query = object_query(&params, &state.limits, VersionSelection::Last)?;
    let page = visible_page(state, caller, &root, query).await?;
    Ok((root, page))
}

/// GET …/objects/ (§5.3).
pub async fn get_objects(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path((root, collection)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, TaxiiError> {
    let (root, page) =
        listing_page(&state, &caller.0, (root, collection), query.as_deref()).await?;
    audit_read(&state, &caller, &root, &page).await?;
    Ok(taxii_response(StatusCode::OK, envelope(&page), Some(&page)))
}

/// Whether any version of `id` in `root` is visible to `caller`.
async fn exists_for(
    state: &AppState,
    caller: &Caller,
    root: &RootView,
    id: &str,
) -> Result<bool, ApiError> {
    let probe = ObjectQuery {
        ids: vec![id.to_owned()],
        versions: VersionSelection::All,
        limit: 1,
        ..ObjectQuery::default()
    };
    Ok(!visible_page(state, caller, root, probe)
        .await?
        .objects
        .is_empty())
}

fn no_such_object(id: &str, root: &RootView) -> ApiError {
    ApiError::not_found(format!(
        "there is no object {id} in the collection of '{}' that you may read",
        root.name
    ))
}

/// The page of one object's versions a request asks for, or 404 when the caller may
/// read no version of it in this collection.
async fn one_object_page(
    state: &AppState,
    caller: &Caller,
    (root, collection, id): (String, String, String),
    query: Option<&str>,
    (accepted, default_versions): (Accepted, VersionSelection),
) -> Result<(RootView, Page), ApiError> {
    let root = resolve_collection(state, caller, &root, &collection).await?;
    let params = parse_params(query, accepted)?;
    let mut query = object_query(&params, &state.limits, default_versions)?;
    query.ids = vec![id.clone()];
    let page = visible_page(state, caller, &root, query).await?;
    if page.objects.is_empty() && !exists_for(state, caller, &root, &id).await? {
        return Err(no_such_object(&id, &root));
    }
    Ok((root, page))
}

/// GET …/objects/{id}/ (§5.5).
pub async fn get_object(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path(object): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, TaxiiError> {
    let wanted = (Accepted::ONE_OBJECT, VersionSelection::Last);
    let (root, page) = one_object_page(&state, &caller.0, object, query.as_deref(), wanted).await?;
    audit_read(&state, &caller, &root, &page).await?;
    Ok(taxii_response(StatusCode::OK, envelope(&page), Some(&page)))
}

/// GET …/objects/{id}/versions/ (§5.7).
pub async fn get_versions(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path(object): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, TaxiiError> {
    let wanted = (Accepted::VERSIONS, VersionSelection::All);
    let (_, page) = one_object_page(&state, &caller.0, object, query.as_deref(), wanted).await?;
    let versions: Vec<&str> = page
        .objects
        .iter()
        .map(|object| object.version.as_str())
        .collect();
    // TAXII lists are never empty: an empty page has no `versions` at all.
    let body = if versions.is_empty() {
        format!("{{{}}}", paging_fields(&page))
    } else {
        format!(
            "{{{},\"versions\":{}}}",
            paging_fields(&page),
            serde_json::to_string(&versions).unwrap_or_else(|_| "[]".to_owned())
        )
    };
    Ok(taxii_response(StatusCode::OK, body, Some(&page)))
}

/// GET …/manifest/ (§5.2).
pub async fn get_manifest(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path((root, collection)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, TaxiiError> {
    let (_, page) = listing_page(&state, &caller.0, (root, collection), query.as_deref()).await?;
    let mut body = format!("{{{}", paging_fields(&page));
    if !page.objects.is_empty() {
        body.push_str(",\"objects\":[");
        for (position, object) in page.objects.iter().enumerate() {
            let record = serde_json::json!({
                "id": object.id,
                "date_added": Timestamp::from_unix_micros(object.date_added).to_taxii_string(),
                "version": object.version,
                "media_type": STIX_MEDIA_TYPE,
            });
            let separator = if position > 0 { "," } else { "" };
            let _ = write!(body, "{separator}{record}");
        }
        body.push(']');
    }
    body.push('}');
    Ok(taxii_response(StatusCode::OK, body, Some(&page)))
}

/// DELETE …/objects/{id}/ (§5.6): every version that matches (all, unless
/// `match[version]` says otherwise). Only the owning organisation's analysts and admins
/// delete; a caller who may read but not delete gets 403 and nothing is removed.
pub async fn delete_object(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path((root, collection, id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, TaxiiError> {
    let root = resolve_collection(&state, &caller.0, &root, &collection).await?;
    let params = parse_params(query.as_deref(), Accepted::DELETE)?;
    let mut query = object_query(&params, &state.limits, VersionSelection::All)?;
    query.ids = vec![id.clone()];
    query.limit = usize::MAX >> 1;
    let readable = visible_page(&state, &caller.0, &root, query.clone()).await?;
    if readable.objects.is_empty() {
        if exists_for(&state, &caller.0, &root, &id).await? {
            return Err(ApiError::not_found(format!(
                "no version of {id} matches the match[version] and match[spec_version] filters"
            ))
            .into());
        }
        return Err(no_such_object(&id, &root).into());
    }
    query.visibility = Some(root.filter(&caller.0, Action::Revoke));
    let deletable = state
        .store()
        .query(query)
        .await
        .map_err(|error| ApiError::internal("querying objects failed", &error))?;
    if deletable.objects.len() < readable.objects.len() {
        return Err(ApiError::forbidden(format!(
            "only analysts and admins of the organisation that owns {id} may delete it, with a token that may write"
        ))
        .into());
    }
    let dates: Vec<i64> = deletable
        .objects
        .iter()
        .map(|object| object.date_added)
        .collect();
    let versions: Vec<serde_json::Value> = deletable
        .objects
        .iter()
        .map(|object| object.version.clone().into())
        .collect();
    let mut details = serde_json::Map::new();
    details.insert("collection".to_owned(), root.name.clone().into());
    details.insert("versions".to_owned(), versions.into());
    state
        .audit(&caller.actor(), "taxii-delete", Some(&id), details)
        .await?;
    state
        .store()
        .delete_versions(dates)
        .await
        .map_err(|error| ApiError::internal("deleting versions failed", &error))?;
    Ok(taxii_response(StatusCode::OK, String::new(), None))
}
