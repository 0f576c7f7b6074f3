package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
)

var _ report.Store = (*DB)(nil)

// reportCols are the columns SaveReports writes, in order; client_id comes
// first (see insertIdempotent).
var reportCols = []string{"client_id", "election_id", "station_code", "form", "form_version", "observer_id",
	"entered_by", "channel", "observed_at", "received_at", "answers", "flags", "receipt", "ballots_cast"}

// SaveReports stores a batch of reports in one transaction and returns
// their acks in the order of the batch. A report whose client id is
// already stored, or appears earlier in the batch, is not stored again:
// its ack says Duplicate and carries the first one's id, receipt and
// flags. Each new report's receipt is computed here (report.ReportReceipt)
// and its answers are kept as the canonical JSON the receipt covers. A
// zero ReceivedAt means now.
func (db *DB) SaveReports(ctx context.Context, batch []report.Report) ([]report.Ack, error) {
	if len(batch) == 0 {
		return []report.Ack{}, nil
	}
	received := now()
	receivedArg := db.timeArg(received)
	rows := make([][]any, 0, len(batch))
	cells := make([]any, 0, len(batch)*len(reportCols)) // the rows, end to end (see flatten)
	acks := make([]report.Ack, len(batch))
	ids := make([]string, len(batch))
	canonical := make([][]byte, len(batch)) // each report's canonical answers, for the log
	first := make([]int, len(batch))        // index of the first report with the same client id
	seen := make(map[string]int, len(batch))
	for i, r := range batch {
		ids[i] = r.ClientID
		if err := checkClientID(r.ClientID); err != nil {
			return nil, fmt.Errorf("store: save reports: report %d: %w", i+1, err)
		}
		if j, dup := seen[r.ClientID]; dup {
			first[i] = j
			continue
		}
		seen[r.ClientID], first[i] = i, i
		receipt, answers, err := report.ReportReceipt(r)
		if err != nil {
			return nil, fmt.Errorf("store: save reports: report %d (%s): %w", i+1, r.ClientID, err)
		}
		flags, err := flagsJSON(r.Flags)
		if err != nil {
			return nil, fmt.Errorf("store: save reports: report %d (%s): %w", i+1, r.ClientID, err)
		}
		rec := receivedArg // the batch's, written once
		if !r.ReceivedAt.IsZero() {
			rec = db.timeArg(r.ReceivedAt)
		}
		acks[i] = report.Ack{Receipt: receipt, Flags: r.Flags}
		canonical[i] = answers
		cells = append(cells, r.ClientID, r.ElectionID, r.StationCode, string(r.Form), r.FormVersion,
			nullID(r.ObserverID), nullID(r.EnteredBy), string(r.Channel), db.timeArg(r.ObservedAt),
			rec, string(answers), flags, receipt, ballotsCast(r))
		rows = append(rows, cells[len(cells)-len(reportCols):])
	}
	var settle func(ok bool)
	err := db.inTx(ctx, func(c conn) error {
		var err error
		if c.ingest, err = db.beginIngest(ctx, c); err != nil {
			return err
		}
		if err := insertIdempotent(ctx, c, "reports", reportCols, rows, ids, first, acks); err != nil {
			return err
		}
		if err := db.logReports(ctx, c, batch, canonical, acks, received); err != nil { // tamper-evident log (ledger.go)
			return err
		}
		if err := db.tallyReports(ctx, c, batch, acks); err != nil { // turnout sums, in the same transaction (tally.go)
			return err
		}
		settle, err = c.ingest.end(ctx, c)
		return err
	})
	if settle != nil {
		settle(err == nil) // the tally rows written are the database's once committed
	} else if err != nil {
		db.latest.reset()
	}
	if err != nil {
		return nil, fmt.Errorf("store: save %d reports: %w", len(batch), err)
	}
	return acks, nil
}

// ballotsCast is a turnout or closing report's cumulative count, or NULL.
func ballotsCast(r report.Report) any {
	if r.Form != report.Turnout && r.Form != report.Closing {
		return nil
	}
	raw := r.Answers[report.QBallotsCast]
	if n, ok := plainInt(raw); ok {
		return n
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil // not a whole number: flagged by the rules, not counted
	}
	return n
}

