package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/mission"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
)

// embargoed is the publication time of a press statement that waits for
// an event not yet recorded (the announcement of results): the press
// centre shows statements published at or before now, so it never shows
// one until the event sets its real time.
var embargoed = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// LinkMissionAccount lets a user account act for an observer of a
// mission (a head who signs in with e-mail and password). ENOTFOUND if
// the user or observer does not exist; a second link replaces the first.
func (db *DB) LinkMissionAccount(ctx context.Context, userID, observerID int64) error {
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("user %d", userID), "SELECT 1 FROM users WHERE id = $1", userID); err != nil {
			return err
		}
		if err := requireRow(ctx, c, fmt.Sprintf("observer %d", observerID), "SELECT 1 FROM observers WHERE id = $1", observerID); err != nil {
			return err
		}
		_, err := c.exec(ctx, `INSERT INTO mission_accounts (user_id, observer_id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET observer_id = excluded.observer_id, created_at = excluded.created_at`,
			userID, observerID, db.timeArg(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: link user %d to observer %d: %w", userID, observerID, err)
	}
	return nil
}

// MissionAccount returns the observer a user account acts for
// (ENOTFOUND if none).
func (db *DB) MissionAccount(ctx context.Context, userID int64) (int64, error) {
	var id int64
	err := db.reader().queryRow(ctx, "SELECT observer_id FROM mission_accounts WHERE user_id = $1", userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "user %d acts for no observer", userID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: mission account of user %d: %w", userID, err)
	}
	return id, nil
}

// Meetings

const meetingCols = "id, election_id, mission_id, kind, held_at, place, participants, counterpart, agenda, notes, follow_up, press_statement_id, created_by, created_at"

func scanMeeting(sc rowScanner) (mission.MeetingRecord, error) {
	var m mission.MeetingRecord
	var kind, parts string
	err := sc.Scan(&m.ID, &m.ElectionID, nullIDScan{&m.MissionID}, &kind, timeScan{&m.HeldAt}, &m.Place, &parts, &m.Counterpart,
		&m.Agenda, &m.Notes, &m.FollowUp, nullIDScan{&m.PressStatementID}, nullIDScan{&m.CreatedBy}, timeScan{&m.CreatedAt})
	if err != nil {
		return m, err
	}
	m.Kind = mission.MeetingKind(kind)
	if err := json.Unmarshal([]byte(parts), &m.Participants); err != nil {
		return m, fmt.Errorf("meeting %d has bad participants: %w", m.ID, err)
	}
	return m, nil
}

func scanQuestion(sc rowScanner) (int64, mission.Question, error) {
	var q mission.Question
	var meeting int64
	var topic string
	err := sc.Scan(&meeting, &q.ID, &topic, &q.AskedBy, &q.Question, &q.Answer)
	q.Topic = mission.Topic(topic)
	return meeting, q, err
}

// CreateMeeting validates and stores a meeting with its questions,
// setting its ID and theirs. EINVALID if its mission is not of its
// election.
func (db *DB) CreateMeeting(ctx context.Context, m *mission.MeetingRecord) error {
	add := *m
	add.Questions = append([]mission.Question(nil), m.Questions...)
	add.Participants = append([]string(nil), m.Participants...)
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: create meeting: %w", err)
	}
	add.HeldAt, add.CreatedAt = normTime(add.HeldAt), now()
	parts, err := json.Marshal(add.Participants)
	if err != nil {
		return fmt.Errorf("store: create meeting: %w", err)
	}
	err = db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("election %d", add.ElectionID), "SELECT 1 FROM elections WHERE id = $1", add.ElectionID); err != nil {
			return err
		}
		if add.MissionID != 0 {
			var e int64
			err := c.queryRow(ctx, "SELECT election_id FROM missions WHERE id = $1", add.MissionID).Scan(&e)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && e != add.ElectionID) {
				return baqylau.Errorf(baqylau.EINVALID, "mission %d is not a mission to election %d", add.MissionID, add.ElectionID)
			}
			if err != nil {
				return err
			}
		}
		err := c.queryRow(ctx, `INSERT INTO meetings (election_id, mission_id, kind, held_at, place, participants, counterpart, agenda, notes,
			follow_up, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			add.ElectionID, nullRef(add.MissionID), string(add.Kind), db.timeArg(add.HeldAt), add.Place, string(parts), add.Counterpart,
			add.Agenda, add.Notes, add.FollowUp, nullRef(add.CreatedBy), db.timeArg(add.CreatedAt)).Scan(&add.ID)
		if err != nil {
			return err
		}
		for i := range add.Questions {
			if err := insertQuestion(ctx, c, add.ID, &add.Questions[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: create meeting: %w", err)
	}
	*m = add
	return nil
}

func insertQuestion(ctx context.Context, c conn, meetingID int64, q *mission.Question) error {
	return c.queryRow(ctx, `INSERT INTO meeting_questions (meeting_id, topic, asked_by, question, answer) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		meetingID, string(q.Topic), q.AskedBy, q.Question, q.Answer).Scan(&q.ID)
}

