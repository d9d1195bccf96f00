//! `dijkwacht source add|list|run|status|remove`: the fusion center's sources for
//! operators. Sources live in `dijkwacht.toml` in the data folder (which an operator
//! may also edit by hand); their progress and health in `sources/<name>.json`; what
//! members said of their alerts in the store, from which `status` shows the letter
//! scoring uses (`dijkwacht_fusion::scoring::feedback`) and why, so an operator sees
//! a source losing trust before deciding to re-rate or drop it.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use dijkwacht_fusion::config::{
    AuthConfig, FusionConfig, Interval, Reliability, SourceConfig, SourceKind,
};
use dijkwacht_fusion::scoring::FeedbackCounts;
use dijkwacht_server::source_feedback::FeedbackBySource;
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_store::alerts::Alerts;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{OutputFormat, SourceAddArgs, SourceCommand};
use crate::commands::problems_found;
use crate::data_dir::DataDir;
use crate::fusion::fetch::FetchLimits;
use crate::fusion::state::StateFolder;
use crate::fusion::{load_config, run_source, save_config};

pub async fn run(data: &DataDir, command: SourceCommand) -> anyhow::Result<ExitCode> {
    match command {
        SourceCommand::Add(options) => add(data, &options),
        SourceCommand::List => list(data),
        SourceCommand::Run { names } => run_sources(data, &names).await,
        SourceCommand::Status { format } => status(data, format).await,
        SourceCommand::Remove { name } => remove(data, &name),
    }
}