// plainInt reads a JSON number written as digits alone, with an optional
// minus sign (as nearly every count is), without encoding/json; false for
// anything else, which json.Unmarshal then decides.
func plainInt(raw []byte) (int64, bool) {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if len(digits) < len(raw) {
		n = -n
	}
	return n, true
}

// StationCounts returns the counts of a station's turnout and closing
// reports (those with a whole ballots_cast), oldest first.
func (db *DB) StationCounts(ctx context.Context, electionID int64, station string) ([]report.StationCount, error) {
	rows, err := db.hotReader().query(ctx, `SELECT id, form, observer_id, observed_at, ballots_cast FROM reports
		WHERE election_id = $1 AND station_code = $2 AND ballots_cast IS NOT NULL ORDER BY observed_at, id`, electionID, station)
	if err != nil {
		return nil, fmt.Errorf("store: counts of station %q: %w", station, err)
	}
	defer rows.Close()
	list := []report.StationCount{}
	for rows.Next() {
		var (
			c        report.StationCount
			form     string
			observer sql.NullInt64
			at       time.Time
		)
		if err := rows.Scan(&c.ID, &form, &observer, timeScan{&at}, &c.BallotsCast); err != nil {
			return nil, fmt.Errorf("store: counts of station %q: %w", station, err)
		}
		c.ObserverID, c.ObservedAt, c.Closing = observer.Int64, at.UnixNano(), report.FormCode(form) == report.Closing
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: counts of station %q: %w", station, err)
	}
	return list, nil
}

// insertIdempotent inserts rows into table, skipping those whose client id
// (the first column) exists, and completes acks: the ID of each new row,
// and for the others the stored ID, receipt and flags with Duplicate set.
// ids and first say which item each ack stands for: ids[i] is item i's
// client id and first[i] the index of the first item with that client id,
// the one that has a row.
func insertIdempotent(ctx context.Context, c conn, table string, cols []string, rows [][]any,
	ids []string, first []int, acks []report.Ack) error {
	var inserted map[string]int64
	var stored map[string]report.Ack
	var err error
	if c.dialect == SQLite {
		inserted, stored, err = insertNewSQLite(ctx, c, table, cols, rows)
	} else {
		inserted, stored, err = insertReturning(ctx, c, table, cols, rows, ids, first)
	}
	if err != nil {
		return err
	}
	for i, id := range ids {
		switch {
		case first[i] != i:
			// Filled below, once the first one's ack is complete.
		case inserted[id] != 0:
			acks[i].ID = inserted[id]
		default:
			a, ok := stored[id]
			if !ok {
				return fmt.Errorf("%s: client id %q neither inserted nor found", table, id)
			}
			acks[i] = a
		}
	}
	for i := range ids {
		if first[i] != i {
			acks[i] = acks[first[i]]
			acks[i].Duplicate = true
		}
	}
	return nil
}

