package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// load50k opens a database of engine holding 50,000 observers of 12
// organisations, imported in files of 5,000.
func load50k(b *testing.B, engine string) *store.DB {
	b.Helper()
	ctx := context.Background()
	db := storetest.Open(b, engine)
	e := mustElection(b, db, "E", "2024-03-01")
	const n, chunk = 50_000, 5_000
	start := time.Now()
	for first := 0; first < n; first += chunk {
		if _, err := db.ImportObservers(ctx, e.ID, observerRows(first, chunk), 0); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: imported %d observers in %v", engine, n, time.Since(start))
	return db
}

// BenchmarkObserversSearch50k measures one page (the second) of a filtered
// search among 50,000 observers, with its total: an organisation's
// applied observers whose name contains a Cyrillic word.
func BenchmarkObserversSearch50k(b *testing.B) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := load50k(b, engine)
			org, err := db.OrganizationByName(ctx, "Адал Сайлау")
			if err != nil {
				b.Fatal(err)
			}
			q := people.ObserverQuery{OrganizationID: org.ID, Status: people.Applied, Search: "айгерим", Limit: 50, Offset: 50}
			for b.Loop() {
				list, total, err := db.Observers(ctx, q)
				if err != nil || total < 100 || len(list) != 50 {
					b.Fatalf("Observers() = %d of %d, %v", len(list), total, err)
				}
			}
		})
	}
}

// BenchmarkObserversSearchAll50k measures the worst case: a search over
// all 50,000 observers that no filter narrows.
func BenchmarkObserversSearchAll50k(b *testing.B) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := load50k(b, engine)
			q := people.ObserverQuery{Search: "сапарова", Limit: 50}
			for b.Loop() {
				if list, total, err := db.Observers(ctx, q); err != nil || total == 0 || len(list) != 50 {
					b.Fatalf("Observers() = %d of %d, %v", len(list), total, err)
				}
			}
		})
	}
}
