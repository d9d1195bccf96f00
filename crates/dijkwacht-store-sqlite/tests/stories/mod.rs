//! The store story suite: what every [`Store`] backend must do, written once against
//! `&dyn Store` so that the SQLite store runs it always and a PostgreSQL store can run
//! the very same stories. A backend's test file calls [`store_stories!`] with a function
//! that makes a fresh, empty store (and a guard that keeps it alive), and
//! [`alerts::alert_stories!`] with the same function for the alert stories.

pub mod alerts;
pub mod delete;
pub mod fusion;
pub mod ingest;
pub mod intake;
pub mod objects;
pub mod read;
pub mod sightings;

use dijkwacht_store::{
    IngestMode, IngestReport, ObjectQuery, PreparedObject, Provenance, Store, StoredObject,
    VersionSelection,
};

/// Generates one `#[tokio::test]` per story, each on a fresh store from `$fresh`, a
/// function returning `(guard, store)`.
macro_rules! store_stories {
    ($fresh:path) => {
        store_stories!(@each $fresh;
            ingest::new_objects_new_versions_duplicates_and_conflicts,
            ingest::the_same_version_twice_in_one_batch,
            ingest::all_or_nothing_rolls_back_the_whole_batch,
            ingest::all_or_nothing_on_an_empty_store_leaves_it_empty,
            ingest::skip_rejected_keeps_the_rest,
            ingest::an_empty_batch_is_committed_and_stores_nothing,
            ingest::date_added_strictly_increases_across_batches,
            ingest::an_older_version_arriving_later_does_not_become_latest,
            ingest::unversioned_objects_are_stored_once_per_content,
            ingest::streamed_batches_commit_on_close_and_keep_nothing_on_abort,
            ingest::only_the_owner_publishes_new_versions,
            intake::validated_while_stored_skips_or_refuses_invalid_objects,
            read::query_by_type_and_id,
            read::query_by_version,
            read::query_unversioned_objects_at_their_date_added,
            read::query_by_date_added,
            read::query_pages_with_limit_and_more,
            read::query_by_spec_version,
            read::query_by_target_ref_finds_what_points_at_an_object,
            read::stored_objects_carry_their_handling,
            read::versions_oldest_first_and_not_found,
            read::count_by_type_counts_objects_and_versions,
            read::search_finds_the_latest_version_once,
            read::search_ranks_better_matches_first,
            read::search_text_with_query_syntax_is_taken_literally,
            read::search_and_counts_see_only_what_the_filter_lets_through,
            delete::deleting_the_latest_version_brings_back_the_one_before,
            delete::deleting_every_version_removes_the_object,
            delete::a_removed_date_added_is_never_handed_out_again,
            sightings::sightings_are_tallied_by_latest_version_owner_and_visibility,
            fusion::statements_add_up_and_observables_link_objects,
        );
    };
    (@each $fresh:path; $($module:ident :: $story:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                let (_guard, store) = $fresh();
                stories::$module::$story(&store).await;
            }
        )*
    };
}
pub(crate) use store_stories;

/// Stores a batch, skipping rejected objects, and fails the test on a store error.
pub async fn ingest_ok(store: &dyn Store, objects: Vec<PreparedObject>) -> IngestReport {
    store
        .ingest(
            objects,
            IngestMode::SkipRejected,
            Provenance::new("test:stories"),
        )
        .await
        .expect("the store accepts the batch")
}

/// Every stored version, in `date_added` order.
pub async fn all_versions(store: &dyn Store) -> Vec<StoredObject> {
    store
        .query(ObjectQuery {
            versions: VersionSelection::All,
            limit: 100_000,
            ..ObjectQuery::default()
        })
        .await
        .expect("query")
        .objects
}

/// The latest version of one object, by query.
pub async fn latest_version(store: &dyn Store, id: &str) -> StoredObject {
    let mut page = store
        .query(ObjectQuery {
            ids: vec![id.to_owned()],
            ..ObjectQuery::default()
        })
        .await
        .expect("query");
    assert_eq!(page.objects.len(), 1, "one latest version of {id}");
    page.objects.remove(0)
}

pub fn ids_of(objects: &[StoredObject]) -> Vec<String> {
    objects.iter().map(|object| object.id.clone()).collect()
}
