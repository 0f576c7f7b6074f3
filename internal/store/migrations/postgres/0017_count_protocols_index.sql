-- reports_form (election, form) served one query: an election's count
-- protocols (store.CountReports). A partial index on the count protocols
-- serves it as well, and the other forms, most of election day's reports,
-- no longer update it (docs/benchmarks.md).
DROP INDEX reports_form;
CREATE INDEX reports_count_protocols ON reports (election_id, observed_at, id) WHERE form = 'count';
