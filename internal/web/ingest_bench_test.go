package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/web"
)

// BenchmarkReportIngestHTTP measures turnout reports per second over HTTP
// into the real server (each acknowledged only after its batch commits)
// side by side with a bare handler that decodes the same JSON and answers
// 201 at once. The target (DESIGN.md) is at least half the bare rate on
// SQLite: compare the reports/s of the sub-benchmarks of one run, or
// better, take the ratio from BenchmarkReportIngestRatio, which
// interleaves the two.
//
//	go test -run '^$' -bench ReportIngestHTTP -benchtime 5s ./internal/web/
func BenchmarkReportIngestHTTP(b *testing.B) {
	const stations = 10_000 // a country's worth: a few reports per station, as on the day
	bare := bareHandler()
	b.Run("bare", func(b *testing.B) {
		srv := httptest.NewServer(bare)
		defer srv.Close()
		postReports(b, srv.URL+"/api/v1/elections/1/reports", bareToken(b), stations)
	})
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine)
			srvURL, ingest := benchServer(b, db)
			url, token := setupElection(b, db, srvURL, stations)
			before := ingest.Stats()
			postReports(b, url, token, stations)
			reportBatches(b, before, ingest.Stats())
		})
	}
}

// bareHandler is the bare handler both benchmarks compare with: it decodes
// a report's JSON as strictly as the server does and answers 201 with an
// ack of the same shape at once.
//
// It is sent the same requests as the server, byte for byte, bearer token
// included (bareToken), so that the two differ only in what answers them:
// every client of the API sends one, and reading it is part of receiving
// a report over HTTP. (Until 2026-11-26 the bare handler's requests had no
// Authorization header: its rate was of lighter requests; see
// docs/benchmarks.md for the difference.)
func bareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ClientID   string                     `json:"client_id"`
			Station    string                     `json:"station"`
			Form       string                     `json:"form"`
			ObservedAt string                     `json:"observed_at"`
			Answers    map[string]json.RawMessage `json:"answers"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":1,"receipt":"%064d","flags":[]}`, 0)
	})
}

// benchServer starts the real server on db and returns its URL and its
// ingester.
func benchServer(b *testing.B, db *store.DB) (string, *report.Ingester) {
	ctx := context.Background()
	ingest := report.NewIngester(db, report.IngestOptions{})
	ingest.Start(ctx)
	b.Cleanup(func() {
		if err := ingest.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db, Ingest: ingest, Sessions: db.Sessions(), Ready: db.Ping,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	return srv.URL, ingest
}

// reportBatches reports how many reports the timed part's commits
// carried on average: the more, the fewer fsyncs and page writes per
// report.
func reportBatches(b *testing.B, before, after report.IngestStats) {
	if n := after.Batches - before.Batches; n > 0 {
		b.ReportMetric(float64(after.Items-before.Items)/float64(n), "reports/batch")
	}
}

// setupElection creates an election of n stations (S0000…) at srvURL's
// database and a coordinator, and returns the reports URL and a token.
func setupElection(b testing.TB, db *store.DB, srvURL string, n int) (string, string) {
	ctx := context.Background()
	e := election.Election{Name: "Bench", Kind: election.Mazhilis, Date: mustDate(b, "2023-03-19").Date}
	if err := e.Validate(); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateElection(ctx, &e); err != nil {
		b.Fatal(err)
	}
	var sts []election.Station
	for i := range n {
		st := election.Station{Code: fmt.Sprintf("S%04d", i), Name: "Station", Region: "KZ-75", Country: "KZ", RegisteredVoters: 100_000_000,
			Opens: election.DefaultOpens, Closes: election.DefaultCloses}
		if err := st.Validate(); err != nil {
			b.Fatal(err)
		}
		sts = append(sts, st)
	}
	if _, err := db.ImportStations(ctx, e.ID, sts); err != nil {
		b.Fatal(err)
	}
	hash, err := auth.HashPassword("benchmark password")
	if err != nil {
		b.Fatal(err)
	}
	u := auth.User{Email: "bench@example.org", Role: auth.Coordinator, PasswordHash: hash}
	if err := db.CreateUser(ctx, &u); err != nil {
		b.Fatal(err)
	}
	token, th, err := auth.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateToken(ctx, u.ID, th); err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("%s/api/v1/elections/%d/reports", srvURL, e.ID), token
}

func mustDate(b testing.TB, s string) (d election.Election) {
	t, err := election.ParseDate(s)
	if err != nil {
		b.Fatal(err)
	}
	d.Date = t
	return d
}

// postReports sends b.N turnout reports from parallel clients, each with a
// new client id and a rising count, and reports reports/s. Every station
// reports once before the clock starts: the figures are for the steady
// state of election day, when each station has been heard from (its first
// report costs a few reads more, while this node's caches fill).
//
// Observation times rise with the sequence, 10 ms apart, so that each
// station's reports mostly arrive in the order they were observed, as on
// the day; one in twenty is late, observed half an hour before the ones
// already sent (an outbox emptied when a phone regains the network), which
// makes the tally re-read that station's reports. Each figure follows its
// checkpoint and none is below an earlier one, so that, as for most reports
// on the day, the rules flag nothing (the flagged metric counts any they
// do). Client ids are made as
// the observer pages make them, UUIDv7s of when the form was opened: the
// late ones half an hour before the others.
func postReports(b *testing.B, url, token string, stations int) {
	var seq, flagged atomic.Int64
	client := benchClient()
	warmStations(b, client, url, token, stations)
	b.SetParallelism(256)
	stopProfile := profileTimed(b)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			stored, isFlagged := postFlagged(b, client, url, token, reportBody(seq.Add(1), stations))
			if !stored {
				return
			}
			if isFlagged {
				flagged.Add(1)
			}
		}
	})
	b.StopTimer()
	stopProfile()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
	b.ReportMetric(float64(flagged.Load())/float64(b.N), "flagged/report")
	// The process's CPU time per report, client and server together: on
	// a shared machine the rate follows what other processes leave, but
	// this does not, so compare it too (docs/benchmarks.md).
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/report")
}

