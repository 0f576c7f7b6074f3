-- Regional HQ triage (internal/triage): the state of each incident in its
-- queue, decisions, the outbox of messages to observers, complaints and an
-- append-only audit trail.
--
-- version grows by one with every change: a change names the version it
-- was made from (optimistic concurrency). changed_at lets a node that lost
-- its PostgreSQL LISTEN connection catch up on what changed meanwhile.
ALTER TABLE incidents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE incidents ADD COLUMN claimed_by INTEGER REFERENCES users (id);
ALTER TABLE incidents ADD COLUMN claimed_at TEXT;
ALTER TABLE incidents ADD COLUMN first_response_at TEXT;
ALTER TABLE incidents ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN duplicate_of INTEGER REFERENCES incidents (id);
ALTER TABLE incidents ADD COLUMN changed_at TEXT;
CREATE INDEX incidents_changed ON incidents (changed_at);

CREATE TABLE incident_decisions (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id  INTEGER NOT NULL REFERENCES incidents (id),
	action       TEXT NOT NULL,
	note         TEXT NOT NULL,
	message      TEXT NOT NULL DEFAULT '',
	duplicate_of INTEGER REFERENCES incidents (id),
	decided_by   INTEGER NOT NULL REFERENCES users (id),
	decided_at   TEXT NOT NULL
) STRICT;
CREATE INDEX incident_decisions_incident ON incident_decisions (incident_id, id);

-- Messages from HQ to the observer of an incident, for the channel the
-- observer used (web, sms, telegram…). internal/channel delivers them and
-- sets delivered_at; the observer's pages show them.
CREATE TABLE observer_messages (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id  INTEGER NOT NULL REFERENCES incidents (id),
	observer_id  INTEGER NOT NULL REFERENCES observers (id),
	channel      TEXT NOT NULL,
	body         TEXT NOT NULL,
	created_by   INTEGER NOT NULL REFERENCES users (id),
	created_at   TEXT NOT NULL,
	delivered_at TEXT
) STRICT;
CREATE INDEX observer_messages_incident ON observer_messages (incident_id, id);
CREATE INDEX observer_messages_pending ON observer_messages (channel, delivered_at);

-- Complaints to election commissions. Dates of filing and answer are
-- calendar dates, YYYY-MM-DD.
CREATE TABLE complaints (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	lang        TEXT NOT NULL,
	commission  TEXT NOT NULL,
	complainant TEXT NOT NULL DEFAULT '',
	facts       TEXT NOT NULL,
	articles    TEXT NOT NULL, -- JSON array of triage.LegalBases codes
	created_by  INTEGER NOT NULL REFERENCES users (id),
	created_at  TEXT NOT NULL,
	filed_on    TEXT NOT NULL DEFAULT '',
	answered_on TEXT NOT NULL DEFAULT '',
	outcome     TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX complaints_incident ON complaints (incident_id, id);

-- Every change to an incident: who, what, when, before and after (JSON).
-- Append-only: the code has no UPDATE or DELETE on it and the triggers
-- refuse them.
CREATE TABLE incident_audit (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	user_id     INTEGER REFERENCES users (id),
	action      TEXT NOT NULL,
	before      TEXT NOT NULL,
	after       TEXT NOT NULL,
	at          TEXT NOT NULL
) STRICT;
CREATE INDEX incident_audit_incident ON incident_audit (incident_id, id);
CREATE TRIGGER incident_audit_no_update BEFORE UPDATE ON incident_audit
BEGIN
	SELECT RAISE(ABORT, 'incident_audit is append-only');
END;
CREATE TRIGGER incident_audit_no_delete BEFORE DELETE ON incident_audit
BEGIN
	SELECT RAISE(ABORT, 'incident_audit is append-only');
END;
