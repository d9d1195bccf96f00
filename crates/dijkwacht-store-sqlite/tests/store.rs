//! The integration tests of the SQLite store, in one test binary: the shared story suite
//! on a real SQLite file in a temporary folder, then what only a file-backed store can
//! show (reopening, schema versions, files that are not stores, concurrent writers) and
//! an ignored measurement of the ingest rate. The alert stories run here too, with what
//! a file shows of alerts in `store/alerts.rs`.

// What only a file shows about alerts; beside this file rather than in `tests/`, where
// Cargo would make it a test binary of its own.
#[path = "store/alerts.rs"]
mod alerts;
mod stories;

use dijkwacht_store::{ObjectQuery, Store, StoreError};
use dijkwacht_store_sqlite::{SCHEMA_VERSION, SqliteStore, migrations};
use tempfile::TempDir;

use stories::alerts::alert_stories;
use stories::objects::indicator;
use stories::{all_versions, ingest_ok, store_stories};

fn fresh_store() -> (TempDir, SqliteStore) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let store = SqliteStore::open(&folder.path().join("store.sqlite")).expect("a new store");
    (folder, store)
}

store_stories!(fresh_store);
alert_stories!(fresh_store);

/// The in-memory store keeps the same promises; one story shows it is wired up.
#[tokio::test]
async fn the_in_memory_store_runs_a_story() {
    let store = SqliteStore::open_in_memory().expect("an in-memory store");
    stories::ingest::new_objects_new_versions_duplicates_and_conflicts(&store).await;
    stories::read::search_finds_the_latest_version_once(
        &SqliteStore::open_in_memory().expect("store"),
    )
    .await;
    let in_memory = SqliteStore::open_in_memory().expect("store");
    stories::alerts::profiles::entries_are_added_replaced_and_removed_with_counts_and_revisions(
        &in_memory, &in_memory,
    )
    .await;
}

#[tokio::test]
async fn reopening_the_file_keeps_everything() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("store.sqlite");
    let before = {
        let store = SqliteStore::open(&path).expect("a new store");
        ingest_ok(
            &store,
            vec![
                indicator(1, "2024-01-02T00:00:00Z", "kept", "survives a restart"),
                indicator(2, "2024-01-02T00:00:00Z", "also", "kept"),
            ],
        )
        .await;
        ingest_ok(
            &store,
            vec![indicator(1, "2024-01-03T00:00:00Z", "kept", "newer")],
        )
        .await;
        all_versions(&store).await
    };
    let store = SqliteStore::open(&path).expect("the store reopens");
    assert_eq!(all_versions(&store).await, before);
    assert_eq!(store.count_by_type().await.expect("counts")[0].versions, 3);
    assert_eq!(
        store.search("newer", 5, None).await.expect("search").len(),
        1
    );

    let later = ingest_ok(&store, vec![indicator(3, "2024-01-02T00:00:00Z", "x", "y")]).await;
    let last_before = before
        .last()
        .map(|object| object.date_added)
        .unwrap_or_default();
    assert!(
        later.dates_added[0] > Some(last_before),
        "date_added keeps increasing after a reopen"
    );
}

/// The environment variable that turns [`crash_child_stores_then_aborts`] on.
const CRASH_STORE_VARIABLE: &str = "DIJKWACHT_TEST_CRASH_STORE";

/// What the crashing child stores before it aborts.
fn crash_batch() -> Vec<dijkwacht_store::PreparedObject> {
    (0..50)
        .map(|number| indicator(number, "2024-01-02T00:00:00Z", "acknowledged", "then lost?"))
        .collect()
}

/// Half of [`acknowledged_batches_survive_a_crash`]: run in a child process, it stores
/// a batch and aborts the moment the store has acknowledged it, with no clean close and
/// no checkpoint.
#[tokio::test]
#[ignore = "run as a child process by acknowledged_batches_survive_a_crash"]
async fn crash_child_stores_then_aborts() {
    let Some(path) = std::env::var_os(CRASH_STORE_VARIABLE) else {
        return;
    };
    let store = SqliteStore::open(std::path::Path::new(&path)).expect("the child opens");
    let report = ingest_ok(&store, crash_batch()).await;
    assert!(report.committed);
    std::process::abort();
}

#[tokio::test]
async fn acknowledged_batches_survive_a_crash() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("store.sqlite");
    let status = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--ignored", "--exact", "crash_child_stores_then_aborts"])
        .env(CRASH_STORE_VARIABLE, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the child runs");
    assert!(!status.success(), "the child must have aborted: {status}");
    let store = SqliteStore::open(&path).expect("the store reopens after a crash");
    let stored = all_versions(&store).await;
    assert_eq!(stored.len(), crash_batch().len());
    assert_eq!(
        store
            .search("acknowledged", 100, None)
            .await
            .expect("search")
            .len(),
        50
    );
}

