//! `dijkwacht serve`: the HTTP interface on one address until Ctrl-C, over HTTPS when
//! given a certificate and key, within the limits the flags set.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use dijkwacht_audit::AuditLog;
use dijkwacht_fusion::scoring::ScoringModel;
use dijkwacht_server::limits::{DEFAULT_PAGE_SIZE, Limits, RateLimit};
use dijkwacht_server::metrics::MetricsSource;
use dijkwacht_server::serving::ServeOptions;
use dijkwacht_server::source_feedback::SourceRatings;
use dijkwacht_server::tls::TlsConfig;
use dijkwacht_server::{AppState, Backend};

use crate::cli::ServeArgs;
use crate::data_dir::DataDir;
use crate::fusion::metrics::{ConfiguredRatings, SourceMetrics};

pub async fn run(data: &DataDir, arguments: &ServeArgs) -> anyhow::Result<ExitCode> {
    let options = serve_options(arguments)?;
    let store = data.open()?;
    let audit = data.audit_log()?;
    // The fusion center's sources run on their schedules beside the server, on a
    // connection of their own.
    let scheduled = crate::fusion::load_config(data.root())?;
    let with_schedule = scheduled
        .sources
        .iter()
        .filter(|source| source.enabled && source.every.is_some())
        .count();
    let schedules = tokio::spawn(crate::fusion::schedule::run_schedules(
        data.root().to_path_buf(),
        data.open()?,
    ));
    if with_schedule > 0 {
        println!("running {with_schedule} source(s) on their schedules");
    }
    let metrics: Arc<dyn MetricsSource> = Arc::new(SourceMetrics {
        data_root: data.root().to_path_buf(),
    });
    let scheme = if options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    serve_store(
        Arc::new(store),
        audit,
        arguments.listen,
        "Dijkwacht",
        options,
        FusionServing {
            metrics: Some(metrics),
            ratings: Some(Arc::new(ConfiguredRatings {
                data_root: data.root().to_path_buf(),
            })),
            scoring: Arc::new(scheduled.scoring_model()?),
            alerts: Some((data.root().to_path_buf(), data.open()?)),
        },
        |address| {
            println!("listening on {scheme}://{address}/");
        },
    )
    .await?;
    schedules.abort();
    Ok(ExitCode::SUCCESS)
}

/// Checks the flags and loads the certificate, before anything is bound or opened.
fn serve_options(arguments: &ServeArgs) -> anyhow::Result<ServeOptions> {
    let tls = match (&arguments.tls_cert, &arguments.tls_key) {
        (Some(certificate), Some(key)) => Some(
            TlsConfig::from_pem_files(certificate, key)
                .context("cannot serve HTTPS; check --tls-cert and --tls-key")?,
        ),
        (None, None) => None,
        // clap requires each with the other; this stays a clear error all the same.
        (Some(_), None) => bail!("--tls-cert needs --tls-key: give the certificate's private key"),
        (None, Some(_)) => bail!("--tls-key needs --tls-cert: give the certificate chain"),
    };
    for (flag, value) in [
        ("--max-body-bytes", arguments.max_body_bytes),
        (
            "--max-objects-per-envelope",
            arguments.max_objects_per_envelope,
        ),
        ("--max-page-size", arguments.max_page_size),
    ] {
        if value == 0 {
            bail!("{flag} must be at least 1");
        }
    }
    let rate_limit = match NonZeroU32::new(arguments.rate_limit_per_minute) {
        None => None,
        Some(requests_per_minute) => Some(RateLimit {
            requests_per_minute,
            burst: NonZeroU32::new(arguments.rate_limit_burst).context(
                "--rate-limit-burst must be at least 1; turn the rate limit off with \
                 --rate-limit-per-minute 0",
            )?,
        }),
    };
    let limits = Limits {
        max_body_bytes: arguments.max_body_bytes,
        max_objects_per_envelope: arguments.max_objects_per_envelope,
        default_page_size: DEFAULT_PAGE_SIZE.min(arguments.max_page_size),
        max_page_size: arguments.max_page_size,
        rate_limit,
    };
    Ok(ServeOptions { limits, tls })
}

/// Binds `listen`, tells `announce` the bound address, and serves until Ctrl-C.
/// What the fusion center adds to a server: its sources' health in `/metrics`, their
/// letters as configured (for reporting what members' feedback makes of them) and the
/// scoring model indicators are read with.
#[derive(Default)]
pub struct FusionServing {
    pub metrics: Option<Arc<dyn MetricsSource>>,
    pub ratings: Option<Arc<dyn SourceRatings>>,
    pub scoring: Arc<ScoringModel>,
    /// Where the alert worker runs (`data folder`, its own store connection): matching
    /// and delivery beside the server.
    pub alerts: Option<(std::path::PathBuf, dijkwacht_store_sqlite::SqliteStore)>,
}

pub async fn serve_store(
    backend: Arc<dyn Backend>,
    audit: AuditLog,
    listen: SocketAddr,
    title: &str,
    options: ServeOptions,
    fusion: FusionServing,
    announce: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}; is another program using it? choose another with --listen"))?;
    let address = listener.local_addr()?;
    if options.tls.is_none() && !address.ip().is_loopback() {
        eprintln!(
            "warning: plain HTTP on {address}, which is not a loopback address; TAXII 2.1 \
             clients expect HTTPS: give --tls-cert and --tls-key, or serve behind a TLS proxy"
        );
    }
    announce(address);
    let mut state = AppState::new(backend, Some(Arc::new(audit)), title).map_err(|error| {
        anyhow::anyhow!(
            "the operating system gave no random numbers for the login cache's key: {error}"
        )
    })?;
    state.metrics = fusion.metrics;
    state.source_ratings = fusion.ratings;
    state.scoring = fusion.scoring;
    let worker = fusion.alerts.map(|(data_root, store)| {
        tokio::spawn(crate::alerts::worker::run_alert_worker(
            data_root,
            store,
            vec![state.objects_stored.clone(), state.alerts_changed.clone()],
        ))
    });
    let served = dijkwacht_server::serve(listener, state, options, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("the HTTP server stopped");
    if let Some(worker) = worker {
        worker.abort();
    }
    served
}
