// Package store keeps Baqylau's data in SQLite (a file, the default) or in
// PostgreSQL (a postgres:// URL). Both engines run the same SQL, written once
// with $N placeholders; the few differences between them (placeholders, time
// columns, row locks, column types) live in this file and in the migrations.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baqylau/baqylau/internal/report"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// The dialects a DB speaks, as Dialect reports them.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is a Baqylau database on SQLite or PostgreSQL. It implements
// election.Store and auth.Store and is safe for concurrent use.
type DB struct {
	dialect string
	// write takes every write. On SQLite it holds a single connection, so
	// writers queue in Go instead of fighting over the file lock.
	write *sql.DB
	// read takes read-only queries: a pool of query-only connections on
	// SQLite (WAL lets them read while the writer writes), write on PostgreSQL.
	read     *sql.DB
	sessions *SessionStore
	// path is the SQLite file, for backups.
	path string
	// stmts keeps statements prepared on the SQLite writer, by query text,
	// for the hot path of ingestion: SQLite otherwise parses every INSERT
	// anew. (pgx caches prepared statements by itself.)
	stmts sync.Map
	// readStmts keeps statements prepared on the SQLite readers, by query
	// text, for the reads a report makes when this node's caches have
	// expired (hotReader); database/sql prepares each on a connection when
	// it is first used there.
	readStmts sync.Map
	// noLedger turns the tamper-evident log off (SetLedger, ledger.go).
	noLedger atomic.Bool
	// receiptsEvery, when set, replaces defaultReceiptBatch (tests).
	receiptsEvery atomic.Int64
	// latest keeps the tally rows of the stations ingestion wrote last
	// (tally_cache.go).
	latest latestCache
}

