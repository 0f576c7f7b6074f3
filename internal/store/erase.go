package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
)

// Erasure of personal data. An observer erased keeps their row, id and
// number (reports, incidents and the public record refer to them) under a
// pseudonym; everything else that identifies them goes: name, e-mail,
// phone (and with it the phone lookup of the SMS channel), national id,
// birth date, photo, sign-in and badge credentials, Telegram links. Text
// that mentions them is scrubbed. Reports, their answers and receipts,
// incident categories and states stay as they were, so that every figure
// computed from them is unchanged. Each erasure is recorded in erasures.

// FindObserverForErasure finds an observer by id, number (OBS-000123) or
// e-mail, for baqylau erase --person.
func (db *DB) FindObserverForErasure(ctx context.Context, who string) (int64, error) {
	who = strings.TrimSpace(who)
	if id, err := strconv.ParseInt(who, 10, 64); err == nil {
		return id, nil
	}
	var id int64
	err := db.reader().queryRow(ctx, "SELECT id FROM observers WHERE number = $1 OR (email <> '' AND lower(email) = lower($2)) ORDER BY id LIMIT 1",
		strings.ToUpper(who), who).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, baqylau.Errorf(baqylau.ENOTFOUND, "no observer has the number or e-mail given")
	}
	if err != nil {
		return 0, fmt.Errorf("store: find observer to erase: %w", err)
	}
	return id, nil
}

// ErasePerson erases one observer's personal data and the mentions of
// them in incidents, decisions, messages and complaints, at their request;
// by names the operator who ran it, for the record.
func (db *DB) ErasePerson(ctx context.Context, observerID int64, by string) (people.Erasure, error) {
	e := people.Erasure{Scope: people.ScopePerson, ObserverID: observerID, By: by, Counts: map[string]int{}, At: now()}
	err := db.inTx(ctx, func(c conn) error {
		if err := db.eraseObserver(ctx, c, observerID, e.Counts, true); err != nil {
			return err
		}
		return db.recordErasure(ctx, c, &e)
	})
	if err != nil {
		return people.Erasure{}, fmt.Errorf("store: erase observer %d: %w", observerID, err)
	}
	return e, nil
}

