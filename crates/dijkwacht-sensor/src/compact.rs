//! The observables of one log line in compact form: a short list of typed objects whose
//! text is borrowed from the line. The bulk index reads values straight from it
//! ([`ObservedValues`]), and the JSON [`Observation`] the matcher needs is built only
//! for the rare line that is a candidate (or when a caller asks for it).
//!
//! Both views come from the same objects: [`CompactObject::property`] says what each
//! property of each object is, and both the JSON builder and the path walker read it,
//! so the two cannot drift apart. A test checks that the index finds the same
//! indicators through either view.

use std::borrow::Cow;
use std::collections::BTreeMap;

use dijkwacht_pattern::bulk::{ObservedValue, ObservedValues};
use dijkwacht_pattern::{ObjectPath, Observation, PathStep};
use serde_json::{Map, Value};

/// An object of the observation: its position, which becomes its key (`"0"`, `"1"`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjectKey(pub(crate) usize);

impl ObjectKey {
    /// The key as references and the finished observation write it.
    pub(crate) fn text(self) -> String {
        self.0.to_string()
    }
}

/// The STIX names of the file hashes a log gives, in the order kept.
pub(crate) const HASH_ALGORITHMS: [&str; 3] = ["MD5", "SHA-1", "SHA-256"];

/// One cyber observable, in the shapes the sensor readers emit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CompactObject<'a> {
    /// `ipv4-addr`, `ipv6-addr`, `domain-name` or `url` with its `value`.
    Valued {
        object_type: &'static str,
        value: Cow<'a, str>,
        /// `resolves_to_refs` (domain names only).
        resolves_to: Vec<ObjectKey>,
    },
    File {
        name: Option<Cow<'a, str>>,
        size: Option<u64>,
        /// By [`HASH_ALGORITHMS`].
        hashes: [Option<Cow<'a, str>>; 3],
    },
    /// An `x509-certificate` known by its fingerprint: by [`HASH_ALGORITHMS`], only
    /// SHA-1 (lower-case hex) set.
    Certificate { hashes: [Option<Cow<'a, str>>; 3] },
    NetworkTraffic {
        src_ref: Option<ObjectKey>,
        dst_ref: Option<ObjectKey>,
        src_port: Option<u16>,
        dst_port: Option<u16>,
        /// Lower case.
        protocols: Vec<Cow<'a, str>>,
    },
}

/// What a property of a compact object holds, as a JSON value would.
#[derive(Debug, Clone, Copy)]
enum Property<'o> {
    Text(&'o str),
    Number(u64),
    Reference(ObjectKey),
    References(&'o [ObjectKey]),
    Texts(&'o [Cow<'o, str>]),
    Hashes(&'o [Option<Cow<'o, str>>; 3]),
}

impl<'a> CompactObject<'a> {
    pub(crate) fn object_type(&self) -> &'static str {
        match self {
            CompactObject::Valued { object_type, .. } => object_type,
            CompactObject::File { .. } => "file",
            CompactObject::Certificate { .. } => "x509-certificate",
            CompactObject::NetworkTraffic { .. } => "network-traffic",
        }
    }

    /// The object's properties other than `type`, in the order the JSON form lists them.
    const PROPERTY_NAMES: [&'static str; 10] = [
        "value",
        "resolves_to_refs",
        "name",
        "size",
        "hashes",
        "src_ref",
        "dst_ref",
        "src_port",
        "dst_port",
        "protocols",
    ];

    fn property<'o>(&'o self, name: &str) -> Option<Property<'o>> {
        match (self, name) {
            (_, "type") => Some(Property::Text(self.object_type())),
            (CompactObject::Valued { value, .. }, "value") => Some(Property::Text(value)),
            (CompactObject::Valued { resolves_to, .. }, "resolves_to_refs") => {
                (!resolves_to.is_empty()).then_some(Property::References(resolves_to))
            }
            (CompactObject::File { name, .. }, "name") => name.as_deref().map(Property::Text),
            (CompactObject::File { size, .. }, "size") => size.map(Property::Number),
            (
                CompactObject::File { hashes, .. } | CompactObject::Certificate { hashes },
                "hashes",
            ) => hashes
                .iter()
                .any(Option::is_some)
                .then_some(Property::Hashes(hashes)),
            (CompactObject::NetworkTraffic { src_ref, .. }, "src_ref") => {
                src_ref.map(Property::Reference)
            }
            (CompactObject::NetworkTraffic { dst_ref, .. }, "dst_ref") => {
                dst_ref.map(Property::Reference)
            }
            (CompactObject::NetworkTraffic { src_port, .. }, "src_port") => {
                src_port.map(|port| Property::Number(u64::from(port)))
            }
            (CompactObject::NetworkTraffic { dst_port, .. }, "dst_port") => {
                dst_port.map(|port| Property::Number(u64::from(port)))
            }
            (CompactObject::NetworkTraffic { protocols, .. }, "protocols") => {
                (!protocols.is_empty()).then_some(Property::Texts(protocols))
            }
            _ => None,
        }
    }

    fn to_json(&self) -> Map<String, Value> {
        let mut object = Map::new();
        object.insert("type".to_owned(), Value::from(self.object_type()));
        for name in Self::PROPERTY_NAMES {
            let Some(property) = self.property(name) else {
                continue;
            };
            let value = match property {
                Property::Text(text) => Value::from(text),
                Property::Number(number) => Value::from(number),
                Property::Reference(key) => Value::from(key.text()),
                Property::References(keys) => {
                    keys.iter().map(|key| Value::from(key.text())).collect()
                }
                Property::Texts(texts) => texts.iter().map(|text| Value::from(&**text)).collect(),
                Property::Hashes(hashes) => Value::Object(
                    HASH_ALGORITHMS
                        .iter()
                        .zip(hashes)
                        .filter_map(|(algorithm, hash)| {
                            Some(((*algorithm).to_owned(), Value::from(hash.as_deref()?)))
                        })
                        .collect(),
                ),
            };
            object.insert(name.to_owned(), value);
        }
        object
    }
}

