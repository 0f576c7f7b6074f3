package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

var _ people.Store = (*DB)(nil)

// pageBounds applies the lists' paging rules: a limit of 0 means 50, capped
// at 1000; a negative offset is 0.
func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = 50
	}
	return min(limit, 1000), max(offset, 0)
}

// foldName folds a name for unique lookups, in Go so that Cyrillic folds
// the same way on both engines.
func foldName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// likePattern returns a LIKE pattern (with ESCAPE '\') matching s anywhere
// in a text lowercased in Go.
func likePattern(s string) string {
	return "%" + likeEscaper.Replace(strings.ToLower(strings.TrimSpace(s))) + "%"
}

// nullRef turns an optional reference (0: none) into a query argument.
func nullRef(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullTimeArg turns an optional time (zero: none) into a query argument.
func (db *DB) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.timeArg(t)
}

// dateArg turns an optional calendar date (zero: none) into YYYY-MM-DD.
func dateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(election.DateLayout)
}

// nullTimeScan scans a nullable time column; NULL leaves the zero time.
type nullTimeScan struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s nullTimeScan) Scan(src any) error {
	if src == nil {
		*s.t = time.Time{}
		return nil
	}
	return timeScan(s).Scan(src)
}

// dateScan scans a nullable YYYY-MM-DD column into a UTC midnight.
type dateScan struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s dateScan) Scan(src any) error {
	var v string
	switch x := src.(type) {
	case nil:
		*s.t = time.Time{}
		return nil
	case string:
		v = x
	case []byte:
		v = string(x)
	default:
		return fmt.Errorf("store: cannot scan %T into a date", src)
	}
	t, err := time.Parse(election.DateLayout, v)
	if err != nil {
		return fmt.Errorf("store: bad date %q: %w", v, err)
	}
	*s.t = t
	return nil
}

// nullIDScan scans a nullable reference; NULL leaves 0.
type nullIDScan struct{ id *int64 }

// Scan implements sql.Scanner.
func (s nullIDScan) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*s.id = n.Int64
	return nil
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface{ Scan(...any) error }

// queryAll runs a query and scans each row with scan.
func queryAll[T any](ctx context.Context, c conn, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// page counts the rows of "FROM ... WHERE ..." (from) and reads one page of
// them in order, skipping the second query when the page is empty.
func queryPage[T any](ctx context.Context, c conn, scan func(rowScanner) (T, error), cols, from, order string, args params, limit, offset int) ([]T, int, error) {
	limit, offset = pageBounds(limit, offset)
	var total int
	if err := c.queryRow(ctx, "SELECT COUNT(*) "+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if total <= offset {
		return []T{}, total, nil
	}
	query := "SELECT " + cols + " " + from + " ORDER BY " + order + " LIMIT " + args.add(limit) + " OFFSET " + args.add(offset)
	list, err := queryAll(ctx, c, scan, query, args...)
	return list, total, err
}

// requireRow returns ENOTFOUND (with what in its message) unless query
// finds a row.
func requireRow(ctx context.Context, c conn, what, query string, args ...any) error {
	var one int
	err := c.queryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return baqylau.Errorf(baqylau.ENOTFOUND, "%s not found", what)
	}
	return err
}

// Organisations

const orgCols = "id, name, kind, country, training_all_mandatory, training_min_sessions, training_min_score, created_at"

func scanOrg(sc rowScanner) (people.Organization, error) {
	var o people.Organization
	var kind string
	err := sc.Scan(&o.ID, &o.Name, &kind, &o.Country, &o.Training.AllMandatory, &o.Training.MinSessions,
		&o.Training.MinScore, timeScan{&o.CreatedAt})
	o.Kind = people.OrgKind(kind)
	return o, err
}

// CreateOrganization validates and stores o, setting its ID (and CreatedAt,
// when zero); ECONFLICT if another organisation has the same name, whatever
// its case.
func (db *DB) CreateOrganization(ctx context.Context, o *people.Organization) error {
	add := *o
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: create organisation: %w", err)
	}
	if add.CreatedAt.IsZero() {
		add.CreatedAt = time.Now()
	}
	add.CreatedAt = normTime(add.CreatedAt)
	if err := db.insertOrg(ctx, db.writer(), &add); err != nil {
		return fmt.Errorf("store: create organisation %q: %w", add.Name, err)
	}
	*o = add
	return nil
}

