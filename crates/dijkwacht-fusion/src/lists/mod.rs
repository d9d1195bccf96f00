//! Plain-text and CSV lists (abuse.ch, Spamhaus DROP, blocklists of domains or hashes)
//! mapped to STIX 2.1 indicators.
//!
//! Many open feeds publish one value per line, with `#` comments, or CSV with a value
//! column and a few more (first seen, last seen, malware family). A [`ListFormat`] says
//! which shape a source has (operators write it in configuration, hence `Deserialize`),
//! and [`map_list`] gives one `indicator` per distinct value, with:
//!
//! - a pattern for the value's type (`values`), the type named by the format or
//!   recognised from the value's shape, after undoing the common defanging;
//! - `valid_from` from the first-seen column, else the time the caller saw the list;
//!   `valid_until` from the last-seen column when it is later (a bare date there means
//!   the whole day, so until the next midnight), else that time plus the source's
//!   default validity when it has one, else none. Times without a zone are UTC;
//! - `created` = `valid_from` and `modified` = the time `valid_until` came from when
//!   that is later, so that an indicator changes version exactly when its content does;
//! - an id derived from the source, the value's type and its normalised text, so that
//!   the same list seen twice gives the same objects.
//!
//! A line that holds no recognisable value is a problem `line N` and the rest of the
//! list is still mapped; a value met again is mapped once, from its first line.

mod fields;
pub(crate) mod time;
mod values;

use std::collections::HashSet;
use std::num::NonZeroUsize;

use dijkwacht_stix::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::mapped::{Mapped, derived_id};
pub(crate) use fields::split_csv_line;
use fields::split_plain_line;
pub use values::ValueType;
use values::{ListValue, recognise, refang};

/// After this many problems a list's remaining bad lines are only counted: a list read
/// with the wrong format must not produce a problem per line of a million-line file.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// How a source lays out its list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListFormat {
    /// Plain lines or CSV records.
    #[serde(default)]
    pub kind: ListKind,
    /// The character between columns. CSV: `,` when not given. Plain: when not given,
    /// columns are separated by runs of whitespace.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// Whether the first line that is neither blank nor a comment names the columns.
    #[serde(default)]
    pub has_header: bool,
    /// Lines starting with this (after leading spaces) are comments; empty for none.
    #[serde(default = "default_comment_prefix")]
    pub comment_prefix: String,
    /// The column holding the value.
    #[serde(default)]
    pub value_column: Column,
    /// The column holding when the value was first seen (becomes `valid_from`).
    #[serde(default)]
    pub first_seen_column: Option<Column>,
    /// The column holding when the value was last seen (becomes `valid_until`).
    #[serde(default)]
    pub last_seen_column: Option<Column>,
    /// The column holding a description, threat or malware family.
    #[serde(default)]
    pub description_column: Option<Column>,
    /// What the values are; `auto` recognises each by its shape.
    #[serde(default)]
    pub value_type: ValueType,
}

fn default_comment_prefix() -> String {
    "#".to_owned()
}

impl Default for ListFormat {
    /// One value per line, `#` comments, the type recognised per value.
    fn default() -> ListFormat {
        ListFormat {
            kind: ListKind::Plain,
            delimiter: None,
            has_header: false,
            comment_prefix: default_comment_prefix(),
            value_column: Column::Index(0),
            first_seen_column: None,
            last_seen_column: None,
            description_column: None,
            value_type: ValueType::Auto,
        }
    }
}

/// Whether a list is plain lines or CSV records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    #[default]
    Plain,
    Csv,
}

/// A column, by its position (from 0) or by its name in the header line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Column {
    Index(usize),
    Name(String),
}

impl Default for Column {
    fn default() -> Column {
        Column::Index(0)
    }
}

impl std::fmt::Display for Column {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Column::Index(index) => write!(formatter, "column {index}"),
            Column::Name(name) => write!(formatter, "column '{name}'"),
        }
    }
}

/// What the caller knows about this copy of a list.
#[derive(Debug, Clone, Copy)]
pub struct ListContext<'a> {
    /// The source's name: part of every indicator's id, so two sources listing the same
    /// value give two indicators (each with its own validity).
    pub source_name: &'a str,
    /// When the caller fetched the list (RFC 3339).
    pub seen_at: &'a str,
    /// How long a value stays valid after `seen_at` when the list gives no last-seen
    /// time; `None` for no end.
    pub default_valid_days: Option<u32>,
}

/// Maps a list to one indicator per distinct value. Large lists are mapped on all
/// cores; the result is the same as on one.
pub fn map_list(text: &str, format: &ListFormat, context: &ListContext<'_>) -> Mapped {
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    map_list_on(text, format, context, threads)
}

