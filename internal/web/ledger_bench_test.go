package web_test

import (
	"testing"

	"github.com/baqylau/baqylau/internal/store/storetest"
)

// BenchmarkReportIngestHTTPLedger is BenchmarkReportIngestHTTP with the
// tamper-evident log off and on, side by side in one run: the log must
// not halve ingestion (docs/benchmarks.md, "The tamper-evident log").
// `-bench ReportIngestHTTP` runs both benchmarks.
//
//	go test -run '^$' -bench ReportIngestHTTP -benchtime 4s ./internal/web/
func BenchmarkReportIngestHTTPLedger(b *testing.B) {
	const stations = 10_000
	for _, engine := range storetest.Engines(b) {
		for _, on := range []bool{false, true} {
			name := engine + "/log=off"
			if on {
				name = engine + "/log=on"
			}
			b.Run(name, func(b *testing.B) {
				db := storetest.Open(b, engine)
				db.SetLedger(on)
				srvURL, ingest := benchServer(b, db)
				url, token := setupElection(b, db, srvURL, stations)
				before := ingest.Stats()
				postReports(b, url, token, stations)
				reportBatches(b, before, ingest.Stats())
			})
		}
	}
}
