package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

// Assign deploys an observer to a station, setting the assignment's ID
// (and CreatedAt, when zero). ENOTFOUND if the station is not in the
// election or the observer does not exist; ECONFLICT if the observer is
// already assigned there. Whether the observer may be deployed is for the
// caller to check.
func (db *DB) Assign(ctx context.Context, a *people.Assignment) error {
	add := *a
	if add.CreatedAt.IsZero() {
		add.CreatedAt = time.Now()
	}
	add.CreatedAt = normTime(add.CreatedAt)
	add.Team = strings.TrimSpace(add.Team)
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("station %q of election %d", add.StationCode, add.ElectionID),
			"SELECT 1 FROM stations WHERE election_id = $1 AND code = $2", add.ElectionID, add.StationCode); err != nil {
			return err
		}
		if err := requireRow(ctx, c, fmt.Sprintf("observer %d", add.ObserverID),
			"SELECT 1 FROM observers WHERE id = $1", add.ObserverID); err != nil {
			return err
		}
		// A mission's members acknowledge its principles before they are
		// deployed (issue 7; docs/missions.md).
		var mission sql.NullInt64
		var acknowledged bool
		// A mission without principles asks for nothing; a changed text
		// is acknowledged again.
		err := c.queryRow(ctx, `SELECT m.id, EXISTS (SELECT 1 FROM mission_acknowledgements k
			WHERE k.mission_id = m.id AND k.observer_id = o.id AND k.principles = m.principles)
			FROM observers o LEFT JOIN missions m ON m.id = o.mission_id AND m.principles <> '' WHERE o.id = $1`, add.ObserverID).Scan(&mission, &acknowledged)
		if err != nil {
			return err
		}
		if mission.Valid && !acknowledged {
			return baqylau.Errorf(baqylau.EINVALID, "observer %d is a member of mission %d and has not acknowledged its principles yet", add.ObserverID, mission.Int64)
		}
		err = c.queryRow(ctx, `INSERT INTO assignments (election_id, station_code, observer_id, team, by_user_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (election_id, station_code, observer_id) DO NOTHING RETURNING id`,
			add.ElectionID, add.StationCode, add.ObserverID, add.Team, nullRef(add.ByUserID), db.timeArg(add.CreatedAt)).Scan(&add.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ECONFLICT, "the observer is already assigned to station %s", add.StationCode)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: assign observer %d to station %q: %w", a.ObserverID, a.StationCode, err)
	}
	*a = add
	return nil
}

// Unassign removes an assignment and returns what it was (ENOTFOUND if
// none).
func (db *DB) Unassign(ctx context.Context, assignmentID int64) (people.Assignment, error) {
	a, err := scanAssignment(db.writer().queryRow(ctx, "DELETE FROM assignments WHERE id = $1 RETURNING "+assignmentCols, assignmentID))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "assignment %d not found", assignmentID)
	}
	if err != nil {
		return people.Assignment{}, fmt.Errorf("store: unassign %d: %w", assignmentID, err)
	}
	return a, nil
}

const assignmentCols = "id, election_id, station_code, observer_id, team, by_user_id, created_at"

func scanAssignment(sc rowScanner) (people.Assignment, error) {
	var a people.Assignment
	err := sc.Scan(&a.ID, &a.ElectionID, &a.StationCode, &a.ObserverID, &a.Team, nullIDScan{&a.ByUserID}, timeScan{&a.CreatedAt})
	return a, err
}

// Assignments returns one page of assignments matching q, by election,
// station and ID, and the number of all matches.
func (db *DB) Assignments(ctx context.Context, q people.AssignmentQuery) ([]people.Assignment, int, error) {
	var args params
	from := "FROM assignments WHERE 1 = 1"
	if q.ElectionID != 0 {
		from += " AND election_id = " + args.add(q.ElectionID)
	}
	if q.StationCode != "" {
		from += " AND station_code = " + args.add(q.StationCode)
	}
	if q.ObserverID != 0 {
		from += " AND observer_id = " + args.add(q.ObserverID)
	}
	list, total, err := queryPage(ctx, db.reader(), scanAssignment, assignmentCols, from, "election_id, station_code, id",
		args, q.Limit, q.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list assignments: %w", err)
	}
	return list, total, nil
}