/// [`map_list`] on up to `threads` threads.
fn map_list_on(
    text: &str,
    format: &ListFormat,
    context: &ListContext<'_>,
    threads: usize,
) -> Mapped {
    let mut mapped = Mapped::default();
    let Some(seen_at) = time::parse_feed_time(context.seen_at) else {
        mapped.problem(
            "context",
            format!(
                "seen_at '{}' is not an RFC 3339 timestamp; nothing was mapped",
                context.seen_at
            ),
        );
        return mapped;
    };
    let mut reader = ListReader {
        format,
        columns: None,
        seen_values: HashSet::new(),
        unlisted_problems: 0,
        mapped,
    };
    if !format.has_header {
        match ResolvedColumns::by_index(format) {
            Ok(columns) => reader.columns = Some(columns),
            Err(message) => {
                reader.mapped.problem("format", message);
                return reader.mapped;
            }
        }
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line));
    while reader.columns.is_none() {
        let Some((line_number, line)) = lines.next() else {
            break;
        };
        if !reader.read_header(line_number, line) {
            break;
        }
    }
    if let Some(columns) = reader.columns {
        let mapper = LineMapper {
            format,
            context,
            seen_at,
            columns,
        };
        for (line_number, line) in map_lines(&mapper, lines.collect(), threads) {
            reader.take(line_number, line);
        }
    }
    if reader.unlisted_problems > 0 {
        let count = reader.unlisted_problems;
        reader.mapped.problem(
            "list",
            format!("{count} more lines with problems are not listed; is the list's format right?"),
        );
    }
    reader.mapped
}

/// The positions of the columns a format names.
#[derive(Debug, Clone, Copy)]
struct ResolvedColumns {
    value: usize,
    first_seen: Option<usize>,
    last_seen: Option<usize>,
    description: Option<usize>,
}

impl ResolvedColumns {
    fn by_index(format: &ListFormat) -> Result<ResolvedColumns, String> {
        Self::resolve(format, |column| match column {
            Column::Index(index) => Ok(*index),
            Column::Name(name) => Err(format!(
                "column '{name}' is named, but the format says the list has no header; give its position or set has_header"
            )),
        })
    }

    fn by_header(format: &ListFormat, header: &[String]) -> Result<ResolvedColumns, String> {
        Self::resolve(format, |column| match column {
            Column::Index(index) => Ok(*index),
            Column::Name(name) => header
                .iter()
                .position(|title| title.trim().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    format!(
                        "the header has no column '{name}' (it has: {})",
                        header.join(", ")
                    )
                }),
        })
    }

    fn resolve(
        format: &ListFormat,
        position: impl Fn(&Column) -> Result<usize, String>,
    ) -> Result<ResolvedColumns, String> {
        let optional = |column: &Option<Column>| column.as_ref().map(&position).transpose();
        Ok(ResolvedColumns {
            value: position(&format.value_column)?,
            first_seen: optional(&format.first_seen_column)?,
            last_seen: optional(&format.last_seen_column)?,
            description: optional(&format.description_column)?,
        })
    }
}

/// The state of one pass over a list: what is decided in line order (the header,
/// which value is met first, which problems are listed).
struct ListReader<'a> {
    format: &'a ListFormat,
    /// Known once the header is read (or at once, without a header).
    columns: Option<ResolvedColumns>,
    /// `type|normalised value` of every value mapped so far.
    seen_values: HashSet<String>,
    unlisted_problems: usize,
    mapped: Mapped,
}

/// What one line of the list holds, found without looking at the other lines.
enum MappedLine {
    /// Blank, or a comment.
    Nothing,
    Problem(String),
    Indicator {
        /// `type|normalised value`.
        key: String,
        indicator: Value,
        /// Problems with the line's other columns, reported if the value is new.
        problems: Vec<String>,
    },
}

/// Maps lines once the columns are known; shared by the threads of [`map_lines`].
struct LineMapper<'a> {
    format: &'a ListFormat,
    context: &'a ListContext<'a>,
    seen_at: Timestamp,
    columns: ResolvedColumns,
}

/// Below this many lines per thread, starting a thread costs more than it saves.
const MIN_LINES_PER_THREAD: usize = 2_000;

