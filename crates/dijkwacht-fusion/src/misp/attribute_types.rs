//! The table of MISP attribute types: what STIX form each one takes, and for the
//! observable ones, the pattern comparisons and SCOs of a value. The module docs of
//! [`super`] give the same table for readers; this is the one the code follows.
//!
//! A type absent from [`form_of`] is unknown: its attributes are reported, never guessed.

use serde_json::json;

use super::observable::{
    Address, Comparison, ScoGraph, clean_hash, full_registry_key, has_scheme, hash_algorithm,
    parse_as_number, parse_mac, parse_port, properties, split_composite,
};

/// The STIX form an attribute type takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// An indicator when `to_ids`, else observed-data with SCOs.
    Observable,
    /// An indicator when `to_ids`; STIX has no SCO for it, so otherwise a note.
    DetectionOnly,
    /// Always an indicator, with this `pattern_type` (`yara`, `snort`, `sigma`, `stix`).
    Rule(&'static str),
    /// A `note` whose content is the value, labelled with the type.
    Note,
    /// An external reference of the report.
    Link,
    Vulnerability,
    ThreatActor,
    Campaign,
}

/// The form of a MISP attribute type, or `None` when the type is unknown.
pub(crate) fn form_of(misp_type: &str) -> Option<Form> {
    Some(match misp_type {
        "ip-src"
        | "ip-dst"
        | "ip-src|port"
        | "ip-dst|port"
        | "domain"
        | "hostname"
        | "domain|ip"
        | "url"
        | "uri"
        | "email"
        | "email-src"
        | "email-dst"
        | "email-subject"
        | "email-attachment"
        | "filename"
        | "md5"
        | "sha1"
        | "sha256"
        | "sha512"
        | "sha3-256"
        | "sha3-512"
        | "ssdeep"
        | "tlsh"
        | "filename|md5"
        | "filename|sha1"
        | "filename|sha256"
        | "filename|sha512"
        | "filename|ssdeep"
        | "malware-sample"
        | "attachment"
        | "mutex"
        | "regkey"
        | "regkey|value"
        | "AS"
        | "mac-address"
        | "x509-fingerprint-md5"
        | "x509-fingerprint-sha1"
        | "x509-fingerprint-sha256" => Form::Observable,
        "port" | "user-agent" | "ja3-fingerprint-md5" | "imphash" => Form::DetectionOnly,
        "yara" => Form::Rule("yara"),
        "snort" => Form::Rule("snort"),
        "sigma" => Form::Rule("sigma"),
        "stix2-pattern" => Form::Rule("stix"),
        "text" | "comment" | "other" | "btc" | "pdb" | "pehash" | "float" | "counter"
        | "datetime" | "size-in-bytes" | "mime-type" | "hex" => Form::Note,
        "link" => Form::Link,
        "vulnerability" => Form::Vulnerability,
        "threat-actor" => Form::ThreatActor,
        "campaign-name" => Form::Campaign,
        _ => return None,
    })
}

/// The pattern comparisons of a value and, when STIX has objects for it, its SCOs.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Observation {
    pub comparisons: Vec<Comparison>,
    pub graph: ScoGraph,
}

