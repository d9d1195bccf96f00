//! The HTTP face of Dijkwacht, built on axum: the TAXII 2.1 server ([`taxii`]), the
//! REST API with its OpenAPI document and live stream ([`rest`]), health, version and
//! Prometheus metrics ([`metrics`]),
//! with authentication ([`auth`], [`caller`]) and one error format per interface
//! ([`error`]). Every read of objects carries the sharing policy's visibility
//! filter. Nothing here speaks SQL: storage is reached through the traits of
//! [`dijkwacht_store`].

pub mod auth;
pub mod caller;
pub mod error;
pub mod exports;
pub mod fusion_view;
pub mod limits;
pub mod metrics;
pub mod rest;
pub mod serving;
pub mod source_feedback;
pub mod state;
pub mod taxii;
pub mod tls;

pub use state::{AppState, Backend, StreamTiming};

use std::future::Future;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;

use crate::error::ApiError;

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(landing_page))
        .route("/healthz", get(health))
        .route("/version", get(version))
        .route("/metrics", get(metrics::metrics))
        .merge(taxii::routes())
        .merge(rest::routes(&state))
        .merge(exports::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// Serves the application with `options` (limits, TLS) until `shutdown` completes, then
/// finishes the requests in flight. Work that an earlier run acknowledged but did not
/// finish is finished first. The limits of `options` hold for the router and the
/// handlers alike.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    options: serving::ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut state = state;
    state.limits = options.limits.clone();
    match taxii::submit::resume_unfinished(&state).await {
        Ok(0) => {}
        Ok(finished) => tracing::info!(finished, "finished submissions left by the last run"),
        Err(error) => tracing::error!(
            ?error,
            "could not finish the submissions left by the last run"
        ),
    }
    let stopping = state.clone();
    let shutdown = async move {
        shutdown.await;
        stopping.begin_stopping();
    };
    let application = limits::apply(router(state), &options.limits);
    serving::serve_router(listener, application, options.tls.as_ref(), shutdown).await
}

async fn not_found(request: Request) -> Response {
    ApiError::not_found(format!(
        "there is nothing at {}; TAXII starts at /taxii2/, the REST API at /api/v1/ (described by /api/v1/openapi.json)",
        request.uri().path()
    ))
    .for_path(request.uri().path())
}

async fn method_not_allowed(request: Request) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
    )
    .with_description(format!(
        "{} does not take the method {}",
        request.uri().path(),
        request.method()
    ))
    .for_path(request.uri().path())
}

#[derive(Debug, Serialize)]
struct VersionInfo {
    name: &'static str,
    version: &'static str,
    stix_versions: [&'static str; 1],
}

async fn version() -> Json<VersionInfo> {
    Json(VersionInfo {
        name: "dijkwacht",
        version: env!("CARGO_PKG_VERSION"),
        stix_versions: ["2.1"],
    })
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

async fn health(State(state): State<AppState>) -> Response {
    match state.store().count_by_type().await {
        Ok(_) => Json(Health {
            status: "ok",
            problem: None,
        })
        .into_response(),
        Err(error) => {
            tracing::error!(%error, "health check could not reach the store");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    problem: Some("the store cannot be reached".to_owned()),
                }),
            )
                .into_response()
        }
    }
}

async fn landing_page(State(state): State<AppState>) -> Html<String> {
    let title = html_escape(&state.title);
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>Dijkwacht {version} is running.</p>\
         <ul><li><a href=\"/taxii2/\">/taxii2/</a> — TAXII 2.1</li><li><a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> — the REST API</li><li><a href=\"/api/v1/exports/stix\">/api/v1/exports/</a> — exports: stix, csv, blocklist/ip, misp-feed/manifest.json</li><li><a href=\"/api/v1/stream\">/api/v1/stream</a> — the live stream</li><li><a href=\"/healthz\">/healthz</a> — health</li><li><a href=\"/version\">/version</a> — version</li></ul>\
         </body></html>",
        version = env!("CARGO_PKG_VERSION"),
    ))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
