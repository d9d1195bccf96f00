//! `dijkwacht import`: validate inputs and store them, each input all-or-nothing unless
//! `--skip-invalid`, with a progress bar on a terminal and a closing summary.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use dijkwacht_audit::AuditLog;
use dijkwacht_policy::{CommunityId, Scope, UserId};
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::Directory;
use dijkwacht_store::intake::{HandlingDefaults, IntakePolicy};
use dijkwacht_store::{IngestMode, IngestOutcome, Provenance, Store};
use dijkwacht_store_sqlite::SqliteStore;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::ImportArgs;
use crate::commands::problems_found;
use crate::data_dir::DataDir;
use crate::reading::{InputSource, ReadOutcome, expand_inputs, read_bytes, stream_input};

/// Batches of objects validated ahead of the store, at most.
const STREAM_BUFFER: usize = 16;

/// Rejections printed per input before the rest is summarised.
const REJECTIONS_SHOWN_PER_INPUT: usize = 20;

/// What an import did, over all inputs.
#[derive(Debug, Default, Clone)]
pub struct ImportSummary {
    pub inputs: usize,
    pub objects_read: usize,
    pub new_objects: usize,
    pub new_versions: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Inputs stored not at all because of a rejection, or unreadable.
    pub inputs_refused: usize,
    pub elapsed: Duration,
}

pub async fn run(data: &DataDir, options: &ImportArgs) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    let audit = data.audit_log()?;
    let sources = expand_inputs(&options.inputs)?;
    let handling = handling_defaults(&store, options).await?;
    let policy = if options.skip_invalid {
        IntakePolicy::SkipInvalid
    } else {
        IntakePolicy::AllOrNothing
    };
    let summary = import_sources(
        &store,
        &sources,
        policy,
        options.source.as_deref(),
        true,
        Some(&audit),
        handling.as_ref(),
    )
    .await?;
    print_summary(&summary);
    crate::commands::alerts::match_and_tell(&store).await;
    if summary.rejected > 0 || summary.inputs_refused > 0 {
        if options.skip_invalid {
            return Ok(ExitCode::SUCCESS);
        }
        return Ok(problems_found());
    }
    Ok(ExitCode::SUCCESS)
}

/// Imports each source as one batch. Problems with inputs are printed to standard
/// error and counted; only failures of the store itself are errors.
pub async fn import_sources(
    store: &dyn Store,
    sources: &[InputSource],
    policy: IntakePolicy,
    source_name: Option<&str>,
    show_progress: bool,
    audit: Option<&AuditLog>,
    handling: Option<&HandlingDefaults>,
) -> anyhow::Result<ImportSummary> {
    let started = Instant::now();
    let mut summary = ImportSummary::default();
    let progress = progress_bar(show_progress);
    for source in sources {
        summary.inputs += 1;
        let label = source.label();
        progress.set_message(label.clone());
        let bytes = read_bytes(source)?;
        let mode = match policy {
            IntakePolicy::AllOrNothing => IngestMode::AllOrNothing,
            IntakePolicy::SkipInvalid => IngestMode::SkipRejected,
        };
        let provenance =
            Provenance::new(source_name.map_or_else(|| format!("import:{label}"), str::to_owned));
        // Read and validate on other threads while the store writes what passed.
        let (sender, receiver) = tokio::sync::mpsc::channel(STREAM_BUFFER);
        let reader_progress = progress.clone();
        let reader_handling = handling.cloned();
        let reader = tokio::task::spawn_blocking(move || {
            stream_input(&bytes, policy, reader_handling, sender, &mut || {
                reader_progress.inc(1)
            })
        });
        let stored = store.ingest_stream(receiver, mode, provenance).await;
        let streamed = reader
            .await
            .context("reading the input failed unexpectedly")?;
        let report = stored.with_context(|| format!("storing {label} failed"))?;
        let (intake, envelope) = match streamed.outcome {
            ReadOutcome::Unreadable(problem) => {
                progress.suspend(|| eprintln!("{label}: not imported: {problem}"));
                summary.inputs_refused += 1;
                continue;
            }
            ReadOutcome::Read { intake, envelope } => (intake, envelope),
        };
        summary.objects_read += intake.total;
        let mut problems: Vec<String> = envelope.iter().map(ToString::to_string).collect();
        for invalid in &intake.invalid {
            let id = invalid.id.as_deref().unwrap_or("(no id)");
            for finding in &invalid.errors {
                problems.push(format!(
                    "object {} ({id}): {}: {}: {}",
                    invalid.index, finding.rule, finding.path, finding.message
                ));
            }
        }
        summary.rejected += intake.invalid.len();
        for rejection in &report.rejections {
            let index = intake
                .streamed
                .get(rejection.index)
                .copied()
                .unwrap_or(rejection.index);
            problems.push(format!(
                "object {index} ({}): {}",
                rejection.id, rejection.reason
            ));
        }
        summary.rejected += report.rejections.len();
        if report.committed && !streamed.aborted {
            let new_objects = report.count(IngestOutcome::NewObject);
            let new_versions = report.count(IngestOutcome::NewVersion);
            let duplicates = report.count(IngestOutcome::Duplicate);
            summary.new_objects += new_objects;
            summary.new_versions += new_versions;
            summary.duplicates += duplicates;
            if let Some(audit) = audit {
                let mut details = serde_json::Map::new();
                details.insert("new_objects".to_owned(), new_objects.into());
                details.insert("new_versions".to_owned(), new_versions.into());
                details.insert("duplicates".to_owned(), duplicates.into());
                details.insert("rejected".to_owned(), report.rejections.len().into());
                if let Some(handling) = handling {
                    details.insert("as".to_owned(), handling.owner.clone().into());
                    details.insert("tlp_default".to_owned(), handling.tlp.name().into());
                    details.insert("scope".to_owned(), format!("{:?}", handling.scope).into());
                    if let Some(identity) = &handling.attribute_to {
                        // The real author of objects published through a community is
                        // known only here.
                        details.insert("published_through".to_owned(), identity.clone().into());
                    }
                }
                audit
                    .append("operator", "import", Some(&label), details)
                    .context("the import was stored but could not be written to the audit log")?;
            }
            if !problems.is_empty() {
                report_problems(
                    &progress,
                    &label,
                    &problems,
                    "the other objects were stored",
                );
            }
        } else {
            report_problems(
                &progress,
                &label,
                &problems,
                "nothing from this input was stored",
            );
            summary.inputs_refused += 1;
        }
    }
    progress.finish_and_clear();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn report_problems(progress: &ProgressBar, label: &str, problems: &[String], consequence: &str) {
    progress.suspend(|| {
        eprintln!("{label}: {} problem(s); {consequence}:", problems.len());
        for problem in problems.iter().take(REJECTIONS_SHOWN_PER_INPUT) {
            eprintln!("  {problem}");
        }
        if problems.len() > REJECTIONS_SHOWN_PER_INPUT {
            eprintln!(
                "  … and {} more",
                problems.len() - REJECTIONS_SHOWN_PER_INPUT
            );
        }
    });
}

fn progress_bar(show: bool) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} objects ({per_sec}) {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub fn print_summary(summary: &ImportSummary) {
    let seconds = summary.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        summary.objects_read as f64 / seconds
    } else {
        0.0
    };
    println!(
        "imported {} input(s) in {seconds:.2}s ({rate:.0} objects/s): {} read, {} new, {} new versions, {} duplicates, {} rejected{}",
        summary.inputs,
        summary.objects_read,
        summary.new_objects,
        summary.new_versions,
        summary.duplicates,
        summary.rejected,
        if summary.inputs_refused > 0 {
            format!(", {} input(s) not stored", summary.inputs_refused)
        } else {
            String::new()
        }
    );
}