// AddQuestion validates and adds a question to a meeting, setting its ID
// (ENOTFOUND if there is no such meeting).
func (db *DB) AddQuestion(ctx context.Context, meetingID int64, q *mission.Question) error {
	add := *q
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: add question: %w", err)
	}
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("meeting %d", meetingID), "SELECT 1 FROM meetings WHERE id = $1", meetingID); err != nil {
			return err
		}
		return insertQuestion(ctx, c, meetingID, &add)
	})
	if err != nil {
		return fmt.Errorf("store: add question to meeting %d: %w", meetingID, err)
	}
	*q = add
	return nil
}

// Meeting returns a meeting with its questions (ENOTFOUND if none).
func (db *DB) Meeting(ctx context.Context, id int64) (mission.MeetingRecord, error) {
	m, err := scanMeeting(db.reader().queryRow(ctx, "SELECT "+meetingCols+" FROM meetings WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "meeting %d not found", id)
	}
	if err == nil {
		err = db.fillQuestions(ctx, []*mission.MeetingRecord{&m}, "meeting_id = $1", id)
	}
	if err != nil {
		return mission.MeetingRecord{}, fmt.Errorf("store: meeting %d: %w", id, err)
	}
	return m, nil
}

// Meetings lists an election's meetings of a mission (0: of the
// commission's observer desk), most recent first, with their questions.
func (db *DB) Meetings(ctx context.Context, electionID, missionID int64) ([]mission.MeetingRecord, error) {
	cond, args := "election_id = $1 AND mission_id IS NULL", []any{electionID}
	if missionID != 0 {
		cond, args = "election_id = $1 AND mission_id = $2", []any{electionID, missionID}
	}
	list, err := queryAll(ctx, db.reader(), scanMeeting, "SELECT "+meetingCols+" FROM meetings WHERE "+cond+" ORDER BY held_at DESC, id DESC LIMIT 500", args...)
	if err == nil {
		ptrs := make([]*mission.MeetingRecord, len(list))
		for i := range list {
			ptrs[i] = &list[i]
		}
		err = db.fillQuestions(ctx, ptrs, "meeting_id IN (SELECT id FROM meetings WHERE "+cond+")", args...)
	}
	if err != nil {
		return nil, fmt.Errorf("store: meetings of election %d: %w", electionID, err)
	}
	return list, nil
}

// fillQuestions reads the questions of meetings matching cond.
func (db *DB) fillQuestions(ctx context.Context, ms []*mission.MeetingRecord, cond string, args ...any) error {
	byID := map[int64]*mission.MeetingRecord{}
	for _, m := range ms {
		m.Questions = []mission.Question{}
		byID[m.ID] = m
	}
	rows, err := db.reader().query(ctx, "SELECT meeting_id, id, topic, asked_by, question, answer FROM meeting_questions WHERE "+cond+" ORDER BY id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		meeting, q, err := scanQuestion(rows)
		if err != nil {
			return err
		}
		if m := byID[meeting]; m != nil {
			m.Questions = append(m.Questions, q)
		}
	}
	return rows.Err()
}

// UpdateMeetingNotes replaces a meeting's notes and follow-up (the
// mission's long-term work: what was agreed and what came of it).
// ENOTFOUND if there is no such meeting.
func (db *DB) UpdateMeetingNotes(ctx context.Context, meetingID int64, notes, followUp string) error {
	notes, followUp, err := mission.CheckNotes(notes, followUp)
	if err != nil {
		return fmt.Errorf("store: update meeting %d: %w", meetingID, err)
	}
	res, err := db.writer().exec(ctx, "UPDATE meetings SET notes = $1, follow_up = $2 WHERE id = $3", notes, followUp, meetingID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "meeting %d not found", meetingID)
		}
	}
	if err != nil {
		return fmt.Errorf("store: update meeting %d: %w", meetingID, err)
	}
	return nil
}