// covered is the SQL condition that station s has an observer.
const covered = "EXISTS (SELECT 1 FROM assignments a WHERE a.election_id = s.election_id AND a.station_code = s.code)"

// Coverage counts an election's stations and those with at least one
// observer: by region code at home (in code order), then by country
// abroad (in code order). ENOTFOUND if the election does not exist.
func (db *DB) Coverage(ctx context.Context, electionID int64) ([]people.Coverage, error) {
	c := db.reader()
	err := electionExists(ctx, c, electionID, "")
	var list []people.Coverage
	if err == nil {
		list, err = queryAll(ctx, c, func(sc rowScanner) (people.Coverage, error) {
			var cv people.Coverage
			var region, country string
			err := sc.Scan(&region, &country, &cv.Stations, &cv.Covered)
			cv.Abroad = country != election.HomeCountry
			cv.Key = region
			if cv.Abroad {
				cv.Key = country
			}
			return cv, err
		}, "SELECT s.region, s.country, COUNT(*), COALESCE(SUM(CASE WHEN "+covered+" THEN 1 ELSE 0 END), 0) "+
			"FROM stations s WHERE s.election_id = $1 GROUP BY s.region, s.country", electionID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: coverage of election %d: %w", electionID, err)
	}
	// Abroad, stations are grouped by country whatever their region.
	merged := make([]people.Coverage, 0, len(list))
	at := map[people.Coverage]int{}
	for _, cv := range list {
		k := people.Coverage{Key: cv.Key, Abroad: cv.Abroad}
		if i, ok := at[k]; ok {
			merged[i].Stations += cv.Stations
			merged[i].Covered += cv.Covered
			continue
		}
		at[k] = len(merged)
		merged = append(merged, cv)
	}
	sort.Slice(merged, func(i, j int) bool {
		if merged[i].Abroad != merged[j].Abroad {
			return !merged[i].Abroad
		}
		return merged[i].Key < merged[j].Key
	})
	return merged, nil
}

// UncoveredStations returns one page of the codes of an election's
// stations with no observer, quick-count sample stations first, then
// reserves (by their rank in the stratum), then the rest, each in code order, filtered by region and
// country when given, and their number. ENOTFOUND if the election does
// not exist.
func (db *DB) UncoveredStations(ctx context.Context, electionID int64, region, country string, limit, offset int) ([]string, int, error) {
	c := db.reader()
	var args params
	from := "FROM stations s WHERE s.election_id = " + args.add(electionID) + " AND NOT " + covered
	if region != "" {
		from += " AND s.region = " + args.add(region)
	}
	if country != "" {
		from += " AND s.country = " + args.add(strings.ToUpper(country))
	}
	err := electionExists(ctx, c, electionID, "")
	var codes []string
	var total int
	if err == nil {
		codes, total, err = queryPage(ctx, c, func(sc rowScanner) (string, error) {
			var code string
			return code, sc.Scan(&code)
		}, "s.code", from, quickcountFirst+", s.code", args, limit, offset)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: uncovered stations of election %d: %w", electionID, err)
	}
	return codes, total, nil
}

// Unassigned returns one page of the observers (not journalists) who are
// accredited or deployed, are in a mission to the election or in none,
// and have no station in it, ordered by name, and their number. ENOTFOUND
// if the election does not exist.
func (db *DB) Unassigned(ctx context.Context, electionID int64, limit, offset int) ([]people.Observer, int, error) {
	c := db.reader()
	var args params
	e := args.add(electionID)
	from := "FROM observers o WHERE o.kind = " + args.add(string(people.KindObserver)) +
		" AND o.status IN (" + args.add(string(people.Accredited)) + ", " + args.add(string(people.Deployed)) + ")" +
		" AND (o.mission_id IS NULL OR o.mission_id IN (SELECT m.id FROM missions m WHERE m.election_id = " + e + "))" +
		" AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.observer_id = o.id AND a.election_id = " + e + ")"
	err := electionExists(ctx, c, electionID, "")
	var list []people.Observer
	var total int
	if err == nil {
		list, total, err = queryPage(ctx, c, func(sc rowScanner) (people.Observer, error) { return scanObserver(sc) },
			observerCols, from, "o.full_name, o.id", args, limit, offset)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: unassigned observers of election %d: %w", electionID, err)
	}
	return list, total, nil
}
