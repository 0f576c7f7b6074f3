package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/tally"
)

var _ tally.Store = (*DB)(nil)

// The turnout tally keeps derived sums (docs/tally.md): tally_groups, per
// election and group (a region at home, a country abroad), and
// tally_steps, their changes per minute. Triggers on stations keep the
// stations and registered voters; this file keeps the reporting figures,
// in the transaction that saves reports (tallyReports), by adding the
// difference between each touched station's contribution after and before
// (tally.Delta). Rows are locked in a fixed order (stations by code, then
// groups, then steps by key) so that concurrent writers on PostgreSQL wait
// for each other instead of deadlocking.

// countsSelect reads what the tally needs of a station's reports.
const countsSelect = "SELECT station_code, id, observed_at, ballots_cast, form FROM reports"

// countsWhere keeps the reports that bear on the tally.
const countsWhere = " AND (ballots_cast IS NOT NULL OR form = 'closing')"

// tallyReports folds the reports just inserted (the acks without
// Duplicate) into the tally, inside SaveReports' transaction. A station
// whose new reports all come after its kept latest one (tally_stations)
// is folded in from that row alone (tally.Delta.Extend); the others — the
// first reports of a station, reports observed earlier than its latest,
// stations whose region or voters changed — are refolded from all their
// reports.
func (db *DB) tallyReports(ctx context.Context, c conn, batch []report.Report, acks []report.Ack) error {
	type item struct {
		election int64
		code     string
		n        tally.Count
	}
	items := make([]item, 0, len(batch))
	for i, r := range batch {
		cast := ballotsCast(r)
		if acks[i].Duplicate || acks[i].ID == 0 || (cast == nil && r.Form != report.Closing) {
			continue
		}
		n := tally.Count{ID: acks[i].ID, ObservedAt: normTime(r.ObservedAt), Closing: r.Form == report.Closing}
		n.BallotsCast, n.HasCount = cast.(int64)
		items = append(items, item{r.ElectionID, r.StationCode, n})
	}
	// By election, then station: each station's counts end to end.
	slices.SortFunc(items, func(a, b item) int {
		if a.election != b.election {
			return cmp.Compare(a.election, b.election)
		}
		return strings.Compare(a.code, b.code)
	})
	all := make([]tally.Count, len(items))
	for i := range items {
		all[i] = items[i].n
	}
	for start := 0; start < len(items); {
		e := items[start].election
		var codes []string
		var counts [][]tally.Count
		for start < len(items) && items[start].election == e {
			end := start + 1
			for end < len(items) && items[end].election == e && items[end].code == items[start].code {
				end++
			}
			codes = append(codes, items[start].code)
			counts = append(counts, all[start:end:end])
			start = end
		}
		if err := db.foldFresh(ctx, c, e, codes, counts); err != nil {
			return fmt.Errorf("tally election %d: %w", e, err)
		}
	}
	return nil
}

// foldFresh folds the new counts of some stations (codes, sorted; counts
// of codes[i] in counts[i]) of an election into the tally.
func (db *DB) foldFresh(ctx context.Context, c conn, electionID int64, codes []string, counts [][]tally.Count) error {
	if db.dialect == Postgres {
		// Lock the stations first, in code order, as refold does: a
		// station's reports are then folded by one transaction at a time,
		// whichever way.
		if err := lockStations(ctx, c, electionID, codes); err != nil {
			return err
		}
	}
	states, err := db.readLatest(ctx, c, electionID, codes)
	if err != nil {
		return err
	}
	d := tally.NewDelta()
	var slow []string
	var fresh map[int64]bool // the new reports of the slow stations
	kept := make([]latestRow, 0, len(codes))
	for i, code := range codes {
		cs := counts[i]
		tally.SortCounts(cs)
		l := states[i]
		if !l.found || l.dirty || !l.Precedes(cs[0]) {
			slow = append(slow, code)
			if fresh == nil {
				fresh = make(map[int64]bool)
			}
			for _, n := range cs {
				fresh[n.ID] = true
			}
			continue
		}
		kept = append(kept, latestRow{Code: code, Latest: d.Extend(l.Latest, cs)})
	}
	if len(slow) > 0 {
		if err := db.refold(ctx, c, electionID, slow, fresh); err != nil {
			return err
		}
	}
	if err := db.writeLatest(ctx, c, electionID, kept); err != nil {
		return err
	}
	return applyDelta(ctx, c, electionID, d)
}

