//! How much one request, one envelope, one page and one caller may take from the server.
//!
//! A sharing platform is an open door for machines: a TAXII client in a loop, a
//! misconfigured SIEM pulling every second, or a 2 GB "bundle" must not take the instance
//! away from the other members. [`Limits`] names every bound in one place with a
//! documented default, and [`apply`] wraps a router with the two that can be enforced
//! before a handler runs:
//!
//! - a **rate limit per caller** (governor's keyed GCRA limiter): the caller is the
//!   SHA-256 of its `Authorization` header when it sends one, else its IP address (an
//!   IPv6 address by its /64 network, which one host usually owns whole). Over the limit
//!   the answer is 429 with `Retry-After`;
//! - a **request body limit**: a declared `Content-Length` over the limit is refused
//!   before anything is read, and a streamed body is cut off at the limit; both give 413.
//!
//! Refusals use [`crate::errors`], so TAXII clients get a TAXII error resource and
//! everyone else our JSON error. The envelope and page sizes are for the handlers that
//! produce envelopes: [`Limits::page_size`] and [`Limits::check_envelope_objects`].
//!
//! Keying on the `Authorization` header means that a caller who invents a new header
//! value for every request also gets a new budget; once the TAXII handlers know the
//! authenticated caller, keying on that identity is the stronger choice. Behind a reverse
//! proxy every caller without credentials shares the proxy's address (forwarded headers
//! are deliberately not trusted).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use tower_http::limit::RequestBodyLimitLayer;

use crate::error::{ApiError, RenderedError, is_taxii_path};

/// 32 MiB: a large TAXII envelope of indicators, with room to spare.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// Objects one TAXII envelope may carry, in or out.
pub const DEFAULT_MAX_OBJECTS_PER_ENVELOPE: usize = 10_000;
/// The page size when a TAXII client gives no `limit`.
pub const DEFAULT_PAGE_SIZE: usize = 1_000;
/// The largest page a TAXII client may ask for; larger `limit`s are lowered to it.
pub const DEFAULT_MAX_PAGE_SIZE: usize = 10_000;
/// Sustained requests per minute per caller: ten a second.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 600;
/// Requests a caller may make at once before the sustained rate applies.
pub const DEFAULT_BURST: u32 = 100;

/// Pruning the rate limiter's per-caller state after this many checks bounds its memory
/// by the callers seen recently, without a background task.
const CHECKS_BETWEEN_PRUNING: u64 = 4_096;

/// The bounds of one server. `Limits::default()` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The most objects one TAXII envelope (or bundle) may carry.
    pub max_objects_per_envelope: usize,
    /// The page size when a client gives none; never more than `max_page_size`.
    pub default_page_size: usize,
    /// The largest page a client may ask for.
    pub max_page_size: usize,
    /// Requests per caller; `None` turns rate limiting off.
    pub rate_limit: Option<RateLimit>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_objects_per_envelope: DEFAULT_MAX_OBJECTS_PER_ENVELOPE,
            default_page_size: DEFAULT_PAGE_SIZE,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            rate_limit: Some(RateLimit::default()),
        }
    }
}

/// A sustained rate with a burst on top: a caller may make `burst` requests at once, and
/// regains one every `60 / requests_per_minute` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests_per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            requests_per_minute: NonZeroU32::new(DEFAULT_REQUESTS_PER_MINUTE)
                .unwrap_or(NonZeroU32::MIN),
            burst: NonZeroU32::new(DEFAULT_BURST).unwrap_or(NonZeroU32::MIN),
        }
    }
}

impl Limits {
    /// The page size for a client's `limit` parameter: the default when it gives none,
    /// at most `max_page_size`, at least one. TAXII 2.1 lets a server return fewer
    /// objects than asked for.
    pub fn page_size(&self, requested: Option<usize>) -> usize {
        let max_page_size = self.max_page_size.max(1);
        requested
            .unwrap_or(self.default_page_size)
            .clamp(1, max_page_size)
    }

    /// Refuses an envelope with more objects than `max_objects_per_envelope`, as a 413
    /// that the caller renders for its path.
    pub fn check_envelope_objects(&self, objects: usize) -> Result<(), ApiError> {
        if objects <= self.max_objects_per_envelope {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_objects",
            "Too many objects",
        )
        .with_description(format!(
            "the envelope holds {objects} objects and this server accepts at most {} per \
             request; send them in several envelopes",
            self.max_objects_per_envelope
        )))
    }
}

/// Wraps `router` with the request body limit and, unless it is off, the rate limit
/// per caller. The rate limit runs first, so a caller over its budget costs no body
/// reading. Call it once, on the whole router, after all routes are added.
///
/// The rate limit keys callers without credentials by their IP address, which axum only
/// knows when the router is served with
/// `into_make_service_with_connect_info::<SocketAddr>()` (as [`crate::serving`] does);
/// without it, such callers share one budget.
pub fn apply(router: Router, limits: &Limits) -> Router {
    let router = router
        // The layer below limits every body; axum's own 2 MB default for extractors
        // would otherwise refuse bodies that our limit allows.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(from_fn_with_state(
            limits.max_body_bytes,
            render_payload_too_large,
        ));
    match limits.rate_limit {
        Some(rate_limit) => router.layer(from_fn_with_state(
            CallerRateLimiter::new(rate_limit),
            enforce_rate_limit,
        )),
        None => router,
    }
}

/// Who a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CallerKey {
    /// The SHA-256 of the `Authorization` header value: the secret is not kept.
    Credentials([u8; 32]),
    Address(IpAddr),
    /// Served without connection info: all such callers share one budget.
    Unknown,
}

