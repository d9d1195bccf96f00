//! The server as clients meet it: real HTTP and HTTPS on 127.0.0.1:0, driven by reqwest.
//! One test binary; a module per concern.

mod limits;
mod tls;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use dijkwacht_server::AppState;
use dijkwacht_server::serving::ServeOptions;
use dijkwacht_store_sqlite::SqliteStore;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The application served in this process until `stop` is called or it is dropped.
#[derive(Debug)]
pub struct RunningServer {
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    /// Asks for a graceful shutdown and waits until the server has stopped.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the real application over an empty in-memory store with `options`. The
/// listener is bound before this returns, so the server is ready for requests.
pub async fn start_application(options: ServeOptions) -> RunningServer {
    let store = SqliteStore::open_in_memory().unwrap_or_else(|error| panic!("{error}"));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("{error}"));
    let state = AppState::new(Arc::new(store), None, "Dijkwacht test")
        .unwrap_or_else(|error| panic!("{error}"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(dijkwacht_server::serve(listener, state, options, async {
        let _ = stopped.await;
    }));
    RunningServer {
        address,
        stop: Some(stop),
        task,
    }
}
