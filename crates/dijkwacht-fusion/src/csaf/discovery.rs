//! How a CSAF provider says where its advisories are (CSAF 2.0 §7): the provider
//! metadata document names directory distributions and ROLIE feeds; a ROLIE feed lists
//! advisories with their hash and signature files; a directory has `index.txt` (every
//! advisory's path) and `changes.csv` (path and current release date, newest first).
//!
//! Fetching and polling are the caller's; these functions only read the documents, so
//! that the caller can decide what to download. What they decide: a ROLIE link's
//! relation is read from `rel`, or from `ref` when `rel` is missing (CISA's feeds write
//! `ref` for hash and signature links); an entry without an advisory URL makes the feed
//! an error, because silently skipping it would lose an advisory; release dates in
//! `changes.csv` are normalised to STIX timestamps (UTC, milliseconds), the form the
//! reports' `modified` has, so the two compare as text.

use dijkwacht_stix::tlp::TlpLevel;
use serde_json::Value;

use super::{CsafError, text_at};
use crate::lists::time;

/// A provider metadata document (`provider-metadata.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    pub canonical_url: String,
    pub publisher: CsafPublisher,
    /// `csaf_publisher`, `csaf_provider` or `csaf_trusted_provider`.
    pub role: Option<String>,
    pub last_updated: Option<String>,
    pub distributions: Vec<CsafDistribution>,
}

/// Who publishes, as CSAF names a publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsafPublisher {
    pub category: Option<String>,
    pub name: String,
    pub namespace: String,
}

/// One place a provider publishes advisories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsafDistribution {
    /// A directory with `index.txt`, `changes.csv` and `<year>/` folders.
    Directory { url: String },
    /// A ROLIE feed of the advisories of one TLP label.
    RolieFeed {
        url: String,
        /// The label as written (`WHITE`, … or `UNLABELED`).
        tlp_label: String,
        /// The level of the label; `None` for `UNLABELED`.
        tlp: Option<TlpLevel>,
        summary: Option<String>,
    },
}

/// One advisory listed in a ROLIE feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolieEntry {
    pub id: String,
    pub title: Option<String>,
    pub updated: Option<String>,
    /// Where the advisory's JSON is (`content.src`, else the `self` link).
    pub advisory_url: String,
    /// The `hash` links (`.sha256`, `.sha512`).
    pub hash_urls: Vec<String>,
    /// The `signature` link (`.asc`), when there is one.
    pub signature_url: Option<String>,
}

/// One line of `changes.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedAdvisory {
    /// The advisory's path, relative to the directory.
    pub path: String,
    /// Its current release date as a STIX timestamp (UTC, milliseconds).
    pub current_release_date: String,
}

/// Reads a provider metadata document.
pub fn parse_provider_metadata(bytes: &[u8]) -> Result<ProviderMetadata, CsafError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let missing = |what: &str| CsafError::NotProviderMetadata(format!("`{what}` is missing"));
    let canonical_url = text_at(&root, "canonical_url").ok_or_else(|| missing("canonical_url"))?;
    let publisher = root.get("publisher").ok_or_else(|| missing("publisher"))?;
    let publisher = CsafPublisher {
        category: text_at(publisher, "category").map(str::to_owned),
        name: text_at(publisher, "name")
            .ok_or_else(|| missing("publisher.name"))?
            .to_owned(),
        namespace: text_at(publisher, "namespace")
            .ok_or_else(|| missing("publisher.namespace"))?
            .to_owned(),
    };
    let mut distributions = Vec::new();
    for (index, distribution) in array(&root, "distributions").iter().enumerate() {
        if let Some(url) = text_at(distribution, "directory_url") {
            distributions.push(CsafDistribution::Directory {
                url: url.to_owned(),
            });
        }
        let feeds = distribution
            .get("rolie")
            .map_or(&[][..], |rolie| array(rolie, "feeds"));
        for (feed_index, feed) in feeds.iter().enumerate() {
            let location = format!("distributions[{index}].rolie.feeds[{feed_index}]");
            let url = text_at(feed, "url").ok_or_else(|| {
                CsafError::NotProviderMetadata(format!("`{location}.url` is missing"))
            })?;
            let tlp_label = text_at(feed, "tlp_label").unwrap_or("UNLABELED");
            let tlp = match tlp_label.to_ascii_lowercase().as_str() {
                "unlabeled" => None,
                label => Some(TlpLevel::from_name(label).ok_or_else(|| {
                    CsafError::NotProviderMetadata(format!(
                        "`{location}.tlp_label` '{tlp_label}' is not a TLP label"
                    ))
                })?),
            };
            distributions.push(CsafDistribution::RolieFeed {
                url: url.to_owned(),
                tlp_label: tlp_label.to_owned(),
                tlp,
                summary: text_at(feed, "summary").map(str::to_owned),
            });
        }
    }
    Ok(ProviderMetadata {
        canonical_url: canonical_url.to_owned(),
        publisher,
        role: text_at(&root, "role").map(str::to_owned),
        last_updated: text_at(&root, "last_updated").map(str::to_owned),
        distributions,
    })
}

fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Reads a ROLIE feed document (`{"feed": {"entry": […]}}`).
pub fn parse_rolie_feed(bytes: &[u8]) -> Result<Vec<RolieEntry>, CsafError> {
    let root: Value = serde_json::from_slice(bytes)?;
    let feed = root
        .get("feed")
        .filter(|feed| feed.is_object())
        .ok_or_else(|| CsafError::NotRolieFeed("the top level has no `feed` object".to_owned()))?;
    let mut entries = Vec::new();
    for (index, entry) in array(feed, "entry").iter().enumerate() {
        let location = format!("feed.entry[{index}]");
        let id = text_at(entry, "id")
            .ok_or_else(|| CsafError::NotRolieFeed(format!("`{location}.id` is missing")))?;
        let links: Vec<(&str, &str)> = array(entry, "link")
            .iter()
            .filter_map(|link| {
                let relation = text_at(link, "rel").or_else(|| text_at(link, "ref"))?;
                Some((relation, text_at(link, "href")?))
            })
            .collect();
        let linked = |relation: &str| -> Vec<String> {
            links
                .iter()
                .filter(|(kind, _)| *kind == relation)
                .map(|(_, url)| (*url).to_owned())
                .collect()
        };
        let advisory_url = entry
            .get("content")
            .and_then(|content| text_at(content, "src"))
            .map(str::to_owned)
            .or_else(|| linked("self").into_iter().next())
            .ok_or_else(|| {
                CsafError::NotRolieFeed(format!(
                    "{location} ({id}) has neither `content.src` nor a `self` link"
                ))
            })?;
        entries.push(RolieEntry {
            id: id.to_owned(),
            title: text_at(entry, "title").map(str::to_owned),
            updated: text_at(entry, "updated").map(str::to_owned),
            advisory_url,
            hash_urls: linked("hash"),
            signature_url: linked("signature").into_iter().next(),
        });
    }
    Ok(entries)
}

/// Reads a directory's `index.txt`: one advisory path per line, blank lines ignored.
pub fn parse_directory_index(text: &str) -> Result<Vec<String>, CsafError> {
    let mut paths = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let path = line.trim();
        if path.is_empty() {
            continue;
        }
        check_advisory_path(path).map_err(|message| CsafError::Listing {
            listing: "index.txt",
            line: index + 1,
            message,
        })?;
        paths.push(path.to_owned());
    }
    Ok(paths)
}

/// Reads a directory's `changes.csv`: `"<path>","<current release date>"` per line
/// (quoted or not), blank lines ignored.
pub fn parse_changes_csv(text: &str) -> Result<Vec<ChangedAdvisory>, CsafError> {
    let mut changes = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let problem = |message: String| CsafError::Listing {
            listing: "changes.csv",
            line: index + 1,
            message,
        };
        let fields = crate::lists::split_csv_line(line, ',').map_err(problem)?;
        let [path, date] = fields.as_slice() else {
            return Err(problem(format!(
                "expected two columns (path, current release date), found {}",
                fields.len()
            )));
        };
        check_advisory_path(path).map_err(problem)?;
        let instant = time::parse_feed_time(date)
            .ok_or_else(|| problem(format!("'{date}' is not a date-time")))?;
        changes.push(ChangedAdvisory {
            path: path.clone(),
            current_release_date: time::stix_time(&instant),
        });
    }
    Ok(changes)
}

/// A listed advisory is a relative path to a `.json` file, without spaces.
fn check_advisory_path(path: &str) -> Result<(), String> {
    if path.chars().any(char::is_whitespace) {
        return Err(format!(
            "'{path}' contains a space; an advisory path has none"
        ));
    }
    if !path.to_ascii_lowercase().ends_with(".json") {
        return Err(format!("'{path}' does not name a .json advisory"));
    }
    Ok(())
}
