//! The sources: one module per kind, each a function that reads what is new since its
//! state's cursor, hands it to the [`Delivery`] piece by piece, and moves the cursor
//! after each piece is stored ([`SourceRun::checkpoint`]). A source that fails half-way
//! keeps what it delivered; its next run starts where the last checkpoint left it.

mod csaf;
mod kev;
mod list;
mod misp_feed;
mod stix;
mod taxii;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use dijkwacht_fusion::config::{SourceConfig, SourceKind};
use reqwest::header::HeaderMap;

use super::deliver::Delivery;
use super::fetch::{Fetched, Fetcher};
use super::state::{SourceState, StateFolder, Validators};

/// Everything one run of one source works with.
#[derive(Debug)]
pub struct SourceRun<'a> {
    pub config: &'a SourceConfig,
    /// For sources with a `url`.
    pub fetcher: Option<Fetcher>,
    pub state: SourceState,
    pub states: &'a StateFolder,
    pub delivery: Delivery<'a>,
}

/// How deep below a source's `path` folders are read, against a folder that loops.
pub const MAX_FOLDER_DEPTH: usize = 8;

/// A document read for a source: fetched over HTTP or read from a file.
#[derive(Debug)]
pub struct Document {
    /// Where it came from, for messages and for its validators.
    pub location: String,
    pub bytes: Vec<u8>,
    /// For a fetched document: its validators, to remember once it is stored.
    validators: Option<Validators>,
}

impl SourceRun<'_> {
    /// Saves the state as it is now: call only after what it covers is stored.
    pub fn checkpoint(&mut self) -> anyhow::Result<()> {
        self.states.save(&self.config.name, &self.state)
    }

    /// GETs `url` (absolute, or relative to the source's URL); `None` when the server
    /// says it has not changed since the last stored fetch.
    pub async fn fetch(&mut self, url: &str, accept: &str) -> anyhow::Result<Option<Document>> {
        let fetcher = self
            .fetcher
            .as_ref()
            .context("this source has no `url` to fetch from")?;
        let absolute = fetcher.resolve(url)?.to_string();
        let known = self.state.validators.get(&absolute);
        match fetcher.get(&absolute, known, accept).await? {
            Fetched::NotModified => {
                self.delivery.report.documents += 1;
                self.delivery.report.not_modified += 1;
                Ok(None)
            }
            Fetched::Body {
                bytes, validators, ..
            } => Ok(Some(Document {
                location: absolute,
                bytes,
                validators: Some(validators),
            })),
        }
    }

    /// GETs `url` unconditionally, neither asking nor remembering validators, and gives
    /// the answer's headers too: for API pages whose URL carries the cursor (TAXII), and
    /// for documents the source's cursor already says are new.
    pub async fn fetch_fresh(
        &self,
        url: &str,
        accept: &str,
    ) -> anyhow::Result<(Document, HeaderMap)> {
        let fetcher = self
            .fetcher
            .as_ref()
            .context("this source has no `url` to fetch from")?;
        let absolute = fetcher.resolve(url)?.to_string();
        match fetcher.get(&absolute, None, accept).await? {
            Fetched::NotModified => {
                bail!("{absolute}: answered 304 to a request without validators")
            }
            Fetched::Body { bytes, headers, .. } => Ok((
                Document {
                    location: absolute,
                    bytes,
                    validators: None,
                },
                headers,
            )),
        }
    }

    /// Reads a file of a source with a `path`.
    pub fn read_file(&mut self, path: &Path) -> anyhow::Result<Document> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Document {
            location: path.display().to_string(),
            bytes,
            validators: None,
        })
    }

    /// Records that `document` is stored: its validators make the next fetch of it
    /// conditional. Saved with the next checkpoint.
    pub fn stored(&mut self, document: &Document) {
        if let Some(validators) = &document.validators {
            if validators.is_empty() {
                self.state.validators.remove(&document.location);
            } else {
                self.state
                    .validators
                    .insert(document.location.clone(), validators.clone());
            }
        }
    }

    /// The files of a source with a `path`: the file itself, or the files below the
    /// folder (at most [`MAX_FOLDER_DEPTH`] folders deep, links to folders not
    /// followed) whose names end in one of `extensions` (in any case), sorted by path.
    pub fn files(&self, extensions: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
        let path = PathBuf::from(self.config.path.as_deref().unwrap_or_default());
        if path.is_file() {
            return Ok(vec![path]);
        }
        let wanted = |name: &str| {
            let name = name.to_ascii_lowercase();
            extensions.iter().any(|extension| name.ends_with(extension))
        };
        let mut files = Vec::new();
        let mut folders = vec![(path, 0)];
        while let Some((folder, depth)) = folders.pop() {
            let entries = std::fs::read_dir(&folder)
                .with_context(|| format!("cannot read the folder {}", folder.display()))?;
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                if kind.is_dir() {
                    if depth < MAX_FOLDER_DEPTH {
                        folders.push((path, depth + 1));
                    }
                } else if kind.is_file()
                    && path
                        .file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(wanted)
                {
                    files.push(path);
                }
            }
        }
        files.sort();
        Ok(files)
    }
}

/// Runs one source's own part: fetching, mapping and delivering.
pub async fn run_kind(run: &mut SourceRun<'_>) -> anyhow::Result<()> {
    match run.config.kind {
        SourceKind::Stix => stix::run(run).await,
        SourceKind::Kev => kev::run(run).await,
        SourceKind::MispFeed => misp_feed::run(run).await,
        SourceKind::Csv | SourceKind::List => list::run(run).await,
        SourceKind::Taxii => taxii::run(run).await,
        SourceKind::Csaf => csaf::run(run).await,
    }
}
