package web_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// BenchmarkReportIngestRatio measures what BenchmarkReportIngestHTTP
// compares, interleaved. BenchmarkReportIngestHTTP times the bare handler
// for seconds and then the server for seconds; on a shared machine what
// other processes leave of the CPU changes in between, and the ratio of
// one run swings by ten points either way (docs/benchmarks.md). Here the
// same requests (see bareHandler), from the same 256 parallel clients, go
// in 16 slices alternately to the bare handler and to the real server on
// SQLite (in the order bare, server, server, bare, ... so that a steady
// drift falls on both alike), and each rate is taken over all its slices. It reports
// both rates and the server's as a percentage of the bare one: the
// target (DESIGN.md) is at least 50. b.N reports go to each.
//
//	go test -run '^$' -bench ReportIngestRatio -benchtime 80000x -count 5 ./internal/web/
func BenchmarkReportIngestRatio(b *testing.B) {
	const stations, slices, clients = 10_000, 16, 256
	bare := httptest.NewServer(bareHandler())
	b.Cleanup(bare.Close)
	db := storetest.Open(b, store.SQLite)
	srvURL, ingest := benchServer(b, db)
	url, token := setupElection(b, db, srvURL, stations)
	client := benchClient()
	type target struct {
		url, token string
		seq        atomic.Int64  // the last report number sent (see reportBody)
		spent      time.Duration // b.N reports in all
	}
	targets := []*target{{url: bare.URL + "/api/v1/elections/1/reports", token: bareToken(b)}, {url: url, token: token}}
	for _, t := range targets {
		warmStations(b, client, t.url, t.token, stations)
	}
	before := ingest.Stats()
	per := max(1, b.N/slices)
	b.ResetTimer()
	for i, left := 0, b.N; left > 0; i++ {
		n := per
		if i == slices-1 || n > left {
			n = left
		}
		left -= n
		order := targets
		if i%2 == 1 {
			order = []*target{targets[1], targets[0]}
		}
		for _, t := range order {
			t.spent += drive(b, client, t.url, t.token, &t.seq, n, clients, stations)
		}
	}
	b.StopTimer()
	bareRate := float64(b.N) / targets[0].spent.Seconds()
	serverRate := float64(b.N) / targets[1].spent.Seconds()
	b.ReportMetric(bareRate, "bare-reports/s")
	b.ReportMetric(serverRate, "sqlite-reports/s")
	b.ReportMetric(100*serverRate/bareRate, "sqlite/bare-%")
	reportBatches(b, before, ingest.Stats())
}

// drive sends n reports to url from clients parallel senders, numbered
// on from seq, and returns how long they took, from the first sent to the
// last acknowledged.
func drive(b *testing.B, client *http.Client, url, token string, seq *atomic.Int64, n, clients, stations int) time.Duration {
	var left atomic.Int64
	left.Store(int64(n))
	start := time.Now()
	var wg sync.WaitGroup
	for range min(clients, n) {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if !post(b, client, url, token, reportBody(seq.Add(1), stations)) {
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
