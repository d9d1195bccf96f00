-- Migration 2: the directory. Organisations, communities (a tree through `parent`),
-- memberships with their stage, and users. Names are the stable keys the command line
-- and the sharing rules use.

CREATE TABLE organisations (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    -- Sector names, comma-separated, in the order given.
    sectors TEXT NOT NULL,
    size TEXT NOT NULL,
    vital INTEGER NOT NULL,
    -- The STIX identity that represents the organisation.
    identity TEXT NOT NULL UNIQUE
) STRICT, WITHOUT ROWID;

CREATE TABLE communities (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES communities (name),
    vetted INTEGER NOT NULL,
    -- The TLP level of objects shared into it without a marking (TlpLevel::name).
    default_tlp TEXT NOT NULL,
    identity TEXT NOT NULL UNIQUE
) STRICT, WITHOUT ROWID;

CREATE TABLE memberships (
    community TEXT NOT NULL REFERENCES communities (name),
    organisation TEXT NOT NULL REFERENCES organisations (name),
    -- applicant | participant | partner
    stage TEXT NOT NULL,
    contact TEXT,
    -- Unix microseconds when the organisation asked to join.
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (community, organisation)
) STRICT, WITHOUT ROWID;

CREATE INDEX memberships_by_organisation ON memberships (organisation);

CREATE TABLE users (
    email TEXT PRIMARY KEY,
    organisation TEXT NOT NULL REFERENCES organisations (name),
    role TEXT NOT NULL,
    -- argon2id, as a PHC string.
    password_hash TEXT NOT NULL
) STRICT, WITHOUT ROWID;
