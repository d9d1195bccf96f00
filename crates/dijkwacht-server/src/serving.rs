//! How the application meets the network: plain HTTP or HTTPS, with the limits applied.
//!
//! Both paths serve with `ConnectInfo<SocketAddr>`, so handlers and the rate limit know
//! the client's address, and both finish the requests in flight when the shutdown
//! future completes. Plain HTTP is right on loopback and behind a TLS-terminating
//! reverse proxy; TAXII 2.1 clients elsewhere expect HTTPS ([`crate::tls`]).

use std::io;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

use crate::limits::Limits;
use crate::tls::{TlsConfig, serve_tls};

/// How to serve: the limits, and TLS or not.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub limits: Limits,
    /// `None` serves plain HTTP.
    pub tls: Option<TlsConfig>,
}

/// Serves a finished router (limits already applied) on `listener`, over TLS when `tls`
/// is given, until `shutdown` completes; then finishes the requests in flight.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    tls: Option<&TlsConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    match tls {
        Some(tls) => serve_tls(listener, router, tls, shutdown).await,
        None => {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await
        }
    }
}
