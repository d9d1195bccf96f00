//! Opening SQLite connections the way the store needs them, and sharing them between
//! tasks: one writer behind a mutex (SQLite allows one writer at a time anyway) and a
//! small pool of readers, which in WAL mode read the last committed state without
//! waiting for a long write.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use dijkwacht_store::StoreError;
use rusqlite::{Connection, OpenFlags};

/// How long a connection waits for a lock held by another connection (another process
/// on the same file, or a checkpoint) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The page size of new store files, in bytes. Larger than SQLite's 4 KiB default: a
/// row (mostly its JSON) is about half a kilobyte, and bigger pages mean fewer pages to
/// split, log and find per batch, which made batch ingest about a tenth cheaper.
const PAGE_SIZE: i64 = 16_384;

/// Page cache of the writer, in KiB: ingest touches the id index at random places (ids
/// are random UUIDs), so it pays to keep as much of it in memory as is reasonable. With a
/// million objects stored, batches went in half again as fast with this than with 64 MiB.
const WRITER_CACHE_KIB: i64 = 256 * 1024;

/// Page cache of each reader, in KiB.
const READER_CACHE_KIB: i64 = 16 * 1024;

/// The log size (in pages) at which the writer checkpoints by itself: a backstop for
/// when the checkpoint thread falls behind (see `checkpoint.rs`); 256 MiB of 16 KiB pages.
const WRITER_AUTOCHECKPOINT_PAGES: i64 = 16_384;

/// The size the log file is cut back to after a checkpoint has emptied it, in bytes.
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// Idle readers kept open; more are opened when more reads run at once, and closed after.
const IDLE_READERS: usize = 4;

/// Prepared statements each connection keeps (the query builder makes a few shapes).
const STATEMENT_CACHE: usize = 64;

/// Which connection is being set up, for its pragmas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Writer,
    Reader,
    /// The connection of the checkpoint thread.
    Checkpointer,
}

/// Opens (creating if need be) the database file at `path` and sets the per-connection
/// pragmas. The writer also switches the file to WAL mode, which is persistent.
pub(crate) fn open_file(path: &Path, role: Role) -> Result<Connection, StoreError> {
    let flags = match role {
        Role::Writer => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        Role::Reader | Role::Checkpointer => OpenFlags::SQLITE_OPEN_READ_WRITE,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(|error| {
        StoreError::Unavailable(format!(
            "cannot open the store at {}: {error}; check that the folder exists and that \
             dijkwacht may read and write it",
            path.display()
        ))
    })?;
    configure(&connection, path, role)?;
    Ok(connection)
}

/// Opens a private in-memory database with the writer's settings (no WAL: memory has no
/// journal file).
pub(crate) fn open_memory() -> Result<Connection, StoreError> {
    let connection = Connection::open_in_memory()
        .map_err(|error| StoreError::backend("opening an in-memory store", error))?;
    configure(&connection, Path::new(":memory:"), Role::Writer)?;
    Ok(connection)
}

fn configure(connection: &Connection, path: &Path, role: Role) -> Result<(), StoreError> {
    let context = |what: &str| format!("setting {what} on the store at {}", path.display());
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|error| StoreError::backend(context("the busy timeout"), error))?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if role == Role::Writer {
        // These read the file's header, and so also tell a file that is not a database.
        let not_a_store = |error: rusqlite::Error| {
            StoreError::Unavailable(format!(
                "cannot use {} as a dijkwacht store: {error}; is it another kind of file?",
                path.display()
            ))
        };
        // Only a new, empty file takes a page size (and only before WAL mode is on); an
        // existing one keeps its own.
        connection
            .pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(not_a_store)?;
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(not_a_store)?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            return Err(StoreError::Unavailable(format!(
                "the store at {} cannot switch to write-ahead logging (journal mode stays \
                 {mode}); put the data folder on a local file system",
                path.display()
            )));
        }
    }
    let cache_kib = match role {
        Role::Writer => WRITER_CACHE_KIB,
        Role::Reader | Role::Checkpointer => READER_CACHE_KIB,
    };
    let autocheckpoint = match role {
        Role::Writer => WRITER_AUTOCHECKPOINT_PAGES,
        // SQLite's default; only the writer commits, so only its setting matters.
        Role::Reader | Role::Checkpointer => 1_000,
    };
    let pragmas: [(&str, rusqlite::types::Value); 7] = [
        // FULL: in WAL mode the log is synced at every commit, so a committed (and so
        // acknowledged) batch survives power loss too, not only a crash of the process.
        ("synchronous", "FULL".to_owned().into()),
        ("foreign_keys", "ON".to_owned().into()),
        ("temp_store", "MEMORY".to_owned().into()),
        ("cache_size", (-cache_kib).into()),
        ("wal_autocheckpoint", autocheckpoint.into()),
        ("journal_size_limit", JOURNAL_SIZE_LIMIT.into()),
        (
            "query_only",
            if role == Role::Reader { "ON" } else { "OFF" }
                .to_owned()
                .into(),
        ),
    ];
    for (name, value) in pragmas {
        connection
            .pragma_update(None, name, value)
            .map_err(|error| StoreError::backend(context(name), error))?;
    }
    Ok(())
}

/// Locks a mutex, recovering the value if a panicking thread poisoned it: a connection
/// whose transaction was dropped mid-way has rolled back and is fit for use.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reader connections to one file, opened on demand and kept for reuse.
#[derive(Debug)]
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    pub(crate) fn new(path: PathBuf) -> ReaderPool {
        ReaderPool {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle reader, or a new one when all are busy.
    pub(crate) fn take(&self) -> Result<Connection, StoreError> {
        let idle = lock(&self.idle).pop();
        match idle {
            Some(connection) => Ok(connection),
            None => open_file(&self.path, Role::Reader),
        }
    }

    /// Returns a reader for reuse (or closes it when enough are idle).
    pub(crate) fn give_back(&self, connection: Connection) {
        let mut idle = lock(&self.idle);
        if idle.len() < IDLE_READERS {
            idle.push(connection);
        }
    }
}
