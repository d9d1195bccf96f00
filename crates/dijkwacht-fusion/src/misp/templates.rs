//! The MISP object templates that have one STIX shape: `file`, `domain-ip`, `url`,
//! `ip-port`, `network-connection`, `email` and `x509`. For each member attribute the
//! template says which pattern comparisons it contributes and whether it became part
//! of the SCOs; [`super::object`] turns that into an indicator, observed-data, or both.
//!
//! A member whose relation the template does not know contributes nothing here and is
//! kept in the object's note. A single-valued SCO property takes the first member
//! that names it; later ones still take part in the pattern (as alternatives) but are
//! kept in the note rather than in the SCO.

use serde_json::{Map, Value, json};

use super::attribute::Attribute;
use super::fields::{parse_datetime, stix_micros};
use super::observable::{
    Address, Comparison, ScoGraph, clean_hash, has_scheme, hash_algorithm, parse_port, properties,
};

/// One attribute of a MISP object and what the template made of it.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub attribute: Attribute,
    pub comparisons: Vec<Comparison>,
    pub in_sco: bool,
    /// Why the value could not be used (a malformed address, port or date).
    pub problem: Option<String>,
}

impl Member {
    pub(crate) fn new(attribute: Attribute) -> Member {
        Member {
            attribute,
            comparisons: Vec::new(),
            in_sco: false,
            problem: None,
        }
    }

    /// The member's role in its object (`object_relation`), or its type without one.
    fn relation(&self) -> String {
        self.attribute
            .relation
            .clone()
            .unwrap_or_else(|| self.attribute.misp_type.clone())
    }

    fn value(&self) -> String {
        self.attribute.value.trim().to_owned()
    }
}

/// Whether the template has a STIX shape of its own.
pub(crate) fn is_supported(template: &str) -> bool {
    matches!(
        template,
        "file" | "domain-ip" | "url" | "ip-port" | "network-connection" | "email" | "x509"
    )
}

/// Fills in the members' comparisons and SCO flags and adds the SCOs to `graph`.
pub(crate) fn build(template: &str, members: &mut [Member], graph: &mut ScoGraph) {
    match template {
        "file" => file(members, graph),
        "domain-ip" => domain_ip(members, graph),
        "url" => url(members, graph),
        "ip-port" | "network-connection" => traffic(members, graph),
        "email" => email(members, graph),
        "x509" => x509(members, graph),
        _ => {}
    }
}

/// Sets a single-valued property when it is still free; says whether it was.
fn set_once(object: &mut Map<String, Value>, key: &str, value: Value) -> bool {
    if object.contains_key(key) {
        return false;
    }
    object.insert(key.to_owned(), value);
    true
}

fn file(members: &mut [Member], graph: &mut ScoGraph) {
    let mut file = Map::new();
    let mut hashes = Map::new();
    for member in members.iter_mut() {
        let relation = member.relation();
        let value = member.value();
        if relation == "filename" {
            member
                .comparisons
                .push(Comparison::text("file:name", &value));
            member.in_sco = set_once(&mut file, "name", json!(value));
        } else if let Some((key, path)) = hash_algorithm(&relation) {
            let hash = clean_hash(&relation, &value);
            member
                .comparisons
                .push(Comparison::text(&format!("file:hashes.{path}"), &hash));
            member.in_sco = set_once(&mut hashes, key, json!(hash));
        } else if relation == "size-in-bytes" {
            match value.parse::<u32>() {
                Ok(size) => {
                    member
                        .comparisons
                        .push(Comparison::integer("file:size", i64::from(size)));
                    member.in_sco = set_once(&mut file, "size", json!(size));
                }
                Err(_) => member.problem = Some(format!("size '{value}' is not a number of bytes")),
            }
        } else if relation == "mimetype" {
            member
                .comparisons
                .push(Comparison::text("file:mime_type", &value));
            member.in_sco = set_once(&mut file, "mime_type", json!(value));
        }
    }
    if !hashes.is_empty() {
        file.insert("hashes".to_owned(), Value::Object(hashes));
    }
    if file.contains_key("name") || file.contains_key("hashes") {
        graph.add("file", file);
    } else {
        for member in members.iter_mut() {
            member.in_sco = false;
        }
    }
}

