-- The name index of /analytics/events in three tiers, like the per-user one (SQLiteKeyTiers).
-- events_name_timestamp_id took each insert at its timestamp's place in its name's run, and
-- SDKs stamp events at capture, up to half a minute and more before they arrive: the places
-- spread over every page of each run's recent part, and a write transaction of tens of
-- thousands of events rewrote most of them into the WAL (the worker alone, random ids:
-- 95k events/s with that index, 130k without it). New events now go to the small
-- `events_by_name_recent`, in key order; pages read the three tiers and merge them.
CREATE TABLE events_by_name (
    event_name TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (event_name, timestamp DESC, id DESC)
) WITHOUT ROWID;
CREATE TABLE events_by_name_mid (
    event_name TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (event_name, timestamp DESC, id DESC)
) WITHOUT ROWID;
CREATE TABLE events_by_name_recent (
    event_name TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (event_name, timestamp DESC, id DESC)
) WITHOUT ROWID;

INSERT INTO events_by_name (event_name, timestamp, id)
    SELECT event_name, timestamp, id FROM events ORDER BY event_name, timestamp DESC, id DESC;
DROP INDEX events_name_timestamp_id;