// insertOrg inserts a validated organisation, setting its ID.
func (db *DB) insertOrg(ctx context.Context, c conn, o *people.Organization) error {
	err := c.queryRow(ctx, `INSERT INTO organizations (name, name_key, kind, country, training_all_mandatory,
		training_min_sessions, training_min_score, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (name_key) DO NOTHING RETURNING id`,
		o.Name, foldName(o.Name), string(o.Kind), o.Country, o.Training.AllMandatory, o.Training.MinSessions,
		o.Training.MinScore, db.timeArg(o.CreatedAt)).Scan(&o.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return baqylau.Errorf(baqylau.ECONFLICT, "an organisation named %q already exists", o.Name)
	}
	return err
}

// UpdateOrganization validates and stores the changes to an organisation
// (all but CreatedAt); ENOTFOUND if it does not exist, ECONFLICT if the new
// name is another's. A new name is written into its observers' search text.
func (db *DB) UpdateOrganization(ctx context.Context, o people.Organization) error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("store: update organisation %d: %w", o.ID, err)
	}
	err := db.inTx(ctx, func(c conn) error {
		var oldName string
		err := c.queryRow(ctx, "SELECT name FROM organizations WHERE id = $1"+db.forUpdate(), o.ID).Scan(&oldName)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "organisation %d not found", o.ID)
		}
		if err != nil {
			return err
		}
		var other int64
		err = c.queryRow(ctx, "SELECT id FROM organizations WHERE name_key = $1 AND id <> $2", foldName(o.Name), o.ID).Scan(&other)
		if err == nil {
			return baqylau.Errorf(baqylau.ECONFLICT, "an organisation named %q already exists", o.Name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = c.exec(ctx, `UPDATE organizations SET name = $1, name_key = $2, kind = $3, country = $4,
			training_all_mandatory = $5, training_min_sessions = $6, training_min_score = $7 WHERE id = $8`,
			o.Name, foldName(o.Name), string(o.Kind), o.Country, o.Training.AllMandatory, o.Training.MinSessions,
			o.Training.MinScore, o.ID)
		if err != nil || oldName == o.Name {
			return err
		}
		return db.reindexObservers(ctx, c, o.ID, o.Name)
	})
	if err != nil {
		return fmt.Errorf("store: update organisation %d: %w", o.ID, err)
	}
	return nil
}

// reindexObservers rewrites the search text of an organisation's observers
// after a rename. Renames are rare, so one UPDATE per observer will do.
func (db *DB) reindexObservers(ctx context.Context, c conn, orgID int64, orgName string) error {
	type obs struct {
		id           int64
		name, number string
	}
	list, err := queryAll(ctx, c, func(sc rowScanner) (obs, error) {
		var o obs
		var number sql.NullString
		err := sc.Scan(&o.id, &o.name, &number)
		o.number = number.String
		return o, err
	}, "SELECT id, full_name, number FROM observers WHERE organization_id = $1", orgID)
	if err != nil {
		return err
	}
	for _, o := range list {
		if _, err := c.exec(ctx, "UPDATE observers SET search_text = $1 WHERE id = $2",
			observerSearchText(o.name, o.number, orgName), o.id); err != nil {
			return err
		}
	}
	return nil
}

// Organization returns an organisation by ID (ENOTFOUND if none).
func (db *DB) Organization(ctx context.Context, id int64) (people.Organization, error) {
	o, err := scanOrg(db.reader().queryRow(ctx, "SELECT "+orgCols+" FROM organizations WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "organisation %d not found", id)
	}
	if err != nil {
		return people.Organization{}, fmt.Errorf("store: find organisation %d: %w", id, err)
	}
	return o, nil
}

// OrganizationByName returns an organisation by its name, compared without
// case and surrounding spaces (ENOTFOUND if none).
func (db *DB) OrganizationByName(ctx context.Context, name string) (people.Organization, error) {
	o, err := scanOrg(db.reader().queryRow(ctx, "SELECT "+orgCols+" FROM organizations WHERE name_key = $1", foldName(name)))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "organisation %q not found", strings.TrimSpace(name))
	}
	if err != nil {
		return people.Organization{}, fmt.Errorf("store: find organisation %q: %w", name, err)
	}
	return o, nil
}

