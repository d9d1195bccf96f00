//! The patterns of the corpus: comparisons of the kinds indicators carry (addresses,
//! domains, URLs, hashes, files, e-mail, network traffic, processes, registry keys,
//! artifacts) with every operator, joined by AND and OR inside brackets, and
//! observation expressions joined by AND, OR and FOLLOWEDBY with every qualifier.

use dijkwacht_pattern::{ComparisonExpression, Pattern, parse};

use super::{GeneratedPattern, Pools, Random, shape};

/// A string constant as pattern text: `it's` → `'it\'s'`.
fn quoted<Text: AsRef<str> + ?Sized>(text: &Text) -> String {
    let text = text.as_ref();
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn regex_escaped(text: &str) -> String {
    text.chars()
        .map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                format!("\\{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn like_of(random: &mut Random, value: &str) -> String {
    let characters: Vec<char> = value.chars().collect();
    let cut = 1 + random.below(characters.len().max(2) - 1);
    match random.below(4) {
        0 => format!("{}%", characters[..cut].iter().collect::<String>()),
        1 => format!("%{}", characters[cut..].iter().collect::<String>()),
        2 => {
            let mut replaced = characters.clone();
            replaced[cut - 1] = '_';
            replaced.into_iter().collect()
        }
        _ => format!("%{}%", characters[cut / 2..cut].iter().collect::<String>()),
    }
}

fn set_of(random: &mut Random, values: &[String]) -> String {
    let members: Vec<String> = (0..1 + random.below(4))
        .map(|_| quoted(random.pick(values)))
        .collect();
    format!("({})", members.join(", "))
}

fn negated(random: &mut Random) -> &'static str {
    if random.percent(12) { "NOT " } else { "" }
}

fn ordering(random: &mut Random) -> &'static str {
    const ORDERINGS: [&str; 4] = ["<", "<=", ">", ">="];
    ORDERINGS[random.below(ORDERINGS.len())]
}

