package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
)

// observerCols are the columns scanObserver reads, of observers as o.
const observerCols = "o.id, o.number, o.kind, o.full_name, o.organization_id, o.country, o.languages, o.region, " +
	"o.mission_id, o.mission_role, o.status, o.valid_until, o.email, o.phone, o.national_id, o.birth_date, " +
	"o.created_at, o.updated_at"

func scanObserver(sc rowScanner, extra ...any) (people.Observer, error) {
	var o people.Observer
	var kind, langs, role, status string
	dest := append([]any{&o.ID, &o.Number, &kind, &o.FullName, &o.OrganizationID, &o.Country, &langs, &o.Region,
		nullIDScan{&o.MissionID}, &role, &status, nullTimeScan{&o.ValidUntil}, &o.Personal.Email, &o.Personal.Phone,
		&o.Personal.NationalID, dateScan{&o.Personal.BirthDate}, timeScan{&o.CreatedAt}, timeScan{&o.UpdatedAt}}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return people.Observer{}, err
	}
	o.Kind, o.MissionRole, o.Status = people.Kind(kind), people.MissionRole(role), people.Status(status)
	if langs != "" {
		o.Languages = strings.Split(langs, ",")
	}
	return o, nil
}

// accreditationNumber is the number printed on a badge: a prefix for the
// kind and the observer's row ID, at least six digits.
func accreditationNumber(kind people.Kind, id int64) string {
	prefix := "OBS-"
	if kind == people.KindJournalist {
		prefix = "JRN-"
	}
	return fmt.Sprintf("%s%06d", prefix, id)
}

// observerSearchText is what Observers searches: never personal data.
func observerSearchText(fullName, number, orgName string) string {
	return strings.ToLower(fullName + "\n" + number + "\n" + orgName)
}

// maxParams bounds the parameters of one batched statement: well under
// both engines' limits (32,766 on SQLite, 65,535 on PostgreSQL).
const maxParams = 3000

