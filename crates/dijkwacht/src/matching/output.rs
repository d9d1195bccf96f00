//! What `dijkwacht match` writes: a STIX 2.1 bundle of `sighting` objects, for machines
//! and for `dijkwacht import` or a TAXII POST elsewhere, and an aligned table for
//! people.
//!
//! Sighting ids are deterministic — UUIDv5 over the indicator id, the first time seen and
//! the source's name — so a run repeated over a growing log gives the same sighting a
//! newer version (a later `modified`, a larger `count`) instead of a second sighting
//! that would be counted twice.

use std::io::Write;

use anyhow::{Context, bail};
use dijkwacht_stix::Timestamp;
use serde_json::{Value, json};

use crate::matching::record::SightingRecord;

/// The namespace of the UUIDv5 ids of sightings made by `dijkwacht match`.
const SIGHTING_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6a1d_5c1e_4f0b_4d6e_9e1a_77c0_d1e4_7a63);

/// The largest `count` STIX 2.1 allows on a sighting.
pub const MAX_STIX_COUNT: u64 = 999_999_999;

/// A Unix-microsecond instant as a STIX timestamp.
pub fn stix_time(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_taxii_string()
}

/// The deterministic id of the sighting of `record` made from `source_name`.
pub fn sighting_id(record: &SightingRecord, source_name: &str) -> String {
    let name = format!(
        "{}\u{1f}{}\u{1f}{source_name}",
        record.indicator_id, record.first_seen
    );
    format!(
        "sighting--{}",
        uuid::Uuid::new_v5(&SIGHTING_NAMESPACE, name.as_bytes())
    )
}

/// The STIX 2.1 sighting of one record, made at `now`.
pub fn sighting_object(
    record: &SightingRecord,
    sighting_identity: Option<&str>,
    source_name: &str,
    now: &str,
) -> Value {
    let mut sighting = json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": sighting_id(record, source_name),
        "created": now,
        "modified": now,
        "sighting_of_ref": record.indicator_id,
        "count": record.count.min(MAX_STIX_COUNT),
        "first_seen": stix_time(record.first_seen),
        "last_seen": stix_time(record.last_seen.max(record.first_seen)),
    });
    let observed: Vec<&String> = record
        .observed_data_ids
        .iter()
        .filter(|id| id.starts_with("observed-data--"))
        .collect();
    if let Some(fields) = sighting.as_object_mut() {
        if !observed.is_empty() {
            fields.insert("observed_data_refs".to_owned(), json!(observed));
        }
        if let Some(identity) = sighting_identity {
            fields.insert("created_by_ref".to_owned(), json!(identity));
            fields.insert("where_sighted_refs".to_owned(), json!([identity]));
        }
    }
    sighting
}

/// Writes `records` as one STIX 2.1 bundle of sightings, one object per line inside the
/// bundle's array. `sighting_identity` (an `identity--…` id: who saw it) becomes
/// `where_sighted_refs` and `created_by_ref`; `source_name` (the log or file the hits
/// came from) goes into the sightings' ids.
pub fn write_stix_bundle(
    records: &[SightingRecord],
    sighting_identity: Option<&str>,
    source_name: &str,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if let Some(identity) = sighting_identity {
        if !identity.starts_with("identity--") {
            bail!(
                "the sighting identity '{identity}' is not an identity id; give the id of your \
                 organisation's STIX identity (identity--…), as `dijkwacht org` shows it"
            );
        }
    }
    let now = Timestamp::now().to_stix_millis();
    let sightings: Vec<Value> = records
        .iter()
        .map(|record| sighting_object(record, sighting_identity, source_name, &now))
        .collect();
    let ids: Vec<&str> = sightings
        .iter()
        .filter_map(|sighting| sighting["id"].as_str())
        .collect();
    let bundle_id = uuid::Uuid::new_v5(&SIGHTING_NAMESPACE, ids.join(",").as_bytes());
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        write!(
            out,
            "{{\"type\":\"bundle\",\"id\":\"bundle--{bundle_id}\",\"objects\":["
        )?;
        for (index, sighting) in sightings.iter().enumerate() {
            let separator = if index == 0 { "\n" } else { ",\n" };
            write!(out, "{separator}{sighting}")?;
        }
        writeln!(out, "\n]}}")?;
        out.flush()
    };
    write(out).context("cannot write the bundle of sightings")
}

/// The columns of [`write_table`].
const HEADINGS: [&str; 6] = [
    "INDICATOR",
    "NAME",
    "COUNT",
    "FIRST SEEN",
    "LAST SEEN",
    "EXAMPLE LINES",
];

/// The longest name shown in the table; longer ones end in `…`.
const MAX_NAME_CHARS: usize = 40;

/// `text` on one line for a table or a message: control characters (a newline in a
/// name, in an error page) become spaces, and beyond `max_chars` it ends in `…`.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let cleaned = text.chars().map(|character| {
        if character.is_control() {
            ' '
        } else {
            character
        }
    });
    if text.chars().count() > max_chars {
        let mut cut: String = cleaned.take(max_chars.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        cleaned.collect()
    }
}

