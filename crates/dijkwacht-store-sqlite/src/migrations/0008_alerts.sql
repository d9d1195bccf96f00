-- Migration 8: actionable alerts (dijkwacht_store::alerts). Each organisation's asset
-- profile with a revision that moves when it changes; the alerts the matcher recorded,
-- one per (organisation, key), with the history of their statuses; the matcher's
-- position; and the delivery side: webhooks, e-mail preferences and the outbox of
-- deliveries. Times are Unix microseconds, given by the caller.

CREATE TABLE assets (
    organisation TEXT NOT NULL REFERENCES organisations (name),
    -- The entry kind as dijkwacht-alerts names it (cpe, cidr, domain, …).
    kind TEXT NOT NULL,
    -- The value in its normal form.
    value TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (organisation, kind, value)
) STRICT, WITHOUT ROWID;

-- One row per profile that ever changed. Revisions come from one counter over all
-- profiles (the greatest plus one), so "changed since" is a range on the index.
CREATE TABLE asset_profiles (
    organisation TEXT PRIMARY KEY REFERENCES organisations (name),
    revision INTEGER NOT NULL UNIQUE
) STRICT, WITHOUT ROWID;

CREATE TABLE alerts (
    -- UUID v5 of organisation and key (dijkwacht_store::alerts::alert_id).
    id TEXT NOT NULL PRIMARY KEY,
    organisation TEXT NOT NULL REFERENCES organisations (name),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    -- TlpLevel::name.
    tlp TEXT NOT NULL,
    -- JSON arrays of strings: the users who may see a RED alert, the STIX ids it
    -- links, the fusion sources that stated them.
    recipients TEXT NOT NULL,
    object_ids TEXT NOT NULL,
    sources TEXT NOT NULL,
    -- The caller's JSON.
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (
        status IN ('new', 'acknowledged', 'resolved', 'not-relevant', 'false-positive')
    ),
    status_by TEXT,
    status_note TEXT,
    status_at INTEGER,
    UNIQUE (organisation, key)
) STRICT;

-- Newest first, for everyone and per organisation.
CREATE INDEX alerts_by_time ON alerts (created_at, id);
CREATE INDEX alerts_by_organisation ON alerts (organisation, created_at, id);

CREATE TABLE alert_history (
    id INTEGER PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    status TEXT NOT NULL,
    by_user TEXT,
    note TEXT,
    at INTEGER NOT NULL
) STRICT;

CREATE INDEX alert_history_by_alert ON alert_history (alert_id, id);

-- The matcher's positions in objects.date_added, by name.
CREATE TABLE alert_cursors (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE webhooks (
    -- AUTOINCREMENT: an id is never given to another webhook.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation TEXT NOT NULL REFERENCES organisations (name),
    url TEXT NOT NULL,
    -- As given, not hashed: the deliverer signs every request with it.
    secret TEXT NOT NULL,
    min_severity TEXT NOT NULL CHECK (min_severity IN ('low', 'medium', 'high', 'critical')),
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
) STRICT;

CREATE INDEX webhooks_by_organisation ON webhooks (organisation, id);

CREATE TABLE notification_preferences (
    user TEXT PRIMARY KEY REFERENCES users (email),
    mode TEXT NOT NULL CHECK (mode IN ('off', 'immediate', 'daily', 'weekly'))
) STRICT, WITHOUT ROWID;

CREATE TABLE deliveries (
    -- AUTOINCREMENT: an id is never given to another delivery, so receivers can use it
    -- to recognise a request they have seen.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    -- Exactly one channel: a webhook or a user's e-mail.
    webhook_id INTEGER REFERENCES webhooks (id),
    email TEXT REFERENCES users (email),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'gave-up')),
    attempts INTEGER NOT NULL,
    not_before INTEGER NOT NULL,
    last_error TEXT,
    last_attempt_at INTEGER,
    finished_at INTEGER,
    CHECK ((webhook_id IS NULL) != (email IS NULL))
) STRICT;

CREATE INDEX deliveries_of_alert ON deliveries (alert_id, id);
CREATE INDEX deliveries_of_webhook ON deliveries (webhook_id) WHERE webhook_id IS NOT NULL;
-- What is due: only pending rows are in it, so the outbox stays small to search however
-- many deliveries are on record.
CREATE INDEX deliveries_due ON deliveries (not_before, id) WHERE state = 'pending';
