//! Storing a batch: one immediate transaction that decides, object by object, whether it
//! is new, a new version, a duplicate or a conflict, and keeps the `is_latest` and
//! `is_first` flags, the search index and the per-type counts in step.
//!
//! A versioned object costs one lookup on the `(stix_id, version_key)` index when its id
//! is new, and a few more when it is not, each returning at most one row, so a batch
//! costs the same per object however many versions an id has. (Unversioned objects,
//! told apart by content, are compared with each stored version of their id.) Rejected
//! objects write nothing; in [`IngestMode::AllOrNothing`] the rest of the batch is still
//! written (so that every outcome says what *would* have happened) and then rolled back.
//!
//! The search index gets a row for each version that is the latest when it is stored;
//! rows of versions superseded later are left in place and filtered out at search time
//! (see the migration), so ingest never deletes from it.

use std::borrow::Cow;
use std::collections::HashMap;

use dijkwacht_stix::Timestamp;
use dijkwacht_store::{
    IngestMode, IngestOutcome, IngestReport, PreparedObject, Provenance, Rejection, StoreError,
};
use rusqlite::{CachedStatement, Connection, OptionalExtension, Transaction, TransactionBehavior};

/// Why a version that is already stored with other content is refused.
const CONFLICT_WITH_STORED: &str = "a different object with this id and version is already \
     stored; versions are immutable, so give the change a new `modified`";

/// Why the second, different copy of a version inside one batch is refused.
const CONFLICT_IN_BATCH: &str = "a different object with this id and version appears earlier \
     in this batch; versions are immutable, so give the change a new `modified`";

/// The version key of an unversioned object (an SCO): its `date_added`, zero-padded so
/// that keys sort as the dates do, behind a prefix that no timestamp key starts with
/// (they start with a digit) and that sorts after all of them.
pub(crate) fn unversioned_version_key(date_added: i64) -> String {
    format!("added:{date_added:020}")
}

/// The current time in Unix microseconds.
fn now_micros() -> i64 {
    Timestamp::now().unix_micros()
}

/// The order in which a batch is stored: by id, and in batch order within an id. The id
/// index is then walked from one end to the other instead of at random (ids are random
/// UUIDs), which keeps a large batch's lookups and inserts in cache; `date_added` follows
/// this order, so the objects of one batch are numbered by id.
fn storage_order(objects: &[PreparedObject]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..objects.len()).collect();
    order.sort_unstable_by(|left, right| {
        objects[*left]
            .id
            .cmp(&objects[*right].id)
            .then(left.cmp(right))
    });
    order
}

/// Stores `objects` in one transaction; see the module documentation.
pub(crate) fn ingest(
    connection: &mut Connection,
    objects: &[PreparedObject],
    mode: IngestMode,
    provenance: &Provenance,
) -> Result<IngestReport, StoreError> {
    let context = || format!("storing a batch of {} objects", objects.len());
    let backend = |error: rusqlite::Error| StoreError::backend(context(), error);
    if objects.is_empty() {
        return Ok(IngestReport {
            committed: true,
            ..IngestReport::default()
        });
    }
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let (report, stored) = {
        let mut batch = Batch::start(&transaction, objects.len(), provenance).map_err(backend)?;
        let mut report = IngestReport {
            outcomes: vec![IngestOutcome::Rejected; objects.len()],
            dates_added: vec![None; objects.len()],
            rejections: Vec::new(),
            committed: true,
        };
        for index in storage_order(objects) {
            let object = &objects[index];
            match batch.store(object).map_err(backend)? {
                Decision::Stored {
                    outcome,
                    date_added,
                } => {
                    report.outcomes[index] = outcome;
                    report.dates_added[index] = Some(date_added);
                }
                Decision::Duplicate => report.outcomes[index] = IngestOutcome::Duplicate,
                Decision::Rejected(reason) => report.rejections.push(Rejection {
                    index,
                    id: object.id.clone(),
                    version: object.version_text.clone(),
                    reason: reason.to_owned(),
                }),
            }
        }
        report
            .rejections
            .sort_unstable_by_key(|rejection| rejection.index);
        let stored = batch.finish().map_err(backend)?;
        (report, stored)
    };
    if mode == IngestMode::AllOrNothing && !report.rejections.is_empty() {
        transaction.rollback().map_err(backend)?;
        tracing::debug!(
            objects = objects.len(),
            rejected = report.rejections.len(),
            "rolled back an all-or-nothing batch"
        );
        return Ok(IngestReport {
            dates_added: vec![None; objects.len()],
            committed: false,
            ..report
        });
    }
    transaction.commit().map_err(backend)?;
    tracing::debug!(
        objects = objects.len(),
        stored,
        rejected = report.rejections.len(),
        source = %provenance.source,
        "stored a batch"
    );
    Ok(report)
}

