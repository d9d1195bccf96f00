//! `GET /metrics`: Prometheus's text format, for operators' monitoring. The server knows
//! only its own figures; what else is worth watching (the fusion center's sources) is
//! known to the binary, which hands in a [`MetricsSource`] that writes its own lines.
//! Figures only — names of sources and kinds, counts and times; never error texts,
//! URLs or anything of the store's contents — so the page tells nothing about what
//! members share.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

use crate::AppState;

/// Writes metric families in the Prometheus text exposition format.
pub trait MetricsSource: Send + Sync + std::fmt::Debug {
    fn render(&self, out: &mut String);
}

/// Writes one metric family's `# HELP` and `# TYPE` lines.
pub fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value (backslash, quote, line feed).
pub fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    family(
        &mut out,
        "dijkwacht_up",
        "gauge",
        "1 while the server answers.",
    );
    out.push_str("dijkwacht_up 1\n");
    if let Some(source) = &state.metrics {
        source.render(&mut out);
    }
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response()
}
