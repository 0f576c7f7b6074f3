package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// BenchmarkSaveReportsStations measures SaveReports as the ingester calls
// it in BenchmarkReportIngestHTTP: batches of 88 turnout reports (the
// mean batch there) to 10,000 stations that have each reported once, with
// rising counts, in the same order (station n mod 10,000, so that a
// batch's stations are neighbours). Each operation is one report. It has
// no HTTP and one goroutine, so that the store's own work per report can
// be counted in instructions under valgrind, which a busy machine does not
// change: the difference between two runs of different b.N, divided by the
// difference of b.N (docs/benchmarks.md, "Counting instructions"):
//
//	go test -c -o /tmp/store.test ./internal/store/
//	cd internal/store && GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
//		/tmp/store.test -test.run '^$' -test.bench 'SaveReportsStations/sqlite' -test.benchtime 4400x
//
// and again with 30800x.
func BenchmarkSaveReportsStations(b *testing.B) {
	const stations, batchSize = 10_000, 88
	ctx := context.Background()
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine)
			e := mustElection(b, db, "Bench", "2026-03-15")
			sts := make([]election.Station, stations)
			for i := range sts {
				sts[i] = homeStation(fmt.Sprintf("S%05d", i), "Station", "KZ-75", "Bostandyk", "Almaty")
			}
			if _, err := db.ImportStations(ctx, e.ID, sts); err != nil {
				b.Fatal(err)
			}
			at := time.Date(2026, 3, 15, 4, 5, 0, 0, time.UTC)
			n := 0
			save := func(batch []report.Report) {
				if _, err := db.SaveReports(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			var batch []report.Report
			for i := range stations { // each station's first report
				n++
				batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("first-%05d", i), sts[i].Code, at, 0))
				if len(batch) == 256 || i == stations-1 {
					save(batch)
					batch = batch[:0]
				}
			}
			b.ResetTimer()
			for done := 0; done < b.N; done += batchSize {
				batch = batch[:0]
				for range min(batchSize, b.N-done) {
					n++
					st := sts[n%stations].Code
					batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("bench-%09d", n), st, at.Add(time.Duration(n)*10*time.Millisecond), n))
				}
				save(batch)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}
