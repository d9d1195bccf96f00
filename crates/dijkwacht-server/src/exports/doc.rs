//! The export endpoints in the OpenAPI document. Their handlers take the raw query
//! string (so that an unknown or repeated parameter is refused by name), so the
//! parameters are described here rather than derived from a struct; the REST document
//! merges this one ([`crate::rest::openapi`]), and a test holds the two route lists equal.

use utoipa::OpenApi;

use crate::rest::extract::{ErrorBody, SignInRefusals};

/// The exports' paths.
#[derive(Debug, OpenApi)]
#[openapi(
    paths(export_stix, export_csv, export_blocklist, export_misp_feed_file),
    tags((name = "exports", description = "Bulk exports for firewalls, DNS resolvers, SIEMs and MISP: never TLP:RED, always through the sharing rules for the caller"))
)]
pub struct ExportsDoc;

/// A STIX 2.1 bundle of what the caller may export, streamed.
#[utoipa::path(
    get,
    path = "/api/v1/exports/stix",
    tag = "exports",
    params(
        ("types" = Option<String>, Query, description = "STIX types, separated by commas (indicator,malware)"),
        ("added_after" = Option<String>, Query, description = "Only objects added after this instant (RFC 3339, UTC)"),
        ("community" = Option<String>, Query, description = "Only what is shared into this community, which the caller must reach"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of an earlier answer: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "A STIX 2.1 bundle", content_type = "application/stix+json;version=2.1", body = Object),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "A parameter is unknown, repeated or wrong; the details name it", body = ErrorBody),
        (status = 404, description = "The community is not one the caller reaches", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub fn export_stix() {}

/// One CSV row per indicator value and per observable the caller may export.
#[utoipa::path(
    get,
    path = "/api/v1/exports/csv",
    tag = "exports",
    params(
        ("types" = Option<String>, Query, description = "STIX types, separated by commas"),
        ("added_after" = Option<String>, Query, description = "Only objects added after this instant (RFC 3339, UTC)"),
        ("community" = Option<String>, Query, description = "Only what is shared into this community"),
        ("min_confidence" = Option<u8>, Query, description = "Leave out indicators below this confidence (0-100) and those without one"),
        ("valid_only" = Option<bool>, Query, description = "Leave out revoked, expired and not yet valid indicators"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of an earlier answer"),
    ),
    responses(
        (status = 200, description = "CSV with a header row", content_type = "text/csv; charset=utf-8", body = String),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "A parameter is unknown, repeated or wrong; the details name it", body = ErrorBody),
        (status = 404, description = "The community is not one the caller reaches", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub fn export_csv() {}

/// A blocklist: one IP address, network, domain or URL per line, from indicators.
#[utoipa::path(
    get,
    path = "/api/v1/exports/blocklist/{kind}",
    tag = "exports",
    params(
        ("kind" = String, Path, description = "ip, cidr, domain or url"),
        ("community" = Option<String>, Query, description = "Only what is shared into this community"),
        ("min_confidence" = Option<u8>, Query, description = "Leave out indicators below this confidence (0-100) and those without one"),
        ("valid_only" = Option<bool>, Query, description = "Leave out revoked, expired and not yet valid indicators (default true)"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of an earlier answer"),
    ),
    responses(
        (status = 200, description = "One value per line, sorted", content_type = "text/plain; charset=utf-8", body = String),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "The kind or a parameter is wrong; the details name it", body = ErrorBody),
        (status = 404, description = "The community is not one the caller reaches", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub fn export_blocklist() {}

/// A file of the caller's MISP feed: subscribe a MISP instance to `/api/v1/exports/misp-feed`.
#[utoipa::path(
    get,
    path = "/api/v1/exports/misp-feed/{file}",
    tag = "exports",
    params(
        ("file" = String, Path, description = "manifest.json, hashes.csv or <event-uuid>.json"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of an earlier answer"),
    ),
    responses(
        (status = 200, description = "manifest.json or an event (JSON), or hashes.csv (CSV)", content((Object = "application/json"), (String = "text/csv; charset=utf-8"))),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "A parameter was given; the feed takes none", body = ErrorBody),
        (status = 404, description = "No such file in this caller's feed", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub fn export_misp_feed_file() {}