/// Reads the member as an address, recording the problem when it is not one.
fn address_of(member: &mut Member) -> Option<Address> {
    match Address::parse(&member.attribute.value) {
        Ok(address) => Some(address),
        Err(problem) => {
            member.problem = Some(problem);
            None
        }
    }
}

fn domain_ip(members: &mut [Member], graph: &mut ScoGraph) {
    let has_domain = members
        .iter()
        .any(|member| matches!(member.relation().as_str(), "domain" | "hostname"));
    let mut address_ids = Vec::new();
    for member in members.iter_mut() {
        if !matches!(member.relation().as_str(), "ip" | "ip-dst" | "ip-src") {
            continue;
        }
        let Some(address) = address_of(member) else {
            continue;
        };
        let path = if has_domain {
            "domain-name:resolves_to_refs[*].value".to_owned()
        } else {
            format!("{}:value", address.sco_type)
        };
        member
            .comparisons
            .push(Comparison::address(&path, &address));
        address_ids.push(address.add_to(graph));
        member.in_sco = true;
    }
    for member in members.iter_mut() {
        if !matches!(member.relation().as_str(), "domain" | "hostname") {
            continue;
        }
        let value = member.value();
        member
            .comparisons
            .push(Comparison::text("domain-name:value", &value));
        let mut domain = properties([("value", json!(value))]);
        if !address_ids.is_empty() {
            domain.insert("resolves_to_refs".to_owned(), json!(address_ids));
        }
        graph.add("domain-name", domain);
        member.in_sco = true;
    }
}

fn url(members: &mut [Member], graph: &mut ScoGraph) {
    for member in members.iter_mut() {
        let value = member.value();
        match member.relation().as_str() {
            "url" => {
                member
                    .comparisons
                    .push(Comparison::text("url:value", &value));
                if has_scheme(&value) {
                    graph.add("url", properties([("value", json!(value))]));
                    member.in_sco = true;
                }
            }
            "domain" | "host" => {
                member
                    .comparisons
                    .push(Comparison::text("domain-name:value", &value));
                graph.add("domain-name", properties([("value", json!(value))]));
                member.in_sco = true;
            }
            "ip" => {
                if let Some(address) = address_of(member) {
                    let path = format!("{}:value", address.sco_type);
                    member
                        .comparisons
                        .push(Comparison::address(&path, &address));
                    address.add_to(graph);
                    member.in_sco = true;
                }
            }
            _ => {}
        }
    }
}

