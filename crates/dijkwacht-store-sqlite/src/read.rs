//! The read side of the store: TAXII-shaped queries, version lists, per-type counts and
//! full-text search. Queries are assembled from fixed SQL fragments with every value
//! bound as a parameter, never spliced into the text.

use dijkwacht_policy::Filter as PolicyFilter;
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::sightings::{SightingSummary, SightingSummaryQuery};
use dijkwacht_store::{
    ObjectQuery, Page, StoreError, StoredObject, TypeCount, TypeTlpCount, VersionSelection,
};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::ingest::unversioned_version_key;

/// The columns [`stored_object`] reads, in its order.
const COLUMNS: &str = "o.stix_id, o.stix_type, o.spec_version, o.version_text, o.date_added, \
     o.json, o.tlp, o.owner";

/// Search text beyond this many words is ignored: enough for any real question, and it
/// keeps a pasted document from becoming a huge query.
const MAX_SEARCH_WORDS: usize = 32;

fn stored_object(row: &Row<'_>) -> rusqlite::Result<StoredObject> {
    let tlp: Option<String> = row.get(6)?;
    Ok(StoredObject {
        id: row.get(0)?,
        object_type: row.get(1)?,
        spec_version: row.get(2)?,
        version: row.get(3)?,
        date_added: row.get(4)?,
        json: row.get(5)?,
        tlp: tlp.as_deref().and_then(TlpLevel::from_name),
        owner: row.get(7)?,
    })
}

