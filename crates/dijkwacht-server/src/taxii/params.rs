//! The TAXII 2.1 query parameters (§3.4): `added_after`, `limit`, `next` and the
//! `match[...]` filters, read from the raw query string so that a parameter given twice
//! is refused (the specification forbids it) instead of silently collapsed, and turned
//! into the store's query terms. Every problem names the parameter for a 400 answer.

use dijkwacht_stix::Timestamp;
use dijkwacht_store::VersionSelection;

/// The filters of one TAXII request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaxiiParams {
    /// Unix microseconds; strictly later `date_added` only.
    pub added_after: Option<i64>,
    pub limit: Option<usize>,
    /// The opaque cursor of a previous page.
    pub next: Option<String>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// `None` means the default (the latest version).
    pub versions: Option<VersionSelection>,
    pub spec_versions: Vec<String>,
}

/// A parameter the request got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the query parameter `{parameter}` {problem}")]
pub struct ParamError {
    pub parameter: String,
    pub problem: String,
}

fn error(parameter: &str, problem: impl Into<String>) -> ParamError {
    ParamError {
        parameter: parameter.to_owned(),
        problem: problem.into(),
    }
}

/// Which parameters an endpoint accepts; others are ignored, as TAXII allows.
#[derive(Debug, Clone, Copy)]
pub struct Accepted {
    pub added_after: bool,
    pub limit: bool,
    pub next: bool,
    pub match_id: bool,
    pub match_type: bool,
    pub match_version: bool,
    pub match_spec_version: bool,
}

impl Accepted {
    /// Objects and manifest listings (§5.3, §5.4).
    pub const LISTING: Accepted = Accepted {
        added_after: true,
        limit: true,
        next: true,
        match_id: true,
        match_type: true,
        match_version: true,
        match_spec_version: true,
    };

    /// One object (§5.5): no `match[id]` or `match[type]`.
    pub const ONE_OBJECT: Accepted = Accepted {
        match_id: false,
        match_type: false,
        ..Accepted::LISTING
    };

    /// The versions of one object (§5.7).
    pub const VERSIONS: Accepted = Accepted {
        match_version: false,
        ..Accepted::ONE_OBJECT
    };

    /// Deleting one object (§5.6): only `match[version]` and `match[spec_version]`.
    pub const DELETE: Accepted = Accepted {
        added_after: false,
        limit: false,
        next: false,
        ..Accepted::ONE_OBJECT
    };
}

/// Reads a raw query string (`a=1&match[type]=indicator,malware`).
pub fn parse(query: &str, accepted: Accepted) -> Result<TaxiiParams, ParamError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut params = TaxiiParams::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if !seen.insert(name.to_string()) {
            return Err(error(
                &name,
                "appears more than once; give each filter once, with values separated by commas",
            ));
        }
        match name.as_ref() {
            "added_after" if accepted.added_after => {
                let stamp = Timestamp::parse(&value).map_err(|problem| {
                    error(
                        &name,
                        format!(
                            "is not a timestamp ({problem}); write e.g. 2026-01-31T12:00:00.000Z"
                        ),
                    )
                })?;
                params.added_after = Some(stamp.unix_micros());
            }
            "limit" if accepted.limit => {
                let limit: usize = value
                    .parse()
                    .ok()
                    .filter(|limit| *limit > 0)
                    .ok_or_else(|| error(&name, "must be a whole number greater than 0"))?;
                params.limit = Some(limit);
            }
            "next" if accepted.next => {
                if value.is_empty() {
                    return Err(error(&name, "is empty; copy `next` from the previous page"));
                }
                params.next = Some(value.to_string());
            }
            "match[id]" if accepted.match_id => params.ids = list(&name, &value)?,
            "match[type]" if accepted.match_type => params.types = list(&name, &value)?,
            "match[spec_version]" if accepted.match_spec_version => {
                params.spec_versions = list(&name, &value)?;
            }
            "match[version]" if accepted.match_version => {
                params.versions = Some(versions(&name, &value)?);
            }
            _ => {}
        }
    }
    Ok(params)
}