// valueRows returns "($1,…,$n),(…)…" for rows of n parameters, numbered
// from 1. cast, when set, wraps the first parameter of each row in
// CAST(… AS cast) so that PostgreSQL knows its type in a bare VALUES list.
func valueRows(rows, n int, cast string) string {
	var b strings.Builder
	p := 1
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range n {
			if j > 0 {
				b.WriteByte(',')
			}
			ph := "$" + strconv.Itoa(p)
			if j == 0 && cast != "" {
				ph = "CAST(" + ph + " AS " + cast + ")"
			}
			b.WriteString(ph)
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// newObserver is an observer about to be inserted, with what the insert
// needs besides it.
type newObserver struct {
	o       *people.Observer
	orgName string
	keys    []string // people.DuplicateKeys
}

const nObserverInsertCols = 18

// insertObservers inserts observers in batches, setting their ID, Number,
// CreatedAt and UpdatedAt, and records their first transition (from "" to
// their status) and their duplicate keys.
//
// The accreditation number comes from the row ID, known only after the
// insert: each row is inserted with a temporary number unique to this call
// (number is UNIQUE, so the placeholder must be too), RETURNING id and that
// number tells which ID each row got, whatever order the engine returns
// them in, and one UPDATE … FROM (VALUES …) per batch then writes the real
// numbers and the search text that includes them. All of it happens in the
// caller's transaction, so no one ever sees a temporary number.
func (db *DB) insertObservers(ctx context.Context, c conn, list []newObserver, byUserID int64, at time.Time) error {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return err
	}
	tmp := "~" + hex.EncodeToString(nonce[:]) + ":"
	atArg := db.timeArg(at)
	per := maxParams / nObserverInsertCols
	for start := 0; start < len(list); start += per {
		batch := list[start:min(start+per, len(list))]
		args := make([]any, 0, len(batch)*nObserverInsertCols)
		for i, n := range batch {
			o := n.o
			o.CreatedAt, o.UpdatedAt = at, at
			args = append(args, tmp+strconv.Itoa(i), string(o.Kind), o.FullName, observerSearchText(o.FullName, "", n.orgName),
				o.OrganizationID, o.Country, strings.Join(o.Languages, ","), o.Region, nullRef(o.MissionID),
				string(o.MissionRole), string(o.Status), db.nullTimeArg(o.ValidUntil), o.Personal.Email, o.Personal.Phone,
				o.Personal.NationalID, dateArg(o.Personal.BirthDate), atArg, atArg)
		}
		rows, err := c.query(ctx, `INSERT INTO observers (number, kind, full_name, search_text, organization_id, country,
			languages, region, mission_id, mission_role, status, valid_until, email, phone, national_id, birth_date,
			created_at, updated_at) VALUES `+valueRows(len(batch), nObserverInsertCols, "")+" RETURNING id, number", args...)
		if err != nil {
			return err
		}
		got := 0
		for rows.Next() {
			var id int64
			var number string
			if err := rows.Scan(&id, &number); err != nil {
				return errors.Join(err, rows.Close())
			}
			i, err := strconv.Atoi(strings.TrimPrefix(number, tmp))
			if err != nil || i < 0 || i >= len(batch) {
				return errors.Join(fmt.Errorf("unexpected temporary number %q", number), rows.Close())
			}
			batch[i].o.ID = id
			batch[i].o.Number = accreditationNumber(batch[i].o.Kind, id)
			got++
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if got != len(batch) {
			return fmt.Errorf("inserted %d observers, got %d IDs back", len(batch), got)
		}
		args = args[:0]
		for _, n := range batch {
			args = append(args, n.o.ID, n.o.Number, observerSearchText(n.o.FullName, n.o.Number, n.orgName))
		}
		if _, err := c.exec(ctx, "UPDATE observers SET number = v.column2, search_text = v.column3 FROM (VALUES "+
			valueRows(len(batch), 3, "BIGINT")+") AS v WHERE observers.id = v.column1", args...); err != nil {
			return err
		}
	}

	transitions := make([]people.Transition, len(list))
	for i, n := range list {
		transitions[i] = people.Transition{ObserverID: n.o.ID, To: n.o.Status, ByUserID: byUserID, At: at}
	}
	if err := db.insertTransitions(ctx, c, transitions); err != nil {
		return err
	}
	var keyArgs []any
	for _, n := range list {
		for _, k := range n.keys {
			keyArgs = append(keyArgs, k, n.o.ID)
		}
	}
	return insertDupKeys(ctx, c, keyArgs)
}

const nTransitionCols = 6

// insertTransitions appends workflow steps, in batches.
func (db *DB) insertTransitions(ctx context.Context, c conn, ts []people.Transition) error {
	per := maxParams / nTransitionCols
	for start := 0; start < len(ts); start += per {
		batch := ts[start:min(start+per, len(ts))]
		args := make([]any, 0, len(batch)*nTransitionCols)
		for _, t := range batch {
			args = append(args, t.ObserverID, string(t.From), string(t.To), t.Reason, nullRef(t.ByUserID), db.timeArg(t.At))
		}
		if _, err := c.exec(ctx, "INSERT INTO observer_transitions (observer_id, from_status, to_status, reason, by_user_id, at) VALUES "+
			valueRows(len(batch), nTransitionCols, ""), args...); err != nil {
			return err
		}
	}
	return nil
}

// checkObserver validates an observer before CreateObserver stores it,
// filling the defaults: kind from the organisation (journalist for media),
// status applied.
func checkObserver(o *people.Observer, org people.Organization) error {
	o.FullName = strings.TrimSpace(o.FullName)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	if o.FullName == "" {
		return baqylau.Errorf(baqylau.EINVALID, "full name is required")
	}
	if o.Kind == "" {
		o.Kind = people.KindObserver
		if org.Kind == people.Media {
			o.Kind = people.KindJournalist
		}
	}
	if o.Kind != people.KindObserver && o.Kind != people.KindJournalist {
		return baqylau.Errorf(baqylau.EINVALID, "kind %q is not observer or journalist", o.Kind)
	}
	if o.Status == "" {
		o.Status = people.Applied
	}
	valid := false
	for _, s := range people.Statuses {
		valid = valid || o.Status == s
	}
	if !valid {
		return baqylau.Errorf(baqylau.EINVALID, "status %q is not a workflow step", o.Status)
	}
	if !o.MissionRole.Valid() {
		return baqylau.Errorf(baqylau.EINVALID, "mission role %q is not member, head or delegation_head", o.MissionRole)
	}
	for _, l := range o.Languages {
		if l == "" || strings.Contains(l, ",") {
			return baqylau.Errorf(baqylau.EINVALID, "language %q is not an ISO 639-1 code", l)
		}
	}
	return nil
}

// CreateObserver stores a new observer or journalist, setting its ID,
// accreditation number (OBS-000123, or JRN-000123 for a journalist),
// CreatedAt and UpdatedAt; an empty Kind becomes journalist for a media
// organisation and observer otherwise, an empty Status applied. It
// records the first transition, by byUserID (0: the system), and the
// observer's duplicate keys; it does not refuse duplicates, which the
// caller checks with FindDuplicates first. ENOTFOUND if the organisation
// or the mission does not exist, EINVALID if the mission belongs to
// another organisation.
func (db *DB) CreateObserver(ctx context.Context, o *people.Observer, byUserID int64) error {
	add := *o
	add.Languages = append([]string(nil), o.Languages...)
	at := now()
	err := db.inTx(ctx, func(c conn) error {
		org, err := scanOrg(c.queryRow(ctx, "SELECT "+orgCols+" FROM organizations WHERE id = $1", add.OrganizationID))
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "organisation %d not found", add.OrganizationID)
		}
		if err != nil {
			return err
		}
		if err := checkObserver(&add, org); err != nil {
			return err
		}
		if err := db.ensureDupKeys(ctx, c); err != nil {
			return err
		}
		if add.MissionID != 0 {
			var missionOrg int64
			err := c.queryRow(ctx, "SELECT organization_id FROM missions WHERE id = $1", add.MissionID).Scan(&missionOrg)
			if errors.Is(err, sql.ErrNoRows) {
				return baqylau.Errorf(baqylau.ENOTFOUND, "mission %d not found", add.MissionID)
			}
			if err != nil {
				return err
			}
			if missionOrg != add.OrganizationID {
				return baqylau.Errorf(baqylau.EINVALID, "mission %d belongs to another organisation", add.MissionID)
			}
		}
		return db.insertObservers(ctx, c, []newObserver{{o: &add, orgName: org.Name,
			keys: people.DuplicateKeys(add.FullName, add.Personal)}}, byUserID, at)
	})
	if err != nil {
		return fmt.Errorf("store: create observer %q: %w", o.FullName, err)
	}
	if len(add.Languages) == 0 {
		add.Languages = o.Languages
	}
	*o = add
	return nil
}

