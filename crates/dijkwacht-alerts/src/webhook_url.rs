//! What a webhook URL must be, in one place for the REST API that registers webhooks,
//! the command line, and the deliverer that posts to them: `https`, or plain `http` only
//! to this machine (a loopback address or `localhost`), with a host, without a user
//! name or password (deliveries are signed with the webhook's secret instead), not at a
//! literal link-local, multicast or unspecified address, and at most
//! [`MAX_WEBHOOK_URL_CHARS`] long. Alerts are sensitive; plain HTTP across a
//! network would let anyone on the way read them.

use std::net::IpAddr;

use url::{Host, Url};

/// The longest webhook URL taken.
pub const MAX_WEBHOOK_URL_CHARS: usize = 2_048;

/// A webhook URL that passed the checks, in its normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

/// Why a URL cannot be a webhook; the message suggests the fix and never repeats a
/// password the URL held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("use at most {MAX_WEBHOOK_URL_CHARS} characters")]
    TooLong,
    #[error(
        "this is not a URL ({reason}); give the full address, like https://siem.example.nl/dijkwacht"
    )]
    NotAUrl { reason: String },
    #[error(
        "a webhook URL must not hold a user name or password; deliveries are signed with the webhook's secret instead"
    )]
    Credentials,
    #[error(
        "plain http is allowed only to this machine (127.0.0.1, ::1, localhost); use https so that alerts are not readable on the way"
    )]
    PlainHttpBeyondLoopback,
    #[error("the URL names no host")]
    NoHost,
    #[error(
        "a webhook may not point at a link-local, multicast or unspecified address (such as a cloud's metadata service at 169.254.169.254); give the receiver's real address"
    )]
    InternalAddress,
    #[error("a webhook is https (or http on this machine), not '{scheme}'")]
    Scheme { scheme: String },
}

impl WebhookUrl {
    /// Checks `text` (surrounding white space ignored).
    pub fn parse(text: &str) -> Result<WebhookUrl, WebhookUrlError> {
        let text = text.trim();
        if text.chars().count() > MAX_WEBHOOK_URL_CHARS {
            return Err(WebhookUrlError::TooLong);
        }
        let url = Url::parse(text).map_err(|error| WebhookUrlError::NotAUrl {
            reason: error.to_string(),
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::Credentials);
        }
        if is_never_a_receiver(&url) {
            return Err(WebhookUrlError::InternalAddress);
        }
        match url.scheme() {
            "https" if url.host().is_some() => Ok(WebhookUrl(url)),
            "https" => Err(WebhookUrlError::NoHost),
            "http" if is_loopback(&url) => Ok(WebhookUrl(url)),
            "http" => Err(WebhookUrlError::PlainHttpBeyondLoopback),
            scheme => Err(WebhookUrlError::Scheme {
                scheme: scheme.to_owned(),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

/// Addresses no receiver listens on but a platform's own infrastructure may: link-local
/// (a cloud's metadata service), multicast and unspecified ones. Names that resolve to
/// them are not caught here; this stops the literal ones.
fn is_never_a_receiver(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(address)) => {
            address.is_link_local() || address.is_multicast() || address.is_unspecified()
        }
        Some(Host::Ipv6(address)) => {
            (address.segments()[0] & 0xffc0) == 0xfe80
                || address.is_multicast()
                || address.is_unspecified()
        }
        _ => false,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(address)) => IpAddr::V4(address).is_loopback(),
        Some(Host::Ipv6(address)) => IpAddr::V6(address).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_https_or_loopback_http_and_hold_no_credentials() {
        for good in [
            "https://siem.waterbedrijf.example/dijkwacht",
            "https://192.0.2.10:8443/hook?source=dijkwacht",
            "http://127.0.0.1:9000/hook",
            "http://127.5.6.7/hook",
            "http://[::1]:9000/hook",
            "http://LOCALHOST:9000/hook",
            "  https://siem.example.nl/hook  ",
        ] {
            let url = WebhookUrl::parse(good);
            assert!(url.is_ok(), "{good}: {url:?}");
        }
        let error = |text: &str| WebhookUrl::parse(text).expect_err("refused");
        assert!(matches!(
            error("siem.example.nl/hook"),
            WebhookUrlError::NotAUrl { .. }
        ));
        assert_eq!(
            error("http://siem.example.nl/hook"),
            WebhookUrlError::PlainHttpBeyondLoopback
        );
        assert_eq!(
            error("http://10.0.0.8/hook"),
            WebhookUrlError::PlainHttpBeyondLoopback
        );
        assert_eq!(
            error("ftp://siem.example.nl/hook").to_string(),
            "a webhook is https (or http on this machine), not 'ftp'"
        );
        let credentials = error("https://admin:hunter2@siem.example.nl/hook");
        assert_eq!(credentials, WebhookUrlError::Credentials);
        assert!(!credentials.to_string().contains("hunter2"));
        assert_eq!(
            error("https://token@siem.example.nl/hook"),
            WebhookUrlError::Credentials
        );
        let long = format!(
            "https://siem.example.nl/{}",
            "a".repeat(MAX_WEBHOOK_URL_CHARS)
        );
        assert_eq!(error(&long), WebhookUrlError::TooLong);
    }
}
