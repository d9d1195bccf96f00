-- Migration 4: what the sharing rules read besides owner and TLP. `objects.scope` holds
-- the scope's kind (organisation | communities | federated | public); the communities a
-- scope names and the named recipients of TLP:RED objects are rows of their own, so
-- that the policy's filter becomes indexed EXISTS tests.

CREATE TABLE object_scope (
    date_added INTEGER NOT NULL REFERENCES objects (date_added),
    community TEXT NOT NULL,
    PRIMARY KEY (date_added, community)
) STRICT, WITHOUT ROWID;

CREATE TABLE object_recipients (
    date_added INTEGER NOT NULL REFERENCES objects (date_added),
    user TEXT NOT NULL,
    PRIMARY KEY (date_added, user)
) STRICT, WITHOUT ROWID;
