//! `dijkwacht match`: a member's sensor logs against the indicators it may use. The
//! indicators (a local STIX file, or a TAXII collection fetched incrementally) are
//! compiled into one bulk index; every event of the logs (Suricata EVE, Zeek, plain JSON
//! lines or STIX observed-data) is checked against all of them at once, candidates are
//! evaluated in full, and the hits become sightings: a table, a STIX bundle, or reports
//! to a Dijkwacht server, where they raise the indicator's sighting count.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use dijkwacht_pattern::bulk::{Hit as IndexHit, IndicatorIndex, IndicatorKey, Validity};
use dijkwacht_pattern::matcher::CompiledPattern;
use dijkwacht_pattern::observation::parse_timestamp_micros;
use dijkwacht_sensor::{Event, EventFormat, ReadReport, read_events};
use dijkwacht_stix::Timestamp;
use serde_json::Value;

use crate::cli::{MatchArgs, MatchEventFormat, MatchOutputFormat};
use crate::matching::{
    ApiToken, Hit, IndicatorSource, SightingSubmitter, SightingTally, SubmitterConfig, TaxiiAuth,
    TaxiiCollection, write_stix_bundle, write_table,
};

/// One indexed indicator: its compiled pattern and its name, for the report.
struct Indexed {
    compiled: CompiledPattern,
    name: Option<String>,
}

/// The indicators as the run uses them.
struct Indicators {
    index: IndicatorIndex,
    by_id: HashMap<String, Indexed>,
    refused: Vec<(String, String)>,
}