#[tokio::test]
async fn a_store_from_a_newer_dijkwacht_is_refused() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("store.sqlite");
    drop(SqliteStore::open(&path).expect("a new store"));
    let newer = SCHEMA_VERSION + 1;
    let newer_text = newer.to_string();
    rusqlite::Connection::open(&path)
        .and_then(|connection| connection.pragma_update(None, "user_version", &newer_text))
        .expect("the schema version can be set");
    let error = SqliteStore::open(&path).expect_err("a newer schema is refused");
    let StoreError::Unavailable(message) = &error else {
        panic!("expected Unavailable, got {error:?}");
    };
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(&format!("schema version {newer}"))
            && message.contains(&format!("only up to {SCHEMA_VERSION}"))
            && message.contains("upgrade dijkwacht"),
        "{message}"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_store_is_refused() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is not a database, but it is long enough to look like one .....",
    )
    .expect("write");
    let error = SqliteStore::open(&path).expect_err("not a database");
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");

    let nowhere = folder.path().join("missing-folder").join("store.sqlite");
    let error = SqliteStore::open(&nowhere).expect_err("no such folder");
    assert!(
        matches!(&error, StoreError::Unavailable(message) if message.contains("missing-folder")),
        "{error:?}"
    );
}

#[test]
fn the_migrations_are_listed_by_name() {
    // A PostgreSQL store must list the same names (in its own SQL).
    let names: Vec<&str> = migrations()
        .iter()
        .map(|migration| migration.name)
        .collect();
    assert_eq!(
        names,
        [
            "0001_objects",
            "0002_directory",
            "0003_tokens",
            "0004_visibility",
            "0005_submissions",
            "0006_sightings",
            "0007_fusion",
            "0008_alerts",
            "0009_relationship_targets",
        ]
    );
    assert_eq!(SCHEMA_VERSION, names.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_and_readers_agree() {
    let (_folder, store) = fresh_store();
    let mut tasks = Vec::new();
    for writer in 0..4u32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for batch in 0..10u32 {
                let objects = (0..25)
                    .map(|number| {
                        indicator(
                            writer * 10_000 + batch * 100 + number,
                            "2024-01-02T00:00:00Z",
                            "x",
                            "y",
                        )
                    })
                    .collect();
                ingest_ok(&store, objects).await;
                store
                    .query(ObjectQuery::default())
                    .await
                    .expect("a read during writes");
            }
        }));
    }
    for task in tasks {
        task.await.expect("the task finishes");
    }
    let stored = all_versions(&store).await;
    assert_eq!(stored.len(), 1_000);
    assert!(
        stored
            .windows(2)
            .all(|pair| pair[0].date_added < pair[1].date_added)
    );
}

#[tokio::test]
async fn submissions_are_kept_replaced_and_listed_until_finished() {
    use dijkwacht_store::submissions::{Submission, Submissions};
    let (_folder, store) = fresh_store();
    let submission = |id: &str, finished: bool| Submission {
        id: id.to_owned(),
        organisation: "waterbedrijf".to_owned(),
        finished,
        status: format!("{{\"id\":\"{id}\",\"finished\":{finished}}}"),
        pending_work: (!finished).then(|| "[{\"type\":\"indicator\"}]".to_owned()),
    };
    store
        .save_submission(submission("a", false))
        .await
        .expect("save");
    store
        .save_submission(submission("b", false))
        .await
        .expect("save");
    store
        .save_submission(submission("c", true))
        .await
        .expect("save");
    let unfinished: Vec<String> = store
        .unfinished_submissions()
        .await
        .expect("list")
        .into_iter()
        .map(|each| each.id)
        .collect();
    assert_eq!(
        unfinished,
        ["a", "b"],
        "oldest first, finished ones left out"
    );
    store
        .save_submission(submission("a", true))
        .await
        .expect("replace");
    let a = store.submission("a").await.expect("read").expect("kept");
    assert!(a.finished);
    assert_eq!(a.pending_work, None);
    assert_eq!(a, submission("a", true));
    assert_eq!(store.submission("nope").await.expect("read"), None);
    let unfinished = store.unfinished_submissions().await.expect("list");
    assert_eq!(unfinished.len(), 1);
    assert_eq!(unfinished[0].id, "b");
}
