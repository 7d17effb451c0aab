-- The newest timestamp of each event name, for pages of /analytics/events without a name or
-- user: such a page reads the names newest first and stops at the first whose newest event is
-- older than the page's oldest, so the first page probes at most `limit` + 1 names' runs of
-- events_name_timestamp_id however many distinct names clients sent (it probed every name
-- before). Workers upsert one row per name and write transaction, in name order, never one
-- per event. Adding a table: older binaries keep working, but do not keep it
-- (docs/architecture.md says what that means during a rolling upgrade).
CREATE TABLE IF NOT EXISTS event_name_latest (
    event_name TEXT PRIMARY KEY,
    latest TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS event_name_latest_latest ON event_name_latest (latest DESC, event_name COLLATE "C" DESC);

INSERT INTO event_name_latest (event_name, latest)
    SELECT event_name, max(timestamp) FROM events GROUP BY event_name
    ON CONFLICT (event_name) DO UPDATE SET latest = greatest(event_name_latest.latest, excluded.latest);