func (db *DB) findObserver(ctx context.Context, what, where string, args ...any) (people.Observer, error) {
	o, err := scanObserver(db.reader().queryRow(ctx, "SELECT "+observerCols+" FROM observers o WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "observer not found")
	}
	if err != nil {
		return people.Observer{}, fmt.Errorf("store: find observer by %s: %w", what, err)
	}
	return o, nil
}

// Observer returns an observer by ID (ENOTFOUND if none).
func (db *DB) Observer(ctx context.Context, id int64) (people.Observer, error) {
	return db.findObserver(ctx, fmt.Sprintf("id %d", id), "o.id = $1", id)
}

// ObserverByNumber returns an observer by accreditation number, compared
// without case and surrounding spaces (ENOTFOUND if none).
func (db *DB) ObserverByNumber(ctx context.Context, number string) (people.Observer, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	return db.findObserver(ctx, fmt.Sprintf("number %q", number), "o.number = $1", number)
}

// Observers returns one page of observers matching q, ordered by name and
// ID, and the number of all matches. Search looks, without case, in the
// name, the accreditation number and the organisation's name only.
func (db *DB) Observers(ctx context.Context, q people.ObserverQuery) ([]people.Observer, int, error) {
	var args params
	from := "FROM observers o WHERE 1 = 1"
	if q.OrganizationID != 0 {
		from += " AND o.organization_id = " + args.add(q.OrganizationID)
	}
	if q.MissionID != 0 {
		from += " AND o.mission_id = " + args.add(q.MissionID)
	}
	if q.Kind != "" {
		from += " AND o.kind = " + args.add(string(q.Kind))
	}
	if q.Status != "" {
		from += " AND o.status = " + args.add(string(q.Status))
	}
	if q.Region != "" {
		from += " AND o.region = " + args.add(q.Region)
	}
	if q.Country != "" {
		from += " AND o.country = " + args.add(strings.ToUpper(q.Country))
	}
	if strings.TrimSpace(q.Search) != "" {
		from += " AND o.search_text LIKE " + args.add(likePattern(q.Search)) + ` ESCAPE '\'`
	}
	list, total, err := queryPage(ctx, db.reader(), func(sc rowScanner) (people.Observer, error) { return scanObserver(sc) },
		observerCols, from, "o.full_name, o.id", args, q.Limit, q.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list observers: %w", err)
	}
	return list, total, nil
}

// dupKeyBatch is how many keys one duplicate lookup carries.
const dupKeyBatch = 500

// FindDuplicates returns the existing observers who share one of keys
// (see people.DuplicateKeys), keyed by that key; when several do, the
// earliest registered.
func (db *DB) FindDuplicates(ctx context.Context, keys []string) (map[string]people.Observer, error) {
	// Keys computed with older rules are computed again first.
	current, err := dupKeysCurrent(ctx, db.reader())
	if err == nil && !current {
		err = db.inTx(ctx, func(c conn) error { return db.ensureDupKeys(ctx, c) })
	}
	var found map[string]people.Observer
	if err == nil {
		found, err = findDuplicates(ctx, db.reader(), keys)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find duplicate observers: %w", err)
	}
	return found, nil
}

func findDuplicates(ctx context.Context, c conn, keys []string) (map[string]people.Observer, error) {
	found := map[string]people.Observer{}
	for start := 0; start < len(keys); start += dupKeyBatch {
		batch := keys[start:min(start+dupKeyBatch, len(keys))]
		var args params
		in := make([]string, len(batch))
		for i, k := range batch {
			in[i] = args.add(k)
		}
		type hit struct {
			key string
			o   people.Observer
		}
		hits, err := queryAll(ctx, c, func(sc rowScanner) (hit, error) {
			var h hit
			o, err := scanObserver(sc, &h.key)
			h.o = o
			return h, err
		}, "SELECT "+observerCols+", k.key FROM observer_dup_keys k JOIN observers o ON o.id = k.observer_id WHERE k.key IN ("+
			strings.Join(in, ", ")+") ORDER BY o.id", args...)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if _, ok := found[h.key]; !ok {
				found[h.key] = h.o
			}
		}
	}
	return found, nil
}