fn to_i64(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// A `WHERE` clause under construction, with its bound values.
#[derive(Default)]
struct Filter {
    conditions: Vec<String>,
    values: Vec<Value>,
}

/// The most values an `IN` list binds one by one; more go as one JSON array.
const LISTED_VALUES: usize = 16;

impl Filter {
    /// `column IN (?, ?, …)`, or nothing for an empty list (no restriction).
    fn any_of(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        if values.len() <= LISTED_VALUES {
            self.conditions
                .push(format!("{column} IN ({})", self.placeholders(values.len())));
            self.values
                .extend(values.iter().map(|value| Value::Text(value.clone())));
            return;
        }
        // Many values go as one JSON array: SQLite re-prepares a statement whose
        // planner looked at more than 31 bound values each time they change.
        self.conditions.push(format!(
            "{column} IN (SELECT value FROM json_each({}))",
            self.placeholders(1)
        ));
        self.values.push(Value::Text(
            serde_json::Value::from(values.to_vec()).to_string(),
        ));
    }

    fn placeholders(&self, count: usize) -> String {
        let first = self.values.len() + 1;
        (first..first + count)
            .map(|number| format!("?{number}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The sharing policy's filter as one condition: the same rules, evaluated by
    /// SQLite over `owner`, `tlp`, `scope` and the scope and recipient rows, so that
    /// pages and counts only ever see visible rows.
    fn visibility(&mut self, filter: &PolicyFilter) {
        let condition = self.policy_condition(filter);
        self.conditions.push(condition);
    }

    fn bind_text(&mut self, text: &str) -> String {
        self.values.push(Value::Text(text.to_owned()));
        format!("?{}", self.values.len())
    }

    fn bind_list<'a>(&mut self, texts: impl Iterator<Item = &'a str>) -> Option<String> {
        let bound: Vec<String> = texts.map(|text| self.bind_text(text)).collect();
        (!bound.is_empty()).then(|| bound.join(", "))
    }

    fn policy_condition(&mut self, filter: &PolicyFilter) -> String {
        match filter {
            PolicyFilter::Everything => "1".to_owned(),
            PolicyFilter::Nothing => "0".to_owned(),
            PolicyFilter::TlpIn(levels) => {
                match self.bind_list(levels.iter().map(|level| level.name())) {
                    Some(list) => format!("o.tlp IN ({list})"),
                    None => "0".to_owned(),
                }
            }
            PolicyFilter::OwnerIs(owner) => format!("o.owner = {}", self.bind_text(owner.as_str())),
            PolicyFilter::ScopeIsPublic => "o.scope = 'public'".to_owned(),
            PolicyFilter::ScopeMayLeave => "o.scope IN ('federated', 'public')".to_owned(),
            PolicyFilter::ScopeNamesAnyOf(communities)
            | PolicyFilter::FederatedScopeNamesAnyOf(communities) => {
                let kinds = if matches!(filter, PolicyFilter::FederatedScopeNamesAnyOf(_)) {
                    "'federated'"
                } else {
                    "'communities', 'federated'"
                };
                match self.bind_list(communities.iter().map(|community| community.as_str())) {
                    Some(list) => format!(
                        "(o.scope IN ({kinds}) AND EXISTS (SELECT 1 FROM object_scope AS s \
                         WHERE s.date_added = o.date_added AND s.community IN ({list})))"
                    ),
                    None => "0".to_owned(),
                }
            }
            PolicyFilter::RecipientIs(user) => format!(
                "EXISTS (SELECT 1 FROM object_recipients AS r WHERE r.date_added = o.date_added \
                 AND r.user = {})",
                self.bind_text(user.as_str())
            ),
            PolicyFilter::All(parts) if parts.is_empty() => "1".to_owned(),
            PolicyFilter::Any(parts) if parts.is_empty() => "0".to_owned(),
            PolicyFilter::All(parts) => {
                let conditions: Vec<String> = parts
                    .iter()
                    .map(|part| self.policy_condition(part))
                    .collect();
                format!("({})", conditions.join(" AND "))
            }
            PolicyFilter::Any(parts) => {
                let conditions: Vec<String> = parts
                    .iter()
                    .map(|part| self.policy_condition(part))
                    .collect();
                format!("({})", conditions.join(" OR "))
            }
        }
    }

    fn compare(&mut self, condition: &str, value: i64) {
        self.conditions
            .push(condition.replace('?', &format!("?{}", self.values.len() + 1)));
        self.values.push(Value::Integer(value));
    }

    fn versions(&mut self, selection: &VersionSelection) -> Result<(), StoreError> {
        match selection {
            VersionSelection::Last => self.conditions.push("o.is_latest = 1".to_owned()),
            VersionSelection::First => self.conditions.push("o.is_first = 1".to_owned()),
            VersionSelection::All => {}
            VersionSelection::Some { last, first, at } => {
                let mut alternatives = Vec::new();
                if *last {
                    alternatives.push("o.is_latest = 1".to_owned());
                }
                if *first {
                    alternatives.push("o.is_first = 1".to_owned());
                }
                let keys = version_keys_at(at)?;
                if !keys.is_empty() {
                    alternatives.push(format!(
                        "o.version_key IN ({})",
                        self.placeholders(keys.len())
                    ));
                    self.values.extend(keys.into_iter().map(Value::Text));
                }
                if alternatives.is_empty() {
                    return Err(StoreError::Invalid(
                        "the version selection selects no version; ask for the last, the \
                         first or versions at given instants"
                            .to_owned(),
                    ));
                }
                self.conditions
                    .push(format!("({})", alternatives.join(" OR ")));
            }
        }
        Ok(())
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// The `version_key`s that versions at the instants `at` are stored under: the timestamp
/// key itself, and for unversioned objects (whose TAXII version is their `date_added`)
/// the key derived from `date_added` when the instant is a whole microsecond.
fn version_keys_at(at: &[String]) -> Result<Vec<String>, StoreError> {
    let mut keys = Vec::with_capacity(at.len() * 2);
    for text in at {
        let instant = Timestamp::parse(text).map_err(|error| {
            StoreError::Invalid(format!(
                "the version {text:?} is not a timestamp ({error}); give versions as \
                 YYYY-MM-DDTHH:MM:SS.sssZ"
            ))
        })?;
        let key = instant.sort_key();
        let micros = instant.unix_micros();
        if Timestamp::from_unix_micros(micros).sort_key() == key {
            keys.push(unversioned_version_key(micros));
        }
        keys.push(key);
    }
    Ok(keys)
}

pub(crate) fn query(connection: &Connection, query: &ObjectQuery) -> Result<Page, StoreError> {
    if query.limit == 0 {
        return Err(StoreError::Invalid(
            "a query must ask for at least one object; give a limit of 1 or more".to_owned(),
        ));
    }
    let mut filter = Filter::default();
    filter.any_of("o.stix_type", &query.types);
    filter.any_of("o.stix_id", &query.ids);
    filter.any_of("o.spec_version", &query.spec_versions);
    if !query.target_refs.is_empty() {
        // The expression and the type condition are those of the partial index
        // `objects_by_relationship_target` (migration 0009), so SQLite uses it.
        filter
            .conditions
            .push("o.stix_type = 'relationship'".to_owned());
        filter.any_of("json_extract(o.json, '$.target_ref')", &query.target_refs);
    }
    filter.versions(&query.versions)?;
    if let Some(after) = query.added_after {
        filter.compare("o.date_added > ?", after);
    }
    if let Some(until) = query.added_until {
        filter.compare("o.date_added <= ?", until);
    }
    if let Some(visibility) = &query.visibility {
        filter.visibility(visibility);
    }
    let limit = to_i64(query.limit).min(i64::MAX - 1);
    let sql = format!(
        "SELECT {COLUMNS} FROM objects AS o{} ORDER BY o.date_added LIMIT ?{}",
        filter.where_clause(),
        filter.values.len() + 1
    );
    filter.values.push(Value::Integer(limit + 1));
    let context = "querying objects";
    let mut statement = connection
        .prepare_cached(&sql)
        .map_err(|error| StoreError::backend(context, error))?;
    let mut objects = statement
        .query_map(rusqlite::params_from_iter(filter.values), stored_object)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|error| StoreError::backend(context, error))?;
    let more = objects.len() > query.limit;
    objects.truncate(query.limit);
    Ok(Page { objects, more })
}

pub(crate) fn versions(connection: &Connection, id: &str) -> Result<Vec<StoredObject>, StoreError> {
    let context = || format!("listing the versions of {id}");
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM objects AS o WHERE o.stix_id = ?1 ORDER BY o.version_key"
        ))
        .map_err(|error| StoreError::backend(context(), error))?;
    let versions = statement
        .query_map([id], stored_object)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|error| StoreError::backend(context(), error))?;
    if versions.is_empty() {
        return Err(StoreError::NotFound(format!(
            "no object with id {id} is stored"
        )));
    }
    Ok(versions)
}

pub(crate) fn count_by_type(connection: &Connection) -> Result<Vec<TypeCount>, StoreError> {
    let context = "counting objects by type";
    let mut statement = connection
        .prepare_cached(
            "SELECT stix_type, objects, versions FROM type_counts WHERE versions > 0 \
             ORDER BY stix_type",
        )
        .map_err(|error| StoreError::backend(context, error))?;
    statement
        .query_map([], |row| {
            let objects: i64 = row.get(1)?;
            let versions: i64 = row.get(2)?;
            Ok(TypeCount {
                object_type: row.get(0)?,
                objects: u64::try_from(objects).unwrap_or_default(),
                versions: u64::try_from(versions).unwrap_or_default(),
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|error| StoreError::backend(context, error))
}

/// An FTS5 query that matches documents containing every word of `text`: the text is cut
/// into runs of letters and digits (as the `unicode61` tokenizer cuts documents) and each
/// run is quoted, so that FTS5 syntax in the input (`"`, `*`, `AND`, `NEAR`, `(`, `:`)
/// is searched for as words, never interpreted. `None` when the text has no words.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_SEARCH_WORDS)
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub(crate) fn search(
    connection: &Connection,
    text: &str,
    limit: usize,
    visibility: Option<&PolicyFilter>,
) -> Result<Vec<StoredObject>, StoreError> {
    if limit == 0 {
        return Err(StoreError::Invalid(
            "a search must ask for at least one object; give a limit of 1 or more".to_owned(),
        ));
    }
    let Some(fts_query) = fts_query(text) else {
        return Ok(Vec::new());
    };
    let mut filter = Filter::default();
    let matching = filter.bind_text(&fts_query);
    filter
        .conditions
        .push(format!("objects_fts MATCH {matching}"));
    filter.conditions.push("o.is_latest = 1".to_owned());
    if let Some(visibility) = visibility {
        filter.visibility(visibility);
    }
    let limit_parameter = filter.values.len() + 1;
    filter.values.push(Value::Integer(to_i64(limit)));
    let context = || format!("searching for {text:?}");
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM objects_fts AS f JOIN objects AS o ON o.date_added = f.rowid\
             {} ORDER BY f.rank LIMIT ?{limit_parameter}",
            filter.where_clause()
        ))
        .map_err(|error| StoreError::backend(context(), error))?;
    statement
        .query_map(rusqlite::params_from_iter(filter.values), stored_object)
        .and_then(|rows| rows.collect())
        .map_err(|error| StoreError::backend(context(), error))
}

/// Latest versions per type and TLP level among the rows `visibility` lets through,
/// counted by SQLite with the same translation of the policy's filter as [`query`].
pub(crate) fn count_latest_by_type_and_tlp(
    connection: &Connection,
    visibility: Option<&PolicyFilter>,
) -> Result<Vec<TypeTlpCount>, StoreError> {
    let mut filter = Filter::default();
    filter.conditions.push("o.is_latest = 1".to_owned());
    if let Some(visibility) = visibility {
        filter.visibility(visibility);
    }
    let context = "counting objects by type and TLP level";
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT o.stix_type, o.tlp, COUNT(*) FROM objects AS o{} \
             GROUP BY o.stix_type, o.tlp ORDER BY o.stix_type, o.tlp",
            filter.where_clause()
        ))
        .map_err(|error| StoreError::backend(context, error))?;
    statement
        .query_map(rusqlite::params_from_iter(filter.values), |row| {
            let tlp: Option<String> = row.get(1)?;
            let objects: i64 = row.get(2)?;
            Ok(TypeTlpCount {
                object_type: row.get(0)?,
                tlp: tlp.as_deref().and_then(TlpLevel::from_name),
                objects: u64::try_from(objects).unwrap_or_default(),
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|error| StoreError::backend(context, error))
}

/// The tally of the sightings of one object: the latest, unrevoked version of each
/// sighting among the rows `query.visibility` lets through, with the reporting
/// organisation taken from the sighting's owner.
pub(crate) fn sighting_summary(
    connection: &Connection,
    query: &SightingSummaryQuery,
) -> Result<SightingSummary, StoreError> {
    let mut filter = Filter::default();
    let sighted = filter.bind_text(&query.sighting_of);
    filter.conditions.push(format!("t.sighting_of = {sighted}"));
    filter.conditions.push("o.is_latest = 1".to_owned());
    filter.conditions.push("o.revoked = 0".to_owned());
    if let Some(organisation) = &query.reported_by {
        let owner = filter.bind_text(organisation);
        filter.conditions.push(format!("o.owner = {owner}"));
    }
    if let Some(visibility) = &query.visibility {
        filter.visibility(visibility);
    }
    let context = || format!("adding up the sightings of {}", query.sighting_of);
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT COUNT(*), coalesce(SUM(t.count), 0), COUNT(DISTINCT o.owner), \
             MIN(t.first_seen), MAX(t.last_seen) \
             FROM sightings AS t JOIN objects AS o ON o.date_added = t.date_added{}",
            filter.where_clause()
        ))
        .map_err(|error| StoreError::backend(context(), error))?;
    statement
        .query_row(rusqlite::params_from_iter(filter.values), |row| {
            let count = |index: usize| -> rusqlite::Result<u64> {
                Ok(u64::try_from(row.get::<_, i64>(index)?).unwrap_or_default())
            };
            Ok(SightingSummary {
                sightings: count(0)?,
                total_count: count(1)?,
                organisations: count(2)?,
                first_seen: row.get(3)?,
                last_seen: row.get(4)?,
            })
        })
        .map_err(|error| StoreError::backend(context(), error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_quotes_every_word() {
        let cases = [
            ("phishing kit", Some(r#""phishing" "kit""#)),
            (
                r#"say "hello" AND (x* OR y)"#,
                Some(r#""say" "hello" "AND" "x" "OR" "y""#),
            ),
            (
                "NEAR(a b, 2) col:value ^start",
                Some(r#""NEAR" "a" "b" "2" "col" "value" "start""#),
            ),
            ("Überwachung café", Some(r#""Überwachung" "café""#)),
            ("", None),
            (r#" "*(): - "#, None),
        ];
        for (text, expected) in cases {
            assert_eq!(fts_query(text).as_deref(), expected, "for {text:?}");
        }
    }

    #[test]
    fn version_keys_at_add_the_unversioned_key_for_whole_microseconds() {
        let keys = version_keys_at(&["2024-01-02T03:04:05.123456Z".to_owned()])
            .expect("a valid timestamp");
        assert_eq!(
            keys,
            [
                unversioned_version_key(1_704_164_645_123_456),
                "2024-01-02T03:04:05.123456000Z".to_owned()
            ]
        );
        let keys = version_keys_at(&["2024-01-02T03:04:05.1234567Z".to_owned()])
            .expect("a valid timestamp");
        assert_eq!(keys, ["2024-01-02T03:04:05.123456700Z".to_owned()]);
        assert!(matches!(
            version_keys_at(&["yesterday".to_owned()]),
            Err(StoreError::Invalid(_))
        ));
    }
}
