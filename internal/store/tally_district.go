package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/baqylau/baqylau/internal/tally"
)

// DistrictTurnout computes the figures of each district of one region from
// its stations and their counts, read at the moment of asking: a region
// has at most a few thousand stations, so this needs no kept sums.
func (db *DB) DistrictTurnout(ctx context.Context, electionID int64, region string) ([]tally.Part, error) {
	type station struct {
		district   string
		registered int64
	}
	stations := map[string]station{}
	rows, err := db.reader().query(ctx, "SELECT code, district, registered_voters FROM stations WHERE election_id = $1 AND region = $2",
		electionID, region)
	if err != nil {
		return nil, fmt.Errorf("store: districts of %s: %w", region, err)
	}
	for rows.Next() {
		var code string
		var st station
		if err := rows.Scan(&code, &st.district, &st.registered); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: districts of %s: %w", region, err)
		}
		stations[code] = st
	}
	if err := errorsJoinClose(rows); err != nil {
		return nil, fmt.Errorf("store: districts of %s: %w", region, err)
	}
	counts := map[string][]tally.Count{}
	err = scanCounts(ctx, db.reader(), `SELECT r.station_code, r.id, r.observed_at, r.ballots_cast, r.form FROM reports r
		JOIN stations s ON s.election_id = r.election_id AND s.code = r.station_code
		WHERE r.election_id = $1 AND s.region = $2 AND (r.ballots_cast IS NOT NULL OR r.form = 'closing')`,
		[]any{electionID, region}, counts)
	if err != nil {
		return nil, fmt.Errorf("store: district counts of %s: %w", region, err)
	}
	sums := map[string]*tally.Sums{}
	for code, st := range stations {
		s := sums[st.district]
		if s == nil {
			s = &tally.Sums{}
			sums[st.district] = s
		}
		s.Add(tally.StationSums(st.registered, counts[code]))
	}
	out := make([]tally.Part, 0, len(sums))
	for d, s := range sums {
		out = append(out, tally.Part{Code: d, Sums: *s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// errorsJoinClose returns the rows' error, closing them.
func errorsJoinClose(rows interface {
	Err() error
	Close() error
}) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
