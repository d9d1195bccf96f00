-- Migration 1: the object store. Every version of every STIX object is one row of
-- `objects`; `ingests` records where each batch came from; `objects_fts` makes the latest
-- versions searchable by name and description; `type_counts` keeps the per-type totals
-- that statistics pages ask for, so that they need no scan of the whole table.

-- One row per stored batch: its provenance.
CREATE TABLE ingests (
    id INTEGER PRIMARY KEY,
    -- Provenance::source, e.g. `import:path/to/file.json`.
    source TEXT NOT NULL,
    -- Unix microseconds when the batch's transaction began.
    started_at INTEGER NOT NULL,
    -- Objects in the batch, and how many of them were stored as new rows.
    object_count INTEGER NOT NULL,
    stored_count INTEGER NOT NULL
) STRICT;

CREATE TABLE objects (
    -- Unix microseconds; unique and strictly increasing in commit order. It is the rowid,
    -- so the table itself is kept in date_added order: TAXII's `added_after` paging
    -- reads it in sequence, and no separate index on it is needed. It is also the key of
    -- the object's row in `objects_fts`.
    date_added INTEGER PRIMARY KEY,
    stix_id TEXT NOT NULL,
    stix_type TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    -- Timestamp::sort_key of `modified`/`created`; for unversioned objects (SCOs)
    -- `added:` followed by the zero-padded date_added, which sorts after every timestamp
    -- key and can never equal one.
    version_key TEXT NOT NULL,
    -- The version as TAXII reports it.
    version_text TEXT NOT NULL,
    revoked INTEGER NOT NULL,
    -- Exactly one row per stix_id has is_latest = 1 (the greatest version_key) and one
    -- has is_first = 1 (the least); ingest maintains both.
    is_latest INTEGER NOT NULL,
    is_first INTEGER NOT NULL,
    -- Compact JSON with sorted keys, as PreparedObject::json.
    json TEXT NOT NULL,
    -- Sharing attributes: the owning identity, TlpLevel::name, and a scope reserved for
    -- the sharing-rules layer.
    owner TEXT,
    tlp TEXT,
    scope TEXT,
    ingest_id INTEGER REFERENCES ingests (id),
    -- Also the index behind `match[id]`, versions() and ingest's lookups.
    UNIQUE (stix_id, version_key)
) STRICT;

-- TAXII `match[type]`, in date_added order (an index entry ends with the rowid).
-- TAXII's default view, the latest versions in date_added order, needs no index of its
-- own: it reads the table in rowid order and skips superseded versions, which are few
-- next to the latest ones in threat-intelligence data. (An index on is_latest would cost
-- every ingest more than it saves these reads.)
CREATE INDEX objects_by_type ON objects (stix_type);

-- Full-text search, keyed by objects.date_added. Each version that is the latest when it
-- is stored gets a row; rows of versions superseded later stay and are filtered out by
-- joining on objects.is_latest, so ingest never has to delete from the index (a version
-- that is not the latest when stored can never become it). The table is contentless
-- without column sizes, so neither the text nor per-row sizes are stored a second time.
CREATE VIRTUAL TABLE objects_fts USING fts5 (
    name,
    description,
    content = '',
    columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Distinct objects and versions per type, kept in step by ingest.
CREATE TABLE type_counts (
    stix_type TEXT PRIMARY KEY,
    objects INTEGER NOT NULL,
    versions INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
