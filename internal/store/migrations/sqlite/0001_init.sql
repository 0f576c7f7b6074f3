-- Times are TEXT in UTC, written 2006-01-02T15:04:05.000000Z so that text
-- order is time order. Tables are STRICT so that a wrong type is an error.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	email         TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL,
	region        TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
	token_hash BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE elections (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	day        TEXT NOT NULL, -- YYYY-MM-DD
	time_zone  TEXT NOT NULL,
	created_at TEXT NOT NULL
) STRICT;

CREATE TABLE contests (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	election_id INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	region      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX contests_election ON contests (election_id);

CREATE TABLE stations (
	id                INTEGER PRIMARY KEY,
	election_id       INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code              TEXT NOT NULL,
	name              TEXT NOT NULL,
	region            TEXT NOT NULL DEFAULT '',
	district          TEXT NOT NULL DEFAULT '',
	country           TEXT NOT NULL,
	city              TEXT NOT NULL DEFAULT '',
	address           TEXT NOT NULL DEFAULT '',
	time_zone         TEXT NOT NULL,
	registered_voters INTEGER NOT NULL DEFAULT 0,
	opens_min         INTEGER NOT NULL,
	closes_min        INTEGER NOT NULL,
	latitude          REAL,
	longitude         REAL,
	search_text       TEXT NOT NULL, -- code, name, city, address lowercased in Go
	updated_at        TEXT NOT NULL,
	UNIQUE (election_id, code)
) STRICT;
CREATE INDEX stations_region ON stations (election_id, region);
CREATE INDEX stations_country ON stations (election_id, country);
CREATE INDEX stations_district ON stations (election_id, district);