/// One comparison on an object of `object_type`.
fn comparison(random: &mut Random, pools: &Pools, object_type: &str) -> String {
    let not = negated(random);
    match object_type {
        "ipv4-addr" => {
            let address = random.pick(&pools.ipv4).clone();
            let network = format!(
                "{}/{}",
                address.rsplit_once('.').map_or("10.0.0", |(head, _)| head),
                "0"
            )
            .replace("/0", ".0");
            match random.below(9) {
                0..=2 => format!("ipv4-addr:value {not}= {}", quoted(&address)),
                3 => format!("ipv4-addr:value != {}", quoted(&address)),
                4 => format!("ipv4-addr:value {not}IN {}", set_of(random, &pools.ipv4)),
                5 => {
                    let prefix = random.pick(&["/24", "/16", "/8", "/28"]);
                    format!(
                        "ipv4-addr:value {not}ISSUBSET {}",
                        quoted(&format!("{network}{prefix}"))
                    )
                }
                6 if random.percent(30) => {
                    format!("ipv4-addr:value {not}ISSUPERSET {}", quoted(&address))
                }
                6 => format!("ipv4-addr:value {not}= {}", quoted(&address)),
                7 => format!(
                    "ipv4-addr:value {not}LIKE {}",
                    quoted(&like_of(random, &address))
                ),
                _ => format!(
                    "ipv4-addr:value {not}MATCHES {}",
                    quoted(&format!(
                        "^{}\\.",
                        regex_escaped(address.split('.').next().unwrap_or("10"))
                    ))
                ),
            }
        }
        "ipv6-addr" => match random.below(3) {
            0 => format!(
                "ipv6-addr:value {not}= {}",
                quoted(random.pick(&pools.ipv6))
            ),
            1 => format!("ipv6-addr:value {not}ISSUBSET '2001:db8::/32'"),
            _ => format!("ipv6-addr:value {not}LIKE '2001:db8::%'"),
        },
        "domain-name" => {
            let domain = random.pick(&pools.domains).clone();
            match random.below(8) {
                0..=2 => format!("domain-name:value {not}= {}", quoted(&domain)),
                3 => format!(
                    "domain-name:value {not}IN {}",
                    set_of(random, &pools.domains)
                ),
                4 => format!(
                    "domain-name:value {not}LIKE {}",
                    quoted(&like_of(random, &domain))
                ),
                5 => format!(
                    "domain-name:value {not}MATCHES '^(login|cdn)-[0-9]+\\\\.example\\\\.(com|net)$'"
                ),
                6 => format!(
                    "domain-name:resolves_to_refs[*].value {not}= {}",
                    quoted(random.pick(&pools.ipv4))
                ),
                _ if random.percent(30) => format!("{not}EXISTS domain-name:resolves_to_refs"),
                _ => format!("domain-name:value {} {}", ordering(random), quoted(&domain)),
            }
        }
        "url" => {
            let url = random.pick(&pools.urls).clone();
            match random.below(5) {
                0..=1 => format!("url:value {not}= {}", quoted(&url)),
                2 => format!("url:value {not}LIKE {}", quoted(&like_of(random, &url))),
                3 => {
                    format!("url:value {not}MATCHES 'https?://[^/]+\\\\.example\\\\.net/path[0-3]'")
                }
                _ => format!("url:value {}", ordering(random)) + &format!(" {}", quoted(&url)),
            }
        }
        "file" => match random.below(14) {
            0..=1 => format!("file:hashes.MD5 {not}= {}", quoted(random.pick(&pools.md5))),
            2..=3 => format!(
                "file:hashes.'SHA-256' {not}= {}",
                quoted(random.pick(&pools.sha256))
            ),
            4 => format!(
                "file:hashes.'SHA-256' {not}IN {}",
                set_of(random, &pools.sha256)
            ),
            5 => format!(
                "file:name {not}= {}",
                quoted(random.pick(&pools.file_names))
            ),
            6 => {
                let name = random.pick(&pools.file_names).clone();
                format!("file:name {not}LIKE {}", quoted(&like_of(random, &name)))
            }
            7 => format!("file:name {not}MATCHES '(?i)^(invoice|setup)[0-9]+\\\\.exe$'"),
            8 => format!(
                "file:size {} {}",
                ordering(random),
                random.pick(&pools.sizes)
            ),
            9 => format!(
                "file:size {not}IN ({}, {}.0)",
                random.pick(&pools.sizes),
                random.pick(&pools.sizes)
            ),
            10 => format!(
                "file:parent_directory_ref.path {not}LIKE {}",
                quoted(random.pick(&["C:\\Windows\\%", "%Public", "/tmp"]))
            ),
            11 => format!(
                "file:ctime {} t'2020-03-01T{:02}:00:00Z'",
                ordering(random),
                random.below(24)
            ),
            12 => format!(
                "file:magic_number_hex {not}= h'{}'",
                random.pick(&["4d5a", "504B0304", "25504446"])
            ),
            _ if random.percent(30) => "EXISTS file:hashes.MD5".to_owned(),
            _ => format!("file:name {not}IN {}", set_of(random, &pools.file_names)),
        },
        "email-message" => match random.below(5) {
            0 => format!(
                "email-message:from_ref.value {not}= {}",
                quoted(random.pick(&pools.emails))
            ),
            1 => format!(
                "email-message:to_refs[*].value {not}= {}",
                quoted(random.pick(&pools.emails))
            ),
            2 => format!("email-message:to_refs[0].value {not}LIKE '%@example.org'"),
            3 => format!("email-message:subject {not}MATCHES '^(Re: |Urgent: )?[A-Z]'"),
            _ => format!(
                "email-message:body_multipart[*].body_raw_ref.name {not}= {}",
                quoted(random.pick(&pools.file_names))
            ),
        },
        "network-traffic" => match random.below(7) {
            0 => format!(
                "network-traffic:dst_ref.value {not}= {}",
                quoted(random.pick(&pools.ipv4))
            ),
            1 if random.percent(15) => {
                format!("network-traffic:src_ref.value {not}ISSUBSET '198.51.100.0/24'")
            }
            1 => format!("network-traffic:src_ref.type {not}= 'ipv4-addr'"),
            2 => format!(
                "network-traffic:dst_port {not}= {}",
                random.pick(&[80, 443, 4444])
            ),
            3 => format!("network-traffic:dst_port {not}IN (80, 443, 8080)"),
            4 => format!("network-traffic:dst_port {} 1024", ordering(random)),
            5 => format!(
                "network-traffic:protocols[*] {not}= {}",
                quoted(random.pick(&["http", "dns", "tls"]))
            ),
            _ => format!("network-traffic:dst_ref.type {not}= 'ipv6-addr'"),
        },
        "process" => match random.below(5) {
            0 => format!("process:command_line {not}MATCHES '-enc\\\\s+[A-Za-z0-9+/=]{{10,}}'"),
            1 => format!("process:command_line {not}LIKE '%whoami%'"),
            2 => format!(
                "process:pid {} {}",
                ordering(random),
                1000 + random.below(50)
            ),
            3 => format!(
                "process:image_ref.name {not}= {}",
                quoted(random.pick(&pools.file_names))
            ),
            _ => format!(
                "process:created_time {} t'2020-03-01T12:00:00Z'",
                ordering(random)
            ),
        },
        "windows-registry-key" => match random.below(4) {
            0 => format!(
                "windows-registry-key:key {not}= {}",
                quoted(random.pick(&pools.registry_keys))
            ),
            1 => format!("windows-registry-key:key {not}LIKE 'HKEY_LOCAL_MACHINE\\\\%\\\\Run'"),
            2 => format!("windows-registry-key:values[*].name {not}= 'Debugger'"),
            _ => format!(
                "windows-registry-key:values[*].data {not}MATCHES '(?i)powershell|rundll32'"
            ),
        },
        _ => match random.below(4) {
            0 => format!(
                "artifact:payload_bin {not}= {}",
                quoted(random.pick(&pools.payloads))
            ),
            1 => format!("artifact:payload_bin {not}MATCHES '^MZ'"),
            2 if random.percent(25) => format!("artifact:payload_bin {not}LIKE '%PDF%'"),
            2 => format!("artifact:mime_type {not}LIKE 'application/%'"),
            _ => format!("artifact:payload_bin {not}= b'JVBERi0xLjc='"),
        },
    }
}

