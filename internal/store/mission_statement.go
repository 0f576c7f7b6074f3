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

const missionStatementCols = `s.id, s.mission_id, m.election_id, s.kind, s.rule, s.release_kind, s.release_at, s.conference,
	s.frozen_version, s.adopted_at, s.press_statement_id, s.created_at,
	(SELECT COALESCE(MAX(v.number), 0) FROM mission_statement_versions v WHERE v.statement_id = s.id)`

const missionStatementFrom = " FROM mission_statements s JOIN missions m ON m.id = s.mission_id "

func scanMissionStatement(sc rowScanner) (mission.Statement, error) {
	var s mission.Statement
	var kind, rule, release, conf string
	err := sc.Scan(&s.ID, &s.MissionID, &s.ElectionID, &kind, &rule, &release, nullTimeScan{&s.ReleaseAt}, &conf,
		&s.FrozenVersion, nullTimeScan{&s.AdoptedAt}, nullIDScan{&s.PressStatementID}, timeScan{&s.CreatedAt}, &s.Latest)
	if err != nil {
		return s, err
	}
	s.Kind, s.Rule, s.Release = mission.StatementKind(kind), mission.Rule(rule), mission.ReleaseKind(release)
	if conf != "" {
		s.Conference = &mission.Conference{}
		if err := json.Unmarshal([]byte(conf), s.Conference); err != nil {
			return s, fmt.Errorf("statement %d has a bad conference: %w", s.ID, err)
		}
	}
	return s, nil
}

// versionContent is how a version's text is kept.
type versionContent struct {
	Title    publish.Text      `json:"title"`
	Sections []mission.Section `json:"sections"`
	Figures  []mission.Figure  `json:"figures,omitempty"`
}

func scanVersion(sc rowScanner) (mission.Version, error) {
	var v mission.Version
	var content string
	err := sc.Scan(&v.ID, &v.StatementID, &v.Number, &content, nullIDScan{&v.ByUserID}, nullIDScan{&v.ByObserver}, timeScan{&v.CreatedAt})
	if err != nil {
		return v, err
	}
	var c versionContent
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		return v, fmt.Errorf("version %d has bad content: %w", v.ID, err)
	}
	v.Title, v.Sections, v.Figures = c.Title, c.Sections, c.Figures
	return v, nil
}

const versionCols = "id, statement_id, number, content, by_user_id, by_observer, created_at"

// insertVersion stores v as the next version of its statement.
func (db *DB) insertVersion(ctx context.Context, c conn, v *mission.Version) error {
	content, err := json.Marshal(versionContent{Title: v.Title, Sections: v.Sections, Figures: v.Figures})
	if err != nil {
		return err
	}
	if err := c.queryRow(ctx, "SELECT COALESCE(MAX(number), 0) + 1 FROM mission_statement_versions WHERE statement_id = $1",
		v.StatementID).Scan(&v.Number); err != nil {
		return err
	}
	v.CreatedAt = now()
	err = c.queryRow(ctx, `INSERT INTO mission_statement_versions (statement_id, number, content, by_user_id, by_observer, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`, v.StatementID, v.Number, string(content),
		nullRef(v.ByUserID), nullRef(v.ByObserver), db.timeArg(v.CreatedAt)).Scan(&v.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return baqylau.Errorf(baqylau.ECONFLICT, "version %d was saved meanwhile", v.Number)
	}
	return err
}

