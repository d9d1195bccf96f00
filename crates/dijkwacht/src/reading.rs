//! Finding and reading inputs for `validate` and `import`: files, folders searched for
//! `.json`/`.jsonl`/`.ndjson` files, and standard input; each input read into an
//! [`Intake`] of validated objects.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use dijkwacht_stix::diagnostic::Diagnostic;
use dijkwacht_stix::input::{InputLimits, InputShape, read_objects};
use dijkwacht_store::intake::{
    HandlingDefaults, Intake, IntakeBuilder, IntakePolicy, check_bundle_envelope,
};
use dijkwacht_store::{IngestItem, PreparedObject};

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

/// Objects handed from the parsing thread to the validating thread at a time.
const BATCH: usize = 256;

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
    run_pipeline(bytes, builder, on_object, KeepAll).0
}

/// What [`stream_input`] decided about one input.
#[derive(Debug)]
pub struct StreamOutcome {
    pub outcome: ReadOutcome,
    /// Whether the store was told to drop what it received.
    pub aborted: bool,
}

/// Like [`read_input`], but hands each accepted object to `sender` as soon as it is
/// validated, so that the store writes while the rest is read. The store is told to
/// abort when the input turns out unreadable, its envelope is wrong, or (all-or-nothing)
/// an object is invalid; otherwise the batch ends when `sender` is dropped.
pub fn stream_input(
    bytes: &[u8],
    policy: IntakePolicy,
    handling: Option<HandlingDefaults>,
    sender: tokio::sync::mpsc::Sender<IngestItem>,
    on_object: &mut dyn FnMut(),
) -> StreamOutcome {
    let forward = Forward {
        sender,
        policy,
        aborted: false,
        pending: Vec::with_capacity(BATCH),
    };
    let (outcome, mut forward) = run_pipeline(
        bytes,
        IntakeBuilder::new().streaming().with_handling(handling),
        on_object,
        forward,
    );
    let refuse = match &outcome {
        ReadOutcome::Unreadable(_) => true,
        ReadOutcome::Read { envelope, .. } => !envelope.is_empty(),
    };
    if refuse {
        forward.abort();
    } else {
        forward.flush();
    }
    StreamOutcome {
        outcome,
        aborted: forward.aborted,
    }
}

/// What the validating thread does with each object after judging it.
trait AfterValidation: Send {
    fn after(&mut self, builder: &IntakeBuilder, accepted: Option<PreparedObject>);
}

/// Keep everything in the intake ([`read_input`]).
struct KeepAll;

impl AfterValidation for KeepAll {
    fn after(&mut self, _: &IntakeBuilder, _: Option<PreparedObject>) {}
}

/// Send accepted objects on to the store ([`stream_input`]), a few hundred at a time.
struct Forward {
    sender: tokio::sync::mpsc::Sender<IngestItem>,
    policy: IntakePolicy,
    aborted: bool,
    pending: Vec<PreparedObject>,
}

impl Forward {
    /// Sends what is pending (unless the batch was aborted).
    fn flush(&mut self) {
        if self.aborted || self.pending.is_empty() {
            return;
        }
        let objects = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        if self
            .sender
            .blocking_send(IngestItem::Objects(objects))
            .is_err()
        {
            self.aborted = true;
        }
    }

    fn abort(&mut self) {
        if !self.aborted {
            self.aborted = true;
            // A closed store has failed already; the caller hears that from it.
            let _ = self.sender.blocking_send(IngestItem::Abort);
        }
    }
}

impl AfterValidation for Forward {
    fn after(&mut self, builder: &IntakeBuilder, accepted: Option<PreparedObject>) {
        if self.aborted {
            return;
        }
        if self.policy == IntakePolicy::AllOrNothing && builder.has_invalid() {
            self.abort();
            return;
        }
        if let Some(object) = accepted {
            self.pending.push(object);
            if self.pending.len() == BATCH {
                self.flush();
            }
        }
    }
}

/// Parsing and validation on two threads: this one reads objects out of the JSON and
/// hands them over in batches, in order, to a second that validates and prepares them
/// and passes each to `after`. On a two-core machine that nearly halves the time of a
/// large input.
fn run_pipeline<A: AfterValidation>(
    bytes: &[u8],
    builder: IntakeBuilder,
    on_object: &mut dyn FnMut(),
    after: A,
) -> (ReadOutcome, A) {
    std::thread::scope(|scope| {
        let (batches, receiver) =
            std::sync::mpsc::sync_channel::<Vec<(usize, serde_json::Value)>>(8);
        let validator = scope.spawn(move || {
            let mut builder = builder;
            let mut after = after;
            for batch in receiver {
                for (index, value) in batch {
                    let accepted = builder.push(index, value);
                    after.after(&builder, accepted);
                }
            }
            (builder, after)
        });
        let mut batch = Vec::with_capacity(BATCH);
        let mut sink = |index: usize, value: serde_json::Value| -> Result<(), String> {
            batch.push((index, value));
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                batches
                    .send(full)
                    .map_err(|_| "the validating thread stopped".to_owned())?;
            }
            on_object();
            Ok(())
        };
        let result = read_objects(bytes, InputLimits::default(), &mut sink);
        if !batch.is_empty() {
            // A failed send means the validator is gone; its join reports why.
            let _ = batches.send(batch);
        }
        drop(batches);
        let (builder, after) = match validator.join() {
            Ok(parts) => parts,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let outcome = match result {
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
        };
        (outcome, after)
    })
}
