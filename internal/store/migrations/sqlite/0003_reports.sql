-- Election day: reports (filled forms), incidents and their evidence, and
-- the options of each contest.
--
-- client_id is chosen by the sender and makes a retry safe: the same one
-- again is the same report (INSERT ... ON CONFLICT (client_id) DO NOTHING).
-- answers and flags are JSON kept as TEXT on both engines, byte for byte as
-- written: the receipt is a hash over these very bytes (report.ReportReceipt).
-- Reports point at their election and station without ON DELETE CASCADE:
-- deleting an election or station that has observations must fail rather
-- than destroy them. observer_id and entered_by are NULL when unknown.

ALTER TABLE contests ADD COLUMN options TEXT NOT NULL DEFAULT '[]'; -- JSON array of strings, in ballot order

CREATE TABLE reports (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	client_id    TEXT NOT NULL UNIQUE,
	election_id  INTEGER NOT NULL REFERENCES elections (id),
	station_code TEXT NOT NULL,
	form         TEXT NOT NULL,
	form_version INTEGER NOT NULL DEFAULT 0,
	observer_id  INTEGER REFERENCES observers (id),
	entered_by   INTEGER REFERENCES users (id),
	channel      TEXT NOT NULL,
	observed_at  TEXT NOT NULL,
	received_at  TEXT NOT NULL,
	answers      TEXT NOT NULL, -- JSON object, canonical (report.CanonicalAnswers)
	flags        TEXT NOT NULL DEFAULT '[]', -- JSON array of report.Flag
	receipt      TEXT NOT NULL, -- hex SHA-256, report.ReportReceipt
	FOREIGN KEY (election_id, station_code) REFERENCES stations (election_id, code)
) STRICT;
CREATE INDEX reports_station ON reports (election_id, station_code, observed_at);
CREATE INDEX reports_form ON reports (election_id, form);
CREATE INDEX reports_observer ON reports (observer_id);

CREATE TABLE incidents (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	client_id    TEXT NOT NULL UNIQUE,
	election_id  INTEGER NOT NULL REFERENCES elections (id),
	station_code TEXT NOT NULL,
	region       TEXT NOT NULL, -- the station's region code, or 'abroad'
	category     TEXT NOT NULL,
	severity     TEXT NOT NULL,
	description  TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL,
	observer_id  INTEGER REFERENCES observers (id),
	entered_by   INTEGER REFERENCES users (id),
	channel      TEXT NOT NULL,
	observed_at  TEXT NOT NULL,
	received_at  TEXT NOT NULL,
	flags        TEXT NOT NULL DEFAULT '[]',
	receipt      TEXT NOT NULL, -- hex SHA-256, report.IncidentReceipt
	FOREIGN KEY (election_id, station_code) REFERENCES stations (election_id, code)
) STRICT;
-- Regional queues list newest first, within an election or across them.
CREATE INDEX incidents_queue ON incidents (election_id, region, status, received_at);
CREATE INDEX incidents_region ON incidents (region, status, received_at);
CREATE INDEX incidents_station ON incidents (election_id, station_code, observed_at);
CREATE INDEX incidents_received ON incidents (received_at);

CREATE TABLE evidence (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id   INTEGER NOT NULL REFERENCES incidents (id),
	content_type  TEXT NOT NULL,
	size          INTEGER NOT NULL,
	sha256        TEXT NOT NULL, -- hex, of data
	original_hash TEXT NOT NULL, -- hex, of the bytes as received
	data          BLOB NOT NULL,
	created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_incident ON evidence (incident_id, id);
