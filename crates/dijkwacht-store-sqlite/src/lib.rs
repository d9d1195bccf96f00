//! The embedded default store of Dijkwacht: every version of every STIX object in one
//! SQLite file, behind the [`dijkwacht_store::Store`] trait.
//!
//! # How it is built
//!
//! - One file in WAL mode. A single writer connection (behind a mutex; SQLite admits one
//!   writer at a time) stores each batch in one immediate transaction; a small pool of
//!   reader connections answers queries from the last committed state without waiting
//!   for a running write; a checkpoint thread copies committed pages from the log into
//!   the file after each commit, off the write path (`checkpoint.rs`). All SQLite work
//!   runs on tokio's blocking threads.
//! - `synchronous=FULL`: in WAL mode SQLite then syncs the log at every commit, so what
//!   [`Store::ingest`] reports as stored survives a power loss or an operating-system
//!   crash, not only a crash of Dijkwacht (`NORMAL` would only promise the latter). It
//!   costs one `fsync` per batch, which is little next to a batch's work.
//! - The schema is versioned ([`migrations`], [`SCHEMA_VERSION`]) and kept in SQLite's
//!   `user_version`; a file written by a newer Dijkwacht is refused, not guessed at.
//! - `date_added` is Unix microseconds, unique and strictly increasing in commit order
//!   (`max(now, last + 1)`), so TAXII clients can page with `added_after` and miss
//!   nothing. It is also the rowid, so the table is stored in `date_added` order.
//! - Unversioned objects (SCOs) are stored once per distinct content; each such version
//!   is keyed by its `date_added`, which TAXII also reports as its version.
//! - Search covers the name and description of the latest version of each object.
//!
//! # All-or-nothing batches
//!
//! When a batch in [`IngestMode::AllOrNothing`] has a rejected object, nothing of it is
//! kept, `committed` is false and every `dates_added` is `None`; the other outcomes say
//! what would have happened to each object had the batch been stored (new object, new
//! version, duplicate), so a caller can report precisely why the batch failed.

mod alerts;
mod checkpoint;
mod connection;
mod delete;
mod directory;
mod fusion;
mod ingest;
mod migrations;
mod read;
mod submissions;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use dijkwacht_policy::Filter as PolicyFilter;
use dijkwacht_store::{
    IngestItem, IngestMode, IngestReport, ObjectQuery, Page, PreparedObject, Provenance, Store,
    StoreError, StoredObject, TypeCount, TypeTlpCount,
};
use std::collections::BTreeSet;

use dijkwacht_directory::MembershipStage;
use dijkwacht_policy::CommunityId;
use dijkwacht_store::alerts::{
    AlertCounts, AlertPage, AlertQuery, AlertRecord, Alerts, AssetChange, AssetPosition,
    AssetProfile, AssetRecord, DeliveryOutcome, DeliveryRecord, MatcherCursor, NewAlert,
    NewWebhook, NotificationMode, NotificationPreference, ProfileEntry, ProfileRevision,
    RecordedAlert, SourceFeedback, StatusChange, Webhook,
};
use dijkwacht_store::directory::{
    Community, Directory, Membership, Organisation, TokenRecord, User,
};
use dijkwacht_store::fusion::{FusionProvenance, FusionRecord, ObservableLink};
use dijkwacht_store::sightings::{SightingSummary, SightingSummaryQuery};
use dijkwacht_store::submissions::{Submission, Submissions};
use rusqlite::Connection;

use crate::checkpoint::Checkpointer;
use crate::connection::{ReaderPool, Role, lock};
pub use crate::migrations::{Migration, SCHEMA_VERSION, migrations};

