//! A small TAXII 2.1 client for one thing: fetching a collection's indicators, and on
//! later runs only what was added since. A sensor runs every few minutes; fetching the
//! whole collection each time would cost the server and the network for nothing.
//!
//! It asks for `objects/?match[type]=indicator`, follows `more`/`next` page by page,
//! and remembers the greatest `X-TAXII-Date-Added-Last` it saw in a small JSON state
//! file, which becomes `added_after` on the next run (TAXII 2.1 §3.4.2: `date_added` is
//! the server's own clock, so nothing added later is missed). The state is saved only
//! when the caller says the indicators are in use ([`TaxiiCheckpoint::save`]), and
//! written to a temporary file that replaces the old one, so a crash never leaves half
//! a state. A state file that belongs to another collection is ignored, with a warning.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::header::ACCEPT;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::matching::output::one_line;
use crate::matching::submit::ApiToken;

/// The media type of TAXII 2.1 answers.
const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// The answer header with the `date_added` of the page's last object.
const DATE_ADDED_LAST: &str = "x-taxii-date-added-last";

/// Objects asked for per page.
const PAGE_SIZE: usize = 1000;

/// A bound on the pages of one run, against a server whose `next` never ends.
const MAX_PAGES: usize = 100_000;

/// How to sign in to the TAXII server.
#[derive(Clone)]
pub enum TaxiiAuth {
    Anonymous,
    /// `Authorization: Bearer` (a Dijkwacht API token).
    Token(ApiToken),
    /// HTTP Basic.
    Basic {
        login: String,
        password: String,
    },
}

impl std::fmt::Debug for TaxiiAuth {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaxiiAuth::Anonymous => formatter.write_str("Anonymous"),
            TaxiiAuth::Token(_) => formatter.write_str("Token(<redacted>)"),
            TaxiiAuth::Basic { login, .. } => write!(formatter, "Basic({login}, <redacted>)"),
        }
    }
}

/// One TAXII 2.1 collection to fetch indicators from.
#[derive(Debug, Clone)]
pub struct TaxiiCollection {
    /// The collection's URL, ending in `/collections/<id>/`.
    pub collection_url: String,
    pub auth: TaxiiAuth,
    /// Where to remember how far the last run got; every run fetches everything without.
    pub state_file: Option<PathBuf>,
}

/// What the state file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxiiState {
    pub collection_url: String,
    /// The greatest `X-TAXII-Date-Added-Last` seen: the next run's `added_after`.
    pub added_after: String,
}

/// Where the next run of one collection continues, to be saved once used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiCheckpoint {
    pub state_file: PathBuf,
    pub state: TaxiiState,
}

impl TaxiiCheckpoint {
    /// Writes the state file (a temporary file in the same folder, then renamed over it).
    pub fn save(&self) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&self.state)?;
        crate::data_dir::replace_file(&self.state_file, text.as_bytes())
            .context("cannot save the TAXII state file")
    }
}

/// What one fetch gave.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The objects of every page, in the server's order.
    pub objects: Vec<Value>,
    /// `None` without a state file.
    pub checkpoint: Option<TaxiiCheckpoint>,
}

/// One page of a TAXII envelope.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    more: bool,
    next: Option<String>,
    #[serde(default)]
    objects: Vec<Value>,
}

