-- Results and the press centre: official results per station and
-- contest, briefings, statements, journalists' accreditation requests,
-- the help centres, and which incident descriptions may be published.
--
-- official_results keeps one row per protocol line: kind 'line' (name
-- registered, cast, valid or invalid) or 'option' (name a contest option).

CREATE TABLE official_results (
	election_id  INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station_code TEXT NOT NULL,
	contest_id   INTEGER NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
	kind         TEXT NOT NULL,
	name         TEXT NOT NULL,
	votes        INTEGER NOT NULL,
	imported_at  TEXT NOT NULL,
	PRIMARY KEY (election_id, station_code, contest_id, kind, name)
) STRICT;

CREATE TABLE briefings (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	title      TEXT NOT NULL,
	starts_at  TEXT NOT NULL,
	place      TEXT NOT NULL,
	lang       TEXT NOT NULL,
	created_at TEXT NOT NULL
) STRICT;
CREATE INDEX briefings_starts ON briefings (starts_at);

CREATE TABLE statements (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	title_kk     TEXT NOT NULL,
	title_ru     TEXT NOT NULL,
	title_en     TEXT NOT NULL,
	body_kk      TEXT NOT NULL,
	body_ru      TEXT NOT NULL,
	body_en      TEXT NOT NULL,
	published_at TEXT NOT NULL
) STRICT;
CREATE INDEX statements_published ON statements (published_at);

-- Personal data: shown to the press desk only, never published.
CREATE TABLE accreditation_requests (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	full_name   TEXT NOT NULL,
	outlet      TEXT NOT NULL,
	email       TEXT NOT NULL,
	phone       TEXT NOT NULL,
	status      TEXT NOT NULL, -- pending, accepted
	observer_id INTEGER REFERENCES observers (id),
	created_at  TEXT NOT NULL,
	decided_at  TEXT,
	decided_by  INTEGER REFERENCES users (id)
) STRICT;
CREATE INDEX accreditation_requests_status ON accreditation_requests (status, id);

CREATE TABLE help_centres (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	city       TEXT NOT NULL UNIQUE, -- region code of the city: KZ-71, KZ-75
	address    TEXT NOT NULL DEFAULT '', -- empty: to be announced
	hours      TEXT NOT NULL DEFAULT '',
	contacts   TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
) STRICT;
INSERT INTO help_centres (city, address, hours, contacts, updated_at) VALUES
	('KZ-71', '', '', '', '2023-03-19T00:00:00.000000Z'),
	('KZ-75', '', '', '', '2023-03-19T00:00:00.000000Z');

CREATE TABLE incident_publication (
	incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
	publishable INTEGER NOT NULL, -- 1: the description may be published
	by_user     INTEGER REFERENCES users (id),
	at          TEXT NOT NULL
) STRICT;
