package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// stationCols are the columns ImportStations writes, in order.
const stationCols = "election_id, code, name, region, district, country, city, address, time_zone, " +
	"registered_voters, opens_min, closes_min, latitude, longitude, search_text, updated_at"

const nStationCols = 16

// importBatch is how many stations one INSERT carries: 3,200 parameters,
// well under both engines' limits, and few enough statements to be fast.
const importBatch = 200

// searchText is what Search looks in: lowercased in Go, so that Cyrillic
// and Kazakh letters fold the same way on both engines (SQLite's lower()
// folds ASCII only).
func searchText(s election.Station) string {
	return strings.ToLower(s.Code + "\n" + s.Name + "\n" + s.City + "\n" + s.Address)
}

// ImportStations creates or updates (by code) every station of one
// election in a single transaction: all or nothing. ENOTFOUND if the
// election does not exist, EINVALID if a code appears twice.
func (db *DB) ImportStations(ctx context.Context, electionID int64, stations []election.Station) (election.ImportSummary, error) {
	var sum election.ImportSummary
	seen := make(map[string]int, len(stations))
	for i, s := range stations {
		if j, dup := seen[s.Code]; dup {
			return sum, fmt.Errorf("store: import stations: %w",
				baqylau.Errorf(baqylau.EINVALID, "station code %q appears twice (stations %d and %d)", s.Code, j+1, i+1))
		}
		seen[s.Code] = i
	}
	updated := db.timeArg(now())
	err := db.inTx(ctx, func(c conn) error {
		// The lock keeps concurrent imports into one election in turn, so
		// that the counts below are right.
		if err := electionExists(ctx, c, electionID, db.forUpdate()); err != nil {
			return err
		}
		existing, err := stationCodes(ctx, c, electionID)
		if err != nil {
			return err
		}
		sum = election.ImportSummary{}
		for start := 0; start < len(stations); start += importBatch {
			batch := stations[start:min(start+importBatch, len(stations))]
			args := make([]any, 0, len(batch)*nStationCols)
			for _, s := range batch {
				if _, ok := existing[s.Code]; ok {
					sum.Updated++
				} else {
					sum.Created++
				}
				args = append(args, electionID, s.Code, s.Name, s.Region, s.District, s.Country, s.City, s.Address,
					s.TimeZone, s.RegisteredVoters, int(s.Opens), int(s.Closes), s.Latitude, s.Longitude, searchText(s), updated)
			}
			if _, err := c.exec(ctx, upsertStations(len(batch)), args...); err != nil {
				return fmt.Errorf("stations %d to %d: %w", start+1, start+len(batch), err)
			}
		}
		return nil
	})
	if err != nil {
		return election.ImportSummary{}, fmt.Errorf("store: import stations into election %d: %w", electionID, err)
	}
	return sum, nil
}

// stationCodes returns the codes of an election's stations.
func stationCodes(ctx context.Context, c conn, electionID int64) (map[string]struct{}, error) {
	rows, err := c.query(ctx, "SELECT code FROM stations WHERE election_id = $1", electionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	codes := make(map[string]struct{})
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		codes[code] = struct{}{}
	}
	return codes, rows.Err()
}

// upsertStations returns an INSERT of n stations that updates those whose
// code exists. Both engines accept ON CONFLICT ... DO UPDATE with excluded.
func upsertStations(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO stations (" + stationCols + ") VALUES ")
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range nStationCols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (election_id, code) DO UPDATE SET ")
	for i, col := range strings.Split(stationCols, ", ")[2:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col + " = excluded." + col)
	}
	return b.String()
}

const stationSelect = "SELECT id, election_id, code, name, region, district, country, city, address, time_zone, " +
	"registered_voters, opens_min, closes_min, latitude, longitude, updated_at FROM stations"

func scanStation(sc interface{ Scan(...any) error }) (election.Station, error) {
	var s election.Station
	var opens, closes int
	var lat, lon sql.NullFloat64
	err := sc.Scan(&s.ID, &s.ElectionID, &s.Code, &s.Name, &s.Region, &s.District, &s.Country, &s.City, &s.Address,
		&s.TimeZone, &s.RegisteredVoters, &opens, &closes, &lat, &lon, timeScan{&s.UpdatedAt})
	s.Opens, s.Closes = election.Clock(opens), election.Clock(closes)
	if lat.Valid {
		s.Latitude = &lat.Float64
	}
	if lon.Valid {
		s.Longitude = &lon.Float64
	}
	return s, err
}

