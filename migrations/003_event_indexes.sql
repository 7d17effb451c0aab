-- Keyset pagination of /analytics/events, newest first, with or without a filter.
CREATE INDEX events_timestamp_id ON events (timestamp DESC, id DESC);
CREATE INDEX events_name_timestamp_id ON events (event_name, timestamp DESC, id DESC);
CREATE INDEX events_user_timestamp_id ON events (user_id, timestamp DESC, id DESC);
