package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/mission"
)

// MissionCounts reads, in one snapshot, the counts a mission's figures
// are computed from (see mission.Counts for each one's definition), as
// they stood at a moment (zero: now): only reports and incidents received
// and assignments made by then count, so that a figure fixed in a
// statement can be computed again from its time. Membership is the
// mission's as it is now.
func (db *DB) MissionCounts(ctx context.Context, missionID int64, at time.Time) (mission.Counts, error) {
	c := mission.Counts{MissionID: missionID, IncidentsByCategory: map[string]int{}, IncidentsByRegion: map[string]int{}}
	err := db.inReadTx(ctx, func(q conn) error {
		err := q.queryRow(ctx, "SELECT election_id FROM missions WHERE id = $1", missionID).Scan(&c.ElectionID)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "mission %d not found", missionID)
		}
		if err != nil {
			return err
		}
		c.At = now()
		if !at.IsZero() && at.Before(c.At) {
			c.At = normTime(at)
		}
		until := db.timeArg(c.At)
		// Reports are found by their observers (the mission's few hundred)
		// and only then checked for the election: "election_id + 0" keeps
		// PostgreSQL, before it has statistics, from also scanning the
		// election's whole index for each observer (1.6 s instead of tens of
		// ms for 20,000 reports).
		e, m := c.ElectionID, missionID
		if err := q.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN country = 'KZ' THEN 1 ELSE 0 END), 0)
			FROM stations WHERE election_id = $1`, e).Scan(&c.StationsTotal, &c.StationsHome); err != nil {
			return err
		}
		c.StationsAbroad = c.StationsTotal - c.StationsHome
		if err := q.queryRow(ctx, `SELECT COUNT(DISTINCT r.station_code) FROM reports r
			WHERE r.election_id + 0 = $1 AND r.observer_id IN (SELECT id FROM observers WHERE mission_id = $2) AND r.received_at <= $3`,
			e, m, until).Scan(&c.StationsObserved); err != nil {
			return err
		}
		if err := q.queryRow(ctx, `SELECT COUNT(DISTINCT CASE WHEN s.country = 'KZ' THEN s.code END),
				COUNT(DISTINCT CASE WHEN s.country <> 'KZ' THEN s.code END)
			FROM assignments a JOIN stations s ON s.election_id = a.election_id AND s.code = a.station_code
			WHERE a.election_id = $1 AND (SELECT o.mission_id FROM observers o WHERE o.id = a.observer_id) = $2 AND a.created_at <= $3`, e, m, until).Scan(&c.CoveredHome, &c.CoveredAbroad); err != nil {
			return err
		}
		// One pass over the election's incidents (and below, assignments),
		// each checked against its observer by primary key: as a join,
		// PostgreSQL without statistics scanned the mission's observers
		// again for each row.
		rows, err := q.query(ctx, `SELECT i.category, i.region, COUNT(*) FROM incidents i
			WHERE i.election_id = $1 AND (SELECT o.mission_id FROM observers o WHERE o.id = i.observer_id) = $2
				AND i.received_at <= $3
			GROUP BY i.category, i.region`, e, m, until)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var category, region string
			var n int
			if err := rows.Scan(&category, &region, &n); err != nil {
				return err
			}
			c.IncidentsByCategory[category] += n
			c.IncidentsByRegion[region] += n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return q.queryRow(ctx, `SELECT COALESCE(SUM(l.ballots_cast), 0), COALESCE(SUM(s.registered_voters), 0), COUNT(*)
			FROM (SELECT r.station_code, r.ballots_cast,
					ROW_NUMBER() OVER (PARTITION BY r.station_code ORDER BY r.observed_at DESC, r.id DESC) AS rn
				FROM reports r
				WHERE r.election_id + 0 = $1 AND r.observer_id IN (SELECT id FROM observers WHERE mission_id = $2) AND r.ballots_cast IS NOT NULL
					AND r.received_at <= $3) l
			JOIN stations s ON s.election_id = $1 AND s.code = l.station_code
			WHERE l.rn = 1`, e, m, until).Scan(&c.BallotsCast, &c.RegisteredVoters, &c.StationsCounted)
	})
	if err != nil {
		return mission.Counts{}, fmt.Errorf("store: counts of mission %d: %w", missionID, err)
	}
	return c, nil
}

// inReadTx runs fn in a read-only transaction that sees one snapshot (on
// PostgreSQL, repeatable read; on SQLite, WAL gives a reading transaction
// its snapshot), so that the counts agree with each other.
func (db *DB) inReadTx(ctx context.Context, fn func(c conn) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect != SQLite {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a read-only transaction: nothing to keep
	return fn(conn{q: tx, dialect: db.dialect})
}