/// What became of one object.
enum Decision {
    Stored {
        outcome: IngestOutcome,
        date_added: i64,
    },
    Duplicate,
    Rejected(&'static str),
}

/// The open batch: its ingest row, the last `date_added` handed out, the prepared
/// statements and the counts to add to `type_counts`.
struct Batch<'t, 'o> {
    transaction: &'t Transaction<'t>,
    ingest_id: i64,
    last_date_added: i64,
    stored: i64,
    /// Per type: new objects, new versions.
    type_counts: HashMap<&'o str, (i64, i64)>,
    statements: Statements<'t>,
}

struct Statements<'t> {
    newest: CachedStatement<'t>,
    oldest: CachedStatement<'t>,
    same_version: CachedStatement<'t>,
    same_content: CachedStatement<'t>,
    clear_latest: CachedStatement<'t>,
    clear_first: CachedStatement<'t>,
    insert: CachedStatement<'t>,
    index_text: CachedStatement<'t>,
}

impl<'t> Statements<'t> {
    fn prepare(transaction: &'t Transaction<'t>) -> rusqlite::Result<Statements<'t>> {
        Ok(Statements {
            newest: transaction.prepare_cached(
                "SELECT date_added, version_key FROM objects WHERE stix_id = ?1 \
                 ORDER BY version_key DESC LIMIT 1",
            )?,
            oldest: transaction.prepare_cached(
                "SELECT date_added, version_key FROM objects WHERE stix_id = ?1 \
                 ORDER BY version_key ASC LIMIT 1",
            )?,
            same_version: transaction.prepare_cached(
                "SELECT json, ingest_id FROM objects WHERE stix_id = ?1 AND version_key = ?2",
            )?,
            same_content: transaction
                .prepare_cached("SELECT 1 FROM objects WHERE stix_id = ?1 AND json = ?2 LIMIT 1")?,
            clear_latest: transaction
                .prepare_cached("UPDATE objects SET is_latest = 0 WHERE date_added = ?1")?,
            clear_first: transaction
                .prepare_cached("UPDATE objects SET is_first = 0 WHERE date_added = ?1")?,
            insert: transaction.prepare_cached(
                "INSERT INTO objects (stix_id, stix_type, spec_version, version_key, \
                 version_text, date_added, revoked, is_latest, is_first, json, owner, tlp, \
                 scope, ingest_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
            index_text: transaction.prepare_cached(
                "INSERT INTO objects_fts (rowid, name, description) VALUES (?1, ?2, ?3)",
            )?,
        })
    }
}

/// The stored version of an id that sorts first or last.
struct Edge {
    date_added: i64,
    version_key: String,
}

impl<'t, 'o> Batch<'t, 'o> {
    fn start(
        transaction: &'t Transaction<'t>,
        object_count: usize,
        provenance: &Provenance,
    ) -> rusqlite::Result<Batch<'t, 'o>> {
        let ingest_id = transaction.query_row(
            "INSERT INTO ingests (source, started_at, object_count, stored_count) \
             VALUES (?1, ?2, ?3, 0) RETURNING id",
            rusqlite::params![
                provenance.source,
                now_micros(),
                i64::try_from(object_count).unwrap_or(i64::MAX)
            ],
            |row| row.get(0),
        )?;
        let last_date_added = transaction.query_row(
            "SELECT coalesce(max(date_added), 0) FROM objects",
            [],
            |row| row.get(0),
        )?;
        Ok(Batch {
            transaction,
            ingest_id,
            last_date_added,
            stored: 0,
            type_counts: HashMap::new(),
            statements: Statements::prepare(transaction)?,
        })
    }

    /// The next `date_added`: now, or just after the last one when the clock is behind
    /// (several objects in one microsecond, or the clock stepped back).
    fn next_date_added(&mut self) -> i64 {
        let next = now_micros().max(self.last_date_added.saturating_add(1));
        self.last_date_added = next;
        next
    }

