//! Reporting sightings to a Dijkwacht server: each [`SightingRecord`] becomes one
//! `POST {server}/api/v1/sightings`, where the server stores it as a STIX sighting in
//! one of the member's communities and counts it towards the indicator (its sighting
//! count and effective confidence).
//!
//! A sensor runs unattended, so the submitter is patient within bounds and never gives
//! up on the whole run for one record: a 429 or 503 is retried after the server's
//! `Retry-After` (at most [`SubmitterConfig::max_attempts`] tries, each wait capped), a
//! connection that could not be made is retried the same way (nothing was sent), and
//! every record ends as a [`SubmissionOutcome`] — stored, or failed with the server's
//! own error message — whatever the server answered, however malformed.

use std::fmt;
use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};

use crate::matching::output::{MAX_STIX_COUNT, one_line, stix_time};
use crate::matching::record::SightingRecord;

/// The environment variable a token is read from when `--token` is not given.
pub const TOKEN_VARIABLE: &str = "DIJKWACHT_TOKEN";

/// The path of the REST endpoint, under the server's base URL.
const SIGHTINGS_PATH: &str = "/api/v1/sightings";

/// How much of an unexpected answer's body goes into a failure message.
const MAX_QUOTED_BODY_CHARS: usize = 200;

/// An API token (`dwt_…`); never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// The token from `--token`, else from [`TOKEN_VARIABLE`].
    pub fn resolve(flag: Option<String>) -> anyhow::Result<ApiToken> {
        let token = match flag {
            Some(token) => token,
            None => std::env::var(TOKEN_VARIABLE).with_context(|| {
                format!(
                    "no API token: pass --token or set {TOKEN_VARIABLE} (create one with \
                     `dijkwacht token create --user … --write`)"
                )
            })?,
        };
        ApiToken::new(token)
    }

    pub fn new(token: impl Into<String>) -> anyhow::Result<ApiToken> {
        let token = token.into().trim().to_owned();
        if token.is_empty() || token.chars().any(|character| character.is_control()) {
            bail!("the API token is empty or has control characters; paste it as it was shown");
        }
        Ok(ApiToken(token))
    }

    pub(crate) fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ApiToken(<redacted>)")
    }
}

/// Where and how to report sightings.
#[derive(Debug, Clone)]
pub struct SubmitterConfig {
    /// The server's base URL (`https://dijkwacht.example`), without `/api/v1`.
    pub server: String,
    pub token: ApiToken,
    /// The community to share the sightings into.
    pub community: String,
    /// Leave the organisation out: the server attributes the sightings to the community.
    pub anonymous: bool,
    /// Tries per record, the first included.
    pub max_attempts: u32,
    /// The longest wait between tries, whatever `Retry-After` asks.
    pub max_wait: Duration,
    /// The wait when the server asks for a retry without saying how long.
    pub default_wait: Duration,
}

