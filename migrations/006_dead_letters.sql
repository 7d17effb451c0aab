-- Messages that can never be stored, with why; never silently dropped.
CREATE TABLE dead_letters (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    payload BYTEA NOT NULL,
    reason TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX dead_letters_failed_at ON dead_letters (failed_at);
