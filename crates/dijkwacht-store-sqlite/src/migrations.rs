//! The versioned schema of the SQLite store. Migrations are numbered from 1 and applied
//! in order by `rusqlite_migration`, which records the count in SQLite's `user_version`.
//! Their names are public so that other backends can check that they keep the same list
//! (a PostgreSQL store must have a `0001_objects` too, meaning the same thing).

use std::path::Path;

use dijkwacht_store::StoreError;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

/// One step of the schema: a stable name and the SQL that takes the store there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// `NNNN_what`, the same in every backend.
    pub name: &'static str,
    /// The SQLite statements of this step, run in one transaction.
    pub sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_objects",
        sql: include_str!("migrations/0001_objects.sql"),
    },
    Migration {
        name: "0002_directory",
        sql: include_str!("migrations/0002_directory.sql"),
    },
    Migration {
        name: "0003_tokens",
        sql: include_str!("migrations/0003_tokens.sql"),
    },
    Migration {
        name: "0004_visibility",
        sql: include_str!("migrations/0004_visibility.sql"),
    },
    Migration {
        name: "0005_submissions",
        sql: include_str!("migrations/0005_submissions.sql"),
    },
    Migration {
        name: "0006_sightings",
        sql: include_str!("migrations/0006_sightings.sql"),
    },
    Migration {
        name: "0007_fusion",
        sql: include_str!("migrations/0007_fusion.sql"),
    },
    Migration {
        name: "0008_alerts",
        sql: include_str!("migrations/0008_alerts.sql"),
    },
    Migration {
        name: "0009_relationship_targets",
        sql: include_str!("migrations/0009_relationship_targets.sql"),
    },
];

/// The schema version this build creates and understands: the number of migrations.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Every migration of this backend, oldest first.
pub fn migrations() -> &'static [Migration] {
    MIGRATIONS
}

/// Brings the store at `path` up to [`SCHEMA_VERSION`], refusing a store written by a
/// newer Dijkwacht.
pub(crate) fn migrate(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|error| StoreError::backend("reading the schema version", error))?;
    let known = i64::try_from(SCHEMA_VERSION).unwrap_or(i64::MAX);
    if found > known {
        return Err(StoreError::Unavailable(format!(
            "the store at {} has schema version {found} but this dijkwacht knows only up to \
             {known}; upgrade dijkwacht",
            path.display()
        )));
    }
    if found < 0 {
        return Err(StoreError::Unavailable(format!(
            "the store at {} has the impossible schema version {found}; it was not written by \
             dijkwacht, so point dijkwacht at its own data folder",
            path.display()
        )));
    }
    let steps = MIGRATIONS
        .iter()
        .map(|migration| M::up(migration.sql).comment(migration.name))
        .collect();
    Migrations::new(steps)
        .to_latest(connection)
        .map_err(|error| {
            StoreError::backend(
                format!(
                    "migrating the store at {} from schema version {found} to {known}",
                    path.display()
                ),
                error,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_names_are_numbered_in_order() {
        for (position, migration) in MIGRATIONS.iter().enumerate() {
            let prefix = format!("{:04}_", position + 1);
            assert!(
                migration.name.starts_with(&prefix),
                "{} should start with {prefix}",
                migration.name
            );
        }
    }

    #[test]
    fn migrations_validate() {
        let steps = MIGRATIONS.iter().map(|each| M::up(each.sql)).collect();
        assert_eq!(Migrations::new(steps).validate(), Ok(()));
    }
}