// lockStations locks the rows of some stations (codes, sorted) against
// concurrent folds, on PostgreSQL.
func lockStations(ctx context.Context, c conn, electionID int64, codes []string) error {
	for start := 0; start < len(codes); start += maxParams {
		chunk := codes[start:min(start+maxParams, len(codes))]
		args := params{electionID}
		ph := make([]string, len(chunk))
		for i, code := range chunk {
			ph[i] = args.add(code)
		}
		// Not FOR UPDATE: that would block the foreign-key checks of
		// reports being inserted for the same stations meanwhile.
		if _, err := c.exec(ctx, "SELECT code FROM stations WHERE election_id = $1 AND code IN ("+strings.Join(ph, ", ")+
			") ORDER BY code FOR NO KEY UPDATE", args...); err != nil {
			return fmt.Errorf("lock stations: %w", err)
		}
	}
	return nil
}

// refold brings the tally of some stations of an election up to date: it
// subtracts what each station contributed before (without the reports in
// fresh, with the region and voters of its tally_dirty row if any) and
// adds what it contributes now.
func (db *DB) refold(ctx context.Context, c conn, electionID int64, codes []string, fresh map[int64]bool) error {
	lock := ""
	if db.dialect == Postgres {
		// Not FOR UPDATE: that would block the foreign-key checks of
		// reports being inserted for the same stations meanwhile.
		lock = " FOR NO KEY UPDATE"
	}
	now := make(map[string]tally.Place, len(codes))
	before := make(map[string]tally.Place)
	counts := make(map[string][]tally.Count, len(codes))
	for start := 0; start < len(codes); start += maxParams {
		chunk := codes[start:min(start+maxParams, len(codes))]
		args := params{electionID}
		ph := make([]string, len(chunk))
		for i, code := range chunk {
			ph[i] = args.add(code)
		}
		in := " IN (" + strings.Join(ph, ", ") + ")"
		err := scanPlaces(ctx, c, "SELECT code, region, country, registered_voters FROM stations WHERE election_id = $1 AND code"+
			in+" ORDER BY code"+lock, args, now)
		if err == nil {
			err = scanPlaces(ctx, c, "SELECT station_code, region, country, registered_voters FROM tally_dirty WHERE election_id = $1 AND station_code"+
				in, args, before)
		}
		if err == nil {
			err = scanCounts(ctx, c, countsSelect+" WHERE election_id = $1 AND station_code"+in+countsWhere, args, counts)
		}
		if err == nil && len(before) > 0 {
			_, err = c.exec(ctx, "DELETE FROM tally_dirty WHERE election_id = $1 AND station_code"+in, args...)
		}
		if err != nil {
			return err
		}
	}
	d := tally.NewDelta()
	var kept []latestRow
	for _, code := range codes {
		p, ok := now[code]
		if !ok {
			continue // no such station: its reports could not have been stored
		}
		all := counts[code]
		tally.SortCounts(all)
		old := make([]tally.Count, 0, len(all))
		for _, n := range all {
			if !fresh[n.ID] {
				old = append(old, n)
			}
		}
		was, dirty := before[code]
		if !dirty {
			was = p
		}
		d.Station(was, old, -1)
		d.Station(p, all, +1)
		if len(all) > 0 {
			kept = append(kept, latestRow{Code: code, Latest: tally.LatestOf(p, all)})
		}
	}
	if err := db.writeLatest(ctx, c, electionID, kept); err != nil {
		return err
	}
	return applyDelta(ctx, c, electionID, d)
}

// scanPlaces runs a query of code, region, country, registered voters.
func scanPlaces(ctx context.Context, c conn, q string, args []any, into map[string]tally.Place) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var p tally.Place
		if err := rows.Scan(&code, &p.Region, &p.Country, &p.RegisteredVoters); err != nil {
			return err
		}
		into[code] = p
	}
	return rows.Err()
}

// scanCounts runs a countsSelect query.
func scanCounts(ctx context.Context, c conn, q string, args []any, into map[string][]tally.Count) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		code, n, err := scanCount(rows)
		if err != nil {
			return err
		}
		into[code] = append(into[code], n)
	}
	return rows.Err()
}

func scanCount(rows *sql.Rows) (string, tally.Count, error) {
	var code, form string
	var n tally.Count
	var cast sql.NullInt64
	if err := rows.Scan(&code, &n.ID, timeScan{&n.ObservedAt}, &cast, &form); err != nil {
		return "", n, err
	}
	n.BallotsCast, n.HasCount, n.Closing = cast.Int64, cast.Valid, form == string(report.Closing)
	return code, n, nil
}

