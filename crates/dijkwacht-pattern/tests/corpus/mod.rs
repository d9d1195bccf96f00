//! A deterministic corpus of patterns and observations of realistic shapes, for the
//! differential test against stix2-matcher (`tests/differential.rs`), the matcher's
//! criterion bench and `bench/matcher.sh` (through `examples/corpus.rs`). One seed
//! gives the same corpus on every machine, so no corpus is committed.
//!
//! Constants of the patterns and values of the observations are drawn from the same
//! pools (addresses, domains, URLs, hashes, file names, e-mail addresses, registry
//! keys, command lines), so that a good share of pairs match.

#![allow(dead_code)] // Each user of this module needs a part of it.

mod observations;
mod patterns;

use serde_json::{Value, json};

use dijkwacht_pattern::{ComparisonExpression, Observation, Pattern, Predicate};

/// The generator's random numbers: SplitMix64, small and the same everywhere.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (bound > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    /// True with the given chance in percent.
    pub fn percent(&mut self, chance: usize) -> bool {
        self.below(100) < chance
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The value pools shared by patterns and observations.
pub struct Pools {
    pub ipv4: Vec<String>,
    pub ipv6: Vec<String>,
    pub domains: Vec<String>,
    pub urls: Vec<String>,
    pub md5: Vec<String>,
    pub sha256: Vec<String>,
    pub file_names: Vec<String>,
    pub sizes: Vec<i64>,
    pub emails: Vec<String>,
    pub subjects: Vec<String>,
    pub registry_keys: Vec<String>,
    pub command_lines: Vec<String>,
    pub payloads: Vec<String>,
}

fn hex_string(random: &mut Random, length: usize) -> String {
    (0..length)
        .map(|_| char::from(b"0123456789abcdef"[random.below(16)]))
        .collect()
}

impl Pools {
    pub fn new(random: &mut Random) -> Pools {
        let ipv4 = (0..48)
            .map(|n| match n % 4 {
                0 => format!("198.51.100.{}", n * 5 % 256),
                1 => format!("203.0.113.{}", n * 7 % 256),
                2 => format!("192.0.2.{}", n * 3 % 256),
                _ => format!("10.{}.{}.{}", n % 3, n * 11 % 256, n * 13 % 256),
            })
            .collect();
        let domains: Vec<String> = (0..40)
            .map(|n| {
                let host = ["login", "update", "cdn", "mail", "secure", "api"][n % 6];
                let zone = ["example.com", "example.net", "test.org"][n % 3];
                format!("{host}-{n}.{zone}")
            })
            .collect();
        let urls = (0..40)
            .map(|n| {
                let scheme = if n % 3 == 0 { "http" } else { "https" };
                format!(
                    "{scheme}://{}/path{}/index.php?id={n}",
                    domains[n % domains.len()],
                    n % 7
                )
            })
            .collect();
        Pools {
            ipv4,
            ipv6: (0..12)
                .map(|n| format!("2001:db8::{:x}", n * 17 + 1))
                .collect(),
            domains,
            urls,
            md5: (0..30).map(|_| hex_string(random, 32)).collect(),
            sha256: (0..30).map(|_| hex_string(random, 64)).collect(),
            file_names: (0..30)
                .map(|n| {
                    let stem = ["invoice", "report", "setup", "update", "payload"][n % 5];
                    let extension = ["exe", "pdf", "dll", "docx", "zip", "EXE"][n % 6];
                    format!("{stem}{n}.{extension}")
                })
                .collect(),
            sizes: (0..20).map(|n| 100 + n * n * 12_345).collect(),
            emails: (0..20)
                .map(|n| format!("user{n}@{}", ["example.com", "example.org"][n % 2]))
                .collect(),
            subjects: [
                "Invoice due",
                "Conference Info",
                "Your account",
                "Final Report",
                "Re: meeting",
                "Urgent: payment",
            ]
            .map(String::from)
            .to_vec(),
            registry_keys: (0..12)
                .map(|n| {
                    let hive = ["HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER"][n % 2];
                    let tail = ["Run", "RunOnce", "Services\\Evil", "Policies"][n % 4];
                    format!("{hive}\\Software\\Vendor{n}\\CurrentVersion\\{tail}")
                })
                .collect(),
            command_lines: (0..16)
                .map(|n| match n % 4 {
                    0 => format!("powershell.exe -enc SQBFAFgAIAAoAE4AZQB3{n}AC0ATwBi"),
                    1 => format!("cmd.exe /c whoami /all > out{n}.txt"),
                    2 => format!("rundll32.exe payload{n}.dll,Start"),
                    _ => format!("C:\\Windows\\System32\\svchost.exe -k netsvcs -p {n}"),
                })
                .collect(),
            payloads: [
                "MZ\u{90}\u{0}this program",
                "PK\u{3}\u{4}zip",
                "%PDF-1.7",
                "plain text",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// A generated pattern with what the reference side needs to share work.
pub struct GeneratedPattern {
    pub text: String,
    /// A description of its structure for the list of known differences, such as
    /// `[file:hashes = AND file:size >] FOLLOWEDBY [url:value LIKE]`.
    pub shape: String,
    /// No AND, FOLLOWEDBY or REPEATS between observation expressions: each
    /// observation can be decided alone.
    pub independent: bool,
    /// Whether a START/STOP qualifier is in it.
    pub start_stop: bool,
    /// Each bracketed expression without qualifiers, with its object types.
    pub leaves: Vec<(String, Vec<String>)>,
    pub object_types: Vec<String>,
}

/// A multi-observation case: a pattern and the observations it is matched against.
pub struct Case {
    pub pattern: usize,
    pub observations: Vec<usize>,
}

pub struct Corpus {
    pub patterns: Vec<GeneratedPattern>,
    pub observations: Vec<Observation>,
    pub cases: Vec<Case>,
}

pub const SEED: u64 = 0x5EED_D11C_3AC4;

/// The corpus: `pattern_count` patterns, `observation_count` observations, and
/// `case_count` multi-observation cases (whose observations are added after the
/// others, with times close together).
pub fn generate(pattern_count: usize, observation_count: usize, case_count: usize) -> Corpus {
    let mut random = Random::new(SEED);
    let pools = Pools::new(&mut random);
    let mut patterns: Vec<GeneratedPattern> = patterns::PROBES
        .iter()
        .take(pattern_count)
        .map(|probe| patterns::from_text(*probe))
        .collect();
    while patterns.len() < pattern_count {
        patterns.push(patterns::pattern(&mut random, &pools));
    }
    let mut observations: Vec<Observation> = (0..observation_count)
        .map(|index| observations::observation(&mut random, &pools, index))
        .collect();
    let cases = observations::cases(&mut random, &patterns, &mut observations, case_count);
    Corpus {
        patterns,
        observations,
        cases,
    }
}

/// The reference side's input (see `reference/match_pairs.py`).
pub fn reference_input(corpus: &Corpus) -> Value {
    json!({
        "observations": corpus.observations.iter().enumerate()
            .map(|(index, observation)| observations::as_bundle(observation, index))
            .collect::<Vec<_>>(),
        "patterns": corpus.patterns.iter().map(|pattern| json!({
            "pattern": pattern.text,
            "independent": pattern.independent,
            "start_stop": pattern.start_stop,
            "types": pattern.object_types,
            "leaves": pattern.leaves.iter()
                .map(|(leaf, types)| json!({"pattern": leaf, "types": types}))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "cases": corpus.cases.iter().map(|case| json!({
            "pattern": corpus.patterns[case.pattern].text,
            "observations": case.observations,
        })).collect::<Vec<_>>(),
    })
}

/// The shape of a pattern: object paths' types and first properties, operators and
/// qualifiers, without constants.
pub fn shape(pattern: &Pattern) -> String {
    let qualified = |inner: String, qualifiers: &[dijkwacht_pattern::Qualifier]| {
        qualifiers.iter().fold(inner, |text, qualifier| {
            format!("{text} {}", qualifier.kind_name())
        })
    };
    let join = |operands: &[Pattern], operator: &str| {
        operands
            .iter()
            .map(shape)
            .collect::<Vec<_>>()
            .join(&format!(" {operator} "))
    };
    match pattern {
        Pattern::Observation {
            comparison,
            qualifiers,
        } => qualified(format!("[{}]", comparison_shape(comparison)), qualifiers),
        Pattern::Grouped {
            pattern,
            qualifiers,
        } => qualified(format!("({})", shape(pattern)), qualifiers),
        Pattern::And(operands) => join(operands, "AND"),
        Pattern::Or(operands) => join(operands, "OR"),
        Pattern::FollowedBy(operands) => join(operands, "FOLLOWEDBY"),
    }
}

fn comparison_shape(expression: &ComparisonExpression) -> String {
    let join = |operands: &[ComparisonExpression], operator: &str| {
        operands
            .iter()
            .map(comparison_shape)
            .collect::<Vec<_>>()
            .join(&format!(" {operator} "))
    };
    match expression {
        ComparisonExpression::Comparison(comparison) => {
            let operator = match &comparison.predicate {
                Predicate::Equal(_) => "=",
                Predicate::NotEqual(_) => "!=",
                Predicate::LessThan(_) => "<",
                Predicate::LessThanOrEqual(_) => "<=",
                Predicate::GreaterThan(_) => ">",
                Predicate::GreaterThanOrEqual(_) => ">=",
                Predicate::In(_) => "IN",
                Predicate::Like(_) => "LIKE",
                Predicate::Matches(_) => "MATCHES",
                Predicate::IsSubset(_) => "ISSUBSET",
                Predicate::IsSuperset(_) => "ISSUPERSET",
                Predicate::Exists => "EXISTS",
            };
            let path = &comparison.object_path;
            format!(
                "{}:{} {}{operator}",
                path.object_type,
                path.property,
                if comparison.negated { "NOT " } else { "" }
            )
        }
        ComparisonExpression::And(operands) => join(operands, "AND"),
        ComparisonExpression::Or(operands) => join(operands, "OR"),
        ComparisonExpression::Grouped(inner) => format!("({})", comparison_shape(inner)),
    }
}
