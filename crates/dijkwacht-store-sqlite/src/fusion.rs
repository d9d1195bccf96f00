//! The fusion ledger (`dijkwacht_store::fusion`, migration `0007_fusion`): statements
//! per object and source, and observable links, upserted in one transaction per
//! delivery and read back per object. Indicators' route-bound pattern keys
//! (`pattern:…`) go to `fusion_patterns` as their SHA-256: they are long and only ever
//! looked up whole, and the hash keeps that table's B-tree small.

use std::collections::{BTreeSet, HashMap};

use dijkwacht_store::StoreError;
use dijkwacht_store::fusion::{
    FusionProvenance, FusionRecord, MAX_RELATED, ObservableLink, SourceStatements,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

/// Keys asked of SQLite per statement.
const KEYS_PER_QUERY: usize = 500;

/// How a pattern key begins (`dijkwacht_fusion::correlation::pattern_key`).
const PATTERN_PREFIX: &str = "pattern:";

fn pattern_hash(key: &str) -> Option<Vec<u8>> {
    key.starts_with(PATTERN_PREFIX)
        .then(|| Sha256::digest(key.as_bytes()).to_vec())
}

pub(crate) fn record(connection: &mut Connection, record: &FusionRecord) -> Result<(), StoreError> {
    let failed = |error| StoreError::backend("recording the fusion ledger", error);
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    {
        let mut statement = transaction
            .prepare_cached(
                "INSERT INTO fusion_statements
                     (object_id, source, reliability, first_seen, last_seen, times)
                 VALUES (?1, ?2, ?3, ?4, ?4, 1)
                 ON CONFLICT (object_id, source) DO UPDATE SET
                     reliability = excluded.reliability,
                     first_seen = min(first_seen, excluded.first_seen),
                     last_seen = max(last_seen, excluded.last_seen),
                     times = times + 1",
            )
            .map_err(failed)?;
        for each in &record.statements {
            statement
                .execute(params![
                    each.object_id,
                    each.source,
                    each.reliability.to_string(),
                    each.seen_at
                ])
                .map_err(failed)?;
        }
        let mut link = transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO observable_links (key, object_id) VALUES (?1, ?2)",
            )
            .map_err(failed)?;
        let mut pattern = transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO fusion_patterns (key_hash, object_id) VALUES (?1, ?2)",
            )
            .map_err(failed)?;
        for each in &record.observables {
            match pattern_hash(&each.key) {
                Some(hash) => pattern.execute(params![hash, each.object_id]),
                None => link.execute(params![each.key, each.object_id]),
            }
            .map_err(failed)?;
        }
    }
    transaction.commit().map_err(failed)
}

pub(crate) fn objects_with_keys(
    connection: &Connection,
    keys: &[String],
) -> Result<Vec<ObservableLink>, StoreError> {
    let failed = |error| StoreError::backend("reading observable links", error);
    let mut links = Vec::new();
    let (patterns, observables): (Vec<&String>, Vec<&String>) =
        keys.iter().partition(|key| key.starts_with(PATTERN_PREFIX));
    let by_hash: HashMap<Vec<u8>, &String> = patterns
        .iter()
        .filter_map(|key| pattern_hash(key).map(|hash| (hash, *key)))
        .collect();
    let hashes: Vec<String> = by_hash.keys().map(|hash| hex_text(hash)).collect();
    for chunk in hashes.chunks(KEYS_PER_QUERY) {
        let rows = rows_in(
            connection,
            "SELECT key_hash, object_id FROM fusion_patterns WHERE key_hash IN",
            "unhex(value)",
            chunk,
        )
        .map_err(failed)?;
        for (hash, object_id) in rows {
            let hash: Vec<u8> = hash;
            if let Some(key) = by_hash.get(&hash) {
                links.push(ObservableLink {
                    key: (*key).clone(),
                    object_id,
                });
            }
        }
    }
    let observables: Vec<String> = observables.into_iter().cloned().collect();
    for chunk in observables.chunks(KEYS_PER_QUERY) {
        let rows = rows_in(
            connection,
            "SELECT key, object_id FROM observable_links WHERE key IN",
            "value",
            chunk,
        )
        .map_err(failed)?;
        links.extend(
            rows.into_iter()
                .map(|(key, object_id)| ObservableLink { key, object_id }),
        );
    }
    Ok(links)
}

