-- Rollups, updated in the insert's transaction for newly inserted events only.
CREATE TABLE rollup_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    events INTEGER NOT NULL,
    users INTEGER NOT NULL
);
INSERT INTO rollup_totals (id, events, users) VALUES (1, 0, 0);

CREATE TABLE rollup_event_totals (
    event_name TEXT PRIMARY KEY,
    events INTEGER NOT NULL
);
CREATE INDEX rollup_event_totals_events ON rollup_event_totals (events DESC);

-- interval is 'day' or 'hour'; bucket is the bucket's start (microseconds);
-- event_name '' is the bucket of all events.
CREATE TABLE rollup_buckets (
    interval TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    events INTEGER NOT NULL,
    users INTEGER NOT NULL,
    PRIMARY KEY (interval, event_name, bucket)
) WITHOUT ROWID;

CREATE TABLE rollup_bucket_users (
    interval TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (interval, event_name, bucket, user_id)
) WITHOUT ROWID;
