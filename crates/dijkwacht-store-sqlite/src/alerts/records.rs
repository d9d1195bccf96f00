//! Alerts, their status history and the matcher's cursors. Recording reads the alert a
//! key already has inside the writing transaction and lets
//! [`AlertRecord::raised_by`] decide, so two batches naming one key cannot both store
//! it. Pages are read newest first on `(created_at, id)`, which never changes for an
//! alert, so paging is stable while alerts are recorded or raised.

use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{
    AlertCount, AlertCounts, AlertPage, AlertQuery, AlertRecord, AlertStatus, MatcherCursor,
    NewAlert, RecordOutcome, RecordedAlert, Severity, SourceFeedback, StatusChange, alert_id,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::delivery::{enqueue, enqueue_raised};
use super::{
    Doing, immediate, json_list, json_strings, json_value, named, require_organisation, sql_count,
    tlp_level,
};

const ALERT_COLUMNS: &str = "id, organisation, key, kind, severity, tlp, recipients, \
     object_ids, sources, body, created_at, updated_at, status, status_by, status_note, status_at";

fn alert_row(row: &Row<'_>) -> rusqlite::Result<AlertRecord> {
    Ok(AlertRecord {
        id: row.get(0)?,
        organisation: row.get(1)?,
        key: row.get(2)?,
        kind: row.get(3)?,
        severity: named(row, 4, Severity::parse)?,
        tlp: tlp_level(row, 5)?,
        recipients: json_strings(row, 6)?,
        object_ids: json_strings(row, 7)?,
        sources: json_strings(row, 8)?,
        body: json_value(row, 9)?,
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
        status: named(row, 12, AlertStatus::parse)?,
        status_by: row.get(13)?,
        status_note: row.get(14)?,
        status_at: row.get(15)?,
    })
}

pub(crate) fn one(connection: &Connection, id: &str) -> Result<Option<AlertRecord>, StoreError> {
    connection
        .prepare_cached(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"))
        .and_then(|mut statement| statement.query_row([id], alert_row).optional())
        .doing("reading an alert")
}

pub(super) fn require_alert(connection: &Connection, id: &str) -> Result<AlertRecord, StoreError> {
    one(connection, id)?.ok_or_else(|| StoreError::NotFound(format!("alert '{id}'")))
}

/// Stores a new alert, or writes what a raise changes ([`AlertRecord::raised_by`]) to
/// the one held: never its status, which is the members' to set.
fn store_alert(connection: &Connection, alert: &AlertRecord) -> rusqlite::Result<()> {
    connection
        .prepare_cached(&format!(
            "INSERT INTO alerts ({ALERT_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,
                 severity = excluded.severity, tlp = excluded.tlp,
                 recipients = excluded.recipients, object_ids = excluded.object_ids,
                 sources = excluded.sources, body = excluded.body,
                 updated_at = excluded.updated_at"
        ))?
        .execute(params![
            alert.id,
            alert.organisation,
            alert.key,
            alert.kind,
            alert.severity.as_str(),
            alert.tlp.name(),
            json_list(&alert.recipients),
            json_list(&alert.object_ids),
            json_list(&alert.sources),
            alert.body.to_string(),
            alert.created_at,
            alert.updated_at,
            alert.status.as_str(),
            alert.status_by,
            alert.status_note,
            alert.status_at
        ])
        .map(|_| ())
}

fn save_cursor(connection: &Connection, name: &str, value: i64) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO alert_cursors (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![name, value])
        .map(|_| ())
}

pub(crate) fn record(
    connection: &mut Connection,
    alerts: Vec<NewAlert>,
    cursor: Option<MatcherCursor>,
) -> Result<Vec<RecordedAlert>, StoreError> {
    let what = "recording alerts";
    for alert in &alerts {
        alert.check()?;
    }
    let transaction = immediate(connection, what)?;
    let mut recorded = Vec::with_capacity(alerts.len());
    for alert in alerts {
        require_organisation(&transaction, &alert.organisation)?;
        let held = one(&transaction, &alert_id(&alert.organisation, &alert.key))?;
        recorded.push(match held {
            None => {
                let stored = AlertRecord::from_new(&alert);
                store_alert(&transaction, &stored).doing(what)?;
                let deliveries = enqueue(&transaction, &stored, &alert.deliveries)?;
                RecordedAlert {
                    alert: stored,
                    outcome: RecordOutcome::New,
                    deliveries,
                }
            }
            Some(held) => match held.raised_by(&alert) {
                Some(raised) => {
                    store_alert(&transaction, &raised).doing(what)?;
                    let deliveries = enqueue_raised(&transaction, &raised, &alert.deliveries)?;
                    RecordedAlert {
                        alert: raised,
                        outcome: RecordOutcome::Raised,
                        deliveries,
                    }
                }
                None => RecordedAlert {
                    alert: held,
                    outcome: RecordOutcome::Unchanged,
                    deliveries: Vec::new(),
                },
            },
        });
    }
    if let Some(cursor) = cursor {
        save_cursor(&transaction, &cursor.name, cursor.value).doing(what)?;
    }
    transaction.commit().doing(what)?;
    Ok(recorded)
}

/// What a reader sees of alerts: all but TLP:RED, and RED only when named.
const READER_SEES: &str = "(tlp != 'red' OR EXISTS (SELECT 1 FROM json_each(alerts.recipients) \
     AS recipient WHERE recipient.value = ?))";

/// The conditions of a query and the values they bind, in order (`?` placeholders).
#[derive(Default)]
struct Conditions {
    clauses: Vec<&'static str>,
    values: Vec<Value>,
}

impl Conditions {
    fn add(&mut self, clause: &'static str, values: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause);
        self.values.extend(values);
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

fn names_array<'name>(names: impl IntoIterator<Item = &'name str>) -> Value {
    Value::Text(serde_json::Value::from_iter(names).to_string())
}

pub(crate) fn query(connection: &Connection, query: &AlertQuery) -> Result<AlertPage, StoreError> {
    query.check()?;
    let mut conditions = Conditions::default();
    if let Some(organisation) = &query.organisation {
        require_organisation(connection, organisation)?;
        conditions.add("organisation = ?", [Value::Text(organisation.clone())]);
    }
    if let Some(reader) = &query.reader {
        conditions.add(READER_SEES, [Value::Text(reader.clone())]);
    }
    if !query.statuses.is_empty() {
        let statuses = query.statuses.iter().map(|status| status.as_str());
        conditions.add(
            "status IN (SELECT value FROM json_each(?))",
            [names_array(statuses)],
        );
    }
    if let Some(minimum) = query.min_severity {
        let severities = Severity::ALL.iter().filter(|each| **each >= minimum);
        conditions.add(
            "severity IN (SELECT value FROM json_each(?))",
            [names_array(severities.map(|each| each.as_str()))],
        );
    }
    if let Some(since) = query.since {
        conditions.add("created_at >= ?", [Value::Integer(since)]);
    }
    let (position, order) = match (&query.before, &query.after) {
        (Some(before), _) => (Some(("(created_at, id) < (?, ?)", before)), "DESC"),
        (None, Some(after)) => (Some(("(created_at, id) > (?, ?)", after)), "ASC"),
        (None, None) => (None, "DESC"),
    };
    if let Some((clause, position)) = position {
        conditions.add(
            clause,
            [
                Value::Integer(position.created_at),
                Value::Text(position.id.clone()),
            ],
        );
    }
    // One more than asked, to learn whether there are more.
    conditions
        .values
        .push(Value::Integer(sql_count(query.limit).saturating_add(1)));
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM alerts {} ORDER BY created_at {order}, id {order} LIMIT ?",
        conditions.sql()
    );
    // Not cached: the shapes are many, and would push out the statements that are.
    let mut alerts: Vec<AlertRecord> = connection
        .prepare(&sql)
        .and_then(|mut statement| {
            statement
                .query_map(params_from_iter(&conditions.values), alert_row)?
                .collect()
        })
        .doing("listing alerts")?;
    let more = alerts.len() > query.limit;
    alerts.truncate(query.limit);
    if query.after.is_some() {
        alerts.reverse();
    }
    Ok(AlertPage { alerts, more })
}

pub(crate) fn set_status(
    connection: &mut Connection,
    id: &str,
    change: &StatusChange,
) -> Result<AlertRecord, StoreError> {
    let what = "changing an alert's status";
    let transaction = immediate(connection, what)?;
    require_alert(&transaction, id)?;
    // The alert's columns and its history row take the same values.
    let status = change.status.as_str();
    let values = params![id, status, change.by, change.note, change.at];
    transaction
        .execute(
            "UPDATE alerts SET status = ?2, status_by = ?3, status_note = ?4, status_at = ?5
             WHERE id = ?1",
            values,
        )
        .and_then(|_| {
            transaction.execute(
                "INSERT INTO alert_history (alert_id, status, by_user, note, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                values,
            )
        })
        .doing(what)?;
    let changed = require_alert(&transaction, id)?;
    transaction.commit().doing(what)?;
    Ok(changed)
}

pub(crate) fn history(connection: &Connection, id: &str) -> Result<Vec<StatusChange>, StoreError> {
    require_alert(connection, id)?;
    connection
        .prepare_cached(
            "SELECT status, by_user, note, at FROM alert_history WHERE alert_id = ?1 ORDER BY id",
        )
        .and_then(|mut statement| {
            statement
                .query_map([id], |row| {
                    Ok(StatusChange {
                        status: named(row, 0, AlertStatus::parse)?,
                        by: row.get(1)?,
                        note: row.get(2)?,
                        at: row.get(3)?,
                    })
                })?
                .collect()
        })
        .doing("reading an alert's history")
}

/// A count as the API reports it.
fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let count: i64 = row.get(index)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) fn feedback(connection: &Connection) -> Result<Vec<SourceFeedback>, StoreError> {
    let rows: Vec<(String, AlertStatus, u64)> = connection
        .prepare_cached(
            "SELECT source.value, alerts.status, count(*)
             FROM alerts, json_each(alerts.sources) AS source
             GROUP BY source.value, alerts.status",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |row| {
                    Ok((
                        row.get(0)?,
                        named(row, 1, AlertStatus::parse)?,
                        count(row, 2)?,
                    ))
                })?
                .collect()
        })
        .doing("adding up the feedback per source")?;
    Ok(SourceFeedback::tally(rows))
}

