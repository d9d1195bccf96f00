//! The fusion center's configuration: `dijkwacht.toml` in the data folder. Operators
//! write it by hand or through `dijkwacht source add`, so every mistake must be named
//! with its place (the TOML parser gives line and column; our own checks name the
//! source and the field) and nothing is guessed.
//!
//! ```toml
//! [[source]]
//! name = "circl-osint"
//! kind = "misp-feed"                  # taxii, misp-feed, csv, list, kev, csaf, stix
//! url = "https://www.circl.lu/doc/misp/feed-osint/"
//! every = "1h"                         # the schedule under `dijkwacht serve`
//! reliability = "B"                    # Admiralty A (reliable) … F (cannot be judged)
//! communities = ["water"]              # route: where the output may go
//! tlp = "green"                        # the TLP of objects that carry none
//! ```
//!
//! A source has either a `url` or a `path` (a file or folder on this machine). Sources
//! are kept in the order written; names are unique.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use dijkwacht_stix::tlp::TlpLevel;

use crate::personal_data::RedactionConfig;
use crate::routing::RouteRule;
use crate::scoring::{ScoringModel, ScoringModelConfig, ScoringModelError};

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FusionConfig {
    /// The organisation (by name) that owns what the fusion center stores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(default, rename = "source", skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceConfig>,
    #[serde(default, skip_serializing_if = "WarningListsConfig::is_default")]
    pub warning_lists: WarningListsConfig,
    /// Which personal data is taken out of free text shared beyond the owner
    /// (`detectors = []` turns it off).
    #[serde(default, skip_serializing_if = "is_default_redaction")]
    pub personal_data: RedactionConfig,
    /// How indicators are scored when read and exported (`[scoring]`; every field may
    /// be left out, see `scoring::ScoringModelConfig`).
    #[serde(default, skip_serializing_if = "is_default_scoring")]
    pub scoring: ScoringModelConfig,
    /// The mail relay alert e-mail goes through (`[smtp]`). The fusion center does not
    /// read it: the binary's alert delivery does. It is kept here as written, so that
    /// rewriting the file (`source add`) keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<toml::Table>,
}

fn is_default_scoring(config: &ScoringModelConfig) -> bool {
    *config == ScoringModelConfig::default()
}

fn is_default_redaction(config: &RedactionConfig) -> bool {
    *config == RedactionConfig::default()
}

/// Which warning lists every source's output is checked against, and what is done
/// with a listed value.
///
/// ```toml
/// [warning_lists]
/// folders = ["/srv/misp-warninglists/lists"]   # MISP format, read at each run
/// action = "flag"                               # or "drop"
/// actions = { public-dns-v4 = "drop" }          # per list (folder name or MISP name)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WarningListsConfig {
    /// The built-in special-use ranges and names.
    #[serde(default = "enabled")]
    pub builtin: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
    #[serde(default)]
    pub action: ListAction,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub actions: BTreeMap<String, ListAction>,
}

impl Default for WarningListsConfig {
    fn default() -> WarningListsConfig {
        WarningListsConfig {
            builtin: true,
            folders: Vec::new(),
            action: ListAction::Drop,
            actions: BTreeMap::new(),
        }
    }
}

impl WarningListsConfig {
    fn is_default(&self) -> bool {
        *self == WarningListsConfig::default()
    }
}

/// What happens to an object whose values are on a warning list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListAction {
    /// Left out (only when every value it tests is listed).
    #[default]
    Drop,
    /// Kept, with the lists named in `x_dijkwacht_warning_lists`.
    Flag,
}

/// The kinds of source, one module each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A TAXII 2.1 collection (its objects URL or the collection URL).
    Taxii,
    /// A MISP feed: `manifest.json`, event files, `hashes.csv`.
    MispFeed,
    /// A CSV list with columns mapped in `list`.
    Csv,
    /// A plain list, one value per line.
    List,
    /// The CISA Known Exploited Vulnerabilities catalogue (JSON).
    Kev,
    /// CSAF 2.0 advisories: a provider's metadata, a ROLIE feed, a directory or files.
    Csaf,
    /// STIX 2.1 bundles, from a file, a folder or a URL.
    Stix,
}

