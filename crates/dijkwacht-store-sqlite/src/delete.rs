//! Removing versions (TAXII's DELETE). The rows go, with their scope and recipient rows
//! (and a sighting's tally row);
//! a tombstone keeps their `date_added` from being handed out again; each object that
//! keeps versions gets its latest and first flags back, and its newest remaining version
//! is indexed for search again if the removed one was; the per-type counts follow.

use std::collections::BTreeMap;

use dijkwacht_store::StoreError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::ingest::now_micros;

pub(crate) fn delete_versions(
    connection: &mut Connection,
    dates_added: &[i64],
) -> Result<usize, StoreError> {
    let failed = |error| StoreError::backend("deleting versions", error);
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    let removed = remove(&transaction, dates_added).map_err(failed)?;
    transaction.commit().map_err(failed)?;
    Ok(removed)
}

fn remove(transaction: &rusqlite::Transaction<'_>, dates_added: &[i64]) -> rusqlite::Result<usize> {
    // Per object id: its type and how many of its versions go.
    let mut touched: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let now = now_micros();
    {
        let mut find = transaction
            .prepare_cached("SELECT stix_id, stix_type FROM objects WHERE date_added = ?1")?;
        let mut tombstone = transaction.prepare_cached(
            "INSERT OR IGNORE INTO deleted_versions (date_added, stix_id, deleted_at) \
             VALUES (?1, ?2, ?3)",
        )?;
        let mut drop_scope =
            transaction.prepare_cached("DELETE FROM object_scope WHERE date_added = ?1")?;
        let mut drop_recipients =
            transaction.prepare_cached("DELETE FROM object_recipients WHERE date_added = ?1")?;
        let mut drop_sighting =
            transaction.prepare_cached("DELETE FROM sightings WHERE date_added = ?1")?;
        let mut drop_row =
            transaction.prepare_cached("DELETE FROM objects WHERE date_added = ?1")?;
        for date_added in dates_added {
            let Some((id, object_type)) = find
                .query_row([date_added], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .optional()?
            else {
                continue;
            };
            tombstone.execute(params![date_added, id, now])?;
            drop_scope.execute([date_added])?;
            drop_recipients.execute([date_added])?;
            drop_sighting.execute([date_added])?;
            drop_row.execute([date_added])?;
            touched.entry(id).or_insert((object_type, 0)).1 += 1;
        }
    }
    let mut removed = 0usize;
    for (id, (object_type, versions_removed)) in &touched {
        removed += usize::try_from(*versions_removed).unwrap_or(0);
        let remaining: i64 = transaction.query_row(
            "SELECT count(*) FROM objects WHERE stix_id = ?1",
            [id],
            |row| row.get(0),
        )?;
        let objects_removed = i64::from(remaining == 0);
        transaction.execute(
            "UPDATE type_counts SET objects = objects - ?2, versions = versions - ?3 \
             WHERE stix_type = ?1",
            params![object_type, objects_removed, versions_removed],
        )?;
        if remaining > 0 {
            restore_edges(transaction, id)?;
        }
    }
    transaction.execute("DELETE FROM type_counts WHERE versions <= 0", [])?;
    Ok(removed)
}

/// Marks the newest and the oldest remaining version of `id`, and makes the newest
/// searchable when it was not the latest before.
fn restore_edges(transaction: &rusqlite::Transaction<'_>, id: &str) -> rusqlite::Result<()> {
    let newest: (i64, bool, String) = transaction.query_row(
        "SELECT date_added, is_latest, json FROM objects WHERE stix_id = ?1 \
         ORDER BY version_key DESC LIMIT 1",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    transaction.execute(
        "UPDATE objects SET is_latest = (date_added = ?2), \
         is_first = (date_added = (SELECT date_added FROM objects WHERE stix_id = ?1 \
                                   ORDER BY version_key ASC LIMIT 1)) \
         WHERE stix_id = ?1",
        params![id, newest.0],
    )?;
    let (date_added, was_latest, json) = newest;
    if !was_latest {
        let (name, description) = searchable_text(&json);
        if name.is_some() || description.is_some() {
            transaction.execute(
                "INSERT OR REPLACE INTO objects_fts (rowid, name, description) VALUES (?1, ?2, ?3)",
                params![date_added, name, description],
            )?;
        }
    }
    Ok(())
}

/// The name and description search indexes for an object, as ingest takes them.
fn searchable_text(json: &str) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return (None, None);
    };
    let Ok(object) = dijkwacht_stix::StixObject::from_value(value) else {
        return (None, None);
    };
    (
        object.display_name().map(str::to_owned),
        object.description().map(str::to_owned),
    )
}
