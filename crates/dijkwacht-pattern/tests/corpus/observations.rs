//! The observations of the corpus: one to five SCOs of a scenario (an address, a
//! domain and what it resolves to, a URL, a file in a directory, an e-mail with an
//! attachment, network traffic, a process, a registry key, an artifact), with values
//! from the shared pools, a time on 2020-03-01 and mostly `number_observed` 1.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{Case, GeneratedPattern, Pools, Random};
use dijkwacht_pattern::Observation;

/// 2020-03-01T00:00:00Z in Unix microseconds.
const DAY_START: i64 = 1_583_020_800_000_000;

/// A STIX timestamp (`2020-03-01T12:00:00.250Z`) for Unix microseconds.
pub fn format_micros(micros: i64) -> String {
    let days = micros.div_euclid(86_400_000_000);
    let within = micros.rem_euclid(86_400_000_000);
    let (hour, minute) = (within / 3_600_000_000, within / 60_000_000 % 60);
    let (second, fraction) = (within / 1_000_000 % 60, within % 1_000_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let time = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if fraction == 0 {
        format!("{time}Z")
    } else {
        format!("{time}.{:03}Z", fraction / 1000)
    }
}

struct Builder<'a> {
    random: &'a mut Random,
    pools: &'a Pools,
    index: usize,
    objects: BTreeMap<String, Map<String, Value>>,
}

impl Builder<'_> {
    /// Adds an SCO and returns its key, unique across the corpus.
    fn add(&mut self, object: Value) -> String {
        let object_type = object["type"].as_str().unwrap_or("x").to_owned();
        let key = format!("{object_type}--{:06}-{}", self.index, self.objects.len());
        if let Value::Object(map) = object {
            self.objects.insert(key.clone(), map);
        }
        key
    }

    fn address(&mut self) -> String {
        if self.random.percent(15) {
            let value = self.random.pick(&self.pools.ipv6).clone();
            self.add(json!({"type": "ipv6-addr", "value": value}))
        } else if self.random.percent(8) {
            let base = self.random.pick(&self.pools.ipv4).clone();
            let prefix = self.random.pick(&[24, 28, 30, 32]);
            self.add(json!({"type": "ipv4-addr", "value": format!("{base}/{prefix}")}))
        } else {
            let value = self.random.pick(&self.pools.ipv4).clone();
            self.add(json!({"type": "ipv4-addr", "value": value}))
        }
    }

    fn file(&mut self) -> String {
        let pools = self.pools;
        let mut hashes = Map::new();
        if self.random.percent(80) {
            hashes.insert("MD5".into(), json!(self.random.pick(&pools.md5)));
        }
        if self.random.percent(70) {
            hashes.insert("SHA-256".into(), json!(self.random.pick(&pools.sha256)));
        }
        let mut file = json!({
            "type": "file",
            "name": self.random.pick(&pools.file_names),
            "size": self.random.pick(&pools.sizes),
            "hashes": hashes,
        });
        if self.random.percent(50) {
            let path = self
                .random
                .pick(&["C:\\Windows\\System32", "C:\\Users\\Public", "/tmp"]);
            let directory = self.add(json!({"type": "directory", "path": path}));
            file["parent_directory_ref"] = json!(directory);
        }
        if self.random.percent(40) {
            let ctime = DAY_START + self.random.below(86_400) as i64 * 1_000_000;
            file["ctime"] = json!(format_micros(ctime));
        }
        if self.random.percent(30) {
            file["magic_number_hex"] = json!(self.random.pick(&["4D5A", "504b0304", "25504446"]));
        }
        if self.random.percent(20) {
            file["mime_type"] = json!(
                self.random
                    .pick(&["application/x-dosexec", "application/pdf"])
            );
        }
        self.add(file)
    }

    fn scenario(&mut self) {
        let pools = self.pools;
        match self.random.below(10) {
            0 => {
                self.address();
            }
            1 => {
                let resolved: Vec<String> =
                    (0..self.random.below(3)).map(|_| self.address()).collect();
                let value = self.random.pick(&pools.domains).clone();
                self.add(
                    json!({"type": "domain-name", "value": value, "resolves_to_refs": resolved}),
                );
            }
            2 => {
                let value = self.random.pick(&pools.urls).clone();
                self.add(json!({"type": "url", "value": value}));
            }
            3 => {
                self.file();
            }
            4 => {
                let from = self.random.pick(&pools.emails).clone();
                let from = self.add(json!({"type": "email-addr", "value": from}));
                let to: Vec<String> = (0..1 + self.random.below(2))
                    .map(|_| {
                        let value = self.random.pick(&pools.emails).clone();
                        self.add(json!({"type": "email-addr", "value": value}))
                    })
                    .collect();
                let attachment = self.file();
                let subject = self.random.pick(&pools.subjects).clone();
                self.add(
                    json!({"type": "email-message", "is_multipart": true, "from_ref": from,
                    "to_refs": to, "subject": subject,
                    "body_multipart": [{"body": "see attached"}, {"body_raw_ref": attachment}]}),
                );
            }
            5 => {
                let source = self.address();
                let destination = self.address();
                const PROTOCOLS: [&[&str]; 4] =
                    [&["tcp"], &["tcp", "http"], &["udp", "dns"], &["tcp", "tls"]];
                let protocols = *self.random.pick(&PROTOCOLS);
                let port = *self.random.pick(&[22, 53, 80, 443, 445, 3389, 4444, 8080]);
                let source_port = 49152 + self.random.below(1000);
                self.add(
                    json!({"type": "network-traffic", "src_ref": source, "dst_ref": destination,
                    "src_port": source_port, "dst_port": port, "protocols": protocols}),
                );
            }
            6 => {
                let image = self.file();
                let command_line = self.random.pick(&pools.command_lines).clone();
                let created =
                    format_micros(DAY_START + self.random.below(86_400) as i64 * 1_000_000);
                let pid = 1000 + self.random.below(50);
                self.add(json!({"type": "process", "pid": pid, "image_ref": image,
                    "command_line": command_line, "created_time": created}));
            }
            7 => {
                let key = self.random.pick(&pools.registry_keys).clone();
                let data = self.random.pick(&pools.command_lines).clone();
                let name = self.random.pick(&["Updater", "Shell", "Debugger", ""]);
                self.add(json!({"type": "windows-registry-key", "key": key,
                    "values": [{"name": name, "data": data, "data_type": "REG_SZ"}]}));
            }
            8 => {
                let payload = self.random.pick(&pools.payloads).clone();
                let octets: Vec<u8> = payload.chars().map(|c| c as u8).collect();
                let encoded = base64::engine::general_purpose::STANDARD.encode(octets);
                self.add(json!({"type": "artifact", "payload_bin": encoded,
                    "mime_type": "application/octet-stream"}));
            }
            _ => {
                self.address();
                let value = self.random.pick(&pools.domains).clone();
                self.add(json!({"type": "domain-name", "value": value}));
            }
        }
    }
}

