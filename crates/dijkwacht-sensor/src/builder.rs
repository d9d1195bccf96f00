//! One place that turns the values a log line carries into STIX cyber observables, so
//! that every reader emits the same shapes: `ipv4-addr`/`ipv6-addr`, `domain-name`
//! (with `resolves_to_refs`), `url`, `file` (with `hashes` under the STIX names `MD5`,
//! `SHA-1`, `SHA-256`), `x509-certificate` and `network-traffic` (with `src_ref`,
//! `dst_ref`, ports and `protocols`). Objects are keyed `"0"`, `"1"`… as in the
//! embedded `objects` of an `observed-data`, and a value seen twice in one line becomes
//! one object.
//!
//! The builder collects [`CompactObject`]s that borrow their text from the line; the
//! JSON form is written only if someone asks for it. Sensor lines are many, so every
//! allocation per line counts.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::IpAddr;

use crate::compact::{CompactObject, CompactObservation, ObjectKey};

/// The observables of one line, being collected.
#[derive(Debug)]
pub(crate) struct ObservationBuilder<'a> {
    objects: Vec<CompactObject<'a>>,
    first_observed: i64,
    last_observed: i64,
}

impl<'a> ObservationBuilder<'a> {
    pub(crate) fn new(observed_at: i64) -> ObservationBuilder<'a> {
        ObservationBuilder {
            objects: Vec::new(),
            first_observed: observed_at,
            last_observed: observed_at,
        }
    }

    /// Widens the window to `last_observed` (a flow's end).
    pub(crate) fn observed_until(&mut self, last_observed: i64) {
        if last_observed > self.last_observed {
            self.last_observed = last_observed;
        }
    }

    fn add(&mut self, object: CompactObject<'a>) -> ObjectKey {
        self.objects.push(object);
        ObjectKey(self.objects.len() - 1)
    }

    fn valued(&mut self, object_type: &'static str, value: Cow<'a, str>) -> ObjectKey {
        let already = self.objects.iter().position(|object| {
            matches!(object, CompactObject::Valued { object_type: kind, value: seen, .. }
                if *kind == object_type && *seen == value)
        });
        if let Some(position) = already {
            return ObjectKey(position);
        }
        self.add(CompactObject::Valued {
            object_type,
            value,
            resolves_to: Vec::new(),
        })
    }

    /// An `ipv4-addr` or `ipv6-addr`; `None` if `text` is not an address.
    pub(crate) fn ip(&mut self, text: &'a str) -> Option<ObjectKey> {
        let object_type = match text.parse::<IpAddr>().ok()? {
            IpAddr::V4(_) => "ipv4-addr",
            IpAddr::V6(_) => "ipv6-addr",
        };
        Some(self.valued(object_type, Cow::Borrowed(text)))
    }

    /// A `domain-name` (a trailing dot dropped); `None` if empty.
    pub(crate) fn domain(&mut self, name: &'a str) -> Option<ObjectKey> {
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        Some(self.valued("domain-name", Cow::Borrowed(name)))
    }

    /// Adds `resolved` (keys of addresses or names) to the `resolves_to_refs` of `domain`.
    pub(crate) fn resolves_to(&mut self, domain: ObjectKey, resolved: &[ObjectKey]) {
        if let Some(CompactObject::Valued { resolves_to, .. }) = self.objects.get_mut(domain.0) {
            for key in resolved {
                if !resolves_to.contains(key) {
                    resolves_to.push(*key);
                }
            }
        }
    }

    /// A `url`.
    pub(crate) fn url(&mut self, value: &'a str) -> Option<ObjectKey> {
        (!value.is_empty()).then(|| self.valued("url", Cow::Borrowed(value)))
    }

    /// A `url` from an HTTP host, port and request target: `http://host[:port]/path`.
    pub(crate) fn http_url(
        &mut self,
        host: &str,
        port: Option<u16>,
        target: &'a str,
    ) -> Option<ObjectKey> {
        if target.starts_with("http://") || target.starts_with("https://") {
            return self.url(target);
        }
        if host.is_empty() {
            return None;
        }
        let mut url = String::with_capacity(host.len() + target.len() + 16);
        url.push_str("http://");
        if host.contains(':') && host.parse::<IpAddr>().is_ok() {
            url.push('[');
            url.push_str(host);
            url.push(']');
        } else {
            url.push_str(host);
        }
        if let Some(port) = port.filter(|port| *port != 80) {
            // Writing to a String cannot fail.
            let _ = write!(url, ":{port}");
        }
        if !target.starts_with('/') {
            url.push('/');
        }
        url.push_str(target);
        Some(self.valued("url", Cow::Owned(url)))
    }

    /// A `file` with what is known of it; `None` if nothing is.
    pub(crate) fn file(&mut self, file: FileFacts<'a>) -> Option<ObjectKey> {
        let present =
            |text: Option<&'a str>| text.filter(|text| !text.is_empty()).map(Cow::Borrowed);
        let name = present(file.name);
        let hashes = [present(file.md5), present(file.sha1), present(file.sha256)];
        if name.is_none() && file.size.is_none() && hashes.iter().all(Option::is_none) {
            return None;
        }
        Some(self.add(CompactObject::File {
            name,
            size: file.size,
            hashes,
        }))
    }

    /// An `x509-certificate` by its SHA-1 fingerprint (`aa:bb:…` or plain hex).
    pub(crate) fn certificate_sha1(&mut self, fingerprint: &str) -> Option<ObjectKey> {
        let sha1: String = fingerprint
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if sha1.len() != 40 || !sha1.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.add(CompactObject::Certificate {
            hashes: [None, Some(Cow::Owned(sha1)), None],
        }))
    }

    /// A `network-traffic` between the given address objects.
    pub(crate) fn network_traffic(&mut self, flow: FlowFacts<'_, 'a>) -> ObjectKey {
        let protocols = flow
            .protocols
            .iter()
            .filter(|protocol| !protocol.is_empty())
            .map(|protocol| lower_case(protocol))
            .collect();
        self.add(CompactObject::NetworkTraffic {
            src_ref: flow.src_ref,
            dst_ref: flow.dst_ref,
            src_port: flow.src_port,
            dst_port: flow.dst_port,
            protocols,
        })
    }

    /// The observation, or `None` when the line held no observable.
    pub(crate) fn finish(self) -> Option<CompactObservation<'a>> {
        (!self.objects.is_empty()).then_some(CompactObservation {
            objects: self.objects,
            first_observed: self.first_observed,
            last_observed: self.last_observed,
        })
    }
}