impl SourceKind {
    pub const ALL: [SourceKind; 7] = [
        SourceKind::Taxii,
        SourceKind::MispFeed,
        SourceKind::Csv,
        SourceKind::List,
        SourceKind::Kev,
        SourceKind::Csaf,
        SourceKind::Stix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Taxii => "taxii",
            SourceKind::MispFeed => "misp-feed",
            SourceKind::Csv => "csv",
            SourceKind::List => "list",
            SourceKind::Kev => "kev",
            SourceKind::Csaf => "csaf",
            SourceKind::Stix => "stix",
        }
    }

    pub fn from_name(name: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// How far a source is trusted: the Admiralty (NATO) source-reliability scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
pub enum Reliability {
    /// Completely reliable.
    A,
    /// Usually reliable.
    B,
    /// Fairly reliable.
    C,
    /// Not usually reliable.
    D,
    /// Unreliable.
    E,
    /// Reliability cannot be judged.
    F,
}

impl Reliability {
    pub fn from_letter(letter: &str) -> Option<Reliability> {
        Some(match letter.trim().to_ascii_uppercase().as_str() {
            "A" => Reliability::A,
            "B" => Reliability::B,
            "C" => Reliability::C,
            "D" => Reliability::D,
            "E" => Reliability::E,
            "F" => Reliability::F,
            _ => return None,
        })
    }

    pub fn letter(self) -> char {
        match self {
            Reliability::A => 'A',
            Reliability::B => 'B',
            Reliability::C => 'C',
            Reliability::D => 'D',
            Reliability::E => 'E',
            Reliability::F => 'F',
        }
    }
}

/// One source.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// How often `dijkwacht serve` runs it: `30m`, `1h`, `1d`; absent: only by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Interval>,
    #[serde(default = "default_reliability")]
    pub reliability: Reliability,
    /// The communities (by name) the output is shared into; empty: the organisation only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communities: Vec<String>,
    /// The TLP (`clear`, `green`, `amber`, `amber+strict`, `red`) of objects without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthConfig>,
    /// How CSV and plain lists are read (kinds `csv` and `list`), as the list mapping
    /// takes it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub list: BTreeMap<String, toml::Value>,
    /// Off: kept in the file but not run.
    #[serde(default = "enabled", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// `[[source.route]]`: rules that send the objects they match elsewhere than the
    /// source's own route ([`crate::routing`]); the first that matches decides.
    #[serde(default, rename = "route", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteRule>,
}

fn default_reliability() -> Reliability {
    Reliability::C
}

fn enabled() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// Credentials for a source. Secrets are named by environment variable, never written
/// into the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AuthConfig {
    /// HTTP Basic: the user name, and the variable holding the password.
    Basic {
        username: String,
        password_env: String,
    },
    /// `Authorization: Bearer …` (TAXII tokens), from the named variable.
    Bearer { token_env: String },
    /// A header of the source's own (MISP: `Authorization: <key>`), from the variable.
    Header { name: String, value_env: String },
}

/// A schedule interval written as a number and a unit: `90s`, `30m`, `6h`, `1d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval(pub Duration);