impl ListReader<'_> {
    /// Reads lines until the header names the columns; `false` when the list can not
    /// be read further.
    fn read_header(&mut self, line_number: usize, line: &str) -> bool {
        let line = line.trim();
        let prefix = self.format.comment_prefix.as_str();
        if line.is_empty() || (!prefix.is_empty() && line.starts_with(prefix)) {
            return true;
        }
        let fields = match split_fields(self.format, line) {
            Ok(fields) => fields,
            Err(message) => {
                self.line_problem(line_number, message);
                return true;
            }
        };
        match ResolvedColumns::by_header(self.format, &fields) {
            Ok(columns) => self.columns = Some(columns),
            Err(message) => {
                self.mapped.problem(
                    format!("line {line_number}"),
                    format!("{message}; nothing was mapped"),
                );
                return false;
            }
        }
        true
    }

    /// Takes in one mapped line, in line order: a value already mapped is left out.
    fn take(&mut self, line_number: usize, line: MappedLine) {
        match line {
            MappedLine::Nothing => {}
            MappedLine::Problem(message) => self.line_problem(line_number, message),
            MappedLine::Indicator {
                key,
                indicator,
                problems,
            } => {
                if !self.seen_values.insert(key) {
                    return;
                }
                for message in problems {
                    self.line_problem(line_number, message);
                }
                self.mapped.objects.push(indicator);
            }
        }
    }

    fn line_problem(&mut self, line_number: usize, message: impl Into<String>) {
        if self.mapped.problems.len() < MAX_LISTED_PROBLEMS {
            self.mapped.problem(format!("line {line_number}"), message);
        } else {
            self.unlisted_problems += 1;
        }
    }
}

/// Maps `lines` (numbered from 1) on up to `threads` threads, each a contiguous part;
/// the results in line order.
fn map_lines<'t>(
    mapper: &LineMapper<'_>,
    lines: Vec<(usize, &'t str)>,
    threads: usize,
) -> Vec<(usize, MappedLine)> {
    let map_part = |part: &[(usize, &'t str)]| -> Vec<(usize, MappedLine)> {
        part.iter()
            .map(|&(number, line)| (number, mapper.line(line)))
            .collect()
    };
    let threads = threads.min(lines.len() / MIN_LINES_PER_THREAD).max(1);
    if threads == 1 {
        return map_part(&lines);
    }
    let per_thread = lines.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = lines
            .chunks(per_thread)
            .map(|part| scope.spawn(move || map_part(part)))
            .collect();
        let mut mapped = Vec::with_capacity(lines.len());
        for worker in workers {
            match worker.join() {
                Ok(part) => mapped.extend(part),
                // A panic while mapping is a bug; let it go on as a panic.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        mapped
    })
}

/// The fields of one line, as the format splits them.
fn split_fields(format: &ListFormat, line: &str) -> Result<Vec<String>, String> {
    match format.kind {
        ListKind::Plain => Ok(split_plain_line(line, format.delimiter)),
        ListKind::Csv => split_csv_line(line, format.delimiter.unwrap_or(',')),
    }
}

impl LineMapper<'_> {
    fn line(&self, line: &str) -> MappedLine {
        let line = line.trim();
        let prefix = self.format.comment_prefix.as_str();
        if line.is_empty() || (!prefix.is_empty() && line.starts_with(prefix)) {
            return MappedLine::Nothing;
        }
        let fields = match split_fields(self.format, line) {
            Ok(fields) => fields,
            Err(message) => return MappedLine::Problem(message),
        };
        match self.indicator(&fields) {
            Ok(line) => line,
            Err(message) => MappedLine::Problem(message),
        }
    }

    /// The indicator of one record.
    fn indicator(&self, fields: &[String]) -> Result<MappedLine, String> {
        let columns = &self.columns;
        let raw_value = fields.get(columns.value).ok_or_else(|| {
            format!(
                "the line has {} columns, so no value in column {}",
                fields.len(),
                columns.value
            )
        })?;
        let value = recognise(&refang(raw_value), self.format.value_type)?;
        let key = format!("{}|{}", value.kind.id_name(), value.normalised);
        let column_text = |column: Option<usize>| {
            column
                .and_then(|index| fields.get(index))
                .map(|field| field.trim())
                .filter(|field| !field.is_empty())
        };
        let first_seen = column_text(columns.first_seen);
        let last_seen = column_text(columns.last_seen);
        let description = column_text(columns.description);
        let mut problems = Vec::new();
        let validity = self.validity(first_seen, last_seen, &mut problems);
        let id = derived_id(
            "indicator",
            "list",
            &format!("{}|{key}", self.context.source_name),
        );
        let indicator = indicator_object(&id, &value, description, &validity);
        Ok(MappedLine::Indicator {
            key,
            indicator,
            problems,
        })
    }

    /// When the indicator of a record is valid, from its columns and the context.
    /// A time column that can not be read is a problem, and the context's time is used.
    /// A last-seen column holding a bare date means the whole of that day: the value is
    /// valid until the next midnight.
    fn validity(
        &self,
        first_seen: Option<&str>,
        last_seen: Option<&str>,
        problems: &mut Vec<String>,
    ) -> Validity {
        let mut read_time = |text: Option<&str>, what: &str, end_of_day: bool| {
            let text = text?;
            let instant = match time::parse_date(text) {
                Some(midnight) if end_of_day => Some(time::add_days(&midnight, 1)),
                Some(midnight) => Some(midnight),
                None => time::parse_feed_time(text),
            };
            if instant.is_none() {
                problems.push(format!(
                    "{what} '{text}' is not a date or time; it was left out"
                ));
            }
            instant
        };
        let valid_from = read_time(first_seen, "first seen", false).unwrap_or(self.seen_at);
        let listed_until = read_time(last_seen, "last seen", true);
        let defaulted_until = self
            .context
            .default_valid_days
            .map(|days| time::add_days(&self.seen_at, days));
        let valid_until = match listed_until {
            Some(until) if until > valid_from => Some(until),
            Some(until) if until < valid_from => {
                problems.push(format!(
                    "last seen {} is before first seen {}; the default validity applies",
                    time::stix_time(&until),
                    time::stix_time(&valid_from)
                ));
                defaulted_until.filter(|until| *until > valid_from)
            }
            // Seen once (last seen = first seen), or no last-seen time.
            _ => defaulted_until.filter(|until| *until > valid_from),
        };
        let changed = match (listed_until, valid_until) {
            (Some(listed), Some(_)) if listed > valid_from => listed,
            (_, Some(_)) => self.seen_at,
            (_, None) => valid_from,
        };
        Validity {
            valid_from,
            valid_until,
            modified: changed.max(valid_from),
        }
    }
}