/// The SQLite store. Cheap to clone; clones share the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` for an in-memory store, which has no log to checkpoint. Declared first so
    /// that its thread ends before the other connections close.
    checkpointer: Option<Checkpointer>,
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
    writer: Mutex<Connection>,
    /// `None` for an in-memory store, whose only connection is the writer.
    readers: Option<ReaderPool>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store file at `path`, creating it (but not its folder) when missing,
    /// and brings its schema up to date.
    ///
    /// Fails with [`StoreError::Unavailable`] when the file cannot be opened, is not a
    /// database, or was written by a newer Dijkwacht.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut writer = connection::open_file(path, Role::Writer)?;
        migrations::migrate(&mut writer, path)?;
        // Gathers the statistics the query planner needs to choose between an index and
        // a scan in date_added order (for a list of types, say) where they are missing or
        // stale; cheap, as SQLite recommends it at every open.
        writer
            .execute_batch("PRAGMA optimize = 0x10002")
            .map_err(|error| {
                StoreError::backend("updating the query planner's statistics", error)
            })?;
        tracing::debug!(path = %path.display(), schema = SCHEMA_VERSION, "opened the store");
        let checkpointer = Checkpointer::start(path)?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                checkpointer: Some(checkpointer),
                path: Some(path.to_owned()),
                writer: Mutex::new(writer),
                readers: Some(ReaderPool::new(path.to_owned())),
            }),
        })
    }

    /// A private store in memory, gone when the last clone is dropped: for tests.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let mut writer = connection::open_memory()?;
        migrations::migrate(&mut writer, Path::new(":memory:"))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                checkpointer: None,
                path: None,
                writer: Mutex::new(writer),
                readers: None,
            }),
        })
    }

    /// The file this store lives in; `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Runs `work` with the writer connection on a blocking thread, then asks for a
    /// checkpoint of what it committed.
    async fn write<T, F>(&self, context: String, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let result = work(&mut lock(&inner.writer));
            if let Some(checkpointer) = &inner.checkpointer {
                checkpointer.nudge();
            }
            result
        })
        .await
        .map_err(|error| StoreError::backend(context, error))?
    }

    /// Runs `work` with a reader connection (the writer for an in-memory store) on a
    /// blocking thread.
    async fn read<T, F>(&self, context: String, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || match &inner.readers {
            Some(readers) => {
                let reader = readers.take()?;
                let result = work(&reader);
                readers.give_back(reader);
                result
            }
            None => work(&lock(&inner.writer)),
        })
        .await
        .map_err(|error| StoreError::backend(context, error))?
    }
}

#[async_trait]
impl Directory for SqliteStore {
    async fn add_organisation(&self, organisation: Organisation) -> Result<(), StoreError> {
        self.write("adding an organisation".to_owned(), move |connection| {
            directory::add_organisation(connection, &organisation)
        })
        .await
    }

