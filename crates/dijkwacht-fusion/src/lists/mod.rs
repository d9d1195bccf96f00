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

/// Maps a list to one indicator per distinct value.
pub fn map_list(text: &str, format: &ListFormat, context: &ListContext<'_>) -> Mapped {
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
        context,
        seen_at,
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
    for (index, line) in text.lines().enumerate() {
        if !reader.read_line(index + 1, line) {
            break;
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

/// The state of one pass over a list.
struct ListReader<'a> {
    format: &'a ListFormat,
    context: &'a ListContext<'a>,
    seen_at: Timestamp,
    /// Known once the header is read (or at once, without a header).
    columns: Option<ResolvedColumns>,
    /// `type|normalised value` of every value mapped so far.
    seen_values: HashSet<String>,
    unlisted_problems: usize,
    mapped: Mapped,
}

impl ListReader<'_> {
    /// Reads one line; `false` when the list can not be read further.
    fn read_line(&mut self, line_number: usize, line: &str) -> bool {
        let line = line.trim();
        let prefix = self.format.comment_prefix.as_str();
        if line.is_empty() || (!prefix.is_empty() && line.starts_with(prefix)) {
            return true;
        }
        let fields = match self.format.kind {
            ListKind::Plain => split_plain_line(line, self.format.delimiter),
            ListKind::Csv => match split_csv_line(line, self.format.delimiter.unwrap_or(',')) {
                Ok(fields) => fields,
                Err(message) => {
                    self.line_problem(line_number, message);
                    return true;
                }
            },
        };
        let Some(columns) = self.columns else {
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
            return true;
        };
        match self.indicator(&columns, &fields, line_number) {
            Ok(Some(indicator)) => self.mapped.objects.push(indicator),
            Ok(None) => {}
            Err(message) => self.line_problem(line_number, message),
        }
        true
    }

    fn line_problem(&mut self, line_number: usize, message: impl Into<String>) {
        if self.mapped.problems.len() < MAX_LISTED_PROBLEMS {
            self.mapped.problem(format!("line {line_number}"), message);
        } else {
            self.unlisted_problems += 1;
        }
    }

    /// The indicator of one record, `None` for a value already mapped.
    fn indicator(
        &mut self,
        columns: &ResolvedColumns,
        fields: &[String],
        line_number: usize,
    ) -> Result<Option<Value>, String> {
        let raw_value = fields.get(columns.value).ok_or_else(|| {
            format!(
                "the line has {} columns, so no value in column {}",
                fields.len(),
                columns.value
            )
        })?;
        let value = recognise(&refang(raw_value), self.format.value_type)?;
        let key = format!("{}|{}", value.kind.id_name(), value.normalised);
        if !self.seen_values.insert(key.clone()) {
            return Ok(None);
        }
        let column_text = |column: Option<usize>| {
            column
                .and_then(|index| fields.get(index))
                .map(|field| field.trim())
                .filter(|field| !field.is_empty())
        };
        let first_seen = column_text(columns.first_seen);
        let last_seen = column_text(columns.last_seen);
        let description = column_text(columns.description);
        let validity = self.validity(first_seen, last_seen, line_number);
        let id = derived_id(
            "indicator",
            "list",
            &format!("{}|{key}", self.context.source_name),
        );
        Ok(Some(indicator_object(&id, &value, description, &validity)))
    }

    /// When the indicator of a record is valid, from its columns and the context.
    /// A time column that can not be read is a problem, and the context's time is used.
    /// A last-seen column holding a bare date means the whole of that day: the value is
    /// valid until the next midnight.
    fn validity(
        &mut self,
        first_seen: Option<&str>,
        last_seen: Option<&str>,
        line_number: usize,
    ) -> Validity {
        let read_time = |reader: &mut Self, text: Option<&str>, what: &str, end_of_day: bool| {
            let text = text?;
            let instant = match time::parse_date(text) {
                Some(midnight) if end_of_day => Some(time::add_days(&midnight, 1)),
                Some(midnight) => Some(midnight),
                None => time::parse_feed_time(text),
            };
            if instant.is_none() {
                reader.line_problem(
                    line_number,
                    format!("{what} '{text}' is not a date or time; it was left out"),
                );
            }
            instant
        };
        let valid_from = read_time(self, first_seen, "first seen", false).unwrap_or(self.seen_at);
        let listed_until = read_time(self, last_seen, "last seen", true);
        let defaulted_until = self
            .context
            .default_valid_days
            .map(|days| time::add_days(&self.seen_at, days));
        let valid_until = match listed_until {
            Some(until) if until > valid_from => Some(until),
            Some(until) if until < valid_from => {
                self.line_problem(
                    line_number,
                    format!(
                        "last seen {} is before first seen {}; the default validity applies",
                        time::stix_time(&until),
                        time::stix_time(&valid_from)
                    ),
                );
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
