package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
	key := "tally_stations/" + strconv.Itoa(n)
	if q, ok := insertQueries.Load(key); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO tally_stations (" + strings.Join(latestCols, ", ") + ") VALUES ")
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range latestCols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	b.WriteString(latestConflict)
	q := b.String()
	insertQueries.Store(key, q)
	return q
}

// latestRow is one station's tally.Latest as latestUpsert reads it.
type latestRow struct {
	Code      string `json:"c"`
	Region    string `json:"r"`
	Country   string `json:"n"`
	Voters    int64  `json:"v"`
	ID        int64  `json:"i"`
	At        any    `json:"t"` // as the dialect stores a time (timeArg)
	Reporting bool   `json:"p"`
	Cast      int64  `json:"b"`
	Closed    bool   `json:"x"`
	latest    tally.Latest
}

func (db *DB) latestRow(code string, l tally.Latest) latestRow {
	return latestRow{Code: code, Region: l.Region, Country: l.Country, Voters: l.RegisteredVoters, ID: l.ID,
		At: db.timeArg(l.At), Reporting: l.Reporting, Cast: l.BallotsCast, Closed: l.Closed, latest: l}
}

// readLatest returns the kept state of the stations codes that have one,
// and which of them are dirty (their figures must be moved the slow way).
// In a batch's transaction it takes what it can from the cache of the
// rows the batches before wrote (tally_cache.go), which are never dirty.
func (db *DB) readLatest(ctx context.Context, c conn, electionID int64, codes []string) (map[string]tally.Latest, map[string]bool, error) {
	states := make(map[string]tally.Latest, len(codes))
	dirty := map[string]bool{}
	missing := codes
	if c.ingest != nil {
		missing = make([]string, 0, len(codes))
		for _, code := range codes {
			if l, ok := c.ingest.get(electionID, code); ok {
				states[code] = l
			} else {
				missing = append(missing, code)
			}
		}
		if len(missing) == 0 {
			return states, dirty, nil
		}
	}
	list, err := json.Marshal(missing)
	if err != nil {
		return nil, nil, err
	}
	rows, err := c.queryPrepared(ctx, latestSelect[db.dialect], electionID, string(list))
	if err != nil {
		return nil, nil, fmt.Errorf("read tally_stations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var l tally.Latest
		var isDirty bool
		if err := rows.Scan(&code, &l.Region, &l.Country, &l.RegisteredVoters, &l.ID, timeScan{&l.At},
			&l.Reporting, &l.BallotsCast, &l.Closed, &isDirty); err != nil {
			return nil, nil, fmt.Errorf("read tally_stations: %w", err)
		}
		states[code] = l
		if isDirty {
			dirty[code] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read tally_stations: %w", err)
	}
	return states, dirty, nil
}

// writeLatest keeps the state of some stations.
func (db *DB) writeLatest(ctx context.Context, c conn, electionID int64, states []latestRow) error {
	for _, r := range states {
		c.ingest.wrote(electionID, r.Code, r.latest)
	}
	if db.dialect == Postgres {
		for start := 0; start < len(states); start += 10_000 {
			b, err := json.Marshal(states[start:min(start+10_000, len(states))])
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
			args = append(args, electionID, r.Code, r.Region, r.Country, r.Voters, r.ID, r.At, r.Reporting, r.Cast, r.Closed)
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
