-- SQLite dialect of the reference schema (../001_initial_schema.sql).
-- Timestamps are integer microseconds since the Unix epoch (UTC): exact, and they sort.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    timestamp INTEGER NOT NULL,
    session_id TEXT,
    received_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE VIEW event_summary AS
SELECT
    event_name,
    COUNT(*) AS event_count,
    COUNT(DISTINCT user_id) AS unique_users,
    date(timestamp / 1000000, 'unixepoch') AS day
FROM events
GROUP BY event_name, day
ORDER BY day DESC;
