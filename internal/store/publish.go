package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/publish"
)

var (
	_ publish.Store     = (*DB)(nil)
	_ publish.DataStore = (*DB)(nil)
)

// capLimit bounds a list's length.
func capLimit(limit, def, most int) int {
	if limit <= 0 {
		return def
	}
	return min(limit, most)
}

// CreateBriefing validates and stores a briefing, setting its ID.
func (db *DB) CreateBriefing(ctx context.Context, b *publish.Briefing) error {
	add := *b
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: create briefing: %w", err)
	}
	add.StartsAt, add.Created = normTime(add.StartsAt), now()
	err := db.writer().queryRow(ctx, `INSERT INTO briefings (title, starts_at, place, lang, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, add.Title, db.timeArg(add.StartsAt), add.Place, add.Lang,
		db.timeArg(add.Created)).Scan(&add.ID)
	if err != nil {
		return fmt.Errorf("store: create briefing: %w", err)
	}
	*b = add
	return nil
}

// Briefings lists briefings starting at or after from, soonest first.
func (db *DB) Briefings(ctx context.Context, from time.Time, limit int) ([]publish.Briefing, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (publish.Briefing, error) {
		var b publish.Briefing
		err := sc.Scan(&b.ID, &b.Title, timeScan{&b.StartsAt}, &b.Place, &b.Lang, timeScan{&b.Created})
		return b, err
	}, "SELECT id, title, starts_at, place, lang, created_at FROM briefings WHERE starts_at >= $1 ORDER BY starts_at, id LIMIT $2",
		db.timeArg(from), capLimit(limit, 50, 500))
	if err != nil {
		return nil, fmt.Errorf("store: briefings: %w", err)
	}
	return list, nil
}

const statementCols = "id, title_kk, title_ru, title_en, body_kk, body_ru, body_en, published_at"

func scanStatement(sc rowScanner) (publish.Statement, error) {
	var s publish.Statement
	err := sc.Scan(&s.ID, &s.Title.KK, &s.Title.RU, &s.Title.EN, &s.Body.KK, &s.Body.RU, &s.Body.EN, timeScan{&s.PublishedAt})
	return s, err
}

// CreateStatement validates and stores a statement, setting its ID and,
// when zero, PublishedAt to now.
func (db *DB) CreateStatement(ctx context.Context, s *publish.Statement) error {
	add := *s
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: create statement: %w", err)
	}
	if add.PublishedAt.IsZero() {
		add.PublishedAt = time.Now()
	}
	add.PublishedAt = normTime(add.PublishedAt)
	err := db.inTx(ctx, func(c conn) error {
		err := c.queryRow(ctx, `INSERT INTO statements (title_kk, title_ru, title_en, body_kk, body_ru, body_en, published_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, add.Title.KK, add.Title.RU, add.Title.EN,
			add.Body.KK, add.Body.RU, add.Body.EN, db.timeArg(add.PublishedAt)).Scan(&add.ID)
		if err != nil {
			return err
		}
		return db.logStatement(ctx, c, add) // tamper-evident log (ledger.go)
	})
	if err != nil {
		return fmt.Errorf("store: create statement: %w", err)
	}
	*s = add
	return nil
}

// Statement returns one published statement (ENOTFOUND if none, or if
// it is not yet public).
func (db *DB) Statement(ctx context.Context, id int64) (publish.Statement, error) {
	// A statement is public from published_at, never before (mission
	// statements wait there for their release).
	s, err := scanStatement(db.reader().queryRow(ctx, "SELECT "+statementCols+" FROM statements WHERE id = $1 AND published_at <= $2", id,
		db.timeArg(time.Now())))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "statement %d not found", id)
	}
	if err != nil {
		return publish.Statement{}, fmt.Errorf("store: statement %d: %w", id, err)
	}
	return s, nil
}

// Statements lists the statements published by now, newest first.
func (db *DB) Statements(ctx context.Context, limit int) ([]publish.Statement, error) {
	list, err := queryAll(ctx, db.reader(), scanStatement,
		"SELECT "+statementCols+" FROM statements WHERE published_at <= $1 ORDER BY published_at DESC, id DESC LIMIT $2",
		db.timeArg(time.Now()), capLimit(limit, 50, 500))
	if err != nil {
		return nil, fmt.Errorf("store: statements: %w", err)
	}
	return list, nil
}

const requestCols = "id, full_name, outlet, email, phone, status, observer_id, created_at"