const TYPES: &[&str] = &[
    "ipv4-addr",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "domain-name",
    "url",
    "file",
    "file",
    "file",
    "email-message",
    "network-traffic",
    "network-traffic",
    "process",
    "windows-registry-key",
    "artifact",
];

/// The inside of one pair of brackets.
fn observation_expression(random: &mut Random, pools: &Pools) -> String {
    let object_type = *random.pick(TYPES);
    let mut text = comparison(random, pools, object_type);
    for _ in 0..random.below(3) {
        let operator = if random.percent(60) { "AND" } else { "OR" };
        text = format!(
            "{text} {operator} {}",
            comparison(random, pools, object_type)
        );
    }
    if random.percent(12) {
        let other = *random.pick(TYPES);
        let operator = if random.percent(85) { "OR" } else { "AND" };
        text = format!("({text}) {operator} {}", comparison(random, pools, other));
    }
    format!("[{text}]")
}

fn qualifier(random: &mut Random) -> String {
    match random.below(3) {
        0 => format!(" WITHIN {} SECONDS", random.pick(&["1", "5", "300", "2.5"])),
        1 => format!(" REPEATS {} TIMES", 2 + random.below(2)),
        _ => {
            let hour = random.below(23);
            format!(
                " START t'2020-03-01T{hour:02}:00:00Z' STOP t'2020-03-01T{:02}:00:00Z'",
                hour + 1 + random.below(24 - hour - 1)
            )
        }
    }
}

fn pattern_text(random: &mut Random, pools: &Pools) -> String {
    match random.below(10) {
        0..=5 => observation_expression(random, pools),
        6 => observation_expression(random, pools) + &qualifier(random),
        _ => {
            let operator = random.pick(&["AND", "OR", "FOLLOWEDBY"]);
            let operands: Vec<String> = (0..2 + random.below(2))
                .map(|_| observation_expression(random, pools))
                .collect();
            let joined = operands.join(&format!(" {operator} "));
            if random.percent(40) {
                format!("({joined}){}", qualifier(random))
            } else {
                joined
            }
        }
    }
}

/// Each bracketed expression without its qualifiers, with its object types.
fn leaves(pattern: &Pattern, into: &mut Vec<(String, Vec<String>)>) {
    match pattern {
        Pattern::Observation { comparison, .. } => {
            let leaf = Pattern::Observation {
                comparison: comparison.clone(),
                qualifiers: Vec::new(),
            };
            let mut types = Vec::new();
            object_types(&leaf, &mut types);
            into.push((leaf.to_string(), types));
        }
        Pattern::Grouped { pattern, .. } => leaves(pattern, into),
        Pattern::And(operands) | Pattern::Or(operands) | Pattern::FollowedBy(operands) => {
            operands.iter().for_each(|operand| leaves(operand, into));
        }
    }
}

