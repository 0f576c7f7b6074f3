package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
)

const sessionCols = "id, organization_id, title, mode, starts_at, mandatory, region"

func scanSession(sc rowScanner) (people.TrainingSession, error) {
	var s people.TrainingSession
	var mode string
	err := sc.Scan(&s.ID, &s.OrganizationID, &s.Title, &mode, timeScan{&s.StartsAt}, &s.Mandatory, &s.Region)
	s.Mode = people.Mode(mode)
	return s, err
}

// CreateTrainingSession validates and stores s, setting its ID; ENOTFOUND
// if its organisation does not exist.
func (db *DB) CreateTrainingSession(ctx context.Context, s *people.TrainingSession) error {
	add := *s
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: create training session: %w", err)
	}
	add.StartsAt = normTime(add.StartsAt)
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("organisation %d", add.OrganizationID),
			"SELECT 1 FROM organizations WHERE id = $1", add.OrganizationID); err != nil {
			return err
		}
		return c.queryRow(ctx, `INSERT INTO training_sessions (organization_id, title, mode, starts_at, mandatory, region)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			add.OrganizationID, add.Title, string(add.Mode), db.timeArg(add.StartsAt), add.Mandatory, add.Region).Scan(&add.ID)
	})
	if err != nil {
		return fmt.Errorf("store: create training session %q: %w", add.Title, err)
	}
	*s = add
	return nil
}

// TrainingSessions lists an organisation's programme in time order.
func (db *DB) TrainingSessions(ctx context.Context, organizationID int64) ([]people.TrainingSession, error) {
	list, err := queryAll(ctx, db.reader(), scanSession,
		"SELECT "+sessionCols+" FROM training_sessions WHERE organization_id = $1 ORDER BY starts_at, id", organizationID)
	if err != nil {
		return nil, fmt.Errorf("store: list training sessions of organisation %d: %w", organizationID, err)
	}
	return list, nil
}

// TrainingSession returns a session by ID (ENOTFOUND if none).
func (db *DB) TrainingSession(ctx context.Context, id int64) (people.TrainingSession, error) {
	s, err := scanSession(db.reader().queryRow(ctx, "SELECT "+sessionCols+" FROM training_sessions WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "training session %d not found", id)
	}
	if err != nil {
		return people.TrainingSession{}, fmt.Errorf("store: find training session %d: %w", id, err)
	}
	return s, nil
}

// RecordAttendance records (or corrects) whether an observer attended a
// session and its score (-1: no test). ENOTFOUND if the session or the
// observer does not exist; EINVALID if the observer is not of the
// session's organisation or the score is not -1 or 0–100.
func (db *DB) RecordAttendance(ctx context.Context, a people.Attendance) error {
	if a.Score < -1 || a.Score > 100 {
		return fmt.Errorf("store: record attendance: %w", baqylau.Errorf(baqylau.EINVALID, "a score is 0–100, or -1 for no test"))
	}
	err := db.inTx(ctx, func(c conn) error {
		var sessionOrg, observerOrg int64
		err := c.queryRow(ctx, "SELECT organization_id FROM training_sessions WHERE id = $1", a.SessionID).Scan(&sessionOrg)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "training session %d not found", a.SessionID)
		}
		if err != nil {
			return err
		}
		err = c.queryRow(ctx, "SELECT organization_id FROM observers WHERE id = $1", a.ObserverID).Scan(&observerOrg)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", a.ObserverID)
		}
		if err != nil {
			return err
		}
		if sessionOrg != observerOrg {
			return baqylau.Errorf(baqylau.EINVALID, "the observer is not of the organisation that holds the session")
		}
		_, err = c.exec(ctx, `INSERT INTO attendance (session_id, observer_id, attended, score) VALUES ($1, $2, $3, $4)
			ON CONFLICT (session_id, observer_id) DO UPDATE SET attended = excluded.attended, score = excluded.score`,
			a.SessionID, a.ObserverID, a.Attended, a.Score)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: record attendance of observer %d at session %d: %w", a.ObserverID, a.SessionID, err)
	}
	return nil
}

// Attendance lists an observer's attendance records, by session time.
func (db *DB) Attendance(ctx context.Context, observerID int64) ([]people.Attendance, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (people.Attendance, error) {
		var a people.Attendance
		err := sc.Scan(&a.SessionID, &a.ObserverID, &a.Attended, &a.Score)
		return a, err
	}, `SELECT a.session_id, a.observer_id, a.attended, a.score FROM attendance a
		JOIN training_sessions s ON s.id = a.session_id WHERE a.observer_id = $1 ORDER BY s.starts_at, s.id`, observerID)
	if err != nil {
		return nil, fmt.Errorf("store: attendance of observer %d: %w", observerID, err)
	}
	return list, nil
}

// Absent returns one page of the observers of a session's organisation
// (of its region, if it has one) who are not revoked and have not attended
// it, ordered by name, and their number. ENOTFOUND if the session does not
// exist.
func (db *DB) Absent(ctx context.Context, sessionID int64, limit, offset int) ([]people.Observer, int, error) {
	s, err := db.TrainingSession(ctx, sessionID)
	if err != nil {
		return nil, 0, err
	}
	var args params
	from := "FROM observers o WHERE o.organization_id = " + args.add(s.OrganizationID) +
		" AND o.status <> " + args.add(string(people.Revoked))
	if s.Region != "" {
		from += " AND o.region = " + args.add(s.Region)
	}
	from += " AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = " + args.add(sessionID) +
		" AND a.observer_id = o.id AND a.attended = " + args.add(true) + ")"
	list, total, err := queryPage(ctx, db.reader(), func(sc rowScanner) (people.Observer, error) { return scanObserver(sc) },
		observerCols, from, "o.full_name, o.id", args, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list absentees of session %d: %w", sessionID, err)
	}
	return list, total, nil
}
