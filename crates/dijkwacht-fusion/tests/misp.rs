//! The MISP mapping against real feeds and events (`../shared/data/misp`), hand-written
//! events for the handling rules (TLP, PAP, distribution, galaxies, edits), malformed
//! input, and the OASIS reference validator.

mod misp {
    pub mod handling;
    pub mod malformed;
    pub mod oasis;
    pub mod real_data;
}

use std::path::{Path, PathBuf};

use dijkwacht_fusion::misp::{MappedEvent, MispContext, map_event};
use serde_json::Value;

/// The folders of real MISP events, relative to the shared data.
pub const EVENT_FOLDERS: [&str; 3] = [
    "misp/feed-circl-osint-sample",
    "misp/feed-misp-test-fixture",
    "misp/events-api-format",
];

/// The shared data folder, or `None` (after saying so) when it is absent outside CI.
pub fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the shared data folder {} is missing, and CI must run this test",
        path.display()
    );
    eprintln!(
        "skipping: the shared data folder {} is missing",
        path.display()
    );
    None
}

/// Every event file (`<uuid>.json`, not the manifest) of a folder, sorted.
pub fn event_files(folder: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()));
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
                && path.file_name().is_some_and(|name| name != "manifest.json")
        })
        .collect();
    files.sort();
    files
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Maps a hand-written event, failing the test when it cannot be mapped.
pub fn map(event: &Value, context: &MispContext) -> MappedEvent {
    let bytes = serde_json::to_vec(event).unwrap_or_else(|e| panic!("{e}"));
    map_event(&bytes, context).unwrap_or_else(|e| panic!("the event does not map: {e}"))
}

/// The mapped object with `id`.
pub fn object<'a>(mapped: &'a MappedEvent, id: &str) -> &'a Value {
    mapped
        .mapped
        .objects
        .iter()
        .find(|object| object["id"] == id)
        .unwrap_or_else(|| panic!("no object {id} among {:?}", ids(mapped)))
}

/// The mapped objects of `object_type`.
pub fn of_type<'a>(mapped: &'a MappedEvent, object_type: &str) -> Vec<&'a Value> {
    mapped
        .mapped
        .objects
        .iter()
        .filter(|object| object["type"] == object_type)
        .collect()
}

pub fn ids(mapped: &MappedEvent) -> Vec<String> {
    mapped
        .mapped
        .objects
        .iter()
        .filter_map(|object| object["id"].as_str().map(str::to_owned))
        .collect()
}

/// The ids the attribute `uuid` went into.
pub fn objects_of<'a>(mapped: &'a MappedEvent, uuid: &str) -> &'a [String] {
    mapped
        .objects_by_attribute
        .get(uuid)
        .map(Vec::as_slice)
        .unwrap_or_else(|| {
            panic!(
                "attribute {uuid} was not mapped: {:?}",
                mapped.mapped.problems
            )
        })
}

/// The uuid of the `index`-th hand-written element: a valid UUIDv4.
pub fn uuid(index: usize) -> String {
    format!("6f0e4c2a-1b3d-4e5f-8a7b-{index:012x}")
}

/// The organisation every hand-written event is created by.
pub const ORGANISATION_UUID: &str = "55f6ea5e-2c60-40e5-964f-47a8950d210f";

/// A hand-written event with `attributes` and `objects`.
pub fn event(attributes: Vec<Value>, objects: Vec<Value>) -> Value {
    serde_json::json!({"Event": {
        "uuid": "0b6a8e4e-7f5c-4b8e-9a55-5c2f0e6b7d31",
        "info": "Hand-written test event",
        "date": "2024-03-01",
        "timestamp": "1709290000",
        "publish_timestamp": "1709290100",
        "threat_level_id": "2",
        "analysis": "1",
        "Orgc": {"name": "Test CERT", "uuid": ORGANISATION_UUID},
        "Tag": [{"name": "tlp:green"}],
        "Attribute": attributes,
        "Object": objects,
    }})
}

/// An attribute of `misp_type` with `value`.
pub fn attribute(index: usize, misp_type: &str, value: &str, to_ids: bool) -> Value {
    serde_json::json!({
        "uuid": uuid(index), "type": misp_type, "category": "Network activity", "value": value,
        "to_ids": to_ids, "timestamp": "1709280000", "comment": "",
    })
}

