//! Asset profiles: `assets` (one row per organisation, kind and value) and
//! `asset_profiles` (each profile's revision). A change that adds or removes anything
//! takes the next revision of the one counter all profiles share, in the same
//! transaction as the change, so the matcher's "changed since" never misses one.

use std::collections::BTreeSet;

use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{
    AssetChange, AssetPosition, AssetProfile, AssetRecord, ProfileEntry, ProfileRevision,
    distinct_entries,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{Doing, immediate, require_organisation, sql_count};

const ASSET_COLUMNS: &str = "organisation, kind, value, added_at";

fn asset(row: &Row<'_>) -> rusqlite::Result<AssetRecord> {
    Ok(AssetRecord {
        organisation: row.get(0)?,
        kind: row.get(1)?,
        value: row.get(2)?,
        added_at: row.get(3)?,
    })
}

fn revision_of(connection: &Connection, organisation: &str) -> rusqlite::Result<i64> {
    connection
        .prepare_cached("SELECT revision FROM asset_profiles WHERE organisation = ?1")?
        .query_row([organisation], |row| row.get(0))
        .optional()
        .map(|revision| revision.unwrap_or(0))
}

/// Gives the profile the next revision when it `changed`; returns its revision.
fn next_revision(
    transaction: &Transaction<'_>,
    organisation: &str,
    changed: bool,
) -> rusqlite::Result<i64> {
    if changed {
        transaction
            .prepare_cached(
                "INSERT INTO asset_profiles (organisation, revision)
                 VALUES (?1, (SELECT coalesce(max(revision), 0) + 1 FROM asset_profiles))
                 ON CONFLICT (organisation) DO UPDATE SET revision = excluded.revision",
            )?
            .execute([organisation])?;
    }
    revision_of(transaction, organisation)
}

fn insert_all<'entry>(
    transaction: &Transaction<'_>,
    organisation: &str,
    entries: impl IntoIterator<Item = &'entry ProfileEntry>,
    at: i64,
) -> rusqlite::Result<usize> {
    let mut insert = transaction.prepare_cached(
        "INSERT INTO assets (organisation, kind, value, added_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (organisation, kind, value) DO NOTHING",
    )?;
    let mut added = 0;
    for entry in entries {
        added += insert.execute(params![organisation, entry.kind, entry.value, at])?;
    }
    Ok(added)
}

fn delete_all<'entry>(
    transaction: &Transaction<'_>,
    organisation: &str,
    entries: impl IntoIterator<Item = &'entry ProfileEntry>,
) -> rusqlite::Result<usize> {
    let mut delete = transaction.prepare_cached(
        "DELETE FROM assets WHERE organisation = ?1 AND kind = ?2 AND value = ?3",
    )?;
    let mut removed = 0;
    for entry in entries {
        removed += delete.execute(params![organisation, entry.kind, entry.value])?;
    }
    Ok(removed)
}

/// Runs `change` (which returns what was added and removed) on the organisation's
/// profile in one transaction, and moves the revision when anything changed.
fn change_profile(
    connection: &mut Connection,
    organisation: &str,
    what: &str,
    change: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<(usize, usize)>,
) -> Result<(usize, usize, i64), StoreError> {
    let transaction = immediate(connection, what)?;
    require_organisation(&transaction, organisation)?;
    let (added, removed) = change(&transaction).doing(what)?;
    let revision = next_revision(&transaction, organisation, added + removed > 0).doing(what)?;
    transaction.commit().doing(what)?;
    Ok((added, removed, revision))
}

pub(crate) fn add(
    connection: &mut Connection,
    organisation: &str,
    entries: Vec<ProfileEntry>,
    at: i64,
) -> Result<AssetChange, StoreError> {
    let entries = distinct_entries(entries)?;
    let (added, _, revision) = change_profile(
        connection,
        organisation,
        "adding to a profile",
        |transaction| Ok((insert_all(transaction, organisation, &entries, at)?, 0)),
    )?;
    Ok(AssetChange {
        added,
        removed: 0,
        unchanged: entries.len() - added,
        revision,
    })
}