// Station returns one station by code (ENOTFOUND if none).
func (db *DB) Station(ctx context.Context, electionID int64, code string) (election.Station, error) {
	s, err := scanStation(db.hotReader().queryRow(ctx, stationSelect+" WHERE election_id = $1 AND code = $2", electionID, code))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "station %q not found in election %d", code, electionID)
	}
	if err != nil {
		return election.Station{}, fmt.Errorf("store: find station %q: %w", code, err)
	}
	return s, nil
}

// params numbers query arguments as they are added.
type params []any

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// likeEscaper escapes the wildcards of LIKE (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Stations returns one page of stations matching q, ordered by code; Total
// counts all matches.
func (db *DB) Stations(ctx context.Context, q election.StationQuery) (election.StationPage, error) {
	var args params
	where := " WHERE election_id = " + args.add(q.ElectionID)
	if q.Region != "" {
		where += " AND region = " + args.add(q.Region)
	}
	if q.District != "" {
		where += " AND district = " + args.add(q.District)
	}
	if q.Country != "" {
		where += " AND country = " + args.add(strings.ToUpper(q.Country))
	}
	if q.Abroad != nil {
		op := " = "
		if *q.Abroad {
			op = " <> "
		}
		where += " AND country" + op + args.add(election.HomeCountry)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		where += " AND search_text LIKE " + args.add("%"+likeEscaper.Replace(strings.ToLower(s))+"%") + ` ESCAPE '\'`
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	offset := max(q.Offset, 0)

	c := db.reader()
	page := election.StationPage{Stations: []election.Station{}}
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM stations"+where, args...).Scan(&page.Total)
	if err == nil && page.Total > offset {
		err = func() error {
			query := stationSelect + where + " ORDER BY code LIMIT " + args.add(limit) + " OFFSET " + args.add(offset)
			rows, err := c.query(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				s, err := scanStation(rows)
				if err != nil {
					return err
				}
				page.Stations = append(page.Stations, s)
			}
			return rows.Err()
		}()
	}
	if err != nil {
		return election.StationPage{}, fmt.Errorf("store: list stations of election %d: %w", q.ElectionID, err)
	}
	return page, nil
}

// StationFacets counts an election's stations by region, district and
// country, with their registered voters.
func (db *DB) StationFacets(ctx context.Context, electionID int64) (election.Facets, error) {
	var f election.Facets
	c := db.reader()
	// Keys are built in Go rather than with || so that the SQL stays the
	// same on both engines.
	count := func(cols, where string, key func(a, b string) string) ([]election.Count, error) {
		rows, err := c.query(ctx, "SELECT "+cols+", COUNT(*), SUM(registered_voters) FROM stations WHERE election_id = $1 AND "+
			where+" GROUP BY "+cols+" ORDER BY "+cols, electionID, election.HomeCountry)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []election.Count{}
		for rows.Next() {
			var a, b string
			var n election.Count
			dest := []any{&a, &n.Stations, &n.Registered}
			if strings.Contains(cols, ",") {
				dest = []any{&a, &b, &n.Stations, &n.Registered}
			}
			if err := rows.Scan(dest...); err != nil {
				return nil, err
			}
			n.Key = key(a, b)
			list = append(list, n)
		}
		return list, rows.Err()
	}
	first := func(a, _ string) string { return a }
	var err error
	if f.Regions, err = count("region", "country = $2", first); err == nil {
		if f.Districts, err = count("region, district", "country = $2 AND district <> ''", func(r, d string) string { return r + "/" + d }); err == nil {
			f.Countries, err = count("country", "country <> $2", first)
		}
	}
	if err != nil {
		return election.Facets{}, fmt.Errorf("store: station facets of election %d: %w", electionID, err)
	}
	for _, r := range f.Regions {
		f.Home += r.Stations
		f.RegisteredHome += r.Registered
	}
	for _, r := range f.Countries {
		f.Abroad += r.Stations
		f.RegisteredAbroad += r.Registered
	}
	return f, nil
}
