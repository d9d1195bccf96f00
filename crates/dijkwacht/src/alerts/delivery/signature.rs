//! How a webhook receiver knows a delivery came from this platform and was not changed
//! or replayed. Each attempt carries
//! `X-Dijkwacht-Signature: sha256=<hex of HMAC-SHA256(secret, timestamp "." body)>`,
//! the timestamp being `X-Dijkwacht-Timestamp` (unix seconds): it is inside the signed
//! text, so an old delivery cannot be sent again under a new time. The secret is shared
//! with the organisation when it registers the webhook. [`verify_signature`] is the
//! receiver's side, for the tests and as the reference for members writing their own.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The delivery's id: the same on every attempt, so receivers can drop repeats.
pub const DELIVERY_HEADER: &str = "x-dijkwacht-delivery";
/// When the attempt was signed, in seconds since 1970.
pub const TIMESTAMP_HEADER: &str = "x-dijkwacht-timestamp";
/// `sha256=` and the HMAC in lower-case hex.
pub const SIGNATURE_HEADER: &str = "x-dijkwacht-signature";

const SCHEME: &str = "sha256=";

/// The fewest bytes a webhook secret may have.
pub const MIN_SECRET_BYTES: usize = 16;

/// The key an organisation's webhook deliveries are signed with; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("WebhookSecret(redacted)")
    }
}

/// Why a secret or a signature is not good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("a webhook secret needs at least {MIN_SECRET_BYTES} bytes; it has {0}")]
    SecretTooShort(usize),
    #[error("the signature header is not `sha256=` and 64 hex digits")]
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "only a receiver's check gives it")
    )]
    Malformed,
    #[error("the signature does not match the body and timestamp")]
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "only a receiver's check gives it")
    )]
    Mismatch,
}

impl WebhookSecret {
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<WebhookSecret, SignatureError> {
        let secret = secret.into();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SignatureError::SecretTooShort(secret.len()));
        }
        Ok(WebhookSecret(secret))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

fn mac_over(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Dijkwacht-Signature` value for `body` sent at `timestamp`.
pub fn sign(secret: &WebhookSecret, timestamp: &str, body: &[u8]) -> String {
    let digest = mac_over(secret.as_bytes(), timestamp, body)
        .finalize()
        .into_bytes();
    let mut header = String::with_capacity(SCHEME.len() + 2 * digest.len());
    header.push_str(SCHEME);
    for byte in digest {
        header.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
        header.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
    }
    header
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Checks a delivery as a receiver would: `header` is `X-Dijkwacht-Signature`,
/// `timestamp` is `X-Dijkwacht-Timestamp` exactly as received, `body` the raw body. The
/// comparison takes the same time wherever the bytes differ. A receiver should also
/// refuse timestamps far from its clock (five minutes is usual) and repeated delivery
/// ids. Dijkwacht itself only signs; its tests check deliveries with this, as a
/// receiver's code would.
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "receivers' check, used by the tests")
)]
pub fn verify_signature(
    secret: &[u8],
    timestamp: &str,
    body: &[u8],
    header: &str,
) -> Result<(), SignatureError> {
    let hex = header
        .trim()
        .strip_prefix(SCHEME)
        .ok_or(SignatureError::Malformed)?;
    let claimed = decode_hex(hex).ok_or(SignatureError::Malformed)?;
    if claimed.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    mac_over(secret, timestamp, body)
        .verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg_attr(not(test), allow(dead_code, reason = "part of the receivers' check"))]
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digit = |byte: u8| {
        char::from(byte)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> WebhookSecret {
        WebhookSecret::new("waterbedrijf-webhook-secret").expect("long enough")
    }

    #[test]
    fn a_signature_matches_one_made_elsewhere() {
        // Python: hmac.new(secret, b"1780000000." + body, hashlib.sha256).hexdigest()
        let body = br#"{"id":"alert--1","tlp":"amber"}"#;
        assert_eq!(
            sign(&secret(), "1780000000", body),
            "sha256=269adc3266a0be7832a3d0bd1a9a31c2ea40ec95aa4769a0c34fa065188275f8"
        );
    }

    #[test]
    fn the_receiver_accepts_what_was_signed_and_nothing_else() {
        let body = br#"{"id":"alert--1","tlp":"amber"}"#;
        let header = sign(&secret(), "1780000000", body);
        assert!(
            header.starts_with("sha256=") && header.len() == 7 + 64,
            "{header}"
        );
        let check = |secret: &[u8], timestamp: &str, body: &[u8], header: &str| {
            verify_signature(secret, timestamp, body, header)
        };
        assert_eq!(
            check(secret().as_bytes(), "1780000000", body, &header),
            Ok(())
        );
        assert_eq!(
            check(secret().as_bytes(), "1780000001", body, &header),
            Err(SignatureError::Mismatch),
            "another time"
        );
        assert_eq!(
            check(
                secret().as_bytes(),
                "1780000000",
                br#"{"id":"alert--1","tlp":"clear"}"#,
                &header
            ),
            Err(SignatureError::Mismatch),
            "another body"
        );
        assert_eq!(
            check(
                b"another secret of some length",
                "1780000000",
                body,
                &header
            ),
            Err(SignatureError::Mismatch)
        );
        for malformed in [
            "",
            "sha1=abcd",
            "sha256=xyz",
            "sha256=abc",
            &header[..header.len() - 2],
        ] {
            assert_eq!(
                check(secret().as_bytes(), "1780000000", body, malformed),
                Err(SignatureError::Malformed),
                "{malformed:?}"
            );
        }
        assert_eq!(
            check(
                secret().as_bytes(),
                "1780000000",
                body,
                &header.to_uppercase().replace("SHA256=", "sha256=")
            ),
            Ok(()),
            "hex digits in either case"
        );
    }

    #[test]
    fn a_short_secret_is_refused_and_none_is_printed() {
        assert_eq!(
            WebhookSecret::new("short"),
            Err(SignatureError::SecretTooShort(5))
        );
        assert_eq!(format!("{:?}", secret()), "WebhookSecret(redacted)");
    }
}
