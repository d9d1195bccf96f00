//! `GET /metrics`: Prometheus's text format, for operators' monitoring. The server knows
//! its own figures and what its store counts; what else is worth watching (the fusion
//! center's sources' health) is known to the binary, which hands in a
//! [`MetricsSource`] that writes its own lines. Of the store, each fusion source's
//! alerts by status (members' feedback, `dijkwacht_source_alerts`) and, for configured
//! sources, how far that feedback moves its letter
//! (`dijkwacht_source_reliability_steps`). Figures only — names of sources and kinds,
//! counts and times; never error texts, URLs or anything of the store's contents — so
//! the page tells nothing about what members share.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use dijkwacht_store::alerts::{AlertStatus, SourceFeedback};
use std::fmt::Write as _;

use crate::AppState;
use crate::source_feedback::feedback_counts;

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
    match state.alerts().feedback_by_source().await {
        Ok(feedback) => render_source_feedback(&state, &feedback, &mut out),
        // The other figures still help; the failure is the operator's log's.
        Err(error) => tracing::warn!(%error, "metrics: reading feedback by source failed"),
    }
    if let Some(source) = &state.metrics {
        source.render(&mut out);
    }
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response()
}

/// Each source's alerts by status and, for the sources the operator rates, how many
/// steps members' feedback moves the letter scoring uses.
fn render_source_feedback(state: &AppState, feedback: &[SourceFeedback], out: &mut String) {
    family(
        out,
        "dijkwacht_source_alerts",
        "gauge",
        "Alerts naming the fusion source, by their status now (members' feedback).",
    );
    for source in feedback {
        let name = label(&source.source);
        for status in AlertStatus::ALL {
            let alerts = match status {
                AlertStatus::New => source.new,
                AlertStatus::Acknowledged => source.acknowledged,
                AlertStatus::Resolved => source.resolved,
                AlertStatus::NotRelevant => source.not_relevant,
                AlertStatus::FalsePositive => source.false_positive,
            };
            let _ = writeln!(
                out,
                "dijkwacht_source_alerts{{source=\"{name}\",status=\"{status}\"}} {alerts}"
            );
        }
    }
    let Some(ratings) = &state.source_ratings else {
        return;
    };
    family(
        out,
        "dijkwacht_source_reliability_steps",
        "gauge",
        "How many steps members' feedback moves the fusion source's Admiralty letter: negative lowers it, positive raises it.",
    );
    for (source, stated) in ratings.ratings() {
        let counts = feedback
            .iter()
            .find(|each| each.source == source)
            .map(feedback_counts)
            .unwrap_or_default();
        let steps = state.scoring.effective_reliability(stated, &counts).steps();
        let _ = writeln!(
            out,
            "dijkwacht_source_reliability_steps{{source=\"{}\"}} {steps}",
            label(&source)
        );
    }
}