// Organizations returns one page of organisations matching q, ordered by
// name, and the number of all matches.
func (db *DB) Organizations(ctx context.Context, q people.OrgQuery) ([]people.Organization, int, error) {
	var args params
	from := "FROM organizations WHERE 1 = 1"
	if q.Kind != "" {
		from += " AND kind = " + args.add(string(q.Kind))
	}
	if strings.TrimSpace(q.Search) != "" {
		from += " AND name_key LIKE " + args.add(likePattern(q.Search)) + ` ESCAPE '\'`
	}
	list, total, err := queryPage(ctx, db.reader(), scanOrg, orgCols, from, "name_key, id", args, q.Limit, q.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list organisations: %w", err)
	}
	return list, total, nil
}

// Missions

const missionCols = "m.id, m.organization_id, m.election_id, m.name, m.start_date, m.principles, m.created_at"

func scanMission(sc rowScanner, extra ...any) (people.Mission, error) {
	var m people.Mission
	dest := append([]any{&m.ID, &m.OrganizationID, &m.ElectionID, &m.Name, dateScan{&m.StartDate}, &m.Principles,
		timeScan{&m.CreatedAt}}, extra...)
	return m, sc.Scan(dest...)
}

// CreateMission validates and stores m, setting its ID (and CreatedAt, when
// zero); ENOTFOUND if its organisation or election does not exist,
// ECONFLICT if the election has a mission of that name (whatever its case).
func (db *DB) CreateMission(ctx context.Context, m *people.Mission) error {
	add := *m
	if err := add.Validate(); err != nil {
		return fmt.Errorf("store: create mission: %w", err)
	}
	if add.CreatedAt.IsZero() {
		add.CreatedAt = time.Now()
	}
	add.CreatedAt = normTime(add.CreatedAt)
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("organisation %d", add.OrganizationID),
			"SELECT 1 FROM organizations WHERE id = $1", add.OrganizationID); err != nil {
			return err
		}
		if err := electionExists(ctx, c, add.ElectionID, ""); err != nil {
			return err
		}
		return db.insertMission(ctx, c, &add)
	})
	if err != nil {
		return fmt.Errorf("store: create mission %q: %w", add.Name, err)
	}
	*m = add
	return nil
}

// insertMission inserts a validated mission, setting its ID.
func (db *DB) insertMission(ctx context.Context, c conn, m *people.Mission) error {
	err := c.queryRow(ctx, `INSERT INTO missions (organization_id, election_id, name, name_key, start_date, principles, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (election_id, name_key) DO NOTHING RETURNING id`,
		m.OrganizationID, m.ElectionID, m.Name, foldName(m.Name), dateArg(m.StartDate), m.Principles,
		db.timeArg(m.CreatedAt)).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return baqylau.Errorf(baqylau.ECONFLICT, "election %d already has a mission named %q", m.ElectionID, m.Name)
	}
	return err
}

// Mission returns a mission by ID (ENOTFOUND if none).
func (db *DB) Mission(ctx context.Context, id int64) (people.Mission, error) {
	m, err := scanMission(db.reader().queryRow(ctx, "SELECT "+missionCols+" FROM missions m WHERE m.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "mission %d not found", id)
	}
	if err != nil {
		return people.Mission{}, fmt.Errorf("store: find mission %d: %w", id, err)
	}
	return m, nil
}

// Missions lists the missions of an election (0: of every election),
// ordered by organisation and mission name, each with its organisation's
// name and its members (revoked ones left out) and heads among them.
func (db *DB) Missions(ctx context.Context, electionID int64) ([]people.MissionSummary, error) {
	var args params
	where := ""
	if electionID != 0 {
		where = " WHERE m.election_id = " + args.add(electionID)
	}
	members := "SELECT COUNT(*) FROM observers ob WHERE ob.mission_id = m.id AND ob.status <> 'revoked'"
	query := "SELECT " + missionCols + ", o.name, (" + members + "), (" + members +
		" AND ob.mission_role IN ('head', 'delegation_head')) FROM missions m JOIN organizations o ON o.id = m.organization_id" +
		where + " ORDER BY o.name_key, m.name_key, m.id"
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (people.MissionSummary, error) {
		var s people.MissionSummary
		m, err := scanMission(sc, &s.OrganizationName, &s.Members, &s.Heads)
		s.Mission = m
		return s, err
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list missions of election %d: %w", electionID, err)
	}
	return list, nil
}
