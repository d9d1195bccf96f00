-- Migration 5: submissions (TAXII POSTs). The status a client polls for, and, until the
-- submission is finished, the work left to do, so that an acknowledged submission is
-- finished after a restart instead of lost.

CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    -- Unix microseconds of the first save, for finishing old work first.
    created_at INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    status TEXT NOT NULL,
    pending_work TEXT
) STRICT;

CREATE INDEX submissions_unfinished ON submissions (created_at) WHERE finished = 0;

-- Versions removed by a TAXII DELETE. Their `date_added` is never handed out again
-- (ingest continues after the greatest one, here or in `objects`), so a client that
-- paged past it with `added_after` misses nothing stored later.
CREATE TABLE deleted_versions (
    date_added INTEGER PRIMARY KEY,
    stix_id TEXT NOT NULL,
    -- Unix microseconds.
    deleted_at INTEGER NOT NULL
) STRICT;
