//! `dijkwacht export`: stored objects, read page by page (through the sharing policy
//! with `--visible-to`), written by `dijkwacht-export` as a STIX bundle, a MISP feed
//! folder, CSV or a blocklist. Every export is audited: who read it, in which format,
//! how many objects went out, which of them were AMBER or stricter, and what was
//! skipped (TLP:RED above all).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use dijkwacht_export::blocklist::{BlocklistBuilder, BlocklistKind};
use dijkwacht_export::bundle::BundleWriter;
use dijkwacht_export::csv_table::CsvWriter;
use dijkwacht_export::misp::{MispFeedOptions, build_misp_feed, write_misp_feed};
use dijkwacht_export::{ExportReport, IndicatorFilter};
use dijkwacht_policy::{Action, Caller, Member, OrgId, UserId, visibility_filter};
use dijkwacht_server::fusion_view::decayed_among;
use dijkwacht_server::source_feedback::FeedbackBySource;
use dijkwacht_stix::Timestamp;
use dijkwacht_store::directory::Directory;
use dijkwacht_store::{ObjectQuery, Store, StoredObject, VersionSelection};

use crate::cli::{BlocklistKindArg, ExportArgs, ExportFormat};
use crate::data_dir::DataDir;

const PAGE_SIZE: usize = 5_000;

/// What to write, checked against the flags that only some formats take.
enum Target {
    Stix,
    Csv,
    Blocklist(BlocklistKind),
    MispFeed(PathBuf),
}

impl Target {
    fn resolve(options: &ExportArgs) -> anyhow::Result<Target> {
        let format = options.format;
        if options.kind.is_some() && format != ExportFormat::Blocklist {
            anyhow::bail!("--kind is for --format blocklist; drop it or add --format blocklist");
        }
        if options.feed_name.is_some() && format != ExportFormat::MispFeed {
            anyhow::bail!(
                "--feed-name is for --format misp-feed; drop it or add --format misp-feed"
            );
        }
        if options.all_versions && format != ExportFormat::Stix {
            anyhow::bail!(
                "--all-versions is for --format stix; the other formats take the newest version of each object"
            );
        }
        if format == ExportFormat::Stix && (options.min_confidence.is_some() || options.valid_only)
        {
            anyhow::bail!(
                "--min-confidence and --valid-only filter indicators for csv, blocklist and misp-feed; a STIX bundle holds every object"
            );
        }
        Ok(match format {
            ExportFormat::Stix => Target::Stix,
            ExportFormat::Csv => Target::Csv,
            ExportFormat::Blocklist => Target::Blocklist(match options.kind {
                Some(BlocklistKindArg::Ip) => BlocklistKind::Ip,
                Some(BlocklistKindArg::Cidr) => BlocklistKind::Cidr,
                Some(BlocklistKindArg::Domain) => BlocklistKind::Domain,
                Some(BlocklistKindArg::Url) => BlocklistKind::Url,
                None => anyhow::bail!("--format blocklist needs --kind ip, cidr, domain or url"),
            }),
            ExportFormat::MispFeed => match &options.output {
                Some(folder) => Target::MispFeed(folder.clone()),
                None => anyhow::bail!("--format misp-feed writes a folder; name it with -o DIR"),
            },
        })
    }
}

