package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

var _ election.Store = (*DB)(nil)

// CreateElection stores e and its contests, setting their IDs (and
// CreatedAt, when zero).
func (db *DB) CreateElection(ctx context.Context, e *election.Election) error {
	created := e.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	created = normTime(created)
	contests := make([]election.Contest, len(e.Contests))
	copy(contests, e.Contests)
	var id int64
	err := db.inTx(ctx, func(c conn) error {
		err := c.queryRow(ctx, `INSERT INTO elections (name, kind, day, time_zone, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			e.Name, string(e.Kind), e.Date.Format(election.DateLayout), e.TimeZone, db.timeArg(created)).Scan(&id)
		if err != nil {
			return err
		}
		for i := range contests {
			contests[i].ElectionID = id
			if err := insertContest(ctx, c, &contests[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: create election %q: %w", e.Name, err)
	}
	e.ID, e.CreatedAt, e.Contests = id, created, contests
	return nil
}

func insertContest(ctx context.Context, c conn, ct *election.Contest) error {
	options := []string{}
	if ct.Options != nil {
		options = ct.Options
	}
	b, err := json.Marshal(options)
	if err != nil {
		return fmt.Errorf("contest options: %w", err)
	}
	return c.queryRow(ctx, "INSERT INTO contests (election_id, name, region, options) VALUES ($1, $2, $3, $4) RETURNING id",
		ct.ElectionID, ct.Name, ct.Region, string(b)).Scan(&ct.ID)
}

// AddContest stores a contest of an existing election, setting its ID;
// ENOTFOUND if the election does not exist.
func (db *DB) AddContest(ctx context.Context, ct *election.Contest) error {
	add := *ct
	err := db.inTx(ctx, func(c conn) error {
		if err := electionExists(ctx, c, add.ElectionID, ""); err != nil {
			return err
		}
		return insertContest(ctx, c, &add)
	})
	if err != nil {
		return fmt.Errorf("store: add contest %q: %w", ct.Name, err)
	}
	ct.ID = add.ID
	return nil
}

// electionExists returns ENOTFOUND unless election id exists; lock is
// appended to the query (forUpdate, or "").
func electionExists(ctx context.Context, c conn, id int64, lock string) error {
	var found int64
	err := c.queryRow(ctx, "SELECT id FROM elections WHERE id = $1"+lock, id).Scan(&found)
	if errors.Is(err, sql.ErrNoRows) {
		return baqylau.Errorf(baqylau.ENOTFOUND, "election %d not found", id)
	}
	return err
}

const electionCols = "id, name, kind, day, time_zone, created_at"

func scanElection(sc interface{ Scan(...any) error }) (election.Election, error) {
	var e election.Election
	var kind, day string
	if err := sc.Scan(&e.ID, &e.Name, &kind, &day, &e.TimeZone, timeScan{&e.CreatedAt}); err != nil {
		return e, err
	}
	e.Kind = election.Kind(kind)
	d, err := time.Parse(election.DateLayout, day)
	if err != nil {
		return e, fmt.Errorf("election %d has a bad day %q: %w", e.ID, day, err)
	}
	e.Date = d
	e.Contests = []election.Contest{}
	return e, nil
}

// Election returns one election with its contests (ENOTFOUND if none).
func (db *DB) Election(ctx context.Context, id int64) (election.Election, error) {
	c := db.reader()
	e, err := scanElection(c.queryRow(ctx, "SELECT "+electionCols+" FROM elections WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "election %d not found", id)
	}
	if err == nil {
		err = db.addContests(ctx, c, []*election.Election{&e}, "WHERE election_id = $1", id)
	}
	if err != nil {
		return election.Election{}, fmt.Errorf("store: find election %d: %w", id, err)
	}
	return e, nil
}

// Elections lists all elections, newest date first, with contests.
func (db *DB) Elections(ctx context.Context) ([]election.Election, error) {
	c := db.reader()
	list, err := func() ([]election.Election, error) {
		rows, err := c.query(ctx, "SELECT "+electionCols+" FROM elections ORDER BY day DESC, id DESC")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []election.Election{}
		for rows.Next() {
			e, err := scanElection(rows)
			if err != nil {
				return nil, err
			}
			list = append(list, e)
		}
		return list, rows.Err()
	}()
	if err == nil && len(list) > 0 {
		ptrs := make([]*election.Election, len(list))
		for i := range list {
			ptrs[i] = &list[i]
		}
		err = db.addContests(ctx, c, ptrs, "")
	}
	if err != nil {
		return nil, fmt.Errorf("store: list elections: %w", err)
	}
	return list, nil
}

// addContests loads the contests matching where into their elections.
func (db *DB) addContests(ctx context.Context, c conn, es []*election.Election, where string, args ...any) error {
	byID := make(map[int64]*election.Election, len(es))
	for _, e := range es {
		byID[e.ID] = e
	}
	rows, err := c.query(ctx, "SELECT id, election_id, name, region, options FROM contests "+where+" ORDER BY id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ct election.Contest
		var options string
		if err := rows.Scan(&ct.ID, &ct.ElectionID, &ct.Name, &ct.Region, &options); err != nil {
			return err
		}
		// No options read back as nil, as a contest without them is built.
		if err := json.Unmarshal([]byte(options), &ct.Options); err != nil {
			return fmt.Errorf("contest %d has bad options: %w", ct.ID, err)
		}
		if len(ct.Options) == 0 {
			ct.Options = nil
		}
		if e := byID[ct.ElectionID]; e != nil {
			e.Contests = append(e.Contests, ct)
		}
	}
	return rows.Err()
}
