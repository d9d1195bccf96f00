//! HTTPS served by Dijkwacht itself, with rustls.
//!
//! TAXII 2.1 requires HTTPS, and a small member or a regional instance should not need a
//! reverse proxy just for that. [`TlsConfig::from_pem_files`] loads a certificate chain
//! and its private key from PEM files, checking everything an operator can get wrong (an
//! empty or unreadable file, an encrypted or unsupported key, a key of another
//! certificate) and naming the file in the error. [`serve_tls`] serves a router over TLS
//! 1.2 or 1.3, offering HTTP/2 and HTTP/1.1 by ALPN.
//!
//! The server itself is `axum::serve` (hyper-util underneath) over a [`Listener`] whose
//! connections are already TLS streams, so graceful shutdown, HTTP/2 and connection info
//! work exactly as on plain HTTP. Handshakes run concurrently in tasks of their own, each
//! bounded in time, so that one slow or silent client cannot hold up the others; a failed
//! handshake (a plain-HTTP request to this port, an untrusted certificate) only ends that
//! connection.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::{Listener, ListenerExt};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; connections beyond are closed at once.
const MAX_PENDING_HANDSHAKES: usize = 1_024;
/// Completed handshakes waiting for the HTTP server to take them.
const HANDSHAKEN_QUEUE: usize = 64;

/// A problem with the certificate or key files, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} is not valid PEM: {reason}", path.display())]
    MalformedPem { path: PathBuf, reason: String },
    #[error(
        "no certificate found in {}: expected PEM blocks beginning with \
         '-----BEGIN CERTIFICATE-----', the server's certificate first",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error("the certificate in {} cannot be used: {reason}", path.display())]
    UnusableCertificate { path: PathBuf, reason: String },
    #[error(
        "no private key found in {}: expected a PKCS#8 ('BEGIN PRIVATE KEY'), RSA \
         ('BEGIN RSA PRIVATE KEY') or EC ('BEGIN EC PRIVATE KEY') PEM block",
        path.display()
    )]
    NoPrivateKey { path: PathBuf },
    #[error(
        "the private key in {} is encrypted: decrypt it first, for example with \
         `openssl pkey -in KEY -out plain-key.pem`",
        path.display()
    )]
    EncryptedPrivateKey { path: PathBuf },
    #[error(
        "the private key in {} cannot be used: {reason}; use an RSA, ECDSA (P-256 or \
         P-384) or Ed25519 key",
        path.display()
    )]
    UnusableKey { path: PathBuf, reason: String },
    #[error(
        "the private key in {} does not match the certificate in {}: give the key that \
         belongs to that certificate",
        key.display(),
        certificate.display()
    )]
    KeyDoesNotMatchCertificate { certificate: PathBuf, key: PathBuf },
    #[error("cannot set up TLS: {0}")]
    Setup(#[source] rustls::Error),
}

/// A loaded certificate and key, ready to serve: TLS 1.2 and 1.3, ALPN `h2` and
/// `http/1.1`, the `ring` crypto provider.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    server_config: Arc<ServerConfig>,
}

impl TlsConfig {
    /// Loads the certificate chain (server certificate first, then intermediates) from
    /// `certificate_path` and its private key from `key_path`, both PEM.
    pub fn from_pem_files(certificate_path: &Path, key_path: &Path) -> Result<Self, TlsError> {
        let certificate_pem = read(certificate_path)?;
        let key_pem = read(key_path)?;
        let chain = certificate_chain(&certificate_pem, certificate_path)?;
        let key = private_key(&key_pem, key_path)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certified_key = certified_key(&provider, chain, key, certificate_path, key_path)?;
        let mut server_config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(TlsError::Setup)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified_key)));
        server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsConfig {
            server_config: Arc::new(server_config),
        })
    }

    /// The rustls configuration, for callers that run their own TLS accept loop.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.server_config)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn certificate_chain(pem: &[u8], path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsError::MalformedPem {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(chain)
}

