package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/baqylau/baqylau/internal/triage"
)

// Broker returns the broker of live incident events for db: on SQLite an
// in-process triage.Hub (one node per SQLite file); on PostgreSQL a
// *Listener, which carries events between every node on the database
// through LISTEN/NOTIFY. dsn must be the one db was opened with. Call
// stop when done.
func (db *DB) Broker(ctx context.Context, dsn string, log *slog.Logger) (b triage.Broker, stop func(), err error) {
	if db.dialect != Postgres {
		return triage.NewHub(), func() {}, nil
	}
	l, err := db.Listen(ctx, dsn, log)
	if err != nil {
		return nil, nil, err
	}
	return l, l.Close, nil
}

// Listener is the PostgreSQL broker of live incident events. Publish
// sends NOTIFY with the incident's id and region only (payloads are
// limited to 8,000 bytes); one dedicated connection per node LISTENs and
// hands what arrives to the node's subscribers. When that connection
// drops it reconnects, LISTENs again and catches up by querying the
// incidents received or changed since shortly before it was last known
// to be listening, since notifications sent while it was away are lost.
type Listener struct {
	db      *DB
	dsn     string
	channel string
	hub     *triage.Hub
	log     *slog.Logger
	cancel  context.CancelFunc
	done    chan struct{}

	ready chan struct{} // closed once listening the first time

	mu       sync.Mutex
	listened bool   // ready is closed
	pid      uint32 // backend of the current connection

	connect atomic.Int64 // connections made
}

// listenTimeout bounds the wait for the first LISTEN.
const listenTimeout = 30 * time.Second

// catchUpMargin is how far before the last moment the listener was known
// to be listening it catches up: it covers the skew between the clocks of
// the nodes that stamp changes. Repeated events are harmless.
const catchUpMargin = 10 * time.Second

// Listen starts a Listener on db (a PostgreSQL database opened with dsn)
// and waits until it listens.
func (db *DB) Listen(ctx context.Context, dsn string, log *slog.Logger) (*Listener, error) {
	if db.dialect != Postgres {
		return nil, errors.New("store: listen: LISTEN/NOTIFY needs PostgreSQL")
	}
	if log == nil {
		log = slog.Default()
	}
	var dbName, schema string
	if err := db.reader().queryRow(ctx, "SELECT current_database(), current_schema()").Scan(&dbName, &schema); err != nil {
		return nil, fmt.Errorf("store: listen: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l := &Listener{db: db, dsn: dsn, channel: eventChannel(dbName, schema), hub: triage.NewHub(), log: log,
		cancel: cancel, done: make(chan struct{}), ready: make(chan struct{})}
	go l.run(runCtx)
	timeout := time.NewTimer(listenTimeout)
	defer timeout.Stop()
	select {
	case <-l.ready:
		return l, nil
	case <-ctx.Done():
		l.Close()
		return nil, fmt.Errorf("store: listen: %w", ctx.Err())
	case <-timeout.C:
		l.Close()
		return nil, fmt.Errorf("store: listen: no LISTEN connection within %v", listenTimeout)
	}
}

// eventChannel names the NOTIFY channel of one schema: channels are
// shared by the whole database, and each schema (a tenant, or a test) is
// a separate Baqylau.
func eventChannel(dbName, schema string) string {
	sum := sha256.Sum256([]byte(dbName + "\x00" + schema))
	return "baqylau_incidents_" + hex.EncodeToString(sum[:8])
}

// Publish sends e to every node's listeners, this one included.
func (l *Listener) Publish(ctx context.Context, e triage.Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("store: publish: %w", err)
	}
	if _, err := l.db.writer().exec(ctx, "SELECT pg_notify($1, $2)", l.channel, string(payload)); err != nil {
		return fmt.Errorf("store: publish incident %d: %w", e.ID, err)
	}
	return nil
}

// Subscribe returns a subscription to the events of every node.
func (l *Listener) Subscribe() *triage.Subscription { return l.hub.Subscribe() }

// Connections returns how many times the listener has connected.
func (l *Listener) Connections() int64 { return l.connect.Load() }

// BackendPID returns the PostgreSQL backend of the current listening
// connection (for tests that cut it).
func (l *Listener) BackendPID() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pid
}

// Close stops listening and waits for the listener to end.
func (l *Listener) Close() {
	l.cancel()
	<-l.done
}

func (l *Listener) run(ctx context.Context) {
	defer close(l.done)
	var since time.Time // zero until the first connection: nothing to catch up
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := l.listen(ctx, &since)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("store: incident listener disconnected; reconnecting", "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// listen runs one connection: LISTEN, catch up, then wait for
// notifications. since is when the listener was last known to listen.
func (l *Listener) listen(ctx context.Context, since *time.Time) error {
	conn, err := pgx.Connect(ctx, l.dsn)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx) // the connection is being dropped; its error changes nothing
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return err
	}
	l.connect.Add(1)
	l.mu.Lock()
	l.pid = conn.PgConn().PID()
	first := !l.listened
	if first {
		l.listened = true
		close(l.ready)
	}
	l.mu.Unlock()
	listening := time.Now()
	if !first && !since.IsZero() {
		if err := l.catchUp(ctx, since.Add(-catchUpMargin)); err != nil {
			return err
		}
	}
	*since = listening
	for {
		waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			*since = time.Now()
			var e triage.Event
			if err := json.Unmarshal([]byte(n.Payload), &e); err != nil {
				l.log.Error("store: bad incident notification", "payload", n.Payload, "err", err)
				continue
			}
			l.hub.Deliver(e)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			// Quiet for a while: check the connection is still alive.
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return err
			}
			*since = time.Now()
		default:
			return err
		}
	}
}

// catchUp delivers an event for every incident received or changed since
// t, as if the notifications lost meanwhile had arrived.
func (l *Listener) catchUp(ctx context.Context, t time.Time) error {
	for {
		list, err := l.db.ChangedSince(ctx, t, "", 500)
		if err != nil {
			return err
		}
		prev := t
		for _, c := range list {
			kind, at := triage.EventChanged, c.ChangedAt
			if at.IsZero() {
				kind, at = triage.EventNew, c.ReceivedAt
			}
			l.hub.Deliver(triage.Event{ID: c.ID, Region: c.Region, Kind: kind, At: at})
			t = at
		}
		if len(list) < 500 || !t.After(prev) {
			return nil
		}
	}
}
