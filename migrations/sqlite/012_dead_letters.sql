-- What the worker gives up on, with why; never silently dropped (the same table as
-- PostgreSQL's migrations/006_dead_letters.sql): an event the store refused alone, or a
-- message that does not decode. Adding a table: older binaries keep working.
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    payload BLOB NOT NULL,
    reason TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_failed_at ON dead_letters (failed_at);
