//! CSAF 2.0 advisories (kind `csaf`), from wherever a provider publishes them (CSAF 2.0
//! §7). The `url` may be a provider's `provider-metadata.json` (its directory and ROLIE
//! distributions are followed), a ROLIE feed, a directory (a URL ending in `/`: its
//! `changes.csv`, else its `index.txt`) or one advisory; the `path` may be an advisory
//! file or a folder, read recursively for `.json` files. Each advisory is mapped by
//! `dijkwacht_fusion::csaf::map_advisory` and is one delivery, followed by a checkpoint.
//!
//! What it decides:
//! - the cursor maps each advisory's location (its URL, or its file) to the version of
//!   it last delivered, in the terms of what listed it: the `changes.csv` date, the
//!   ROLIE entry's `updated` (both as STIX timestamps, so one advisory listed by both
//!   compares equal), or a file's size and modification time. An advisory whose listed
//!   version is the one delivered is not fetched again; a publisher who lists an older
//!   advisory late is still read, which a single "newest date" cursor would miss.
//!   Entries are never pruned: a withdrawn advisory leaves one line in the state;
//! - listings (`changes.csv`, `index.txt`, a ROLIE feed, one advisory URL) are fetched
//!   conditionally, and their validators are kept only once every advisory they list
//!   was delivered, so an unchanged listing costs one 304 and an advisory that could
//!   not be fetched (404, too large) is tried again next run. Provider metadata is
//!   fetched afresh each run: a 304 would hide its distributions. Advisories of an
//!   `index.txt` without `changes.csv` carry no date, so they are fetched conditionally;
//! - only URLs on the source's origin are fetched: a distribution or ROLIE entry
//!   elsewhere is named in a problem (add it as a source of its own), and a provider
//!   whose every distribution is elsewhere fails the run;
//! - a document that is not CSAF 2.0 is a problem located by its URL or file, and the
//!   run goes on; it is recorded as delivered, so it is reported once per listed
//!   version rather than every run. In a folder, provider metadata and ROLIE feeds that
//!   sit beside the advisories (a mirrored distribution) are passed over silently;
//! - hashes (`.sha256`, `.sha512`) and OpenPGP signatures are not verified yet.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Context;
use dijkwacht_fusion::csaf::{
    CsafDistribution, map_advisory, parse_changes_csv, parse_directory_index,
    parse_provider_metadata, parse_rolie_feed,
};
use dijkwacht_fusion::mapped::Mapped;
use dijkwacht_stix::timestamp::Timestamp;
use reqwest::{StatusCode, Url};
use serde_json::{Map, Value};

use super::{Document, SourceRun};
use crate::fusion::fetch::FetchError;

const JSON_ACCEPT: &str = "application/json, */*;q=0.1";
const LISTING_ACCEPT: &str = "text/csv, text/plain;q=0.9, */*;q=0.1";
/// The key of the cursor's map.
const ADVISORIES: &str = "advisories";

pub async fn run(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    match run.config.url.clone() {
        Some(url) if url.ends_with('/') => read_directory(run, &url).await,
        Some(url) => read_url(run, &url).await,
        None => read_path(run).await,
    }
}

/// An advisory a listing names: where, and the version listed (`None` for `index.txt`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    url: String,
    version: Option<String>,
}

/// What a document fetched from the source's own URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DocumentKind {
    ProviderMetadata,
    RolieFeed,
    Advisory,
}

fn kind_of(bytes: &[u8]) -> DocumentKind {
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(bytes) else {
        // Not JSON: mapping it as an advisory says so.
        return DocumentKind::Advisory;
    };
    if root.contains_key("document") {
        DocumentKind::Advisory
    } else if root.contains_key("feed") {
        DocumentKind::RolieFeed
    } else if root.contains_key("canonical_url") || root.contains_key("distributions") {
        DocumentKind::ProviderMetadata
    } else {
        DocumentKind::Advisory
    }
}

/// The source's `url` when it is not a directory: provider metadata, a ROLIE feed or
/// one advisory.
async fn read_url(run: &mut SourceRun<'_>, url: &str) -> anyhow::Result<()> {
    let Some(document) = run.fetch(url, JSON_ACCEPT).await? else {
        // Unchanged since a run that delivered everything it listed.
        return Ok(());
    };
    match kind_of(&document.bytes) {
        DocumentKind::Advisory => {
            deliver_advisory(run, &document).await?;
            run.stored(&document);
            run.checkpoint()
        }
        DocumentKind::RolieFeed => {
            run.delivery.report.documents += 1;
            read_rolie_feed(run, &document).await
        }
        DocumentKind::ProviderMetadata => {
            run.delivery.report.documents += 1;
            read_provider_metadata(run, &document).await
        }
    }
}

