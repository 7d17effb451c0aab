-- Persons joined across distinct ids, and groups, kept by the `persons` stage: a profile per
-- person (AUTOINCREMENT: an id is never reused, so a lower id is an older person, which is
-- the one that survives a merge), the distinct id → person mapping, group profiles and
-- memberships. `persons` (004) still holds one row per distinct id for the rollups. Adding
-- tables only: an older smolhogd keeps working on this schema (it neither reads nor keeps
-- them).
CREATE TABLE IF NOT EXISTS person_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    properties TEXT NOT NULL DEFAULT '{}',
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS person_distinct_ids (
    distinct_id TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS person_distinct_ids_person ON person_distinct_ids (person_id, distinct_id);
CREATE TABLE IF NOT EXISTS group_profiles (
    group_type TEXT NOT NULL,
    group_key TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (group_type, group_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_members (
    group_type TEXT NOT NULL,
    group_key TEXT NOT NULL,
    distinct_id TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (group_type, group_key, distinct_id)
) WITHOUT ROWID;
