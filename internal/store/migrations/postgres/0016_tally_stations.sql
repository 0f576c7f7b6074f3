-- tally_stations keeps, per station with reports that bear on the tally,
-- where they leave its figures (tally.Latest): the latest report by
-- observed_at then id, the latest count, whether it has closed, and the
-- region, country and registered voters it is counted with. Reports
-- observed after the latest (the usual case) are folded in from this row
-- alone; others make the store re-read the station's reports. Like the
-- other tally tables it is derived and rebuilt by store.RebuildTally;
-- stations without a row are folded the slow way, which writes it.
CREATE TABLE tally_stations (
	election_id       BIGINT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station_code      TEXT COLLATE "C" NOT NULL,
	region            TEXT COLLATE "C" NOT NULL,
	country           TEXT COLLATE "C" NOT NULL,
	registered_voters BIGINT NOT NULL,
	last_id           BIGINT NOT NULL,
	last_observed_at  TIMESTAMPTZ NOT NULL,
	reporting         BOOLEAN NOT NULL,
	ballots_cast      BIGINT NOT NULL,
	closed            BOOLEAN NOT NULL,
	PRIMARY KEY (election_id, station_code)
);

-- reports_station serves every query reports_counts did (a station's
-- reports by time), and one index fewer to update per report is what
-- ingestion gains (docs/benchmarks.md).
DROP INDEX reports_counts;
