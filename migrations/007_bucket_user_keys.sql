-- Unique users per rollup bucket as one 64-bit key per (period, bucket, event name, user)
-- instead of a row of four columns: the worker probes this set for every new pair it
-- stores, and a bigint primary key is the cheapest set PostgreSQL keeps. Exact up to a
-- 64-bit hash collision (about 3 % odds of a single one after a billion pairs). The key
-- text must stay the one PostgresStore+Rollups.swift builds: period, bucket start in
-- microseconds, ':', the event name's length, ':', the event name, the user id.
CREATE TABLE rollup_bucket_user_keys (key BIGINT PRIMARY KEY);

INSERT INTO rollup_bucket_user_keys (key)
SELECT hashtextextended(
    period || ((extract(epoch FROM bucket) * 1000000)::bigint)::text || ':' || length(event_name) || ':' || event_name || user_id, 0)
FROM rollup_bucket_users
ON CONFLICT DO NOTHING;

DROP TABLE rollup_bucket_users;