// bareToken is a bearer token of the same form as the server's, for the
// bare handler's requests: the bare handler ignores it, and it is stored
// nowhere.
func bareToken(b *testing.B) string {
	token, _, err := auth.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	return token
}

// benchClient is the HTTP client of the benchmarks' parallel senders.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}
}

// warmStations sends each station's first report, 64 at a time.
func warmStations(b *testing.B, client *http.Client, url, token string, stations int) {
	warm := make(chan struct{}, 64)
	for i := range stations {
		warm <- struct{}{}
		go func() {
			defer func() { <-warm }()
			post(b, client, url, token, fmt.Sprintf(`{"client_id":%q,"station":"S%04d","form":"turnout","observed_at":"2023-03-19T10:05:00+06:00","answers":{"checkpoint":"10:00","ballots_cast":0}}`,
				newID(0), i))
		}()
	}
	for range cap(warm) {
		warm <- struct{}{}
	}
}

// reportBody is the n-th report of the timed part (see postReports).
func reportBody(n int64, stations int) string {
	at := dayStart.Add(time.Duration(n) * 10 * time.Millisecond)
	var late time.Duration
	checkpoint, cast := "12:00", n
	if n%20 == 0 {
		late = 30 * time.Minute
		at = at.Add(-late)
		checkpoint, cast = "10:00", n%int64(stations) // below the station's later counts
	}
	return fmt.Sprintf(`{"client_id":%q,"station":"S%04d","form":"turnout","observed_at":%q,"answers":{"checkpoint":%q,"ballots_cast":%d}}`,
		newID(late), n%int64(stations), at.Format(time.RFC3339Nano), checkpoint, cast)
}

// dayStart is when the timed reports begin to be observed.
var dayStart = time.Date(2023, 3, 19, 12, 5, 0, 0, time.FixedZone("+06", 6*3600))

// profileTimed writes a CPU profile of the timed part only (not the
// election's setup and the warm-up reports, which go -cpuprofile would
// include) when BAQYLAU_BENCH_PROFILE names a directory: one file per
// sub-benchmark and b.N, e.g.
//
//	BAQYLAU_BENCH_PROFILE=/tmp/prof go test -run '^$' -bench 'ReportIngestHTTP/sqlite$' -benchtime 40000x ./internal/web/
//	go tool pprof -top /tmp/prof/BenchmarkReportIngestHTTP_sqlite-40000.prof
//
// and heap profiles before and after it (see writeHeap).
func profileTimed(b *testing.B) (stop func()) {
	dir := os.Getenv("BAQYLAU_BENCH_PROFILE")
	if dir == "" || b.N < 1000 {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	name := filepath.Join(dir, fmt.Sprintf("%s-%d", strings.ReplaceAll(b.Name(), "/", "_"), b.N))
	writeHeap(b, name+".heap0.prof")
	f, err := os.Create(name + ".prof")
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
		writeHeap(b, name+".heap1.prof")
	}
}

// writeHeap writes a heap profile: the allocations of the timed part are
// those of heap1 less heap0 (go tool pprof -sample_index=alloc_space
// -diff_base X.heap0.prof X.heap1.prof).
func writeHeap(b *testing.B, name string) {
	runtime.GC() // the profile is as of the last collection
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		b.Error(err)
	}
	if err := f.Close(); err != nil {
		b.Error(err)
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// post sends one report and reports whether it was stored.
func post(b *testing.B, client *http.Client, url, token, body string) bool {
	ok, _ := postFlagged(b, client, url, token, body)
	return ok
}

// postFlagged is post, also telling whether the rules flagged the report.
func postFlagged(b *testing.B, client *http.Client, url, token, body string) (stored, flagged bool) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		b.Error(err)
		return false, false
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return false, false
	}
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b.Errorf("status %d: %s", resp.StatusCode, buf.String())
		return false, false
	}
	return true, !strings.Contains(buf.String(), `"flags":[]`)
}

// newID makes a client id as the observer pages do: a UUIDv7 of the
// time the form was opened (observe.js), ago before now.
func newID(ago time.Duration) string {
	id := uuid.Must(uuid.NewRandom())
	ms := uint64(time.Now().Add(-ago).UnixMilli())
	for i := 5; i >= 0; i-- {
		id[i] = byte(ms)
		ms >>= 8
	}
	id[6] = id[6]&0x0f | 0x70
	return id.String()
}
