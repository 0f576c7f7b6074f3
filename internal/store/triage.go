package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// The triage store: the state of incidents in the HQ queues (columns
// added to incidents by migration 0006), decisions, the observers'
// outbox, complaints and the append-only audit trail. DB implements
// triage.Store.
var _ triage.Store = (*DB)(nil)

// caseSelect reads an incident's columns (as incidentSelect, in its
// order) followed by its triage columns (as scanCase expects).
var caseSelect = strings.TrimSuffix(incidentSelect, " FROM incidents") +
	", version, claimed_by, claimed_at, first_response_at, escalated, duplicate_of, changed_at FROM incidents"

// extraScan appends destinations to a scan, so that scanIncident reads
// the incident's own columns and the rest land in extra.
type extraScan struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

func scanCase(sc interface{ Scan(...any) error }) (triage.Case, error) {
	var c triage.Case
	var claimedBy, duplicateOf sql.NullInt64
	in, err := scanIncident(extraScan{sc, []any{&c.Version, &claimedBy, nullTimeScan{&c.ClaimedAt},
		nullTimeScan{&c.FirstResponseAt}, &c.Escalated, &duplicateOf, nullTimeScan{&c.ChangedAt}}})
	if err != nil {
		return c, err
	}
	c.IncidentReport, c.ClaimedBy, c.DuplicateOf = in, claimedBy.Int64, duplicateOf.Int64
	return c, nil
}

func queryCases(ctx context.Context, c conn, query string, args ...any) ([]triage.Case, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []triage.Case{}
	for rows.Next() {
		cs, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, cs)
	}
	return list, rows.Err()
}

// Case returns one incident with its triage state (ENOTFOUND if none).
func (db *DB) Case(ctx context.Context, id int64) (triage.Case, error) {
	return db.caseOn(ctx, db.reader(), id)
}

func (db *DB) caseOn(ctx context.Context, c conn, id int64) (triage.Case, error) {
	cs, err := scanCase(c.queryRow(ctx, caseSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "incident %d not found", id)
	}
	if err != nil {
		return triage.Case{}, fmt.Errorf("store: find incident %d: %w", id, err)
	}
	return cs, nil
}

// caseOrder puts the most urgent first: waiting before handled, then by
// severity, then the oldest.
const caseOrder = " ORDER BY CASE status WHEN 'new' THEN 0 WHEN 'claimed' THEN 1 WHEN 'escalated' THEN 2 ELSE 3 END," +
	" CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, received_at, id"

// Cases returns one page of the incidents matching q, the most urgent
// first, and how many match in all. The page holds 50 unless q.Limit says
// otherwise, and at most 500.
func (db *DB) Cases(ctx context.Context, q triage.Query) ([]triage.Case, int, error) {
	var args params
	where := " WHERE 1 = 1"
	if q.ElectionID != 0 {
		where += " AND election_id = " + args.add(q.ElectionID)
	}
	if q.Region != "" {
		where += " AND region = " + args.add(q.Region)
	}
	if q.Status != "" {
		where += " AND status = " + args.add(string(q.Status))
	}
	if q.Severity != "" {
		where += " AND severity = " + args.add(string(q.Severity))
	}
	if q.Station != "" {
		where += " AND station_code = " + args.add(q.Station)
	}
	if q.Escalated != nil {
		where += " AND escalated = " + args.add(*q.Escalated)
	}
	if q.Open {
		where += " AND status IN ('new', 'claimed')"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	c := db.reader()
	var total int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM incidents"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count cases: %w", err)
	}
	page := append(params{}, args...)
	list, err := queryCases(ctx, c, caseSelect+where+caseOrder+" LIMIT "+page.add(limit)+" OFFSET "+page.add(max(q.Offset, 0)), page...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list cases: %w", err)
	}
	return list, total, nil
}

