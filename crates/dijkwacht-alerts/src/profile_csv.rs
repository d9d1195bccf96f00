//! Reading a profile from CSV, for `dijkwacht assets import --org ORG FILE.csv`: a
//! member (or its trade association) lists what it runs and owns in a spreadsheet.
//!
//! The file: a header row naming at least the columns `kind` and `value` (any case,
//! any order; other columns such as `note` are allowed and ignored), then one entry a
//! row. A UTF-8 byte-order mark (as spreadsheets write) is tolerated and blank rows are
//! skipped. A bad row does not stop the read: each is reported with its line number,
//! kind, value and the rule it breaks (unknown kind, empty value, not UTF-8, and for
//! network kinds the rule of [`NetworkAsset::parse`]) so that the member can fix them
//! all in one go. Network entries come back parsed; product entries (`cpe`, `purl`,
//! `product`) come back as written, for the caller to check with the product parser.
//! The same entry twice is kept once (its first line). Only what makes the whole file
//! unusable is an error: no header, a missing column, more rows than
//! [`MAX_PROFILE_CSV_ENTRIES`], an I/O failure.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;

use crate::network::{NetworkAsset, NetworkAssetError};
use crate::profile::{AssetKind, UnknownAssetKind};

/// The most entry rows a profile file may have; a member with more splits the file.
pub const MAX_PROFILE_CSV_ENTRIES: usize = 1_000_000;
/// The largest profile file read: room for the most rows with long notes. The file is
/// read whole, so that each row's line number can be told exactly (the `csv` crate
/// skips empty lines without counting them into a record's position).
pub const MAX_PROFILE_CSV_BYTES: u64 = 256 * 1024 * 1024;

/// What a profile file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileCsv {
    /// The network entries (`cidr`, `asn`, `domain`, `email-domain`), parsed, each once.
    pub network: Vec<CsvNetworkEntry>,
    /// The product entries (`cpe`, `purl`, `product`), unparsed, each once.
    pub products: Vec<CsvProductLine>,
    /// Every row that could not be taken, in file order.
    pub problems: Vec<CsvProblem>,
    /// How many rows repeated an entry of an earlier row.
    pub repeated: usize,
}

/// A network entry and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvNetworkEntry {
    /// The line it starts on, counting from 1 (the header is line 1).
    pub line: u64,
    pub asset: NetworkAsset,
    /// The value as written, so a caller can say when the normal form differs
    /// (`198.51.100.7/24` was stored as `198.51.100.0/24`).
    pub written: String,
}

/// A product entry as written, for the product parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProductLine {
    pub line: u64,
    pub kind: AssetKind,
    /// Trimmed of surrounding white space.
    pub value: String,
}

/// A row that could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    pub line: u64,
    /// The kind column as written.
    pub kind: String,
    /// The value column as written.
    pub value: String,
    pub rule: CsvRule,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "line {}: kind '{}', value '{}': {}",
            self.line, self.kind, self.value, self.rule
        )
    }
}

/// The rule a row breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvRule {
    #[error(transparent)]
    UnknownKind(#[from] UnknownAssetKind),
    #[error("the value is empty")]
    EmptyValue,
    #[error("the row has {found} columns, but the header has the {column} column at place {place}")]
    MissingField {
        column: &'static str,
        place: usize,
        found: usize,
    },
    #[error("the row is not valid UTF-8; save the file as UTF-8")]
    NotUtf8,
    #[error(transparent)]
    Network(#[from] NetworkAssetError),
}

/// Why a profile file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ProfileCsvError {
    #[error("the file is empty; its first line must be the header kind,value")]
    Empty,
    #[error(
        "the header (line {line}) has no '{column}' column; the first line must name the columns kind,value (other columns, such as note, are allowed)"
    )]
    MissingColumn { line: u64, column: &'static str },
    #[error("the header (line {line}) is not valid UTF-8; save the file as UTF-8")]
    HeaderNotUtf8 { line: u64 },
    #[error(
        "the file has more than {limit} entry rows (at line {line}); split it into files of at most {limit} rows"
    )]
    TooManyEntries { line: u64, limit: usize },
    #[error("the file is larger than {limit} bytes; split it into smaller files")]
    TooLarge { limit: u64 },
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("reading the file failed after line {line}: {source}")]
    Read {
        line: u64,
        #[source]
        source: csv::Error,
    },
}

/// Reads a profile file with the limit of [`MAX_PROFILE_CSV_ENTRIES`] rows.
pub fn read_profile_csv(reader: impl Read) -> Result<ProfileCsv, ProfileCsvError> {
    read_profile_csv_limited(reader, MAX_PROFILE_CSV_ENTRIES)
}

