//! Suricata EVE JSON: one event per line, `event_type` saying which. Every mapped event
//! gives the connection (`src_ip`/`dest_ip` → `ipv4-addr`/`ipv6-addr`, a
//! `network-traffic` with `src_ref`, `dst_ref`, ports and `proto`/`app_proto` as
//! `protocols`) and the observables of its sections: `dns` (the query and answer names
//! → `domain-name`, A/AAAA answers → addresses it `resolves_to_refs`), `http`
//! (`hostname` → `domain-name`, `http://hostname[:port]url` → `url`), `tls` (`sni` →
//! `domain-name`, the certificate `fingerprint` → `x509-certificate` SHA-1) and
//! `fileinfo` (`filename`, `size`, `md5`, `sha1`, `sha256` → `file`). Sections are read
//! wherever they appear, so an `alert` carrying `http` metadata maps it too.
//!
//! Lines are parsed into borrowed, typed records (serde skips every field not named
//! here without building it): EVE lines are large and the fields we need are few.

use std::borrow::Cow;

use serde::Deserialize;

use crate::ProblemKind;
use crate::builder::{FileFacts, ObservationBuilder, add_connection};
use crate::compact::CompactObservation;
use crate::time::parse_rfc3339_micros;

/// The `event_type`s this reader maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EveEventType {
    Alert,
    Dns,
    Fileinfo,
    Flow,
    Http,
    Tls,
}

impl EveEventType {
    fn parse(name: &str) -> Option<EveEventType> {
        Some(match name {
            "alert" => EveEventType::Alert,
            "dns" => EveEventType::Dns,
            "fileinfo" => EveEventType::Fileinfo,
            "flow" => EveEventType::Flow,
            "http" => EveEventType::Http,
            "tls" => EveEventType::Tls,
            _ => return None,
        })
    }
}

#[derive(Debug, Deserialize)]
struct EveRecord<'a> {
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    src_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    dest_ip: Option<Cow<'a, str>>,
    src_port: Option<u16>,
    dest_port: Option<u16>,
    #[serde(borrow)]
    proto: Option<Cow<'a, str>>,
    #[serde(borrow)]
    app_proto: Option<Cow<'a, str>>,
    #[serde(borrow)]
    flow: Option<EveFlow<'a>>,
    #[serde(borrow)]
    dns: Option<EveDns<'a>>,
    #[serde(borrow)]
    http: Option<EveHttp<'a>>,
    #[serde(borrow)]
    tls: Option<EveTls<'a>>,
    #[serde(borrow)]
    fileinfo: Option<EveFileinfo<'a>>,
}

#[derive(Debug, Deserialize)]
struct EveFlow<'a> {
    #[serde(borrow)]
    end: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
struct EveDns<'a> {
    #[serde(borrow)]
    rrname: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    queries: Vec<EveDnsRecord<'a>>,
    #[serde(borrow, default)]
    answers: Vec<EveDnsRecord<'a>>,
}

#[derive(Debug, Deserialize)]
struct EveDnsRecord<'a> {
    #[serde(borrow)]
    rrname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    rrtype: Option<Cow<'a, str>>,
    #[serde(borrow)]
    rdata: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
struct EveHttp<'a> {
    #[serde(borrow)]
    hostname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
    http_port: Option<u16>,
}

#[derive(Debug, Deserialize)]
struct EveTls<'a> {
    #[serde(borrow)]
    sni: Option<Cow<'a, str>>,
    #[serde(borrow)]
    fingerprint: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
struct EveFileinfo<'a> {
    #[serde(borrow)]
    filename: Option<Cow<'a, str>>,
    size: Option<u64>,
    #[serde(borrow)]
    md5: Option<Cow<'a, str>>,
    #[serde(borrow)]
    sha1: Option<Cow<'a, str>>,
    #[serde(borrow)]
    sha256: Option<Cow<'a, str>>,
}

/// Hands the observation of one EVE line to `emit`.
pub(crate) fn read_eve_line(
    line: &[u8],
    emit: impl FnOnce(EveEventType, CompactObservation<'_>),
) -> Result<(), ProblemKind> {
    let record: EveRecord<'_> =
        serde_json::from_slice(line).map_err(|error| ProblemKind::Malformed(error.to_string()))?;
    let event_type_name = record.event_type.as_deref().unwrap_or("");
    let event_type = EveEventType::parse(event_type_name)
        .ok_or_else(|| ProblemKind::UnknownEventType(event_type_name.to_owned()))?;
    let observed_at = record
        .timestamp
        .as_deref()
        .and_then(parse_rfc3339_micros)
        .ok_or_else(|| {
            ProblemKind::Malformed("`timestamp` is missing or not RFC 3339".to_owned())
        })?;
    let mut builder = ObservationBuilder::new(observed_at);
    if let Some(end) = record.flow.as_ref().and_then(|flow| flow.end.as_deref()) {
        if let Some(end) = parse_rfc3339_micros(end) {
            builder.observed_until(end);
        }
    }
    let mut protocols = [""; 2];
    let mut protocol_count = 0;
    for protocol in [record.proto.as_deref(), record.app_proto.as_deref()]
        .into_iter()
        .flatten()
        .filter(|protocol| *protocol != "failed")
    {
        protocols[protocol_count] = protocol;
        protocol_count += 1;
    }
    add_connection(
        &mut builder,
        (record.src_ip.as_deref(), record.src_port),
        (record.dest_ip.as_deref(), record.dest_port),
        &protocols[..protocol_count],
    );
    if let Some(dns) = &record.dns {
        add_dns(&mut builder, dns);
    }
    if let Some(http) = &record.http {
        let host = http.hostname.as_deref().unwrap_or("");
        builder.domain(host);
        if let Some(target) = http.url.as_deref() {
            builder.http_url(host, http.http_port, target);
        }
    }
    if let Some(tls) = &record.tls {
        if let Some(sni) = tls.sni.as_deref() {
            builder.domain(sni);
        }
        if let Some(fingerprint) = tls.fingerprint.as_deref() {
            builder.certificate_sha1(fingerprint);
        }
    }
    if let Some(file) = &record.fileinfo {
        builder.file(FileFacts {
            name: file.filename.as_deref(),
            size: file.size,
            md5: file.md5.as_deref(),
            sha1: file.sha1.as_deref(),
            sha256: file.sha256.as_deref(),
        });
    }
    let observation = builder.finish().ok_or(ProblemKind::NothingObserved)?;
    emit(event_type, observation);
    Ok(())
}

/// Query names, answer names and the addresses (or names) they resolve to; both the
/// version 2 layout (`rrname` on the record) and version 3 (`queries`).
fn add_dns<'r>(builder: &mut ObservationBuilder<'r>, dns: &'r EveDns<'_>) {
    let query_names = dns
        .rrname
        .iter()
        .chain(dns.queries.iter().filter_map(|query| query.rrname.as_ref()));
    for name in query_names {
        builder.domain(name);
    }
    for answer in &dns.answers {
        let (Some(name), Some(data)) = (answer.rrname.as_deref(), answer.rdata.as_deref()) else {
            continue;
        };
        let Some(domain) = builder.domain(name) else {
            continue;
        };
        let resolved = match answer.rrtype.as_deref() {
            Some("A" | "AAAA") => builder.ip(data),
            Some("CNAME") => builder.domain(data),
            _ => None,
        };
        builder.resolves_to(domain, resolved.as_slice());
    }
}
