//! Turns sensor logs into observations. Members run Suricata and Zeek (the CRISP model:
//! sensors at the members, findings matched centrally); to match their logs against
//! indicators, each log line must become what patterns are matched against — an
//! [`Observation`], the same shape a STIX `observed-data` gives. This crate reads:
//! - Suricata EVE JSON ([`eve`]): `dns`, `http`, `tls`, `flow`, `fileinfo`, `alert`;
//! - Zeek JSON logs ([`zeek`]): `conn`, `dns`, `http`, `ssl`, `files`;
//! - plain JSON lines with common field names (`src_ip`, `domain`, `url`, `sha256`…);
//! - STIX: a bundle, or JSON lines of objects, with `observed-data`.
//!
//! [`read_events`] streams: one line at a time, each line bounded
//! ([`MAX_LINE_BYTES`]), every event handed to a sink at once. A bad line — not JSON,
//! too long, an unknown event type — is counted and located in the [`ReadReport`] and
//! the read goes on; only a failing input stops it.
//!
//! Invariant: no storage, no HTTP, no matching; what to do with the observations is
//! the caller's (the bulk index of `dijkwacht-pattern` is the usual next step).

mod builder;
pub mod eve;
mod lines;
mod plain;
mod report;
mod stix;
mod time;
pub mod zeek;

use std::io::{BufRead, Read};

use dijkwacht_pattern::Observation;
use serde_json::Value;

pub use self::eve::EveEventType;
use self::lines::{Line, read_bounded_line};
pub use self::report::{LineProblem, MAX_PROBLEMS_KEPT, ProblemKind, ReadReport, SensorError};
use self::stix::StixContext;
pub use self::zeek::ZeekLog;

/// The longest line read; longer lines are skipped and reported.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The largest STIX document spread over several lines (a pretty-printed bundle).
pub const MAX_STIX_DOCUMENT_BYTES: u64 = 256 << 20;

/// The format of a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFormat {
    /// Decided per line: `event_type` is EVE, `id.orig_h`/`_path`/`fuid` Zeek,
    /// `observed-data`/`bundle`/`spec_version`
    /// STIX, anything else plain JSON.
    Auto,
    SuricataEve,
    Zeek,
    PlainJson,
    Stix,
}

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventSource {
    Suricata(EveEventType),
    Zeek(ZeekLog),
    PlainJson,
    Stix,
}

/// One line's observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// 1-based line of the input (for a multi-line STIX document, its first line).
    pub line: u64,
    pub source: EventSource,
    pub observation: Observation,
}

/// Reads `reader` to its end in `format`, handing each event to `sink`.
pub fn read_events(
    reader: impl BufRead,
    format: EventFormat,
    sink: impl FnMut(Event),
) -> Result<ReadReport, SensorError> {
    read_events_with_limit(reader, format, MAX_LINE_BYTES, sink)
}

/// [`read_events`] with another line limit.
pub fn read_events_with_limit(
    mut reader: impl BufRead,
    format: EventFormat,
    line_limit: usize,
    mut sink: impl FnMut(Event),
) -> Result<ReadReport, SensorError> {
    let mut report = ReadReport::default();
    let mut buffer = Vec::with_capacity(4096);
    let mut stix = StixContext::default();
    let mut seen_content = false;
    loop {
        let line = read_bounded_line(&mut reader, &mut buffer, line_limit).map_err(|source| {
            SensorError::Io {
                line: report.lines,
                source,
            }
        })?;
        let Some(line) = line else { break };
        report.lines += 1;
        let number = report.lines;
        if let Line::TooLong(bytes) = line {
            report.problem(number, ProblemKind::TooLong { bytes });
            continue;
        }
        let content = buffer.trim_ascii();
        if content.is_empty() {
            continue;
        }
        let first_content = !seen_content;
        seen_content = true;
        if first_content && starts_multi_line_document(format, content) {
            read_stix_document(&mut reader, &mut buffer, number, &mut report, &mut sink)?;
            break;
        }
        let mut events = 0;
        let mut emit = |source: EventSource, observation: Observation| {
            events += 1;
            sink(Event {
                line: number,
                source,
                observation,
            });
        };
        let outcome = read_line(content, format, &mut stix, &mut emit);
        report.events += events;
        if let Err(problem) = outcome {
            report.problem(number, problem);
        }
    }
    Ok(report)
}

/// Whether the input is one JSON document over several lines: its first line opens a
/// STIX object but is not JSON by itself.
fn starts_multi_line_document(format: EventFormat, first_line: &[u8]) -> bool {
    matches!(format, EventFormat::Stix | EventFormat::Auto)
        && first_line.starts_with(b"{")
        && serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_err()
}

fn read_stix_document(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    line: u64,
    report: &mut ReadReport,
    sink: &mut impl FnMut(Event),
) -> Result<(), SensorError> {
    buffer.push(b'\n');
    let mut limited = reader.take(MAX_STIX_DOCUMENT_BYTES);
    limited
        .read_to_end(buffer)
        .map_err(|source| SensorError::Io { line, source })?;
    report.lines += bytecount_newlines(buffer).saturating_sub(1);
    let value: Value = match serde_json::from_slice(buffer) {
        Ok(value) => value,
        Err(error) => {
            report.problem(line, ProblemKind::Malformed(error.to_string()));
            return Ok(());
        }
    };
    let mut events = 0;
    let result = StixContext::default().read_value(value, &mut |observation| {
        events += 1;
        sink(Event {
            line,
            source: EventSource::Stix,
            observation,
        });
    });
    report.events += events;
    if let Err(problem) = result {
        report.problem(line, problem);
    }
    Ok(())
}

fn bytecount_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// The format of one line, by the field names it carries.
fn detect(line: &[u8]) -> EventFormat {
    let has = |needle: &[u8]| memchr::memmem::find(line, needle).is_some();
    if has(b"\"event_type\"") {
        EventFormat::SuricataEve
    } else if has(b"\"id.orig_h\"") || has(b"\"_path\"") || has(b"\"fuid\"") {
        EventFormat::Zeek
    } else if has(b"\"observed-data\"") || has(b"\"bundle\"") || has(b"\"spec_version\"") {
        EventFormat::Stix
    } else {
        EventFormat::PlainJson
    }
}

/// Hands the events of one line to `emit`.
fn read_line(
    line: &[u8],
    format: EventFormat,
    stix: &mut StixContext,
    emit: &mut dyn FnMut(EventSource, Observation),
) -> Result<(), ProblemKind> {
    let format = match format {
        EventFormat::Auto => detect(line),
        other => other,
    };
    match format {
        EventFormat::SuricataEve => {
            let (event_type, observation) = eve::read_eve_line(line)?;
            emit(EventSource::Suricata(event_type), observation);
        }
        EventFormat::Zeek => {
            let (log, observation) = zeek::read_zeek_line(line)?;
            emit(EventSource::Zeek(log), observation);
        }
        EventFormat::PlainJson => {
            let value: Value = parse_json(line)?;
            let object = value
                .as_object()
                .ok_or_else(|| ProblemKind::Malformed("not a JSON object".to_owned()))?;
            emit(EventSource::PlainJson, plain::read_plain_object(object)?);
        }
        EventFormat::Stix | EventFormat::Auto => {
            stix.read_value(parse_json(line)?, &mut |observation| {
                emit(EventSource::Stix, observation);
            })?;
        }
    }
    Ok(())
}

fn parse_json(line: &[u8]) -> Result<Value, ProblemKind> {
    serde_json::from_slice(line).map_err(|error| ProblemKind::Malformed(error.to_string()))
}
