//! A TAXII 2.1 collection (kind `taxii`): its `objects/` listing read page by page from
//! where the last run stopped. The `url` is the collection's (`…/collections/<id>/`) or
//! its `objects/` URL; credentials are the source's `auth`, which the fetcher sends.
//!
//! What it decides:
//! - the cursor is the greatest `X-TAXII-Date-Added-Last` of a stored page, kept as the
//!   server wrote it (`{"added_after": "…"}`) and sent back as `added_after`, which TAXII
//!   makes exclusive: nothing is fetched twice and nothing added later is skipped;
//! - each page is one delivery followed by a checkpoint, so a run that breaks off keeps
//!   every page before; pages are followed by `next` when the server gives one, else by
//!   `added_after` = the page's last date, as TAXII 2.1 §3.5 says;
//! - a server that omits `X-TAXII-Date-Added-Last` (it MUST send it, but some do not)
//!   is asked for the same page of the collection's `manifest/`: the cursor becomes the
//!   greatest `date_added` among the records whose object and version were delivered.
//!   When that fails too, the cursor stays where it was and the next run fetches the
//!   same objects again, which the store counts as duplicates: a re-fetch, never a loss;
//! - one run reads at most [`MAX_PAGES_PER_RUN`] pages; the next run goes on from there;
//! - an answer that is not a TAXII envelope is a problem of that page, and paging stops
//!   there with the cursor unmoved; 401, 403 and 404 are explained as the credential or
//!   address problems they are.

use std::collections::HashSet;

use anyhow::Context;
use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_stix::timestamp::Timestamp;
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

use super::SourceRun;
use crate::fusion::fetch::FetchError;

/// What a TAXII 2.1 server must be asked for.
const ACCEPT: &str = "application/taxii+json;version=2.1";
/// Objects asked per page; servers may give fewer.
const PAGE_LIMIT: usize = 1000;
/// Pages one run reads at most, so that one large collection does not hold up the
/// other sources; the rest comes with the next run.
pub const MAX_PAGES_PER_RUN: usize = 100;
const DATE_ADDED_LAST: &str = "x-taxii-date-added-last";

pub async fn run(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    let configured = run
        .config
        .url
        .clone()
        .context("a TAXII source needs the `url` of its collection")?;
    let objects_url = objects_url(&configured)?;
    let mut cursor = stored_cursor(run);
    // `added_after` stays the same while the server's `next` leads (TAXII asks for the
    // same filters with `next`); without `next` it follows the cursor.
    let mut query_after = cursor.clone();
    let mut next: Option<String> = None;
    let mut told_missing_header = false;
    for _ in 0..MAX_PAGES_PER_RUN {
        let query = PageQuery {
            added_after: query_after.as_ref().map(|(text, _)| text.as_str()),
            next: next.as_deref(),
        };
        let url = query.url(&objects_url);
        let (document, headers) = run
            .fetch_fresh(url.as_str(), ACCEPT)
            .await
            .map_err(|error| explain(error, run.config.auth.is_some()))?;
        let envelope = match read_envelope(&document.bytes) {
            Ok(envelope) => envelope,
            Err(message) => {
                let mut mapped = Mapped::default();
                mapped.problem(
                    "the answer",
                    format!("{message}; paging stopped here and the cursor stays"),
                );
                return run.delivery.deliver(&document.location, mapped).await;
            }
        };
        let delivered = delivered_versions(&envelope.mapped.objects);
        let more = envelope.more;
        run.delivery
            .deliver(&document.location, envelope.mapped)
            .await?;
        let page_last = match last_date_added(&headers) {
            Some(Ok(last)) => Some(last),
            Some(Err(text)) => {
                run.delivery.report.problem(format!(
                    "{}: X-TAXII-Date-Added-Last '{text}' is not a timestamp; the manifest is asked instead",
                    document.location
                ));
                manifest_last(run, &objects_url, &query, &delivered).await
            }
            None if delivered.is_empty() => None,
            None => {
                if !told_missing_header {
                    told_missing_header = true;
                    run.delivery.report.problem(format!(
                        "{}: the server sent no X-TAXII-Date-Added-Last; the cursor is taken from its manifest",
                        document.location
                    ));
                }
                manifest_last(run, &objects_url, &query, &delivered).await
            }
        };
        if let Some(last) = page_last
            && cursor
                .as_ref()
                .is_none_or(|(_, at)| last.1.sort_key() > at.sort_key())
        {
            run.state.cursor = Some(json!({ "added_after": last.0 }));
            cursor = Some(last);
        }
        run.checkpoint()?;
        if !more {
            return Ok(());
        }
        match envelope.next {
            Some(token) => next = Some(token),
            None if cursor.as_ref().map(|(text, _)| text)
                == query_after.as_ref().map(|(text, _)| text) =>
            {
                run.delivery.report.problem(format!(
                    "{}: the server says there is more, but gives neither `next` nor a later X-TAXII-Date-Added-Last; the rest waits for the next run",
                    document.location
                ));
                return Ok(());
            }
            None => {
                next = None;
                query_after.clone_from(&cursor);
            }
        }
    }
    run.delivery.report.problem(format!(
        "{configured}: stopped after {MAX_PAGES_PER_RUN} pages; the next run goes on from {}",
        cursor.map_or_else(|| "the start".to_owned(), |(text, _)| text)
    ));
    Ok(())
}

