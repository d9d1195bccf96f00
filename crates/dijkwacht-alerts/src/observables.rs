//! What a stored STIX object says that network matching uses: the addresses, networks,
//! domains, URLs, e-mail addresses and AS numbers it *names* — as values it states,
//! never as values it excludes.
//!
//! - An indicator with `pattern_type` `stix`: the constants of positive comparisons
//!   (`=`, `IN`, and `ISSUBSET` on addresses) on `ipv4-addr:value`, `ipv6-addr:value`,
//!   `domain-name:value`, `url:value`, `email-addr:value`,
//!   `email-message:from_ref.value` and `sender_ref.value`, `autonomous-system:number`,
//!   and `network-traffic:dst_ref.value` and `src_ref.value` (an address or a name). A
//!   comparison under `NOT`, `!=`, `LIKE`, `MATCHES` or an ordering names nothing: `[ipv4-addr:value != '198.51.100.7']`
//!   does not say that address is bad.
//! - An observable (SCO) of type `ipv4-addr`, `ipv6-addr`, `domain-name`, `url`,
//!   `email-addr` or `autonomous-system`: its value or number.
//! - An `observed-data` with embedded `objects` (STIX 2.0 style): those SCOs.
//!
//! Revoked objects name nothing. Expiry (`valid_until`) is the caller's to judge: this
//! crate has no clock. Why not `dijkwacht_fusion::correlation::keys_of`? Its keys take
//! positive comparisons only, as needed, but carry no AS numbers, do not tell an e-mail
//! sender from a recipient, do not read `observed-data`, and print the canonical pattern
//! for every indicator, which a million-object match does not need.

use std::borrow::Cow;
use std::net::IpAddr;

use dijkwacht_stix::pattern::{self, Comparison, Constant, ObjectPath, PathStep, Predicate};
use ipnet::IpNet;
use serde_json::Value;

use crate::network::asset::parse_as_number;
use crate::network::domain::observed_domain;

/// What kind of object named the values; evidence sentences begin with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservableSource {
    IndicatorPattern,
    Observable,
    ObservedData,
}

impl ObservableSource {
    /// How an evidence sentence names the source: `indicator pattern`, `observable`,
    /// `observed-data`.
    pub fn phrase(self) -> &'static str {
        match self {
            ObservableSource::IndicatorPattern => "indicator pattern",
            ObservableSource::Observable => "observable",
            ObservableSource::ObservedData => "observed-data",
        }
    }
}

/// A value in the form lookups compare.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NetworkObservable {
    Address(IpAddr),
    /// A network shorter than a single address, host bits cleared.
    Network(IpNet),
    /// Lower-case ASCII, punycode, no trailing dot.
    Domain(String),
    Url(UrlHost),
    /// An e-mail address, by its domain (in the form of `Domain`).
    EmailAddress {
        domain: String,
    },
    AutonomousSystem(u32),
}

/// The host of a URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UrlHost {
    Address(IpAddr),
    /// Lower-case ASCII, punycode, no trailing dot.
    Domain(String),
}

/// One value an object names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObservedValue {
    pub observable: NetworkObservable,
    /// The value as the object wrote it.
    pub written: String,
}

/// The values of one object that network matching uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkObservables {
    pub source: ObservableSource,
    /// Each value once, ordered by value.
    pub values: Vec<ObservedValue>,
}

/// The values `object` names (see the module documentation); `None` for objects that
/// name none of them: other types, other pattern languages, revoked objects, patterns
/// that do not parse.
pub fn network_observables(object: &Value) -> Option<NetworkObservables> {
    if object.get("revoked").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let object_type = object.get("type").and_then(Value::as_str)?;
    let mut values = Vec::new();
    let source = match object_type {
        "indicator" => {
            read_indicator(object, &mut values)?;
            ObservableSource::IndicatorPattern
        }
        "observed-data" => {
            let embedded = object.get("objects").and_then(Value::as_object)?;
            for observable in embedded.values() {
                read_observable(observable, &mut values);
            }
            ObservableSource::ObservedData
        }
        _ => {
            read_observable(object, &mut values);
            ObservableSource::Observable
        }
    };
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    values.dedup();
    Some(NetworkObservables { source, values })
}

fn read_indicator(object: &Value, values: &mut Vec<ObservedValue>) -> Option<()> {
    if object.get("pattern_type").and_then(Value::as_str) != Some("stix") {
        return None;
    }
    let parsed = pattern::parse(object.get("pattern").and_then(Value::as_str)?).ok()?;
    for comparison in parsed.comparisons() {
        read_comparison(comparison, values);
    }
    Some(())
}

/// What the value at an object path is.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// An address or a network.
    Address,
    /// An address, a network or a domain (`network-traffic:dst_ref.value`).
    AddressOrDomain,
    Domain,
    Url,
    EmailAddress,
    AutonomousSystem,
}