fn caller_key(request: &Request) -> CallerKey {
    if let Some(authorization) = request.headers().get(AUTHORIZATION) {
        return CallerKey::Credentials(Sha256::digest(authorization.as_bytes()).into());
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(address)) => CallerKey::Address(network_of(address.ip())),
        None => CallerKey::Unknown,
    }
}

/// An IPv4 address stands for itself; an IPv6 address for its /64 network, since one
/// host commonly has a whole /64 to pick addresses from.
fn network_of(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !(u128::from(u64::MAX));
            IpAddr::V6(Ipv6Addr::from(network))
        }
    }
}

#[derive(Clone)]
struct CallerRateLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<CallerKey>>,
    checks: Arc<AtomicU64>,
    rate_limit: RateLimit,
}

impl fmt::Debug for CallerRateLimiter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CallerRateLimiter")
            .field("rate_limit", &self.rate_limit)
            .field("callers", &self.limiter.len())
            .finish()
    }
}

impl CallerRateLimiter {
    fn new(rate_limit: RateLimit) -> Self {
        let quota = Quota::per_minute(rate_limit.requests_per_minute).allow_burst(rate_limit.burst);
        CallerRateLimiter {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            checks: Arc::new(AtomicU64::new(0)),
            rate_limit,
        }
    }

    /// Counts one request against `key`; when over budget, says how long to wait.
    fn check(&self, key: &CallerKey) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % CHECKS_BETWEEN_PRUNING
            == CHECKS_BETWEEN_PRUNING - 1
        {
            // Forget callers whose budget is full again: they are indistinguishable from
            // callers never seen.
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

async fn enforce_rate_limit(
    State(limiter): State<CallerRateLimiter>,
    request: Request,
    next: Next,
) -> Response {
    match limiter.check(&caller_key(&request)) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many_requests(request.uri().path(), limiter.rate_limit, wait),
    }
}

fn too_many_requests(path: &str, rate_limit: RateLimit, wait: Duration) -> Response {
    let retry_after_seconds = whole_seconds_at_least_one(wait);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many requests",
    )
    .with_description(format!(
        "this caller may make {} requests per minute, with bursts of up to {}; retry \
         after {retry_after_seconds} seconds",
        rate_limit.requests_per_minute, rate_limit.burst
    ))
    .for_path(path);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(retry_after_seconds));
    response
}

/// `Retry-After` takes whole seconds; rounding down would invite a retry that fails.
fn whole_seconds_at_least_one(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

/// Gives every 413 that is not already ours — tower-http's empty one for a declared
/// length, axum's plain-text one for a streamed body cut off at the limit — our body.
async fn render_payload_too_large(
    State(max_body_bytes): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let path_is_taxii = is_taxii_path(request.uri().path());
    let response = next.run(request).await;
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE
        || response.extensions().get::<RenderedError>().is_some()
    {
        return response;
    }
    let body = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Request body too large",
    )
    .with_description(format!(
        "this server accepts request bodies of at most {max_body_bytes} bytes; send \
         the objects in several smaller requests"
    ));
    if path_is_taxii {
        body.into_taxii()
    } else {
        body.into_json()
    }
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, Bytes};
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::post;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn page_sizes_default_and_are_capped() {
        let limits = Limits::default();
        assert_eq!(limits.page_size(None), 1_000);
        assert_eq!(limits.page_size(Some(50)), 50);
        assert_eq!(limits.page_size(Some(50_000)), 10_000);
        assert_eq!(limits.page_size(Some(0)), 1);
        let small = Limits {
            max_page_size: 100,
            ..Limits::default()
        };
        assert_eq!(small.page_size(None), 100);
    }

    #[test]
    fn envelopes_over_the_limit_are_refused_with_413() {
        let limits = Limits::default();
        assert!(limits.check_envelope_objects(10_000).is_ok());
        let refusal = limits.check_envelope_objects(10_001).err();
        assert_eq!(
            refusal.map(|body| body.status),
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        );
    }

    #[test]
    fn ipv6_callers_are_keyed_by_their_64_network() {
        let first: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::V4(0.into()));
        let second: IpAddr = "2001:db8:1:2:bbbb::2"
            .parse()
            .unwrap_or(IpAddr::V4(0.into()));
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap_or(IpAddr::V4(0.into()));
        assert_eq!(network_of(first), network_of(second));
        assert_ne!(network_of(first), network_of(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap_or(IpAddr::V4(0.into()));
        assert_eq!(network_of(mapped), "192.0.2.7".parse().unwrap_or(mapped));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(whole_seconds_at_least_one(Duration::ZERO), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(100)), 1);
        assert_eq!(
            whole_seconds_at_least_one(Duration::from_millis(59_001)),
            60
        );
        assert_eq!(whole_seconds_at_least_one(Duration::from_secs(6)), 6);
    }

    /// A streamed body (no `Content-Length`) is cut off at the limit, and the extractor's
    /// plain-text 413 becomes our error body.
    #[tokio::test]
    async fn a_streamed_body_over_the_limit_gets_our_413() {
        let limits = Limits {
            max_body_bytes: 16,
            rate_limit: None,
            ..Limits::default()
        };
        let router = apply(
            Router::new().route("/taxii2/echo", post(|body: Bytes| async move { body })),
            &limits,
        );
        let request = Request::post("/taxii2/echo")
            .body(Body::from(vec![b'x'; 64]))
            .unwrap_or_default();
        let response = router.clone().oneshot(request).await;
        let Ok(response) = response;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            crate::taxii::media::TAXII_CONTENT_TYPE
        );
        let body = axum::body::to_bytes(response.into_body(), 4_096)
            .await
            .unwrap_or_default();
        let resource: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(resource["http_status"], "413");

        let small = Request::post("/taxii2/echo")
            .body(Body::from("small"))
            .unwrap_or_default();
        let Ok(response) = router.oneshot(small).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}
