-- The middle and main tiers of stored event ids are keyed by (hash, events.id) instead of the
-- id's text: the hash is EventIDHash (`smolhog_event_id_hash`, registered by the store's
-- connections), and a lookup compares the event's own id (two ids may share a hash). A row is
-- about 16 bytes instead of 45, and the moves sort and compare integers, not 36-byte strings.
-- The ids before the recent tier's watermark all go into the main tier.
DROP TABLE event_ids;
DROP TABLE event_ids_mid;
CREATE TABLE event_ids (hash INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (hash, id)) WITHOUT ROWID;
CREATE TABLE event_ids_mid (hash INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (hash, id)) WITHOUT ROWID;
INSERT INTO event_ids (hash, id)
    SELECT smolhog_event_id_hash(event_id), id FROM events WHERE id <= (SELECT id FROM event_ids_recent_after) ORDER BY 1, 2;
