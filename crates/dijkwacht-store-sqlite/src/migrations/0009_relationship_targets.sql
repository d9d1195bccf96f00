-- What points at an object: relationships by their `target_ref`, so that the
-- `course-of-action` mitigating a vulnerability or an indicator is found without
-- reading every relationship (ObjectQuery::target_refs). A partial index on the
-- expression the query uses; only relationships are in it.
CREATE INDEX objects_by_relationship_target
    ON objects (json_extract(json, '$.target_ref'))
    WHERE stix_type = 'relationship';