// ChangedSince lists the incidents received or changed after t, oldest
// change first: how a live stream catches up after a reconnect.
func (db *DB) ChangedSince(ctx context.Context, t time.Time, region string, limit int) ([]triage.Case, error) {
	var args params
	since := args.add(db.timeArg(t))
	where := " WHERE (received_at > " + since + " OR changed_at > " + since + ")"
	if region != "" {
		where += " AND region = " + args.add(region)
	}
	list, err := queryCases(ctx, db.reader(), caseSelect+where+" ORDER BY COALESCE(changed_at, received_at), id LIMIT "+args.add(max(limit, 1)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: incidents changed since %s: %w", t.Format(time.RFC3339), err)
	}
	return list, nil
}

// errStale says an UPDATE found the row at another version.
var errStale = errors.New("stale version")

// Apply makes a triage change in one transaction (see triage.Store). On
// success ch.After carries the new version and change time, and the
// decision and message their ids.
func (db *DB) Apply(ctx context.Context, ch *triage.Change) error {
	at := now()
	after := ch.After
	after.Version, after.ChangedAt = ch.Before.Version+1, at
	before, err := json.Marshal(ch.Before.State())
	if err != nil {
		return fmt.Errorf("store: apply %s to incident %d: %w", ch.Action, ch.Before.ID, err)
	}
	afterJSON, err := json.Marshal(after.State())
	if err != nil {
		return fmt.Errorf("store: apply %s to incident %d: %w", ch.Action, ch.Before.ID, err)
	}
	var decisionID, messageID int64
	err = db.inTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `UPDATE incidents SET status = $1, claimed_by = $2, claimed_at = $3, first_response_at = $4,
			escalated = $5, duplicate_of = $6, changed_at = $7, version = version + 1 WHERE id = $8 AND version = $9`,
			string(after.Status), nullID(after.ClaimedBy), db.nullTimeArg(after.ClaimedAt), db.nullTimeArg(after.FirstResponseAt),
			after.Escalated, nullID(after.DuplicateOf), db.timeArg(at), ch.Before.ID, ch.Before.Version)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return errStale
		}
		if d := ch.Decision; d != nil {
			err := c.queryRow(ctx, `INSERT INTO incident_decisions (incident_id, action, note, message, duplicate_of, decided_by, decided_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, ch.Before.ID, string(d.Action), d.Note, d.Message,
				nullID(d.DuplicateOf), d.By, db.timeArg(at)).Scan(&decisionID)
			if err != nil {
				return fmt.Errorf("decision: %w", err)
			}
		}
		if m := ch.Message; m != nil {
			err := c.queryRow(ctx, `INSERT INTO observer_messages (incident_id, observer_id, channel, body, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, ch.Before.ID, m.ObserverID, string(m.Channel), m.Body,
				m.CreatedBy, db.timeArg(at)).Scan(&messageID)
			if err != nil {
				return fmt.Errorf("observer message: %w", err)
			}
		}
		if err := db.logDecision(ctx, c, ch.Before.ID, ch.Decision, decisionID, at); err != nil { // tamper-evident log (ledger.go)
			return err
		}
		return db.audit(ctx, c, ch.Before.ID, ch.By, ch.Action, before, afterJSON, at)
	})
	if errors.Is(err, errStale) {
		cur, cerr := db.Case(ctx, ch.Before.ID)
		if cerr != nil {
			return fmt.Errorf("store: apply %s to incident %d: %w", ch.Action, ch.Before.ID, cerr)
		}
		return triage.Conflict(cur, db.whatHappened(ctx, cur))
	}
	if err != nil {
		return fmt.Errorf("store: apply %s to incident %d: %w", ch.Action, ch.Before.ID, err)
	}
	ch.After = after
	if ch.Decision != nil {
		ch.Decision.ID, ch.Decision.At = decisionID, at
	}
	if ch.Message != nil {
		ch.Message.ID, ch.Message.CreatedAt = messageID, at
	}
	return nil
}

// whatHappened tells the loser of a race what the winner did.
func (db *DB) whatHappened(ctx context.Context, cur triage.Case) string {
	var action string
	var who sql.NullString
	var at time.Time
	err := db.reader().queryRow(ctx, `SELECT a.action, u.email, a.at FROM incident_audit a LEFT JOIN users u ON u.id = a.user_id
		WHERE a.incident_id = $1 ORDER BY a.id DESC LIMIT 1`, cur.ID).Scan(&action, &who, timeScan{&at})
	if err != nil {
		return "" // the generic message says enough
	}
	return fmt.Sprintf("incident %d was changed meanwhile: %s by %s at %s; it is now %s (version %d)",
		cur.ID, action, who.String, at.UTC().Format(time.RFC3339), cur.Status, cur.Version)
}

