package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/quickcount"
)

var _ quickcount.Store = (*DB)(nil)

// insertRows inserts rows into table in batches of at most 400 rows.
func insertRows(ctx context.Context, c conn, table string, cols []string, rows [][]any) error {
	for len(rows) > 0 {
		batch := rows[:min(400, len(rows))]
		rows = rows[len(batch):]
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		args := make([]any, 0, len(cols)*len(batch))
		for i, r := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", len(args)+j+1)
			}
			b.WriteString(")")
			args = append(args, r...)
		}
		if _, err := c.exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// SaveSample replaces the election's quick-count sample in one
// transaction. ENOTFOUND if the election does not exist.
func (db *DB) SaveSample(ctx context.Context, s quickcount.Sample) error {
	d := s.Design
	var by any
	if s.DrawnBy > 0 {
		by = s.DrawnBy
	}
	err := db.inTx(ctx, func(c conn) error {
		if err := electionExists(ctx, c, s.ElectionID, db.forUpdate()); err != nil {
			return err
		}
		for _, t := range []string{"quickcount_stations", "quickcount_strata", "quickcount_samples"} {
			if _, err := c.exec(ctx, "DELETE FROM "+t+" WHERE election_id = $1", s.ElectionID); err != nil {
				return err
			}
		}
		if _, err := c.exec(ctx, `INSERT INTO quickcount_samples (election_id, seed, margin, confidence, turnout, icc,
			reserve_share, fixed_stations, size_voters, voters_per_station, design_effect, size_stations, median_voters, drawn_by, drawn_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			s.ElectionID, d.Seed, d.Margin, d.Confidence, d.Turnout, d.ICC, d.ReserveShare, d.Stations,
			s.Size.Voters, s.Size.VotersPerStation, s.Size.DesignEffect, s.Size.Stations, s.Median, by, db.timeArg(s.DrawnAt)); err != nil {
			return err
		}
		rows := make([][]any, 0, len(s.Strata))
		for _, st := range s.Strata {
			rows = append(rows, []any{s.ElectionID, st.Key, st.Stations, st.Registered, st.Sample, st.Reserve})
		}
		if err := insertRows(ctx, c, "quickcount_strata", []string{"election_id", "stratum", "stations", "registered", "sample", "reserve"}, rows); err != nil {
			return err
		}
		rows = rows[:0]
		for _, m := range s.Members {
			rows = append(rows, []any{s.ElectionID, m.Code, m.Stratum, m.Role, m.Rank})
		}
		return insertRows(ctx, c, "quickcount_stations", []string{"election_id", "station_code", "stratum", "role", "draw_rank"}, rows)
	})
	if err != nil {
		return fmt.Errorf("store: save quick-count sample of election %d: %w", s.ElectionID, err)
	}
	return nil
}

// Sample returns the election's quick-count sample (ENOTFOUND if none was
// drawn), strata in key order and members by stratum and rank.
func (db *DB) Sample(ctx context.Context, electionID int64) (quickcount.Sample, error) {
	c := db.reader()
	s := quickcount.Sample{ElectionID: electionID}
	d := &s.Design
	var by sql.NullInt64
	err := c.queryRow(ctx, `SELECT seed, margin, confidence, turnout, icc, reserve_share, fixed_stations, size_voters,
		voters_per_station, design_effect, size_stations, median_voters, drawn_by, drawn_at FROM quickcount_samples WHERE election_id = $1`, electionID).
		Scan(&d.Seed, &d.Margin, &d.Confidence, &d.Turnout, &d.ICC, &d.ReserveShare, &d.Stations, &s.Size.Voters,
			&s.Size.VotersPerStation, &s.Size.DesignEffect, &s.Size.Stations, &s.Median, &by, timeScan{&s.DrawnAt})
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "no quick-count sample has been drawn for election %d", electionID)
	}
	if err == nil {
		s.DrawnBy = by.Int64
		s.Strata, err = queryAll(ctx, c, func(sc rowScanner) (quickcount.Stratum, error) {
			var st quickcount.Stratum
			return st, sc.Scan(&st.Key, &st.Stations, &st.Registered, &st.Sample, &st.Reserve)
		}, "SELECT stratum, stations, registered, sample, reserve FROM quickcount_strata WHERE election_id = $1 ORDER BY stratum", electionID)
	}
	if err == nil {
		s.Members, err = queryAll(ctx, c, func(sc rowScanner) (quickcount.Member, error) {
			var m quickcount.Member
			return m, sc.Scan(&m.Code, &m.Stratum, &m.Role, &m.Rank)
		}, "SELECT station_code, stratum, role, draw_rank FROM quickcount_stations WHERE election_id = $1 ORDER BY stratum, draw_rank", electionID)
	}
	if err != nil {
		return quickcount.Sample{}, fmt.Errorf("store: quick-count sample of election %d: %w", electionID, err)
	}
	return s, nil
}

// AllStations returns every station of an election, in code order (byte
// order on both engines). ENOTFOUND if the election does not exist.
func (db *DB) AllStations(ctx context.Context, electionID int64) ([]election.Station, error) {
	c := db.reader()
	err := electionExists(ctx, c, electionID, "")
	var list []election.Station
	if err == nil {
		list, err = queryAll(ctx, c, func(sc rowScanner) (election.Station, error) { return scanStation(sc) },
			stationSelect+" WHERE election_id = $1", electionID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: stations of election %d: %w", electionID, err)
	}
	// Sorted here, not by ORDER BY: PostgreSQL orders text by its
	// collation, SQLite by bytes.
	sortStations(list)
	return list, nil
}

// sortStations orders stations by code, byte by byte.
func sortStations(list []election.Station) {
	slices.SortFunc(list, func(a, b election.Station) int { return strings.Compare(a.Code, b.Code) })
}

// quickcountFirst orders stations s so that the quick-count sample comes
// first, then its reserves by rank, then the others: observers go to the
// sample first (the deployment hand-off).
const quickcountFirst = "COALESCE((SELECT CASE q.role WHEN 'sample' THEN 0 ELSE 1 END FROM quickcount_stations q " +
	"WHERE q.election_id = s.election_id AND q.station_code = s.code), 2), " +
	"COALESCE((SELECT q.draw_rank FROM quickcount_stations q WHERE q.election_id = s.election_id AND q.station_code = s.code AND q.role = 'reserve'), 0)"

// SampleRoles returns the quick-count role (sample or reserve) of those
// of the given stations that were drawn, by code.
func (db *DB) SampleRoles(ctx context.Context, electionID int64, codes []string) (map[string]string, error) {
	out := map[string]string{}
	for len(codes) > 0 {
		batch := codes[:min(500, len(codes))]
		codes = codes[len(batch):]
		var args params
		e := args.add(electionID)
		in := make([]string, len(batch))
		for i, c := range batch {
			in[i] = args.add(c)
		}
		list, err := queryAll(ctx, db.reader(), func(sc rowScanner) ([2]string, error) {
			var r [2]string
			return r, sc.Scan(&r[0], &r[1])
		}, "SELECT station_code, role FROM quickcount_stations WHERE election_id = "+e+" AND station_code IN ("+strings.Join(in, ", ")+")", args...)
		if err != nil {
			return nil, fmt.Errorf("store: quick-count roles in election %d: %w", electionID, err)
		}
		for _, r := range list {
			out[r[0]] = r[1]
		}
	}
	return out, nil
}

// SampleCoverage counts the election's sample and reserve stations and
// those of each with at least one observer assigned.
func (db *DB) SampleCoverage(ctx context.Context, electionID int64) (quickcount.Coverage, error) {
	var cv quickcount.Coverage
	rows, err := db.reader().query(ctx, "SELECT q.role, COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM assignments a "+
		"WHERE a.election_id = q.election_id AND a.station_code = q.station_code) THEN 1 ELSE 0 END), 0) "+
		"FROM quickcount_stations q WHERE q.election_id = $1 GROUP BY q.role", electionID)
	if err == nil {
		for rows.Next() {
			var role string
			var n, covered int
			if err = rows.Scan(&role, &n, &covered); err != nil {
				break
			}
			if role == quickcount.RoleSample {
				cv.Sample, cv.SampleCovered = n, covered
			} else {
				cv.Reserve, cv.ReserveCovered = n, covered
			}
		}
		err = errors.Join(err, rows.Err(), rows.Close())
	}
	if err != nil {
		return quickcount.Coverage{}, fmt.Errorf("store: quick-count coverage of election %d: %w", electionID, err)
	}
	return cv, nil
}
