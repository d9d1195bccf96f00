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
mod compact;
pub mod eve;
mod lines;
mod plain;
mod report;
mod stix;
mod time;
pub mod zeek;

use std::cell::OnceCell;
use std::io::{BufRead, Read};

use dijkwacht_pattern::Observation;
use dijkwacht_pattern::bulk::{ObservedValue, ObservedValues};
use serde_json::Value;

pub use self::compact::CompactObservation;
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

/// One line's observation. Log lines keep their observables in compact form, borrowed
/// from the line: the bulk index reads them directly (the event is [`ObservedValues`]),
/// and the JSON [`Observation`] is built only when asked for.
#[derive(Debug)]
pub struct Event<'a> {
    /// 1-based line of the input (for a multi-line STIX document, its first line).
    pub line: u64,
    pub source: EventSource,
    values: EventValues<'a>,
    built: OnceCell<Observation>,
}

#[derive(Debug)]
enum EventValues<'a> {
    Compact(CompactObservation<'a>),
    Full(Observation),
}

impl<'a> Event<'a> {
    fn new(line: u64, source: EventSource, values: EventValues<'a>) -> Event<'a> {
        Event {
            line,
            source,
            values,
            built: OnceCell::new(),
        }
    }

    /// The observation as the matcher reads it (built on the first call for log lines).
    pub fn observation(&self) -> &Observation {
        match &self.values {
            EventValues::Full(observation) => observation,
            EventValues::Compact(compact) => self.built.get_or_init(|| compact.to_observation()),
        }
    }

    /// The observation, owned, to keep beyond the line.
    pub fn into_observation(self) -> Observation {
        match self.values {
            EventValues::Full(observation) => observation,
            EventValues::Compact(compact) => self
                .built
                .into_inner()
                .unwrap_or_else(|| compact.to_observation()),
        }
    }

    /// When the event was first and last seen, in Unix microseconds.
    pub fn window(&self) -> (i64, i64) {
        match &self.values {
            EventValues::Full(observation) => {
                (observation.first_observed, observation.last_observed)
            }
            EventValues::Compact(compact) => (compact.first_observed(), compact.last_observed()),
        }
    }
}

impl ObservedValues for Event<'_> {
    fn visit_path(
        &self,
        path: &dijkwacht_pattern::ObjectPath,
        visit: &mut dyn FnMut(ObservedValue<'_>),
    ) {
        match &self.values {
            EventValues::Full(observation) => observation.visit_path(path, visit),
            EventValues::Compact(compact) => compact.visit_path(path, visit),
        }
    }

    fn as_observation(&self) -> Option<&Observation> {
        match &self.values {
            EventValues::Full(observation) => Some(observation),
            EventValues::Compact(_) => None,
        }
    }
}

/// Reads `reader` to its end in `format`, handing each event to `sink`.
pub fn read_events(
    reader: impl BufRead,
    format: EventFormat,
    sink: impl FnMut(Event<'_>),
) -> Result<ReadReport, SensorError> {
    read_events_with_limit(reader, format, MAX_LINE_BYTES, sink)
}

/// [`read_events`] with another line limit.
pub fn read_events_with_limit(
    mut reader: impl BufRead,
    format: EventFormat,
    line_limit: usize,
    mut sink: impl FnMut(Event<'_>),
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
        let mut emit = |source: EventSource, values: EventValues<'_>| {
            events += 1;
            sink(Event::new(number, source, values));
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
    sink: &mut impl FnMut(Event<'_>),
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
        sink(Event::new(
            line,
            EventSource::Stix,
            EventValues::Full(observation),
        ));
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
    emit: &mut dyn FnMut(EventSource, EventValues<'_>),
) -> Result<(), ProblemKind> {
    let format = match format {
        EventFormat::Auto => detect(line),
        other => other,
    };
    match format {
        EventFormat::SuricataEve => eve::read_eve_line(line, |event_type, observation| {
            emit(
                EventSource::Suricata(event_type),
                EventValues::Compact(observation),
            );
        })?,
        EventFormat::Zeek => zeek::read_zeek_line(line, |log, observation| {
            emit(EventSource::Zeek(log), EventValues::Compact(observation));
        })?,
        EventFormat::PlainJson => {
            let value: Value = parse_json(line)?;
            let object = value
                .as_object()
                .ok_or_else(|| ProblemKind::Malformed("not a JSON object".to_owned()))?;
            let observation = plain::read_plain_object(object)?;
            emit(EventSource::PlainJson, EventValues::Compact(observation));
        }
        EventFormat::Stix | EventFormat::Auto => {
            stix.read_value(parse_json(line)?, &mut |observation| {
                emit(EventSource::Stix, EventValues::Full(observation));
            })?;
        }
    }
    Ok(())
}

fn parse_json(line: &[u8]) -> Result<Value, ProblemKind> {
    serde_json::from_slice(line).map_err(|error| ProblemKind::Malformed(error.to_string()))
}