// audit appends an entry to the audit trail. There is no other write to
// incident_audit: never UPDATE or DELETE it (the triggers refuse).
func (db *DB) audit(ctx context.Context, c conn, incidentID, by int64, action string, before, after []byte, at time.Time) error {
	_, err := c.exec(ctx, "INSERT INTO incident_audit (incident_id, user_id, action, before, after, at) VALUES ($1, $2, $3, $4, $5, $6)",
		incidentID, nullID(by), action, string(before), string(after), db.timeArg(at))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Audit lists an incident's audit trail, oldest first.
func (db *DB) Audit(ctx context.Context, incidentID int64) ([]triage.AuditEntry, error) {
	list, err := func() ([]triage.AuditEntry, error) {
		rows, err := db.reader().query(ctx, "SELECT id, incident_id, user_id, action, before, after, at FROM incident_audit WHERE incident_id = $1 ORDER BY id", incidentID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []triage.AuditEntry{}
		for rows.Next() {
			var e triage.AuditEntry
			var user sql.NullInt64
			var before, after string
			if err := rows.Scan(&e.ID, &e.IncidentID, &user, &e.Action, &before, &after, timeScan{&e.At}); err != nil {
				return nil, err
			}
			e.UserID, e.Before, e.After = user.Int64, json.RawMessage(before), json.RawMessage(after)
			list = append(list, e)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: audit of incident %d: %w", incidentID, err)
	}
	return list, nil
}

// Decisions lists an incident's decisions, oldest first.
func (db *DB) Decisions(ctx context.Context, incidentID int64) ([]triage.Decision, error) {
	list, err := func() ([]triage.Decision, error) {
		rows, err := db.reader().query(ctx, `SELECT id, incident_id, action, note, message, duplicate_of, decided_by, decided_at
			FROM incident_decisions WHERE incident_id = $1 ORDER BY id`, incidentID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []triage.Decision{}
		for rows.Next() {
			var d triage.Decision
			var action string
			var dup sql.NullInt64
			if err := rows.Scan(&d.ID, &d.IncidentID, &action, &d.Note, &d.Message, &dup, &d.By, timeScan{&d.At}); err != nil {
				return nil, err
			}
			d.Action, d.DuplicateOf = triage.Action(action), dup.Int64
			list = append(list, d)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: decisions on incident %d: %w", incidentID, err)
	}
	return list, nil
}

// ObserverMessages lists the messages to the observer of an incident,
// oldest first.
func (db *DB) ObserverMessages(ctx context.Context, incidentID int64) ([]triage.ObserverMessage, error) {
	list, err := func() ([]triage.ObserverMessage, error) {
		rows, err := db.reader().query(ctx, `SELECT id, incident_id, observer_id, channel, body, created_by, created_at, delivered_at
			FROM observer_messages WHERE incident_id = $1 ORDER BY id`, incidentID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []triage.ObserverMessage{}
		for rows.Next() {
			var m triage.ObserverMessage
			var ch string
			if err := rows.Scan(&m.ID, &m.IncidentID, &m.ObserverID, &ch, &m.Body, &m.CreatedBy, timeScan{&m.CreatedAt}, nullTimeScan{&m.DeliveredAt}); err != nil {
				return nil, err
			}
			m.Channel = report.Channel(ch)
			list = append(list, m)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: messages on incident %d: %w", incidentID, err)
	}
	return list, nil
}

// ResponseTimes returns, per region, the times to first response and the
// incidents still waiting, leaving out merged duplicates.
func (db *DB) ResponseTimes(ctx context.Context, electionID int64) (map[string]triage.RegionTimes, error) {
	var args params
	where := " WHERE duplicate_of IS NULL"
	if electionID != 0 {
		where += " AND election_id = " + args.add(electionID)
	}
	out := map[string]triage.RegionTimes{}
	err := func() error {
		rows, err := db.reader().query(ctx, "SELECT region, severity, received_at, first_response_at FROM incidents"+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var region, sev string
			var received, first time.Time
			if err := rows.Scan(&region, &sev, timeScan{&received}, nullTimeScan{&first}); err != nil {
				return err
			}
			rt := out[region]
			if first.IsZero() {
				rt.Waiting = append(rt.Waiting, triage.Waiting{Severity: report.Severity(sev), ReceivedAt: received})
			} else {
				rt.Responded = append(rt.Responded, max(first.Sub(received), 0))
			}
			out[region] = rt
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: response times: %w", err)
	}
	return out, nil
}