fn is_independent(pattern: &Pattern) -> bool {
    match pattern {
        Pattern::Observation { qualifiers, .. } | Pattern::Grouped { qualifiers, .. }
            if qualifiers.iter().any(|q| q.kind_name() == "REPEATS") =>
        {
            false
        }
        Pattern::Observation { .. } => true,
        Pattern::Grouped { pattern, .. } => is_independent(pattern),
        Pattern::Or(operands) => operands.iter().all(is_independent),
        Pattern::And(_) | Pattern::FollowedBy(_) => false,
    }
}

fn object_types(pattern: &Pattern, into: &mut Vec<String>) {
    fn of_comparisons(expression: &ComparisonExpression, into: &mut Vec<String>) {
        match expression {
            ComparisonExpression::Comparison(comparison) => {
                if !into.contains(&comparison.object_path.object_type) {
                    into.push(comparison.object_path.object_type.clone());
                }
            }
            ComparisonExpression::And(operands) | ComparisonExpression::Or(operands) => {
                operands
                    .iter()
                    .for_each(|operand| of_comparisons(operand, into));
            }
            ComparisonExpression::Grouped(inner) => of_comparisons(inner, into),
        }
    }
    match pattern {
        Pattern::Observation { comparison, .. } => of_comparisons(comparison, into),
        Pattern::Grouped { pattern, .. } => object_types(pattern, into),
        Pattern::And(operands) | Pattern::Or(operands) | Pattern::FollowedBy(operands) => {
            operands
                .iter()
                .for_each(|operand| object_types(operand, into));
        }
    }
}

/// Patterns every corpus starts with: the corners where the two matchers are known to
/// part ways, and a few the random ones reach rarely, so that each is always tested.
pub const PROBES: &[&str] = &[
    "[NOT EXISTS domain-name:resolves_to_refs]",
    "[EXISTS domain-name:resolves_to_refs]",
    "[EXISTS file:hashes.MD5 AND file:size > 1000]",
    "[NOT EXISTS file:hashes.MD5 OR file:size > 1000]",
    "[ipv4-addr:value ISSUPERSET '198.51.100.5']",
    "[ipv4-addr:value ISSUBSET '0.0.0.0/0']",
    "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
    "[artifact:payload_bin LIKE 'MZ%']",
    "[artifact:payload_bin MATCHES '^MZ']",
    "[file:magic_number_hex = 'MZ' OR file:magic_number_hex = h'25504446']",
    "[file:name != t'2020-03-01T00:00:00Z']",
    "[file:ctime >= t'2020-03-01T12:00:00Z']",
    r"[domain-name:value MATCHES 'example\\.com$']",
    "[network-traffic:protocols[0] = 'tcp' AND network-traffic:dst_port IN (80, 443)]",
    "[email-message:to_refs[1].value LIKE '%']",
    "[indicator:name = 'x' OR x-unknown:value = 'x']",
    "[ipv4-addr:value LIKE '198.%'] REPEATS 2 TIMES",
    "[ipv4-addr:value LIKE '198.%'] AND [ipv4-addr:value LIKE '198.%']",
    "[file:size > 100] FOLLOWEDBY [file:size > 100]",
    "[process:pid >= 1000] START t'2020-03-01T06:00:00Z' STOP t'2020-03-01T12:00:00Z'",
];

pub fn pattern(random: &mut Random, pools: &Pools) -> GeneratedPattern {
    from_text(pattern_text(random, pools))
}

pub fn from_text(text: impl Into<String>) -> GeneratedPattern {
    let text = text.into();
    let parsed = parse(&text).unwrap_or_else(|error| panic!("generated {text}: {error}"));
    let mut types = Vec::new();
    object_types(&parsed, &mut types);
    let mut leaf_texts = Vec::new();
    leaves(&parsed, &mut leaf_texts);
    GeneratedPattern {
        shape: shape(&parsed),
        independent: is_independent(&parsed),
        start_stop: text.contains(" START t'"),
        leaves: leaf_texts,
        object_types: types,
        text,
    }
}