async fn read_provider_metadata(
    run: &mut SourceRun<'_>,
    document: &Document,
) -> anyhow::Result<()> {
    let metadata = match parse_provider_metadata(&document.bytes) {
        Ok(metadata) => metadata,
        Err(error) => {
            run.delivery
                .report
                .problem(format!("{}: {error}", document.location));
            return Ok(());
        }
    };
    let base = Url::parse(&document.location)
        .with_context(|| format!("`{}` is not a URL", document.location))?;
    let mut reachable = Vec::new();
    let mut elsewhere = Vec::new();
    for distribution in metadata.distributions {
        let (reference, is_directory) = match &distribution {
            CsafDistribution::Directory { url } => (url.as_str(), true),
            CsafDistribution::RolieFeed { url, .. } => (url.as_str(), false),
        };
        match on_origin(run, &base, reference) {
            Ok(mut url) => {
                if is_directory && !url.ends_with('/') {
                    url.push('/');
                }
                reachable.push((url, is_directory));
            }
            Err(url) => elsewhere.push(url),
        }
    }
    let origin = origin_text(&base);
    if reachable.is_empty() {
        anyhow::ensure!(
            !elsewhere.is_empty(),
            "{}: the provider metadata of {} names no distributions",
            document.location,
            metadata.publisher.name
        );
        anyhow::bail!(
            "{}: every distribution of {} is on another origin than this source's ({origin}): {}; a source fetches from its own origin only, so add a source with one of these URLs",
            document.location,
            metadata.publisher.name,
            elsewhere.join(", ")
        );
    }
    for url in &elsewhere {
        run.delivery.report.problem(format!(
            "{}: the distribution {url} is on another origin than this source's ({origin}) and is not read; add it as a source of its own",
            document.location
        ));
    }
    for (url, is_directory) in reachable {
        if is_directory {
            read_directory(run, &url).await?;
        } else if let Some(feed) = run.fetch(&url, JSON_ACCEPT).await? {
            run.delivery.report.documents += 1;
            read_rolie_feed(run, &feed).await?;
        }
    }
    Ok(())
}

async fn read_rolie_feed(run: &mut SourceRun<'_>, feed: &Document) -> anyhow::Result<()> {
    let entries = match parse_rolie_feed(&feed.bytes) {
        Ok(entries) => entries,
        Err(error) => {
            run.delivery
                .report
                .problem(format!("{}: {error}", feed.location));
            return Ok(());
        }
    };
    let base =
        Url::parse(&feed.location).with_context(|| format!("`{}` is not a URL", feed.location))?;
    let mut listed = Vec::new();
    let mut elsewhere = Vec::new();
    for entry in entries {
        match on_origin(run, &base, &entry.advisory_url) {
            Ok(url) => listed.push(Listed {
                url,
                version: entry.updated.as_deref().map(version_time),
            }),
            Err(url) => elsewhere.push(url),
        }
    }
    if let Some(first) = elsewhere.first() {
        run.delivery.report.problem(format!(
            "{}: {} advisory(ies) are on another origin than this source's ({}) and are not fetched, the first {first}; add a source for that origin",
            feed.location,
            elsewhere.len(),
            origin_text(&base)
        ));
    }
    finish_listing(run, feed, listed).await
}

/// A directory distribution: `changes.csv` when there is one, else `index.txt`.
async fn read_directory(run: &mut SourceRun<'_>, url: &str) -> anyhow::Result<()> {
    let base = Url::parse(url).with_context(|| format!("`{url}` is not a URL"))?;
    let changes_url = join(&base, "changes.csv")?;
    match run.fetch(&changes_url, LISTING_ACCEPT).await {
        Ok(None) => return Ok(()),
        Ok(Some(changes)) => {
            run.delivery.report.documents += 1;
            match parse_changes_csv(&String::from_utf8_lossy(&changes.bytes)) {
                Ok(lines) => {
                    let mut listed = Vec::new();
                    for line in lines {
                        listed.push(Listed {
                            url: join(&base, &line.path)?,
                            version: Some(line.current_release_date),
                        });
                    }
                    return finish_listing(run, &changes, listed).await;
                }
                Err(error) => run.delivery.report.problem(format!(
                    "{}: {error}; index.txt is read instead",
                    changes.location
                )),
            }
        }
        Err(error) if status_of(&error) == Some(StatusCode::NOT_FOUND) => {}
        Err(error) => return Err(error),
    }
    let index_url = join(&base, "index.txt")?;
    let Some(index) = run.fetch(&index_url, LISTING_ACCEPT).await? else {
        return Ok(());
    };
    run.delivery.report.documents += 1;
    let paths = match parse_directory_index(&String::from_utf8_lossy(&index.bytes)) {
        Ok(paths) => paths,
        Err(error) => {
            run.delivery
                .report
                .problem(format!("{}: {error}", index.location));
            return Ok(());
        }
    };
    let mut listed = Vec::new();
    for path in paths {
        listed.push(Listed {
            url: join(&base, &path)?,
            version: None,
        });
    }
    finish_listing(run, &index, listed).await
}

