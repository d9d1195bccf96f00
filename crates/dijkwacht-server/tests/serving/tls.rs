//! HTTPS: a certificate made at test time, served with rustls, trusted by the client
//! alone; and the errors an operator sees for wrong PEM files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use dijkwacht_server::serving::ServeOptions;
use dijkwacht_server::tls::{TlsConfig, TlsError, serve_tls};
use serde_json::Value;
use tokio::net::TcpListener;

use super::start_application;

/// A self-signed certificate for 127.0.0.1 and localhost, and its key, as PEM files.
struct TestCertificate {
    folder: tempfile::TempDir,
    certificate_pem: String,
    certificate: PathBuf,
    key: PathBuf,
}

fn test_certificate() -> TestCertificate {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap_or_else(|error| panic!("{error}"));
    let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let certificate_pem = generated.cert.pem();
    let certificate = write(folder.path(), "certificate.pem", &certificate_pem);
    let key = write(
        folder.path(),
        "key.pem",
        &generated.signing_key.serialize_pem(),
    );
    TestCertificate {
        folder,
        certificate_pem,
        certificate,
        key,
    }
}

fn write(folder: &Path, name: &str, content: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, content).unwrap_or_else(|error| panic!("{error}"));
    path
}

fn tls_config(certificate: &TestCertificate) -> TlsConfig {
    TlsConfig::from_pem_files(&certificate.certificate, &certificate.key)
        .unwrap_or_else(|error| panic!("{error}"))
}

/// A client builder that trusts this certificate and nothing else.
fn client_builder_trusting(certificate: &TestCertificate) -> reqwest::ClientBuilder {
    let trusted = reqwest::Certificate::from_pem(certificate.certificate_pem.as_bytes())
        .unwrap_or_else(|error| panic!("{error}"));
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(trusted)
}

fn client_trusting(certificate: &TestCertificate) -> reqwest::Client {
    client_builder_trusting(certificate)
        .build()
        .unwrap_or_else(|error| panic!("{error}"))
}

#[tokio::test]
async fn https_requests_succeed_over_http2_and_http1() {
    let certificate = test_certificate();
    let server = start_application(ServeOptions {
        tls: Some(tls_config(&certificate)),
        ..ServeOptions::default()
    })
    .await;
    let url = format!("https://127.0.0.1:{}/healthz", server.address.port());

    let response = client_trusting(&certificate)
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error:?}"));
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.version(),
        reqwest::Version::HTTP_2,
        "ALPN offers h2"
    );
    let health: Value = response.json().await.unwrap_or_default();
    assert_eq!(health["status"], "ok");

    let http1_client = client_builder_trusting(&certificate)
        .http1_only()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    let response = http1_client
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error:?}"));
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);

    server
        .stop()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
}

