//! The HTTP face of Dijkwacht, built on axum.
//!
//! For now it answers `/healthz` (is the store reachable?) and `/version`; the TAXII 2.1
//! server and the REST API are added here, behind the sharing policy, by later work.
//! Nothing here speaks SQL: the store is reached through [`dijkwacht_store::Store`].

pub mod auth;
pub mod errors;
pub mod limits;
pub mod serving;
pub mod taxii;
pub mod tls;

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dijkwacht_store::Store;
use serde::Serialize;
use tokio::net::TcpListener;

/// What every request handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// A title for this instance, shown to people and machines.
    pub title: String,
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(landing_page))
        .route("/healthz", get(health))
        .route("/version", get(version))
        .with_state(state)
}

/// Serves the application with `options` (limits, TLS) until `shutdown` completes, then
/// finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    options: serving::ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let application = limits::apply(router(state), &options.limits);
    serving::serve_router(listener, application, options.tls.as_ref(), shutdown).await
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
    match state.store.count_by_type().await {
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
         <ul><li><a href=\"/healthz\">/healthz</a> — health</li><li><a href=\"/version\">/version</a> — version</li></ul>\
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
