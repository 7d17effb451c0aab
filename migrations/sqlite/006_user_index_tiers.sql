-- The per-user keyset index of /analytics/events, in two tiers. An index on events (user_id, …)
-- takes every insert at its user's position, so each write transaction rewrote most of its
-- pages (into the WAL as well) and inserts slowed as it grew. New events now go to the small
-- `events_by_user_recent`; the store moves it into `events_by_user` in key order once it holds
-- SQLiteStore.userIndexMergeRows rows. Pages filtered by user read both tiers.
CREATE TABLE events_by_user (
    user_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (user_id, timestamp DESC, id DESC)
) WITHOUT ROWID;

CREATE TABLE events_by_user_recent (
    user_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (user_id, timestamp DESC, id DESC)
) WITHOUT ROWID;

INSERT INTO events_by_user (user_id, timestamp, id)
    SELECT user_id, timestamp, id FROM events ORDER BY user_id, timestamp DESC, id DESC;
DROP INDEX events_user_timestamp_id;