// applyDelta adds d to the stored sums of an election, in key order.
func applyDelta(ctx context.Context, c conn, electionID int64, d *tally.Delta) error {
	d.Prune()
	cols := []string{"stations_reporting", "reporting_registered", "ballots_cast", "stations_closed"}
	var sets []string
	for _, col := range cols {
		sets = append(sets, col+" = %[1]s."+col+" + excluded."+col)
	}
	groups := d.GroupKeys()
	rows := make([][]any, len(groups))
	for i, k := range groups {
		s := d.Groups[k]
		rows[i] = []any{electionID, k.Region, k.Country, s.StationsReporting, s.ReportingRegistered, s.BallotsCast, s.StationsClosed}
	}
	err := upsertAdding(ctx, c, "tally_groups", "election_id, region, country", cols, fmt.Sprintf(strings.Join(sets, ", "), "tally_groups"), rows)
	if err != nil {
		return fmt.Errorf("add to tally_groups: %w", err)
	}
	steps := d.StepKeys()
	rows = make([][]any, len(steps))
	for i, k := range steps {
		s := d.Steps[k]
		rows[i] = []any{electionID, k.Minute, k.Region, k.Country, s.StationsReporting, s.ReportingRegistered, s.BallotsCast, s.StationsClosed}
	}
	err = upsertAdding(ctx, c, "tally_steps", "election_id, minute, region, country", cols, fmt.Sprintf(strings.Join(sets, ", "), "tally_steps"), rows)
	if err != nil {
		return fmt.Errorf("add to tally_steps: %w", err)
	}
	return nil
}

// upsertAdding inserts rows (the key columns, then cols) into table,
// adding to the rows that exist instead (set).
func upsertAdding(ctx context.Context, c conn, table, key string, cols []string, set string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := maxParams / width
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		args := make(params, 0, len(chunk)*width)
		b.WriteString("INSERT INTO " + table + " (" + key + ", " + strings.Join(cols, ", ") + ") VALUES ")
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			ph := make([]string, len(r))
			for j, v := range r {
				ph[j] = args.add(v)
			}
			b.WriteString("(" + strings.Join(ph, ", ") + ")")
		}
		b.WriteString(" ON CONFLICT (" + key + ") DO UPDATE SET " + set)
		if _, err := c.exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// settleTally makes an election's sums ready to read: rebuilt if the