    async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        self.read("listing organisations".to_owned(), directory::organisations)
            .await
    }

    async fn add_community(&self, community: Community) -> Result<(), StoreError> {
        self.write("adding a community".to_owned(), move |connection| {
            directory::add_community(connection, &community)
        })
        .await
    }

    async fn communities(&self) -> Result<Vec<Community>, StoreError> {
        self.read("listing communities".to_owned(), directory::communities)
            .await
    }

    async fn join(
        &self,
        community: &str,
        organisation: &str,
        contact: Option<String>,
    ) -> Result<MembershipStage, StoreError> {
        let (community, organisation) = (community.to_owned(), organisation.to_owned());
        self.write("joining a community".to_owned(), move |connection| {
            let now = dijkwacht_stix::Timestamp::now().unix_micros();
            directory::join(
                connection,
                &community,
                &organisation,
                contact.as_deref(),
                now,
            )
        })
        .await
    }

    async fn set_stage(
        &self,
        community: &str,
        organisation: &str,
        stage: MembershipStage,
    ) -> Result<(), StoreError> {
        let (community, organisation) = (community.to_owned(), organisation.to_owned());
        self.write("changing a membership".to_owned(), move |connection| {
            let now = dijkwacht_stix::Timestamp::now().unix_micros();
            directory::set_stage(connection, &community, &organisation, stage, now)
        })
        .await
    }

    async fn leave(&self, community: &str, organisation: &str) -> Result<(), StoreError> {
        let (community, organisation) = (community.to_owned(), organisation.to_owned());
        self.write("ending a membership".to_owned(), move |connection| {
            directory::leave(connection, &community, &organisation)
        })
        .await
    }

    async fn memberships(&self) -> Result<Vec<Membership>, StoreError> {
        self.read("listing memberships".to_owned(), directory::memberships)
            .await
    }

    async fn reach(&self, organisation: &str) -> Result<BTreeSet<CommunityId>, StoreError> {
        let organisation = organisation.to_owned();
        self.read("computing a reach".to_owned(), move |connection| {
            directory::reach(connection, &organisation)
        })
        .await
    }

    async fn add_user(&self, user: User, password_hash: String) -> Result<(), StoreError> {
        self.write("adding a user".to_owned(), move |connection| {
            directory::add_user(connection, &user, &password_hash)
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read("listing users".to_owned(), directory::users)
            .await
    }

    async fn user_with_password(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        let email = email.to_owned();
        self.read("reading a user".to_owned(), move |connection| {
            directory::user_with_password(connection, &email)
        })
        .await
    }

    async fn add_token(&self, token: TokenRecord) -> Result<(), StoreError> {
        self.write("storing a token".to_owned(), move |connection| {
            directory::add_token(connection, &token)
        })
        .await
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.read("listing tokens".to_owned(), |connection| {
            directory::tokens(connection, None)
        })
        .await
    }

    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let id = id.to_owned();
        self.read("reading a token".to_owned(), move |connection| {
            Ok(directory::tokens(connection, Some(&id))?.into_iter().next())
        })
        .await
    }

    async fn revoke_token(&self, id: &str, at: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write("revoking a token".to_owned(), move |connection| {
            directory::revoke_token(connection, &id, at)
        })
        .await
    }

    async fn touch_token(&self, id: &str, at: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write("recording a token's use".to_owned(), move |connection| {
            directory::touch_token(connection, &id, at)
        })
        .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ingest(
        &self,
        objects: Vec<PreparedObject>,
        mode: IngestMode,
        provenance: Provenance,
    ) -> Result<IngestReport, StoreError> {
        let context = format!("storing a batch of {} objects", objects.len());
        self.write(context, move |connection| {
            ingest::ingest(connection, objects, mode, &provenance)
        })
        .await
    }

    async fn ingest_stream(
        &self,
        mut objects: tokio::sync::mpsc::Receiver<IngestItem>,
        mode: IngestMode,
        provenance: Provenance,
    ) -> Result<IngestReport, StoreError> {
        let context = "storing a streamed batch".to_owned();
        self.write(context, move |connection| {
            let next = ingest::flatten_items(|| objects.blocking_recv());
            ingest::ingest_from(connection, next, mode, &provenance)
        })
        .await
    }

    async fn query(&self, query: ObjectQuery) -> Result<Page, StoreError> {
        self.read("querying objects".to_owned(), move |connection| {
            read::query(connection, &query)
        })
        .await
    }

    async fn versions(&self, id: &str) -> Result<Vec<StoredObject>, StoreError> {
        let id = id.to_owned();
        self.read(format!("listing the versions of {id}"), move |connection| {
            read::versions(connection, &id)
        })
        .await
    }

    async fn count_by_type(&self) -> Result<Vec<TypeCount>, StoreError> {
        self.read("counting objects by type".to_owned(), read::count_by_type)
            .await
    }

    async fn count_latest_by_type_and_tlp(
        &self,
        visibility: Option<PolicyFilter>,
    ) -> Result<Vec<TypeTlpCount>, StoreError> {
        self.read(
            "counting objects by type and TLP level".to_owned(),
            move |connection| read::count_latest_by_type_and_tlp(connection, visibility.as_ref()),
        )
        .await
    }

    async fn search(
        &self,
        text: &str,
        limit: usize,
        visibility: Option<PolicyFilter>,
    ) -> Result<Vec<StoredObject>, StoreError> {
        let text = text.to_owned();
        self.read(format!("searching for {text:?}"), move |connection| {
            read::search(connection, &text, limit, visibility.as_ref())
        })
        .await
    }

    async fn delete_versions(&self, dates_added: Vec<i64>) -> Result<usize, StoreError> {
        let context = format!("deleting {} versions", dates_added.len());
        self.write(context, move |connection| {
            delete::delete_versions(connection, &dates_added)
        })
        .await
    }

    async fn sighting_summary(
        &self,
        query: SightingSummaryQuery,
    ) -> Result<SightingSummary, StoreError> {
        let context = format!("adding up the sightings of {}", query.sighting_of);
        self.read(context, move |connection| {
            read::sighting_summary(connection, &query)
        })
        .await
    }

    async fn record_fusion(&self, record: FusionRecord) -> Result<(), StoreError> {
        if record.is_empty() {
            return Ok(());
        }
        let context = format!(
            "recording {} statement(s) in the fusion ledger",
            record.statements.len()
        );
        self.write(context, move |connection| {
            fusion::record(connection, &record)
        })
        .await
    }

    async fn objects_with_keys(
        &self,
        keys: Vec<String>,
    ) -> Result<Vec<ObservableLink>, StoreError> {
        let context = format!("looking up {} observable key(s)", keys.len());
        self.read(context, move |connection| {
            fusion::objects_with_keys(connection, &keys)
        })
        .await
    }

    async fn fusion_provenance(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<FusionProvenance>, StoreError> {
        let context = format!("reading the provenance of {} object(s)", ids.len());
        self.read(context, move |connection| {
            fusion::provenance(connection, &ids)
        })
        .await
    }
}

#[async_trait]
impl Submissions for SqliteStore {
    async fn save_submission(&self, submission: Submission) -> Result<(), StoreError> {
        self.write("saving a submission".to_owned(), move |connection| {
            submissions::save(connection, &submission)
        })
        .await
    }

    async fn submission(&self, id: &str) -> Result<Option<Submission>, StoreError> {
        let id = id.to_owned();
        self.read("reading a submission".to_owned(), move |connection| {
            submissions::one(connection, &id)
        })
        .await
    }

    async fn unfinished_submissions(&self) -> Result<Vec<Submission>, StoreError> {
        self.read(
            "listing unfinished submissions".to_owned(),
            submissions::unfinished,
        )
        .await
    }
}

#[async_trait]
impl Alerts for SqliteStore {
    async fn add_assets(
        &self,
        organisation: &str,
        entries: Vec<ProfileEntry>,
        at: i64,
    ) -> Result<AssetChange, StoreError> {
        let organisation = organisation.to_owned();
        self.write(
            format!("adding to the profile of {organisation}"),
            move |connection| alerts::add_assets(connection, &organisation, entries, at),
        )
        .await
    }

    async fn replace_assets(
        &self,
        organisation: &str,
        entries: Vec<ProfileEntry>,
        at: i64,
    ) -> Result<AssetChange, StoreError> {
        let organisation = organisation.to_owned();
        self.write(
            format!("replacing the profile of {organisation}"),
            move |connection| alerts::replace_assets(connection, &organisation, entries, at),
        )
        .await
    }

    async fn remove_assets(
        &self,
        organisation: &str,
        entries: Vec<ProfileEntry>,
    ) -> Result<AssetChange, StoreError> {
        let organisation = organisation.to_owned();
        self.write(
            format!("removing from the profile of {organisation}"),
            move |connection| alerts::remove_assets(connection, &organisation, entries),
        )
        .await
    }

    async fn asset_profile(&self, organisation: &str) -> Result<AssetProfile, StoreError> {
        let organisation = organisation.to_owned();
        self.read(
            format!("reading the profile of {organisation}"),
            move |connection| alerts::profile(connection, &organisation),
        )
        .await
    }

    async fn assets_page(
        &self,
        after: Option<AssetPosition>,
        limit: usize,
    ) -> Result<Vec<AssetRecord>, StoreError> {
        self.read("reading profile entries".to_owned(), move |connection| {
            alerts::assets_page(connection, after.as_ref(), limit)
        })
        .await
    }

    async fn profiles_changed_since(
        &self,
        revision: i64,
    ) -> Result<Vec<ProfileRevision>, StoreError> {
        self.read("listing changed profiles".to_owned(), move |connection| {
            alerts::changed_since(connection, revision)
        })
        .await
    }

    async fn record_alerts(
        &self,
        alerts: Vec<NewAlert>,
        cursor: Option<MatcherCursor>,
    ) -> Result<Vec<RecordedAlert>, StoreError> {
        let context = format!("recording {} alert(s)", alerts.len());
        self.write(context, move |connection| {
            alerts::record(connection, alerts, cursor)
        })
        .await
    }

    async fn alerts(&self, query: AlertQuery) -> Result<AlertPage, StoreError> {
        self.read("listing alerts".to_owned(), move |connection| {
            alerts::alerts(connection, &query)
        })
        .await
    }

    async fn alert(&self, id: &str) -> Result<Option<AlertRecord>, StoreError> {
        let id = id.to_owned();
        self.read(format!("reading alert {id}"), move |connection| {
            alerts::alert(connection, &id)
        })
        .await
    }

    async fn set_alert_status(
        &self,
        id: &str,
        change: StatusChange,
    ) -> Result<AlertRecord, StoreError> {
        let id = id.to_owned();
        self.write(
            format!("changing the status of alert {id}"),
            move |connection| alerts::set_status(connection, &id, &change),
        )
        .await
    }

    async fn alert_history(&self, id: &str) -> Result<Vec<StatusChange>, StoreError> {
        let id = id.to_owned();
        self.read(
            format!("reading the history of alert {id}"),
            move |connection| alerts::history(connection, &id),
        )
        .await
    }

    async fn feedback_by_source(&self) -> Result<Vec<SourceFeedback>, StoreError> {
        self.read("adding up feedback by source".to_owned(), alerts::feedback)
            .await
    }

    async fn alert_counts(
        &self,
        organisation: Option<&str>,
        reader: Option<&str>,
    ) -> Result<AlertCounts, StoreError> {
        let organisation = organisation.map(str::to_owned);
        let reader = reader.map(str::to_owned);
        self.read("counting alerts".to_owned(), move |connection| {
            alerts::counts(connection, organisation.as_deref(), reader.as_deref())
        })
        .await
    }

    async fn alert_cursor(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let name = name.to_owned();
        self.read(format!("reading the cursor {name}"), move |connection| {
            alerts::cursor(connection, &name)
        })
        .await
    }

    async fn set_alert_cursor(&self, name: &str, value: i64) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write(format!("saving the cursor {name}"), move |connection| {
            alerts::set_cursor(connection, &name, value)
        })
        .await
    }

    async fn add_webhook(&self, webhook: NewWebhook) -> Result<Webhook, StoreError> {
        let context = format!("adding a webhook of {}", webhook.organisation);
        self.write(context, move |connection| {
            alerts::add_webhook(connection, webhook)
        })
        .await
    }

    async fn webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError> {
        self.read(format!("reading webhook {id}"), move |connection| {
            alerts::webhook(connection, id)
        })
        .await
    }

    async fn webhooks(&self, organisation: &str) -> Result<Vec<Webhook>, StoreError> {
        let organisation = organisation.to_owned();
        self.read(
            format!("listing the webhooks of {organisation}"),
            move |connection| alerts::webhooks(connection, &organisation),
        )
        .await
    }

    async fn disable_webhook(&self, id: i64, at: i64) -> Result<Webhook, StoreError> {
        self.write(format!("disabling webhook {id}"), move |connection| {
            alerts::disable_webhook(connection, id, at)
        })
        .await
    }

    async fn set_notification(&self, user: &str, mode: NotificationMode) -> Result<(), StoreError> {
        let user = user.to_owned();
        self.write(
            format!("setting the notifications of {user}"),
            move |connection| alerts::set_notification(connection, &user, mode),
        )
        .await
    }

    async fn notification(&self, user: &str) -> Result<Option<NotificationMode>, StoreError> {
        let user = user.to_owned();
        self.read(
            format!("reading the notifications of {user}"),
            move |connection| alerts::notification(connection, &user),
        )
        .await
    }

    async fn notifications(&self) -> Result<Vec<NotificationPreference>, StoreError> {
        self.read(
            "listing notification preferences".to_owned(),
            alerts::notifications,
        )
        .await
    }

    async fn due_deliveries(
        &self,
        now: i64,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.read("finding the deliveries due".to_owned(), move |connection| {
            alerts::due(connection, now, limit)
        })
        .await
    }

    async fn claim_due_deliveries(
        &self,
        now: i64,
        limit: usize,
        hold_until: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.write(
            "claiming the deliveries due".to_owned(),
            move |connection| alerts::claim_due(connection, now, limit, hold_until),
        )
        .await
    }

    async fn finish_delivery(
        &self,
        id: i64,
        outcome: DeliveryOutcome,
    ) -> Result<DeliveryRecord, StoreError> {
        self.write(format!("reporting on delivery {id}"), move |connection| {
            alerts::finish(connection, id, &outcome)
        })
        .await
    }

    async fn deliveries(&self, alert_id: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let alert_id = alert_id.to_owned();
        self.read(
            format!("listing the deliveries of alert {alert_id}"),
            move |connection| alerts::deliveries_of(connection, &alert_id),
        )
        .await
    }
}
