-- Migration 3: API tokens. Only the hash of a token's secret is stored.

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users (email),
    -- Hex SHA-256 of the secret.
    secret_hash TEXT NOT NULL,
    write INTEGER NOT NULL,
    -- Community names, comma-separated, when the token is limited to them.
    communities TEXT,
    -- Unix microseconds.
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
) STRICT, WITHOUT ROWID;
