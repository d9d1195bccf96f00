//! `dijkwacht serve`: the HTTP interface on one address until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use dijkwacht_audit::AuditLog;
use dijkwacht_server::{AppState, Backend};

use crate::cli::ServeArgs;
use crate::data_dir::DataDir;

pub async fn run(data: &DataDir, options: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    let audit = data.audit_log()?;
    serve_store(
        Arc::new(store),
        audit,
        options.listen,
        "Dijkwacht",
        |address| {
            println!("listening on http://{address}/");
        },
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// Binds `listen`, tells `announce` the bound address, and serves until Ctrl-C.
pub async fn serve_store(
    backend: Arc<dyn Backend>,
    audit: AuditLog,
    listen: SocketAddr,
    title: &str,
    announce: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}; is another program using it? choose another with --listen"))?;
    let address = listener.local_addr()?;
    announce(address);
    let state = AppState::new(backend, Some(Arc::new(audit)), title).map_err(|error| {
        anyhow::anyhow!(
            "the operating system gave no random numbers for the login cache's key: {error}"
        )
    })?;
    dijkwacht_server::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("the HTTP server stopped")?;
    Ok(())
}