// CreateMissionStatement validates and stores a statement with its first
// version, setting their IDs.
func (db *DB) CreateMissionStatement(ctx context.Context, s *mission.Statement, v *mission.Version) error {
	add, ver := *s, *v
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: create mission statement: %w", err)
	}
	if err := ver.Validate(); err != nil {
		return fmt.Errorf("store: create mission statement: %w", err)
	}
	ver.Figures = nil
	conf := ""
	if add.Conference != nil {
		add.Conference.StartsAt = normTime(add.Conference.StartsAt)
		b, err := json.Marshal(add.Conference)
		if err != nil {
			return fmt.Errorf("store: create mission statement: %w", err)
		}
		conf = string(b)
	}
	add.CreatedAt = now()
	err := db.inTx(ctx, func(c conn) error {
		err := c.queryRow(ctx, "SELECT election_id FROM missions WHERE id = $1", add.MissionID).Scan(&add.ElectionID)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "mission %d not found", add.MissionID)
		}
		if err != nil {
			return err
		}
		err = c.queryRow(ctx, `INSERT INTO mission_statements (mission_id, kind, rule, release_kind, release_at, conference, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, add.MissionID, string(add.Kind), string(add.Rule), string(add.Release),
			db.nullTimeArg(add.ReleaseAt), conf, db.timeArg(add.CreatedAt)).Scan(&add.ID)
		if err != nil {
			return err
		}
		ver.StatementID = add.ID
		return db.insertVersion(ctx, c, &ver)
	})
	if err != nil {
		return fmt.Errorf("store: create mission statement: %w", err)
	}
	add.Latest = ver.Number
	*s, *v = add, ver
	return nil
}

// MissionStatement returns a statement (ENOTFOUND if none).
func (db *DB) MissionStatement(ctx context.Context, id int64) (mission.Statement, error) {
	s, err := db.missionStatement(ctx, db.reader(), id)
	if err != nil {
		return s, fmt.Errorf("store: mission statement %d: %w", id, err)
	}
	return s, nil
}

// lockedStatement reads a statement in a transaction that changes it,
// locking its row on PostgreSQL first: two heads deciding at once must
// each see the other's decision, or neither would adopt. (SQLite's
// transactions take the write lock when they begin.)
func (db *DB) lockedStatement(ctx context.Context, c conn, id int64) (mission.Statement, error) {
	var one int64
	err := c.queryRow(ctx, "SELECT id FROM mission_statements WHERE id = $1"+db.forUpdate(), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return mission.Statement{}, baqylau.Errorf(baqylau.ENOTFOUND, "statement %d not found", id)
	}
	if err != nil {
		return mission.Statement{}, err
	}
	return db.missionStatement(ctx, c, id)
}

func (db *DB) missionStatement(ctx context.Context, c conn, id int64) (mission.Statement, error) {
	s, err := scanMissionStatement(c.queryRow(ctx, "SELECT "+missionStatementCols+missionStatementFrom+"WHERE s.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "statement %d not found", id)
	}
	return s, err
}

// MissionStatements lists a mission's statements, newest first.
func (db *DB) MissionStatements(ctx context.Context, missionID int64) ([]mission.Statement, error) {
	list, err := queryAll(ctx, db.reader(), scanMissionStatement,
		"SELECT "+missionStatementCols+missionStatementFrom+"WHERE s.mission_id = $1 ORDER BY s.id DESC", missionID)
	if err != nil {
		return nil, fmt.Errorf("store: statements of mission %d: %w", missionID, err)
	}
	return list, nil
}

// SaveMissionVersion validates and stores the next version of a draft,
// setting its ID and Number. ECONFLICT once the statement is frozen.
func (db *DB) SaveMissionVersion(ctx context.Context, v *mission.Version) error {
	add := *v
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: save statement version: %w", err)
	}
	add.Figures = nil
	err := db.inTx(ctx, func(c conn) error {
		s, err := db.lockedStatement(ctx, c, add.StatementID)
		if err != nil {
			return err
		}
		if s.FrozenVersion != 0 {
			return baqylau.Errorf(baqylau.ECONFLICT, "the statement is frozen for adoption: reopen it to edit")
		}
		return db.insertVersion(ctx, c, &add)
	})
	if err != nil {
		return fmt.Errorf("store: save version of statement %d: %w", v.StatementID, err)
	}
	*v = add
	return nil
}

// MissionVersions lists every version of a statement, oldest first.
func (db *DB) MissionVersions(ctx context.Context, statementID int64) ([]mission.Version, error) {
	list, err := queryAll(ctx, db.reader(), scanVersion,
		"SELECT "+versionCols+" FROM mission_statement_versions WHERE statement_id = $1 ORDER BY number", statementID)
	if err != nil {
		return nil, fmt.Errorf("store: versions of statement %d: %w", statementID, err)
	}
	return list, nil
}

// FreezeMissionStatement fixes the text for adoption: the latest version
// is saved again as a new version with figs, the figures' values at this
// moment, and the statement waits for the heads' decisions on it.
// ECONFLICT if it is frozen already.
func (db *DB) FreezeMissionStatement(ctx context.Context, statementID int64, figs []mission.Figure, byUserID, byObserver int64) (mission.Version, error) {
	var v mission.Version
	err := db.inTx(ctx, func(c conn) error {
		s, err := db.lockedStatement(ctx, c, statementID)
		if err != nil {
			return err
		}
		if s.FrozenVersion != 0 {
			return baqylau.Errorf(baqylau.ECONFLICT, "the statement is frozen already (version %d)", s.FrozenVersion)
		}
		if v, err = scanVersion(c.queryRow(ctx, "SELECT "+versionCols+" FROM mission_statement_versions WHERE statement_id = $1 AND number = $2",
			statementID, s.Latest)); err != nil {
			return err
		}
		v.Figures, v.ByUserID, v.ByObserver = figs, byUserID, byObserver
		if err := db.insertVersion(ctx, c, &v); err != nil {
			return err
		}
		_, err = c.exec(ctx, "UPDATE mission_statements SET frozen_version = $1 WHERE id = $2", v.Number, statementID)
		return err
	})
	if err != nil {
		return v, fmt.Errorf("store: freeze statement %d: %w", statementID, err)
	}
	return v, nil
}

// ReopenMissionStatement returns a frozen statement to draft, so that it
// can be edited after objections; decisions on the frozen version stay
// on record but no longer count. ECONFLICT once adopted.
func (db *DB) ReopenMissionStatement(ctx context.Context, statementID int64) error {
	err := db.inTx(ctx, func(c conn) error {
		s, err := db.lockedStatement(ctx, c, statementID)
		if err != nil {
			return err
		}
		if !s.AdoptedAt.IsZero() {
			return baqylau.Errorf(baqylau.ECONFLICT, "the statement is adopted: it can no longer change")
		}
		_, err = c.exec(ctx, "UPDATE mission_statements SET frozen_version = 0 WHERE id = $1", statementID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: reopen statement %d: %w", statementID, err)
	}
	return nil
}

// MissionDecisions lists the decisions on a statement, oldest first, with
// the heads' names.
func (db *DB) MissionDecisions(ctx context.Context, statementID int64) ([]mission.Decision, error) {
	list, err := db.missionDecisions(ctx, db.reader(), statementID)
	if err != nil {
		return nil, fmt.Errorf("store: decisions on statement %d: %w", statementID, err)
	}
	return list, nil
}

func (db *DB) missionDecisions(ctx context.Context, c conn, statementID int64) ([]mission.Decision, error) {
	return queryAll(ctx, c, func(sc rowScanner) (mission.Decision, error) {
		var d mission.Decision
		err := sc.Scan(&d.ID, &d.StatementID, &d.Version, &d.ObserverID, &d.Name, &d.Approve, &d.Comment, timeScan{&d.At})
		return d, err
	}, `SELECT d.id, d.statement_id, d.version, d.observer_id, o.full_name, d.approve, d.comment, d.decided_at
		FROM mission_decisions d JOIN observers o ON o.id = d.observer_id WHERE d.statement_id = $1 ORDER BY d.id`, statementID)
}

// DecideMissionStatement records a delegation head's approval or
// objection to the frozen version, setting d's ID, Version and At. When
// the decisions meet the statement's rule, the statement is adopted: it
// is written to the press centre, public only from its release (see
// mission.Statement.ReleaseTime), and its press conference goes on the
// briefings schedule. EFORBIDDEN unless d.ObserverID is a delegation head
// of the mission; ECONFLICT if the statement is not frozen or is adopted.
func (db *DB) DecideMissionStatement(ctx context.Context, d *mission.Decision) (mission.Statement, error) {
	add := *d
	var s mission.Statement
	err := db.inTx(ctx, func(c conn) error {
		var err error
		if s, err = db.lockedStatement(ctx, c, add.StatementID); err != nil {
			return err
		}
		switch {
		case !s.AdoptedAt.IsZero():
			return baqylau.Errorf(baqylau.ECONFLICT, "the statement is adopted already")
		case s.FrozenVersion == 0:
			return baqylau.Errorf(baqylau.ECONFLICT, "the statement is a draft: freeze it before the heads decide")
		}
		var role, status string
		var m sql.NullInt64
		err = c.queryRow(ctx, "SELECT mission_id, mission_role, status FROM observers WHERE id = $1", add.ObserverID).Scan(&m, &role, &status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err != nil || m.Int64 != s.MissionID || role != string(people.DelegationHead) || status == string(people.Revoked) {
			return baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's delegation heads approve its statements")
		}
		add.Version, add.At = s.FrozenVersion, now()
		if err := c.queryRow(ctx, `INSERT INTO mission_decisions (statement_id, version, observer_id, approve, comment, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, add.StatementID, add.Version, add.ObserverID, add.Approve, add.Comment,
			db.timeArg(add.At)).Scan(&add.ID); err != nil {
			return err
		}
		heads, err := queryAll(ctx, c, func(sc rowScanner) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		}, "SELECT id FROM observers WHERE mission_id = $1 AND mission_role = $2 AND status <> $3",
			s.MissionID, string(people.DelegationHead), string(people.Revoked))
		if err != nil {
			return err
		}
		decisions, err := db.missionDecisions(ctx, c, s.ID)
		if err != nil {
			return err
		}
		if !mission.Adopted(s.Rule, s.FrozenVersion, heads, decisions) {
			return nil
		}
		return db.adopt(ctx, c, &s, add.At)
	})
	if err != nil {
		return s, fmt.Errorf("store: decide on statement %d: %w", d.StatementID, err)
	}
	*d = add
	return s, nil
}

