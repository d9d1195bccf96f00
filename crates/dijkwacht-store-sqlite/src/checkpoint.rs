//! Checkpointing off the write path. In WAL mode a commit only appends to the log; a
//! checkpoint later copies the logged pages into the database file. SQLite would do
//! that inside the committing call, which adds a third to the time a large batch takes;
//! here a thread of its own, with its own connection, does it after each commit while
//! the writer goes on with the next batch (a checkpoint needs no write lock).
//!
//! Durability does not depend on it: a committed transaction is in the synced log, and
//! SQLite replays the log when a file is opened after a crash.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use dijkwacht_store::StoreError;
use rusqlite::Connection;

use crate::connection::{Role, open_file};

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` on its thread whenever nudged.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    /// Dropping it ends the thread.
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(crate) fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let connection = open_file(path, Role::Checkpointer)?;
        // One pending nudge is enough: a checkpoint copies everything committed so far.
        let (wake, wakes) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("dijkwacht-checkpoint".to_owned())
            .spawn(move || checkpoint_when_woken(&connection, &wakes))
            .map_err(|error| StoreError::backend("starting the checkpoint thread", error))?;
        Ok(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint soon; returns at once.
    pub(crate) fn nudge(&self) {
        if let Some(wake) = &self.wake {
            match wake.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                Err(TrySendError::Disconnected(())) => {
                    tracing::warn!(
                        "the checkpoint thread has stopped; SQLite will checkpoint on close"
                    );
                }
            }
        }
    }
}

fn checkpoint_when_woken(connection: &Connection, wakes: &Receiver<()>) {
    while wakes.recv().is_ok() {
        let result = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
        });
        match result {
            Ok((logged, copied)) => tracing::trace!(logged, copied, "checkpointed"),
            // Another checkpoint running, or a lock held for a moment: the next nudge
            // tries again.
            Err(error) => tracing::debug!(%error, "checkpoint skipped"),
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::warn!("the checkpoint thread panicked");
            }
        }
    }
}
