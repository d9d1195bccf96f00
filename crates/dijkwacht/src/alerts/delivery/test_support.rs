//! Network stand-ins that the tests of both channels need: a port on 127.0.0.1 that
//! nothing listens on, and a server that takes connections and never says a word.

use std::net::SocketAddr;

/// A port on 127.0.0.1 that nothing listens on (bound, then let go).
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").port()
}

/// Accepts connections on 127.0.0.1 and holds them open in silence until dropped.
pub(crate) struct SilentServer {
    pub(crate) address: SocketAddr,
    holder: tokio::task::JoinHandle<()>,
}

impl SilentServer {
    pub(crate) async fn start() -> SilentServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = listener.local_addr().expect("bound");
        let holder = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((connection, _)) = listener.accept().await {
                held.push(connection);
            }
        });
        SilentServer { address, holder }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.holder.abort();
    }
}
