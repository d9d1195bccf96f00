//! The TAXII 2.1 server: discovery, API roots, collections, objects, manifests, versions
//! and status, laid out by community ([`layout`]). Every request must accept TAXII
//! 2.1 (406 otherwise); every answer, errors included, is `application/taxii+json`.
//! URLs are served with and without their trailing slash, since clients differ.

pub mod layout;
pub mod media;
pub mod objects;
pub mod params;
pub mod submit;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use dijkwacht_policy::Caller;

use crate::caller::RequestCaller;
use crate::error::{ApiError, TaxiiError};
use crate::state::AppState;
use layout::RootView;
use objects::taxii_response;

const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// The TAXII routes, under `/taxii2/`.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    let both = |path: &str| {
        let full = format!("/taxii2{path}");
        let bare = full.trim_end_matches('/').to_owned();
        [full, bare]
    };
    for path in both("/") {
        router = router.route(&path, get(discovery));
    }
    for path in both("/{root}/") {
        router = router.route(&path, get(api_root));
    }
    for path in both("/{root}/status/{status}/") {
        router = router.route(&path, get(submit::get_status));
    }
    for path in both("/{root}/collections/") {
        router = router.route(&path, get(collections));
    }
    for path in both("/{root}/collections/{collection}/") {
        router = router.route(&path, get(collection));
    }
    for path in both("/{root}/collections/{collection}/objects/") {
        router = router.route(&path, get(objects::get_objects).post(submit::add_objects));
    }
    for path in both("/{root}/collections/{collection}/objects/{object}/") {
        router = router.route(
            &path,
            get(objects::get_object).delete(objects::delete_object),
        );
    }
    for path in both("/{root}/collections/{collection}/objects/{object}/versions/") {
        router = router.route(&path, get(objects::get_versions));
    }
    for path in both("/{root}/collections/{collection}/manifest/") {
        router = router.route(&path, get(objects::get_manifest));
    }
    router.route_layer(middleware::from_fn(require_taxii_accept))
}

/// 406 unless the request accepts TAXII 2.1.
async fn require_taxii_accept(request: Request, next: Next) -> Response {
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    if let Err(error) = media::check_accept(accept) {
        return ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "Not acceptable",
        )
        .with_description(error.to_string())
        .into_taxii();
    }
    next.run(request).await
}

/// The root called `name` if the caller may read it, else 404.
pub async fn resolve_root(
    state: &AppState,
    caller: &Caller,
    name: &str,
) -> Result<RootView, ApiError> {
    layout::root_named(caller, state.directory(), name)
        .await
        .map_err(|error| ApiError::internal("reading the directory failed", &error))?
        .ok_or_else(|| ApiError::not_found(format!("there is no API root '{name}' for you")))
}

/// The root called `name` with its collection `collection`, else 404.
pub async fn resolve_collection(
    state: &AppState,
    caller: &Caller,
    name: &str,
    collection: &str,
) -> Result<RootView, ApiError> {
    let root = resolve_root(state, caller, name).await?;
    if root.collection_id() != collection {
        return Err(ApiError::not_found(format!(
            "there is no collection {collection} in the API root '{name}'"
        )));
    }
    Ok(root)
}

/// GET /taxii2/ (§4.1).
async fn discovery(
    State(state): State<AppState>,
    caller: RequestCaller,
) -> Result<Response, TaxiiError> {
    let roots = layout::roots_for(&caller.0, state.directory())
        .await
        .map_err(|error| ApiError::internal("reading the directory failed", &error))?;
    let urls: Vec<String> = roots
        .iter()
        .map(|root| format!("/taxii2/{}/", root.name))
        .collect();
    let default = match &caller.0 {
        Caller::Member(_) => format!("/taxii2/{}/", layout::OWN_ROOT),
        Caller::Anonymous | Caller::Peer(_) => format!("/taxii2/{}/", layout::PUBLIC_ROOT),
    };
    let body = serde_json::json!({
        "title": state.title,
        "description": "Dijkwacht: threat intelligence shared in communities. Each API root is a community you take part in, your own organisation, or the public tier.",
        "default": default,
        "api_roots": urls,
    });
    Ok(taxii_response(StatusCode::OK, body.to_string(), None))
}

/// GET /taxii2/{root}/ (§4.2).
async fn api_root(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path(name): Path<String>,
) -> Result<Response, TaxiiError> {
    let root = resolve_root(&state, &caller.0, &name).await?;
    let body = serde_json::json!({
        "title": root.title,
        "description": root.description,
        "versions": ["application/taxii+json;version=2.1"],
        "max_content_length": state.limits.max_body_bytes,
    });
    Ok(taxii_response(StatusCode::OK, body.to_string(), None))
}

fn collection_resource(root: &RootView) -> serde_json::Value {
    serde_json::json!({
        "id": root.collection_id(),
        "title": root.title,
        "description": root.description,
        "can_read": true,
        "can_write": root.can_write,
        "media_types": [STIX_MEDIA_TYPE],
    })
}

/// GET /taxii2/{root}/collections/ (§5.1).
async fn collections(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path(name): Path<String>,
) -> Result<Response, TaxiiError> {
    let root = resolve_root(&state, &caller.0, &name).await?;
    let body = serde_json::json!({ "collections": [collection_resource(&root)] });
    Ok(taxii_response(StatusCode::OK, body.to_string(), None))
}

/// GET /taxii2/{root}/collections/{id}/ (§5.2).
async fn collection(
    State(state): State<AppState>,
    caller: RequestCaller,
    Path((name, collection)): Path<(String, String)>,
) -> Result<Response, TaxiiError> {
    let root = resolve_collection(&state, &caller.0, &name, &collection).await?;
    Ok(taxii_response(
        StatusCode::OK,
        collection_resource(&root).to_string(),
        None,
    ))
}
