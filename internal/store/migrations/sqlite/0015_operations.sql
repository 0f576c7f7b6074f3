-- Operations (docs/operations.md): repairs found by the upgrade tests, and
-- the record of erasures of personal data.

-- Reports stored before 0004 kept their cumulative count only in the
-- answers: copy it out as the insert does now (whole numbers only, like
-- store.ballotsCast), and have the tallies of their elections rebuilt.
INSERT OR IGNORE INTO tally_pending (election_id)
	SELECT DISTINCT election_id FROM reports
	WHERE ballots_cast IS NULL AND form IN ('turnout', 'closing') AND json_valid(answers) AND json_type(answers, '$.ballots_cast') = 'integer';
UPDATE reports SET ballots_cast = json_extract(answers, '$.ballots_cast')
	WHERE ballots_cast IS NULL AND form IN ('turnout', 'closing') AND json_valid(answers) AND json_type(answers, '$.ballots_cast') = 'integer';

-- Every erasure of personal data (baqylau erase): who ran it, when, on
-- what scope and how many rows it changed, by table. It names the person
-- by the observer's id only, never by what was erased; no foreign keys, so
-- that the record outlives what it points to.
CREATE TABLE erasures (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	scope       TEXT NOT NULL, -- 'person' or 'election'
	observer_id INTEGER,       -- scope 'person'
	election_id INTEGER,       -- scope 'election'
	by_whom     TEXT NOT NULL, -- the operator, as given to --by
	counts      TEXT NOT NULL, -- JSON object: table → rows changed
	at          TEXT NOT NULL
) STRICT;
CREATE INDEX erasures_at ON erasures (at);
