package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/tally"
)

// Each station's tally.Latest is kept in tally_stations, so that reports
// observed after a station's latest one are folded in from that row alone
// (tally.Delta.Extend), without re-reading the station's reports. The
// statements take the stations as one JSON parameter, so that their text
// does not change with the batch and SQLite prepares them once (see
// prepareHot).

// latestSelect reads the kept state of some stations ($2: a JSON array of
// codes) and whether each waits in tally_dirty for a change of its region
// or registered voters.
var latestSelect = map[string]string{
	SQLite: `SELECT t.station_code, t.region, t.country, t.registered_voters, t.last_id, t.last_observed_at,
		t.reporting, t.ballots_cast, t.closed, d.station_code IS NOT NULL
		FROM tally_stations t LEFT JOIN tally_dirty d ON d.election_id = t.election_id AND d.station_code = t.station_code
		WHERE t.election_id = $1 AND t.station_code IN (SELECT value FROM json_each($2))`,
	Postgres: `SELECT t.station_code, t.region, t.country, t.registered_voters, t.last_id, t.last_observed_at,
		t.reporting, t.ballots_cast, t.closed, d.station_code IS NOT NULL
		FROM tally_stations t LEFT JOIN tally_dirty d ON d.election_id = t.election_id AND d.station_code = t.station_code
		WHERE t.election_id = $1 AND t.station_code IN (SELECT jsonb_array_elements_text($2::jsonb))`,
}

// latestCols are the columns of tally_stations, in the order of
// latestRow.args.
var latestCols = []string{"election_id", "station_code", "region", "country", "registered_voters", "last_id",
	"last_observed_at", "reporting", "ballots_cast", "closed"}

const latestConflict = ` ON CONFLICT (election_id, station_code) DO UPDATE SET region = excluded.region,
	country = excluded.country, registered_voters = excluded.registered_voters, last_id = excluded.last_id,
	last_observed_at = excluded.last_observed_at, reporting = excluded.reporting, ballots_cast = excluded.ballots_cast,
	closed = excluded.closed`

// latestUpsertJSON writes the state of some stations on PostgreSQL ($2: a
// JSON array of latestRow), in one statement whatever their number.
const latestUpsertJSON = `INSERT INTO tally_stations (election_id, station_code, region, country, registered_voters, last_id,
	last_observed_at, reporting, ballots_cast, closed)
	SELECT $1, j.c, j.r, j.n, j.v, j.i, j.t, j.p, j.b, j.x
	FROM jsonb_to_recordset($2::jsonb) AS j(c text, r text, n text, v bigint, i bigint, t timestamptz, p boolean, b bigint, x boolean)` +
	latestConflict

// latestUpsert writes the state of n stations on SQLite: INSERTs of the
// fixed sizes sqliteChunks, each prepared once (parsing JSON in SQLite
// costs more than binding parameters).
func latestUpsert(n int) string {
	return cachedInsert(insertKey{"tally_stations", "upsert", n}, func() string {
		return "INSERT INTO tally_stations (" + strings.Join(latestCols, ", ") + ") VALUES " + valueRows(n, len(latestCols), "") + latestConflict
	})
}

// latestRow is one station's tally.Latest, as writeLatest keeps it.
type latestRow struct {
	Code string
	tally.Latest
}

// latestJSON is a latestRow as latestUpsertJSON reads it.
type latestJSON struct {
	Code      string    `json:"c"`
	Region    string    `json:"r"`
	Country   string    `json:"n"`
	Voters    int64     `json:"v"`
	ID        int64     `json:"i"`
	At        time.Time `json:"t"`
	Reporting bool      `json:"p"`
	Cast      int64     `json:"b"`
	Closed    bool      `json:"x"`
}

// latestState is what readLatest finds of a station: its kept state, if
// it has one, and whether it is dirty (its figures must be moved the slow
// way).
type latestState struct {
	tally.Latest
	found, dirty bool
}

// readLatest returns the kept state of the stations codes, in their order.
// In a batch's transaction it takes what it can from the cache of the
// rows the batches before wrote (tally_cache.go), which are never dirty.
func (db *DB) readLatest(ctx context.Context, c conn, electionID int64, codes []string) ([]latestState, error) {
	states := make([]latestState, len(codes))
	var missing []string
	at := map[string]int{} // index in codes of each missing station
	for i, code := range codes {
		if l, ok := c.ingest.get(electionID, code); ok {
			states[i] = latestState{Latest: l, found: true}
			continue
		}
		missing = append(missing, code)
		at[code] = i
	}
	if len(missing) == 0 {
		return states, nil
	}
	list, err := json.Marshal(missing)
	if err != nil {
		return nil, err
	}
	rows, err := c.queryPrepared(ctx, latestSelect[db.dialect], electionID, string(list))
	if err != nil {
		return nil, fmt.Errorf("read tally_stations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var s latestState
		if err := rows.Scan(&code, &s.Region, &s.Country, &s.RegisteredVoters, &s.ID, timeScan{&s.At},
			&s.Reporting, &s.BallotsCast, &s.Closed, &s.dirty); err != nil {
			return nil, fmt.Errorf("read tally_stations: %w", err)
		}
		if i, ok := at[code]; ok {
			s.found = true
			states[i] = s
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read tally_stations: %w", err)
	}
	return states, nil
}

// writeLatest keeps the state of some stations.
func (db *DB) writeLatest(ctx context.Context, c conn, electionID int64, states []latestRow) error {
	c.ingest.wrote(electionID, states)
	if db.dialect == Postgres {
		for start := 0; start < len(states); start += 10_000 {
			chunk := states[start:min(start+10_000, len(states))]
			list := make([]latestJSON, len(chunk))
			for i, r := range chunk {
				list[i] = latestJSON{Code: r.Code, Region: r.Region, Country: r.Country, Voters: r.RegisteredVoters, ID: r.ID,
					At: normTime(r.At), Reporting: r.Reporting, Cast: r.BallotsCast, Closed: r.Closed}
			}
			b, err := json.Marshal(list)
			if err != nil {
				return err
			}
			if _, err := c.exec(ctx, latestUpsertJSON, electionID, string(b)); err != nil {
				return fmt.Errorf("write tally_stations: %w", err)
			}
		}
		return nil
	}
	for start := 0; start < len(states); {
		n := chunkRows(db.dialect, len(states)-start, maxParams/len(latestCols))
		args := make([]any, 0, n*len(latestCols))
		for _, r := range states[start : start+n] {
			args = append(args, electionID, r.Code, r.Region, r.Country, r.RegisteredVoters, r.ID, db.timeArg(r.At), r.Reporting, r.BallotsCast, r.Closed)
		}
		start += n
		if _, err := c.execPrepared(ctx, latestUpsert(n), args...); err != nil {
			return fmt.Errorf("write tally_stations: %w", err)
		}
	}
	return nil
}

// hotTallyQueries are the tally's statements prepareHot prepares on
// SQLite.
func hotTallyQueries() []string {
	qs := []string{latestSelect[SQLite]}
	for _, n := range sqliteChunks {
		if n*len(latestCols) <= maxParams {
			qs = append(qs, latestUpsert(n))
		}
	}
	return qs
}
