-- Missions at work: meetings with their questions and answers, the
-- acknowledgement of a mission's principles, statements drafted in
-- versions, the delegation heads' decisions, and the moment an election's
-- results were announced (which releases statements waiting for it).

-- A user account that acts for an observer of a mission (a mission or
-- delegation head signs in with e-mail and password).
CREATE TABLE mission_accounts (
	user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	observer_id INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	created_at  TEXT NOT NULL
) STRICT;

-- mission_id NULL: a meeting of the commission's observer desk.
CREATE TABLE meetings (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	election_id          INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	mission_id           INTEGER REFERENCES missions (id) ON DELETE CASCADE,
	kind                 TEXT NOT NULL,
	held_at              TEXT NOT NULL,
	place                TEXT NOT NULL,
	participants         TEXT NOT NULL DEFAULT '[]', -- JSON array of names
	counterpart          TEXT NOT NULL DEFAULT '',
	agenda               TEXT NOT NULL DEFAULT '',
	notes                TEXT NOT NULL DEFAULT '',
	follow_up            TEXT NOT NULL DEFAULT '',
	press_statement_id   INTEGER REFERENCES statements (id) ON DELETE SET NULL,
	created_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created_at           TEXT NOT NULL
) STRICT;
CREATE INDEX meetings_election ON meetings (election_id, mission_id, held_at);

CREATE TABLE meeting_questions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
	topic      TEXT NOT NULL,
	asked_by   TEXT NOT NULL DEFAULT '',
	question   TEXT NOT NULL,
	answer     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX meeting_questions_meeting ON meeting_questions (meeting_id, id);

-- Like charter_signatures: one row per member and text of the principles.
CREATE TABLE mission_acknowledgements (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	mission_id      INTEGER NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
	observer_id     INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	principles      TEXT NOT NULL,
	acknowledged_at TEXT NOT NULL,
	by_user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
	UNIQUE (mission_id, observer_id, principles)
) STRICT;

CREATE TABLE mission_statements (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	mission_id          INTEGER NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
	kind                TEXT NOT NULL,
	rule                TEXT NOT NULL,
	release_kind        TEXT NOT NULL,
	release_at          TEXT,
	conference          TEXT NOT NULL DEFAULT '', -- JSON, or '' for none
	frozen_version      INTEGER NOT NULL DEFAULT 0,
	adopted_at          TEXT,
	press_statement_id  INTEGER REFERENCES statements (id) ON DELETE SET NULL,
	created_at          TEXT NOT NULL
) STRICT;
CREATE INDEX mission_statements_mission ON mission_statements (mission_id);

CREATE TABLE mission_statement_versions (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	statement_id INTEGER NOT NULL REFERENCES mission_statements (id) ON DELETE CASCADE,
	number       INTEGER NOT NULL,
	content      TEXT NOT NULL, -- JSON: title, sections, figures once frozen
	by_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
	by_observer  INTEGER REFERENCES observers (id) ON DELETE SET NULL,
	created_at   TEXT NOT NULL,
	UNIQUE (statement_id, number)
) STRICT;

-- Every decision is kept; the latest of each head counts.
CREATE TABLE mission_decisions (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	statement_id INTEGER NOT NULL REFERENCES mission_statements (id) ON DELETE CASCADE,
	version      INTEGER NOT NULL,
	observer_id  INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
	approve      INTEGER NOT NULL,
	comment      TEXT NOT NULL DEFAULT '',
	decided_at   TEXT NOT NULL
) STRICT;
CREATE INDEX mission_decisions_statement ON mission_decisions (statement_id, id);

CREATE TABLE results_announcements (
	election_id  INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE,
	announced_at TEXT NOT NULL,
	by_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;
