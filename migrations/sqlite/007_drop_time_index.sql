-- Pages across every event name no longer read an index on (timestamp, id): they merge the
-- newest rows of each name's run of events_name_timestamp_id (SQLiteStore+MergedPage.swift).
-- Each insert took its timestamp's position in that index as well, which cost the worker
-- about a sixth of its time per event.
DROP INDEX events_timestamp_id;
