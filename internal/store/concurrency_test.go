package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestConcurrentWrites has 8 goroutines import into 8 elections at once,
// through two handles on the same database (as a web server and an import
// command would), while others read. On SQLite none may fail with
// SQLITE_BUSY ("database is locked").
func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				dbs[i] = db
			}
			const writers, rounds, n = 8, 3, 500
			ids := make([]int64, writers)
			for i := range ids {
				ids[i] = mustElection(t, dbs[0], fmt.Sprintf("E%d", i), "2024-03-01").ID
			}
			var wg sync.WaitGroup
			errs := make(chan error, writers*rounds*2)
			for i, id := range ids {
				db := dbs[i%2]
				wg.Go(func() {
					for r := range rounds {
						sum, err := db.ImportStations(ctx, id, manyStations(n))
						if err != nil {
							errs <- err
							return
						}
						if r > 0 && sum.Updated != n {
							errs <- fmt.Errorf("election %d round %d: %+v", id, r, sum)
						}
					}
				})
				wg.Go(func() {
					for range rounds * 3 {
						if _, err := db.Stations(ctx, election.StationQuery{ElectionID: id, Search: "участок 1"}); err != nil {
							errs <- err
							return
						}
						if _, err := db.StationFacets(ctx, id); err != nil {
							errs <- err
							return
						}
						time.Sleep(time.Millisecond)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for _, id := range ids {
				page, err := dbs[1].Stations(ctx, election.StationQuery{ElectionID: id, Limit: 1})
				if err != nil || page.Total != n {
					t.Errorf("election %d: %d stations, %v; want %d", id, page.Total, err, n)
				}
			}
		})
	}
}

// TestConcurrentOpen starts several nodes on one new database at once: they
// must migrate in turn, without failing.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					db, err := store.Open(ctx, dsn)
					if err == nil {
						err = db.Close()
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// BenchmarkImportStations10k imports 10,000 new stations per iteration.
func BenchmarkImportStations10k(b *testing.B) {
	ctx := context.Background()
	stations := manyStations(10_000)
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine)
			for b.Loop() {
				b.StopTimer()
				e := mustElection(b, db, "E", "2024-03-01")
				b.StartTimer()
				sum, err := db.ImportStations(ctx, e.ID, stations)
				if err != nil || sum.Created != len(stations) {
					b.Fatalf("import = %+v, %v", sum, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(stations)), "ns/station")
		})
	}
}
