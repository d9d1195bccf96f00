//! Submissions as rows: the status JSON and, until finished, the work left to do.

use dijkwacht_store::StoreError;
use dijkwacht_store::submissions::Submission;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::ingest::now_micros;

const COLUMNS: &str = "id, organisation, finished, status, pending_work";

fn submission(row: &Row<'_>) -> rusqlite::Result<Submission> {
    Ok(Submission {
        id: row.get(0)?,
        organisation: row.get(1)?,
        finished: row.get(2)?,
        status: row.get(3)?,
        pending_work: row.get(4)?,
    })
}

pub(crate) fn save(connection: &Connection, submission: &Submission) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT INTO submissions (id, organisation, created_at, finished, status, pending_work) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (id) DO UPDATE SET finished = excluded.finished, \
             status = excluded.status, pending_work = excluded.pending_work",
            params![
                submission.id,
                submission.organisation,
                now_micros(),
                submission.finished,
                submission.status,
                submission.pending_work
            ],
        )
        .map_err(|error| StoreError::backend("saving a submission", error))?;
    Ok(())
}

pub(crate) fn one(connection: &Connection, id: &str) -> Result<Option<Submission>, StoreError> {
    connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM submissions WHERE id = ?1"),
            [id],
            submission,
        )
        .optional()
        .map_err(|error| StoreError::backend("reading a submission", error))
}

pub(crate) fn unfinished(connection: &Connection) -> Result<Vec<Submission>, StoreError> {
    let failed = |error| StoreError::backend("listing unfinished submissions", error);
    let mut statement = connection
        .prepare(&format!(
            "SELECT {COLUMNS} FROM submissions WHERE finished = 0 ORDER BY created_at, rowid"
        ))
        .map_err(failed)?;
    let rows = statement.query_map([], submission).map_err(failed)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(failed)
}