/// A protocol name in lower case, borrowed when it already is (the usual names written
/// in capitals, such as EVE's `TCP`, need no allocation either).
fn lower_case(protocol: &str) -> Cow<'_, str> {
    if !protocol.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return Cow::Borrowed(protocol);
    }
    match protocol {
        "TCP" => Cow::Borrowed("tcp"),
        "UDP" => Cow::Borrowed("udp"),
        "ICMP" => Cow::Borrowed("icmp"),
        "IPV6-ICMP" => Cow::Borrowed("ipv6-icmp"),
        "SCTP" => Cow::Borrowed("sctp"),
        _ => Cow::Owned(protocol.to_ascii_lowercase()),
    }
}

/// What a log says about a file.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FileFacts<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) size: Option<u64>,
    pub(crate) md5: Option<&'a str>,
    pub(crate) sha1: Option<&'a str>,
    pub(crate) sha256: Option<&'a str>,
}

/// What a log says about a connection.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FlowFacts<'p, 'a> {
    pub(crate) src_ref: Option<ObjectKey>,
    pub(crate) dst_ref: Option<ObjectKey>,
    pub(crate) src_port: Option<u16>,
    pub(crate) dst_port: Option<u16>,
    pub(crate) protocols: &'p [&'a str],
}

/// The addresses and ports of a connection, as most logs give them: the two address
/// objects and a `network-traffic` between them.
pub(crate) fn add_connection<'a>(
    builder: &mut ObservationBuilder<'a>,
    source: (Option<&'a str>, Option<u16>),
    destination: (Option<&'a str>, Option<u16>),
    protocols: &[&'a str],
) {
    let src_ref = source.0.and_then(|address| builder.ip(address));
    let dst_ref = destination.0.and_then(|address| builder.ip(address));
    if src_ref.is_none() && dst_ref.is_none() {
        return;
    }
    builder.network_traffic(FlowFacts {
        src_ref,
        dst_ref,
        src_port: source.1,
        dst_port: destination.1,
        protocols,
    });
}