// Transition moves an observer from t.From to t.To and records the step
// (At defaults to now); ECONFLICT if the observer is no longer in t.From,
// ENOTFOUND if it does not exist. Whether the step is allowed is for the
// caller to check (people.CheckTransition).
func (db *DB) Transition(ctx context.Context, t people.Transition) error {
	if t.At.IsZero() {
		t.At = now()
	}
	t.At = normTime(t.At)
	err := db.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, "UPDATE observers SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
			string(t.To), db.timeArg(t.At), t.ObserverID, string(t.From))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			if err := requireRow(ctx, c, fmt.Sprintf("observer %d", t.ObserverID),
				"SELECT 1 FROM observers WHERE id = $1", t.ObserverID); err != nil {
				return err
			}
			return baqylau.Errorf(baqylau.ECONFLICT, "the observer's status changed meanwhile")
		}
		return db.insertTransitions(ctx, c, []people.Transition{t})
	})
	if err != nil {
		return fmt.Errorf("store: move observer %d from %s to %s: %w", t.ObserverID, t.From, t.To, err)
	}
	return nil
}

// Transitions lists an observer's workflow steps, oldest first; empty
// when there is no such observer.
func (db *DB) Transitions(ctx context.Context, observerID int64) ([]people.Transition, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (people.Transition, error) {
		var t people.Transition
		var from, to string
		err := sc.Scan(&t.ID, &t.ObserverID, &from, &to, &t.Reason, nullIDScan{&t.ByUserID}, timeScan{&t.At})
		t.From, t.To = people.Status(from), people.Status(to)
		return t, err
	}, "SELECT id, observer_id, from_status, to_status, reason, by_user_id, at FROM observer_transitions WHERE observer_id = $1 ORDER BY id",
		observerID)
	if err != nil {
		return nil, fmt.Errorf("store: list transitions of observer %d: %w", observerID, err)
	}
	return list, nil
}