pub(crate) fn counts(
    connection: &Connection,
    organisation: Option<&str>,
    reader: Option<&str>,
) -> Result<AlertCounts, StoreError> {
    let mut conditions = Conditions::default();
    if let Some(organisation) = organisation {
        require_organisation(connection, organisation)?;
        conditions.add("organisation = ?", [Value::Text(organisation.to_owned())]);
    }
    if let Some(reader) = reader {
        conditions.add(READER_SEES, [Value::Text(reader.to_owned())]);
    }
    let sql = format!(
        "SELECT status, severity, count(*) FROM alerts {} GROUP BY status, severity",
        conditions.sql()
    );
    let mut cells: Vec<AlertCount> = connection
        .prepare_cached(&sql)
        .and_then(|mut statement| {
            statement
                .query_map(params_from_iter(conditions.values), |row| {
                    Ok(AlertCount {
                        status: named(row, 0, AlertStatus::parse)?,
                        severity: named(row, 1, Severity::parse)?,
                        alerts: count(row, 2)?,
                    })
                })?
                .collect()
        })
        .doing("counting alerts")?;
    cells.sort_by_key(|cell| (cell.status, cell.severity));
    Ok(AlertCounts { cells })
}

pub(crate) fn cursor(connection: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    connection
        .prepare_cached("SELECT value FROM alert_cursors WHERE name = ?1")
        .and_then(|mut statement| statement.query_row([name], |row| row.get(0)).optional())
        .doing("reading the matcher's cursor")
}

pub(crate) fn set_cursor(
    connection: &mut Connection,
    name: &str,
    value: i64,
) -> Result<(), StoreError> {
    let what = "saving the matcher's cursor";
    let transaction = immediate(connection, what)?;
    save_cursor(&transaction, name, value).doing(what)?;
    transaction.commit().doing(what)
}