// insertReturning inserts the rows whose client id is new and returns
// their ids, then reads the stored rows of the others (PostgreSQL: other
// transactions may insert the same client id meanwhile, and ON CONFLICT
// settles which one stores it).
func insertReturning(ctx context.Context, c conn, table string, cols []string, rows [][]any,
	ids []string, first []int) (map[string]int64, map[string]report.Ack, error) {
	inserted := make(map[string]int64, len(rows))
	for start := 0; start < len(rows); {
		n := chunkRows(c.dialect, len(rows)-start, saveParams/len(cols))
		chunk := rows[start : start+n]
		start += n
		if err := scanIDs(ctx, c, insertQuery(table, cols, len(chunk)), flatten(chunk, len(cols)), inserted); err != nil {
			return nil, nil, fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	// The rows not inserted clashed with stored ones: read those.
	var missing []string
	for i, id := range ids {
		if first[i] == i {
			if _, ok := inserted[id]; !ok {
				missing = append(missing, id)
			}
		}
	}
	stored, err := storedAcks(ctx, c, table, missing)
	return inserted, stored, err
}

// flatten lays rows of width values end to end, as one INSERT's arguments.
// Rows that already lie end to end in one array (as SaveReports makes
// them, when none was left out) are that array, not a copy.
func flatten(rows [][]any, width int) []any {
	if len(rows) == 0 {
		return nil
	}
	if all := rows[0][:0]; cap(all) >= len(rows)*width {
		all = all[:len(rows)*width]
		contiguous := true
		for i, r := range rows {
			if len(r) != width || &r[0] != &all[i*width] {
				contiguous = false
				break
			}
		}
		if contiguous {
			return all
		}
	}
	args := make([]any, 0, len(rows)*width)
	for _, r := range rows {
		args = append(args, r...)
	}
	return args
}

// insertNewSQLite inserts the rows whose client id is not stored yet and
// returns the ids given to them and the stored acks of the others. Each
// INSERT skips the rows whose client id is stored (ON CONFLICT DO
// NOTHING). The SQLite writer holds the database for the whole
// transaction, and the tables are AUTOINCREMENT (a new row's id is above
// any before), so an INSERT that takes every row of its chunk, as for
// nearly every batch, gives them consecutive ids in order, ending at the
// last insert rowid. Otherwise the stored rows of the chunk's client ids
// are read back: those with an id above the largest before the batch are
// its own, the others were stored before. This spares SQLite the
// temporary table of RETURNING, and this side a row to read back per
// report.
func insertNewSQLite(ctx context.Context, c conn, table string, cols []string, rows [][]any) (map[string]int64, map[string]report.Ack, error) {
	var before int64 // the largest id before the batch
	if err := c.queryRowPrepared(ctx, lastIDQuery(table)).Scan(&before); err != nil {
		return nil, nil, fmt.Errorf("read the last id of %s: %w", table, err)
	}
	inserted := make(map[string]int64, len(rows))
	var stored map[string]report.Ack
	for start := 0; start < len(rows); {
		n := chunkRows(c.dialect, len(rows)-start, saveParams/len(cols))
		chunk := rows[start : start+n]
		start += n
		res, err := c.execPrepared(ctx, newRowsInsertQuery(table, cols, n), flatten(chunk, len(cols))...)
		if err != nil {
			return nil, nil, fmt.Errorf("insert into %s: %w", table, err)
		}
		added, err := res.RowsAffected()
		if err != nil {
			return nil, nil, fmt.Errorf("insert into %s: %w", table, err)
		}
		if added == int64(n) {
			last, err := res.LastInsertId()
			if err != nil {
				return nil, nil, fmt.Errorf("insert into %s: %w", table, err)
			}
			for k, r := range chunk {
				inserted[r[0].(string)] = last - int64(n-1-k)
			}
			continue
		}
		clientIDs := make([]string, len(chunk))
		for i, r := range chunk {
			clientIDs[i] = r[0].(string)
		}
		found, err := storedAcksSQLite(ctx, c, table, clientIDs)
		if err != nil {
			return nil, nil, err
		}
		if stored == nil {
			stored = make(map[string]report.Ack, len(found))
		}
		mine := int64(0)
		for id, a := range found {
			if a.ID > before {
				a.Duplicate = false
				inserted[id] = a.ID // this INSERT's
				mine++
			} else {
				stored[id] = a
			}
		}
		if mine != added || len(found) != n {
			return nil, nil, fmt.Errorf("insert into %s: %d of %d rows inserted, but %d found, %d of them new", table, added, n, len(found), mine)
		}
	}
	return inserted, stored, nil
}

// lastIDQuery reads the largest id of table (0 when empty).
func lastIDQuery(table string) string { return "SELECT COALESCE(MAX(id), 0) FROM " + table }

// newRowsInsertQuery is the INSERT of n rows into table that skips those
// whose client id is stored.
func newRowsInsertQuery(table string, cols []string, n int) string {
	return cachedInsert(insertKey{table, "new", n}, func() string {
		return plainInsertQuery(table, cols, n) + " ON CONFLICT (client_id) DO NOTHING"
	})
}

// storedAcksQuery reads the stored rows of some client ids ($1: a JSON
// array), in one statement prepared once whatever their number.
func storedAcksQuery(table string) string {
	return "SELECT id, client_id, receipt, flags FROM " + table + " WHERE client_id IN (SELECT value FROM json_each($1))"
}

// storedAcksSQLite is storedAcks in one prepared statement.
func storedAcksSQLite(ctx context.Context, c conn, table string, clientIDs []string) (map[string]report.Ack, error) {
	list, err := json.Marshal(clientIDs)
	if err != nil {
		return nil, err
	}
	rows, err := c.queryPrepared(ctx, storedAcksQuery(table), string(list))
	if err != nil {
		return nil, fmt.Errorf("find stored %s: %w", table, err)
	}
	acks := map[string]report.Ack{}
	if err := scanStoredAcks(rows, table, acks); err != nil {
		return nil, fmt.Errorf("find stored %s: %w", table, err)
	}
	return acks, nil
}

// scanStoredAcks adds the acks of rows (id, client_id, receipt, flags) to
// acks by client id, with Duplicate set, and closes rows.
func scanStoredAcks(rows *sql.Rows, table string, acks map[string]report.Ack) error {
	defer rows.Close()
	for rows.Next() {
		var a report.Ack
		var clientID, flags string
		if err := rows.Scan(&a.ID, &clientID, &a.Receipt, &flags); err != nil {
			return err
		}
		var err error
		if a.Flags, err = parseFlags(flags); err != nil {
			return fmt.Errorf("%s %d: %w", table, a.ID, err)
		}
		a.Duplicate = true
		acks[clientID] = a
	}
	return rows.Err()
}

// plainInsertQuery is the INSERT of n rows into table without ON CONFLICT
// or RETURNING, for insertNewSQLite.
func plainInsertQuery(table string, cols []string, n int) string {
	return cachedInsert(insertKey{table, "plain", n}, func() string {
		return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + valueRows(n, len(cols), "")
	})
}

// sqliteChunks are the row counts of the INSERTs SQLite is given: fixed
// sizes, so that each is prepared once and reused (see conn.queryPrepared)
// instead of parsed for every batch. Powers of two write a batch of n rows
// in at most log2(n)+1 statements (63 rows: 6, where 128/32/8/1 took 11);
// each statement costs a bind, a reset and database/sql's bookkeeping.
var sqliteChunks = []int{128, 64, 32, 16, 8, 4, 2, 1}

// chunkRows says how many of the remaining rows the next INSERT takes.
func chunkRows(dialect string, remaining, most int) int {
	if dialect != SQLite {
		return min(remaining, most)
	}
	for _, n := range sqliteChunks {
		if n <= remaining && n <= most {
			return n
		}
	}
	return 1
}

// saveParams bounds the parameters of one INSERT of SaveReports and
// SaveIncidents: a little more than maxParams, so that a batch of 256
// reports (13 columns) is one statement.
const saveParams = 4000

// insertQueries caches the INSERTs built for a table and a number of rows
// (by insertKey), which a batch would otherwise build again each time.
var insertQueries sync.Map

// insertKey names a cached INSERT: its table, its kind, its rows.
type insertKey struct {
	table, kind string
	n           int
}

// cachedInsert returns the INSERT cached under key, built once by build.
func cachedInsert(key insertKey, build func() string) string {
	if q, ok := insertQueries.Load(key); ok {
		return q.(string)
	}
	q := build()
	insertQueries.Store(key, q)
	return q
}

// insertQuery returns an INSERT of n rows into table that skips rows whose
// client id exists and returns the id and client id of the rows inserted
// (in no promised order: they are matched by client id).
func insertQuery(table string, cols []string, n int) string {
	return cachedInsert(insertKey{table, "returning", n}, func() string {
		return plainInsertQuery(table, cols, n) + " ON CONFLICT (client_id) DO NOTHING RETURNING id, client_id"
	})
}

// scanIDs runs an INSERT ... RETURNING id, client_id and adds what it
// returns to ids.
func scanIDs(ctx context.Context, c conn, query string, args []any, ids map[string]int64) error {
	rows, err := c.queryPrepared(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var clientID string
		if err := rows.Scan(&id, &clientID); err != nil {
			return err
		}
		ids[clientID] = id
	}
	return rows.Err()
}

// storedAcks returns the acks of stored rows of table by client id, with
// Duplicate set.
func storedAcks(ctx context.Context, c conn, table string, clientIDs []string) (map[string]report.Ack, error) {
	acks := make(map[string]report.Ack, len(clientIDs))
	for start := 0; start < len(clientIDs); start += maxParams {
		chunk := clientIDs[start:min(start+maxParams, len(clientIDs))]
		var args params
		ph := make([]string, len(chunk))
		for i, id := range chunk {
			ph[i] = args.add(id)
		}
		rows, err := c.query(ctx, "SELECT id, client_id, receipt, flags FROM "+table+
			" WHERE client_id IN ("+strings.Join(ph, ", ")+")", args...)
		if err == nil {
			err = scanStoredAcks(rows, table, acks)
		}
		if err != nil {
			return nil, fmt.Errorf("find stored %s: %w", table, err)
		}
	}
	return acks, nil
}

// checkClientID refuses an empty or overlong client id.
func checkClientID(id string) error {
	if id == "" {
		return baqylau.Errorf(baqylau.EINVALID, "client id is required")
	}
	if len(id) > report.MaxClientID {
		return baqylau.Errorf(baqylau.EINVALID, "client id is longer than %d bytes", report.MaxClientID)
	}
	return nil
}

// nullID returns NULL for a zero id.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// flagsJSON encodes flags as a JSON array ("[]" when none).
func flagsJSON(flags []report.Flag) (string, error) {
	if len(flags) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(flags)
	if err != nil {
		return "", fmt.Errorf("flags: %w", err)
	}
	return string(b), nil
}

// parseFlags decodes a flags column (nil when none).
func parseFlags(s string) ([]report.Flag, error) {
	var flags []report.Flag
	if err := json.Unmarshal([]byte(s), &flags); err != nil {
		return nil, fmt.Errorf("bad flags: %w", err)
	}
	if len(flags) == 0 {
		return nil, nil
	}
	return flags, nil
}

const reportSelect = "SELECT id, client_id, election_id, station_code, form, form_version, observer_id, entered_by, " +
	"channel, observed_at, received_at, answers, flags, receipt FROM reports"

func scanReport(sc interface{ Scan(...any) error }) (report.Report, error) {
	var r report.Report
	var form, channel, answers, flags string
	var observer, enteredBy sql.NullInt64
	err := sc.Scan(&r.ID, &r.ClientID, &r.ElectionID, &r.StationCode, &form, &r.FormVersion, &observer, &enteredBy,
		&channel, timeScan{&r.ObservedAt}, timeScan{&r.ReceivedAt}, &answers, &flags, &r.Receipt)
	if err != nil {
		return r, err
	}
	r.Form, r.Channel = report.FormCode(form), report.Channel(channel)
	r.ObserverID, r.EnteredBy = observer.Int64, enteredBy.Int64
	if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
		return r, fmt.Errorf("report %d has bad answers: %w", r.ID, err)
	}
	if len(r.Answers) == 0 {
		r.Answers = nil
	}
	if r.Flags, err = parseFlags(flags); err != nil {
		return r, fmt.Errorf("report %d: %w", r.ID, err)
	}
	return r, nil
}

// Report returns one report (ENOTFOUND if none).
func (db *DB) Report(ctx context.Context, id int64) (report.Report, error) {
	r, err := scanReport(db.reader().queryRow(ctx, reportSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "report %d not found", id)
	}
	if err != nil {
		return report.Report{}, fmt.Errorf("store: find report %d: %w", id, err)
	}
	return r, nil
}

// StationReports lists a station's reports, oldest observation first (then
// in the order they arrived).
func (db *DB) StationReports(ctx context.Context, electionID int64, station string) ([]report.Report, error) {
	list, err := func() ([]report.Report, error) {
		rows, err := db.reader().query(ctx, reportSelect+" WHERE election_id = $1 AND station_code = $2 ORDER BY observed_at, id",
			electionID, station)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		list := []report.Report{}
		for rows.Next() {
			r, err := scanReport(rows)
			if err != nil {
				return nil, err
			}
			list = append(list, r)
		}
		return list, rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: list reports of station %q in election %d: %w", station, electionID, err)
	}
	return list, nil
}
