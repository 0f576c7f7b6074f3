package store_test

import (
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkSQLiteCommitCacheWalk shows, apart from Baqylau, what sizes the
// writer's page cache (store.openSQLite): batches of 100 rows into a WAL
// database, into a table with two indexes on random keys or without them.
// With the indexes, SQLite walks the whole page cache at every commit
// (pcache1TruncateUnsafe; see docs/benchmarks.md), the more so the larger
// the cache:
//
//	go test -run '^$' -bench 'SQLiteCommitCacheWalk' -benchtime 2000x -cpuprofile /tmp/walk.prof ./internal/store/
//	go tool pprof -top -cum /tmp/walk.prof | grep -E 'Total|pcache1TruncateUnsafe'
func BenchmarkSQLiteCommitCacheWalk(b *testing.B) {
	for _, c := range []struct {
		name    string
		cacheKB int
		indexes bool
	}{{"indexes/cache=32MiB", 32768, true}, {"indexes/cache=8MiB", 8192, true}, {"no-indexes/cache=32MiB", 32768, false}} {
		b.Run(c.name, func(b *testing.B) {
			db, err := sql.Open("sqlite", filepath.Join(b.TempDir(), "walk.db")+
				"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-"+strconv.Itoa(c.cacheKB)+")")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			ddl := []string{"CREATE TABLE r (id INTEGER PRIMARY KEY AUTOINCREMENT, k INTEGER NOT NULL, s TEXT NOT NULL, pad TEXT NOT NULL)"}
			if c.indexes {
				ddl = append(ddl, "CREATE INDEX r_k ON r (k)", "CREATE INDEX r_s ON r (s)")
			}
			for _, q := range ddl {
				if _, err := db.Exec(q); err != nil {
					b.Fatal(err)
				}
			}
			const n = 100
			stmt, err := db.Prepare("INSERT INTO r (k, s, pad) VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?),", n), ","))
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			pad := strings.Repeat("x", 300)
			batch := func() {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				args := make([]any, 0, 3*n)
				for range n {
					args = append(args, rng.Int64(), strconv.Itoa(rng.IntN(10000)), pad)
				}
				if _, err := tx.Stmt(stmt).Exec(args...); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			for range 1000 { // a database of 100,000 rows first
				batch()
			}
			b.ResetTimer()
			for range b.N {
				batch()
			}
		})
	}
}
