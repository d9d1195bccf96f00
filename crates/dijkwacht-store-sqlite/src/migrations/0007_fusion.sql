-- Migration 7: the fusion center's ledger (dijkwacht_store::fusion). Derived data beside
-- `objects`: which source stated which object and when, which observable keys
-- (`ipv4:…`, `domain:…`, `cve:…`) each object carries, and which object holds each
-- indicator pattern for its audience (the route-bound `pattern:…` keys, kept as their
-- SHA-256: long, and only ever looked up whole). Recording the same again only moves
-- `last_seen` and `times`.

CREATE TABLE fusion_statements (
    object_id TEXT NOT NULL,
    -- The source's name in dijkwacht.toml.
    source TEXT NOT NULL,
    -- Admiralty reliability letter of its latest statement, A to F.
    reliability TEXT NOT NULL CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
    -- Unix microseconds.
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    times INTEGER NOT NULL,
    PRIMARY KEY (object_id, source)
) STRICT, WITHOUT ROWID;

CREATE TABLE observable_links (
    key TEXT NOT NULL,
    object_id TEXT NOT NULL,
    PRIMARY KEY (key, object_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX observable_links_by_object ON observable_links (object_id, key);

CREATE TABLE fusion_patterns (
    -- SHA-256 of the whole `pattern:…` key.
    key_hash BLOB NOT NULL,
    object_id TEXT NOT NULL,
    PRIMARY KEY (key_hash, object_id)
) STRICT, WITHOUT ROWID;
