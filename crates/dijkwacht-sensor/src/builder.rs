//! One place that turns the values a log line carries into STIX cyber observables, so
//! that every reader emits the same shapes: `ipv4-addr`/`ipv6-addr`, `domain-name`
//! (with `resolves_to_refs`), `url`, `file` (with `hashes` under the STIX names `MD5`,
//! `SHA-1`, `SHA-256`), `x509-certificate` and `network-traffic` (with `src_ref`,
//! `dst_ref`, ports and `protocols`). Objects are keyed `"0"`, `"1"`… as in the
//! embedded `objects` of an `observed-data`, and a value seen twice in one line becomes
//! one object.
//!
//! Objects are collected in a list and handed out as [`ObjectKey`]s (their position);
//! the key texts are written once, when the observation is finished, and a value seen
//! twice is found by comparing with the objects themselves — no copy of it is kept.
//! Sensor lines are many, so every allocation per line counts.

use std::collections::BTreeMap;
use std::net::IpAddr;

use dijkwacht_pattern::Observation;
use serde_json::{Map, Value};

/// An object of the observation being built: its position, which becomes its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjectKey(usize);

impl ObjectKey {
    /// The key as references and the finished observation write it.
    fn text(self) -> String {
        self.0.to_string()
    }
}

/// The observables of one line, being collected.
#[derive(Debug)]
pub(crate) struct ObservationBuilder {
    /// The objects, in the order added; object `i` gets the key `"i"`.
    objects: Vec<Map<String, Value>>,
    /// (type, position) of the objects with a `value`, to reuse an object seen twice.
    seen: Vec<(&'static str, usize)>,
    first_observed: i64,
    last_observed: i64,
}

impl ObservationBuilder {
    pub(crate) fn new(observed_at: i64) -> ObservationBuilder {
        ObservationBuilder {
            objects: Vec::new(),
            seen: Vec::new(),
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

    fn add(&mut self, object: Map<String, Value>) -> ObjectKey {
        self.objects.push(object);
        ObjectKey(self.objects.len() - 1)
    }

    fn valued(&mut self, object_type: &'static str, value: &str) -> ObjectKey {
        let objects = &self.objects;
        let already = self.seen.iter().find(|(kind, position)| {
            *kind == object_type
                && objects
                    .get(*position)
                    .and_then(|object| object.get("value"))
                    .and_then(Value::as_str)
                    == Some(value)
        });
        if let Some(&(_, position)) = already {
            return ObjectKey(position);
        }
        let mut object = Map::new();
        object.insert("type".to_owned(), Value::from(object_type));
        object.insert("value".to_owned(), Value::from(value));
        let key = self.add(object);
        self.seen.push((object_type, key.0));
        key
    }

    /// An `ipv4-addr` or `ipv6-addr`; `None` if `text` is not an address.
    pub(crate) fn ip(&mut self, text: &str) -> Option<ObjectKey> {
        let object_type = match text.parse::<IpAddr>().ok()? {
            IpAddr::V4(_) => "ipv4-addr",
            IpAddr::V6(_) => "ipv6-addr",
        };
        Some(self.valued(object_type, text))
    }

    /// A `domain-name` (a trailing dot dropped); `None` if empty.
    pub(crate) fn domain(&mut self, name: &str) -> Option<ObjectKey> {
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        Some(self.valued("domain-name", name))
    }

    /// Adds `resolved` (keys of addresses or names) to the `resolves_to_refs` of `domain`.
    pub(crate) fn resolves_to(&mut self, domain: ObjectKey, resolved: &[ObjectKey]) {
        if resolved.is_empty() {
            return;
        }
        let Some(object) = self.objects.get_mut(domain.0) else {
            return;
        };
        let references = object
            .entry("resolves_to_refs")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(references) = references {
            for key in resolved {
                let key = Value::from(key.text());
                if !references.contains(&key) {
                    references.push(key);
                }
            }
        }
    }

    /// A `url`.
    pub(crate) fn url(&mut self, value: &str) -> Option<ObjectKey> {
        (!value.is_empty()).then(|| self.valued("url", value))
    }

    /// A `url` from an HTTP host, port and request target: `http://host[:port]/path`.
    pub(crate) fn http_url(
        &mut self,
        host: &str,
        port: Option<u16>,
        target: &str,
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
            url.push(':');
            url.push_str(&port.to_string());
        }
        if !target.starts_with('/') {
            url.push('/');
        }
        url.push_str(target);
        self.url(&url)
    }

    /// A `file` with what is known of it; `None` if nothing is.
    pub(crate) fn file(&mut self, file: FileFacts<'_>) -> Option<ObjectKey> {
        let mut hashes = Map::new();
        for (algorithm, hash) in [
            ("MD5", file.md5),
            ("SHA-1", file.sha1),
            ("SHA-256", file.sha256),
        ] {
            if let Some(hash) = hash.filter(|hash| !hash.is_empty()) {
                hashes.insert(algorithm.to_owned(), Value::from(hash));
            }
        }
        let mut object = Map::new();
        object.insert("type".to_owned(), Value::from("file"));
        if let Some(name) = file.name.filter(|name| !name.is_empty()) {
            object.insert("name".to_owned(), Value::from(name));
        }
        if let Some(size) = file.size {
            object.insert("size".to_owned(), Value::from(size));
        }
        if !hashes.is_empty() {
            object.insert("hashes".to_owned(), Value::Object(hashes));
        }
        (object.len() > 1).then(|| self.add(object))
    }

    /// An `x509-certificate` by its SHA-1 fingerprint (`aa:bb:…` or plain hex).
    pub(crate) fn certificate_sha1(&mut self, fingerprint: &str) -> Option<ObjectKey> {
        let hex: String = fingerprint
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if hex.len() != 40 || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let mut hashes = Map::new();
        hashes.insert("SHA-1".to_owned(), Value::from(hex));
        let mut object = Map::new();
        object.insert("type".to_owned(), Value::from("x509-certificate"));
        object.insert("hashes".to_owned(), Value::Object(hashes));
        Some(self.add(object))
    }

    /// A `network-traffic` between the given address objects.
    pub(crate) fn network_traffic(&mut self, flow: FlowFacts<'_>) -> ObjectKey {
        let mut object = Map::new();
        object.insert("type".to_owned(), Value::from("network-traffic"));
        if let Some(source) = flow.src_ref {
            object.insert("src_ref".to_owned(), Value::from(source.text()));
        }
        if let Some(destination) = flow.dst_ref {
            object.insert("dst_ref".to_owned(), Value::from(destination.text()));
        }
        if let Some(port) = flow.src_port {
            object.insert("src_port".to_owned(), Value::from(port));
        }
        if let Some(port) = flow.dst_port {
            object.insert("dst_port".to_owned(), Value::from(port));
        }
        let protocols: Vec<Value> = flow
            .protocols
            .iter()
            .filter(|protocol| !protocol.is_empty())
            .map(|protocol| Value::from(protocol.to_ascii_lowercase()))
            .collect();
        if !protocols.is_empty() {
            object.insert("protocols".to_owned(), Value::Array(protocols));
        }
        self.add(object)
    }

    /// The observation, or `None` when the line held no observable.
    pub(crate) fn finish(self) -> Option<Observation> {
        (!self.objects.is_empty()).then_some(Observation {
            id: None,
            first_observed: self.first_observed,
            last_observed: self.last_observed,
            number_observed: 1,
            objects: self
                .objects
                .into_iter()
                .enumerate()
                .map(|(position, object)| (ObjectKey(position).text(), object))
                .collect::<BTreeMap<_, _>>(),
        })
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
pub(crate) struct FlowFacts<'a> {
    pub(crate) src_ref: Option<ObjectKey>,
    pub(crate) dst_ref: Option<ObjectKey>,
    pub(crate) src_port: Option<u16>,
    pub(crate) dst_port: Option<u16>,
    pub(crate) protocols: &'a [&'a str],
}

/// The addresses and ports of a connection, as most logs give them: the two address
/// objects and a `network-traffic` between them.
pub(crate) fn add_connection(
    builder: &mut ObservationBuilder,
    source: (Option<&str>, Option<u16>),
    destination: (Option<&str>, Option<u16>),
    protocols: &[&str],
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