// PublishMinutes publishes a meeting's minutes as a press-centre
// statement, now, and records it with the meeting. ECONFLICT if they
// were published already.
func (db *DB) PublishMinutes(ctx context.Context, meetingID int64, s *publish.Statement) error {
	add := *s
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: publish minutes: %w", err)
	}
	add.PublishedAt = now()
	err := db.inTx(ctx, func(c conn) error {
		var published sql.NullInt64
		err := c.queryRow(ctx, "SELECT press_statement_id FROM meetings WHERE id = $1", meetingID).Scan(&published)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "meeting %d not found", meetingID)
		}
		if err != nil {
			return err
		}
		if published.Valid {
			return baqylau.Errorf(baqylau.ECONFLICT, "the minutes of meeting %d were published already", meetingID)
		}
		if err := insertPressStatement(ctx, db, c, &add); err != nil {
			return err
		}
		_, err = c.exec(ctx, "UPDATE meetings SET press_statement_id = $1 WHERE id = $2", add.ID, meetingID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: publish minutes of meeting %d: %w", meetingID, err)
	}
	*s = add
	return nil
}

func insertPressStatement(ctx context.Context, db *DB, c conn, s *publish.Statement) error {
	err := c.queryRow(ctx, `INSERT INTO statements (title_kk, title_ru, title_en, body_kk, body_ru, body_en, published_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.Title.KK, s.Title.RU, s.Title.EN,
		s.Body.KK, s.Body.RU, s.Body.EN, db.timeArg(s.PublishedAt)).Scan(&s.ID)
	if err != nil {
		return err
	}
	return db.logStatement(ctx, c, *s) // tamper-evident log (ledger.go)
}

// Principles

// Acknowledge records that a member of a mission acknowledged its
// principles as they now read, setting ID, Principles and (when zero)
// AcknowledgedAt. ECONFLICT if the mission has no principles or the
// member already acknowledged this text; EINVALID if the observer is not
// of the mission.
func (db *DB) Acknowledge(ctx context.Context, a *mission.Acknowledgement) error {
	add := *a
	if add.AcknowledgedAt.IsZero() {
		add.AcknowledgedAt = time.Now()
	}
	add.AcknowledgedAt = normTime(add.AcknowledgedAt)
	err := db.inTx(ctx, func(c conn) error {
		err := c.queryRow(ctx, "SELECT principles FROM missions WHERE id = $1", add.MissionID).Scan(&add.Principles)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "mission %d not found", add.MissionID)
		}
		if err != nil {
			return err
		}
		if add.Principles == "" {
			return baqylau.Errorf(baqylau.ECONFLICT, "the mission has not set its principles")
		}
		var m sql.NullInt64
		err = c.queryRow(ctx, "SELECT mission_id FROM observers WHERE id = $1", add.ObserverID).Scan(&m)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", add.ObserverID)
		}
		if err != nil {
			return err
		}
		if m.Int64 != add.MissionID {
			return baqylau.Errorf(baqylau.EINVALID, "observer %d is not a member of mission %d", add.ObserverID, add.MissionID)
		}
		err = c.queryRow(ctx, `INSERT INTO mission_acknowledgements (mission_id, observer_id, principles, acknowledged_at, by_user_id)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`, add.MissionID, add.ObserverID, add.Principles,
			db.timeArg(add.AcknowledgedAt), nullRef(add.ByUserID)).Scan(&add.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ECONFLICT, "observer %d already acknowledged these principles", add.ObserverID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: acknowledge principles: %w", err)
	}
	*a = add
	return nil
}

// Acknowledgements lists a mission's acknowledgements, oldest first.
func (db *DB) Acknowledgements(ctx context.Context, missionID int64) ([]mission.Acknowledgement, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (mission.Acknowledgement, error) {
		var a mission.Acknowledgement
		err := sc.Scan(&a.ID, &a.MissionID, &a.ObserverID, &a.Principles, timeScan{&a.AcknowledgedAt}, nullIDScan{&a.ByUserID})
		return a, err
	}, `SELECT id, mission_id, observer_id, principles, acknowledged_at, by_user_id FROM mission_acknowledgements
		WHERE mission_id = $1 ORDER BY acknowledged_at, id`, missionID)
	if err != nil {
		return nil, fmt.Errorf("store: acknowledgements of mission %d: %w", missionID, err)
	}
	return list, nil
}

// MissionHeads lists the delegation heads of a mission (not revoked), by
// id: the observers who approve its statements.
func (db *DB) MissionHeads(ctx context.Context, missionID int64) ([]people.Observer, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (people.Observer, error) {
		var o people.Observer
		err := sc.Scan(&o.ID, &o.FullName)
		return o, err
	}, "SELECT id, full_name FROM observers WHERE mission_id = $1 AND mission_role = $2 AND status <> $3 ORDER BY id",
		missionID, string(people.DelegationHead), string(people.Revoked))
	if err != nil {
		return nil, fmt.Errorf("store: heads of mission %d: %w", missionID, err)
	}
	return list, nil
}

var _ mission.Store = (*DB)(nil)