impl TaxiiCollection {
    fn objects_url(&self) -> anyhow::Result<String> {
        let url = &self.collection_url;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            bail!("the collection URL '{url}' is not an http(s) URL");
        }
        let base = if url.ends_with('/') {
            url.clone()
        } else {
            format!("{url}/")
        };
        Ok(format!("{base}objects/"))
    }

    /// The `added_after` a state file says, if it belongs to this collection.
    fn remembered(&self) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.state_file else {
            return Ok(None);
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot read the state file {}", path.display()));
            }
        };
        let state: TaxiiState = serde_json::from_str(&text).with_context(|| {
            format!(
                "the state file {} is not a TAXII state; remove it to fetch everything again",
                path.display()
            )
        })?;
        if state.collection_url != self.collection_url {
            tracing::warn!(
                state_file = %path.display(),
                remembered = %state.collection_url,
                "the state file belongs to another collection; fetching everything"
            );
            return Ok(None);
        }
        Ok(Some(state.added_after))
    }

    /// Fetches the indicators added since the remembered point (all without one).
    pub async fn fetch(&self) -> anyhow::Result<Fetched> {
        let objects_url = self.objects_url()?;
        let added_after = self.remembered()?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("dijkwacht/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(120))
            .build()
            .context("cannot set up the HTTP client")?;
        let mut fetched = Fetched::default();
        let mut last_added = added_after.clone();
        let mut next: Option<String> = None;
        for page in 0.. {
            if page >= MAX_PAGES {
                bail!("{objects_url} kept saying there is more after {MAX_PAGES} pages; stopped");
            }
            let mut query = vec![
                ("match[type]", "indicator".to_owned()),
                ("limit", PAGE_SIZE.to_string()),
            ];
            if let Some(after) = &added_after {
                query.push(("added_after", after.clone()));
            }
            if let Some(next) = &next {
                query.push(("next", next.clone()));
            }
            let request = client
                .get(&objects_url)
                .query(&query)
                .header(ACCEPT, TAXII_MEDIA_TYPE);
            let request = match &self.auth {
                TaxiiAuth::Anonymous => request,
                TaxiiAuth::Token(token) => request.bearer_auth(token.secret()),
                TaxiiAuth::Basic { login, password } => request.basic_auth(login, Some(password)),
            };
            let response = request
                .send()
                .await
                .with_context(|| format!("cannot reach {objects_url}"))?;
            let status = response.status();
            let page_last = response
                .headers()
                .get(DATE_ADDED_LAST)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let text = response
                .text()
                .await
                .with_context(|| format!("cannot read the answer of {objects_url}"))?;
            if status == reqwest::StatusCode::NOT_FOUND && text.trim().is_empty() {
                // TAXII 2.1 servers may answer 404 for an empty collection.
                break;
            }
            if !status.is_success() {
                bail!("{objects_url} answered {status}: {}", taxii_error(&text));
            }
            let envelope: Envelope = serde_json::from_str(&text)
                .with_context(|| format!("{objects_url} did not answer with a TAXII envelope"))?;
            fetched.objects.extend(envelope.objects);
            if let Some(page_last) = page_last {
                if later(&page_last, last_added.as_deref()) {
                    last_added = Some(page_last);
                }
            }
            match envelope.next {
                Some(cursor) if envelope.more => next = Some(cursor),
                _ => break,
            }
        }
        fetched.checkpoint = match (&self.state_file, last_added) {
            (Some(state_file), Some(added_after)) => Some(TaxiiCheckpoint {
                state_file: state_file.clone(),
                state: TaxiiState {
                    collection_url: self.collection_url.clone(),
                    added_after,
                },
            }),
            _ => None,
        };
        Ok(fetched)
    }
}

/// Whether the timestamp `candidate` is after `known` (or there is none known).
fn later(candidate: &str, known: Option<&str>) -> bool {
    let key = |text: &str| {
        dijkwacht_stix::Timestamp::parse(text)
            .ok()
            .map(|stamp| stamp.sort_key())
    };
    match (key(candidate), known.and_then(key)) {
        (Some(candidate), Some(known)) => candidate > known,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The title and description of a TAXII error resource, else the start of the body.
fn taxii_error(text: &str) -> String {
    let body: Option<Value> = serde_json::from_str(text).ok();
    let title = body.as_ref().and_then(|body| body["title"].as_str());
    let description = body.as_ref().and_then(|body| body["description"].as_str());
    match (title, description) {
        (Some(title), Some(description)) => format!("{title}: {description}"),
        (Some(title), None) => title.to_owned(),
        _ => one_line(text, 200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_compares_instants_not_spellings() {
        assert!(later(
            "2026-01-02T00:00:00Z",
            Some("2026-01-01T23:59:59.999999Z")
        ));
        assert!(!later(
            "2026-01-01T00:00:00.000Z",
            Some("2026-01-01T00:00:00Z")
        ));
        assert!(later("2026-01-01T00:00:00Z", None));
        assert!(!later("yesterday", None), "a bad header is not remembered");
    }

    #[test]
    fn a_state_of_another_collection_or_none_fetches_everything() {
        let folder = tempfile::tempdir().expect("a folder");
        let state_file = folder.path().join("state.json");
        let collection = TaxiiCollection {
            collection_url: "http://127.0.0.1:1/taxii2/public/collections/x/".to_owned(),
            auth: TaxiiAuth::Anonymous,
            state_file: Some(state_file.clone()),
        };
        assert_eq!(collection.remembered().expect("no file"), None);
        let checkpoint = TaxiiCheckpoint {
            state_file: state_file.clone(),
            state: TaxiiState {
                collection_url: "http://elsewhere/collections/y/".to_owned(),
                added_after: "2026-01-01T00:00:00.000000Z".to_owned(),
            },
        };
        checkpoint.save().expect("saved");
        assert_eq!(collection.remembered().expect("read"), None);
        TaxiiCheckpoint {
            state: TaxiiState {
                collection_url: collection.collection_url.clone(),
                ..checkpoint.state.clone()
            },
            ..checkpoint
        }
        .save()
        .expect("saved");
        assert_eq!(
            collection.remembered().expect("read").as_deref(),
            Some("2026-01-01T00:00:00.000000Z")
        );
        std::fs::write(&state_file, "not json").expect("written");
        let error = collection.remembered().expect_err("refused");
        assert!(format!("{error:#}").contains("remove it"), "{error:#}");
    }
}