/// Delivers what `listing` names and, when everything it names on this origin was
/// delivered, keeps the listing's validators so that an unchanged listing costs a 304.
async fn finish_listing(
    run: &mut SourceRun<'_>,
    listing: &Document,
    listed: Vec<Listed>,
) -> anyhow::Result<()> {
    let complete = deliver_listed(run, &listing.location, listed).await?;
    if complete {
        run.stored(listing);
    }
    run.checkpoint()
}

/// Fetches and delivers the listed advisories whose listed version was not delivered
/// yet, oldest first; gives whether every one of them could be fetched.
async fn deliver_listed(
    run: &mut SourceRun<'_>,
    listing: &str,
    listed: Vec<Listed>,
) -> anyhow::Result<bool> {
    // One advisory listed twice counts with its newest version.
    let mut newest: BTreeMap<String, Option<String>> = BTreeMap::new();
    for Listed { url, version } in listed {
        let known = newest.entry(url).or_default();
        if version > *known {
            *known = version;
        }
    }
    let mut pending: Vec<Listed> = newest
        .into_iter()
        .map(|(url, version)| Listed { url, version })
        .filter(|advisory| match &advisory.version {
            Some(version) => delivered_version(run, &advisory.url) != Some(version.as_str()),
            None => true,
        })
        .collect();
    pending.sort_by(|one, other| one.version.cmp(&other.version));
    run.delivery.expect_documents(pending.len());
    let mut complete = true;
    for advisory in pending {
        let fetched = match &advisory.version {
            Some(_) => run
                .fetch_fresh(&advisory.url, JSON_ACCEPT)
                .await
                .map(|(document, _)| Some(document)),
            None => run.fetch(&advisory.url, JSON_ACCEPT).await,
        };
        let document = match fetched {
            Ok(Some(document)) => document,
            Ok(None) => continue,
            Err(error) if is_advisory_problem(&error) => {
                run.delivery.report.problem(format!(
                    "{}: listed in {listing}, but not fetched: {error:#}; tried again next run",
                    advisory.url
                ));
                complete = false;
                continue;
            }
            Err(error) => return Err(error),
        };
        deliver_advisory(run, &document).await?;
        match &advisory.version {
            Some(version) => record_version(run, &advisory.url, version),
            None => run.stored(&document),
        }
        run.checkpoint()?;
    }
    Ok(complete)
}

/// Maps and delivers one advisory; a document that is not one is a problem.
async fn deliver_advisory(run: &mut SourceRun<'_>, document: &Document) -> anyhow::Result<()> {
    let mapped = match map_advisory(&document.bytes) {
        Ok(advisory) => advisory.mapped,
        Err(error) => {
            let mut mapped = Mapped::default();
            mapped.problem(
                "the document",
                format!("not read as a CSAF advisory: {error}"),
            );
            mapped
        }
    };
    run.delivery.deliver(&document.location, mapped).await?;
    run.delivery.advance();
    Ok(())
}

/// The advisories of a `path`: one file, or every `.json` file below a folder.
async fn read_path(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    let root = PathBuf::from(run.config.path.as_deref().unwrap_or_default());
    let single_file = root.is_file();
    let files = run.files(&[".json"])?;
    let changed: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|file| file_version(&file).map(|version| (file, version)))
        .collect::<anyhow::Result<_>>()?;
    let changed: Vec<(PathBuf, String)> = changed
        .into_iter()
        .filter(|(file, version)| {
            delivered_version(run, &file.display().to_string()) != Some(version.as_str())
        })
        .collect();
    run.delivery.expect_documents(changed.len());
    for (file, version) in changed {
        let key = file.display().to_string();
        let document = run.read_file(&file)?;
        match kind_of(&document.bytes) {
            DocumentKind::Advisory => deliver_advisory(run, &document).await?,
            // A listing beside the advisories of a mirrored distribution.
            _ if !single_file => {}
            _ => run.delivery.report.problem(format!(
                "{}: a CSAF listing, not an advisory; a `path` source reads advisories, so give the listing's URL as `url` instead",
                document.location
            )),
        }
        record_version(run, &key, &version);
        run.checkpoint()?;
    }
    Ok(())
}

/// A file's version for the cursor: its size and modification time.
fn file_version(file: &Path) -> anyhow::Result<String> {
    let metadata =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    Ok(format!("{} bytes, modified {modified}", metadata.len()))
}

