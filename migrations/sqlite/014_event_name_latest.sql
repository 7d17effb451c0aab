-- The newest timestamp of each event name, for pages of /analytics/events without a name or
-- user: such a page reads the names newest first and stops at the first whose newest event is
-- older than the page's oldest, so the first page probes at most `limit` + 1 names' runs of
-- the name index however many distinct names clients sent (it probed every name before). The
-- worker upserts one row per name and write transaction, never one per event. Adding a
-- table: older binaries keep working, but do not keep it (docs/architecture.md says what
-- that means during a rolling upgrade).
CREATE TABLE IF NOT EXISTS event_name_latest (
    event_name TEXT PRIMARY KEY,
    latest INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_name_latest_latest ON event_name_latest (latest DESC, event_name DESC);

INSERT INTO event_name_latest (event_name, latest)
    SELECT event_name, max(latest) FROM (
        SELECT event_name, max(timestamp) AS latest FROM events_by_name GROUP BY event_name
        UNION ALL
        SELECT event_name, max(timestamp) FROM events_by_name_mid GROUP BY event_name
        UNION ALL
        SELECT event_name, max(timestamp) FROM events_by_name_recent GROUP BY event_name)
    GROUP BY event_name
    ON CONFLICT (event_name) DO UPDATE SET latest = max(latest, excluded.latest);
