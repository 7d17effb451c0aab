-- When the server accepted each event (rows from before this migration get their created_at),
-- and 64-bit row ids: SERIAL's int4 sequence runs out after 2^31 events.
ALTER TABLE events ADD COLUMN received_at TIMESTAMPTZ;
UPDATE events SET received_at = COALESCE(created_at, timestamp);
ALTER TABLE events ALTER COLUMN received_at SET DEFAULT NOW();
ALTER TABLE events ALTER COLUMN received_at SET NOT NULL;
UPDATE events SET properties = '{}' WHERE properties IS NULL;
ALTER TABLE events ALTER COLUMN properties SET NOT NULL;

ALTER TABLE events ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE events_id_seq AS BIGINT;