// Open opens the database named by dsn and brings its schema up to date. A
// dsn starting with postgres:// or postgresql:// is a PostgreSQL URL;
// anything else is the path of a SQLite file, created if missing (not
// ":memory:": the writer and the readers must share one file).
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = Postgres
		db.write, err = sql.Open("pgx", dsn)
		if err == nil {
			// Several nodes share one server (100 connections by default).
			db.write.SetMaxOpenConns(16)
			db.write.SetMaxIdleConns(16)
			db.write.SetConnMaxIdleTime(5 * time.Minute)
		}
		db.read = db.write
	} else {
		db.dialect = SQLite
		err = db.openSQLite(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", db.dialect, err)
	}
	db.sessions = &SessionStore{db: db}
	if err := db.firstPing(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if err := db.prepareHot(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

// openSQLite opens the writer and the reader pool on one file. Pragmas go in
// the DSN so that every new connection gets them; busy_timeout comes first
// so that the pragmas after it wait for a lock instead of failing.
//
// synchronous is FULL, not NORMAL: in WAL mode NORMAL may lose the last
// transactions on power loss, and a report is acknowledged to an observer
// only after its commit, so an acknowledged report must survive a crash.
// Batched writes make the extra fsync per commit affordable.
//
// The writer keeps its statement journals in memory (temp_store): a batch
// INSERT of many reports needs one, and SQLite would otherwise spill it to
// a temporary file once it passes 64 KiB, a write system call per page.
// Its page cache is 8 MiB rather than 2, so that a batch's dirty pages
// (a few hundred, scattered over the indexes) and the indexes' interior
// pages stay in memory until commit; not more, because SQLite walks the
// whole cache at the end of every transaction that split an index page
// (balance_nonroot moves a page through a page number past 1 GiB, and
// pcache1Truncate then scans every cached page): 32 MiB cost 2 % more CPU
// per report (docs/benchmarks.md), and on a large database the leaves a
// batch touches are mostly not cached at either size.
//
// The writer begins every transaction IMMEDIATE: a deferred transaction that
// reads first and writes later cannot be retried by busy_timeout and fails
// with SQLITE_BUSY when another process holds the lock.
func (db *DB) openSQLite(path string) error {
	if path == "" || path == ":memory:" || strings.Contains(path, "mode=memory") {
		return errors.New("a SQLite database must be a file (readers and the writer share it)")
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	const common = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", path+sep+common+"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-8192)&_txlock=immediate")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	r, err := sql.Open("sqlite", path+sep+common+"&_query_only=1")
	if err != nil {
		return errors.Join(err, w.Close())
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.write, db.read, db.path = w, r, path
	return nil
}

// firstPing connects for the first time. On a new SQLite file, switching
// it to WAL takes a lock that the busy handler does not wait for, so when
// several processes open the same new file at once one may be told
// "database is locked": it tries again for a few seconds.
func (db *DB) firstPing(ctx context.Context) error {
	delay := 10 * time.Millisecond
	for try := 0; ; try++ {
		err := db.Ping(ctx)
		if err == nil || db.dialect != SQLite || try == 12 || !strings.Contains(err.Error(), "database is locked") {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// Close closes every connection.
func (db *DB) Close() error {
	var err error
	for _, m := range []*sync.Map{&db.stmts, &db.readStmts} {
		m.Range(func(_, v any) bool {
			err = errors.Join(err, v.(*sql.Stmt).Close())
			return true
		})
	}
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers, for health checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.dialect, err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping %s readers: %w", db.dialect, err)
		}
	}
	return nil
}

// rebind rewrites the $N placeholders of a query for SQLite: modernc binds
// $N by number too, but ?N is what every SQLite driver reads the same way.
// A placeholder numbered one past the highest so far becomes a bare ?, which
// SQLite numbers exactly so: the same binding, and much cheaper, since
// drivers look up every numbered parameter by a linear search (quadratic in
// a 3,200-parameter batch insert). Text inside quotes is left alone.
func rebind(dialect, query string) string {
	if dialect != SQLite || !strings.Contains(query, "$") {
		return query
	}
	b := make([]byte, 0, len(query))
	var quote byte
	highest := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(query[i+1 : j])
			if err == nil && n == highest+1 {
				b = append(b, '?')
			} else {
				b = append(b, '?')
				b = append(b, query[i+1:j]...)
			}
			highest = max(highest, n)
			i = j - 1
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs portable queries on a pool or a transaction, rebinding them for
// its dialect.
type conn struct {
	q       querier
	dialect string
	// tx and db are set inside inTx, for prepared statements.
	tx *sql.Tx
	db *DB
	// hot is set by hotReader: queries use statements prepared once.
	hot *DB
	// ingest is set in the transaction of a batch of reports: the tally
	// reads and keeps the stations' rows through it (tally_cache.go).
	ingest *ingestTx
}

// queryPrepared runs a query with a statement prepared on the SQLite
// writer when Open prepared one for it (see prepareHot), so that it is not
// parsed again for every batch; otherwise it is query.
func (c conn) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if c.tx != nil && c.db != nil {
		if v, ok := c.db.stmts.Load(query); ok {
			return c.tx.StmtContext(ctx, v.(*sql.Stmt)).QueryContext(ctx, args...)
		}
	}
	return c.query(ctx, query, args...)
}

// queryRowPrepared is queryRow with a statement prepared by prepareHot,
// when there is one.
func (c conn) queryRowPrepared(ctx context.Context, query string, args ...any) *sql.Row {
	if c.tx != nil && c.db != nil {
		if v, ok := c.db.stmts.Load(query); ok {
			return c.tx.StmtContext(ctx, v.(*sql.Stmt)).QueryRowContext(ctx, args...)
		}
	}
	return c.queryRow(ctx, query, args...)
}

// execPrepared is exec with a statement prepared by prepareHot, when
// there is one.
func (c conn) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if c.tx != nil && c.db != nil {
		if v, ok := c.db.stmts.Load(query); ok {
			return c.tx.StmtContext(ctx, v.(*sql.Stmt)).ExecContext(ctx, args...)
		}
	}
	return c.exec(ctx, query, args...)
}

// prepareHot prepares the INSERTs of ingestion on the SQLite writer. It
// runs at Open, before any transaction: the writer has one connection, so
// a statement cannot be prepared on it while a transaction holds it.
func (db *DB) prepareHot(ctx context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	for _, t := range []struct {
		table string
		cols  []string
	}{{"reports", reportCols}, {"incidents", incidentCols}} {
		qs := []string{storedAcksQuery(t.table), lastIDQuery(t.table)}
		for _, n := range sqliteChunks {
			qs = append(qs, newRowsInsertQuery(t.table, t.cols, n))
		}
		for _, q := range qs {
			stmt, err := db.write.PrepareContext(ctx, rebind(db.dialect, q))
			if err != nil {
				return fmt.Errorf("store: prepare %q: %w", q[:40], err)
			}
			db.stmts.Store(q, stmt)
		}
	}
	for _, q := range append(hotTallyQueries(), writerStampQuery) {
		stmt, err := db.write.PrepareContext(ctx, rebind(db.dialect, q))
		if err != nil {
			return fmt.Errorf("store: prepare a statement of the tally: %w", err)
		}
		db.stmts.Store(q, stmt)
	}
	return db.prepareLedger(ctx) // the log's INSERTs (ledger.go)
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, rebind(c.dialect, query), args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if c.hot != nil {
		if stmt, err := c.hot.readStmt(ctx, query); err == nil {
			return stmt.QueryContext(ctx, args...)
		}
	}
	return c.q.QueryContext(ctx, rebind(c.dialect, query), args...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if c.hot != nil {
		if stmt, err := c.hot.readStmt(ctx, query); err == nil {
			return stmt.QueryRowContext(ctx, args...)
		}
	}
	return c.q.QueryRowContext(ctx, rebind(c.dialect, query), args...)
}

// reader returns a conn for read-only queries.
func (db *DB) reader() conn { return conn{q: db.read, dialect: db.dialect} }

// hotReader is reader for the few fixed queries each report may make (its
// station, its station's counts): on SQLite they run as statements
// prepared once rather than parsed for every report. Only queries whose
// text does not vary may go through it, since each text is kept.
func (db *DB) hotReader() conn {
	c := db.reader()
	if db.dialect == SQLite {
		c.hot = db
	}
	return c
}

// readStmt returns the statement prepared on the readers for query.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := db.readStmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	stmt, err := db.read.PrepareContext(ctx, rebind(db.dialect, query))
	if err != nil {
		return nil, err
	}
	if v, loaded := db.readStmts.LoadOrStore(query, stmt); loaded {
		_ = stmt.Close() // another goroutine prepared it first
		return v.(*sql.Stmt), nil
	}
	return stmt, nil
}

// writer returns a conn for single-statement writes.
func (db *DB) writer() conn { return conn{q: db.write, dialect: db.dialect} }

// inTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(c conn) error) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			// The panic matters more than a failed rollback; without the
			// rollback the only SQLite writer would stay busy for ever.
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(conn{q: tx, dialect: db.dialect, tx: tx, db: db}); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// forUpdate returns the clause that locks the rows a SELECT reads until the
// transaction ends. SQLite needs none: its write transactions lock the file.
func (db *DB) forUpdate() string {
	if db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// sqliteTime is how times are written on SQLite: UTC with a fixed number
// of digits, so that text order is time order.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// now returns the current time as the store keeps it.
func now() time.Time { return normTime(time.Now()) }

// normTime returns t in UTC to the microsecond, the precision of
// PostgreSQL's timestamptz, so that both engines give back the same time.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeArg turns t into a query argument for the dialect.
func (db *DB) timeArg(t time.Time) any {
	if db.dialect == SQLite {
		var b [32]byte
		return string(report.AppendReceiptTime(b[:0], t)) // normTime(t).Format(sqliteTime), faster
	}
	return normTime(t)
}

// timeScan scans a time column of either engine into a UTC time.Time.
type timeScan struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	return nil
}

func (s timeScan) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("store: bad time %q: %w", v, err)
	}
	*s.t = t.UTC()
	return nil
}
