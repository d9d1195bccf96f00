//! A publisher of sample feeds on 127.0.0.1, for `dijkwacht demo`: the demo's fusion
//! center fetches its sources over real HTTP, with ETags and conditional requests, the
//! way it fetches real feeds — without the internet.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// Files by path (without the leading `/`).
pub type Files = BTreeMap<String, &'static [u8]>;

#[derive(Debug)]
struct Published {
    files: Files,
}

async fn file(
    State(published): State<Arc<Published>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(bytes) = published.files.get(&path) else {
        return (StatusCode::NOT_FOUND, "no such feed file").into_response();
    };
    let digest = Sha256::digest(bytes);
    let etag = format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    );
    if headers
        .get(IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        == Some(etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response();
    }
    let content_type = if path.ends_with(".csv") {
        "text/csv"
    } else {
        "application/json"
    };
    (
        [(CONTENT_TYPE, content_type.to_owned()), (ETAG, etag)],
        *bytes,
    )
        .into_response()
}

/// Serves `files` on a free port of 127.0.0.1 until the process ends; returns the
/// address.
pub async fn publish(files: Files) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot open a port on 127.0.0.1 for the sample feeds")?;
    let address = listener.local_addr()?;
    let router = Router::new()
        .route("/{*path}", get(file))
        .with_state(Arc::new(Published { files }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(address)
}
