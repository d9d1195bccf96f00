//! Storing a batch: one immediate transaction that decides, object by object, whether it
//! is new, a new version, a duplicate or a conflict, and keeps the `is_latest` and
//! `is_first` flags, the search index, the per-type counts and the tally of sightings
//! (one row per stored `sighting`, see [`SightingTally`]) in step.
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

use dijkwacht_policy::Scope;
use dijkwacht_stix::Timestamp;
use dijkwacht_store::{
    IngestItem, IngestMode, IngestOutcome, IngestReport, PreparedObject, Provenance, Rejection,
    StoreError,
};
use rusqlite::{CachedStatement, Connection, OptionalExtension, Transaction, TransactionBehavior};

/// Why a version that is already stored with other content is refused.
const CONFLICT_WITH_STORED: &str = "a different object with this id and version is already \
     stored; versions are immutable, so give the change a new `modified`";

/// Why a new version from someone other than the owner is refused.
const NOT_THE_OWNER: &str = "only the object's owner may publish new versions of it or \
     revoke it; publish your change as a new object that refers to it (derived-from)";

/// Why the second, different copy of a version inside one batch is refused.
const CONFLICT_IN_BATCH: &str = "a different object with this id and version appears earlier \
     in this batch; versions are immutable, so give the change a new `modified`";

/// The version key of an unversioned object (an SCO): its `date_added`, zero-padded so
/// that keys sort as the dates do, behind a prefix that no timestamp key starts with
/// (they start with a digit) and that sorts after all of them.
pub(crate) fn unversioned_version_key(date_added: i64) -> String {
    format!("added:{date_added:020}")
}

/// How a scope's kind is stored in `objects.scope`.
pub(crate) fn scope_kind(scope: &Scope) -> &'static str {
    match scope {
        Scope::Organisation => "organisation",
        Scope::Communities(_) => "communities",
        Scope::Federated(_) => "federated",
        Scope::Public => "public",
    }
}

/// The current time in Unix microseconds.
pub(crate) fn now_micros() -> i64 {
    Timestamp::now().unix_micros()
}

/// Stores `objects` in one transaction; see the module documentation.
pub(crate) fn ingest(
    connection: &mut Connection,
    objects: Vec<PreparedObject>,
    mode: IngestMode,
    provenance: &Provenance,
) -> Result<IngestReport, StoreError> {
    let mut objects = objects.into_iter();
    ingest_from(
        connection,
        || objects.next().map(Next::Object),
        mode,
        provenance,
    )
}

/// One step of a batch as [`ingest_from`] consumes it.
// Each value is moved once, straight into `ingest_from`; boxing the object would only
// add an allocation per object.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Next {
    Object(PreparedObject),
    Abort,
}

/// Flattens a stream of [`IngestItem`]s into single objects.
pub(crate) fn flatten_items(
    mut receive: impl FnMut() -> Option<IngestItem>,
) -> impl FnMut() -> Option<Next> {
    let mut pending = Vec::new().into_iter();
    move || loop {
        if let Some(object) = pending.next() {
            return Some(Next::Object(object));
        }
        match receive()? {
            IngestItem::Object(object) => return Some(Next::Object(*object)),
            IngestItem::Objects(objects) => pending = objects.into_iter(),
            IngestItem::Abort => return Some(Next::Abort),
        }
    }
}

/// Stores the objects `next` hands out, in one transaction, until it returns `None`
/// (then the batch commits) or [`Next::Abort`] (then nothing is kept).
pub(crate) fn ingest_from(
    connection: &mut Connection,
    mut next: impl FnMut() -> Option<Next>,
    mode: IngestMode,
    provenance: &Provenance,
) -> Result<IngestReport, StoreError> {
    let mut received = 0usize;
    let context = |received: usize| format!("storing a batch of objects (at object {received})");
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|error| StoreError::backend(context(0), error))?;
    let mut report = IngestReport {
        committed: true,
        ..IngestReport::default()
    };
    let mut aborted = false;
    let stored = {
        let mut batch = Batch::start(&transaction, provenance)
            .map_err(|error| StoreError::backend(context(0), error))?;
        while let Some(item) = next() {
            let object = match item {
                Next::Object(object) => object,
                Next::Abort => {
                    aborted = true;
                    break;
                }
            };
            let index = received;
            received += 1;
            let decision = batch
                .store(&object)
                .map_err(|error| StoreError::backend(context(received), error))?;
            match decision {
                Decision::Stored {
                    outcome,
                    date_added,
                } => {
                    report.outcomes.push(outcome);
                    report.dates_added.push(Some(date_added));
                }
                Decision::Duplicate => {
                    report.outcomes.push(IngestOutcome::Duplicate);
                    report.dates_added.push(None);
                }
                Decision::Rejected(reason) => {
                    report.outcomes.push(IngestOutcome::Rejected);
                    report.dates_added.push(None);
                    report.rejections.push(Rejection {
                        index,
                        id: object.id.clone(),
                        version: object.version_text.clone(),
                        reason: reason.to_owned(),
                    });
                }
            }
        }
        batch
            .finish(received)
            .map_err(|error| StoreError::backend(context(received), error))?
    };
    let backend = |error: rusqlite::Error| StoreError::backend(context(received), error);
    if aborted || (mode == IngestMode::AllOrNothing && !report.rejections.is_empty()) {
        transaction.rollback().map_err(backend)?;
        tracing::debug!(
            objects = received,
            rejected = report.rejections.len(),
            aborted,
            "rolled back a batch"
        );
        return Ok(IngestReport {
            dates_added: vec![None; received],
            committed: false,
            ..report
        });
    }
    transaction.commit().map_err(backend)?;
    tracing::debug!(
        objects = received,
        stored,
        rejected = report.rejections.len(),
        source = %provenance.source,
        "stored a batch"
    );
    Ok(report)
}