/// An indicator's validity and the version time it implies.
struct Validity {
    valid_from: Timestamp,
    valid_until: Option<Timestamp>,
    modified: Timestamp,
}

fn indicator_object(
    id: &str,
    value: &ListValue,
    description: Option<&str>,
    validity: &Validity,
) -> Value {
    let mut indicator = Map::new();
    indicator.insert("type".into(), json!("indicator"));
    indicator.insert("spec_version".into(), json!("2.1"));
    indicator.insert("id".into(), json!(id));
    indicator.insert(
        "created".into(),
        json!(time::stix_time(&validity.valid_from)),
    );
    indicator.insert(
        "modified".into(),
        json!(time::stix_time(&validity.modified)),
    );
    indicator.insert("name".into(), json!(value.normalised));
    if let Some(description) = description {
        indicator.insert("description".into(), json!(description));
    }
    indicator.insert("indicator_types".into(), json!(["malicious-activity"]));
    indicator.insert("pattern".into(), json!(value.pattern()));
    indicator.insert("pattern_type".into(), json!("stix"));
    indicator.insert("pattern_version".into(), json!("2.1"));
    indicator.insert(
        "valid_from".into(),
        json!(time::stix_time(&validity.valid_from)),
    );
    if let Some(until) = &validity.valid_until {
        indicator.insert("valid_until".into(), json!(time::stix_time(until)));
    }
    Value::Object(indicator)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list long enough for several threads, with everything a line can hold:
    /// repeated values, bad values, bad and reversed times, comments and blank lines.
    fn long_list() -> String {
        let mut text = String::from("first,value,last,note\n");
        for number in 0..9_000_u32 {
            let line = match number % 9 {
                0 => format!(
                    "2024-01-01,198.51.{}.{},2024-02-01,c2",
                    number / 256 % 256,
                    number % 256
                ),
                1 => format!(
                    "2024-01-01,198.51.{}.{},,",
                    (number - 1) / 256 % 256,
                    (number - 1) % 256
                ),
                2 => format!("yesterday,host{number}.example.org,2024-02-01,"),
                3 => format!("2024-03-01,host{number}.example.org,2024-02-01,late"),
                4 => "2024-01-01,not a value,2024-02-01,".to_owned(),
                5 => "# a comment".to_owned(),
                6 => String::new(),
                7 => format!("2024-01-01,{number:064x},never,"),
                _ => format!("2024-01-01,\"http://dl-{number}.example.net/a,b\",,"),
            };
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    #[test]
    fn many_threads_map_as_one() {
        let format = ListFormat {
            kind: ListKind::Csv,
            has_header: true,
            value_column: Column::Name("value".to_owned()),
            first_seen_column: Some(Column::Name("first".to_owned())),
            last_seen_column: Some(Column::Index(2)),
            description_column: Some(Column::Name("note".to_owned())),
            ..ListFormat::default()
        };
        let context = ListContext {
            source_name: "long",
            seen_at: "2024-03-15T00:00:00Z",
            default_valid_days: Some(30),
        };
        let text = long_list();
        let one = map_list_on(&text, &format, &context, 1);
        assert!(one.objects.len() > 4_000, "{}", one.objects.len());
        assert_eq!(one.problems.len(), MAX_LISTED_PROBLEMS + 1);
        for threads in [2, 3, 4] {
            let many = map_list_on(&text, &format, &context, threads);
            assert_eq!(one.objects, many.objects, "{threads} threads");
            assert_eq!(one.problems, many.problems, "{threads} threads");
        }
    }
}