pub fn observation(random: &mut Random, pools: &Pools, index: usize) -> Observation {
    let mut builder = Builder {
        random,
        pools,
        index,
        objects: BTreeMap::new(),
    };
    builder.scenario();
    if builder.random.percent(15) {
        builder.scenario();
    }
    let objects = builder.objects;
    let first =
        DAY_START + random.below(86_000) as i64 * 1_000_000 + random.below(4) as i64 * 250_000;
    let last = first + *random.pick(&[0, 0, 0, 1, 5, 30]) * 1_000_000;
    let number_observed = *random.pick(&[1, 1, 1, 1, 1, 1, 2, 3, 5]);
    Observation {
        id: Some(format!("observed-data--{index}")),
        first_observed: first,
        last_observed: last,
        number_observed,
        objects,
    }
}

/// Cases for the observation operators and qualifiers: copies of observations that
/// hold the pattern's object types, given times a few seconds apart (some exactly at
/// the 300-second windows the patterns use), appended to `observations`.
pub fn cases(
    random: &mut Random,
    patterns: &[GeneratedPattern],
    observations: &mut Vec<Observation>,
    count: usize,
) -> Vec<Case> {
    let pool: Vec<usize> = (0..patterns.len())
        .filter(|&index| {
            let text = &patterns[index].text;
            !patterns[index].independent || text.contains("WITHIN") || text.contains("START")
        })
        .collect();
    if pool.is_empty() {
        return Vec::new();
    }
    let base_count = observations.len();
    let mut cases = Vec::new();
    for _ in 0..count {
        let pattern = *random.pick(&pool);
        let types = &patterns[pattern].object_types;
        let holding: Vec<usize> = (0..base_count)
            .filter(|&index| {
                observations[index]
                    .objects
                    .values()
                    .any(|object| types.iter().any(|t| object.get("type") == Some(&json!(t))))
            })
            .take(400)
            .collect();
        if holding.is_empty() {
            continue;
        }
        let start = DAY_START + random.below(80_000) as i64 * 1_000_000;
        let mut chosen = Vec::new();
        for _ in 0..2 + random.below(3) {
            let source = observations[*random.pick(&holding)].clone();
            let offset = *random.pick(&[0, 1, 2, 5, 10, 60, 299, 300, 301, 600]) * 1_000_000;
            let index = observations.len();
            let mut objects = BTreeMap::new();
            let renamed: BTreeMap<String, String> = source
                .objects
                .keys()
                .enumerate()
                .map(|(n, key)| {
                    (
                        key.clone(),
                        format!("{}--c{index:06}-{n}", key.split("--").next().unwrap_or("x")),
                    )
                })
                .collect();
            for (key, object) in &source.objects {
                let mut text = Value::Object(object.clone()).to_string();
                for (old, new) in &renamed {
                    text = text.replace(&format!("\"{old}\""), &format!("\"{new}\""));
                }
                if let (Some(new), Ok(Value::Object(map))) =
                    (renamed.get(key), serde_json::from_str(&text))
                {
                    objects.insert(new.clone(), map);
                }
            }
            let duration = source.last_observed - source.first_observed;
            observations.push(Observation {
                id: Some(format!("observed-data--{index}")),
                first_observed: start + offset,
                last_observed: start + offset + duration,
                number_observed: *random.pick(&[1, 1, 1, 2]),
                objects,
            });
            chosen.push(index);
        }
        cases.push(Case {
            pattern,
            observations: chosen,
        });
    }
    cases
}

/// The observation as a STIX 2.1 bundle: the observed-data and its SCOs, each SCO's id
/// being its key.
pub fn as_bundle(observation: &Observation, index: usize) -> Value {
    let mut objects = vec![json!({
        "type": "observed-data",
        "id": format!("observed-data--{index}"),
        "spec_version": "2.1",
        "first_observed": format_micros(observation.first_observed),
        "last_observed": format_micros(observation.last_observed),
        "number_observed": observation.number_observed,
        "object_refs": observation.objects.keys().collect::<Vec<_>>(),
    })];
    for (key, object) in &observation.objects {
        let mut object = object.clone();
        object.insert("id".into(), json!(key));
        objects.push(Value::Object(object));
    }
    json!({"type": "bundle", "id": format!("bundle--{index}"), "objects": objects})
}
