//! From hits to sightings. A matcher reports every hit — this indicator matched that
//! log event or observed-data — and a sensor may see the same indicator thousands of
//! times in one run. What a member reports, and what the server counts, is one sighting
//! per indicator: how often, from when to when, in which observed-data, with a few
//! example lines so that a person can go and look. [`SightingTally`] folds hits into
//! [`SightingRecord`]s with bounded memory per indicator, whatever the number of hits.

use std::collections::{BTreeMap, BTreeSet};

/// The most observed-data ids one record keeps: enough to point at the evidence, and a
/// sighting object stays far below any server's size limit.
pub const MAX_OBSERVED_DATA_REFS: usize = 1000;

/// How many example lines a record keeps unless told otherwise.
pub const DEFAULT_EXAMPLE_LINES: usize = 5;

/// One indicator matching one event (a log line or an observed-data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub indicator_id: String,
    pub indicator_name: Option<String>,
    /// The observed-data that matched, when the input was STIX.
    pub observed_data_id: Option<String>,
    /// When the event began and ended, Unix microseconds (equal for a single event).
    pub first_seen: i64,
    pub last_seen: i64,
    /// How many times the event happened (an observed-data's `number_observed`; 1 for a
    /// log line).
    pub count: u64,
    /// The line of the input the event came from, when it came from lines.
    pub line: Option<u64>,
}

/// What one run saw of one indicator: the content of one STIX sighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SightingRecord {
    pub indicator_id: String,
    pub indicator_name: Option<String>,
    /// Distinct, in the order first seen; at most [`MAX_OBSERVED_DATA_REFS`].
    pub observed_data_ids: Vec<String>,
    /// Unix microseconds.
    pub first_seen: i64,
    pub last_seen: i64,
    /// The sum of the hits' counts.
    pub count: u64,
    /// The first few input lines that matched, in the order seen.
    pub event_lines: Vec<u64>,
}

impl SightingRecord {
    fn start(hit: &Hit) -> SightingRecord {
        SightingRecord {
            indicator_id: hit.indicator_id.clone(),
            indicator_name: hit.indicator_name.clone(),
            observed_data_ids: Vec::new(),
            first_seen: hit.first_seen.min(hit.last_seen),
            last_seen: hit.last_seen.max(hit.first_seen),
            count: 0,
            event_lines: Vec::new(),
        }
    }
}

/// Merges hits per indicator into [`SightingRecord`]s.
#[derive(Debug, Clone)]
pub struct SightingTally {
    max_example_lines: usize,
    records: BTreeMap<String, SightingRecord>,
    /// Per indicator, the observed-data ids already kept (for deduplication).
    observed_data_seen: BTreeMap<String, BTreeSet<String>>,
}

impl Default for SightingTally {
    fn default() -> Self {
        SightingTally::new(DEFAULT_EXAMPLE_LINES)
    }
}

impl SightingTally {
    /// A tally that keeps up to `max_example_lines` example lines per indicator.
    pub fn new(max_example_lines: usize) -> SightingTally {
        SightingTally {
            max_example_lines,
            records: BTreeMap::new(),
            observed_data_seen: BTreeMap::new(),
        }
    }

    /// Adds one hit.
    pub fn add(&mut self, hit: &Hit) {
        let record = self
            .records
            .entry(hit.indicator_id.clone())
            .or_insert_with(|| SightingRecord::start(hit));
        record.count = record.count.saturating_add(hit.count);
        record.first_seen = record.first_seen.min(hit.first_seen.min(hit.last_seen));
        record.last_seen = record.last_seen.max(hit.last_seen.max(hit.first_seen));
        if record.indicator_name.is_none() {
            record.indicator_name.clone_from(&hit.indicator_name);
        }
        if let Some(line) = hit.line {
            if record.event_lines.len() < self.max_example_lines {
                record.event_lines.push(line);
            }
        }
        if let Some(observed) = &hit.observed_data_id {
            let seen = self
                .observed_data_seen
                .entry(hit.indicator_id.clone())
                .or_default();
            if record.observed_data_ids.len() < MAX_OBSERVED_DATA_REFS
                && seen.insert(observed.clone())
            {
                record.observed_data_ids.push(observed.clone());
            }
        }
    }

    /// How many indicators were hit so far.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The records, by indicator id.
    pub fn into_records(self) -> Vec<SightingRecord> {
        self.records.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(indicator: &str, at: i64, line: Option<u64>, observed: Option<&str>) -> Hit {
        Hit {
            indicator_id: indicator.to_owned(),
            indicator_name: None,
            observed_data_id: observed.map(str::to_owned),
            first_seen: at,
            last_seen: at,
            count: 1,
            line,
        }
    }

    #[test]
    fn hits_merge_per_indicator_with_bounded_examples() {
        let mut tally = SightingTally::new(2);
        tally.add(&hit("indicator--b", 50, Some(7), None));
        tally.add(&Hit {
            indicator_name: Some("beacon".to_owned()),
            count: 4,
            ..hit("indicator--a", 30, Some(3), Some("observed-data--1"))
        });
        tally.add(&hit("indicator--a", 10, Some(9), Some("observed-data--2")));
        tally.add(&hit("indicator--a", 90, Some(12), Some("observed-data--1")));
        let records = tally.into_records();
        assert_eq!(
            records,
            [
                SightingRecord {
                    indicator_id: "indicator--a".to_owned(),
                    indicator_name: Some("beacon".to_owned()),
                    observed_data_ids: vec![
                        "observed-data--1".to_owned(),
                        "observed-data--2".to_owned()
                    ],
                    first_seen: 10,
                    last_seen: 90,
                    count: 6,
                    event_lines: vec![3, 9],
                },
                SightingRecord {
                    indicator_id: "indicator--b".to_owned(),
                    indicator_name: None,
                    observed_data_ids: vec![],
                    first_seen: 50,
                    last_seen: 50,
                    count: 1,
                    event_lines: vec![7],
                },
            ]
        );
    }

    #[test]
    fn counts_saturate_and_reversed_windows_are_put_right() {
        let mut tally = SightingTally::default();
        tally.add(&Hit {
            count: u64::MAX,
            first_seen: 20,
            last_seen: 10,
            ..hit("indicator--a", 0, None, None)
        });
        tally.add(&hit("indicator--a", 15, None, None));
        let records = tally.into_records();
        assert_eq!(records[0].count, u64::MAX);
        assert_eq!((records[0].first_seen, records[0].last_seen), (10, 20));
    }
}