// election predates the tally, and with the stations whose region or
// registered voters changed since they reported moved over.
func (db *DB) settleTally(ctx context.Context, electionID int64) error {
	var pending, dirty bool
	err := db.reader().queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tally_pending WHERE election_id = $1),
		EXISTS (SELECT 1 FROM tally_dirty WHERE election_id = $1)`, electionID).Scan(&pending, &dirty)
	switch {
	case err != nil:
		return err
	case pending:
		return db.RebuildTally(ctx, electionID)
	case dirty:
		return db.inTx(ctx, func(c conn) error {
			for {
				codes, err := dirtyCodes(ctx, c, electionID)
				if err != nil || len(codes) == 0 {
					return err
				}
				if err := db.refold(ctx, c, electionID, codes, nil); err != nil {
					return err
				}
			}
		})
	}
	return nil
}

// dirtyCodes returns up to a thousand stations of tally_dirty, by code.
func dirtyCodes(ctx context.Context, c conn, electionID int64) ([]string, error) {
	rows, err := c.query(ctx, "SELECT station_code FROM tally_dirty WHERE election_id = $1 ORDER BY station_code LIMIT 1000", electionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		codes = append(codes, code)
	}
	return codes, rows.Err()
}

// RebuildTally recomputes an election's tally from its stations and
// reports, replacing what was kept. It is what the migration asks for on
// elections that existed before the tally, a repair, and how a benchmark
// that bulk-loads reports makes its tally; it reads every report of the
// election (tens of seconds for ten million) and holds the writer, and on
// PostgreSQL locks reports and stations against writes, meanwhile.
func (db *DB) RebuildTally(ctx context.Context, electionID int64) error {
	err := db.inTx(ctx, func(c conn) error {
		if db.dialect == Postgres {
			if _, err := c.exec(ctx, "LOCK TABLE reports, stations IN SHARE MODE"); err != nil {
				return err
			}
		}
		for _, table := range []string{"tally_groups", "tally_steps", "tally_stations", "tally_dirty", "tally_pending"} {
			if _, err := c.exec(ctx, "DELETE FROM "+table+" WHERE election_id = $1", electionID); err != nil {
				return err
			}
		}
		_, err := c.exec(ctx, `INSERT INTO tally_groups (election_id, region, country, stations_total, registered_voters)
			SELECT election_id, region, country, COUNT(*), SUM(registered_voters) FROM stations WHERE election_id = $1
			GROUP BY election_id, region, country`, electionID)
		if err != nil {
			return err
		}
		d, kept, err := db.foldAll(ctx, c, electionID)
		if err != nil {
			return err
		}
		if err := db.writeLatest(ctx, c, electionID, kept); err != nil {
			return err
		}
		return applyDelta(ctx, c, electionID, d)
	})
	if err != nil {
		return fmt.Errorf("store: rebuild the tally of election %d: %w", electionID, err)
	}
	return nil
}

// foldAll reads every report of an election that bears on the tally,
// station by station, into a Delta, and returns each station's state.
func (db *DB) foldAll(ctx context.Context, c conn, electionID int64) (*tally.Delta, []latestRow, error) {
	rows, err := c.query(ctx, `SELECT r.station_code, r.id, r.observed_at, r.ballots_cast, r.form, s.region, s.country, s.registered_voters
		FROM reports r JOIN stations s ON s.election_id = r.election_id AND s.code = r.station_code
		WHERE r.election_id = $1 AND (r.ballots_cast IS NOT NULL OR r.form = 'closing') ORDER BY r.station_code`, electionID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	d := tally.NewDelta()
	var kept []latestRow
	var (
		cur    string
		place  tally.Place
		counts []tally.Count
	)
	flush := func() {
		if len(counts) > 0 {
			tally.SortCounts(counts)
			d.Station(place, counts, +1)
			kept = append(kept, latestRow{Code: cur, Latest: tally.LatestOf(place, counts)})
		}
		counts = counts[:0]
	}
	for rows.Next() {
		var code, form string
		var n tally.Count
		var cast sql.NullInt64
		var p tally.Place
		if err := rows.Scan(&code, &n.ID, timeScan{&n.ObservedAt}, &cast, &form, &p.Region, &p.Country, &p.RegisteredVoters); err != nil {
			return nil, nil, err
		}
		n.BallotsCast, n.HasCount, n.Closing = cast.Int64, cast.Valid, form == string(report.Closing)
		if code != cur {
			flush()
			cur, place = code, p
		}
		counts = append(counts, n)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	flush()
	return d, kept, nil
}

const groupCols = "region, country, stations_total, registered_voters, stations_reporting, reporting_registered, ballots_cast, stations_closed"

// TallyGroups returns the live sums of an election's groups.
func (db *DB) TallyGroups(ctx context.Context, electionID int64) ([]tally.Group, error) {
	if err := db.settleTally(ctx, electionID); err != nil {
		return nil, fmt.Errorf("store: tally of election %d: %w", electionID, err)
	}
	groups, err := db.groups(ctx, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: tally of election %d: %w", electionID, err)
	}
	return groups, nil
}

func (db *DB) groups(ctx context.Context, electionID int64) ([]tally.Group, error) {
	rows, err := db.reader().query(ctx, "SELECT "+groupCols+" FROM tally_groups WHERE election_id = $1", electionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []tally.Group{}
	for rows.Next() {
		var g tally.Group
		if err := rows.Scan(&g.Region, &g.Country, &g.StationsTotal, &g.RegisteredVoters, &g.StationsReporting,
			&g.ReportingRegistered, &g.BallotsCast, &g.StationsClosed); err != nil {
			return nil, err
		}
		if !g.IsZero() { // a group whose stations all moved away
			list = append(list, g)
		}
	}
	return list, rows.Err()
}

// TallyGroupsAt returns the sums of an election's groups counting the
// reports observed until the end of at's minute; stations and registered
// voters are today's.
func (db *DB) TallyGroupsAt(ctx context.Context, electionID int64, at time.Time) ([]tally.Group, error) {
	list, err := func() ([]tally.Group, error) {
		if err := db.settleTally(ctx, electionID); err != nil {
			return nil, err
		}
		groups, err := db.groups(ctx, electionID)
		if err != nil {
			return nil, err
		}
		rows, err := db.reader().query(ctx, `SELECT region, country, SUM(stations_reporting), SUM(reporting_registered),
			SUM(ballots_cast), SUM(stations_closed) FROM tally_steps WHERE election_id = $1 AND minute <= $2
			GROUP BY region, country`, electionID, tally.Minute(at))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		then := map[tally.GroupKey]tally.Sums{}
		for rows.Next() {
			var k tally.GroupKey
			var s tally.Sums
			if err := rows.Scan(&k.Region, &k.Country, &s.StationsReporting, &s.ReportingRegistered, &s.BallotsCast, &s.StationsClosed); err != nil {
				return nil, err
			}
			then[k] = s
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for i, g := range groups {
			s := then[tally.GroupKey{Region: g.Region, Country: g.Country}]
			s.StationsTotal, s.RegisteredVoters = g.StationsTotal, g.RegisteredVoters
			groups[i].Sums = s
		}
		return groups, nil
	}()
	if err != nil {
		return nil, fmt.Errorf("store: tally of election %d at %s: %w", electionID, at.UTC().Format(time.RFC3339), err)
	}
	return list, nil
}

// TallyMinutes returns the changes of the reporting figures per minute,
// home and abroad apart, in order of time.
func (db *DB) TallyMinutes(ctx context.Context, electionID int64) ([]tally.MinuteSums, error) {
	list, err := func() ([]tally.MinuteSums, error) {
		if err := db.settleTally(ctx, electionID); err != nil {
			return nil, err
		}
		rows, err := db.reader().query(ctx, `SELECT minute, CASE WHEN country = $2 THEN 0 ELSE 1 END AS abroad,
			SUM(stations_reporting), SUM(reporting_registered), SUM(ballots_cast), SUM(stations_closed)
			FROM tally_steps WHERE election_id = $1 GROUP BY minute, CASE WHEN country = $2 THEN 0 ELSE 1 END
			ORDER BY minute, abroad`, electionID, election.HomeCountry)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []tally.MinuteSums{}
		for rows.Next() {
			var m tally.MinuteSums
			var abroad int
			if err := rows.Scan(&m.Minute, &abroad, &m.StationsReporting, &m.ReportingRegistered, &m.BallotsCast, &m.StationsClosed); err != nil {
				return nil, err
			}
			m.Abroad = abroad == 1
			if !m.IsZero() {
				list = append(list, m)
			}
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: turnout by minute of election %d: %w", electionID, err)
	}
	return list, nil
}

// ClosingSlots returns the distinct closing times of an election's
// stations (read from the stations_closing index).
func (db *DB) ClosingSlots(ctx context.Context, electionID int64) ([]tally.Slot, error) {
	list, err := func() ([]tally.Slot, error) {
		rows, err := db.reader().query(ctx, `SELECT time_zone, closes_min, COUNT(*) FROM stations WHERE election_id = $1
			GROUP BY time_zone, closes_min ORDER BY time_zone, closes_min`, electionID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []tally.Slot{}
		for rows.Next() {
			var s tally.Slot
			var closes int
			if err := rows.Scan(&s.TimeZone, &closes, &s.Stations); err != nil {
				return nil, err
			}
			s.Closes = election.Clock(closes)
			list = append(list, s)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: closing times of election %d: %w", electionID, err)
	}
	return list, nil
}

// ClosingStations returns up to limit stations of a closing slot, by code,
// each with whether it has a closing report.
func (db *DB) ClosingStations(ctx context.Context, electionID int64, slot tally.Slot, limit int) ([]tally.Closing, error) {
	list, err := func() ([]tally.Closing, error) {
		rows, err := db.reader().query(ctx, `SELECT s.id, s.election_id, s.code, s.name, s.region, s.district, s.country, s.city,
			s.address, s.time_zone, s.registered_voters, s.opens_min, s.closes_min, s.latitude, s.longitude, s.updated_at,
			CASE WHEN EXISTS (SELECT 1 FROM reports r WHERE r.election_id = s.election_id AND r.station_code = s.code
				AND r.form = 'closing') THEN 1 ELSE 0 END
			FROM stations s WHERE s.election_id = $1 AND s.time_zone = $2 AND s.closes_min = $3 ORDER BY s.code LIMIT $4`,
			electionID, slot.TimeZone, int(slot.Closes), limit)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []tally.Closing{}
		for rows.Next() {
			var c tally.Closing
			var closed int
			var opens, closes int
			var lat, lon sql.NullFloat64
			s := &c.Station
			if err := rows.Scan(&s.ID, &s.ElectionID, &s.Code, &s.Name, &s.Region, &s.District, &s.Country, &s.City, &s.Address,
				&s.TimeZone, &s.RegisteredVoters, &opens, &closes, &lat, &lon, timeScan{&s.UpdatedAt}, &closed); err != nil {
				return nil, err
			}
			s.Opens, s.Closes = election.Clock(opens), election.Clock(closes)
			if lat.Valid {
				s.Latitude = &lat.Float64
			}
			if lon.Valid {
				s.Longitude = &lon.Float64
			}
			c.Closed = closed == 1
			list = append(list, c)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: stations closing at %s %s in election %d: %w", slot.TimeZone, slot.Closes, electionID, err)
	}
	return list, nil
}
