-- One row per user_id: first and last event time, and profile properties. Users already in
-- `events` are added here, so rollup_totals.users (counted in 004) matches this table.
CREATE TABLE persons (
    user_id VARCHAR(255) PRIMARY KEY,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    properties JSONB NOT NULL DEFAULT '{}'
);

INSERT INTO persons (user_id, first_seen, last_seen)
SELECT user_id, MIN(timestamp), MAX(timestamp) FROM events GROUP BY user_id;