/// `ip-port` and `network-connection`: one network-traffic between the first source
/// and the first destination, with their ports and protocols.
fn traffic(members: &mut [Member], graph: &mut ScoGraph) {
    let mut traffic = Map::new();
    let mut protocols: Vec<String> = Vec::new();
    let mut address_protocols: Vec<&'static str> = Vec::new();
    let mut in_traffic: Vec<usize> = Vec::new();
    let mut host_names: Vec<(&'static str, String)> = Vec::new();
    for (index, member) in members.iter_mut().enumerate() {
        let relation = member.relation();
        let value = member.value();
        let side = match relation.as_str() {
            "ip" | "ip-dst" | "hostname-dst" | "dst-port" => "dst",
            "ip-src" | "hostname-src" | "src-port" => "src",
            _ => "",
        };
        match relation.as_str() {
            "ip" | "ip-dst" | "ip-src" => {
                let Some(address) = address_of(member) else {
                    continue;
                };
                let path = format!("network-traffic:{side}_ref.value");
                member
                    .comparisons
                    .push(Comparison::address(&path, &address));
                let id = address.add_to(graph);
                member.in_sco = true;
                if set_once(&mut traffic, &format!("{side}_ref"), json!(id)) {
                    address_protocols.push(address.protocol());
                }
            }
            "hostname-src" | "hostname-dst" => {
                let path = format!("network-traffic:{side}_ref.value");
                member.comparisons.push(Comparison::text(&path, &value));
                let id = graph.add("domain-name", properties([("value", json!(value))]));
                member.in_sco = true;
                host_names.push((side, id));
            }
            "hostname" | "domain" => {
                member
                    .comparisons
                    .push(Comparison::text("domain-name:value", &value));
                graph.add("domain-name", properties([("value", json!(value))]));
                member.in_sco = true;
            }
            "src-port" | "dst-port" => match parse_port(&value) {
                Ok(port) => {
                    member.comparisons.push(Comparison::integer(
                        &format!("network-traffic:{side}_port"),
                        port,
                    ));
                    if set_once(&mut traffic, &format!("{side}_port"), json!(port)) {
                        in_traffic.push(index);
                    }
                }
                Err(problem) => member.problem = Some(problem),
            },
            "layer3-protocol" | "layer4-protocol" | "layer7-protocol" => {
                let protocol = value.to_ascii_lowercase();
                member
                    .comparisons
                    .push(Comparison::text("network-traffic:protocols[*]", &protocol));
                if !protocols.contains(&protocol) {
                    protocols.push(protocol);
                }
                in_traffic.push(index);
            }
            _ => {}
        }
    }
    // An address is the better endpoint; a host name is one only where no address is.
    for (side, id) in host_names {
        set_once(&mut traffic, &format!("{side}_ref"), json!(id));
    }
    if protocols.is_empty() {
        for protocol in address_protocols {
            if !protocols.iter().any(|known| known == protocol) {
                protocols.push(protocol.to_owned());
            }
        }
    }
    let has_endpoint = traffic.contains_key("src_ref") || traffic.contains_key("dst_ref");
    if has_endpoint && !protocols.is_empty() {
        traffic.insert("protocols".to_owned(), json!(protocols));
        graph.add("network-traffic", traffic);
        for index in in_traffic {
            if let Some(member) = members.get_mut(index) {
                member.in_sco = true;
            }
        }
    }
}

fn email(members: &mut [Member], graph: &mut ScoGraph) {
    let mut message = Map::new();
    let mut headers = Map::new();
    let mut attachments: Vec<Value> = Vec::new();
    let mut body_member = None;
    for (index, member) in members.iter_mut().enumerate() {
        let relation = member.relation();
        let value = member.value();
        let reference = |path: &str, member: &mut Member, graph: &mut ScoGraph| {
            member.comparisons.push(Comparison::text(path, &value));
            member.in_sco = true;
            graph.add("email-addr", properties([("value", json!(value))]))
        };
        match relation.as_str() {
            "from" => {
                let id = reference("email-message:from_ref.value", member, graph);
                member.in_sco = set_once(&mut message, "from_ref", json!(id));
            }
            "to" | "cc" | "bcc" => {
                let path = format!("email-message:{relation}_refs[*].value");
                let id = reference(&path, member, graph);
                let list = message
                    .entry(format!("{relation}_refs"))
                    .or_insert_with(|| json!([]));
                if let Some(list) = list.as_array_mut() {
                    list.push(json!(id));
                }
            }
            "subject" => {
                member
                    .comparisons
                    .push(Comparison::text("email-message:subject", &value));
                member.in_sco = set_once(&mut message, "subject", json!(value));
            }
            "message-id" => {
                member
                    .comparisons
                    .push(Comparison::text("email-message:message_id", &value));
                member.in_sco = set_once(&mut message, "message_id", json!(value));
            }
            "reply-to" | "x-mailer" => {
                let header = if relation == "reply-to" {
                    "Reply-To"
                } else {
                    "X-Mailer"
                };
                let path = format!("email-message:additional_header_fields.'{header}'");
                member.comparisons.push(Comparison::text(&path, &value));
                member.in_sco = set_once(&mut headers, header, json!(value));
            }
            "attachment" => {
                let path = "email-message:body_multipart[*].body_raw_ref.name";
                member.comparisons.push(Comparison::text(path, &value));
                let id = graph.add("file", properties([("name", json!(value))]));
                attachments.push(json!({"body_raw_ref": id}));
                member.in_sco = true;
            }
            "send-date" => match parse_datetime(&value) {
                Some(date) => {
                    member.in_sco = set_once(&mut message, "date", json!(stix_micros(date)))
                }
                None => member.problem = Some(format!("send-date '{value}' is not a date-time")),
            },
            "email-body" => {
                member
                    .comparisons
                    .push(Comparison::text("email-message:body", &value));
                body_member = body_member.or(Some((index, value)));
            }
            _ => {}
        }
    }
    let is_multipart = !attachments.is_empty();
    if message.is_empty() && headers.is_empty() && !is_multipart && body_member.is_none() {
        return;
    }
    if let (false, Some((index, body))) = (is_multipart, body_member) {
        message.insert("body".to_owned(), json!(body));
        if let Some(member) = members.get_mut(index) {
            member.in_sco = true;
        }
    }
    if !headers.is_empty() {
        message.insert(
            "additional_header_fields".to_owned(),
            Value::Object(headers),
        );
    }
    if is_multipart {
        message.insert("body_multipart".to_owned(), json!(attachments));
    }
    message.insert("is_multipart".to_owned(), json!(is_multipart));
    graph.add("email-message", message);
}

fn x509(members: &mut [Member], graph: &mut ScoGraph) {
    let mut certificate = Map::new();
    let mut hashes = Map::new();
    for member in members.iter_mut() {
        let relation = member.relation();
        let value = member.value();
        if let Some((key, path)) =
            hash_algorithm(&relation).filter(|_| relation.starts_with("x509-"))
        {
            let hash = clean_hash(&relation, &value);
            member.comparisons.push(Comparison::text(
                &format!("x509-certificate:hashes.{path}"),
                &hash,
            ));
            member.in_sco = set_once(&mut hashes, key, json!(hash));
            continue;
        }
        let (property, in_pattern) = match relation.as_str() {
            "serial-number" => ("serial_number", true),
            "issuer" => ("issuer", true),
            "subject" => ("subject", true),
            "version" => ("version", false),
            "pubkey-info-algorithm" => ("subject_public_key_algorithm", false),
            "pubkey-info-modulus" => ("subject_public_key_modulus", false),
            "validity-not-before" => ("validity_not_before", false),
            "validity-not-after" => ("validity_not_after", false),
            "pubkey-info-exponent" => ("subject_public_key_exponent", false),
            _ => continue,
        };
        let stix_value = if property.starts_with("validity") {
            match parse_datetime(&value) {
                Some(date) => json!(stix_micros(date)),
                None => {
                    member.problem = Some(format!("{relation} '{value}' is not a date-time"));
                    continue;
                }
            }
        } else if property == "subject_public_key_exponent" {
            match value.parse::<i64>() {
                Ok(exponent) if exponent >= 0 => json!(exponent),
                _ => {
                    member.problem = Some(format!("exponent '{value}' is not a number"));
                    continue;
                }
            }
        } else {
            json!(value)
        };
        if in_pattern {
            member.comparisons.push(Comparison::text(
                &format!("x509-certificate:{property}"),
                &value,
            ));
        }
        member.in_sco = set_once(&mut certificate, property, stix_value);
    }
    if !hashes.is_empty() {
        certificate.insert("hashes".to_owned(), Value::Object(hashes));
    }
    if certificate.is_empty() {
        return;
    }
    graph.add("x509-certificate", certificate);
}