#[tokio::test]
async fn plain_http_to_the_tls_port_fails_and_the_server_keeps_serving() {
    let certificate = test_certificate();
    let server = start_application(ServeOptions {
        tls: Some(tls_config(&certificate)),
        ..ServeOptions::default()
    })
    .await;
    let port = server.address.port();

    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");

    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    let untrusted = untrusting
        .get(format!("https://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(untrusted.is_err(), "an unknown certificate was accepted");

    let response = client_trusting(&certificate)
        .get(format!("https://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error:?}"));
    assert_eq!(response.status(), 200);
}

/// Serves `router` with `serve_tls` on 127.0.0.1:0 in a task: its port, the sender that
/// stops it, and the task.
async fn spawn_serve_tls(
    router: Router,
    config: TlsConfig,
) -> (
    u16,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("{error}"))
        .port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve_tls(listener, router, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    (port, stop, server)
}

/// Handlers behind TLS see the client's address, which the rate limit keys on.
#[tokio::test]
async fn handlers_behind_tls_see_the_client_address() {
    let certificate = test_certificate();
    let router = Router::new().route(
        "/whoami",
        get(|ConnectInfo(client): ConnectInfo<SocketAddr>| async move { client.ip().to_string() }),
    );
    let (port, stop, server) = spawn_serve_tls(router, tls_config(&certificate)).await;
    let response = client_trusting(&certificate)
        .get(format!("https://127.0.0.1:{port}/whoami"))
        .send()
        .await
        .unwrap_or_else(|error| panic!("{error:?}"));
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap_or_default(), "127.0.0.1");
    let _ = stop.send(());
    let stopped = server.await.unwrap_or_else(|error| panic!("{error}"));
    assert!(stopped.is_ok(), "{stopped:?}");
}

fn load_error(certificate: &Path, key: &Path) -> TlsError {
    match TlsConfig::from_pem_files(certificate, key) {
        Ok(_) => panic!(
            "{} and {} were accepted",
            certificate.display(),
            key.display()
        ),
        Err(error) => error,
    }
}

#[test]
fn wrong_pem_files_give_errors_that_name_the_file() {
    let good = test_certificate();
    let folder = good.folder.path();

    let missing = folder.join("missing.pem");
    let error = load_error(&missing, &good.key);
    assert!(matches!(error, TlsError::Read { .. }), "{error:?}");
    assert!(error.to_string().contains("missing.pem"), "{error}");

    let garbage = write(folder, "garbage.pem", "this is not a certificate\n");
    let error = load_error(&garbage, &good.key);
    assert!(matches!(error, TlsError::NoCertificate { .. }), "{error:?}");
    assert!(error.to_string().contains("garbage.pem"), "{error}");

    // The key given where the certificate belongs, and the other way round.
    let error = load_error(&good.key, &good.key);
    assert!(matches!(error, TlsError::NoCertificate { .. }), "{error:?}");
    let error = load_error(&good.certificate, &good.certificate);
    assert!(matches!(error, TlsError::NoPrivateKey { .. }), "{error:?}");
    assert!(error.to_string().contains("certificate.pem"), "{error}");

    let encrypted = write(
        folder,
        "encrypted.pem",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let error = load_error(&good.certificate, &encrypted);
    assert!(
        matches!(error, TlsError::EncryptedPrivateKey { .. }),
        "{error:?}"
    );

    let not_a_key = write(
        folder,
        "not-a-key.pem",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    let error = load_error(&good.certificate, &not_a_key);
    assert!(matches!(error, TlsError::UnusableKey { .. }), "{error:?}");
    assert!(error.to_string().contains("not-a-key.pem"), "{error}");

    let other = test_certificate();
    let error = load_error(&good.certificate, &other.key);
    assert!(
        matches!(error, TlsError::KeyDoesNotMatchCertificate { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&good.certificate.display().to_string())
            && message.contains(&other.key.display().to_string()),
        "{message}"
    );
}

/// Shutting down finishes the request in flight: the handler is still waiting when the
/// shutdown is asked for, and its answer reaches the client.
#[tokio::test]
async fn shutdown_over_tls_finishes_the_request_in_flight() {
    let certificate = test_certificate();
    let (entered, mut handler_entered) = tokio::sync::mpsc::channel::<()>(1);
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let handler_release = std::sync::Arc::clone(&release);
    let router = Router::new().route(
        "/slow",
        get(move || async move {
            let _ = entered.send(()).await;
            handler_release.notified().await;
            "finished"
        }),
    );
    let (port, stop, server) = spawn_serve_tls(router, tls_config(&certificate)).await;
    let client = client_trusting(&certificate);
    let request = tokio::spawn(async move {
        client
            .get(format!("https://127.0.0.1:{port}/slow"))
            .send()
            .await?
            .text()
            .await
    });

    handler_entered.recv().await;
    let _ = stop.send(());
    release.notify_one();

    let answer = request.await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(answer.ok().as_deref(), Some("finished"));
    let stopped = server.await.unwrap_or_else(|error| panic!("{error}"));
    assert!(stopped.is_ok(), "{stopped:?}");
}
