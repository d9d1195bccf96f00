-- Migration 6: the tally of sightings. One row per stored version of a STIX `sighting`,
-- written by ingest in the same transaction as the object, so that every path that
-- stores a sighting (REST, TAXII, import) counts it. A summary joins these rows with
-- `objects` to count only latest, unrevoked versions the caller may read, and takes the
-- reporting organisation from `objects.owner`.

CREATE TABLE sightings (
    -- The stored version of the sighting (`objects.date_added`).
    date_added INTEGER PRIMARY KEY,
    -- Its `sighting_of_ref`.
    sighting_of TEXT NOT NULL,
    -- Its `count`; 1 when it has none.
    count INTEGER NOT NULL,
    -- Unix microseconds: `first_seen`, else `last_seen`, else `created`.
    first_seen INTEGER,
    -- Unix microseconds: `last_seen`, else `first_seen`, else `created`.
    last_seen INTEGER
) STRICT;

CREATE INDEX sightings_by_object ON sightings (sighting_of);

-- Sightings stored before this migration are tallied once, here (ingest does the same
-- in Rust for every new one).
INSERT INTO sightings (date_added, sighting_of, count, first_seen, last_seen)
SELECT date_added,
       json_extract(json, '$.sighting_of_ref'),
       coalesce(json_extract(json, '$.count'), 1),
       CAST(unixepoch(coalesce(json_extract(json, '$.first_seen'),
                               json_extract(json, '$.last_seen'),
                               json_extract(json, '$.created')), 'subsec') * 1000000 AS INTEGER),
       CAST(unixepoch(coalesce(json_extract(json, '$.last_seen'),
                               json_extract(json, '$.first_seen'),
                               json_extract(json, '$.created')), 'subsec') * 1000000 AS INTEGER)
FROM objects
WHERE stix_type = 'sighting' AND json_extract(json, '$.sighting_of_ref') IS NOT NULL;