impl Interval {
    pub fn parse(text: &str) -> Result<Interval, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("`{text}` has no unit; write e.g. `30m`, `6h` or `1d`"))?;
        let (number, unit) = text.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` does not start with a whole number"))?;
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            other => {
                return Err(format!(
                    "`{other}` in `{text}` is no unit; use s, m, h or d"
                ));
            }
        };
        let total = number
            .checked_mul(seconds)
            .ok_or_else(|| format!("`{text}` is too long"))?;
        if total < 60 {
            return Err(format!(
                "`{text}` is shorter than a minute; sources are not polled that often"
            ));
        }
        Ok(Interval(Duration::from_secs(total)))
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_secs();
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
            if seconds.is_multiple_of(size) {
                return write!(formatter, "{}{unit}", seconds / size);
            }
        }
        write!(formatter, "{seconds}s")
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Interval, D::Error> {
        let text = String::deserialize(deserializer)?;
        Interval::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Why a configuration is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("dijkwacht.toml: {0}")]
    Syntax(String),
    #[error("dijkwacht.toml: source `{source_name}`: {problem}")]
    Source {
        source_name: String,
        problem: String,
    },
    #[error("dijkwacht.toml: two sources are called `{0}`; names must be unique")]
    DuplicateName(String),
    #[error("dijkwacht.toml: [scoring]: {0}")]
    Scoring(String),
}

impl FusionConfig {
    /// Reads and checks a configuration file's text.
    pub fn parse(text: &str) -> Result<FusionConfig, ConfigError> {
        let config: FusionConfig =
            toml::from_str(text).map_err(|error| ConfigError::Syntax(error.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// The checks serde cannot make: unique names, a place to read from, known TLPs.
    pub fn check(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::BTreeSet::new();
        for source in &self.sources {
            if !seen.insert(source.name.as_str()) {
                return Err(ConfigError::DuplicateName(source.name.clone()));
            }
            source.check()?;
        }
        self.scoring_model()?;
        Ok(())
    }

    /// The scoring model `[scoring]` describes.
    pub fn scoring_model(&self) -> Result<ScoringModel, ConfigError> {
        self.scoring
            .build()
            .map_err(|error: ScoringModelError| ConfigError::Scoring(error.to_string()))
    }

    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|source| source.name == name)
    }

    /// The file's text for this configuration.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string(self).map_err(|error| ConfigError::Syntax(error.to_string()))
    }
}

impl SourceConfig {
    pub fn check(&self) -> Result<(), ConfigError> {
        let problem = |problem: String| ConfigError::Source {
            source_name: self.name.clone(),
            problem,
        };
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
        if !name_ok {
            return Err(problem(
                "a name is 1 to 64 letters, digits, `-`, `_` or `.`".to_owned(),
            ));
        }
        match (&self.url, &self.path) {
            (None, None) => {
                return Err(problem(
                    "give a `url` to fetch or a `path` to read".to_owned(),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(problem("give either `url` or `path`, not both".to_owned()));
            }
            (Some(url), None) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(problem(format!(
                        "`url` must start with http:// or https://, not `{url}`"
                    )));
                }
            }
            (None, Some(_)) => {}
        }
        for tlp in self
            .tlp
            .iter()
            .chain(self.routes.iter().filter_map(|rule| rule.tlp.as_ref()))
        {
            if TlpLevel::from_name(&tlp.to_ascii_lowercase()).is_none() {
                return Err(problem(format!(
                    "`tlp` is `{tlp}`; use one of clear, green, amber, amber+strict, red"
                )));
            }
        }
        if let Some(mistake) = self.routes.iter().find_map(RouteRule::problem) {
            return Err(problem(mistake));
        }
        if self.kind == SourceKind::Taxii && self.path.is_some() {
            return Err(problem(
                "a TAXII source needs the `url` of its collection".to_owned(),
            ));
        }
        Ok(())
    }

    /// Where it reads from, for messages.
    pub fn location(&self) -> &str {
        self.url
            .as_deref()
            .or(self.path.as_deref())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_source_reads_back_as_written() {
        let text = r#"
organisation = "Fusion"

[[source]]
name = "osint"
kind = "misp-feed"
url = "http://127.0.0.1:8000/feed/"
every = "1h"
reliability = "B"
communities = ["water"]
tlp = "green"
auth = { kind = "header", name = "Authorization", value_env = "MISP_KEY" }

[[source]]
name = "drop"
kind = "list"
path = "/var/feeds/drop.txt"
list = { comment_prefix = ";" }
enabled = false
"#;
        let config = FusionConfig::parse(text).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(config.sources.len(), 2);
        let osint = &config.sources[0];
        assert_eq!(osint.kind, SourceKind::MispFeed);
        assert_eq!(osint.every, Some(Interval(Duration::from_secs(3600))));
        assert_eq!(osint.reliability, Reliability::B);
        assert_eq!(
            osint.auth,
            Some(AuthConfig::Header {
                name: "Authorization".to_owned(),
                value_env: "MISP_KEY".to_owned()
            })
        );
        assert_eq!(config.sources[1].reliability, Reliability::C);
        assert!(!config.sources[1].enabled);
        let again = FusionConfig::parse(&config.to_toml().unwrap_or_default())
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(again, config);
    }

    #[test]
    fn routes_and_scoring_read_back_and_their_mistakes_are_named() {
        let text = r#"
organisation = "fusion-center"

[[source]]
name = "osint"
kind = "misp-feed"
url = "https://feeds.example/misp/"
communities = ["water"]
tlp = "green"

[[source.route]]
types = ["vulnerability"]
communities = ["ot-ics"]
tlp = "AMBER"

[[source.route]]
values = ["md5", "sha1", "sha256"]
scope = "organisation"

[scoring]
corroboration_cap = 90
decay = { ip-address = { lifetime = 14 } }
"#;
        let config = FusionConfig::parse(text).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(config.sources[0].routes.len(), 2);
        let model = config
            .scoring_model()
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            model
                .decay(crate::scoring::ObservableKind::IpAddress)
                .lifetime,
            14.0
        );
        let again = FusionConfig::parse(&config.to_toml().unwrap_or_default())
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(again, config);

        let bad_tlp = text.replace("\"AMBER\"", "\"orange\"");
        assert!(
            FusionConfig::parse(&bad_tlp)
                .is_err_and(|error| error.to_string().contains("`tlp` is `orange`"))
        );
        let bad_scope = text.replace("scope = \"organisation\"", "scope = \"federated\"");
        assert!(
            FusionConfig::parse(&bad_scope)
                .is_err_and(|error| error.to_string().contains("needs `communities`"))
        );
        let bad_scoring = text.replace("corroboration_cap = 90", "corroboration_cap = 190");
        assert!(
            FusionConfig::parse(&bad_scoring)
                .is_err_and(|error| error.to_string().contains("[scoring]"))
        );
        let weighting_off = format!("{text}\n[scoring.feedback]\nenabled = false\n");
        let off = FusionConfig::parse(&weighting_off).unwrap_or_else(|error| panic!("{error}"));
        assert!(!off.scoring.feedback.enabled);
        let bad_feedback = format!("{text}\n[scoring.feedback]\nlower_two_steps_at = 0.2\n");
        let message = FusionConfig::parse(&bad_feedback)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("[scoring]")
                && message.contains("`feedback.lower_two_steps_at` (0.2)"),
            "{message}"
        );
    }

    #[test]
    fn mistakes_are_named_with_their_source() {
        let cases = [
            (
                "[[source]]\nname = \"a\"\nkind = \"gopher\"\nurl = \"http://x/\"",
                "gopher",
            ),
            ("[[source]]\nname = \"a\"\nkind = \"kev\"", "give a `url`"),
            (
                "[[source]]\nname = \"a\"\nkind = \"kev\"\nurl = \"ftp://x/\"",
                "http:// or https://",
            ),
            (
                "[[source]]\nname = \"a\"\nkind = \"kev\"\nurl = \"http://x/\"\ntlp = \"purple\"",
                "`tlp` is `purple`",
            ),
            (
                "[[source]]\nname = \"a\"\nkind = \"kev\"\nurl = \"http://x/\"\nevery = \"5s\"",
                "shorter than a minute",
            ),
            (
                "[[source]]\nname = \"a b\"\nkind = \"kev\"\nurl = \"http://x/\"",
                "a name is",
            ),
            (
                "[[source]]\nname = \"a\"\nkind = \"kev\"\nurl = \"http://x/\"\n[[source]]\nname = \"a\"\nkind = \"kev\"\nurl = \"http://y/\"",
                "two sources are called `a`",
            ),
            (
                "[[source]]\nname = \"a\"\nkind = \"kev\"\nurl = \"http://x/\"\ncolour = 1",
                "colour",
            ),
            (
                "[[source]]\nname = \"a\"\nkind = \"kev\"\nurl = \"http://x/\"\nreliability = \"G\"",
                "G",
            ),
        ];
        for (text, expected) in cases {
            let error = FusionConfig::parse(text)
                .err()
                .unwrap_or_else(|| panic!("accepted: {text}"));
            assert!(
                error.to_string().contains(expected),
                "{text}\n gave: {error}"
            );
        }
    }

    #[test]
    fn intervals_have_units() {
        assert_eq!(
            Interval::parse("90m").map(|interval| interval.0.as_secs()),
            Ok(5400)
        );
        assert_eq!(
            Interval::parse("1d").map(|i| i.to_string()),
            Ok("1d".to_owned())
        );
        assert!(Interval::parse("10").is_err());
        assert!(Interval::parse("1w").is_err());
        assert!(Interval::parse("99999999999999999999d").is_err());
    }
}
