-- Unique users per rollup bucket, kept as one 64-bit key per (interval, bucket, event name,
-- user) instead of a row of four text columns: an integer primary key is the cheapest set
-- SQLite can probe, and the worker probes it for every new pair it stores. Exact up to a
-- 64-bit hash collision (about 3 % odds of a single one after a billion pairs).
-- smolhog_bucket_user_key is registered by the store on every connection.
CREATE TABLE rollup_bucket_user_keys (key INTEGER PRIMARY KEY);
INSERT INTO rollup_bucket_user_keys (key)
    SELECT smolhog_bucket_user_key(interval, bucket, event_name, user_id) FROM rollup_bucket_users WHERE true
    ON CONFLICT DO NOTHING;
DROP TABLE rollup_bucket_users;