// SetObserverCredentials replaces an observer's credentials and clears its
// PIN failures (UpdatedAt defaults to now; an empty hash or token is
// stored as none). ENOTFOUND if the observer does not exist, ECONFLICT if
// another observer has the same login hash or verification token.
func (db *DB) SetObserverCredentials(ctx context.Context, observerID int64, cr people.Credentials) error {
	if cr.UpdatedAt.IsZero() {
		cr.UpdatedAt = now()
	}
	var login, verify any
	if len(cr.LoginHash) > 0 {
		login = cr.LoginHash
	}
	if cr.VerifyToken != "" {
		verify = cr.VerifyToken
	}
	err := db.inTx(ctx, func(c conn) error {
		if err := requireRow(ctx, c, fmt.Sprintf("observer %d", observerID),
			"SELECT 1 FROM observers WHERE id = $1"+db.forUpdate(), observerID); err != nil {
			return err
		}
		var other int64
		err := c.queryRow(ctx, "SELECT id FROM observers WHERE (login_hash = $1 OR verify_token = $2) AND id <> $3",
			login, verify, observerID).Scan(&other)
		if err == nil {
			return baqylau.Errorf(baqylau.ECONFLICT, "another observer has the same credentials")
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = c.exec(ctx, `UPDATE observers SET login_hash = $1, pin_hash = $2, verify_token = $3,
			credentials_updated_at = $4, pin_failures = 0 WHERE id = $5`,
			login, cr.PINHash, verify, db.timeArg(cr.UpdatedAt), observerID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set credentials of observer %d: %w", observerID, err)
	}
	return nil
}

// ObserverCredentials returns an observer's credentials, empty if none
// were set (ENOTFOUND if the observer does not exist).
func (db *DB) ObserverCredentials(ctx context.Context, observerID int64) (people.Credentials, error) {
	var cr people.Credentials
	var verify sql.NullString
	err := db.reader().queryRow(ctx, "SELECT login_hash, pin_hash, verify_token, credentials_updated_at FROM observers WHERE id = $1",
		observerID).Scan(&cr.LoginHash, &cr.PINHash, &verify, nullTimeScan{&cr.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", observerID)
	}
	if err != nil {
		return people.Credentials{}, fmt.Errorf("store: credentials of observer %d: %w", observerID, err)
	}
	cr.VerifyToken = verify.String
	return cr, nil
}

// ObserverByLoginHash returns the observer whose personal link token has
// this SHA-256 hash (ENOTFOUND if none).
func (db *DB) ObserverByLoginHash(ctx context.Context, hash []byte) (people.Observer, error) {
	if len(hash) == 0 {
		return people.Observer{}, fmt.Errorf("store: find observer by login: %w",
			baqylau.Errorf(baqylau.ENOTFOUND, "observer not found"))
	}
	return db.findObserver(ctx, "login", "o.login_hash = $1", hash)
}

// ObserverByVerifyToken returns the observer whose badge carries this
// verification token (ENOTFOUND if none).
func (db *DB) ObserverByVerifyToken(ctx context.Context, token string) (people.Observer, error) {
	if token == "" {
		return people.Observer{}, fmt.Errorf("store: find observer by verification token: %w",
			baqylau.Errorf(baqylau.ENOTFOUND, "observer not found"))
	}
	return db.findObserver(ctx, "verification token", "o.verify_token = $1", token)
}

// RecordPINFailure counts a wrong PIN and returns the failures since the
// last reset, in one statement so that concurrent failures all count
// (ENOTFOUND if the observer does not exist).
func (db *DB) RecordPINFailure(ctx context.Context, observerID int64) (int, error) {
	var n int
	err := db.writer().queryRow(ctx, "UPDATE observers SET pin_failures = pin_failures + 1 WHERE id = $1 RETURNING pin_failures",
		observerID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", observerID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: record a PIN failure of observer %d: %w", observerID, err)
	}
	return n, nil
}

// ResetPINFailures clears an observer's PIN failures (ENOTFOUND if the
// observer does not exist).
func (db *DB) ResetPINFailures(ctx context.Context, observerID int64) error {
	res, err := db.writer().exec(ctx, "UPDATE observers SET pin_failures = 0 WHERE id = $1", observerID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", observerID)
		}
	}
	if err != nil {
		return fmt.Errorf("store: reset PIN failures of observer %d: %w", observerID, err)
	}
	return nil
}

// SetObserverMission puts an observer in a mission (0: none) with a role
// (head, delegation head or member). The mission must belong to the
// observer's organisation.
func (db *DB) SetObserverMission(ctx context.Context, observerID, missionID int64, role string) error {
	err := db.inTx(ctx, func(c conn) error {
		var org int64
		err := c.queryRow(ctx, "SELECT organization_id FROM observers WHERE id = $1", observerID).Scan(&org)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", observerID)
		}
		if err != nil {
			return err
		}
		var mission any
		if missionID != 0 {
			var morg int64
			err := c.queryRow(ctx, "SELECT organization_id FROM missions WHERE id = $1", missionID).Scan(&morg)
			if errors.Is(err, sql.ErrNoRows) {
				return baqylau.Errorf(baqylau.EINVALID, "mission %d does not exist", missionID)
			}
			if err != nil {
				return err
			}
			if morg != org {
				return baqylau.Errorf(baqylau.EINVALID, "the mission belongs to another organisation")
			}
			mission = missionID
		} else {
			role = ""
		}
		_, err = c.exec(ctx, "UPDATE observers SET mission_id = $1, mission_role = $2, updated_at = $3 WHERE id = $4",
			mission, role, db.timeArg(now()), observerID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set mission of observer %d: %w", observerID, err)
	}
	return nil
}
