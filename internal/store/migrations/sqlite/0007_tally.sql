-- The turnout tally (internal/tally, docs/tally.md): derived sums kept up
-- to date so that turnout reads a few hundred rows, not every report.
-- Nothing here is a percentage or truth: every row can be rebuilt from
-- stations and reports (store.RebuildTally).
--
-- tally_groups holds, per election and group (a region at home, a country
-- abroad with region ''), the stations and their registered voters (kept
-- by the triggers on stations below) and the reporting figures: stations
-- with a count, their registered voters, the sum of each one's latest
-- count by observed_at, and stations with a closing report (kept by
-- SaveReports in the transaction that stores the reports).
CREATE TABLE tally_groups (
	election_id          INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	region               TEXT NOT NULL,
	country              TEXT NOT NULL,
	stations_total       INTEGER NOT NULL DEFAULT 0,
	registered_voters    INTEGER NOT NULL DEFAULT 0,
	stations_reporting   INTEGER NOT NULL DEFAULT 0,
	reporting_registered INTEGER NOT NULL DEFAULT 0,
	ballots_cast         INTEGER NOT NULL DEFAULT 0,
	stations_closed      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (election_id, region, country)
) STRICT, WITHOUT ROWID;

-- tally_steps holds how the reporting figures of a group changed during
-- each minute (minute = Unix time / 60 of observed_at): the figures as of
-- a moment are the sums of the steps until then.
CREATE TABLE tally_steps (
	election_id          INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	minute               INTEGER NOT NULL,
	region               TEXT NOT NULL,
	country              TEXT NOT NULL,
	stations_reporting   INTEGER NOT NULL DEFAULT 0,
	reporting_registered INTEGER NOT NULL DEFAULT 0,
	ballots_cast         INTEGER NOT NULL DEFAULT 0,
	stations_closed      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (election_id, minute, region, country)
) STRICT, WITHOUT ROWID;

-- tally_dirty names stations with reports whose region, country or
-- registered voters changed: the region, country and registered voters the
-- sums still count them with, until the store moves their figures.
CREATE TABLE tally_dirty (
	election_id       INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station_code      TEXT NOT NULL,
	region            TEXT NOT NULL,
	country           TEXT NOT NULL,
	registered_voters INTEGER NOT NULL,
	PRIMARY KEY (election_id, station_code)
) STRICT;

-- tally_pending names elections whose sums must be rebuilt from scratch
-- before they are read: those that existed before this migration.
CREATE TABLE tally_pending (
	election_id INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE
) STRICT;
INSERT INTO tally_pending (election_id) SELECT id FROM elections;

-- Which stations close next: distinct closing times per zone, read by
-- walking this index.
CREATE INDEX stations_closing ON stations (election_id, time_zone, closes_min, code);

CREATE TRIGGER stations_tally_insert AFTER INSERT ON stations BEGIN
	INSERT INTO tally_groups (election_id, region, country, stations_total, registered_voters)
	VALUES (NEW.election_id, NEW.region, NEW.country, 1, NEW.registered_voters)
	ON CONFLICT (election_id, region, country) DO UPDATE SET
		stations_total = tally_groups.stations_total + 1,
		registered_voters = tally_groups.registered_voters + excluded.registered_voters;
END;

CREATE TRIGGER stations_tally_update AFTER UPDATE OF region, country, registered_voters ON stations
WHEN OLD.region IS NOT NEW.region OR OLD.country IS NOT NEW.country OR OLD.registered_voters IS NOT NEW.registered_voters
BEGIN
	UPDATE tally_groups SET stations_total = stations_total - 1, registered_voters = registered_voters - OLD.registered_voters
	WHERE election_id = OLD.election_id AND region = OLD.region AND country = OLD.country;
	INSERT INTO tally_groups (election_id, region, country, stations_total, registered_voters)
	VALUES (NEW.election_id, NEW.region, NEW.country, 1, NEW.registered_voters)
	ON CONFLICT (election_id, region, country) DO UPDATE SET
		stations_total = tally_groups.stations_total + 1,
		registered_voters = tally_groups.registered_voters + excluded.registered_voters;
	INSERT INTO tally_dirty (election_id, station_code, region, country, registered_voters)
	SELECT OLD.election_id, OLD.code, OLD.region, OLD.country, OLD.registered_voters
	WHERE EXISTS (SELECT 1 FROM reports WHERE election_id = OLD.election_id AND station_code = OLD.code)
	ON CONFLICT (election_id, station_code) DO NOTHING;
END;

CREATE TRIGGER stations_tally_delete AFTER DELETE ON stations BEGIN
	UPDATE tally_groups SET stations_total = stations_total - 1, registered_voters = registered_voters - OLD.registered_voters
	WHERE election_id = OLD.election_id AND region = OLD.region AND country = OLD.country;
END;
