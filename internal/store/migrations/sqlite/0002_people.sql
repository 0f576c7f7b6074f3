-- The people registry: organisations, missions, observers and journalists
-- with their workflow and credentials, training, the charter, and the
-- deployment of observers to stations. Names, search text and keys are
-- folded in Go (name_key, search_text, observer_dup_keys), so that
-- Cyrillic and Kazakh letters fold the same way on both engines.
-- Columns that point to a user (by_user_id) are NULL for the system.

CREATE TABLE organizations (
	id                     INTEGER PRIMARY KEY AUTOINCREMENT,
	name                   TEXT NOT NULL,
	name_key               TEXT NOT NULL UNIQUE, -- name lowercased in Go
	kind                   TEXT NOT NULL,
	country                TEXT NOT NULL DEFAULT '',
	training_all_mandatory INTEGER NOT NULL DEFAULT 0,
	training_min_sessions  INTEGER NOT NULL DEFAULT 0,
	training_min_score     INTEGER NOT NULL DEFAULT 0,
	created_at             TEXT NOT NULL
) STRICT;
CREATE INDEX organizations_kind ON organizations (kind, name_key);

CREATE TABLE missions (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	organization_id INTEGER NOT NULL REFERENCES organizations (id),
	election_id     INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	name_key        TEXT NOT NULL, -- name lowercased in Go
	start_date      TEXT, -- YYYY-MM-DD
	principles      TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	UNIQUE (election_id, name_key)
) STRICT;
CREATE INDEX missions_organization ON missions (organization_id);

CREATE TABLE observers (
	id                     INTEGER PRIMARY KEY AUTOINCREMENT,
	number                 TEXT UNIQUE, -- OBS-000123, JRN-000045: set from id after the insert
	kind                   TEXT NOT NULL,
	full_name              TEXT NOT NULL,
	search_text            TEXT NOT NULL, -- name, number, organisation name lowercased in Go
	organization_id        INTEGER NOT NULL REFERENCES organizations (id),
	country                TEXT NOT NULL DEFAULT '',
	languages              TEXT NOT NULL DEFAULT '', -- comma-separated ISO 639-1 codes
	region                 TEXT NOT NULL DEFAULT '',
	mission_id             INTEGER REFERENCES missions (id) ON DELETE SET NULL,
	mission_role           TEXT NOT NULL DEFAULT '',
	status                 TEXT NOT NULL,
	valid_until            TEXT,
	email                  TEXT NOT NULL DEFAULT '',
	phone                  TEXT NOT NULL DEFAULT '',
	national_id            TEXT NOT NULL DEFAULT '',
	birth_date             TEXT, -- YYYY-MM-DD
	created_at             TEXT NOT NULL,
	updated_at             TEXT NOT NULL,
	login_hash             BLOB UNIQUE,
	pin_hash               TEXT NOT NULL DEFAULT '',
	verify_token           TEXT UNIQUE,
	pin_failures           INTEGER NOT NULL DEFAULT 0,
	credentials_updated_at TEXT
) STRICT;
-- Lists are ordered by full_name, id. Each selective filter leads an index
-- with status second, so that a filter and a status use two columns of one
-- index: without statistics SQLite would otherwise as soon pick the status
-- index, which narrows nothing when most observers share a status.
-- observers_name carries search_text so that an unfiltered search walks
-- the index in name order without reading each row.
CREATE INDEX observers_name ON observers (full_name, id, search_text);
CREATE INDEX observers_organization ON observers (organization_id, status, full_name, id);
CREATE INDEX observers_mission ON observers (mission_id, status, full_name, id);
CREATE INDEX observers_region ON observers (region, status, full_name, id);
CREATE INDEX observers_country ON observers (country, status, full_name, id);
CREATE INDEX observers_status ON observers (status, full_name, id);

-- Keys under which two observers are the same person (people.DuplicateKeys).
CREATE TABLE observer_dup_keys (
	key         TEXT NOT NULL,
	observer_id INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	PRIMARY KEY (key, observer_id)
) STRICT;
CREATE INDEX observer_dup_keys_observer ON observer_dup_keys (observer_id);

-- Append-only.
CREATE TABLE observer_transitions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	observer_id INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	from_status TEXT NOT NULL, -- '' for the first step
	to_status   TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	by_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
	at          TEXT NOT NULL
) STRICT;
CREATE INDEX observer_transitions_observer ON observer_transitions (observer_id, id);

CREATE TABLE training_sessions (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	title           TEXT NOT NULL,
	mode            TEXT NOT NULL,
	starts_at       TEXT NOT NULL,
	mandatory       INTEGER NOT NULL DEFAULT 0,
	region          TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX training_sessions_organization ON training_sessions (organization_id, starts_at);

CREATE TABLE attendance (
	session_id  INTEGER NOT NULL REFERENCES training_sessions (id) ON DELETE CASCADE,
	observer_id INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	attended    INTEGER NOT NULL,
	score       INTEGER NOT NULL DEFAULT -1, -- -1: no test taken
	PRIMARY KEY (session_id, observer_id)
) STRICT;
CREATE INDEX attendance_observer ON attendance (observer_id);

CREATE TABLE charter_versions (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	version      INTEGER NOT NULL UNIQUE,
	text_kk      TEXT NOT NULL,
	text_ru      TEXT NOT NULL,
	text_en      TEXT NOT NULL,
	published_at TEXT NOT NULL
) STRICT;

-- Exactly one of organization_id and observer_id is set; each signs a
-- version once (NULLs never clash in a UNIQUE constraint).
CREATE TABLE charter_signatures (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	charter_version_id INTEGER NOT NULL REFERENCES charter_versions (id),
	organization_id    INTEGER REFERENCES organizations (id) ON DELETE CASCADE,
	observer_id        INTEGER REFERENCES observers (id) ON DELETE CASCADE,
	signed_at          TEXT NOT NULL,
	by_user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
	UNIQUE (organization_id, charter_version_id),
	UNIQUE (observer_id, charter_version_id),
	CHECK ((organization_id IS NULL) <> (observer_id IS NULL))
) STRICT;

CREATE TABLE assignments (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	election_id  INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station_code TEXT NOT NULL,
	observer_id  INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	team         TEXT NOT NULL DEFAULT '',
	by_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created_at   TEXT NOT NULL,
	UNIQUE (election_id, station_code, observer_id),
	FOREIGN KEY (election_id, station_code) REFERENCES stations (election_id, code) ON DELETE CASCADE
) STRICT;
CREATE INDEX assignments_observer ON assignments (observer_id, election_id);

-- Which folding rules the observer_dup_keys were computed with (a
-- fingerprint of people.DuplicateKeys): when it changes, the keys are
-- computed again.
CREATE TABLE observer_dup_keys_version (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	fingerprint TEXT NOT NULL
) STRICT;