fn add(data: &DataDir, options: &SourceAddArgs) -> anyhow::Result<ExitCode> {
    let mut config = load_config(data.root())?;
    if config.source(&options.name).is_some() {
        bail!(
            "there is already a source `{}`; remove it first or edit {}",
            options.name,
            crate::fusion::config_path(data.root()).display()
        );
    }
    let kind = SourceKind::from_name(&options.kind).with_context(|| {
        let kinds: Vec<&str> = SourceKind::ALL.iter().map(|kind| kind.name()).collect();
        format!(
            "`{}` is no source kind; use one of {}",
            options.kind,
            kinds.join(", ")
        )
    })?;
    let reliability = Reliability::from_letter(&options.reliability).with_context(|| {
        format!(
            "`{}` is no reliability; use a letter from A (completely reliable) to F (cannot be judged)",
            options.reliability
        )
    })?;
    let every = options
        .every
        .as_deref()
        .map(Interval::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let auth = match (&options.user, &options.password_env, &options.token_env) {
        (Some(username), Some(password_env), _) => Some(AuthConfig::Basic {
            username: username.clone(),
            password_env: password_env.clone(),
        }),
        (_, _, Some(token_env)) => Some(AuthConfig::Bearer {
            token_env: token_env.clone(),
        }),
        _ => None,
    };
    if let Some(organisation) = &options.organisation {
        config.organisation = Some(organisation.clone());
    }
    if !options.communities.is_empty() && config.organisation.is_none() {
        bail!(
            "sharing into a community needs the organisation the fusion center shares as; give it once with --as <organisation>"
        );
    }
    let source = SourceConfig {
        name: options.name.clone(),
        kind,
        url: options.url.clone(),
        path: options.path.clone(),
        every,
        reliability,
        communities: options.communities.clone(),
        tlp: options.tlp.clone(),
        auth,
        list: Default::default(),
        enabled: true,
        routes: Vec::new(),
    };
    source.check()?;
    config.sources.push(source);
    save_config(data.root(), &config)?;
    println!(
        "added source `{}` ({kind}, {}) to {}",
        options.name,
        config.sources.last().map_or("", SourceConfig::location),
        crate::fusion::config_path(data.root()).display()
    );
    Ok(ExitCode::SUCCESS)
}

fn list(data: &DataDir) -> anyhow::Result<ExitCode> {
    let config = load_config(data.root())?;
    if config.sources.is_empty() {
        println!("no sources; add one with `dijkwacht source add`");
        return Ok(ExitCode::SUCCESS);
    }
    for source in &config.sources {
        let every = source
            .every
            .map_or_else(|| "by hand".to_owned(), |every| format!("every {every}"));
        let route = if source.communities.is_empty() {
            "organisation only".to_owned()
        } else {
            source.communities.join(", ")
        };
        let rules = match source.routes.len() {
            0 => String::new(),
            count => format!(", and {count} routing rule(s)"),
        };
        println!(
            "{}{}  {}  {}  reliability {}  {}  → {}{}{rules}",
            source.name,
            if source.enabled { "" } else { " (off)" },
            source.kind,
            source.location(),
            source.reliability.letter(),
            every,
            route,
            source
                .tlp
                .as_deref()
                .map(|tlp| format!(" (TLP:{})", tlp.to_ascii_uppercase()))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The sources a run covers: those named, or every enabled one.
fn chosen<'a>(config: &'a FusionConfig, names: &[String]) -> anyhow::Result<Vec<&'a SourceConfig>> {
    if names.is_empty() {
        return Ok(config
            .sources
            .iter()
            .filter(|source| source.enabled)
            .collect());
    }
    names
        .iter()
        .map(|name| {
            config.source(name).with_context(|| {
                format!("there is no source `{name}`; see `dijkwacht source list`")
            })
        })
        .collect()
}

async fn run_sources(data: &DataDir, names: &[String]) -> anyhow::Result<ExitCode> {
    let config = load_config(data.root())?;
    let store = data.open()?;
    let sources = chosen(&config, names)?;
    if sources.is_empty() {
        println!("no sources to run; add one with `dijkwacht source add`");
        return Ok(ExitCode::SUCCESS);
    }
    let mut failed = 0;
    for source in sources {
        let spinner = progress(&source.name);
        let report = run_source(
            data.root(),
            &store,
            &config,
            source,
            FetchLimits::default(),
            Some(spinner.clone()),
        )
        .await?;
        spinner.finish_and_clear();
        println!(
            "{} ({}, {:.1} s):",
            source.name,
            source.kind,
            Duration::from_millis(report.elapsed_ms).as_secs_f64()
        );
        for line in report.summary_lines() {
            println!("  {line}");
        }
        for problem in &report.problems {
            eprintln!("  {problem}");
        }
        if report.problem_count > report.problems.len() as u64 {
            eprintln!(
                "  … and {} more problem(s)",
                report.problem_count - report.problems.len() as u64
            );
        }
        if report.error.is_some() {
            failed += 1;
        }
    }
    crate::commands::alerts::match_and_tell(&store).await;
    if failed > 0 {
        eprintln!("{failed} source(s) stopped early; what they stored before stays stored");
        return Ok(problems_found());
    }
    Ok(ExitCode::SUCCESS)
}

fn progress(name: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        spinner.set_style(style);
    }
    spinner.set_message(format!("running {name}"));
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// How long ago an RFC 3339 time was, in words.
fn ago(time: &str) -> String {
    let Ok(then) = Timestamp::parse(time) else {
        return time.to_owned();
    };
    let seconds = (Timestamp::now().unix_micros() - then.unix_micros()).max(0) / 1_000_000;
    match seconds {
        0..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// What members said of each source's alerts; none before there is a store.
async fn feedback_of_sources(data: &DataDir) -> anyhow::Result<FeedbackBySource> {
    if !data.store_path().exists() {
        return Ok(FeedbackBySource::none());
    }
    let tally = data
        .open()?
        .feedback_by_source()
        .await
        .context("cannot read the feedback on each source's alerts")?;
    Ok(FeedbackBySource::from_tally(&tally))
}

fn alerts_json(counts: &FeedbackCounts) -> serde_json::Value {
    json!({
        "total": counts.alerts(),
        "new": counts.new,
        "acknowledged": counts.acknowledged,
        "resolved": counts.resolved,
        "not_relevant": counts.not_relevant,
        "false_positive": counts.false_positive,
    })
}

async fn status(data: &DataDir, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let config = load_config(data.root())?;
    let model = config.scoring_model()?;
    let feedback = feedback_of_sources(data).await?;
    let states = StateFolder::new(data.root());
    let mut rows = Vec::new();
    for source in &config.sources {
        let state = states.load(&source.name)?;
        let healthy = state.is_healthy();
        let trust = feedback.effective(&model, &source.name, source.reliability);
        rows.push((source, state, healthy, trust));
    }
    if format == OutputFormat::Json {
        let sources: Vec<_> = rows
            .iter()
            .map(|(source, state, healthy, trust)| {
                json!({
                    "name": source.name,
                    "kind": source.kind.name(),
                    "enabled": source.enabled,
                    "healthy": healthy,
                    "last_started": state.last_started,
                    "last_success": state.last_success,
                    "last_error": state.last_error,
                    "last_error_at": state.last_error_at,
                    "last_report": state.last_report,
                    "alerts": alerts_json(&trust.counts),
                    "reliability": trust.stated.letter().to_string(),
                    "effective_reliability": trust.effective.letter().to_string(),
                    "reliability_reason": trust.to_string(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "sources": sources }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no sources; add one with `dijkwacht source add`");
    }
    for (source, state, healthy, trust) in &rows {
        let health = match (&state.last_success, healthy) {
            (None, _) if state.last_error.is_none() => "never run".to_owned(),
            (_, true) => "ok".to_owned(),
            _ => "FAILING".to_owned(),
        };
        println!("{}  {}  {health}", source.name, source.kind);
        if let Some(success) = &state.last_success {
            println!("  last success {} ({success})", ago(success));
        }
        if let (Some(error), Some(at)) = (&state.last_error, &state.last_error_at) {
            println!("  last error {} ({at}): {error}", ago(at));
        }
        if let Some(report) = &state.last_report {
            println!(
                "  last run: {} object(s), {} new, {} updated, {} duplicate(s), {} problem(s)",
                report.objects,
                report.new_objects,
                report.new_versions,
                report.duplicates,
                report.problem_count
            );
        }
        let counts = &trust.counts;
        if counts.alerts() > 0 {
            println!(
                "  alerts {}: {} new, {} acknowledged, {} resolved, {} not relevant, {} false positive",
                counts.alerts(),
                counts.new,
                counts.acknowledged,
                counts.resolved,
                counts.not_relevant,
                counts.false_positive
            );
        }
        if trust.differs() {
            println!(
                "  reliability {}, scored as {}: {trust}",
                trust.stated.letter(),
                trust.effective.letter()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(data: &DataDir, name: &str) -> anyhow::Result<ExitCode> {
    let mut config = load_config(data.root())?;
    let before = config.sources.len();
    config.sources.retain(|source| source.name != name);
    if config.sources.len() == before {
        bail!("there is no source `{name}`");
    }
    save_config(data.root(), &config)?;
    StateFolder::new(data.root()).remove(name)?;
    println!("removed source `{name}`; what it stored stays in the store");
    Ok(ExitCode::SUCCESS)
}
