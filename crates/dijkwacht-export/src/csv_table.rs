//! CSV for spreadsheets and SIEM lookups: one row per value an indicator's pattern
//! names (with `=` or `IN`) and per identifying value of an observable, with the
//! indicator's name, dates, confidence, TLP level and labels beside it, so a row can be
//! read without the STIX object it came from.
//!
//! Quoting is the `csv` crate's, so values with commas, quotes or line breaks survive.
//! Labels are joined with `;` in one cell. Other objects (reports, malware …) have no
//! row and are counted as not applicable; the indicator filter
//! ([`crate::IndicatorFilter`]) applies to indicators only.

use std::io::Write;

use dijkwacht_stix::StixObject;
use dijkwacht_store::StoredObject;

use crate::indicator::{confidence, offered_values, read_stored};
use crate::{ExportError, ExportReport, IndicatorFilter};

/// The header row, in column order.
pub const CSV_COLUMNS: [&str; 13] = [
    "stix_id",
    "object_type",
    "value_type",
    "value",
    "name",
    "created",
    "modified",
    "valid_from",
    "valid_until",
    "confidence",
    "tlp",
    "labels",
    "revoked",
];

/// Writes CSV rows to `out`, page by page.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    writer: csv::Writer<W>,
    filter: IndicatorFilter,
    report: ExportReport,
    rows: usize,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the table with its header row.
    pub fn new(out: W, filter: IndicatorFilter) -> Result<CsvWriter<W>, ExportError> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(CSV_COLUMNS)?;
        Ok(CsvWriter {
            writer,
            filter,
            report: ExportReport::default(),
            rows: 0,
        })
    }

    /// Adds the rows of a page of objects; TLP:RED and filtered objects are counted.
    pub fn write_page(&mut self, objects: &[StoredObject]) -> Result<(), ExportError> {
        for stored in objects {
            if !self.report.admit(stored) {
                continue;
            }
            let offered = read_stored(stored)
                .and_then(|object| Ok((offered_values(&object, &self.filter)?, object)));
            let (offered, object) = match offered {
                Ok(found) => found,
                Err(reason) => {
                    self.report.skip(reason);
                    continue;
                }
            };
            let described = Described::of(&object, stored);
            for value in &offered.values {
                let value_type = value.value_type();
                let mut record = vec![
                    object.id(),
                    object.object_type(),
                    value_type.as_str(),
                    value.value.as_str(),
                ];
                record.extend(described.cells());
                self.writer.write_record(&record)?;
                self.rows += 1;
            }
            self.report.wrote(stored);
        }
        Ok(())
    }

    /// Flushes the table; gives back the output, the report and the number of rows.
    pub fn finish(mut self) -> Result<(W, ExportReport, usize), ExportError> {
        self.writer.flush()?;
        let out = self
            .writer
            .into_inner()
            .map_err(|error| ExportError::Write(error.into_error()))?;
        Ok((out, self.report, self.rows))
    }
}

/// The cells after `value`, the same for every row of one object.
struct Described {
    cells: [String; 9],
}

