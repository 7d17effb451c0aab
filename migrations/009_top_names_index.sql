-- The top names of /analytics/stats in the order the query asks for, ties by byte order of
-- the name: with only (events DESC), every name tied at the last place of the list was read
-- and sorted (an incremental sort of the whole tie: 50,000 names seen as often as each other
-- meant 50,000 rows a call). The rollup row changes once per name and write. Adding an index:
-- older binaries keep working.
CREATE INDEX IF NOT EXISTS rollup_event_totals_events_name ON rollup_event_totals (events DESC, event_name COLLATE "C");