fn hex_text(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The rows of `select` (two columns) whose first column is one of `values`, bound
/// as one JSON array (`IN (…)` ends `select`'s text; `wrap` turns each JSON value
/// into the column's form): SQLite re-prepares a statement whose planner looked at
/// more than 31 bound values each time they change.
fn rows_in<K: rusqlite::types::FromSql>(
    connection: &Connection,
    select: &str,
    wrap: &str,
    values: &[String],
) -> rusqlite::Result<Vec<(K, String)>> {
    let mut statement =
        connection.prepare_cached(&format!("{select} (SELECT {wrap} FROM json_each(?1))"))?;
    let array = serde_json::Value::from(values.to_vec()).to_string();
    let rows = statement.query_map([array], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

pub(crate) fn provenance(
    connection: &Connection,
    ids: &[String],
) -> Result<Vec<FusionProvenance>, StoreError> {
    let failed = |error| StoreError::backend("reading the fusion ledger", error);
    let mut found = Vec::new();
    for id in ids.iter().collect::<BTreeSet<_>>() {
        let statements = statements_of(connection, id).map_err(failed)?;
        // A pattern's holder has a statement of the source that stated it.
        let linked = connection
            .prepare_cached("SELECT 1 FROM observable_links WHERE object_id = ?1 LIMIT 1")
            .and_then(|mut statement| statement.query_row([id], |_| Ok(())).optional())
            .map_err(failed)?
            .is_some();
        if statements.is_empty() && !linked {
            continue;
        }
        let related = related_to(connection, id).map_err(failed)?;
        let sighted = connection
            .prepare_cached("SELECT 1 FROM sightings WHERE sighting_of = ?1 LIMIT 1")
            .and_then(|mut statement| statement.query_row([id], |_| Ok(())).optional())
            .map_err(failed)?
            .is_some();
        let corroboration = corroboration_of(connection, id).map_err(failed)?;
        found.push(FusionProvenance {
            object_id: id.clone(),
            statements,
            related,
            corroborated_last_seen: corroboration.values().copied().max(),
            corroborating_sources: corroboration.into_keys().collect(),
            sighted,
        });
    }
    Ok(found)
}

fn statements_of(connection: &Connection, id: &str) -> rusqlite::Result<Vec<SourceStatements>> {
    let mut statement = connection.prepare_cached(
        "SELECT source, reliability, first_seen, last_seen, times
         FROM fusion_statements WHERE object_id = ?1 ORDER BY source",
    )?;
    let rows = statement.query_map([id], |row| {
        let letter: String = row.get(1)?;
        let times: i64 = row.get(4)?;
        Ok(SourceStatements {
            source: row.get(0)?,
            reliability: letter.chars().next().unwrap_or('F'),
            first_seen: row.get(2)?,
            last_seen: row.get(3)?,
            times: u64::try_from(times).unwrap_or(0),
        })
    })?;
    rows.collect()
}

fn related_to(connection: &Connection, id: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT DISTINCT other.object_id
         FROM observable_links AS mine
         JOIN observable_links AS other ON other.key = mine.key
         WHERE mine.object_id = ?1 AND other.object_id != ?1
         ORDER BY other.object_id
         LIMIT {MAX_RELATED}"
    ))?;
    let rows = statement.query_map([id], |row| row.get(0))?;
    rows.collect()
}

/// The sources stating `id` or an object sharing an observable with it, each with the
/// latest time it did.
fn corroboration_of(connection: &Connection, id: &str) -> rusqlite::Result<HashMap<String, i64>> {
    let mut statement = connection.prepare_cached(
        "SELECT source, max(last_seen) FROM fusion_statements
         WHERE object_id = ?1 OR object_id IN (
             SELECT other.object_id
             FROM observable_links AS mine
             JOIN observable_links AS other ON other.key = mine.key
             WHERE mine.object_id = ?1)
         GROUP BY source",
    )?;
    let rows = statement.query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}