pub async fn run(data: &DataDir, options: &ExportArgs) -> anyhow::Result<ExitCode> {
    let target = Target::resolve(options)?;
    let filter = IndicatorFilter {
        min_confidence: options.min_confidence,
        only_valid_at: options.valid_only.then(Timestamp::now),
    };
    let added_after = match &options.added_after {
        Some(text) => Some(
            Timestamp::parse(text)
                .map_err(|problem| anyhow::anyhow!("--added-after '{text}' is not a timestamp: {problem}; write e.g. 2026-01-31T00:00:00Z"))?
                .unix_micros(),
        ),
        None => None,
    };
    let store = data.open()?;
    let audit = data.audit_log()?;
    let caller = match &options.visible_to {
        None => None,
        Some(email) => {
            let users = store.users().await?;
            let Some(user) = users.into_iter().find(|user| user.email == *email) else {
                anyhow::bail!("there is no user '{email}'");
            };
            let reach = store.reach(&user.organisation).await?;
            let caller = Caller::Member(Member {
                user: UserId::new(user.email.clone()),
                organisation: OrgId::new(user.organisation.clone()),
                role: user.role,
                reach,
                token: None,
            });
            Some(caller)
        }
    };
    // Sightings count towards a score as the reader may see them.
    let sightings = caller
        .as_ref()
        .map(|caller| visibility_filter(caller, Action::Read));
    let visibility = caller
        .as_ref()
        .map(|caller| visibility_filter(caller, Action::Export));
    let query = ObjectQuery {
        visibility,
        types: options.types.clone(),
        versions: if options.all_versions {
            VersionSelection::All
        } else {
            VersionSelection::Last
        },
        added_after,
        limit: PAGE_SIZE,
        ..ObjectQuery::default()
    };
    let output = options.output.as_deref();
    let (report, format_details) = match &target {
        Target::Stix => {
            let mut writer = BundleWriter::new(open_output(output)?)?;
            for_each_page(&store, query, async |page| Ok(writer.write_page(page)?)).await?;
            (writer.finish()?.1, serde_json::Map::new())
        }
        Target::Csv => {
            let mut writer = CsvWriter::new(open_output(output)?, filter)?;
            for_each_page(&store, query, async |page| Ok(writer.write_page(page)?)).await?;
            let (_, report, rows) = writer.finish()?;
            (report, details([("rows", rows.into())]))
        }
        Target::Blocklist(kind) => {
            let mut builder = BlocklistBuilder::new(filter);
            let scoring = crate::fusion::load_config(data.root())?.scoring_model()?;
            let now = Timestamp::now();
            // Members' feedback moves the sources' letters; read once for the export.
            let feedback = FeedbackBySource::read(&store, &scoring)
                .await
                .context("reading the feedback on each source's alerts failed")?;
            let store_ref: &dyn Store = &store;
            for_each_page(store_ref, query, async |page| {
                // Indicators the fusion center scores leave blocklists once decayed.
                let decayed =
                    decayed_among(store_ref, &scoring, &feedback, page, sightings.clone(), now)
                        .await
                        .context("scoring indicators failed")?;
                builder.exclude_decayed(decayed);
                builder.add_page(page);
                Ok(())
            })
            .await?;
            let (lists, report) = builder.finish();
            let lines = lists.write(*kind, open_output(output)?)?;
            let more = [
                ("kind", kind.name().into()),
                ("lines", lines.into()),
                ("invalid_values", report.invalid_values.into()),
            ];
            (report.export, details(more))
        }
        Target::MispFeed(folder) => {
            let mut objects = Vec::new();
            for_each_page(&store, query, async |page| {
                objects.extend_from_slice(page);
                Ok(())
            })
            .await?;
            let misp_options = MispFeedOptions {
                filter,
                ..MispFeedOptions::new(options.feed_name.as_deref().unwrap_or("dijkwacht"))
            };
            let (feed, report) = build_misp_feed(&objects, &misp_options);
            write_misp_feed(&feed, folder)
                .with_context(|| format!("cannot write the MISP feed into {}", folder.display()))?;
            let more = [
                ("events", report.events.into()),
                ("attributes", report.attributes.into()),
            ];
            (report.export, details(more))
        }
    };
    // Reads of AMBER and stricter are audited, with who read them.
    let actor = options.visible_to.as_deref().unwrap_or("operator");
    let mut audit_details = format_details;
    audit_details.insert("format".to_owned(), format_name(options.format).into());
    audit_details.insert("objects".to_owned(), report.objects_written.into());
    audit_details.insert(
        "amber_or_stricter".to_owned(),
        report.amber_or_stricter.clone().into(),
    );
    audit_details.insert(
        "skipped".to_owned(),
        serde_json::to_value(&report.skipped).context("the export report is JSON")?,
    );
    audit.append(actor, "export", None, audit_details)?;
    eprintln!(
        "exported {} object(s){}",
        report.objects_written,
        skipped_summary(&report)
    );
    Ok(ExitCode::SUCCESS)
}

/// Hands every page of the query's result to `take`, in `date_added` order.
async fn for_each_page(
    store: &dyn Store,
    mut query: ObjectQuery,
    mut take: impl AsyncFnMut(&[StoredObject]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    loop {
        let page = store
            .query(query.clone())
            .await
            .context("reading from the store failed")?;
        take(&page.objects).await?;
        match (page.more, page.objects.last()) {
            (true, Some(last)) => query.added_after = Some(last.date_added),
            _ => return Ok(()),
        }
    }
}

fn open_output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(BufWriter::new(std::fs::File::create(path).with_context(
            || {
                format!(
                    "cannot create {}; check that its folder exists and is writable",
                    path.display()
                )
            },
        )?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

fn details<const N: usize>(
    entries: [(&str, serde_json::Value); N],
) -> serde_json::Map<String, serde_json::Value> {
    entries
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

fn format_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Stix => "stix",
        ExportFormat::MispFeed => "misp-feed",
        ExportFormat::Csv => "csv",
        ExportFormat::Blocklist => "blocklist",
    }
}

/// `; skipped: tlp-red 1, expired 2`, or nothing when nothing was skipped.
fn skipped_summary(report: &ExportReport) -> String {
    if report.skipped.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = report
        .skipped
        .iter()
        .map(|(reason, count)| format!("{} {count}", reason.name()))
        .collect();
    format!("; skipped: {}", parts.join(", "))
}
