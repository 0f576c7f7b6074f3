-- tally_stations keeps, per station with reports that bear on the tally,
-- where they leave its figures (tally.Latest): the latest report by
-- observed_at then id, the latest count, whether it has closed, and the
-- region, country and registered voters it is counted with. Reports
-- observed after the latest (the usual case) are folded in from this row
-- alone; others make the store re-read the station's reports. Like the
-- other tally tables it is derived and rebuilt by store.RebuildTally;
-- stations without a row are folded the slow way, which writes it.
CREATE TABLE tally_stations (
	election_id       INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station_code      TEXT NOT NULL,
	region            TEXT NOT NULL,
	country           TEXT NOT NULL,
	registered_voters INTEGER NOT NULL,
	last_id           INTEGER NOT NULL,
	last_observed_at  TEXT NOT NULL,
	reporting         INTEGER NOT NULL,
	ballots_cast      INTEGER NOT NULL,
	closed            INTEGER NOT NULL,
	PRIMARY KEY (election_id, station_code)
) STRICT, WITHOUT ROWID;

-- reports_station serves every query reports_counts did (a station's
-- reports by time), and one index fewer to update per report is what
-- ingestion gains (docs/benchmarks.md).
DROP INDEX reports_counts;
