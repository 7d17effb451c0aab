-- The recent tier of stored event ids is no longer a table: it is the events after the id in
-- `event_ids_recent_after`, indexed in the writer's memory (RecentEventIDs.swift), and a move
-- sorts their ids into the middle or main tier and advances the watermark. Inserting each
-- random id into `event_ids_recent` was the writer's most expensive step (a B-tree seek over
-- 36-byte keys per event; every page of the tier rewritten into the WAL by every write).
INSERT INTO event_ids_mid (event_id) SELECT event_id FROM event_ids_recent ORDER BY event_id;
DROP TABLE event_ids_recent;
CREATE TABLE event_ids_recent_after (id INTEGER NOT NULL);
INSERT INTO event_ids_recent_after (id) SELECT coalesce(max(id), 0) FROM events;