/// The `objects/` URL of the configured collection or objects URL.
fn objects_url(configured: &str) -> anyhow::Result<Url> {
    let mut url = Url::parse(configured).with_context(|| format!("`{configured}` is not a URL"))?;
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_owned();
    if path.ends_with("/objects") {
        url.set_path(&format!("{path}/"));
    } else {
        url.set_path(&format!("{path}/objects/"));
    }
    Ok(url)
}

/// A TAXII timestamp as the server wrote it, and as read.
type DateAdded = (String, Timestamp);

/// The cursor of the last checkpoint. One that can not be read (written by something
/// else) is dropped, so that the collection is read from its start again: a re-fetch,
/// never a loss.
fn stored_cursor(run: &mut SourceRun<'_>) -> Option<DateAdded> {
    let cursor = run.state.cursor.as_ref()?;
    let text = cursor.get("added_after").and_then(Value::as_str);
    match text.map(|text| (text, Timestamp::parse(text))) {
        Some((text, Ok(at))) => Some((text.to_owned(), at)),
        _ => {
            run.delivery.report.problem(format!(
                "the saved cursor {cursor} is not a TAXII date; the collection is read from its start"
            ));
            None
        }
    }
}

/// The filters of one page's request.
#[derive(Debug, Clone, Copy)]
struct PageQuery<'a> {
    added_after: Option<&'a str>,
    next: Option<&'a str>,
}

impl PageQuery<'_> {
    /// `base` (an `objects/` or `manifest/` URL) with these filters.
    fn url(&self, base: &Url) -> Url {
        let mut url = base.clone();
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(after) = self.added_after {
                pairs.append_pair("added_after", after);
            }
            pairs.append_pair("limit", &PAGE_LIMIT.to_string());
            if let Some(next) = self.next {
                pairs.append_pair("next", next);
            }
        }
        url
    }
}

/// A page of the objects listing.
#[derive(Debug)]
struct Envelope {
    mapped: Mapped,
    more: bool,
    next: Option<String>,
}

/// Reads a TAXII envelope; `Err` says why the answer is not one.
fn read_envelope(bytes: &[u8]) -> Result<Envelope, String> {
    let root: Value = serde_json::from_slice(bytes)
        .map_err(|error| format!("not a TAXII envelope: not JSON ({error})"))?;
    let Value::Object(mut root) = root else {
        return Err("not a TAXII envelope: the answer is not a JSON object".to_owned());
    };
    if root.get("type").and_then(Value::as_str) == Some("bundle") {
        return Err(
            "a STIX bundle, not a TAXII envelope: is the `url` a TAXII collection's?".to_owned(),
        );
    }
    let is_envelope = ["objects", "more", "next"]
        .iter()
        .any(|key| root.contains_key(*key));
    if !is_envelope && !root.is_empty() {
        let keys: Vec<&str> = root.keys().map(String::as_str).take(5).collect();
        return Err(format!(
            "not a TAXII envelope: none of `objects`, `more`, `next`, but {}",
            keys.join(", ")
        ));
    }
    let more = match root.get("more") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(more)) => *more,
        Some(other) => {
            return Err(format!(
                "not a TAXII envelope: `more` is {other}, not true or false"
            ));
        }
    };
    let next = match root.get("next") {
        None | Some(Value::Null) => None,
        Some(Value::String(next)) => Some(next.clone()),
        Some(Value::Number(next)) => Some(next.to_string()),
        Some(other) => return Err(format!("not a TAXII envelope: `next` is {other}")),
    };
    let objects = match root.remove("objects") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(objects)) => objects,
        Some(_) => return Err("not a TAXII envelope: `objects` is not a list".to_owned()),
    };
    let mut mapped = Mapped::default();
    for (index, object) in objects.into_iter().enumerate() {
        if object.is_object() {
            mapped.objects.push(object);
        } else {
            mapped.problem(format!("objects[{index}]"), "not a JSON object; left out");
        }
    }
    Ok(Envelope { mapped, more, next })
}