pub(crate) fn replace(
    connection: &mut Connection,
    organisation: &str,
    entries: Vec<ProfileEntry>,
    at: i64,
) -> Result<AssetChange, StoreError> {
    let wanted = distinct_entries(entries)?;
    let (added, removed, revision) = change_profile(
        connection,
        organisation,
        "replacing a profile",
        |transaction| {
            let held: BTreeSet<ProfileEntry> = transaction
                .prepare_cached("SELECT kind, value FROM assets WHERE organisation = ?1")?
                .query_map([organisation], |row| {
                    Ok(ProfileEntry::new(
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let removed = delete_all(transaction, organisation, held.difference(&wanted))?;
            let added = insert_all(transaction, organisation, wanted.difference(&held), at)?;
            Ok((added, removed))
        },
    )?;
    Ok(AssetChange {
        added,
        removed,
        unchanged: wanted.len() - added,
        revision,
    })
}

pub(crate) fn remove(
    connection: &mut Connection,
    organisation: &str,
    entries: Vec<ProfileEntry>,
) -> Result<AssetChange, StoreError> {
    let entries = distinct_entries(entries)?;
    let (_, removed, revision) = change_profile(
        connection,
        organisation,
        "removing from a profile",
        |transaction| Ok((0, delete_all(transaction, organisation, &entries)?)),
    )?;
    Ok(AssetChange {
        added: 0,
        removed,
        unchanged: entries.len() - removed,
        revision,
    })
}

pub(crate) fn profile(
    connection: &Connection,
    organisation: &str,
) -> Result<AssetProfile, StoreError> {
    let what = "reading a profile";
    // One read transaction: the entries and the revision are of the same moment.
    let snapshot = connection.unchecked_transaction().doing(what)?;
    require_organisation(&snapshot, organisation)?;
    let revision = revision_of(&snapshot, organisation).doing(what)?;
    let assets = snapshot
        .prepare_cached(&format!(
            "SELECT {ASSET_COLUMNS} FROM assets WHERE organisation = ?1 ORDER BY kind, value"
        ))
        .and_then(|mut statement| statement.query_map([organisation], asset)?.collect())
        .doing(what)?;
    snapshot.commit().doing(what)?;
    Ok(AssetProfile {
        organisation: organisation.to_owned(),
        revision,
        assets,
    })
}

pub(crate) fn page(
    connection: &Connection,
    after: Option<&AssetPosition>,
    limit: usize,
) -> Result<Vec<AssetRecord>, StoreError> {
    let what = "reading a page of profile entries";
    let limit = sql_count(limit);
    match after {
        // A row-value comparison walks the primary key from the position on.
        Some(after) => connection
            .prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS} FROM assets
                 WHERE (organisation, kind, value) > (?1, ?2, ?3)
                 ORDER BY organisation, kind, value LIMIT ?4"
            ))
            .and_then(|mut statement| {
                statement
                    .query_map(
                        params![after.organisation, after.kind, after.value, limit],
                        asset,
                    )?
                    .collect()
            }),
        None => connection
            .prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS} FROM assets ORDER BY organisation, kind, value LIMIT ?1"
            ))
            .and_then(|mut statement| statement.query_map([limit], asset)?.collect()),
    }
    .doing(what)
}

pub(crate) fn changed_since(
    connection: &Connection,
    revision: i64,
) -> Result<Vec<ProfileRevision>, StoreError> {
    connection
        .prepare_cached(
            "SELECT organisation, revision FROM asset_profiles WHERE revision > ?1 ORDER BY revision",
        )
        .and_then(|mut statement| {
            statement
                .query_map([revision], |row| {
                    Ok(ProfileRevision {
                        organisation: row.get(0)?,
                        revision: row.get(1)?,
                    })
                })?
                .collect()
        })
        .doing("listing changed profiles")
}
