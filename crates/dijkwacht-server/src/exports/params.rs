//! The query parameters of the export endpoints, read strictly from the raw query
//! string. An export feeds a firewall or a SIEM unattended, so a typo must not quietly
//! widen it: a parameter the endpoint does not take, a parameter given twice, or a
//! value out of range is refused with a 400 that names the parameter, instead of being
//! ignored (`min_confidance=90` would otherwise block on every indicator).

use std::collections::BTreeSet;

use dijkwacht_stix::Timestamp;

use crate::taxii::params::ParamError;

/// The filters of one export request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportParams {
    /// STIX types to export; empty for every type.
    pub types: Vec<String>,
    /// Only objects added to this instance strictly after this instant.
    pub added_after: Option<Timestamp>,
    /// Only what is shared into this community.
    pub community: Option<String>,
    /// Only indicators with at least this confidence (0–100).
    pub min_confidence: Option<u8>,
    /// Only indicators valid now (not revoked, not expired, not yet to come); `None`
    /// when the request does not say, so each endpoint applies its own default.
    pub valid_only: Option<bool>,
}

/// Which parameters an endpoint takes; any other is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub types: bool,
    pub added_after: bool,
    pub community: bool,
    pub indicator_filters: bool,
}

impl Accepted {
    /// The STIX bundle: every object, so no indicator filters.
    pub const STIX: Accepted = Accepted {
        types: true,
        added_after: true,
        community: true,
        indicator_filters: false,
    };
    /// The CSV table: everything.
    pub const CSV: Accepted = Accepted {
        indicator_filters: true,
        ..Accepted::STIX
    };
    /// Blocklists: always the whole current list of indicators.
    pub const BLOCKLIST: Accepted = Accepted {
        types: false,
        added_after: false,
        community: true,
        indicator_filters: true,
    };
    /// The MISP feed: MISP appends file names to the feed's address, so it takes none.
    pub const NONE: Accepted = Accepted {
        types: false,
        added_after: false,
        community: false,
        indicator_filters: false,
    };

    fn names(self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.types {
            names.push("types");
        }
        if self.added_after {
            names.push("added_after");
        }
        if self.community {
            names.push("community");
        }
        if self.indicator_filters {
            names.extend(["min_confidence", "valid_only"]);
        }
        names
    }
}

fn refuse(parameter: &str, problem: impl Into<String>) -> ParamError {
    ParamError {
        parameter: parameter.to_owned(),
        problem: problem.into(),
    }
}

/// Reads a raw query string (`types=indicator,malware&community=water`) for an
/// endpoint that takes `accepted`; `endpoint` names it in the refusal of a parameter
/// it does not take.
pub fn parse(query: &str, accepted: Accepted, endpoint: &str) -> Result<ExportParams, ParamError> {
    let mut seen = BTreeSet::new();
    let mut params = ExportParams::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if !seen.insert(name.to_string()) {
            return Err(refuse(
                &name,
                "appears more than once; give it once (lists are separated by commas)",
            ));
        }
        match name.as_ref() {
            "types" if accepted.types => params.types = stix_types(&name, &value)?,
            "added_after" if accepted.added_after => {
                let instant = Timestamp::parse(&value).map_err(|problem| {
                    refuse(
                        &name,
                        format!("is not a timestamp ({problem}); write e.g. 2026-01-31T12:00:00Z"),
                    )
                })?;
                params.added_after = Some(instant);
            }
            "community" if accepted.community => {
                if value.is_empty() {
                    return Err(refuse(&name, "is empty; name a community you belong to"));
                }
                params.community = Some(value.into_owned());
            }
            "min_confidence" if accepted.indicator_filters => {
                let minimum = value
                    .parse::<u8>()
                    .ok()
                    .filter(|minimum| *minimum <= 100)
                    .ok_or_else(|| {
                        refuse(
                            &name,
                            format!("has `{value}`; give a whole number from 0 to 100"),
                        )
                    })?;
                params.min_confidence = Some(minimum);
            }
            "valid_only" if accepted.indicator_filters => {
                params.valid_only = Some(match value.as_ref() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(refuse(&name, format!("has `{value}`; give true or false"))),
                });
            }
            _ => {
                let names = accepted.names();
                let problem = if names.is_empty() {
                    format!("is not taken by {endpoint}, which takes no parameters")
                } else {
                    format!("is not taken by {endpoint}; it takes {}", names.join(", "))
                };
                return Err(refuse(&name, problem));
            }
        }
    }
    Ok(params)
}

/// A comma-separated list of STIX type names (`indicator,malware`).
fn stix_types(name: &str, value: &str) -> Result<Vec<String>, ParamError> {
    let mut types = Vec::new();
    for item in value.split(',') {
        let well_formed = (3..=250).contains(&item.len())
            && item
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
            && !item.starts_with('-')
            && !item.ends_with('-');
        if !well_formed {
            return Err(refuse(
                name,
                format!(
                    "has `{item}`, which is not a STIX type name; write e.g. types=indicator,malware"
                ),
            ));
        }
        types.push(item.to_owned());
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(query: &str, accepted: Accepted) -> String {
        match parse(query, accepted, "the test endpoint") {
            Ok(params) => panic!("{query} was accepted as {params:?}"),
            Err(error) => format!("{}: {error}", error.parameter),
        }
    }

    #[test]
    fn every_parameter_is_read() {
        let params = parse(
            "types=indicator,malware&added_after=2026-01-31T12:00:00Z&community=water&min_confidence=70&valid_only=false",
            Accepted::CSV,
            "csv",
        );
        assert_eq!(
            params,
            Ok(ExportParams {
                types: vec!["indicator".to_owned(), "malware".to_owned()],
                added_after: Timestamp::parse("2026-01-31T12:00:00Z").ok(),
                community: Some("water".to_owned()),
                min_confidence: Some(70),
                valid_only: Some(false),
            })
        );
        assert_eq!(parse("", Accepted::NONE, "x"), Ok(ExportParams::default()));
    }

    #[test]
    fn each_refusal_names_its_parameter() {
        let cases = [
            ("min_confidence=101", Accepted::CSV, "min_confidence: "),
            ("min_confidence=-1", Accepted::CSV, "min_confidence: "),
            ("min_confidence=high", Accepted::CSV, "min_confidence: "),
            ("valid_only=yes", Accepted::BLOCKLIST, "valid_only: "),
            ("added_after=yesterday", Accepted::STIX, "added_after: "),
            ("types=Indicator", Accepted::STIX, "types: "),
            ("types=indicator,", Accepted::STIX, "types: "),
            ("community=", Accepted::STIX, "community: "),
            ("types=a&types=b", Accepted::STIX, "types: "),
            ("min_confidence=50", Accepted::STIX, "min_confidence: "),
            ("types=indicator", Accepted::BLOCKLIST, "types: "),
            ("community=water", Accepted::NONE, "community: "),
            ("min_confidance=90", Accepted::CSV, "min_confidance: "),
        ];
        for (query, accepted, named) in cases {
            let message = refused(query, accepted);
            assert!(message.starts_with(named), "{query}: {message}");
            let parameter = named.trim_end_matches(": ");
            assert!(
                message.contains(&format!("`{parameter}`")),
                "the message names the parameter: {message}"
            );
        }
        assert!(refused("x=1", Accepted::NONE).contains("takes no parameters"));
        assert!(refused("x=1", Accepted::BLOCKLIST).contains("community, min_confidence"));
    }
}