fn list(name: &str, value: &str) -> Result<Vec<String>, ParamError> {
    let items: Vec<String> = value.split(',').map(str::to_owned).collect();
    if items.iter().any(String::is_empty) {
        return Err(error(
            name,
            "has an empty value; separate values with single commas and no spaces",
        ));
    }
    Ok(items)
}

fn versions(name: &str, value: &str) -> Result<VersionSelection, ParamError> {
    let items = list(name, value)?;
    let mut unique = std::collections::BTreeSet::new();
    if let Some(repeated) = items.iter().find(|item| !unique.insert(item.as_str())) {
        return Err(error(name, format!("names `{repeated}` twice")));
    }
    if items.iter().any(|item| item == "all") {
        if items.len() > 1 {
            return Err(error(name, "`all` stands alone"));
        }
        return Ok(VersionSelection::All);
    }
    let mut last = false;
    let mut first = false;
    let mut at = Vec::new();
    for item in &items {
        match item.as_str() {
            "last" => last = true,
            "first" => first = true,
            stamp => {
                let parsed = Timestamp::parse(stamp).map_err(|problem| {
                    error(name, format!("has `{stamp}`, which is neither last, first, all nor a timestamp ({problem})"))
                })?;
                at.push(parsed.sort_key());
            }
        }
    }
    Ok(match (last, first, at.is_empty()) {
        (true, false, true) => VersionSelection::Last,
        (false, true, true) => VersionSelection::First,
        _ => VersionSelection::Some { last, first, at },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(query: &str) -> Result<TaxiiParams, ParamError> {
        parse(query, Accepted::LISTING)
    }

    #[test]
    fn reads_every_filter() {
        let params = listing("added_after=2016-02-01T00:00:01.000Z&limit=5&match[type]=indicator,malware&match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f&match[spec_version]=2.1&match[version]=first,2016-01-01T00:00:00Z,last&next=abc")
            .expect("valid");
        assert_eq!(params.limit, Some(5));
        assert_eq!(params.types, ["indicator", "malware"]);
        assert_eq!(params.spec_versions, ["2.1"]);
        assert_eq!(params.next.as_deref(), Some("abc"));
        assert_eq!(
            params.added_after,
            Some(
                Timestamp::parse("2016-02-01T00:00:01.000Z")
                    .expect("valid")
                    .unix_micros()
            )
        );
        assert_eq!(
            params.versions,
            Some(VersionSelection::Some {
                last: true,
                first: true,
                at: vec!["2016-01-01T00:00:00.000000000Z".to_owned()]
            })
        );
        assert_eq!(
            listing("match%5Bversion%5D=all").expect("valid").versions,
            Some(VersionSelection::All)
        );
        assert_eq!(listing("").expect("valid"), TaxiiParams::default());
        assert_eq!(
            listing("match[unknown]=x&other=y").expect("ignored"),
            TaxiiParams::default()
        );
    }

    #[test]
    fn refuses_what_the_specification_forbids_naming_the_parameter() {
        for (query, parameter, problem) in [
            ("limit=0", "limit", "greater than 0"),
            ("limit=-3", "limit", "greater than 0"),
            ("limit=ten", "limit", "greater than 0"),
            ("added_after=yesterday", "added_after", "not a timestamp"),
            (
                "added_after=2016-02-01T00:00:01+01:00",
                "added_after",
                "not a timestamp",
            ),
            (
                "match[type]=indicator&match[type]=malware",
                "match[type]",
                "more than once",
            ),
            (
                "match[type]=indicator,,malware",
                "match[type]",
                "empty value",
            ),
            ("match[version]=all,last", "match[version]", "stands alone"),
            ("match[version]=last,last", "match[version]", "twice"),
            ("match[version]=newest", "match[version]", "neither last"),
            ("next=", "next", "empty"),
        ] {
            let refused = listing(query).expect_err(query);
            assert_eq!(refused.parameter, parameter, "{query}");
            assert!(refused.to_string().contains(problem), "{query}: {refused}");
        }
    }
}