/// What a stored `sighting` adds to the tally of the object it sights (migration
/// `0006_sightings`; the migration fills the same columns for older sightings).
struct SightingTally {
    sighting_of: String,
    count: i64,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
}

impl SightingTally {
    /// The tally row of a sighting's canonical JSON; `None` when it names no sighted
    /// object (validation refuses such a sighting before it gets here).
    fn of(json: &str) -> Option<SightingTally> {
        let sighting: serde_json::Value = serde_json::from_str(json).ok()?;
        let micros = |key: &str| {
            sighting[key]
                .as_str()
                .and_then(|text| Timestamp::parse(text).ok())
                .map(|stamp| stamp.unix_micros())
        };
        let (first, last, created) = (micros("first_seen"), micros("last_seen"), micros("created"));
        Some(SightingTally {
            sighting_of: sighting["sighting_of_ref"].as_str()?.to_owned(),
            count: sighting["count"].as_i64().unwrap_or(1),
            first_seen: first.or(last).or(created),
            last_seen: last.or(first).or(created),
        })
    }
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
struct Batch<'t> {
    transaction: &'t Transaction<'t>,
    ingest_id: i64,
    last_date_added: i64,
    stored: i64,
    /// Per type: new objects, new versions.
    type_counts: HashMap<String, (i64, i64)>,
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
    scope_row: CachedStatement<'t>,
    recipient_row: CachedStatement<'t>,
    sighting_row: CachedStatement<'t>,
}

impl<'t> Statements<'t> {
    fn prepare(transaction: &'t Transaction<'t>) -> rusqlite::Result<Statements<'t>> {
        Ok(Statements {
            newest: transaction.prepare_cached(
                "SELECT date_added, version_key, owner FROM objects WHERE stix_id = ?1 \
                 ORDER BY version_key DESC LIMIT 1",
            )?,
            oldest: transaction.prepare_cached(
                "SELECT date_added, version_key, owner FROM objects WHERE stix_id = ?1 \
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
            scope_row: transaction.prepare_cached(
                "INSERT INTO object_scope (date_added, community) VALUES (?1, ?2)",
            )?,
            recipient_row: transaction.prepare_cached(
                "INSERT INTO object_recipients (date_added, user) VALUES (?1, ?2)",
            )?,
            sighting_row: transaction.prepare_cached(
                "INSERT INTO sightings (date_added, sighting_of, count, first_seen, last_seen) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
        })
    }
}

/// The stored version of an id that sorts first or last.
struct Edge {
    date_added: i64,
    version_key: String,
    owner: Option<String>,
}

impl<'t> Batch<'t> {
    fn start(
        transaction: &'t Transaction<'t>,
        provenance: &Provenance,
    ) -> rusqlite::Result<Batch<'t>> {
        let ingest_id = transaction.query_row(
            "INSERT INTO ingests (source, started_at, object_count, stored_count) \
             VALUES (?1, ?2, ?3, 0) RETURNING id",
            rusqlite::params![provenance.source, now_micros(), 0],
            |row| row.get(0),
        )?;
        let last_date_added = transaction.query_row(
            "SELECT max(coalesce((SELECT max(date_added) FROM objects), 0), \
             coalesce((SELECT max(date_added) FROM deleted_versions), 0))",
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
                    owner: row.get(2)?,
                })
            })
            .optional()
    }

    fn store(&mut self, object: &PreparedObject) -> rusqlite::Result<Decision> {
        let newest = Self::edge(&mut self.statements.newest, &object.id)?;
        if let Some(newest) = &newest {
            if let Some(duplicate_or_conflict) = self.compare_with_stored(object, newest)? {
                return Ok(duplicate_or_conflict);
            }
            // Only the owner versions or revokes an object (STIX 2.1 §3.5: only its
            // creator may; the sharing rules: only the owning organisation edits).
            if let (Some(stored), Some(new)) = (&newest.owner, &object.handling.owner) {
                if stored != new {
                    return Ok(Decision::Rejected(NOT_THE_OWNER));
                }
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
            object.handling.scope.as_ref().map(scope_kind),
            self.ingest_id,
        ])?;
        if let Some(communities) = object.handling.scope.as_ref().and_then(Scope::communities) {
            for community in communities {
                self.statements
                    .scope_row
                    .execute(rusqlite::params![date_added, community.as_str()])?;
            }
        }
        for user in &object.handling.recipients {
            self.statements
                .recipient_row
                .execute(rusqlite::params![date_added, user.as_str()])?;
        }
        if object.object_type == "sighting" {
            if let Some(tally) = SightingTally::of(&object.json) {
                self.statements.sighting_row.execute(rusqlite::params![
                    date_added,
                    tally.sighting_of,
                    tally.count,
                    tally.first_seen,
                    tally.last_seen,
                ])?;
            }
        }
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
            .entry(object.object_type.clone())
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
    fn finish(self, received: usize) -> rusqlite::Result<i64> {
        self.transaction.execute(
            "UPDATE ingests SET object_count = ?1, stored_count = ?2 WHERE id = ?3",
            [
                i64::try_from(received).unwrap_or(i64::MAX),
                self.stored,
                self.ingest_id,
            ],
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
