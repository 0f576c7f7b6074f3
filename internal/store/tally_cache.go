package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/baqylau/baqylau/internal/tally"
)

// latestCache keeps, on SQLite, the tally_stations rows that this node's
// ingestion wrote last, so that the next batch folds its stations from
// memory instead of reading their rows back (readLatest). The rows are
// worth anything only while nothing but ingestion changed the database,
// which SQLite itself tells:
//
//   - total_changes() counts the rows the writer connection inserted,
//     updated or deleted, those of triggers included. It is read as the
//     last statement of a batch's transaction and again as the first of
//     the next: any write in between (a station edited, the tally rebuilt,
//     a session saved, incidents stored) makes them differ.
//   - PRAGMA data_version changes when another connection commits: another
//     process on the same file, or another DB opened on it.
//
// When either differs, or a batch's transaction fails, the cache is
// emptied and the rows are read from the database again, as without it.
// On PostgreSQL several nodes write one database, so there is no cache.
type latestCache struct {
	mu    sync.Mutex
	stamp writerStamp // as the last batch's transaction left the database
	rows  map[latestKey]tally.Latest
}

// latestKey is a station of an election.
type latestKey struct {
	election int64
	code     string
}

// writerStamp is what the writer connection tells of the changes made to
// the database.
type writerStamp struct {
	changes int64 // total_changes()
	version int64 // PRAGMA data_version
}

// latestCacheMax bounds the stations kept: past it the cache starts
// again empty (a country has some tens of thousands of stations).
const latestCacheMax = 1 << 20

const writerStampQuery = "SELECT total_changes(), data_version FROM pragma_data_version()"

func readWriterStamp(ctx context.Context, c conn) (writerStamp, error) {
	var s writerStamp
	if err := c.queryRowPrepared(ctx, writerStampQuery).Scan(&s.changes, &s.version); err != nil {
		return s, fmt.Errorf("read the writer's changes: %w", err)
	}
	return s, nil
}

// ingestTx is one batch's use of the cache: begun with what the database
// holds at the start of the transaction, it collects the rows the batch
// writes, which the cache takes once the transaction has committed.
type ingestTx struct {
	cache   *latestCache
	valid   bool // the cache's rows are those of the database
	version int64
	written []cachedLatest
}

// cachedLatest is a station's row as a batch wrote it.
type cachedLatest struct {
	key latestKey
	tally.Latest
}

// beginIngest starts a batch's use of the cache, in its transaction and
// before any write of it; nil when there is no cache (PostgreSQL).
func (db *DB) beginIngest(ctx context.Context, c conn) (*ingestTx, error) {
	if db.dialect != SQLite {
		return nil, nil
	}
	s, err := readWriterStamp(ctx, c)
	if err != nil {
		return nil, err
	}
	lc := &db.latest
	lc.mu.Lock()
	defer lc.mu.Unlock()
	valid := lc.rows != nil && lc.stamp == s
	if !valid {
		lc.rows = nil
	}
	return &ingestTx{cache: lc, valid: valid, version: s.version}, nil
}

// get returns a station's row as the database holds it, if the cache has it.
func (t *ingestTx) get(electionID int64, code string) (tally.Latest, bool) {
	if t == nil || !t.valid {
		return tally.Latest{}, false
	}
	t.cache.mu.Lock()
	defer t.cache.mu.Unlock()
	l, ok := t.cache.rows[latestKey{electionID, code}]
	return l, ok
}

// wrote records stations' rows as the batch wrote them.
func (t *ingestTx) wrote(electionID int64, rows []latestRow) {
	if t == nil {
		return
	}
	t.written = slices.Grow(t.written, len(rows))
	for _, r := range rows {
		t.written = append(t.written, cachedLatest{latestKey{electionID, r.Code}, r.Latest})
	}
}

// end records, as the last statement of the batch's transaction, how it
// leaves the database; commit then hands the batch's rows to the cache.
func (t *ingestTx) end(ctx context.Context, c conn) (commit func(ok bool), err error) {
	if t == nil {
		return func(bool) {}, nil
	}
	s, err := readWriterStamp(ctx, c)
	if err != nil {
		return nil, err
	}
	return func(ok bool) {
		lc := t.cache
		lc.mu.Lock()
		defer lc.mu.Unlock()
		if !ok || s.version != t.version {
			lc.rows = nil
			return
		}
		if lc.rows == nil || !t.valid || len(lc.rows)+len(t.written) > latestCacheMax {
			lc.rows = make(map[latestKey]tally.Latest, len(t.written))
		}
		for _, w := range t.written { // in the order written: the last write of a station wins
			lc.rows[w.key] = w.Latest
		}
		lc.stamp = s
	}, nil
}

// reset empties the cache.
func (lc *latestCache) reset() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.rows = nil
}