impl Described {
    fn of(object: &StixObject, stored: &StoredObject) -> Described {
        let text = |property: &str| object.str_property(property).unwrap_or_default().to_owned();
        let labels: Vec<&str> = object
            .get("labels")
            .and_then(serde_json::Value::as_array)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .collect()
            })
            .unwrap_or_default();
        Described {
            cells: [
                text("name"),
                text("created"),
                text("modified"),
                text("valid_from"),
                text("valid_until"),
                confidence(object)
                    .map(|value| value.to_string())
                    .unwrap_or_default(),
                stored
                    .tlp
                    .map(|level| level.name().to_owned())
                    .unwrap_or_default(),
                labels.join(";"),
                object.revoked().to_string(),
            ],
        }
    }

    fn cells(&self) -> impl Iterator<Item = &str> {
        self.cells.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SkipReason;
    use crate::test_support::{domain_object, indicator, stored, suffix};
    use dijkwacht_stix::tlp::TlpLevel;
    use serde_json::json;

    fn table(
        objects: &[StoredObject],
        filter: IndicatorFilter,
    ) -> (Vec<Vec<String>>, ExportReport) {
        let mut writer = CsvWriter::new(Vec::new(), filter).expect("writing to memory");
        writer.write_page(objects).expect("writing to memory");
        let (bytes, report, rows) = writer.finish().expect("writing to memory");
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = reader
            .headers()
            .expect("a header row")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header, CSV_COLUMNS);
        let records: Vec<Vec<String>> = reader
            .records()
            .map(|record| {
                record
                    .expect("a CSV record")
                    .iter()
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        assert_eq!(records.len(), rows);
        (records, report)
    }

    #[test]
    fn one_row_per_value_with_the_indicator_beside_it() {
        let objects = [
            stored(
                indicator(
                    &suffix("a1"),
                    "[domain-name:value = 'a.example' OR url:value = 'http://b.example/x,y\"z']",
                    json!({"confidence": 80, "labels": ["malicious-activity", "c2"],
                           "valid_until": "2026-12-31T00:00:00Z"}),
                ),
                Some(TlpLevel::Green),
            ),
            stored(
                json!({"type": "ipv4-addr", "spec_version": "2.1",
                       "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "203.0.113.9"}),
                None,
            ),
            stored(
                domain_object("malware", "b2", json!({"name": "x", "is_family": true})),
                None,
            ),
            stored(
                indicator(&suffix("c3"), "[ipv4-addr:value = '10.9.9.9']", json!({})),
                Some(TlpLevel::Red),
            ),
        ];
        let (records, report) = table(&objects, IndicatorFilter::default());
        let id = format!("indicator--{}", suffix("a1"));
        assert_eq!(
            records[0],
            [
                id.as_str(),
                "indicator",
                "domain-name:value",
                "a.example",
                "indicator a100",
                "2026-01-05T10:00:00.000Z",
                "2026-01-05T10:00:00.000Z",
                "2026-01-05T10:00:00Z",
                "2026-12-31T00:00:00Z",
                "80",
                "green",
                "malicious-activity;c2",
                "false",
            ]
        );
        assert_eq!(
            records[1][3], "http://b.example/x,y\"z",
            "quoting keeps the value whole"
        );
        assert_eq!(
            records[2][..4],
            [
                "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                "ipv4-addr",
                "ipv4-addr:value",
                "203.0.113.9"
            ]
        );
        assert_eq!(
            records.len(),
            3,
            "neither the malware nor the RED indicator has a row"
        );
        assert_eq!(report.objects_seen, 4);
        assert_eq!(report.objects_written, 2);
        assert_eq!(report.skipped_for(SkipReason::NotApplicable), 1);
        assert_eq!(report.skipped_for(SkipReason::TlpRed), 1);
    }

    #[test]
    fn filter_drops_expired_and_low_confidence_indicators() {
        let objects = [
            stored(
                indicator(
                    &suffix("d4"),
                    "[ipv4-addr:value = '198.51.100.1']",
                    json!({"valid_until": "2026-01-06T00:00:00Z", "confidence": 90}),
                ),
                None,
            ),
            stored(
                indicator(
                    &suffix("e5"),
                    "[ipv4-addr:value = '198.51.100.2']",
                    json!({"confidence": 10}),
                ),
                None,
            ),
            stored(
                indicator(
                    &suffix("f6"),
                    "[ipv4-addr:value = '198.51.100.3']",
                    json!({"confidence": 90}),
                ),
                None,
            ),
        ];
        let filter = IndicatorFilter {
            min_confidence: Some(50),
            only_valid_at: dijkwacht_stix::Timestamp::parse("2026-02-01T00:00:00Z").ok(),
        };
        let (records, report) = table(&objects, filter);
        let values: Vec<&str> = records.iter().map(|record| record[3].as_str()).collect();
        assert_eq!(values, ["198.51.100.3"]);
        assert_eq!(report.skipped_for(SkipReason::Expired), 1);
        assert_eq!(report.skipped_for(SkipReason::BelowMinConfidence), 1);
    }
}