func scanRequest(sc rowScanner) (publish.AccreditationRequest, error) {
	var r publish.AccreditationRequest
	var status string
	var observer sql.NullInt64
	err := sc.Scan(&r.ID, &r.FullName, &r.Outlet, &r.Email, &r.Phone, &status, &observer, timeScan{&r.Created})
	r.Status, r.ObserverID = publish.RequestStatus(status), observer.Int64
	return r, err
}

// CreateAccreditationRequest validates and stores a journalist's request,
// pending, setting its ID.
func (db *DB) CreateAccreditationRequest(ctx context.Context, r *publish.AccreditationRequest) error {
	add := *r
	add.Status = publish.Pending
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: accreditation request: %w", err)
	}
	add.Created = now()
	err := db.writer().queryRow(ctx, `INSERT INTO accreditation_requests (full_name, outlet, email, phone, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, add.FullName, add.Outlet, add.Email, add.Phone, string(add.Status),
		db.timeArg(add.Created)).Scan(&add.ID)
	if err != nil {
		return fmt.Errorf("store: accreditation request: %w", err)
	}
	*r = add
	return nil
}

// AccreditationRequest returns one request (ENOTFOUND if none).
func (db *DB) AccreditationRequest(ctx context.Context, id int64) (publish.AccreditationRequest, error) {
	r, err := scanRequest(db.reader().queryRow(ctx, "SELECT "+requestCols+" FROM accreditation_requests WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "accreditation request %d not found", id)
	}
	if err != nil {
		return publish.AccreditationRequest{}, fmt.Errorf("store: accreditation request %d: %w", id, err)
	}
	return r, nil
}

// AccreditationRequests lists requests of a status, oldest first.
func (db *DB) AccreditationRequests(ctx context.Context, status publish.RequestStatus, limit int) ([]publish.AccreditationRequest, error) {
	list, err := queryAll(ctx, db.reader(), scanRequest,
		"SELECT "+requestCols+" FROM accreditation_requests WHERE status = $1 ORDER BY id LIMIT $2", string(status), capLimit(limit, 100, 1000))
	if err != nil {
		return nil, fmt.Errorf("store: accreditation requests: %w", err)
	}
	return list, nil
}

// AcceptAccreditationRequest marks a pending request accepted with the
// journalist created for it; ECONFLICT if it is no longer pending.
func (db *DB) AcceptAccreditationRequest(ctx context.Context, id, observerID, byUserID int64) error {
	res, err := db.writer().exec(ctx, `UPDATE accreditation_requests SET status = $1, observer_id = $2, decided_at = $3, decided_by = $4
		WHERE id = $5 AND status = $6`, string(publish.Accepted), observerID, db.timeArg(now()), nullRef(byUserID), id, string(publish.Pending))
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = baqylau.Errorf(baqylau.ECONFLICT, "accreditation request %d is not pending", id)
		}
	}
	if err != nil {
		return fmt.Errorf("store: accept accreditation request %d: %w", id, err)
	}
	return nil
}

// HelpCentres lists the help centres by city.
func (db *DB) HelpCentres(ctx context.Context) ([]publish.HelpCentre, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (publish.HelpCentre, error) {
		var h publish.HelpCentre
		err := sc.Scan(&h.ID, &h.City, &h.Address, &h.Hours, &h.Contacts, timeScan{&h.Updated})
		return h, err
	}, "SELECT id, city, address, hours, contacts, updated_at FROM help_centres ORDER BY city")
	if err != nil {
		return nil, fmt.Errorf("store: help centres: %w", err)
	}
	return list, nil
}

// UpdateHelpCentre changes a centre's address, hours and contacts
// (ENOTFOUND if none).
func (db *DB) UpdateHelpCentre(ctx context.Context, h publish.HelpCentre) error {
	if err := h.Validate(); err != nil {
		return fmt.Errorf("store: update help centre: %w", err)
	}
	res, err := db.writer().exec(ctx, "UPDATE help_centres SET address = $1, hours = $2, contacts = $3, updated_at = $4 WHERE id = $5",
		h.Address, h.Hours, h.Contacts, db.timeArg(now()), h.ID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "help centre %d not found", h.ID)
		}
	}
	if err != nil {
		return fmt.Errorf("store: update help centre %d: %w", h.ID, err)
	}
	return nil
}

// SetIncidentPublishable records whether an incident's description may
// be published (ENOTFOUND if there is no such incident).
func (db *DB) SetIncidentPublishable(ctx context.Context, incidentID int64, publishable bool, byUserID int64) error {
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("incident %d", incidentID), "SELECT 1 FROM incidents WHERE id = $1", incidentID); err != nil {
			return err
		}
		_, err := c.exec(ctx, `INSERT INTO incident_publication (incident_id, publishable, by_user, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (incident_id) DO UPDATE SET publishable = excluded.publishable, by_user = excluded.by_user, at = excluded.at`,
			incidentID, publishable, nullRef(byUserID), db.timeArg(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: publish incident %d: %w", incidentID, err)
	}
	return nil
}

// StationFigures lists an election's stations with their latest
// cumulative count (latest by observation time, then by id), by code.
func (db *DB) StationFigures(ctx context.Context, electionID int64) ([]publish.StationFigure, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (publish.StationFigure, error) {
		var f publish.StationFigure
		var cast sql.NullInt64
		var at any // a time on PostgreSQL, text on SQLite, or NULL
		var closed int
		if err := sc.Scan(&f.Station, &f.Region, &f.Country, &f.RegisteredVoters, &cast, &at, &closed); err != nil {
			return f, err
		}
		if cast.Valid {
			f.BallotsCast = &cast.Int64
		}
		if at != nil {
			var t time.Time
			if err := (timeScan{&t}).Scan(at); err != nil {
				return f, err
			}
			f.CountedAt = &t
		}
		f.Closed = closed == 1
		return f, nil
	}, `SELECT s.code, s.region, s.country, s.registered_voters, l.ballots_cast, l.observed_at,
		CASE WHEN EXISTS (SELECT 1 FROM reports c WHERE c.election_id = s.election_id AND c.station_code = s.code AND c.form = 'closing') THEN 1 ELSE 0 END
		FROM stations s LEFT JOIN (
			SELECT station_code, ballots_cast, observed_at,
				ROW_NUMBER() OVER (PARTITION BY station_code ORDER BY observed_at DESC, id DESC) AS rn
			FROM reports WHERE election_id = $1 AND ballots_cast IS NOT NULL
		) l ON l.station_code = s.code AND l.rn = 1
		WHERE s.election_id = $1 ORDER BY s.code`, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: station figures of election %d: %w", electionID, err)
	}
	publish.FillPercent(list)
	return list, nil
}

// PublicReports lists an election's reports by id without who sent them,
// anonymised (publish.Anonymise).
func (db *DB) PublicReports(ctx context.Context, electionID int64) ([]publish.PublicReport, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (publish.PublicReport, error) {
		var r publish.PublicReport
		var answers string
		if err := sc.Scan(&r.ID, &r.Station, &r.Region, &r.Country, &r.Form, timeScan{&r.ObservedAt}, &answers); err != nil {
			return r, err
		}
		if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
			return r, fmt.Errorf("report %d has bad answers: %w", r.ID, err)
		}
		return publish.Anonymise(r), nil
	}, `SELECT r.id, r.station_code, s.region, s.country, r.form, r.observed_at, r.answers
		FROM reports r JOIN stations s ON s.election_id = r.election_id AND s.code = r.station_code
		WHERE r.election_id = $1 ORDER BY r.id`, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: public reports of election %d: %w", electionID, err)
	}
	return list, nil
}

// PublicIncidents lists an election's incidents by id, with the
// description only where a staff member marked it publishable.
func (db *DB) PublicIncidents(ctx context.Context, electionID int64) ([]publish.PublicIncident, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (publish.PublicIncident, error) {
		var i publish.PublicIncident
		err := sc.Scan(&i.ID, &i.Station, &i.Region, &i.Country, &i.Category, &i.Severity, &i.Status, timeScan{&i.ObservedAt}, &i.Description)
		i.ObservedAt = i.ObservedAt.Truncate(time.Minute)
		return i, err
	}, `SELECT i.id, i.station_code, i.region, s.country, i.category, i.severity, i.status, i.observed_at,
		CASE WHEN p.publishable = $2 THEN i.description ELSE '' END
		FROM incidents i JOIN stations s ON s.election_id = i.election_id AND s.code = i.station_code
		LEFT JOIN incident_publication p ON p.incident_id = i.id
		WHERE i.election_id = $1 ORDER BY i.id`, electionID, true)
	if err != nil {
		return nil, fmt.Errorf("store: public incidents of election %d: %w", electionID, err)
	}
	return list, nil
}
