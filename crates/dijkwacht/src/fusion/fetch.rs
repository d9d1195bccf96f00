//! HTTP for sources: one client that fetches only what it was configured for, in bounded
//! size and time. Feeds are other people's servers: they change, die mid-answer,
//! redirect, or send two gigabytes. So every request has a timeout; a body is read in
//! chunks and abandoned past the limit (before reading, when `Content-Length` already
//! says so); a redirect is followed only on the configured host; conditional GET
//! (`If-None-Match`, `If-Modified-Since`) skips what has not changed; and a failure that
//! may pass (a refused connection, a timeout, a 5xx, a 429, a body cut off) is retried
//! with growing waits before the error is the source's.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{
    AUTHORIZATION, CONTENT_LENGTH, ETAG, HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED,
};
use reqwest::{StatusCode, Url, redirect};

use super::state::Validators;
use dijkwacht_fusion::config::AuthConfig;

/// The bounds of one source's requests.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    pub max_body_bytes: u64,
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; doubled for each next one.
    pub first_backoff: Duration,
}

impl Default for FetchLimits {
    fn default() -> FetchLimits {
        FetchLimits {
            max_body_bytes: 256 << 20,
            timeout: Duration::from_secs(60),
            attempts: 4,
            first_backoff: Duration::from_millis(500),
        }
    }
}

/// Why a fetch failed, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not a URL this source may fetch (only {allowed} is configured)")]
    NotAllowed { url: String, allowed: String },
    #[error("{url}: answered {status}")]
    Status { url: String, status: StatusCode },
    #[error("{url}: the answer is larger than the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{0}")]
    Setup(String),
}

impl FetchError {
    /// Whether trying again may help.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            FetchError::Transport { .. } => true,
            FetchError::NotAllowed { .. } | FetchError::TooLarge { .. } | FetchError::Setup(_) => {
                false
            }
        }
    }
}

/// What a GET gave.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the validators still hold.
    NotModified,
    Body {
        bytes: Vec<u8>,
        validators: Validators,
        /// The answer's headers, for APIs that put paging in them (TAXII).
        headers: HeaderMap,
    },
}

/// The HTTP client of one source.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    /// Scheme, host and port every URL must have.
    origin: Url,
    limits: FetchLimits,
}

/// A URL's scheme, host and port, to compare origins.
fn origin_of(url: &Url) -> (String, Option<String>, Option<u16>) {
    (
        url.scheme().to_owned(),
        url.host_str().map(str::to_owned),
        url.port_or_known_default(),
    )
}

impl Fetcher {
    /// A client for the source at `base_url`: it fetches URLs on the same origin only.
    pub fn new(
        base_url: &str,
        auth: Option<&AuthConfig>,
        limits: FetchLimits,
    ) -> Result<Fetcher, FetchError> {
        let origin = Url::parse(base_url)
            .map_err(|error| FetchError::Setup(format!("`{base_url}` is no URL: {error}")))?;
        let allowed = origin_of(&origin);
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if origin_of(attempt.url()) == allowed {
                attempt.follow()
            } else {
                let to = attempt.url().to_string();
                attempt.error(format!(
                    "redirected to {to}, another host than the configured one; not followed"
                ))
            }
        });
        let mut headers = HeaderMap::new();
        if let Some(auth) = auth {
            let (name, value) = auth_header(auth)?;
            headers.insert(name, value);
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("dijkwacht/", env!("CARGO_PKG_VERSION")))
            .redirect(policy)
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout.min(Duration::from_secs(15)))
            .default_headers(headers)
            .build()
            .map_err(|error| FetchError::Setup(format!("cannot make an HTTP client: {error}")))?;
        Ok(Fetcher {
            client,
            origin,
            limits,
        })
    }

    /// The URL `reference` names relative to the source's URL, if it is on its origin.
    pub fn resolve(&self, reference: &str) -> Result<Url, FetchError> {
        let url = self
            .origin
            .join(reference)
            .map_err(|error| FetchError::NotAllowed {
                url: format!("{reference} ({error})"),
                allowed: self.origin.to_string(),
            })?;
        if origin_of(&url) != origin_of(&self.origin) {
            return Err(FetchError::NotAllowed {
                url: url.to_string(),
                allowed: self.origin.to_string(),
            });
        }
        Ok(url)
    }

    /// GETs `url` (on the source's origin), conditionally when `known` holds validators,
    /// retrying failures that may pass.
    pub async fn get(
        &self,
        url: &str,
        known: Option<&Validators>,
        accept: &str,
    ) -> Result<Fetched, FetchError> {
        let url = self.resolve(url)?;
        let mut wait = self.limits.first_backoff;
        let mut attempt = 1;
        loop {
            match self.get_once(&url, known, accept).await {
                Err(error) if error.is_transient() && attempt < self.limits.attempts => {
                    tracing::debug!(%url, attempt, %error, "retrying");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn get_once(
        &self,
        url: &Url,
        known: Option<&Validators>,
        accept: &str,
    ) -> Result<Fetched, FetchError> {
        let transport = |error: reqwest::Error| FetchError::Transport {
            url: url.to_string(),
            message: describe(&error),
        };
        let mut request = self.client.get(url.clone()).header("accept", accept);
        if let Some(known) = known {
            if let Some(etag) = &known.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &known.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
            });
        }
        let limit = self.limits.max_body_bytes;
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit,
        };
        let header = |name: HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let declared = header(CONTENT_LENGTH).and_then(|length| length.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large());
        }
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let headers = response.headers().clone();
        let capacity = declared.unwrap_or(64 << 10).min(limit);
        let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(64 << 10));
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| FetchError::Transport {
                url: url.to_string(),
                message: format!(
                    "the answer was cut off after {} bytes: {}",
                    bytes.len(),
                    describe(&error)
                ),
            })?;
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        if declared.is_some_and(|length| length != bytes.len() as u64) {
            return Err(FetchError::Transport {
                url: url.to_string(),
                message: format!(
                    "the answer was cut off after {} of {} bytes",
                    bytes.len(),
                    declared.unwrap_or_default()
                ),
            });
        }
        Ok(Fetched::Body {
            bytes,
            validators,
            headers,
        })
    }
}

/// A reqwest error with its causes, which hold the useful part ("connection refused").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn secret(variable: &str) -> Result<String, FetchError> {
    std::env::var(variable).map_err(|_| {
        FetchError::Setup(format!(
            "the environment variable {variable}, which the source's `auth` names, is not set"
        ))
    })
}

fn auth_header(auth: &AuthConfig) -> Result<(HeaderName, HeaderValue), FetchError> {
    let (name, value) = match auth {
        AuthConfig::Basic {
            username,
            password_env,
        } => {
            use base64::Engine as _;
            let password = secret(password_env)?;
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
            (AUTHORIZATION, format!("Basic {encoded}"))
        }
        AuthConfig::Bearer { token_env } => {
            (AUTHORIZATION, format!("Bearer {}", secret(token_env)?))
        }
        AuthConfig::Header { name, value_env } => {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| FetchError::Setup(format!("`{name}` is not an HTTP header name")))?;
            (name, secret(value_env)?)
        }
    };
    let mut value = HeaderValue::from_str(&value).map_err(|_| {
        FetchError::Setup("the credential holds characters HTTP forbids".to_owned())
    })?;
    value.set_sensitive(true);
    Ok((name, value))
}
