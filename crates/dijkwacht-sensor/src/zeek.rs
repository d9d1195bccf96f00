//! Zeek logs written as JSON (`LogAscii::use_json=T`): `conn`, `dns`, `http`, `ssl`
//! and `files`. A line names its log in `_path` when Zeek was told to; otherwise the
//! log is known by its fields (`fuid` files, `query` dns, `method`/`uri` http,
//! `server_name`/`cipher` ssl, `conn_state`/`proto` conn). The connection comes from
//! `id.orig_h`, `id.orig_p`, `id.resp_h`, `id.resp_p` and `proto`/`service`; the time
//! from `ts`, seconds since the epoch (or ISO 8601 with `json_timestamps`), and a
//! connection's `duration` widens the window.

use std::borrow::Cow;

use serde::Deserialize;

use crate::ProblemKind;
use crate::builder::{FileFacts, ObservationBuilder, add_connection};
use crate::compact::CompactObservation;
use crate::time::{epoch_seconds_micros, parse_rfc3339_micros};

/// The Zeek logs this reader maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZeekLog {
    Conn,
    Dns,
    Files,
    Http,
    Ssl,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ZeekTime<'a> {
    Seconds(f64),
    Text(#[serde(borrow)] Cow<'a, str>),
}

#[derive(Debug, Deserialize)]
struct ZeekRecord<'a> {
    ts: Option<ZeekTime<'a>>,
    #[serde(borrow, rename = "_path")]
    path: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "id.orig_h")]
    orig_h: Option<Cow<'a, str>>,
    #[serde(rename = "id.orig_p")]
    orig_p: Option<u16>,
    #[serde(borrow, rename = "id.resp_h")]
    resp_h: Option<Cow<'a, str>>,
    #[serde(rename = "id.resp_p")]
    resp_p: Option<u16>,
    #[serde(borrow)]
    proto: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service: Option<Cow<'a, str>>,
    duration: Option<f64>,
    #[serde(borrow)]
    conn_state: Option<Cow<'a, str>>,
    #[serde(borrow)]
    query: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    answers: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    server_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    cipher: Option<Cow<'a, str>>,
    #[serde(borrow)]
    fuid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    filename: Option<Cow<'a, str>>,
    #[serde(borrow)]
    md5: Option<Cow<'a, str>>,
    #[serde(borrow)]
    sha1: Option<Cow<'a, str>>,
    #[serde(borrow)]
    sha256: Option<Cow<'a, str>>,
    total_bytes: Option<u64>,
    #[serde(borrow, default)]
    tx_hosts: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    rx_hosts: Vec<Cow<'a, str>>,
}

impl ZeekRecord<'_> {
    fn log(&self) -> Result<ZeekLog, ProblemKind> {
        if let Some(path) = self.path.as_deref() {
            return match path {
                "conn" => Ok(ZeekLog::Conn),
                "dns" => Ok(ZeekLog::Dns),
                "files" => Ok(ZeekLog::Files),
                "http" => Ok(ZeekLog::Http),
                "ssl" => Ok(ZeekLog::Ssl),
                other => Err(ProblemKind::UnknownEventType(format!("zeek {other}"))),
            };
        }
        Ok(if self.fuid.is_some() {
            ZeekLog::Files
        } else if self.query.is_some() {
            ZeekLog::Dns
        } else if self.method.is_some() || self.uri.is_some() {
            ZeekLog::Http
        } else if self.server_name.is_some() || self.cipher.is_some() {
            ZeekLog::Ssl
        } else if self.conn_state.is_some() || self.proto.is_some() {
            ZeekLog::Conn
        } else {
            return Err(ProblemKind::UnknownEventType(
                "zeek log without `_path` and of no known shape".to_owned(),
            ));
        })
    }
}

/// Hands the observation of one Zeek JSON line to `emit`.
pub(crate) fn read_zeek_line(
    line: &[u8],
    emit: impl FnOnce(ZeekLog, CompactObservation<'_>),
) -> Result<(), ProblemKind> {
    let record: ZeekRecord<'_> =
        serde_json::from_slice(line).map_err(|error| ProblemKind::Malformed(error.to_string()))?;
    let log = record.log()?;
    let observed_at = match &record.ts {
        Some(ZeekTime::Seconds(seconds)) => epoch_seconds_micros(*seconds),
        Some(ZeekTime::Text(text)) => parse_rfc3339_micros(text),
        None => None,
    }
    .ok_or_else(|| ProblemKind::Malformed("`ts` is missing or not a time".to_owned()))?;
    let mut builder = ObservationBuilder::new(observed_at);
    if let Some(duration) = record.duration.and_then(epoch_seconds_micros) {
        builder.observed_until(observed_at + duration.max(0));
    }
    let protocols: Vec<&str> = [record.proto.as_deref(), record.service.as_deref()]
        .into_iter()
        .flatten()
        .flat_map(|protocols| protocols.split(','))
        .collect();
    add_connection(
        &mut builder,
        (record.orig_h.as_deref(), record.orig_p),
        (record.resp_h.as_deref(), record.resp_p),
        &protocols,
    );
    match log {
        ZeekLog::Conn => {}
        ZeekLog::Dns => {
            if let Some(domain) = record.query.as_deref().and_then(|q| builder.domain(q)) {
                let resolved: Vec<_> = record
                    .answers
                    .iter()
                    .filter_map(|answer| builder.ip(answer).or_else(|| builder.domain(answer)))
                    .collect();
                builder.resolves_to(domain, &resolved);
            }
        }
        ZeekLog::Http => {
            let host = record.host.as_deref().unwrap_or("");
            builder.domain(host);
            if let Some(uri) = record.uri.as_deref() {
                builder.http_url(host, record.resp_p.filter(|_| !host.is_empty()), uri);
            }
        }
        ZeekLog::Ssl => {
            if let Some(name) = record.server_name.as_deref() {
                builder.domain(name);
            }
        }
        ZeekLog::Files => {
            for host in record.tx_hosts.iter().chain(&record.rx_hosts) {
                builder.ip(host);
            }
            builder.file(FileFacts {
                name: record.filename.as_deref(),
                size: record.total_bytes,
                md5: record.md5.as_deref(),
                sha1: record.sha1.as_deref(),
                sha256: record.sha256.as_deref(),
            });
        }
    }
    let observation = builder.finish().ok_or(ProblemKind::NothingObserved)?;
    emit(log, observation);
    Ok(())
}
