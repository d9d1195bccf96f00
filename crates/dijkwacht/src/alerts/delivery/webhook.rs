//! Alerts pushed to an organisation's own HTTP endpoint: one signed POST of the alert's
//! JSON per attempt (see [`super::signature`]). A webhook receiver is someone else's
//! server, so every attempt is bounded in time, a redirect is never followed (the
//! signed body would go to a URL nobody checked), and the answer is sorted into what
//! the outbox needs: delivered, try again later (timeouts, refused connections, 408,
//! 429, 5xx — honouring `Retry-After`), or give up (any other 4xx: the receiver refuses
//! it). URLs are checked when a webhook is added: `https`, or plain `http` to this
//! machine only, and never with credentials inside.

use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{StatusCode, redirect};

use super::alert::OutgoingAlert;
use super::backoff::MAX_RETRY_AFTER;
use super::outcome::{DeliveryOutcome, describe_error};
use super::policy::{DeliveryTarget, may_deliver};
use super::signature::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSecret, sign};

/// How much of a refusing receiver's answer is kept in the reason.
const MAX_QUOTED_ANSWER_BYTES: usize = 300;

pub use dijkwacht_alerts::webhook_url::WebhookUrl;

/// An organisation's webhook: where to, and the key to sign with.
#[derive(Debug, Clone)]
pub struct WebhookEndpoint {
    /// The short name of the organisation that registered it.
    pub organisation: String,
    pub url: WebhookUrl,
    pub secret: WebhookSecret,
}

/// The time bounds of one attempt.
#[derive(Debug, Clone, Copy)]
pub struct WebhookLimits {
    pub connect_timeout: Duration,
    /// From the start of the connection to the end of the answer.
    pub total_timeout: Duration,
}

impl Default for WebhookLimits {
    fn default() -> WebhookLimits {
        WebhookLimits {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
        }
    }
}

/// Why the sender could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot make the webhook HTTP client: {0}")]
pub struct WebhookSetupError(String);

/// Sends webhook deliveries; one per platform, shared by all endpoints.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    limits: WebhookLimits,
}

impl WebhookSender {
    pub fn new(limits: WebhookLimits) -> Result<WebhookSender, WebhookSetupError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("dijkwacht/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .build()
            .map_err(|error| WebhookSetupError(describe_error(&error)))?;
        Ok(WebhookSender { client, limits })
    }

    /// One attempt to deliver `alert` to `endpoint`. `delivery_id` is the same on every
    /// attempt of one delivery, so the receiver can drop repeats. Refused without
    /// sending anything when the TLP rules keep the alert from this endpoint.
    pub async fn deliver(
        &self,
        endpoint: &WebhookEndpoint,
        delivery_id: &str,
        alert: &OutgoingAlert,
    ) -> DeliveryOutcome {
        let target = DeliveryTarget::Webhook {
            owner_organisation: &endpoint.organisation,
        };
        if let Err(refusal) = may_deliver(alert.tlp, &alert.organisation, target) {
            return DeliveryOutcome::Refused(refusal);
        }
        let body = match serde_json::to_vec(alert) {
            Ok(body) => body,
            Err(error) => {
                return DeliveryOutcome::give_up(format!("the alert has no JSON form: {error}"));
            }
        };
        let headers = match signed_headers(&endpoint.secret, delivery_id, &body) {
            Ok(headers) => headers,
            Err(outcome) => return outcome,
        };
        let sent = self
            .client
            .post(endpoint.url.url().clone())
            .headers(headers)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => judge_answer(response).await,
            Err(error) => self.judge_failure(&error),
        }
    }

    fn judge_failure(&self, error: &reqwest::Error) -> DeliveryOutcome {
        if error.is_builder() {
            return DeliveryOutcome::give_up(format!(
                "cannot make the request: {}",
                describe_error(error)
            ));
        }
        if error.is_timeout() {
            return DeliveryOutcome::retry(format!(
                "no answer within {} s: {}",
                self.limits.total_timeout.as_secs_f32(),
                describe_error(error)
            ));
        }
        // Refused, reset or cut-off connections, name resolution, TLS: all may pass.
        DeliveryOutcome::retry(describe_error(error))
    }
}

fn signed_headers(
    secret: &WebhookSecret,
    delivery_id: &str,
    body: &[u8],
) -> Result<HeaderMap, DeliveryOutcome> {
    let timestamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        .to_string();
    let signature = sign(secret, &timestamp, body);
    let value = |text: &str| {
        HeaderValue::from_str(text).map_err(|_| {
            DeliveryOutcome::give_up(format!(
                "`{text}` cannot be sent in an HTTP header (a delivery id is visible ASCII)"
            ))
        })
    };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(DELIVERY_HEADER, value(delivery_id)?);
    headers.insert(TIMESTAMP_HEADER, value(&timestamp)?);
    headers.insert(SIGNATURE_HEADER, value(&signature)?);
    Ok(headers)
}

async fn judge_answer(response: reqwest::Response) -> DeliveryOutcome {
    let status = response.status();
    if status.is_success() {
        return DeliveryOutcome::Delivered {
            receipt: status.to_string(),
        };
    }
    let retry_after = retry_after(response.headers());
    let location = header_text(response.headers(), LOCATION);
    let answer = start_of_answer(response).await;
    let said = if answer.is_empty() {
        status.to_string()
    } else {
        format!("{status}: {answer}")
    };
    if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        return DeliveryOutcome::Retry {
            reason: format!("the receiver answered {said}"),
            retry_after,
        };
    }
    if status.is_redirection() {
        let to = location.map_or_else(String::new, |location| format!(" to {location}"));
        return DeliveryOutcome::give_up(format!(
            "the receiver redirects{to} ({status}); webhooks do not follow redirects: \
             register the URL that answers"
        ));
    }
    DeliveryOutcome::give_up(format!("the receiver refused it: {said}"))
}

fn header_text(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// `Retry-After` in seconds, at most [`MAX_RETRY_AFTER`]; `None` when absent or given as
/// a date (the schedule then decides alone).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = header_text(headers, RETRY_AFTER)?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// The start of the answer's body on one line, for the reason; what cannot be read is
/// left out.
async fn start_of_answer(response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() >= MAX_QUOTED_ANSWER_BYTES {
            break;
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let one_line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_QUOTED_ANSWER_BYTES)
        .collect();
    one_line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_and_bounded() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            retry_after(&headers)
        };
        assert_eq!(with("120"), Some(Duration::from_secs(120)));
        assert_eq!(with("99999999"), Some(MAX_RETRY_AFTER));
        assert_eq!(with("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