/// Reads `value` (and the base64 `data` of samples and attachments) of an attribute of
/// an observable or detection-only type. The error says why the value does not fit.
pub(crate) fn observe(
    misp_type: &str,
    value: &str,
    data: Option<&str>,
) -> Result<Observation, String> {
    let mut observation = Observation::default();
    let graph = &mut observation.graph;
    let comparisons = &mut observation.comparisons;
    let value = value.trim();
    match misp_type {
        "ip-src" | "ip-dst" | "ip-src|port" | "ip-dst|port" => {
            let side = if misp_type.starts_with("ip-src") {
                "src"
            } else {
                "dst"
            };
            let (address_text, port) = if misp_type.ends_with("|port") {
                let (address, port) = split_composite(value, true)?;
                (address, Some(parse_port(port)?))
            } else {
                (value, None)
            };
            let address = Address::parse(address_text)?;
            comparisons.push(Comparison::address(
                &format!("network-traffic:{side}_ref.value"),
                &address,
            ));
            let address_id = address.add_to(graph);
            let mut traffic = properties([
                (&format!("{side}_ref"), json!(address_id)),
                ("protocols", json!([address.protocol()])),
            ]);
            if let Some(port) = port {
                comparisons.push(Comparison::integer(
                    &format!("network-traffic:{side}_port"),
                    port,
                ));
                traffic.insert(format!("{side}_port"), json!(port));
            }
            graph.add("network-traffic", traffic);
        }
        "domain" | "hostname" => {
            comparisons.push(Comparison::text("domain-name:value", value));
            graph.add("domain-name", properties([("value", json!(value))]));
        }
        "domain|ip" => {
            let (domain, address_text) = split_composite(value, true)?;
            let address = Address::parse(address_text)?;
            comparisons.push(Comparison::text("domain-name:value", domain.trim()));
            comparisons.push(Comparison::address(
                "domain-name:resolves_to_refs[*].value",
                &address,
            ));
            let address_id = address.add_to(graph);
            graph.add(
                "domain-name",
                properties([
                    ("value", json!(domain.trim())),
                    ("resolves_to_refs", json!([address_id])),
                ]),
            );
        }
        "url" | "uri" if has_scheme(value) => {
            comparisons.push(Comparison::text("url:value", value));
            graph.add("url", properties([("value", json!(value))]));
        }
        // Without a scheme STIX has no `url` object for the value: the pattern still
        // compares it, and the observation is a note.
        "url" => comparisons.push(Comparison::text("url:value", value)),
        "uri" => comparisons.push(Comparison::text(
            "network-traffic:extensions.'http-request-ext'.request_value",
            value,
        )),
        "email" => {
            comparisons.push(Comparison::text("email-addr:value", value));
            graph.add("email-addr", properties([("value", json!(value))]));
        }
        "email-src" | "email-dst" => {
            let address_id = graph.add("email-addr", properties([("value", json!(value))]));
            let (path, property, reference) = if misp_type == "email-src" {
                (
                    "email-message:from_ref.value",
                    "from_ref",
                    json!(address_id),
                )
            } else {
                (
                    "email-message:to_refs[*].value",
                    "to_refs",
                    json!([address_id]),
                )
            };
            comparisons.push(Comparison::text(path, value));
            graph.add(
                "email-message",
                properties([("is_multipart", json!(false)), (property, reference)]),
            );
        }
        "email-subject" => {
            comparisons.push(Comparison::text("email-message:subject", value));
            graph.add(
                "email-message",
                properties([("is_multipart", json!(false)), ("subject", json!(value))]),
            );
        }
        "email-attachment" => {
            comparisons.push(Comparison::text(
                "email-message:body_multipart[*].body_raw_ref.name",
                value,
            ));
            let file_id = graph.add("file", properties([("name", json!(value))]));
            graph.add(
                "email-message",
                properties([
                    ("is_multipart", json!(true)),
                    ("body_multipart", json!([{"body_raw_ref": file_id}])),
                ]),
            );
        }
        "filename" => {
            comparisons.push(Comparison::text("file:name", value));
            graph.add("file", properties([("name", json!(value))]));
        }
        "md5" | "sha1" | "sha256" | "sha512" | "sha3-256" | "sha3-512" | "ssdeep" | "tlsh" => {
            let (key, path) = hash_algorithm(misp_type).ok_or("no hash algorithm")?;
            let hash = clean_hash(misp_type, value);
            comparisons.push(Comparison::text(&format!("file:hashes.{path}"), &hash));
            graph.add("file", properties([("hashes", json!({key: hash}))]));
        }
        "filename|md5" | "filename|sha1" | "filename|sha256" | "filename|sha512"
        | "filename|ssdeep" | "malware-sample" => {
            let algorithm = misp_type.strip_prefix("filename|").unwrap_or("md5");
            let (key, path) = hash_algorithm(algorithm).ok_or("no hash algorithm")?;
            let (name, hash) = split_composite(value, true)?;
            let (name, hash) = (name.trim(), clean_hash(algorithm, hash));
            let hash = hash.as_str();
            comparisons.push(Comparison::text("file:name", name));
            comparisons.push(Comparison::text(&format!("file:hashes.{path}"), hash));
            let mut file = properties([("name", json!(name)), ("hashes", json!({key: hash}))]);
            if let Some(data) = data {
                // MISP stores samples zipped with the password `infected`.
                let artifact = graph.add(
                    "artifact",
                    properties([
                        ("payload_bin", json!(data)),
                        ("mime_type", json!("application/zip")),
                        ("encryption_algorithm", json!("mime-type-indicated")),
                        ("decryption_key", json!("infected")),
                    ]),
                );
                file.insert("content_ref".to_owned(), json!(artifact));
            }
            graph.add("file", file);
        }
        "attachment" => {
            comparisons.push(Comparison::text("file:name", value));
            let mut file = properties([("name", json!(value))]);
            if let Some(data) = data {
                let artifact = graph.add("artifact", properties([("payload_bin", json!(data))]));
                file.insert("content_ref".to_owned(), json!(artifact));
            }
            graph.add("file", file);
        }
        "mutex" => {
            comparisons.push(Comparison::text("mutex:name", value));
            graph.add("mutex", properties([("name", json!(value))]));
        }
        "regkey" => {
            let key = full_registry_key(value);
            comparisons.push(Comparison::text("windows-registry-key:key", &key));
            graph.add("windows-registry-key", properties([("key", json!(key))]));
        }
        "regkey|value" => {
            let (key, data) = split_composite(value, false)?;
            let (key, data) = (full_registry_key(key), data.trim());
            let key = key.as_str();
            comparisons.push(Comparison::text("windows-registry-key:key", key));
            comparisons.push(Comparison::text(
                "windows-registry-key:values[*].data",
                data,
            ));
            graph.add(
                "windows-registry-key",
                properties([("key", json!(key)), ("values", json!([{"data": data}]))]),
            );
        }
        "AS" => {
            let number = parse_as_number(value)?;
            comparisons.push(Comparison::integer("autonomous-system:number", number));
            graph.add("autonomous-system", properties([("number", json!(number))]));
        }
        "mac-address" => {
            let mac = parse_mac(value)?;
            comparisons.push(Comparison::text("mac-addr:value", &mac));
            graph.add("mac-addr", properties([("value", json!(mac))]));
        }
        "x509-fingerprint-md5" | "x509-fingerprint-sha1" | "x509-fingerprint-sha256" => {
            let (key, path) = hash_algorithm(misp_type).ok_or("no hash algorithm")?;
            let hash = clean_hash(misp_type, value);
            comparisons.push(Comparison::text(
                &format!("x509-certificate:hashes.{path}"),
                &hash,
            ));
            graph.add(
                "x509-certificate",
                properties([("hashes", json!({key: hash}))]),
            );
        }
        "port" => {
            comparisons.push(Comparison::integer(
                "network-traffic:dst_port",
                parse_port(value)?,
            ));
        }
        "user-agent" => comparisons.push(Comparison::text(
            "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
            value,
        )),
        "ja3-fingerprint-md5" => comparisons.push(Comparison::text(
            "network-traffic:extensions.'x-misp-ja3'.fingerprint_md5",
            &clean_hash(misp_type, value),
        )),
        "imphash" => comparisons.push(Comparison::text(
            "file:extensions.'windows-pebinary-ext'.imphash",
            &clean_hash(misp_type, value),
        )),
        other => return Err(format!("type '{other}' has no observable form")),
    }
    Ok(observation)
}

