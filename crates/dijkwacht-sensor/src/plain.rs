//! Plain JSON lines from anything else (a proxy, a firewall, a script): one object per
//! line whose field names are the common ones. The first field present of each list
//! below is used; nested objects are not searched. Time is `timestamp`, `@timestamp`,
//! `time` or `ts` (RFC 3339, or seconds since the epoch); without one the event is
//! placed at the epoch.

use serde_json::{Map, Value};

use crate::ProblemKind;
use crate::builder::{FileFacts, ObservationBuilder, add_connection};
use crate::compact::CompactObservation;
use crate::time::{epoch_seconds_micros, parse_rfc3339_micros};

const TIME: &[&str] = &["timestamp", "@timestamp", "time", "ts"];
const SOURCE_IP: &[&str] = &["src_ip", "source_ip", "srcip", "client_ip", "src"];
const DESTINATION_IP: &[&str] = &[
    "dst_ip",
    "dest_ip",
    "destination_ip",
    "dstip",
    "server_ip",
    "dst",
];
const SOURCE_PORT: &[&str] = &["src_port", "source_port", "srcport"];
const DESTINATION_PORT: &[&str] = &["dst_port", "dest_port", "destination_port", "dstport"];
const PROTOCOL: &[&str] = &["proto", "protocol", "transport"];
const DOMAIN: &[&str] = &[
    "domain",
    "hostname",
    "host",
    "fqdn",
    "query",
    "server_name",
    "sni",
];
const URL: &[&str] = &["url", "request_url"];
const FILE_NAME: &[&str] = &["filename", "file_name"];
const MD5: &[&str] = &["md5", "file_md5"];
const SHA1: &[&str] = &["sha1", "file_sha1"];
const SHA256: &[&str] = &["sha256", "file_sha256"];

fn first<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|name| object.get(*name))
}

fn text<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a str> {
    first(object, names).and_then(Value::as_str)
}

fn port(object: &Map<String, Value>, names: &[&str]) -> Option<u16> {
    match first(object, names)? {
        Value::Number(number) => number.as_u64().and_then(|port| u16::try_from(port).ok()),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// The observation of one plain JSON object.
pub(crate) fn read_plain_object(
    object: &Map<String, Value>,
) -> Result<CompactObservation<'_>, ProblemKind> {
    let observed_at = match first(object, TIME) {
        Some(Value::String(text)) => parse_rfc3339_micros(text),
        Some(Value::Number(number)) => number.as_f64().and_then(epoch_seconds_micros),
        _ => Some(0),
    }
    .ok_or_else(|| {
        ProblemKind::Malformed("the time field is not RFC 3339 or epoch seconds".to_owned())
    })?;
    let mut builder = ObservationBuilder::new(observed_at);
    let protocols: Vec<&str> = text(object, PROTOCOL).into_iter().collect();
    add_connection(
        &mut builder,
        (text(object, SOURCE_IP), port(object, SOURCE_PORT)),
        (text(object, DESTINATION_IP), port(object, DESTINATION_PORT)),
        &protocols,
    );
    if let Some(domain) = text(object, DOMAIN) {
        // `host` is sometimes an address.
        if builder.ip(domain).is_none() {
            builder.domain(domain);
        }
    }
    if let Some(url) = text(object, URL) {
        builder.url(url);
    }
    builder.file(FileFacts {
        name: text(object, FILE_NAME),
        size: None,
        md5: text(object, MD5),
        sha1: text(object, SHA1),
        sha256: text(object, SHA256),
    });
    builder.finish().ok_or(ProblemKind::NothingObserved)
}
