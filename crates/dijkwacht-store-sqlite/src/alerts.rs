//! Actionable alerts in SQLite (migration `0008_alerts`), behind
//! [`dijkwacht_store::alerts::Alerts`]: asset profiles (`profiles`), alerts with their
//! status history and the matcher's cursors (`records`), and webhooks, e-mail
//! preferences and the delivery outbox (`delivery`).
//!
//! Every write runs in one immediate transaction on the writer connection, so a batch
//! of alerts, its deliveries and the matcher's cursor commit together or not at all.
//! Lists of strings (recipients, object ids, sources) are JSON arrays in one column:
//! they are read and written whole, and the two questions asked across them (may this
//! user read a RED alert, which sources do alerts name) are answered with `json_each`.
//! This module holds what the three share: existence checks that turn into
//! [`StoreError::NotFound`], and reading stored names and JSON back.

mod delivery;
mod profiles;
mod records;

pub(crate) use delivery::{
    add_webhook, claim_due, deliveries_of, disable_webhook, due, finish, notification,
    notifications, set_notification, webhook, webhooks,
};
pub(crate) use profiles::{
    add as add_assets, changed_since, page as assets_page, profile, remove as remove_assets,
    replace as replace_assets,
};
pub(crate) use records::{
    counts, cursor, feedback, history, one as alert, query as alerts, record, set_cursor,
    set_status,
};

use dijkwacht_directory::ParseError;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::StoreError;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

/// Turns a driver error into a [`StoreError`] that says what the store was doing.
trait Doing<T> {
    fn doing(self, what: &str) -> Result<T, StoreError>;
}

impl<T> Doing<T> for rusqlite::Result<T> {
    fn doing(self, what: &str) -> Result<T, StoreError> {
        self.map_err(|error| StoreError::backend(what.to_owned(), error))
    }
}

/// An immediate transaction: it takes the write lock at once, so two writers never
/// read the same state and then both write.
fn immediate<'connection>(
    connection: &'connection mut Connection,
    what: &str,
) -> Result<Transaction<'connection>, StoreError> {
    connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .doing(what)
}

/// Whether `sql` (which binds `?1` to `key`) finds a row.
fn exists(
    connection: &Connection,
    sql: &str,
    key: &dyn rusqlite::ToSql,
) -> Result<bool, StoreError> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.query_row([key], |_| Ok(())).optional())
        .map(|found| found.is_some())
        .doing("looking up the directory")
}

/// [`StoreError::NotFound`] unless the directory knows the organisation.
fn require_organisation(connection: &Connection, organisation: &str) -> Result<(), StoreError> {
    if exists(
        connection,
        "SELECT 1 FROM organisations WHERE name = ?1",
        &organisation,
    )? {
        Ok(())
    } else {
        Err(StoreError::NotFound(format!(
            "organisation '{organisation}'; add it with `dijkwacht org add` first"
        )))
    }
}

/// The organisation of a user; [`StoreError::NotFound`] when the directory does not
/// know the login.
fn organisation_of_user(connection: &Connection, user: &str) -> Result<String, StoreError> {
    connection
        .prepare_cached("SELECT organisation FROM users WHERE email = ?1")
        .and_then(|mut statement| statement.query_row([user], |row| row.get(0)).optional())
        .doing("looking up a user")?
        .ok_or_else(|| StoreError::NotFound(format!("user '{user}'")))
}

/// A column that failed to read back: the file holds what this Dijkwacht never wrote.
fn unreadable(
    index: usize,
    error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, error.into())
}

/// A column holding a vocabulary's name.
fn named<T>(
    row: &Row<'_>,
    index: usize,
    parse: impl Fn(&str) -> Result<T, ParseError>,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).map_err(|error| unreadable(index, error))
}

/// A column holding a TLP level's name.
fn tlp_level(row: &Row<'_>, index: usize) -> rusqlite::Result<TlpLevel> {
    let text: String = row.get(index)?;
    TlpLevel::from_name(&text)
        .ok_or_else(|| unreadable(index, format!("'{text}' is not a TLP level")))
}

/// A column holding JSON.
fn json_value(row: &Row<'_>, index: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|error| unreadable(index, error))
}

/// A column holding a JSON array of strings ([`json_list`]).
fn json_strings(row: &Row<'_>, index: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|error| unreadable(index, error))
}

/// A list of strings as the JSON array a column keeps.
fn json_list(values: &[String]) -> String {
    serde_json::Value::from(values.to_vec()).to_string()
}

/// A count or limit as SQLite takes it.
fn sql_count(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