pub async fn run(options: &MatchArgs) -> anyhow::Result<ExitCode> {
    let source = indicator_source(options)?;
    let update = source.load().await?;
    for skipped in &update.skipped {
        eprintln!("indicator {} left out: {}", skipped.id, skipped.reason);
    }
    // A TAXII source with a state file fetches only what is new since the last run; the
    // indicators seen before are kept beside the state file.
    let current = match (&options.state, &source) {
        (Some(state), IndicatorSource::Taxii(_)) => merge_with_cache(state, &update)?,
        _ => update.indicators.clone(),
    };
    let indicators = build_index(&current);
    for (id, reason) in &indicators.refused {
        eprintln!("indicator {id} left out: {reason}");
    }
    eprintln!(
        "matching against {} indicator(s) ({} withdrawn, {} left out)",
        indicators.by_id.len(),
        update.withdrawn.len(),
        update.skipped.len() + indicators.refused.len()
    );

    let mut tally = SightingTally::new(crate::matching::record::DEFAULT_EXAMPLE_LINES);
    let format = event_format(options.event_format);
    let mut problems = 0u64;
    let inputs: Vec<&Path> = options.events.iter().map(|path| path.as_path()).collect();
    if inputs.is_empty() || inputs == [Path::new("-")] {
        let stdin = std::io::stdin();
        let report = read_events(stdin.lock(), format, |event| {
            record_hits(&indicators, &event, &mut tally);
        })
        .context("reading events from standard input failed")?;
        problems += report_problems("standard input", &report);
    } else {
        for path in inputs {
            let file = File::open(path)
                .with_context(|| format!("cannot open the events file {}", path.display()))?;
            let report = read_events(BufReader::new(file), format, |event| {
                record_hits(&indicators, &event, &mut tally);
            })
            .with_context(|| format!("reading events from {} failed", path.display()))?;
            problems += report_problems(&path.display().to_string(), &report);
        }
    }
    if tally.is_empty() {
        eprintln!("no indicator was sighted");
    } else {
        eprintln!("{} indicator(s) sighted", tally.len());
    }
    let records = tally.into_records();

    let source_name = options
        .events
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut out: Box<dyn Write> = match &options.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match options.format {
        MatchOutputFormat::Table => write_table(&records, &mut out)?,
        MatchOutputFormat::Stix => write_stix_bundle(
            &records,
            options.identity.as_deref(),
            if source_name.is_empty() {
                "stdin"
            } else {
                &source_name
            },
            &mut out,
        )?,
    }
    out.flush()?;

    let mut failed_submissions = 0usize;
    if let Some(server) = &options.submit {
        let community = options
            .community
            .as_deref()
            .context("--submit needs --community: the community the sightings are shared into")?;
        let token = ApiToken::resolve(options.token.clone())?;
        let mut config = SubmitterConfig::new(server, token, community);
        config.anonymous = options.anonymous;
        let submitter = SightingSubmitter::new(config)?;
        for outcome in submitter.submit_all(&records).await {
            if !outcome.is_stored() {
                failed_submissions += 1;
                eprintln!("not submitted: {outcome:?}");
            }
        }
        eprintln!(
            "submitted {} of {} sighting(s) to {server}",
            records.len() - failed_submissions,
            records.len()
        );
    }
    if let Some(checkpoint) = &update.checkpoint {
        checkpoint.save()?;
    }
    Ok(if failed_submissions > 0 || problems > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The indicators known from earlier runs (kept in `<state>.indicators.jsonl`) with
/// this run's update applied: new versions replace old ones, withdrawn ones go.
fn merge_with_cache(
    state: &Path,
    update: &crate::matching::IndicatorUpdate,
) -> anyhow::Result<Vec<Value>> {
    let cache = state.with_extension("indicators.jsonl");
    let mut by_id: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
    if cache.exists() {
        let text = std::fs::read_to_string(&cache)
            .with_context(|| format!("cannot read the indicator cache {}", cache.display()))?;
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let value: Value = serde_json::from_str(line).with_context(|| {
                format!(
                    "the indicator cache {} is damaged; delete it and the state file to fetch everything again",
                    cache.display()
                )
            })?;
            if let Some(id) = value.get("id").and_then(Value::as_str) {
                by_id.insert(id.to_owned(), value.clone());
            }
        }
    }
    for indicator in &update.indicators {
        if let Some(id) = indicator.get("id").and_then(Value::as_str) {
            by_id.insert(id.to_owned(), indicator.clone());
        }
    }
    for withdrawn in &update.withdrawn {
        if let Some(id) = withdrawn.get("id").and_then(Value::as_str) {
            by_id.remove(id);
        }
    }
    let mut text = String::new();
    for indicator in by_id.values() {
        text.push_str(&indicator.to_string());
        text.push('\n');
    }
    std::fs::write(&cache, text)
        .with_context(|| format!("cannot write the indicator cache {}", cache.display()))?;
    Ok(by_id.into_values().collect())
}

fn indicator_source(options: &MatchArgs) -> anyhow::Result<IndicatorSource> {
    let source = options.indicators.as_str();
    if source.starts_with("http://") || source.starts_with("https://") {
        let auth = match (&options.token, &options.login) {
            (_, Some(login)) => {
                let password = std::env::var("DIJKWACHT_PASSWORD").context(
                    "--login needs the password in the environment variable DIJKWACHT_PASSWORD",
                )?;
                TaxiiAuth::Basic {
                    login: login.clone(),
                    password,
                }
            }
            (Some(token), None) => TaxiiAuth::Token(ApiToken::new(token.clone())?),
            (None, None) => match std::env::var("DIJKWACHT_TOKEN") {
                Ok(token) => TaxiiAuth::Token(ApiToken::new(token)?),
                Err(_) => TaxiiAuth::Anonymous,
            },
        };
        Ok(IndicatorSource::Taxii(TaxiiCollection {
            collection_url: source.to_owned(),
            auth,
            state_file: options.state.clone(),
        }))
    } else {
        Ok(IndicatorSource::LocalBundle(source.into()))
    }
}

/// Compiles every usable indicator and indexes it; what cannot be is left out, named.
fn build_index(indicators: &[Value]) -> Indicators {
    let mut built = Indicators {
        index: IndicatorIndex::new(),
        by_id: HashMap::new(),
        refused: Vec::new(),
    };
    for indicator in indicators {
        let text = |key: &str| indicator.get(key).and_then(Value::as_str);
        let Some(id) = text("id") else {
            continue;
        };
        if text("pattern_type") != Some("stix") {
            built.refused.push((
                id.to_owned(),
                "its pattern is not a STIX pattern (pattern_type)".to_owned(),
            ));
            continue;
        }
        let pattern = match text("pattern").map(dijkwacht_pattern::parse) {
            Some(Ok(pattern)) => pattern,
            Some(Err(error)) => {
                built.refused.push((id.to_owned(), error.to_string()));
                continue;
            }
            None => {
                built
                    .refused
                    .push((id.to_owned(), "it has no pattern".to_owned()));
                continue;
            }
        };
        let compiled = match CompiledPattern::compile(&pattern) {
            Ok(compiled) => compiled,
            Err(error) => {
                built.refused.push((id.to_owned(), error.to_string()));
                continue;
            }
        };
        let validity = Validity {
            valid_from: text("valid_from")
                .and_then(parse_timestamp_micros)
                .unwrap_or(i64::MIN),
            valid_until: text("valid_until").and_then(parse_timestamp_micros),
        };
        if let Err(error) = built
            .index
            .insert(IndicatorKey::new(id), &pattern, validity)
        {
            built.refused.push((id.to_owned(), error.to_string()));
            continue;
        }
        built.by_id.insert(
            id.to_owned(),
            Indexed {
                compiled,
                name: text("name").map(str::to_owned),
            },
        );
    }
    built.index.expire(Timestamp::now().unix_micros());
    built.index.prepare();
    built
}

fn event_format(format: MatchEventFormat) -> EventFormat {
    match format {
        MatchEventFormat::Auto => EventFormat::Auto,
        MatchEventFormat::Eve => EventFormat::SuricataEve,
        MatchEventFormat::Zeek => EventFormat::Zeek,
        MatchEventFormat::Json => EventFormat::PlainJson,
        MatchEventFormat::Stix => EventFormat::Stix,
    }
}

/// Checks one event against the index, evaluates the candidates in full, and tallies
/// the hits.
fn record_hits(indicators: &Indicators, event: &Event<'_>, tally: &mut SightingTally) {
    let mut candidates: Vec<IndexHit> = Vec::new();
    indicators.index.candidates_in(event, &mut candidates);
    for candidate in candidates {
        let Some(indexed) = indicators.by_id.get(candidate.key.as_str()) else {
            continue;
        };
        // The JSON observation is built only now, for the rare event with a candidate.
        if !candidate.exact && !indexed.compiled.matches_one(event.observation()) {
            continue;
        }
        let observation = event.observation();
        tally.add(&Hit {
            indicator_id: candidate.key.as_str().to_owned(),
            indicator_name: indexed.name.clone(),
            observed_data_id: observation.id.clone(),
            first_seen: observation.first_observed,
            last_seen: observation.last_observed,
            count: observation.number_observed,
            line: Some(event.line),
        });
    }
}

/// Prints what could not be read, with line numbers; returns how many lines were bad
/// (malformed, too long, unusable STIX). Lines of event types that carry nothing to
/// match (Suricata `stats`, say) are skipped and counted, not held against the input.
fn report_problems(input: &str, report: &ReadReport) -> u64 {
    for problem in &report.problems {
        eprintln!("{input}:{}: {:?}", problem.line, problem.kind);
    }
    let listed = report.problems.len() as u64;
    if report.problem_count() > listed {
        eprintln!(
            "{input}: {} more line(s) were skipped",
            report.problem_count() - listed
        );
    }
    eprintln!(
        "{input}: {} event(s) from {} line(s)",
        report.events, report.lines
    );
    report.malformed + report.too_long + report.invalid_stix
}