fn slot_of(path: &ObjectPath) -> Option<Slot> {
    let value_step = matches!(path.steps.as_slice(), [PathStep::Key(key)] if key == "value");
    let plain = path.steps.is_empty();
    match (path.object_type.as_str(), path.property.as_str()) {
        ("ipv4-addr" | "ipv6-addr", "value") if plain => Some(Slot::Address),
        ("domain-name", "value") if plain => Some(Slot::Domain),
        ("url", "value") if plain => Some(Slot::Url),
        ("email-addr", "value") if plain => Some(Slot::EmailAddress),
        ("email-message", "from_ref" | "sender_ref") if value_step => Some(Slot::EmailAddress),
        ("autonomous-system", "number") if plain => Some(Slot::AutonomousSystem),
        ("network-traffic", "dst_ref" | "src_ref") if value_step => Some(Slot::AddressOrDomain),
        _ => None,
    }
}

fn read_comparison(comparison: &Comparison, values: &mut Vec<ObservedValue>) {
    if comparison.negated {
        return;
    }
    let Some(slot) = slot_of(&comparison.object_path) else {
        return;
    };
    match &comparison.predicate {
        Predicate::Equal(constant) => read_constant(slot, constant, values),
        Predicate::In(constants) => {
            for constant in constants {
                read_constant(slot, constant, values);
            }
        }
        Predicate::IsSubset(network) if matches!(slot, Slot::Address | Slot::AddressOrDomain) => {
            push_value(slot, network, values)
        }
        _ => {}
    }
}

fn read_constant(slot: Slot, constant: &Constant, values: &mut Vec<ObservedValue>) {
    match constant {
        Constant::String(text) => push_value(slot, text, values),
        Constant::Integer(number) if matches!(slot, Slot::AutonomousSystem) => {
            if let Ok(number @ 1..) = u32::try_from(*number) {
                values.push(ObservedValue {
                    observable: NetworkObservable::AutonomousSystem(number),
                    written: number.to_string(),
                });
            }
        }
        _ => {}
    }
}

/// An SCO's value (or an AS number), read as its type says.
fn read_observable(object: &Value, values: &mut Vec<ObservedValue>) {
    let slot = match object.get("type").and_then(Value::as_str) {
        Some("ipv4-addr" | "ipv6-addr") => Slot::Address,
        Some("domain-name") => Slot::Domain,
        Some("url") => Slot::Url,
        Some("email-addr") => Slot::EmailAddress,
        Some("autonomous-system") => {
            let number = object.get("number").and_then(Value::as_u64);
            if let Some(number @ 1..) = number.and_then(|number| u32::try_from(number).ok()) {
                values.push(ObservedValue {
                    observable: NetworkObservable::AutonomousSystem(number),
                    written: number.to_string(),
                });
            }
            return;
        }
        _ => return,
    };
    if let Some(text) = object.get("value").and_then(Value::as_str) {
        push_value(slot, text, values);
    }
}

fn push_value(slot: Slot, text: &str, values: &mut Vec<ObservedValue>) {
    if let Some(observable) = observable_of(slot, text) {
        values.push(ObservedValue {
            observable,
            written: text.to_owned(),
        });
    }
}

fn observable_of(slot: Slot, text: &str) -> Option<NetworkObservable> {
    match slot {
        Slot::Address => address_or_network(text),
        Slot::AddressOrDomain => address_or_network(text).or_else(|| {
            observed_domain(text).map(|name| NetworkObservable::Domain(name.into_owned()))
        }),
        Slot::Domain => {
            observed_domain(text).map(|name| NetworkObservable::Domain(name.into_owned()))
        }
        Slot::Url => url_host(text).map(NetworkObservable::Url),
        Slot::EmailAddress => email_domain(text).map(|domain| NetworkObservable::EmailAddress {
            domain: domain.into_owned(),
        }),
        Slot::AutonomousSystem => parse_as_number(text.trim())
            .ok()
            .map(NetworkObservable::AutonomousSystem),
    }
}

/// `198.51.100.7`, `198.51.100.0/24`, `2001:db8::/32`; a network of one address is
/// that address.
fn address_or_network(text: &str) -> Option<NetworkObservable> {
    let text = text.trim();
    if !text.contains('/') {
        return text.parse().ok().map(NetworkObservable::Address);
    }
    let network: IpNet = text.parse().ok()?;
    Some(if network.prefix_len() == network.max_prefix_len() {
        NetworkObservable::Address(network.addr())
    } else {
        NetworkObservable::Network(network.trunc())
    })
}

/// The host of a URL, as an address or a domain. Tolerant of what feeds write: any
/// scheme or none (`evil.example/login`), user information, a port, `[…]` around an
/// IPv6 address.
pub(crate) fn url_host(url: &str) -> Option<UrlHost> {
    let url = url.trim();
    let after_scheme = match url.find("://") {
        Some(position) => &url[position + 3..],
        None => url,
    };
    let authority_end = after_scheme
        .find(['/', '?', '#', '\\'])
        .unwrap_or(after_scheme.len());
    let authority = &after_scheme[..authority_end];
    let host_and_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host_and_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']')?.0,
        None => host_and_port.split(':').next()?,
    };
    if let Ok(address) = host.parse::<IpAddr>() {
        return Some(UrlHost::Address(address));
    }
    observed_domain(host).map(|name| UrlHost::Domain(name.into_owned()))
}

/// The domain of an e-mail address, in the form lookups compare.
pub(crate) fn email_domain(address: &str) -> Option<Cow<'_, str>> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    if local.is_empty() {
        return None;
    }
    observed_domain(domain)
}
