-- The cumulative ballots_cast of turnout and closing reports, copied out of
-- the answers at insert: turnout figures and the rules across reports read
-- this column, not the JSON.
ALTER TABLE reports ADD COLUMN ballots_cast INTEGER;
CREATE INDEX reports_counts ON reports (election_id, station_code, observed_at) WHERE ballots_cast IS NOT NULL;