// adopt marks s adopted at and writes it to the press centre with its
// release time, or embargoed until the results are announced.
func (db *DB) adopt(ctx context.Context, c conn, s *mission.Statement, at time.Time) error {
	v, err := scanVersion(c.queryRow(ctx, "SELECT "+versionCols+" FROM mission_statement_versions WHERE statement_id = $1 AND number = $2",
		s.ID, s.FrozenVersion))
	if err != nil {
		return err
	}
	// The election's row is locked here and by AnnounceResults, so that
	// an announcement either sees this adoption or is seen by it.
	if err := requireRow(ctx, c, fmt.Sprintf("election %d", s.ElectionID), "SELECT 1 FROM elections WHERE id = $1"+db.forUpdate(), s.ElectionID); err != nil {
		return err
	}
	announced, err := resultsAnnounced(ctx, db, c, s.ElectionID)
	if err != nil {
		return err
	}
	s.AdoptedAt = at
	release, ok := s.ReleaseTime(announced)
	if !ok {
		release = embargoed
	}
	ps := publish.Statement{PublishedAt: release}
	ps.Title, ps.Body = v.PressText(v.Figures)
	if err := ps.Validate(); err != nil {
		return err
	}
	if err := insertPressStatement(ctx, db, c, &ps); err != nil {
		return err
	}
	s.PressStatementID = ps.ID
	if _, err := c.exec(ctx, "UPDATE mission_statements SET adopted_at = $1, press_statement_id = $2 WHERE id = $3",
		db.timeArg(at), ps.ID, s.ID); err != nil {
		return err
	}
	if s.Conference == nil {
		return nil
	}
	var name string
	if err := c.queryRow(ctx, "SELECT name FROM missions WHERE id = $1", s.MissionID).Scan(&name); err != nil {
		return err
	}
	b := publish.Briefing{Title: s.ConferenceTitle(name), StartsAt: s.Conference.StartsAt, Place: s.Conference.Place, Lang: s.Conference.Lang}
	if err := b.Validate(); err != nil {
		return err
	}
	_, err = c.exec(ctx, "INSERT INTO briefings (title, starts_at, place, lang, created_at) VALUES ($1, $2, $3, $4, $5)",
		b.Title, db.timeArg(b.StartsAt), b.Place, b.Lang, db.timeArg(now()))
	return err
}

