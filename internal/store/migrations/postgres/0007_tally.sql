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
	election_id          BIGINT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	region               TEXT COLLATE "C" NOT NULL,
	country              TEXT COLLATE "C" NOT NULL,
	stations_total       BIGINT NOT NULL DEFAULT 0,
	registered_voters    BIGINT NOT NULL DEFAULT 0,
	stations_reporting   BIGINT NOT NULL DEFAULT 0,
	reporting_registered BIGINT NOT NULL DEFAULT 0,
	ballots_cast         BIGINT NOT NULL DEFAULT 0,
	stations_closed      BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (election_id, region, country)
);

-- tally_steps holds how the reporting figures of a group changed during
-- each minute (minute = Unix time / 60 of observed_at): the figures as of
-- a moment are the sums of the steps until then.
CREATE TABLE tally_steps (
	election_id          BIGINT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	minute               BIGINT NOT NULL,
	region               TEXT COLLATE "C" NOT NULL,
	country              TEXT COLLATE "C" NOT NULL,
	stations_reporting   BIGINT NOT NULL DEFAULT 0,
	reporting_registered BIGINT NOT NULL DEFAULT 0,
	ballots_cast         BIGINT NOT NULL DEFAULT 0,
	stations_closed      BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (election_id, minute, region, country)
);

-- tally_dirty names stations with reports whose region, country or
-- registered voters changed: the region, country and registered voters the
-- sums still count them with, until the store moves their figures.
CREATE TABLE tally_dirty (
	election_id       BIGINT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station_code      TEXT COLLATE "C" NOT NULL,
	region            TEXT COLLATE "C" NOT NULL,
	country           TEXT COLLATE "C" NOT NULL,
	registered_voters BIGINT NOT NULL,
	PRIMARY KEY (election_id, station_code)
);

-- tally_pending names elections whose sums must be rebuilt from scratch
-- before they are read: those that existed before this migration.
CREATE TABLE tally_pending (
	election_id BIGINT PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE
);
INSERT INTO tally_pending (election_id) SELECT id FROM elections;

-- Which stations close next: distinct closing times per zone, read by
-- walking this index.
CREATE INDEX stations_closing ON stations (election_id, time_zone, closes_min, code);

-- New stations are added per statement (an import inserts thousands at
-- once; COPY too), through the transition table.
CREATE FUNCTION tally_stations_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO tally_groups AS g (election_id, region, country, stations_total, registered_voters)
	SELECT election_id, region, country, count(*), sum(registered_voters)
	FROM tally_new_stations GROUP BY election_id, region, country ORDER BY 1, 2, 3
	ON CONFLICT (election_id, region, country) DO UPDATE SET
		stations_total = g.stations_total + excluded.stations_total,
		registered_voters = g.registered_voters + excluded.registered_voters;
	RETURN NULL;
END $$;
CREATE TRIGGER stations_tally_insert AFTER INSERT ON stations
REFERENCING NEW TABLE AS tally_new_stations
FOR EACH STATEMENT EXECUTE FUNCTION tally_stations_inserted();

CREATE FUNCTION tally_station_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE tally_groups SET stations_total = stations_total - 1, registered_voters = registered_voters - OLD.registered_voters
	WHERE election_id = OLD.election_id AND region = OLD.region AND country = OLD.country;
	IF TG_OP = 'DELETE' THEN
		RETURN NULL;
	END IF;
	INSERT INTO tally_groups AS g (election_id, region, country, stations_total, registered_voters)
	VALUES (NEW.election_id, NEW.region, NEW.country, 1, NEW.registered_voters)
	ON CONFLICT (election_id, region, country) DO UPDATE SET
		stations_total = g.stations_total + 1,
		registered_voters = g.registered_voters + excluded.registered_voters;
	IF EXISTS (SELECT 1 FROM reports WHERE election_id = OLD.election_id AND station_code = OLD.code) THEN
		INSERT INTO tally_dirty (election_id, station_code, region, country, registered_voters)
		VALUES (OLD.election_id, OLD.code, OLD.region, OLD.country, OLD.registered_voters)
		ON CONFLICT (election_id, station_code) DO NOTHING;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER stations_tally_update AFTER UPDATE OF region, country, registered_voters ON stations
FOR EACH ROW WHEN (OLD.region IS DISTINCT FROM NEW.region OR OLD.country IS DISTINCT FROM NEW.country
	OR OLD.registered_voters IS DISTINCT FROM NEW.registered_voters)
EXECUTE FUNCTION tally_station_changed();
CREATE TRIGGER stations_tally_delete AFTER DELETE ON stations
FOR EACH ROW EXECUTE FUNCTION tally_station_changed();