#[cfg(test)]
mod tests {
    use super::super::observable::render_pattern;
    use super::*;

    fn pattern_of(misp_type: &str, value: &str) -> String {
        let observation = observe(misp_type, value, None).unwrap_or_else(|e| panic!("{e}"));
        render_pattern(&observation.comparisons)
    }

    #[test]
    fn every_observable_and_detection_type_gives_a_parsable_pattern() {
        let samples = [
            ("ip-src", "198.51.100.7"),
            ("ip-dst", "2001:db8::1"),
            ("ip-src|port", "198.51.100.7|8080"),
            ("ip-dst|port", "198.51.100.0/24|443"),
            ("domain", "example.com"),
            ("hostname", "www.example.com"),
            ("domain|ip", "example.com|198.51.100.7"),
            ("url", "https://example.com/a?b='c'"),
            ("uri", "/gate.php"),
            ("email", "a@example.com"),
            ("email-src", "a@example.com"),
            ("email-dst", "b@example.com"),
            ("email-subject", "Invoice"),
            ("email-attachment", "invoice.pdf.exe"),
            ("filename", "C:\\Windows\\evil.exe"),
            ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
            ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (
                "sha256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            ("ssdeep", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"),
            ("filename|md5", "a.exe|d41d8cd98f00b204e9800998ecf8427e"),
            ("mutex", "Global\\x"),
            ("regkey", "HKLM\\Software\\Run"),
            ("regkey|value", "HKLM\\Software\\Run|C:\\a|b.exe"),
            ("AS", "AS64500"),
            ("mac-address", "00:1a:2b:3c:4d:5e"),
            (
                "x509-fingerprint-sha1",
                "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09",
            ),
            ("port", "443"),
            ("user-agent", "Mozilla/5.0"),
            ("ja3-fingerprint-md5", "d41d8cd98f00b204e9800998ecf8427e"),
            ("imphash", "d41d8cd98f00b204e9800998ecf8427e"),
        ];
        for (misp_type, value) in samples {
            let pattern = pattern_of(misp_type, value);
            assert!(
                dijkwacht_stix::pattern::parse(&pattern).is_ok(),
                "{misp_type}: {pattern} does not parse"
            );
        }
    }

    #[test]
    fn composite_values_keep_both_parts() {
        assert_eq!(
            pattern_of("regkey|value", "HKLM\\Run|C:\\a|b.exe"),
            "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Run' AND windows-registry-key:values[*].data = 'C:\\\\a|b.exe']"
        );
        assert_eq!(
            pattern_of("ip-dst|port", "198.51.100.7|443"),
            "[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]"
        );
        assert!(observe("ip-dst|port", "198.51.100.7", None).is_err());
        assert!(observe("ip-dst", "not an address", None).is_err());
    }

    #[test]
    fn observables_have_scos_and_detection_types_have_none() {
        let domain_ip = observe("domain|ip", "example.com|198.51.100.7", None).unwrap_or_default();
        assert_eq!(domain_ip.graph.ids().len(), 2);
        assert!(
            observe("port", "443", None)
                .unwrap_or_default()
                .graph
                .is_empty()
        );
        for misp_type in ["port", "user-agent", "ja3-fingerprint-md5", "imphash"] {
            assert_eq!(form_of(misp_type), Some(Form::DetectionOnly));
        }
        assert_eq!(form_of("no-such-type"), None);
    }
}
