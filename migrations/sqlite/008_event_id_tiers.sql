-- Which event ids are stored: three tiers of sorted keys instead of the UNIQUE index on
-- events.event_id. SDKs send random (v4 UUID) ids, so every insert into one index of all ids
-- landed on a random page of it, and a write transaction of tens of thousands of events
-- dirtied nearly all of its pages, each written to the WAL and again at the checkpoint (with
-- 1M events stored: about 2 KB more written per event, the writer's time per event doubled,
-- and it grows with the store). The store now checks a new id against all three tiers and
-- adds it to the small `event_ids_recent`; full tiers move down in key order
-- (SQLiteKeyTiers.swift). The per-user index gets the same middle tier.
-- A UNIQUE column constraint cannot be dropped in SQLite: the table is rebuilt, ids kept.
DROP VIEW event_summary;
CREATE TABLE events_rebuilt (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    timestamp INTEGER NOT NULL,
    session_id TEXT,
    received_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO events_rebuilt (id, event_id, event_name, user_id, properties, timestamp, session_id, received_at, created_at)
    SELECT id, event_id, event_name, user_id, properties, timestamp, session_id, received_at, created_at FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_rebuilt RENAME TO events;
CREATE INDEX events_name_timestamp_id ON events (event_name, timestamp DESC, id DESC);
CREATE VIEW event_summary AS
SELECT
    event_name,
    COUNT(*) AS event_count,
    COUNT(DISTINCT user_id) AS unique_users,
    date(timestamp / 1000000, 'unixepoch') AS day
FROM events
GROUP BY event_name, day
ORDER BY day DESC;

CREATE TABLE event_ids (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE event_ids_mid (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE event_ids_recent (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO event_ids (event_id) SELECT event_id FROM events ORDER BY event_id;

CREATE TABLE events_by_user_mid (
    user_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (user_id, timestamp DESC, id DESC)
) WITHOUT ROWID;