impl SubmitterConfig {
    pub fn new(server: &str, token: ApiToken, community: &str) -> SubmitterConfig {
        SubmitterConfig {
            server: server.trim_end_matches('/').to_owned(),
            token,
            community: community.to_owned(),
            anonymous: false,
            max_attempts: 4,
            max_wait: Duration::from_secs(60),
            default_wait: Duration::from_secs(2),
        }
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionOutcome {
    /// The server stored the sighting under `sighting_id`.
    Stored {
        indicator_id: String,
        sighting_id: String,
    },
    /// The server refused it, or could not be reached; `status` when it answered.
    Failed {
        indicator_id: String,
        status: Option<u16>,
        message: String,
    },
}

impl SubmissionOutcome {
    pub fn is_stored(&self) -> bool {
        matches!(self, SubmissionOutcome::Stored { .. })
    }
}

/// Posts sighting records to one server.
#[derive(Debug, Clone)]
pub struct SightingSubmitter {
    config: SubmitterConfig,
    client: reqwest::Client,
}

impl SightingSubmitter {
    pub fn new(config: SubmitterConfig) -> anyhow::Result<SightingSubmitter> {
        if !(config.server.starts_with("https://") || config.server.starts_with("http://")) {
            bail!(
                "the server '{}' is not an http(s) URL; give it as https://host[:port]",
                config.server
            );
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("dijkwacht/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(60))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(SightingSubmitter { config, client })
    }

    /// The request body for one record.
    fn body(&self, record: &SightingRecord) -> Value {
        json!({
            "sighting_of_ref": record.indicator_id,
            "community": self.config.community,
            "anonymous": self.config.anonymous,
            "count": record.count.min(MAX_STIX_COUNT),
            "first_seen": stix_time(record.first_seen),
            "last_seen": stix_time(record.last_seen.max(record.first_seen)),
        })
    }

    /// Reports every record, one after the other; one outcome per record, in order.
    pub async fn submit_all(&self, records: &[SightingRecord]) -> Vec<SubmissionOutcome> {
        let mut outcomes = Vec::with_capacity(records.len());
        for record in records {
            outcomes.push(self.submit(record).await);
        }
        outcomes
    }

    /// Reports one record, retrying as the module documentation says.
    pub async fn submit(&self, record: &SightingRecord) -> SubmissionOutcome {
        let url = format!("{}{SIGHTINGS_PATH}", self.config.server);
        let body = self.body(record);
        let failed = |status: Option<StatusCode>, message: String| SubmissionOutcome::Failed {
            indicator_id: record.indicator_id.clone(),
            status: status.map(|status| status.as_u16()),
            message,
        };
        let mut attempt = 1;
        loop {
            let sent = self
                .client
                .post(&url)
                .bearer_auth(self.config.token.secret())
                .json(&body)
                .send()
                .await;
            let retry_after = match sent {
                Err(error) if error.is_connect() => None,
                Err(error) => return failed(None, format!("the request failed: {error}")),
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::SERVICE_UNAVAILABLE
                    {
                        let wait = retry_after(response.headers());
                        if attempt >= self.config.max_attempts {
                            let text = response.text().await.unwrap_or_default();
                            return failed(Some(status), server_message(status, &text));
                        }
                        wait
                    } else {
                        let text = match response.text().await {
                            Ok(text) => text,
                            Err(error) => {
                                return failed(
                                    Some(status),
                                    format!("the answer could not be read: {error}"),
                                );
                            }
                        };
                        return self.judge(record, status, &text);
                    }
                }
            };
            if attempt >= self.config.max_attempts {
                return failed(
                    None,
                    format!(
                        "could not connect to {} after {attempt} tries",
                        self.config.server
                    ),
                );
            }
            let wait = retry_after
                .unwrap_or(self.config.default_wait)
                .min(self.config.max_wait);
            tracing::info!(
                indicator = %record.indicator_id,
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "the server asked to wait; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// The outcome of a final answer.
    fn judge(&self, record: &SightingRecord, status: StatusCode, text: &str) -> SubmissionOutcome {
        let indicator_id = record.indicator_id.clone();
        if status == StatusCode::CREATED || status == StatusCode::OK {
            let stored = serde_json::from_str::<Value>(text).ok();
            return match stored
                .as_ref()
                .and_then(|sighting| sighting["id"].as_str())
                .filter(|id| id.starts_with("sighting--"))
            {
                Some(id) => SubmissionOutcome::Stored {
                    indicator_id,
                    sighting_id: id.to_owned(),
                },
                None => SubmissionOutcome::Failed {
                    indicator_id,
                    status: Some(status.as_u16()),
                    message: format!(
                        "the server answered {status} without a sighting: {}",
                        quoted(text)
                    ),
                },
            };
        }
        SubmissionOutcome::Failed {
            indicator_id,
            status: Some(status.as_u16()),
            message: server_message(status, text),
        }
    }
}

/// `Retry-After` in seconds (the form Dijkwacht and most servers send); `None` when
/// absent or in another form.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The server's own words from `{"error": {"message", "details"}}`, else the status and
/// the start of the body.
fn server_message(status: StatusCode, text: &str) -> String {
    let error = serde_json::from_str::<Value>(text)
        .ok()
        .map(|body| body["error"].clone());
    let message = error.as_ref().and_then(|error| error["message"].as_str());
    let details = error.as_ref().and_then(|error| error["details"].as_str());
    match (message, details) {
        (Some(message), Some(details)) => format!("{status}: {message}: {details}"),
        (Some(message), None) => format!("{status}: {message}"),
        _ => format!("{status}: {}", quoted(text)),
    }
}

/// The start of a body, on one line.
fn quoted(text: &str) -> String {
    let quoted = one_line(text, MAX_QUOTED_BODY_CHARS);
    if quoted.trim().is_empty() {
        "(no body)".to_owned()
    } else {
        quoted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_never_printed_and_must_be_plain_text() {
        let token = ApiToken::new(" dwt_abc_secret \n").expect("a token");
        assert_eq!(token.secret(), "dwt_abc_secret");
        assert!(!format!("{token:?}").contains("secret"));
        assert!(ApiToken::new("  ").is_err());
        assert!(ApiToken::new("dwt\u{0}x").is_err());
    }

    #[test]
    fn server_messages_are_taken_from_the_error_format_or_quoted() {
        let cases = [
            (
                r#"{"error": {"code": "invalid", "message": "Bad field", "details": "community: not a member"}}"#,
                "422 Unprocessable Entity: Bad field: community: not a member",
            ),
            (
                r#"{"error": {"message": "Nope"}}"#,
                "422 Unprocessable Entity: Nope",
            ),
            (
                "<html>\nproxy error</html>",
                "422 Unprocessable Entity: <html> proxy error</html>",
            ),
            ("", "422 Unprocessable Entity: (no body)"),
        ];
        for (body, expected) in cases {
            assert_eq!(
                server_message(StatusCode::UNPROCESSABLE_ENTITY, body),
                expected
            );
        }
        let long = "x".repeat(500);
        assert!(server_message(StatusCode::BAD_GATEWAY, &long).ends_with('…'));
    }
}