/// Writes `records` as a table with aligned columns: indicator, name, count, first
/// seen, last seen and example lines.
pub fn write_table(records: &[SightingRecord], out: &mut dyn Write) -> anyhow::Result<()> {
    let rows: Vec<[String; 6]> = records
        .iter()
        .map(|record| {
            let lines: Vec<String> = record.event_lines.iter().map(u64::to_string).collect();
            [
                record.indicator_id.clone(),
                one_line(
                    record.indicator_name.as_deref().unwrap_or("-"),
                    MAX_NAME_CHARS,
                ),
                record.count.to_string(),
                Timestamp::from_unix_micros(record.first_seen).to_stix_millis(),
                Timestamp::from_unix_micros(record.last_seen).to_stix_millis(),
                if lines.is_empty() {
                    "-".to_owned()
                } else {
                    lines.join(",")
                },
            ]
        })
        .collect();
    let mut widths = HEADINGS.map(|heading| heading.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let headings = HEADINGS.map(str::to_owned);
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        for row in std::iter::once(&headings).chain(&rows) {
            let mut line = String::new();
            for (column, (cell, width)) in row.iter().zip(widths).enumerate() {
                let padding = width - cell.chars().count();
                // COUNT is a number: right-aligned; the last column is not padded.
                if column == 2 {
                    line.push_str(&" ".repeat(padding));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if column + 1 < HEADINGS.len() {
                        line.push_str(&" ".repeat(padding));
                    }
                }
                if column + 1 < HEADINGS.len() {
                    line.push_str("  ");
                }
            }
            writeln!(out, "{line}")?;
        }
        out.flush()
    };
    write(out).context("cannot write the table of sightings")
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    const IDENTITY: &str = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff";

    fn record(observed: &[&str]) -> SightingRecord {
        SightingRecord {
            indicator_id: INDICATOR.to_owned(),
            indicator_name: Some("C2 beacon\nto the dike".to_owned()),
            observed_data_ids: observed.iter().map(|id| (*id).to_owned()).collect(),
            first_seen: 1_767_600_000_000_000,
            last_seen: 1_767_603_600_123_456,
            count: 12,
            event_lines: vec![3, 17, 250],
        }
    }

    fn bundle_of(records: &[SightingRecord], identity: Option<&str>) -> Value {
        let mut bytes = Vec::new();
        write_stix_bundle(records, identity, "firewall.log", &mut bytes).expect("written");
        serde_json::from_slice(&bytes).expect("the bundle is JSON")
    }

    #[test]
    fn the_bundle_of_sightings_passes_dijkwachts_own_validator() {
        let observed = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf";
        let records = [
            record(&[observed]),
            SightingRecord {
                indicator_id: "indicator--0a000000-0000-4000-8000-000000000002".to_owned(),
                count: 5_000_000_000,
                ..record(&[])
            },
        ];
        for identity in [None, Some(IDENTITY)] {
            let bundle = bundle_of(&records, identity);
            assert_eq!(bundle["type"], "bundle");
            let objects = bundle["objects"].as_array().expect("objects");
            assert_eq!(objects.len(), 2);
            for sighting in objects {
                let report = dijkwacht_stix::validate_object(sighting);
                let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
                assert!(errors.is_empty(), "{errors:?} in {sighting}");
            }
            let first = &objects[0];
            assert_eq!(first["sighting_of_ref"], INDICATOR);
            assert_eq!(first["count"], 12);
            assert_eq!(first["first_seen"], "2026-01-05T08:00:00.000000Z");
            assert_eq!(first["last_seen"], "2026-01-05T09:00:00.123456Z");
            assert_eq!(first["observed_data_refs"], json!([observed]));
            assert_eq!(objects[1]["count"], MAX_STIX_COUNT, "capped");
            assert!(objects[1].get("observed_data_refs").is_none());
            match identity {
                Some(identity) => assert_eq!(first["where_sighted_refs"], json!([identity])),
                None => assert!(first.get("where_sighted_refs").is_none()),
            }
        }
    }

    #[test]
    fn sighting_ids_are_stable_for_the_same_indicator_start_and_source() {
        let one = record(&[]);
        let later = SightingRecord {
            count: 99,
            last_seen: one.last_seen + 1,
            ..one.clone()
        };
        assert_eq!(sighting_id(&one, "a.log"), sighting_id(&later, "a.log"));
        assert_ne!(sighting_id(&one, "a.log"), sighting_id(&one, "b.log"));
        assert_eq!(
            bundle_of(std::slice::from_ref(&one), None)["id"],
            bundle_of(std::slice::from_ref(&later), None)["id"]
        );
    }

    #[test]
    fn a_sighting_identity_must_be_an_identity_id() {
        let mut bytes = Vec::new();
        let error = write_stix_bundle(&[record(&[])], Some("waterbedrijf"), "x", &mut bytes)
            .expect_err("refused");
        assert!(error.to_string().contains("identity--"), "{error}");
        assert!(bytes.is_empty(), "nothing written");
    }

    #[test]
    fn the_table_aligns_its_columns() {
        let short = SightingRecord {
            indicator_id: "indicator--a".to_owned(),
            indicator_name: None,
            event_lines: vec![],
            count: 3,
            ..record(&[])
        };
        let mut bytes = Vec::new();
        write_table(&[record(&[]), short], &mut bytes).expect("written");
        let text = String::from_utf8(bytes).expect("UTF-8");
        let expected = "\
INDICATOR                                        NAME                   COUNT  FIRST SEEN                LAST SEEN                 EXAMPLE LINES
indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f  C2 beacon to the dike     12  2026-01-05T08:00:00.000Z  2026-01-05T09:00:00.123Z  3,17,250
indicator--a                                     -                          3  2026-01-05T08:00:00.000Z  2026-01-05T09:00:00.123Z  -
";
        assert_eq!(text, expected);
    }
}
