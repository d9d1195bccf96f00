//! The alert worker of `dijkwacht serve`: matches what changed and sends what is due,
//! every few seconds and at once when the server says objects were stored or a profile
//! changed. It runs on a store connection of its own and keeps the profiles' index
//! between rounds; a failed round is logged and the next one tries again (the cursors
//! and the outbox keep the place).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dijkwacht_store_sqlite::SqliteStore;
use tokio::sync::Notify;

use crate::alerts::{matcher, outbox};
use crate::commands::alerts::now_micros;

/// The longest a change waits for matching when nothing nudges the worker.
pub const TICK: Duration = Duration::from_secs(5);

/// Runs rounds until the task is dropped.
pub async fn run_alert_worker(data_root: PathBuf, store: SqliteStore, wake: Vec<Arc<Notify>>) {
    let mut matcher = matcher::Matcher::default();
    loop {
        round(&data_root, &store, &mut matcher).await;
        let nudged = async {
            match wake.as_slice() {
                [] => std::future::pending::<()>().await,
                [only] => only.notified().await,
                [first, second, ..] => {
                    tokio::select! {
                        () = first.notified() => {}
                        () = second.notified() => {}
                    }
                }
            }
        };
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            () = nudged => {}
        }
    }
}

/// One round: match, then deliver.
pub async fn round(
    data_root: &std::path::Path,
    store: &SqliteStore,
    matcher: &mut matcher::Matcher,
) {
    match matcher.run(store, now_micros()).await {
        Ok(report) if report.new_alerts > 0 || report.raised_alerts > 0 => tracing::info!(
            "alerts: {} new, {} raised from {} object(s)",
            report.new_alerts,
            report.raised_alerts,
            report.objects_read
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!("alert matching failed, tried again next round: {error}"),
    }
    let smtp = match crate::fusion::load_config(data_root)
        .and_then(|config| outbox::smtp_settings(&config))
    {
        Ok(smtp) => smtp,
        Err(error) => {
            tracing::warn!("alert e-mail not sent: {error:#}");
            None
        }
    };
    match outbox::deliver_due(store, smtp.as_ref(), now_micros()).await {
        Ok(report) if report.delivered + report.retrying + report.given_up > 0 => {
            tracing::info!("alert delivery: {report}");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!("alert delivery failed, tried again next round: {error}"),
    }
}
