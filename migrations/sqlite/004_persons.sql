-- One row per user_id: first and last event time, and profile properties.
CREATE TABLE persons (
    user_id TEXT PRIMARY KEY,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
