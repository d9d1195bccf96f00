//! Finding and reading inputs for `validate` and `import`: files, folders searched for
//! `.json`/`.jsonl`/`.ndjson` files, and standard input; each input read into an
//! [`Intake`] of validated objects.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use dijkwacht_stix::diagnostic::Diagnostic;
use dijkwacht_stix::input::{InputLimits, InputShape, read_objects};
use dijkwacht_store::intake::{Intake, IntakeBuilder, check_bundle_envelope};

/// One input: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    File(PathBuf),
    StandardInput,
}

impl InputSource {
    pub fn label(&self) -> String {
        match self {
            InputSource::File(path) => path.display().to_string(),
            InputSource::StandardInput => "standard input".to_owned(),
        }
    }
}

/// Expands the command line's paths: folders are searched recursively, in name order.
pub fn expand_inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<InputSource>> {
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(InputSource::StandardInput);
        } else if path.is_dir() {
            let mut found = Vec::new();
            collect_json_files(path, &mut found)
                .with_context(|| format!("cannot read the folder {}", path.display()))?;
            found.sort();
            sources.extend(found.into_iter().map(InputSource::File));
        } else if path.exists() {
            sources.push(InputSource::File(path.clone()));
        } else {
            anyhow::bail!("{} does not exist", path.display());
        }
    }
    Ok(sources)
}

fn collect_json_files(folder: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_json_files(&path, found)?;
        } else if matches!(
            path.extension().and_then(|extension| extension.to_str()),
            Some("json" | "jsonl" | "ndjson")
        ) {
            found.push(path);
        }
    }
    Ok(())
}

/// Reads all bytes of an input.
pub fn read_bytes(source: &InputSource) -> anyhow::Result<Vec<u8>> {
    match source {
        InputSource::File(path) => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        }
        InputSource::StandardInput => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            Ok(bytes)
        }
    }
}

/// What reading one input gave.
#[derive(Debug)]
pub enum ReadOutcome {
    /// The input was well-formed; its objects have been validated.
    Read {
        intake: Intake,
        /// Problems with the bundle envelope itself.
        envelope: Vec<Diagnostic>,
    },
    /// The input is not readable as STIX JSON at all; nothing from it may be stored.
    Unreadable(String),
}

/// What to do with each valid object read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Only judge it (`validate`).
    Validate,
    /// Prepare it for storage (`import`).
    Store,
}

/// Parses and validates one input held in memory. `on_object` is called after each
/// object (for progress).
pub fn read_input(
    bytes: &[u8],
    purpose: Purpose,
    keep_warnings: bool,
    on_object: &mut dyn FnMut(),
) -> ReadOutcome {
    let mut builder = IntakeBuilder::new().keep_warnings(keep_warnings);
    if purpose == Purpose::Validate {
        builder = builder.validate_only();
    }
    let mut sink = |index: usize, value: serde_json::Value| -> Result<(), String> {
        builder.push(index, value);
        on_object();
        Ok(())
    };
    match read_objects(bytes, InputLimits::default(), &mut sink) {
        Ok(shape) => {
            let envelope = match &shape {
                InputShape::Bundle { id } => check_bundle_envelope(id.as_deref()),
                _ => Vec::new(),
            };
            ReadOutcome::Read {
                intake: builder.finish(),
                envelope,
            }
        }
        Err(error) => ReadOutcome::Unreadable(error.to_string()),
    }
}
