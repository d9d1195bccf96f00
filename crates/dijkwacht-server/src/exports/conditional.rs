//! What makes polling an export cheap: a strong `ETag` that is a hash of the exact
//! bytes of the answer, `If-None-Match` answered with 304 and no body, and caching
//! headers that keep one caller's export out of shared caches.
//!
//! Firewalls and SIEMs poll the same export every few minutes; most polls find nothing
//! new. With a 304 the server still reads the store (the hash is of what the caller may
//! see now) but sends nothing and records nothing, and the poller keeps what it has.
//! Answers to members are `private`; answers to anonymous callers are the public tier
//! and may be `public`. Every answer says `Vary: Authorization`, so that a cache never
//! hands one caller's answer to another.

use std::io::Write;

use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dijkwacht_policy::Caller;
use sha2::{Digest, Sha256};

/// How long a poller may keep an answer before asking again.
pub const MAX_AGE_SECONDS: u64 = 60;

/// A sink that hashes what is written to it: the first pass of an export writes its
/// bytes here to learn the export's `ETag` without keeping the bytes.
#[derive(Debug, Default)]
pub struct HashingSink {
    hasher: Sha256,
}

impl HashingSink {
    /// The strong entity tag of everything written.
    pub fn entity_tag(self) -> EntityTag {
        EntityTag::of_digest(self.hasher.finalize().as_slice())
    }
}

impl Write for HashingSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A strong entity tag: the first 128 bits of the SHA-256 of a body, in hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    hex: String,
}

impl EntityTag {
    /// The tag of a body held in memory.
    pub fn of_bytes(body: &[u8]) -> EntityTag {
        EntityTag::of_digest(Sha256::digest(body).as_slice())
    }

    fn of_digest(digest: &[u8]) -> EntityTag {
        EntityTag {
            hex: digest
                .iter()
                .take(16)
                .map(|byte| format!("{byte:02x}"))
                .collect(),
        }
    }

    /// The tag's opaque part, without quotes.
    pub fn as_str(&self) -> &str {
        &self.hex
    }

    /// Whether the request's `If-None-Match` names this tag (or is `*`). The weak
    /// comparison of RFC 9110 §13.1.2 applies: `W/"x"` matches `"x"`.
    pub fn matches_if_none_match(&self, request_headers: &HeaderMap) -> bool {
        request_headers
            .get_all(IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .any(|candidate| {
                candidate == "*"
                    || candidate
                        .trim_start_matches("W/")
                        .strip_prefix('"')
                        .and_then(|rest| rest.strip_suffix('"'))
                        == Some(self.hex.as_str())
            })
    }

    fn header_value(&self) -> HeaderValue {
        // Hex digits in quotes are always a valid header value.
        HeaderValue::from_str(&format!("\"{}\"", self.hex))
            .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
    }
}

/// The headers every export answer carries, 200 and 304 alike.
#[derive(Debug, Clone)]
pub struct ExportHeaders {
    pub entity_tag: EntityTag,
    pub content_type: &'static str,
    /// A file name for downloads (`Content-Disposition: attachment`), when the format
    /// is a file a person might save.
    pub file_name: Option<String>,
    pub public: bool,
}

impl ExportHeaders {
    pub fn new(entity_tag: EntityTag, content_type: &'static str, caller: &Caller) -> Self {
        ExportHeaders {
            entity_tag,
            content_type,
            file_name: None,
            public: matches!(caller, Caller::Anonymous),
        }
    }

    pub fn with_file_name(mut self, file_name: String) -> Self {
        self.file_name = Some(file_name);
        self
    }

    /// 304 when the request already holds this answer.
    pub fn not_modified_for(&self, request_headers: &HeaderMap) -> Option<Response> {
        if !self.entity_tag.matches_if_none_match(request_headers) {
            return None;
        }
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        self.apply(response.headers_mut(), false);
        Some(response)
    }

    /// A 200 with `body`.
    pub fn respond(&self, body: impl IntoResponse) -> Response {
        let mut response = body.into_response();
        self.apply(response.headers_mut(), true);
        response
    }

    /// Sets the headers; the content headers only on a response with a body.
    pub fn apply(&self, headers: &mut HeaderMap, with_content: bool) {
        headers.insert(ETAG, self.entity_tag.header_value());
        let visibility = if self.public { "public" } else { "private" };
        if let Ok(value) =
            HeaderValue::from_str(&format!("{visibility}, max-age={MAX_AGE_SECONDS}"))
        {
            headers.insert(CACHE_CONTROL, value);
        }
        headers.insert(VARY, HeaderValue::from_static("Authorization"));
        if !with_content {
            return;
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if let Some(file_name) = &self.file_name {
            if let Ok(value) =
                HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
            {
                headers.insert(CONTENT_DISPOSITION, value);
            }
        }
    }
}

/// A file name part made of what is safe in any file system and header: lower-case
/// letters, digits and `-`; anything else becomes `-`.
pub fn file_name_part(text: &str) -> String {
    text.chars()
        .map(|character| {
            let character = character.to_ascii_lowercase();
            if character.is_ascii_lowercase() || character.is_ascii_digit() {
                character
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(if_none_match: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(if_none_match) {
            headers.insert(IF_NONE_MATCH, value);
        }
        headers
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_star() {
        let tag = EntityTag::of_bytes(b"203.0.113.9\n");
        let quoted = format!("\"{}\"", tag.as_str());
        assert_eq!(tag.as_str().len(), 32);
        for matching in [
            quoted.clone(),
            format!("W/{quoted}"),
            format!("\"other\", {quoted}"),
            "*".to_owned(),
        ] {
            assert!(
                tag.matches_if_none_match(&headers_with(&matching)),
                "{matching}"
            );
        }
        for other in ["\"other\"", tag.as_str(), "", "W/"] {
            assert!(!tag.matches_if_none_match(&headers_with(other)), "{other}");
        }
        assert!(!tag.matches_if_none_match(&HeaderMap::new()));
    }

    #[test]
    fn the_hashing_sink_tags_what_the_body_would_be() {
        let mut sink = HashingSink::default();
        let _ = sink.write_all(b"203.0.113.9\n");
        let _ = sink.write_all(b"2001:db8::1\n");
        assert_eq!(
            sink.entity_tag(),
            EntityTag::of_bytes(b"203.0.113.9\n2001:db8::1\n")
        );
    }

    #[test]
    fn anonymous_answers_may_be_shared_and_members_are_private() {
        let tag = EntityTag::of_bytes(b"x");
        let mut headers = HeaderMap::new();
        ExportHeaders::new(tag.clone(), "text/plain; charset=utf-8", &Caller::Anonymous)
            .with_file_name("dijkwacht-ip.txt".to_owned())
            .apply(&mut headers, true);
        assert_eq!(headers[CACHE_CONTROL], "public, max-age=60");
        assert_eq!(headers[VARY], "Authorization");
        assert_eq!(
            headers[CONTENT_DISPOSITION],
            "attachment; filename=\"dijkwacht-ip.txt\""
        );
        assert_eq!(file_name_part("Water & Energie"), "water---energie");
    }
}