/// Checks `--as`, `--community`, `--public`, `--tlp` and `--recipient` against the
/// directory and turns them into the sharing attributes of what is imported.
async fn handling_defaults(
    store: &SqliteStore,
    options: &ImportArgs,
) -> anyhow::Result<Option<HandlingDefaults>> {
    let Some(owner) = &options.owner else {
        return Ok(None);
    };
    let request = HandlingRequest {
        owner,
        communities: &options.communities,
        through: options.through.as_deref(),
        recipients: &options.recipients,
        tlp: options.tlp.as_deref(),
        public: options.public,
        federated: options.federated,
    };
    handling_for(store, &request).await.map(Some)
}

/// Where objects stored on an organisation's behalf may go, as given on the command line
/// or in a source's configuration.
#[derive(Debug, Clone, Copy)]
pub struct HandlingRequest<'a> {
    pub owner: &'a str,
    pub communities: &'a [String],
    pub through: Option<&'a str>,
    pub recipients: &'a [String],
    pub tlp: Option<&'a str>,
    pub public: bool,
    pub federated: bool,
}

/// Checks a [`HandlingRequest`] against the directory (the owner exists and is a member
/// of every community named) and turns it into sharing attributes.
pub async fn handling_for(
    store: &SqliteStore,
    options: &HandlingRequest<'_>,
) -> anyhow::Result<HandlingDefaults> {
    let owner = options.owner;
    if !store
        .organisations()
        .await?
        .iter()
        .any(|organisation| organisation.name == owner)
    {
        anyhow::bail!("there is no organisation '{owner}'; add it with `dijkwacht org add`");
    }
    let memberships = store.memberships().await?;
    let is_member = |community: &str| {
        memberships.iter().any(|membership| {
            membership.community == community
                && membership.organisation == owner
                && membership.stage.is_member()
        })
    };
    let known = store.communities().await?;
    for community in options.communities {
        if !is_member(community) {
            anyhow::bail!(
                "{owner} is not a member of the community '{community}'; an organisation shares only into communities it takes part in"
            );
        }
    }
    let attribute_to = match options.through {
        None => None,
        Some(community) => {
            if !is_member(community) {
                anyhow::bail!(
                    "{owner} is not a member of the community '{community}'; an organisation publishes only through communities it takes part in"
                );
            }
            let identity = known
                .iter()
                .find(|candidate| candidate.name == *community)
                .map(|candidate| candidate.identity.clone())
                .with_context(|| format!("there is no community '{community}'"))?;
            Some(identity)
        }
    };
    let users = store.users().await?;
    for recipient in options.recipients {
        if !users.iter().any(|user| user.email == *recipient) {
            anyhow::bail!("there is no user '{recipient}' to name as a recipient");
        }
    }
    let tlp = match options.tlp {
        // The strictest default of the communities shared into, else AMBER.
        None => known
            .iter()
            .filter(|community| options.communities.contains(&community.name))
            .map(|community| community.default_tlp)
            .max()
            .unwrap_or(TlpLevel::Amber),
        Some(name) => TlpLevel::from_name(&name.to_ascii_lowercase()).with_context(|| {
            format!("'{name}' is not a TLP level; use clear, green, amber, amber+strict or red")
        })?,
    };
    let communities = options.communities.iter().map(CommunityId::new).collect();
    let scope = if options.public {
        Scope::Public
    } else if options.communities.is_empty() {
        Scope::Organisation
    } else if options.federated {
        Scope::Federated(communities)
    } else {
        Scope::Communities(communities)
    };
    Ok(HandlingDefaults {
        owner: owner.to_owned(),
        scope,
        tlp,
        recipients: options.recipients.iter().map(UserId::new).collect(),
        attribute_to,
    })
}