func resultsAnnounced(ctx context.Context, db *DB, c conn, electionID int64) (time.Time, error) {
	var at time.Time
	err := c.queryRow(ctx, "SELECT announced_at FROM results_announcements WHERE election_id = $1", electionID).Scan(timeScan{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return at, err
}

// ResultsAnnounced returns when the central commission's announcement of
// an election's results was recorded (zero: not yet).
func (db *DB) ResultsAnnounced(ctx context.Context, electionID int64) (time.Time, error) {
	at, err := resultsAnnounced(ctx, db, db.reader(), electionID)
	if err != nil {
		return at, fmt.Errorf("store: results announcement of election %d: %w", electionID, err)
	}
	return at, nil
}

// AnnounceResults records that the central commission announced an
// election's results at a moment (zero: now), which releases the adopted
// statements waiting for it. ECONFLICT if it was recorded already.
func (db *DB) AnnounceResults(ctx context.Context, electionID int64, at time.Time, byUserID int64) error {
	if at.IsZero() {
		at = time.Now()
	}
	at = normTime(at)
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("election %d", electionID), "SELECT 1 FROM elections WHERE id = $1"+db.forUpdate(), electionID); err != nil {
			return err
		}
		var one int
		err := c.queryRow(ctx, `INSERT INTO results_announcements (election_id, announced_at, by_user_id) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING RETURNING 1`, electionID, db.timeArg(at), nullRef(byUserID)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ECONFLICT, "the results of election %d were announced already", electionID)
		}
		if err != nil {
			return err
		}
		waiting, err := queryAll(ctx, c, scanMissionStatement, "SELECT "+missionStatementCols+missionStatementFrom+
			"WHERE m.election_id = $1 AND s.release_kind = $2 AND s.adopted_at IS NOT NULL AND s.press_statement_id IS NOT NULL",
			electionID, string(mission.AfterResults))
		if err != nil {
			return err
		}
		for _, s := range waiting {
			release, _ := s.ReleaseTime(at)
			if _, err := c.exec(ctx, "UPDATE statements SET published_at = $1 WHERE id = $2", db.timeArg(release), s.PressStatementID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: announce results of election %d: %w", electionID, err)
	}
	return nil
}