/// The version of `location` last delivered.
fn delivered_version<'a>(run: &'a SourceRun<'_>, location: &str) -> Option<&'a str> {
    run.state
        .cursor
        .as_ref()?
        .get(ADVISORIES)?
        .get(location)?
        .as_str()
}

/// Records that `version` of `location` is delivered; saved with the next checkpoint.
fn record_version(run: &mut SourceRun<'_>, location: &str, version: &str) {
    let cursor = run
        .state
        .cursor
        .get_or_insert_with(|| Value::Object(Map::new()));
    if !cursor.is_object() {
        *cursor = Value::Object(Map::new());
    }
    if let Value::Object(cursor) = cursor {
        let advisories = cursor
            .entry(ADVISORIES)
            .or_insert_with(|| Value::Object(Map::new()));
        if !advisories.is_object() {
            *advisories = Value::Object(Map::new());
        }
        if let Value::Object(advisories) = advisories {
            advisories.insert(location.to_owned(), Value::from(version));
        }
    }
}

/// A listed time as a STIX timestamp, so that spellings of one instant compare equal;
/// text that is no STIX timestamp is kept as written.
fn version_time(text: &str) -> String {
    Timestamp::parse(text).map_or_else(|_| text.to_owned(), |at| at.to_stix_millis())
}

/// `reference` (relative to `base`) as an absolute URL the source may fetch; `Err`
/// with the URL when it is on another origin (or no URL).
fn on_origin(run: &SourceRun<'_>, base: &Url, reference: &str) -> Result<String, String> {
    let Ok(url) = base.join(reference) else {
        return Err(reference.to_owned());
    };
    match &run.fetcher {
        Some(fetcher) if fetcher.resolve(url.as_str()).is_ok() => Ok(url.to_string()),
        _ => Err(url.to_string()),
    }
}

fn join(base: &Url, reference: &str) -> anyhow::Result<String> {
    base.join(reference)
        .map(|url| url.to_string())
        .with_context(|| format!("`{reference}` is not a URL relative to {base}"))
}

fn origin_text(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn status_of(error: &anyhow::Error) -> Option<StatusCode> {
    match error.downcast_ref::<FetchError>() {
        Some(FetchError::Status { status, .. }) => Some(*status),
        _ => None,
    }
}

/// Whether a failure to fetch one listed advisory is that advisory's problem (it is
/// gone, refused to this client, too large or elsewhere) rather than the source's
/// (credentials, a server down).
fn is_advisory_problem(error: &anyhow::Error) -> bool {
    match error.downcast_ref::<FetchError>() {
        Some(FetchError::Status { status, .. }) => {
            status.is_client_error()
                && ![
                    StatusCode::UNAUTHORIZED,
                    StatusCode::PROXY_AUTHENTICATION_REQUIRED,
                    StatusCode::TOO_MANY_REQUESTS,
                ]
                .contains(status)
        }
        Some(FetchError::TooLarge { .. } | FetchError::NotAllowed { .. }) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_of_a_fetched_document_is_read_from_its_top_level() {
        for (bytes, kind) in [
            (
                &br#"{"document": {"csaf_version": "2.0"}}"#[..],
                DocumentKind::Advisory,
            ),
            (br#"{"feed": {"entry": []}}"#, DocumentKind::RolieFeed),
            (
                br#"{"canonical_url": "https://x.example/.well-known/csaf/provider-metadata.json"}"#,
                DocumentKind::ProviderMetadata,
            ),
            (b"not json", DocumentKind::Advisory),
            (br#"{"something": "else"}"#, DocumentKind::Advisory),
        ] {
            assert_eq!(kind_of(bytes), kind, "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn listed_times_compare_as_instants() {
        assert_eq!(
            version_time("2024-10-03T16:03:00Z"),
            version_time("2024-10-03T16:03:00.000000Z")
        );
        assert_eq!(version_time("yesterday"), "yesterday");
    }

    #[test]
    fn only_lasting_client_errors_are_an_advisorys_own_problem() {
        let status = |status: StatusCode| {
            anyhow::Error::from(FetchError::Status {
                url: "https://csaf.example/2024/a.json".to_owned(),
                status,
            })
        };
        assert!(is_advisory_problem(&status(StatusCode::NOT_FOUND)));
        assert!(is_advisory_problem(&status(StatusCode::FORBIDDEN)));
        assert!(!is_advisory_problem(&status(StatusCode::UNAUTHORIZED)));
        assert!(!is_advisory_problem(&status(StatusCode::BAD_GATEWAY)));
        assert!(!is_advisory_problem(&anyhow::anyhow!("disk full")));
    }
}
