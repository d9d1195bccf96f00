//! The query parameters of the inbox (`GET /api/v1/alerts`), read from the raw query
//! because `status` may be repeated (`?status=new&status=acknowledged`) as well as
//! listed (`?status=new,acknowledged`), which serde's query reading does not take.
//! Strict like the rest of the API: an unknown parameter, a repeated one that may not
//! be, or a bad value is a 400 that names it; nothing is ignored silently.

use std::collections::BTreeSet;

use dijkwacht_stix::Timestamp;
use dijkwacht_store::alerts::{AlertPosition, AlertStatus, Severity};

use crate::error::ApiError;
use crate::rest::extract::invalid_parameter;

/// What the inbox was asked for, each value read and checked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct InboxParams {
    pub organisation: Option<String>,
    /// All statuses when empty.
    pub statuses: Vec<AlertStatus>,
    pub min_severity: Option<Severity>,
    /// Unix microseconds.
    pub since: Option<i64>,
    pub before: Option<AlertPosition>,
    pub after: Option<AlertPosition>,
    pub limit: Option<usize>,
}

/// Reads the inbox's query; `max_limit` is the server's largest page.
pub fn parse_inbox_params(query: &str, max_limit: usize) -> Result<InboxParams, ApiError> {
    let mut params = InboxParams::default();
    let mut seen = BTreeSet::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let name = name.as_ref();
        if name != "status" && !seen.insert(name.to_owned()) {
            return Err(invalid_parameter(
                name,
                "appears more than once; give it once",
            ));
        }
        match name {
            "organisation" => params.organisation = Some(value.into_owned()),
            "status" => {
                for status in value.split(',') {
                    let status = AlertStatus::parse(status.trim())
                        .map_err(|error| invalid_parameter("status", error))?;
                    if !params.statuses.contains(&status) {
                        params.statuses.push(status);
                    }
                }
            }
            "severity" => {
                params.min_severity = Some(
                    Severity::parse(&value)
                        .map_err(|error| invalid_parameter("severity", error))?,
                );
            }
            "since" => {
                let since = Timestamp::parse(&value).map_err(|error| {
                    invalid_parameter(
                        "since",
                        format!("'{value}' is not a time like 2026-01-05T10:00:00Z ({error})"),
                    )
                })?;
                params.since = Some(since.unix_micros());
            }
            "before" | "after" => {
                let position = AlertPosition::parse(&value).map_err(|_| {
                    invalid_parameter(
                        name,
                        format!("'{value}' is not a position in the inbox; pass the `next` of the page before"),
                    )
                })?;
                if name == "before" {
                    params.before = Some(position);
                } else {
                    params.after = Some(position);
                }
            }
            "limit" => {
                let limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|limit| (1..=max_limit).contains(limit))
                    .ok_or_else(|| {
                        invalid_parameter(
                            "limit",
                            format!("'{value}' is not a number from 1 to {max_limit}"),
                        )
                    })?;
                params.limit = Some(limit);
            }
            other => {
                return Err(invalid_parameter(
                    other,
                    "is not a parameter of the inbox; it takes organisation, status (repeatable), severity, since, before, after and limit",
                ));
            }
        }
    }
    if params.before.is_some() && params.after.is_some() {
        return Err(invalid_parameter(
            "after",
            "page either before or after a position, not both",
        ));
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(query: &str) -> String {
        parse_inbox_params(query, 1_000)
            .err()
            .and_then(|error| error.description)
            .unwrap_or_else(|| format!("'{query}' was taken"))
    }

    #[test]
    fn statuses_come_repeated_or_listed_and_every_value_is_read() {
        let params = parse_inbox_params(
            "status=new,acknowledged&status=resolved&status=new&severity=high&since=2026-01-05T10:00:00Z&limit=5&before=17:abc",
            1_000,
        );
        let expected = InboxParams {
            organisation: None,
            statuses: vec![
                AlertStatus::New,
                AlertStatus::Acknowledged,
                AlertStatus::Resolved,
            ],
            min_severity: Some(Severity::High),
            since: Timestamp::parse("2026-01-05T10:00:00Z")
                .ok()
                .map(|time| time.unix_micros()),
            before: Some(AlertPosition {
                created_at: 17,
                id: "abc".to_owned(),
            }),
            after: None,
            limit: Some(5),
        };
        assert_eq!(params.ok(), Some(expected));
        assert_eq!(
            parse_inbox_params("", 10).ok(),
            Some(InboxParams::default())
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        for (query, named) in [
            ("status=done", "status: 'done' is not a status"),
            ("severity=bad", "severity: 'bad' is not a severity"),
            (
                "severity=low&severity=high",
                "severity: appears more than once",
            ),
            ("since=yesterday", "since: 'yesterday' is not a time"),
            ("before=nowhere", "before: 'nowhere' is not a position"),
            ("limit=0", "limit: '0' is not a number from 1 to 1000"),
            ("limit=1001", "limit: '1001'"),
            ("before=1:a&after=2:b", "after: page either before or after"),
            ("sort=oldest", "sort: is not a parameter"),
        ] {
            let details = refused(query);
            assert!(details.starts_with(named), "{query}: {details}");
        }
    }
}