// EraseElection ends the retention period of an election: the personal
// data of its observers (those assigned to it or in its missions, unless
// another election still within retention needs them) is erased, and so is
// the free text of its incidents that HQ did not mark as publishable
// (descriptions, decision notes, messages to observers, complaints), where
// voters and other people are named. Evidence files are emptied; their
// hashes stay. retention is how long after election day data is kept;
// an election still within it is refused.
func (db *DB) EraseElection(ctx context.Context, electionID int64, retention time.Duration, by string) (people.Erasure, error) {
	e := people.Erasure{Scope: people.ScopeElection, ElectionID: electionID, By: by, Counts: map[string]int{}, At: now()}
	var day string
	if err := db.reader().queryRow(ctx, "SELECT day FROM elections WHERE id = $1", electionID).Scan(&day); errors.Is(err, sql.ErrNoRows) {
		return e, baqylau.Errorf(baqylau.ENOTFOUND, "election %d not found", electionID)
	} else if err != nil {
		return e, fmt.Errorf("store: erase election %d: %w", electionID, err)
	}
	if ends, ok := retentionEnds(day, retention); !ok || e.At.Before(ends) {
		return e, baqylau.Errorf(baqylau.ECONFLICT, "election %d (%s) is within its retention period until %s", electionID, day, ends.Format(time.DateOnly))
	}
	err := db.inTx(ctx, func(c conn) error {
		ids, err := db.electionOnlyObservers(ctx, c, electionID, retention, e.At)
		if err != nil {
			return err
		}
		for _, id := range ids {
			// Mentions of each in the text of other elections stay: that
			// text is erased with its own election, or on request.
			if err := db.eraseObserver(ctx, c, id, e.Counts, false); err != nil {
				return err
			}
		}
		e.Counts["observers"] = len(ids)
		unpublished := `SELECT i.id FROM incidents i LEFT JOIN incident_publication p ON p.incident_id = i.id
			WHERE i.election_id = $1 AND (p.publishable IS NULL OR p.publishable <> $3)`
		ofElection := `SELECT id FROM incidents WHERE election_id = $1`
		mark := people.ErasedMark
		steps := []struct {
			table, query string
			args         []any
		}{
			{"incidents", `UPDATE incidents SET description = $2 WHERE description <> '' AND description <> $2 AND id IN (` + unpublished + `)`,
				[]any{electionID, mark, true}},
			{"incident_decisions", `UPDATE incident_decisions SET note = CASE WHEN note = '' THEN '' ELSE $2 END, message = CASE WHEN message = '' THEN '' ELSE $2 END
				WHERE (note NOT IN ('', $2) OR message NOT IN ('', $2)) AND incident_id IN (` + ofElection + `)`, []any{electionID, mark}},
			{"observer_messages", `UPDATE observer_messages SET body = $2 WHERE body <> $2 AND incident_id IN (` + ofElection + `)`, []any{electionID, mark}},
			{"complaints", `UPDATE complaints SET complainant = '', facts = $2 WHERE (complainant <> '' OR facts <> $2) AND incident_id IN (` + ofElection + `)`, []any{electionID, mark}},
			// The files go; their size and hashes stay, as the record
			// that they existed.
			{"evidence", `UPDATE evidence SET data = substr(data, 1, 0) WHERE length(data) > 0 AND incident_id IN (` + ofElection + `)`, []any{electionID}},
		}
		for _, s := range steps {
			res, err := c.exec(ctx, s.query, s.args...)
			if err != nil {
				return fmt.Errorf("%s: %w", s.table, err)
			}
			n, _ := res.RowsAffected()
			e.Counts[s.table] += int(n)
		}
		n, err := db.eraseTextAnswers(ctx, c, electionID)
		if err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		e.Counts["reports"] = n
		return db.recordErasure(ctx, c, &e)
	})
	if err != nil {
		return people.Erasure{}, fmt.Errorf("store: erase election %d: %w", electionID, err)
	}
	return e, nil
}

// retentionEnds is when the retention of an election held on day ends.
func retentionEnds(day string, retention time.Duration) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil || retention < 0 {
		return time.Time{}, false
	}
	// The day ends in every time zone by 14:00 UTC the next day.
	return d.Add(38 * time.Hour).Add(retention), true
}

