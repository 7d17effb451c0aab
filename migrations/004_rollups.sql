-- Rollups, updated in the insert's transaction for newly inserted events only. Rows already in
-- `events` (a database that ran the reference schema) are counted here once.
CREATE TABLE rollup_totals (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    events BIGINT NOT NULL,
    users BIGINT NOT NULL
);

CREATE TABLE rollup_event_totals (
    event_name VARCHAR(255) PRIMARY KEY,
    events BIGINT NOT NULL
);
CREATE INDEX rollup_event_totals_events ON rollup_event_totals (events DESC);

-- period is 'day' or 'hour'; bucket is the start of the UTC day or hour;
-- event_name '' is the bucket of all events.
CREATE TABLE rollup_buckets (
    period TEXT NOT NULL CHECK (period IN ('day', 'hour')),
    bucket TIMESTAMPTZ NOT NULL,
    event_name VARCHAR(255) NOT NULL,
    events BIGINT NOT NULL,
    users BIGINT NOT NULL,
    PRIMARY KEY (period, event_name, bucket)
);

CREATE TABLE rollup_bucket_users (
    period TEXT NOT NULL,
    bucket TIMESTAMPTZ NOT NULL,
    event_name VARCHAR(255) NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    PRIMARY KEY (period, event_name, bucket, user_id)
);

INSERT INTO rollup_totals (id, events, users)
SELECT 1, COUNT(*), COUNT(DISTINCT user_id) FROM events;

INSERT INTO rollup_event_totals (event_name, events)
SELECT event_name, COUNT(*) FROM events GROUP BY event_name;

INSERT INTO rollup_bucket_users (period, bucket, event_name, user_id)
SELECT DISTINCT p.period, date_trunc(p.period, e.timestamp, 'UTC'), n.event_name, e.user_id
FROM events e
CROSS JOIN (VALUES ('day'), ('hour')) AS p (period)
CROSS JOIN LATERAL (VALUES (e.event_name), ('')) AS n (event_name);

INSERT INTO rollup_buckets (period, bucket, event_name, events, users)
SELECT p.period, date_trunc(p.period, e.timestamp, 'UTC'), n.event_name, COUNT(*), COUNT(DISTINCT e.user_id)
FROM events e
CROSS JOIN (VALUES ('day'), ('hour')) AS p (period)
CROSS JOIN LATERAL (VALUES (e.event_name), ('')) AS n (event_name)
GROUP BY 1, 2, 3;
