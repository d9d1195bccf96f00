//! `dijkwacht serve`: the HTTP interface on one address until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use dijkwacht_server::AppState;
use dijkwacht_store::Store;

use crate::cli::ServeArgs;
use crate::data_dir::DataDir;

pub async fn run(data: &DataDir, options: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    serve_store(Arc::new(store), options.listen, "Dijkwacht", |address| {
        println!("listening on http://{address}/");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// Binds `listen`, tells `announce` the bound address, and serves until Ctrl-C.
pub async fn serve_store(
    store: Arc<dyn Store>,
    listen: SocketAddr,
    title: &str,
    announce: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}; is another program using it? choose another with --listen"))?;
    let address = listener.local_addr()?;
    announce(address);
    let state = AppState {
        store,
        title: title.to_owned(),
    };
    dijkwacht_server::serve(listener, state, Default::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("the HTTP server stopped")?;
    Ok(())
}