/// Each delivered object's id and version (`modified`, else `created`; none for
/// objects without either, such as most SCOs).
fn delivered_versions(objects: &[Value]) -> HashSet<(String, Option<String>)> {
    objects
        .iter()
        .filter_map(|object| {
            let id = object.get("id").and_then(Value::as_str)?;
            let version = ["modified", "created"]
                .iter()
                .find_map(|key| object.get(*key).and_then(Value::as_str))
                .and_then(|text| Timestamp::parse(text).ok())
                .map(|at| at.sort_key());
            Some((id.to_owned(), version))
        })
        .collect()
}

/// The page's `X-TAXII-Date-Added-Last`: `None` when absent, `Err` with the text when
/// it is no timestamp.
fn last_date_added(headers: &HeaderMap) -> Option<Result<DateAdded, String>> {
    let value = headers.get(DATE_ADDED_LAST)?;
    let text = String::from_utf8_lossy(value.as_bytes()).trim().to_owned();
    Some(match Timestamp::parse(&text) {
        Ok(at) => Ok((text, at)),
        Err(_) => Err(text),
    })
}

/// The greatest `date_added` the manifest gives for the objects of the page just
/// delivered (same filters), for a server that sent no usable header. A failure is a
/// problem and gives `None`: the cursor then stays.
async fn manifest_last(
    run: &mut SourceRun<'_>,
    objects_url: &Url,
    query: &PageQuery<'_>,
    delivered: &HashSet<(String, Option<String>)>,
) -> Option<DateAdded> {
    let url = objects_url
        .join("../manifest/")
        .map(|manifest| query.url(&manifest));
    let answer = match url {
        Ok(url) => run.fetch_fresh(url.as_str(), ACCEPT).await,
        Err(error) => Err(anyhow::Error::from(error)),
    };
    let records = answer.and_then(|(document, _)| {
        let root: Value = serde_json::from_slice(&document.bytes)
            .with_context(|| format!("{}: not JSON", document.location))?;
        Ok(root
            .get("objects")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    });
    let records = match records {
        Ok(records) => records,
        Err(error) => {
            run.delivery.report.problem(format!(
                "the manifest could not be read ({error:#}); the cursor stays, and the next run fetches these objects again"
            ));
            return None;
        }
    };
    let mut last: Option<DateAdded> = None;
    for record in &records {
        let (Some(id), Some(text)) = (
            record.get("id").and_then(Value::as_str),
            record.get("date_added").and_then(Value::as_str),
        ) else {
            continue;
        };
        let version = record
            .get("version")
            .and_then(Value::as_str)
            .and_then(|text| Timestamp::parse(text).ok())
            .map(|at| at.sort_key());
        let was_delivered = delivered.contains(&(id.to_owned(), version))
            || delivered.contains(&(id.to_owned(), None));
        let Ok(at) = Timestamp::parse(text) else {
            continue;
        };
        if was_delivered
            && last
                .as_ref()
                .is_none_or(|(_, seen)| at.sort_key() > seen.sort_key())
        {
            last = Some((text.to_owned(), at));
        }
    }
    if last.is_none() {
        run.delivery.report.problem(
            "the manifest names none of the delivered objects; the cursor stays, and the next run fetches them again",
        );
    }
    last
}

/// Says what a refusal means for a TAXII source.
fn explain(error: anyhow::Error, has_auth: bool) -> anyhow::Error {
    let status = match error.downcast_ref::<FetchError>() {
        Some(FetchError::Status { status, .. }) => *status,
        _ => return error,
    };
    let advice = match status {
        StatusCode::UNAUTHORIZED if has_auth => {
            "the TAXII server did not accept the source's credentials (401 Unauthorized): check its `auth` and the secret in the environment variable it names"
        }
        StatusCode::UNAUTHORIZED => {
            "the TAXII server asks for credentials (401 Unauthorized), and the source has no `auth`: add one (`--user` and `--password-env`, or `--token-env`)"
        }
        StatusCode::FORBIDDEN => {
            "the TAXII server refused these credentials access to the collection (403 Forbidden)"
        }
        StatusCode::NOT_FOUND => {
            "the TAXII server has no such collection, or hides it from these credentials (404 Not Found): check the source's `url` and `auth`"
        }
        StatusCode::NOT_ACCEPTABLE => {
            "the server does not answer in TAXII 2.1 (406 Not Acceptable to `application/taxii+json;version=2.1`)"
        }
        _ => return error,
    };
    error.context(advice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_objects_url_is_found_from_either_form() {
        for (configured, expected) in [
            (
                "https://taxii.example/api1/collections/91a7b528/",
                "https://taxii.example/api1/collections/91a7b528/objects/",
            ),
            (
                "https://taxii.example/api1/collections/91a7b528",
                "https://taxii.example/api1/collections/91a7b528/objects/",
            ),
            (
                "https://taxii.example/api1/collections/91a7b528/objects/?limit=5",
                "https://taxii.example/api1/collections/91a7b528/objects/",
            ),
        ] {
            let url = objects_url(configured).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(url.as_str(), expected, "{configured}");
        }
    }

    #[test]
    fn page_filters_are_encoded_in_the_query() {
        let base = objects_url("https://taxii.example/r/collections/c/")
            .unwrap_or_else(|error| panic!("{error}"));
        let query = PageQuery {
            added_after: Some("2026-01-05T10:00:00.123456Z"),
            next: Some("a b"),
        };
        let url = query.url(&base);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("added_after".into(), "2026-01-05T10:00:00.123456Z".into()),
                ("limit".into(), PAGE_LIMIT.to_string()),
                ("next".into(), "a b".into()),
            ]
        );
    }

    #[test]
    fn envelopes_are_read_and_other_answers_are_named() {
        let envelope = read_envelope(
            br#"{"more": true, "next": "17", "objects": [{"id": "indicator--1"}, 3]}"#,
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert!(envelope.more);
        assert_eq!(envelope.next.as_deref(), Some("17"));
        assert_eq!(envelope.mapped.objects.len(), 1);
        assert_eq!(envelope.mapped.problems.len(), 1);
        assert_eq!(envelope.mapped.problems[0].location, "objects[1]");

        for empty in [&b"{}"[..], br#"{"more": false}"#] {
            let empty = read_envelope(empty).unwrap_or_else(|error| panic!("{error}"));
            assert!(!empty.more && empty.mapped.objects.is_empty());
        }

        for (answer, expected) in [
            (&b"<html>login</html>"[..], "not JSON"),
            (b"[1, 2]", "not a JSON object"),
            (br#"{"type": "bundle", "objects": []}"#, "STIX bundle"),
            (br#"{"more": "yes"}"#, "`more`"),
            (br#"{"title": "a discovery document"}"#, "title"),
        ] {
            match read_envelope(answer) {
                Ok(envelope) => panic!("read as an envelope: {envelope:?}"),
                Err(error) => assert!(error.contains(expected), "{error}"),
            }
        }
    }

    #[test]
    fn versions_are_compared_as_instants() {
        let delivered = delivered_versions(&[
            json!({"id": "indicator--1", "modified": "2026-01-05T10:00:00Z"}),
            json!({"id": "ipv4-addr--2", "value": "198.51.99.1"}),
        ]);
        let same_instant = Timestamp::parse("2026-01-05T10:00:00.000Z")
            .map(|at| at.sort_key())
            .ok();
        assert!(delivered.contains(&("indicator--1".to_owned(), same_instant)));
        assert!(delivered.contains(&("ipv4-addr--2".to_owned(), None)));
    }
}