/// [`read_profile_csv`] with a limit of `max_entries` entry rows.
pub fn read_profile_csv_limited(
    reader: impl Read,
    max_entries: usize,
) -> Result<ProfileCsv, ProfileCsvError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_PROFILE_CSV_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PROFILE_CSV_BYTES {
        return Err(ProfileCsvError::TooLarge {
            limit: MAX_PROFILE_CSV_BYTES,
        });
    }
    let mut csv_reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut record = csv::ByteRecord::new();
    let mut last_line = 0;
    let mut next_row = |record: &mut csv::ByteRecord, last_line: &mut u64| {
        loop {
            match csv_reader.read_byte_record(record) {
                Ok(false) => return Ok(false),
                Ok(true) => {
                    if let Some(position) = record.position() {
                        *last_line = first_line_of_record(&bytes, position);
                    }
                    if !is_blank(record) {
                        return Ok(true);
                    }
                }
                Err(source) => {
                    return Err(ProfileCsvError::Read {
                        line: *last_line,
                        source,
                    });
                }
            }
        }
    };
    if !next_row(&mut record, &mut last_line)? {
        return Err(ProfileCsvError::Empty);
    }
    let columns = Columns::of_header(&record, last_line)?;
    let mut profile = ProfileCsv::default();
    let mut seen_network: HashSet<NetworkAsset> = HashSet::new();
    let mut seen_products: HashSet<(AssetKind, String)> = HashSet::new();
    let mut rows = 0;
    while next_row(&mut record, &mut last_line)? {
        rows += 1;
        if rows > max_entries {
            return Err(ProfileCsvError::TooManyEntries {
                line: last_line,
                limit: max_entries,
            });
        }
        let row = match columns.row(&record, last_line) {
            Ok(row) => row,
            Err(problem) => {
                profile.problems.push(problem);
                continue;
            }
        };
        match row {
            Row::Network(entry) => {
                if seen_network.insert(entry.asset.clone()) {
                    profile.network.push(entry);
                } else {
                    profile.repeated += 1;
                }
            }
            Row::Product(line) => {
                if seen_products.insert((line.kind, line.value.clone())) {
                    profile.products.push(line);
                } else {
                    profile.repeated += 1;
                }
            }
        }
    }
    Ok(profile)
}

/// The line a record starts on. The reader gives the position where it began to read,
/// which lies before any empty lines it skipped on the way to the record.
fn first_line_of_record(bytes: &[u8], position: &csv::Position) -> u64 {
    let start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let skipped_newlines = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|byte| matches!(byte, b'\n' | b'\r'))
        .filter(|byte| **byte == b'\n')
        .count();
    position.line() + skipped_newlines as u64
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .all(|field| field.iter().all(u8::is_ascii_whitespace))
}

/// Where the header put the columns that matter.
#[derive(Debug)]
struct Columns {
    kind: usize,
    value: usize,
}

enum Row {
    Network(CsvNetworkEntry),
    Product(CsvProductLine),
}

impl Columns {
    fn of_header(header: &csv::ByteRecord, line: u64) -> Result<Columns, ProfileCsvError> {
        let mut names = Vec::with_capacity(header.len());
        for field in header {
            let name =
                std::str::from_utf8(field).map_err(|_| ProfileCsvError::HeaderNotUtf8 { line })?;
            names.push(
                name.trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase(),
            );
        }
        let place = |column: &'static str| {
            names
                .iter()
                .position(|name| name == column)
                .ok_or(ProfileCsvError::MissingColumn { line, column })
        };
        Ok(Columns {
            kind: place("kind")?,
            value: place("value")?,
        })
    }

    fn row(&self, record: &csv::ByteRecord, line: u64) -> Result<Row, CsvProblem> {
        let text = |place: usize| -> Option<Result<&str, ()>> {
            record
                .get(place)
                .map(|field| std::str::from_utf8(field).map_err(|_| ()))
        };
        let (kind_text, value_text) = match (text(self.kind), text(self.value)) {
            (Some(Ok(kind)), Some(Ok(value))) => (kind, value),
            (Some(Err(())), _) | (_, Some(Err(()))) => {
                return Err(problem(line, "", "", CsvRule::NotUtf8));
            }
            (None, value) => {
                let value = value.and_then(Result::ok).unwrap_or("");
                return Err(problem(
                    line,
                    "",
                    value,
                    self.missing("kind", self.kind, record),
                ));
            }
            (Some(Ok(kind)), None) => {
                return Err(problem(
                    line,
                    kind,
                    "",
                    self.missing("value", self.value, record),
                ));
            }
        };
        let kind: AssetKind = kind_text.parse().map_err(|unknown: UnknownAssetKind| {
            problem(line, kind_text, value_text, unknown.into())
        })?;
        let value = value_text.trim();
        if value.is_empty() {
            return Err(problem(line, kind_text, value_text, CsvRule::EmptyValue));
        }
        if kind.is_product() {
            return Ok(Row::Product(CsvProductLine {
                line,
                kind,
                value: value.to_owned(),
            }));
        }
        let asset = NetworkAsset::parse(kind, value)
            .map_err(|error| problem(line, kind_text, value_text, error.into()))?;
        Ok(Row::Network(CsvNetworkEntry {
            line,
            asset,
            written: value.to_owned(),
        }))
    }

    fn missing(&self, column: &'static str, place: usize, record: &csv::ByteRecord) -> CsvRule {
        CsvRule::MissingField {
            column,
            place: place + 1,
            found: record.len(),
        }
    }
}

fn problem(line: u64, kind: &str, value: &str, rule: CsvRule) -> CsvProblem {
    CsvProblem {
        line,
        kind: kind.to_owned(),
        value: value.to_owned(),
        rule,
    }
}