/// The observables of one line and when they were seen (Unix microseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct CompactObservation<'a> {
    pub(crate) objects: Vec<CompactObject<'a>>,
    pub(crate) first_observed: i64,
    pub(crate) last_observed: i64,
}

impl CompactObservation<'_> {
    /// The same observation as JSON objects keyed `"0"`, `"1"`…, as the matcher reads it.
    pub fn to_observation(&self) -> Observation {
        Observation {
            id: None,
            first_observed: self.first_observed,
            last_observed: self.last_observed,
            number_observed: 1,
            objects: self
                .objects
                .iter()
                .enumerate()
                .map(|(position, object)| (ObjectKey(position).text(), object.to_json()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    pub fn first_observed(&self) -> i64 {
        self.first_observed
    }

    pub fn last_observed(&self) -> i64 {
        self.last_observed
    }

    /// Walks `steps` from `property` of an object, as STIX object paths do (§9.5).
    fn walk(
        &self,
        property: Property<'_>,
        steps: &[PathStep],
        visit: &mut dyn FnMut(ObservedValue<'_>),
    ) {
        let Some((step, rest)) = steps.split_first() else {
            match property {
                Property::Text(text) => visit(ObservedValue::Text(text)),
                Property::Number(number) => visit(match i64::try_from(number) {
                    Ok(integer) => ObservedValue::Integer(integer),
                    // Above i64, serde_json reads the number as a float too.
                    #[allow(clippy::cast_precision_loss)]
                    Err(_) => ObservedValue::Float(number as f64),
                }),
                Property::Reference(key) => visit(ObservedValue::Text(&key.text())),
                Property::References(_) | Property::Texts(_) | Property::Hashes(_) => {}
            }
            return;
        };
        match (step, property) {
            (PathStep::Key(key), Property::Reference(reference)) => {
                if let Some(target) = self.objects.get(reference.0) {
                    self.walk_property(target, key, rest, visit);
                }
            }
            (PathStep::Key(key), Property::Hashes(hashes)) => {
                let hash = HASH_ALGORITHMS
                    .iter()
                    .position(|algorithm| algorithm == key)
                    .and_then(|position| hashes[position].as_deref());
                if let Some(hash) = hash {
                    self.walk(Property::Text(hash), rest, visit);
                }
            }
            (PathStep::Index(index), Property::References(keys)) => {
                if let Some(key) = element(keys, *index) {
                    self.walk(Property::Reference(*key), rest, visit);
                }
            }
            (PathStep::Index(index), Property::Texts(texts)) => {
                if let Some(text) = element(texts, *index) {
                    self.walk(Property::Text(text), rest, visit);
                }
            }
            (PathStep::AnyIndex, Property::References(keys)) => {
                for key in keys {
                    self.walk(Property::Reference(*key), rest, visit);
                }
            }
            (PathStep::AnyIndex, Property::Texts(texts)) => {
                for text in texts {
                    self.walk(Property::Text(text), rest, visit);
                }
            }
            _ => {}
        }
    }

    /// Walks from the property `name` of `object`.
    fn walk_property(
        &self,
        object: &CompactObject<'_>,
        name: &str,
        steps: &[PathStep],
        visit: &mut dyn FnMut(ObservedValue<'_>),
    ) {
        if let Some(property) = object.property(name) {
            self.walk(property, steps, visit);
        }
    }
}

/// The element at `index` of a list, counting from the end for a negative index.
fn element<T>(list: &[T], index: i64) -> Option<&T> {
    let position = if index < 0 {
        usize::try_from(index.unsigned_abs())
            .ok()
            .and_then(|back| list.len().checked_sub(back))
    } else {
        usize::try_from(index).ok()
    };
    position.and_then(|position| list.get(position))
}

impl ObservedValues for CompactObservation<'_> {
    fn visit_path(&self, path: &ObjectPath, visit: &mut dyn FnMut(ObservedValue<'_>)) {
        for object in &self.objects {
            if object.object_type() == path.object_type {
                self.walk_property(object, &path.property, &path.steps, visit);
            }
        }
    }
}