/// A MISP object of `template` with `(relation, type, value, to_ids)` members. Its uuid
/// is `uuid(10_000 + 100 * index)`, its members' the next ones.
pub fn misp_object(index: usize, template: &str, members: &[(&str, &str, &str, bool)]) -> Value {
    let attributes: Vec<Value> = members
        .iter()
        .enumerate()
        .map(|(position, (relation, misp_type, value, to_ids))| {
            let mut member = attribute(
                10_000 + index * 100 + position + 1,
                misp_type,
                value,
                *to_ids,
            );
            member["object_relation"] = serde_json::json!(relation);
            member
        })
        .collect();
    serde_json::json!({
        "uuid": uuid(10_000 + index * 100), "name": template, "meta-category": "network", "timestamp": "1709280000",
        "Attribute": attributes,
    })
}

/// Every attribute type of the mapping's table with a typical value.
pub const TYPES: [(&str, &str); 53] = [
    ("ip-src", "198.51.100.7"),
    ("ip-dst", "2001:db8::7"),
    ("ip-dst", "198.51.100.0/24"),
    ("ip-src|port", "198.51.100.8|8080"),
    ("ip-dst|port", "198.51.100.9|443"),
    ("domain", "evil.example.com"),
    ("hostname", "c2.example.net"),
    ("domain|ip", "drop.example.org|203.0.113.4"),
    ("url", "https://evil.example.com/gate.php?id='1'"),
    ("uri", "/wp-content/x.php"),
    ("link", "https://blog.example.com/analysis"),
    ("email", "actor@example.com"),
    ("email-src", "phish@example.com"),
    ("email-dst", "victim@example.org"),
    ("email-subject", "Your invoice"),
    ("email-attachment", "invoice.pdf.exe"),
    ("filename", "C:\\Users\\Public\\evil.exe"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (
        "sha256",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (
        "sha512",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    ),
    ("ssdeep", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"),
    ("filename|md5", "a.exe|0cc175b9c0f1b6a831c399e269772661"),
    (
        "filename|sha1",
        "b.exe|86f7e437faa5a7fce15d1ddcb9eaeaea377667b8",
    ),
    (
        "filename|sha256",
        "c.exe|ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
    ),
    ("mutex", "Global\\EvilMutex"),
    (
        "regkey",
        "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
    ),
    (
        "regkey|value",
        "HKCU\\Software\\Run\\updater|C:\\Users\\a|b.exe",
    ),
    ("user-agent", "Mozilla/5.0 (EvilBot)"),
    ("AS", "AS64500"),
    ("port", "4444"),
    ("mac-address", "00-1A-2B-3C-4D-5E"),
    ("vulnerability", "CVE-2017-0199"),
    ("text", "A free text about the campaign."),
    ("comment", "The loader was seen in March."),
    ("other", "Something else."),
    ("yara", "rule evil { strings: $a = \"evil\" condition: $a }"),
    (
        "snort",
        "alert tcp any any -> any 4444 (msg:\"evil\"; sid:1000001;)",
    ),
    (
        "sigma",
        "title: Evil\nlogsource:\n  product: windows\ndetection:\n  selection:\n    Image: evil.exe\n  condition: selection",
    ),
    (
        "x509-fingerprint-sha1",
        "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09",
    ),
    ("ja3-fingerprint-md5", "e7d705a3286e19ea42f587b344ee6865"),
    ("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
    ("threat-actor", "Example Panda"),
    ("campaign-name", "Operation Example"),
    ("attachment", "note.txt"),
    (
        "malware-sample",
        "sample.exe|0cc175b9c0f1b6a831c399e269772661",
    ),
    ("imphash", "f34d5f2d4577ed6d9ceec516c1f5a744"),
    ("pehash", "ffb7a38174aab4744cc4a509e34800aee9be8e57"),
    ("pdb", "C:\\build\\evil.pdb"),
    ("stix2-pattern", "[ipv4-addr:value = '198.51.100.99']"),
    (
        "filename|sha512",
        "d.exe|cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    ),
    (
        "x509-fingerprint-sha256",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    ("float", "7.25"),
];

/// An event with every type of [`TYPES`] twice (with and without `to_ids`), every
/// object template, a sighting, a galaxy tag and an event report.
pub fn kitchen_sink_event() -> Value {
    let mut attributes = Vec::new();
    for (index, (misp_type, value)) in TYPES.iter().enumerate() {
        for to_ids in [true, false] {
            let mut item = attribute(
                index * 2 + usize::from(to_ids) + 1,
                misp_type,
                value,
                to_ids,
            );
            if matches!(*misp_type, "attachment" | "malware-sample") {
                item["data"] = serde_json::json!("UEsDBAoAAAAAAA==");
            }
            attributes.push(item);
        }
    }
    if let Some(first) = attributes.first_mut() {
        first["Sighting"] = serde_json::json!([
            {"type": "0", "date_sighting": "1709300000", "Organisation": {"name": "Sensor Org", "uuid": "3c9f7a2e-5d4b-4e1a-9f6c-2b8d7e0a1c35"}},
            {"type": "1", "date_sighting": "1709300100", "source": "analyst"},
        ]);
        first["Tag"] = serde_json::json!([{"name": "misp-galaxy:threat-actor=\"Example Panda\""}]);
    }
    let objects = vec![
        misp_object(
            1,
            "file",
            &[
                ("filename", "filename", "dropper.exe", true),
                ("md5", "md5", "0cc175b9c0f1b6a831c399e269772661", true),
                (
                    "sha256",
                    "sha256",
                    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
                    false,
                ),
                ("size-in-bytes", "size-in-bytes", "73802", false),
                ("mimetype", "mime-type", "application/x-dosexec", false),
                ("entropy", "float", "7.91", false),
                ("state", "text", "Malicious", false),
            ],
        ),
        misp_object(
            2,
            "domain-ip",
            &[
                ("domain", "domain", "cdn.example.com", true),
                ("ip", "ip-dst", "203.0.113.10", true),
                ("ip", "ip-dst", "203.0.113.11", true),
                ("first-seen", "datetime", "2024-02-01T10:00:00+01:00", false),
            ],
        ),
        misp_object(
            3,
            "url",
            &[
                ("url", "url", "http://cdn.example.com/a.bin", true),
                ("host", "hostname", "cdn.example.com", false),
                ("scheme", "text", "http", false),
            ],
        ),
        misp_object(
            4,
            "ip-port",
            &[
                ("ip", "ip-dst", "203.0.113.20", true),
                ("dst-port", "port", "8443", false),
            ],
        ),
        misp_object(
            5,
            "network-connection",
            &[
                ("ip-src", "ip-src", "192.0.2.5", false),
                ("ip-dst", "ip-dst", "203.0.113.30", true),
                ("dst-port", "port", "53", false),
                ("layer4-protocol", "text", "UDP", false),
                ("hostname-dst", "hostname", "ns.example.net", false),
            ],
        ),
        misp_object(
            6,
            "email",
            &[
                ("from", "email-src", "phish@example.com", true),
                ("to", "email-dst", "victim@example.org", false),
                ("cc", "email-dst", "boss@example.org", false),
                ("subject", "email-subject", "Your invoice", true),
                ("attachment", "email-attachment", "invoice.zip", true),
                ("reply-to", "email-reply-to", "reply@example.com", false),
                ("send-date", "datetime", "2024-02-28T08:00:00Z", false),
                ("x-mailer", "email-x-mailer", "EvilMailer 1.0", false),
            ],
        ),
        misp_object(
            7,
            "x509",
            &[
                (
                    "x509-fingerprint-sha1",
                    "x509-fingerprint-sha1",
                    "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
                    true,
                ),
                ("serial-number", "text", "0A:1B:2C", false),
                ("issuer", "text", "CN=Evil CA", false),
                ("subject", "text", "CN=evil.example.com", false),
                (
                    "validity-not-before",
                    "datetime",
                    "2024-01-01T00:00:00Z",
                    false,
                ),
                (
                    "validity-not-after",
                    "datetime",
                    "2025-01-01T00:00:00Z",
                    false,
                ),
                ("pubkey-info-exponent", "text", "65537", false),
            ],
        ),
        misp_object(
            8,
            "pe-section",
            &[
                ("name", "text", ".text", false),
                ("md5", "md5", "92eb5ffee6ae2fec3ad71c777531578f", true),
                ("entropy", "float", "6.2", false),
                ("size-in-bytes", "size-in-bytes", "4096", false),
            ],
        ),
    ];
    let mut document = event(attributes, objects);
    document["Event"]["Tag"] = serde_json::json!([
        {"name": "tlp:amber"}, {"name": "PAP:GREEN"},
        {"name": "misp-galaxy:mitre-attack-pattern=\"Spearphishing Attachment - T1566.001\""},
    ]);
    document["Event"]["Object"][0]["ObjectReference"] = serde_json::json!([{
        "uuid": uuid(9000), "source_uuid": uuid(10_100), "referenced_uuid": uuid(10_200),
        "relationship_type": "communicates-with", "timestamp": "1709280000",
    }]);
    document["Event"]["EventReport"] = serde_json::json!([{
        "uuid": uuid(9001), "name": "Analysis", "content": "# Findings\nThe dropper talks to cdn.example.com.", "timestamp": "1709280000",
    }]);
    document
}
