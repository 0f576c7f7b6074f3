-- Form definitions an admin adjusted: every version is kept; the highest
-- version of a code is the one in use (codes with none use the defaults
-- built into the binary).
CREATE TABLE forms (
    code       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (code, version)
);