fn private_key(pem: &[u8], path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    match PrivateKeyDer::from_pem_slice(pem) {
        Ok(key) => Ok(key),
        Err(rustls::pki_types::pem::Error::NoItemsFound) => {
            if contains(pem, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
                Err(TlsError::EncryptedPrivateKey {
                    path: path.to_owned(),
                })
            } else {
                Err(TlsError::NoPrivateKey {
                    path: path.to_owned(),
                })
            }
        }
        Err(error) => Err(TlsError::MalformedPem {
            path: path.to_owned(),
            reason: error.to_string(),
        }),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Loads the key with the provider and checks that it belongs to the first certificate.
fn certified_key(
    provider: &CryptoProvider,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    certificate_path: &Path,
    key_path: &Path,
) -> Result<CertifiedKey, TlsError> {
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|error| TlsError::UnusableKey {
            path: key_path.to_owned(),
            reason: error.to_string(),
        })?;
    let certified_key = CertifiedKey::new(chain, signing_key);
    match certified_key.keys_match() {
        // `Unknown`: the key cannot tell its public half; rustls accepts it too.
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
            Ok(certified_key)
        }
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(TlsError::KeyDoesNotMatchCertificate {
                certificate: certificate_path.to_owned(),
                key: key_path.to_owned(),
            })
        }
        Err(error) => Err(TlsError::UnusableCertificate {
            path: certificate_path.to_owned(),
            reason: error.to_string(),
        }),
    }
}

/// Serves `router` over TLS on `listener` until `shutdown` completes, then finishes the
/// requests in flight. Handlers can extract `ConnectInfo<SocketAddr>`.
pub async fn serve_tls(
    listener: TcpListener,
    router: Router,
    tls: &TlsConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let tls_listener = TlsListener::start(listener, TlsAcceptor::from(tls.server_config()))?;
    // `tap_io` is also what lets axum hand out `ConnectInfo<SocketAddr>` for a listener
    // other than a bare `TcpListener`.
    let tls_listener = tls_listener.tap_io(|stream: &mut TlsStream<TcpStream>| {
        if let Err(error) = stream.get_ref().0.set_nodelay(true) {
            tracing::trace!(%error, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(
        tls_listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// A listener whose connections have completed the TLS handshake. A task of its own
/// accepts TCP connections and runs the handshakes; it stops when this is dropped.
struct TlsListener {
    handshaken: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_address: SocketAddr,
}

impl TlsListener {
    fn start(listener: TcpListener, acceptor: TlsAcceptor) -> io::Result<Self> {
        let local_address = listener.local_addr()?;
        let (sender, handshaken) = mpsc::channel(HANDSHAKEN_QUEUE);
        tokio::spawn(accept_and_handshake(listener, acceptor, sender));
        Ok(TlsListener {
            handshaken,
            local_address,
        })
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.handshaken.recv().await {
            Some(connection) => connection,
            // The accepting task only ends when this receiver is gone (or it panicked):
            // then no connection will come again.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_address)
    }
}

async fn accept_and_handshake(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    handshaken: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let mut handshakes = JoinSet::new();
    loop {
        tokio::select! {
            () = handshaken.closed() => break,
            Some(_) = handshakes.join_next(), if !handshakes.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, remote)) => {
                    if handshakes.len() >= MAX_PENDING_HANDSHAKES {
                        tracing::warn!(%remote, "too many TLS handshakes in progress; closing the connection");
                        continue;
                    }
                    handshakes.spawn(handshake(acceptor.clone(), tcp, remote, handshaken.clone()));
                }
                Err(error) => wait_after_accept_error(error).await,
            },
        }
    }
}

async fn handshake(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    remote: SocketAddr,
    handshaken: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => {
            // Fails only when the server is shutting down: the connection is dropped.
            let _ = handshaken.send((stream, remote)).await;
        }
        Ok(Err(error)) => tracing::debug!(%remote, %error, "TLS handshake failed"),
        Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
    }
}

/// As axum does for plain TCP: a connection that died before it was accepted is no
/// problem; anything else (out of file descriptors) deserves a pause before retrying.
async fn wait_after_accept_error(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