// electionOnlyObservers returns the observers assigned to the election or
// in its missions who are not needed by another election still within its
// retention period, and are not erased yet.
func (db *DB) electionOnlyObservers(ctx context.Context, c conn, electionID int64, retention time.Duration, at time.Time) ([]int64, error) {
	rows, err := c.query(ctx, `SELECT o.id, e.day FROM observers o
		JOIN (SELECT observer_id, election_id FROM assignments
		      UNION SELECT o2.id, m.election_id FROM observers o2 JOIN missions m ON m.id = o2.mission_id) l ON l.observer_id = o.id
		JOIN elections e ON e.id = l.election_id
		WHERE o.id IN (SELECT observer_id FROM assignments WHERE election_id = $1
		               UNION SELECT o3.id FROM observers o3 JOIN missions m3 ON m3.id = o3.mission_id WHERE m3.election_id = $1)
		  AND o.full_name NOT LIKE '[erased %'`, electionID)
	if err != nil {
		return nil, fmt.Errorf("observers of election %d: %w", electionID, err)
	}
	defer rows.Close()
	keep := map[int64]bool{}
	var order []int64
	for rows.Next() {
		var id int64
		var day string
		if err := rows.Scan(&id, &day); err != nil {
			return nil, err
		}
		if _, seen := keep[id]; !seen {
			keep[id] = false
			order = append(order, id)
		}
		if ends, ok := retentionEnds(day, retention); ok && at.Before(ends) {
			keep[id] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ids []int64
	for _, id := range order {
		if !keep[id] {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// eraseObserver pseudonymises an observer and, if scrub, replaces the
// mentions of them in free text with a mark.
func (db *DB) eraseObserver(ctx context.Context, c conn, id int64, counts map[string]int, scrub bool) error {
	var number, name, email, phone string
	err := c.queryRow(ctx, "SELECT COALESCE(number, ''), full_name, email, phone FROM observers WHERE id = $1"+db.forUpdate(), id).Scan(&number, &name, &email, &phone)
	if errors.Is(err, sql.ErrNoRows) {
		return baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", id)
	}
	if err != nil {
		return err
	}
	if number == "" {
		number = "#" + strconv.FormatInt(id, 10)
	}
	at := now()
	_, err = c.exec(ctx, `UPDATE observers SET full_name = $2, search_text = $3, email = '', phone = '', national_id = '', birth_date = NULL,
		login_hash = NULL, pin_hash = '', verify_token = NULL, pin_failures = 0, credentials_updated_at = $4, valid_until = $4, updated_at = $4
		WHERE id = $1`, id, people.ErasedName(number), strings.ToLower(number), db.timeArg(at))
	if err != nil {
		return fmt.Errorf("observers: %w", err)
	}
	counts["observers"]++
	for _, table := range []string{"observer_dup_keys", "observer_photos", "telegram_links", "telegram_codes"} {
		res, err := c.exec(ctx, "DELETE FROM "+table+" WHERE observer_id = $1", id)
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		counts[table] += int(n)
	}
	if email != "" {
		res, err := c.exec(ctx, "UPDATE accreditation_requests SET full_name = $2, email = '', phone = '' WHERE lower(email) = lower($1)", email, people.ErasedMark)
		if err != nil {
			return fmt.Errorf("accreditation_requests: %w", err)
		}
		n, _ := res.RowsAffected()
		counts["accreditation_requests"] += int(n)
	}
	if !scrub {
		return nil
	}
	m := people.NewMentions(name, email, phone)
	for _, t := range []struct{ table, cols string }{
		{"incidents", "description"},
		{"incident_decisions", "note, message"},
		{"observer_messages", "body"},
		{"complaints", "complainant, facts"},
	} {
		n, err := scrubTable(ctx, c, t.table, strings.Split(t.cols, ", "), m)
		if err != nil {
			return fmt.Errorf("%s: %w", t.table, err)
		}
		counts[t.table] += n
	}
	n, err := db.scrubAnswers(ctx, c, m)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	counts["reports"] += n
	return nil
}

// scrubAnswers replaces the mentions in the text answers of reports (the
// comments of each form). Reports are many: the database first finds the
// candidates with LIKE; only their string answers change, never a figure.
func (db *DB) scrubAnswers(ctx context.Context, c conn, m *people.Mentions) (int, error) {
	if m == nil {
		return 0, nil
	}
	var where []string
	var args []any
	for _, n := range m.Needles() {
		args = append(args, "%"+likeEscape(n)+"%")
		where = append(where, "answers LIKE $"+strconv.Itoa(len(args))+` ESCAPE '\'`)
	}
	return db.rewriteAnswers(ctx, c, "SELECT id, answers FROM reports WHERE "+strings.Join(where, " OR "), args, func(s string) string {
		out, _ := m.Scrub(s)
		return out
	})
}

// eraseTextAnswers replaces every free-text answer of an election's
// reports with the mark: answers to questions of a kind that identifies
// no one (numbers, yes/no, choices, times, votes; what open data
// publishes) stay.
func (db *DB) eraseTextAnswers(ctx context.Context, c conn, electionID int64) (int, error) {
	return db.rewriteAnswers(ctx, c, "SELECT id, answers FROM reports WHERE election_id = $1", []any{electionID}, func(string) string {
		return people.ErasedMark
	})
}

// rewriteAnswers passes every string answer (but those of kinds open data
// publishes, by the shipped forms) of the reports query finds through f,
// and stores the answers that changed, canonical as at ingestion.
func (db *DB) rewriteAnswers(ctx context.Context, c conn, query string, args []any, f func(string) string) (int, error) {
	type change struct {
		id      int64
		answers []byte
	}
	var changes []change
	rows, err := c.query(ctx, strings.Replace(query, "SELECT id, answers", "SELECT id, form, answers", 1), args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id int64
		var form, raw string
		if err := rows.Scan(&id, &form, &raw); err != nil {
			rows.Close()
			return 0, err
		}
		var answers map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &answers); err != nil {
			continue // not ours to repair
		}
		shipped, _ := report.DefaultForm(report.FormCode(form))
		changed := false
		for k, v := range answers {
			var text string
			if json.Unmarshal(v, &text) != nil {
				continue // numbers, booleans, votes: never text
			}
			if q, ok := shipped.Question(k); ok && q.Kind != report.KindText {
				continue // a choice or a time
			}
			if out := f(text); out != text {
				b, err := json.Marshal(out)
				if err != nil {
					rows.Close()
					return 0, err
				}
				answers[k], changed = b, true
			}
		}
		if changed {
			b, err := report.CanonicalAnswers(answers)
			if err != nil {
				rows.Close()
				return 0, err
			}
			changes = append(changes, change{id, b})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, ch := range changes {
		if _, err := c.exec(ctx, "UPDATE reports SET answers = $2 WHERE id = $1", ch.id, string(ch.answers)); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

// likeEscape escapes LIKE's wildcards with a backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// scrubTable replaces the mentions in the given text columns of every row
// of table. It reads the whole table: erasures are rare and run from the
// command line.
func scrubTable(ctx context.Context, c conn, table string, cols []string, m *people.Mentions) (int, error) {
	rows, err := c.query(ctx, "SELECT id, "+strings.Join(cols, ", ")+" FROM "+table)
	if err != nil {
		return 0, err
	}
	type change struct {
		id   int64
		vals []any
	}
	var changes []change
	for rows.Next() {
		vals := make([]string, len(cols))
		dest := []any{new(int64)}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, err
		}
		ch := change{id: *dest[0].(*int64)}
		changed := false
		for _, v := range vals {
			s, ok := m.Scrub(v)
			changed = changed || ok
			ch.vals = append(ch.vals, s)
		}
		if changed {
			changes = append(changes, ch)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var set []string
	for i, col := range cols {
		set = append(set, col+" = $"+strconv.Itoa(i+2))
	}
	q := "UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE id = $1"
	for _, ch := range changes {
		if _, err := c.exec(ctx, q, append([]any{ch.id}, ch.vals...)...); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

func (db *DB) recordErasure(ctx context.Context, c conn, e *people.Erasure) error {
	if err := db.shredErasedSalts(ctx, c); err != nil { // tamper-evident log (ledger_verify.go)
		return err
	}
	counts, err := json.Marshal(e.Counts)
	if err != nil {
		return err
	}
	var observer, election any
	if e.ObserverID != 0 {
		observer = e.ObserverID
	}
	if e.ElectionID != 0 {
		election = e.ElectionID
	}
	return c.queryRow(ctx, "INSERT INTO erasures (scope, observer_id, election_id, by_whom, counts, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		string(e.Scope), observer, election, e.By, string(counts), db.timeArg(e.At)).Scan(&e.ID)
}

// Erasures returns the record of erasures, newest first.
func (db *DB) Erasures(ctx context.Context, limit int) ([]people.Erasure, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (people.Erasure, error) {
		var e people.Erasure
		var scope, counts string
		var observer, election sql.NullInt64
		if err := sc.Scan(&e.ID, &scope, &observer, &election, &e.By, &counts, timeScan{&e.At}); err != nil {
			return e, err
		}
		e.Scope, e.ObserverID, e.ElectionID = people.ErasureScope(scope), observer.Int64, election.Int64
		return e, json.Unmarshal([]byte(counts), &e.Counts)
	}, "SELECT id, scope, observer_id, election_id, by_whom, counts, at FROM erasures ORDER BY id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("store: erasures: %w", err)
	}
	return list, nil
}
