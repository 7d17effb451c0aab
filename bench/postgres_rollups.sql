-- Rebuilds the rollups from `events` after a bulk load (bench/analytics.py). Same shapes as
-- migrations/004_rollups.sql and 005_persons.sql; the per-bucket user sets are not built (no
-- read touches them).
BEGIN;
TRUNCATE rollup_totals, rollup_event_totals, rollup_buckets, rollup_bucket_user_keys, persons;
INSERT INTO rollup_event_totals (event_name, events) SELECT event_name, COUNT(*) FROM events GROUP BY event_name;
INSERT INTO rollup_buckets (period, bucket, event_name, events, users)
SELECT p.period, date_trunc(p.period, e.timestamp, 'UTC'), n.event_name, COUNT(*), COUNT(DISTINCT e.user_id)
FROM events e
CROSS JOIN (VALUES ('day'), ('hour')) AS p (period)
CROSS JOIN LATERAL (VALUES (e.event_name), ('')) AS n (event_name)
GROUP BY 1, 2, 3;
INSERT INTO persons (user_id, first_seen, last_seen) SELECT user_id, MIN(timestamp), MAX(timestamp) FROM events GROUP BY user_id;
INSERT INTO rollup_totals (id, events, users) SELECT 1, (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM persons);
-- Schema version 10 on: each name's newest timestamp, where pages of every name start.
DO $$ BEGIN
    IF to_regclass('event_name_latest') IS NOT NULL THEN
        DELETE FROM event_name_latest;
        INSERT INTO event_name_latest (event_name, latest) SELECT event_name, max(timestamp) FROM events GROUP BY event_name;
    END IF;
END $$;
COMMIT;
ANALYZE events;
ANALYZE rollup_buckets;
ANALYZE persons;