    fn edge(statement: &mut CachedStatement<'_>, id: &str) -> rusqlite::Result<Option<Edge>> {
        statement
            .query_row([id], |row| {
                Ok(Edge {
                    date_added: row.get(0)?,
                    version_key: row.get(1)?,
                })
            })
            .optional()
    }

    fn store(&mut self, object: &'o PreparedObject) -> rusqlite::Result<Decision> {
        let newest = Self::edge(&mut self.statements.newest, &object.id)?;
        if let Some(newest) = &newest {
            if let Some(duplicate_or_conflict) = self.compare_with_stored(object, newest)? {
                return Ok(duplicate_or_conflict);
            }
        }
        let date_added = self.next_date_added();
        let version_key = match &object.version_key {
            Some(key) => Cow::Borrowed(key.as_str()),
            None => Cow::Owned(unversioned_version_key(date_added)),
        };
        let (is_latest, is_first) = match &newest {
            None => (true, true),
            Some(newest) if *version_key > *newest.version_key => {
                self.statements.clear_latest.execute([newest.date_added])?;
                (true, false)
            }
            Some(_) => match Self::edge(&mut self.statements.oldest, &object.id)? {
                Some(oldest) if *version_key < *oldest.version_key => {
                    self.statements.clear_first.execute([oldest.date_added])?;
                    (false, true)
                }
                _ => (false, false),
            },
        };
        let added_text;
        let version_text = match (&object.version_text, &object.version_key) {
            (Some(text), _) | (None, Some(text)) => text.as_str(),
            (None, None) => {
                added_text = Timestamp::from_unix_micros(date_added).to_taxii_string();
                added_text.as_str()
            }
        };
        self.statements.insert.execute(rusqlite::params![
            object.id,
            object.object_type,
            object.spec_version,
            version_key,
            version_text,
            date_added,
            object.revoked,
            is_latest,
            is_first,
            object.json,
            object.handling.owner,
            object.handling.tlp.map(|level| level.name()),
            object.handling.scope,
            self.ingest_id,
        ])?;
        if is_latest && (object.name.is_some() || object.description.is_some()) {
            self.statements.index_text.execute(rusqlite::params![
                date_added,
                object.name,
                object.description
            ])?;
        }
        self.stored += 1;
        let counts = self
            .type_counts
            .entry(object.object_type.as_str())
            .or_default();
        counts.1 += 1;
        let outcome = if newest.is_none() {
            counts.0 += 1;
            IngestOutcome::NewObject
        } else {
            IngestOutcome::NewVersion
        };
        Ok(Decision::Stored {
            outcome,
            date_added,
        })
    }

    /// For an id that is already stored: `Some` when the object is a duplicate or a
    /// conflict, `None` when it is a version to store.
    fn compare_with_stored(
        &mut self,
        object: &PreparedObject,
        newest: &Edge,
    ) -> rusqlite::Result<Option<Decision>> {
        let Some(version_key) = &object.version_key else {
            // Unversioned objects are told apart by content alone.
            let known = self
                .statements
                .same_content
                .exists(rusqlite::params![object.id, object.json])?;
            return Ok(known.then_some(Decision::Duplicate));
        };
        if *version_key > newest.version_key {
            return Ok(None);
        }
        let stored: Option<(String, Option<i64>)> = self
            .statements
            .same_version
            .query_row(rusqlite::params![object.id, version_key], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        Ok(stored.map(|(json, ingest_id)| {
            if json == object.json {
                Decision::Duplicate
            } else if ingest_id == Some(self.ingest_id) {
                Decision::Rejected(CONFLICT_IN_BATCH)
            } else {
                Decision::Rejected(CONFLICT_WITH_STORED)
            }
        }))
    }

    /// Records the batch's totals; returns how many objects were stored.
    fn finish(self) -> rusqlite::Result<i64> {
        self.transaction.execute(
            "UPDATE ingests SET stored_count = ?1 WHERE id = ?2",
            [self.stored, self.ingest_id],
        )?;
        let mut add_counts = self.transaction.prepare_cached(
            "INSERT INTO type_counts (stix_type, objects, versions) VALUES (?1, ?2, ?3) \
             ON CONFLICT (stix_type) DO UPDATE SET objects = objects + excluded.objects, \
             versions = versions + excluded.versions",
        )?;
        for (object_type, (objects, versions)) in &self.type_counts {
            add_counts.execute(rusqlite::params![object_type, objects, versions])?;
        }
        Ok(self.stored)
    }
}
