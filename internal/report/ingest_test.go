package report_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// ingestFixture creates an election with stations A-001 and B-001 at home
// and Z-US1 abroad, and returns its id.
func ingestFixture(t testing.TB, db *store.DB) int64 {
	t.Helper()
	ctx := context.Background()
	day, err := election.ParseDate("2026-03-15")
	if err != nil {
		t.Fatal(err)
	}
	e := election.Election{Name: "Выборы", Kind: election.Presidential, Date: day}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateElection(ctx, &e); err != nil {
		t.Fatal(err)
	}
	st := func(code, region, country, zone string) election.Station {
		return election.Station{Code: code, Name: "Станция " + code, Region: region, Country: country, TimeZone: zone,
			RegisteredVoters: 1000, Opens: election.DefaultOpens, Closes: election.DefaultCloses}
	}
	_, err = db.ImportStations(ctx, e.ID, []election.Station{
		st("A-001", "KZ-75", "KZ", "Asia/Almaty"), st("B-001", "KZ-71", "KZ", "Asia/Almaty"),
		st("Z-US1", "", "US", "America/Los_Angeles")})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func turnout(electionID int64, clientID, station string, ballots int) report.Report {
	return report.Report{ClientID: clientID, ElectionID: electionID, StationCode: station, Form: report.Turnout,
		FormVersion: 1, Channel: report.API, ObservedAt: time.Date(2026, 3, 15, 6, 0, 0, 0, time.UTC),
		Answers: map[string]json.RawMessage{"ballots_cast": json.RawMessage(strconv.Itoa(ballots))}}
}

// startIngester starts an Ingester on s, shut down when the test ends.
func startIngester(t testing.TB, s report.Store, opts report.IngestOptions) *report.Ingester {
	t.Helper()
	in := report.NewIngester(s, opts)
	in.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := in.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return in
}

func TestIngestIdempotent(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		eid := ingestFixture(t, db)
		in := startIngester(t, db, report.IngestOptions{})
		r := turnout(eid, "4f1c2b9e-3a7d-4e2b-9c1a-6d5e8f7a0b1c", "A-001", 42)
		var wg sync.WaitGroup
		acks := make([]report.Ack, 50)
		errs := make([]error, 50)
		for i := range 50 {
			wg.Go(func() { acks[i], errs[i] = in.SubmitReport(ctx, r) })
		}
		wg.Wait()
		fresh := 0
		for i, a := range acks {
			if errs[i] != nil || a.ID == 0 || a.ID != acks[0].ID || a.Receipt != acks[0].Receipt {
				t.Fatalf("submit %d = %+v, %v; first %+v", i, a, errs[i], acks[0])
			}
			if !a.Duplicate {
				fresh++
			}
		}
		if fresh != 1 {
			t.Errorf("%d of 50 acks are not duplicates, want 1", fresh)
		}
		list, err := db.StationReports(ctx, eid, "A-001")
		if err != nil || len(list) != 1 || list[0].ID != acks[0].ID {
			t.Errorf("stored %+v, %v", list, err)
		}
		// A retry later, in a batch of its own.
		if a, err := in.SubmitReport(ctx, r); err != nil || !a.Duplicate || a.ID != acks[0].ID {
			t.Errorf("retry = %+v, %v", a, err)
		}
	})
}

func TestIngestBatchesUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		eid := ingestFixture(t, db)
		in := startIngester(t, db, report.IngestOptions{MaxBatch: 64, MaxWait: 5 * time.Millisecond})
		const senders, each = 100, 10
		var wg sync.WaitGroup
		var failures atomic.Int64
		reportIDs := make([][]int64, senders)
		for s := range senders {
			wg.Go(func() {
				for k := range each {
					clientID := fmt.Sprintf("s%03d-%02d", s, k)
					var a report.Ack
					var err error
					if k%5 == 4 {
						a, err = in.SubmitIncident(ctx, report.IncidentReport{ClientID: clientID, ElectionID: eid,
							StationCode: "Z-US1", Category: "carousel", Severity: report.Low, ObservedAt: time.Now()})
					} else {
						a, err = in.SubmitReport(ctx, turnout(eid, clientID, "B-001", s*each+k))
					}
					if err != nil || a.ID == 0 || a.Duplicate || len(a.Receipt) != 64 {
						t.Errorf("submit %s = %+v, %v", clientID, a, err)
						failures.Add(1)
						return
					}
					// Each sender's ack is for its own item.
					var got string
					if k%5 == 4 {
						inc, err := db.Incident(ctx, a.ID)
						if err != nil || inc.Region != report.RegionAbroad {
							t.Errorf("incident %s: %+v, %v", clientID, inc, err)
						}
						got = inc.ClientID
					} else {
						r, err := db.Report(ctx, a.ID)
						if err != nil {
							t.Error(err)
						}
						got = r.ClientID
						reportIDs[s] = append(reportIDs[s], a.ID)
					}
					if got != clientID {
						t.Errorf("ack for %s is item %d, of %s", clientID, a.ID, got)
						failures.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if failures.Load() > 0 {
			t.FailNow()
		}
		// One sender's reports, sent one after another, commit in order.
		for s, list := range reportIDs {
			for k := 1; k < len(list); k++ {
				if list[k] <= list[k-1] {
					t.Errorf("sender %d: report ids %v not increasing", s, list)
				}
			}
		}
		st := in.Stats()
		if st.Items != senders*each || st.Failed != 0 || st.Queued != 0 {
			t.Errorf("stats = %+v", st)
		}
		if st.LargestBatch <= 1 || st.Batches >= st.Items {
			t.Errorf("no batching under concurrency: %+v", st)
		}
		t.Logf("%d items in %d batches (largest %d)", st.Items, st.Batches, st.LargestBatch)
	})
}

// gatedStore holds SaveReports until gate is closed or sent on, and fails
// batches that hold a client id starting with "poison".
type gatedStore struct {
	report.Store
	gate    chan struct{}
	entered chan int // the size of each batch SaveReports is given
}

func (g *gatedStore) SaveReports(ctx context.Context, batch []report.Report) ([]report.Ack, error) {
	if g.entered != nil {
		g.entered <- len(batch)
	}
	if g.gate != nil {
		<-g.gate
	}
	for _, r := range batch {
		if strings.HasPrefix(r.ClientID, "poison") {
			return nil, errors.New("poisoned batch")
		}
	}
	return g.Store.SaveReports(ctx, batch)
}

func TestIngestFailedBatchErrorsAll(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		eid := ingestFixture(t, db)
		// Ten items, one of them for a station that does not exist: the
		// store refuses the whole transaction.
		in := startIngester(t, db, report.IngestOptions{MaxBatch: 10, MaxWait: time.Minute})
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range 10 {
			station := "A-001"
			if i == 7 {
				station = "NOPE"
			}
			wg.Go(func() {
				_, errs[i] = in.SubmitReport(ctx, turnout(eid, fmt.Sprintf("fail-%d", i), station, i))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err == nil {
				t.Errorf("item %d of a failed batch was acknowledged", i)
			}
		}
		if list, err := db.StationReports(ctx, eid, "A-001"); err != nil || len(list) != 0 {
			t.Errorf("after a failed batch: %+v, %v", list, err)
		}
		if st := in.Stats(); st.Batches != 1 || st.Failed != 10 {
			t.Errorf("stats = %+v", st)
		}
		// Nothing of the failed batch was kept: a retry is stored anew.
		again := startIngester(t, db, report.IngestOptions{})
		if a, err := again.SubmitReport(ctx, turnout(eid, "fail-0", "A-001", 0)); err != nil || a.Duplicate {
			t.Errorf("retry after a failed batch = %+v, %v", a, err)
		}
	})
}

func TestIngestMixedBatchFailure(t *testing.T) {
	// Reports and incidents commit in separate transactions: a failed
	// report transaction does not fail the incidents of the batch.
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	eid := ingestFixture(t, db)
	in := startIngester(t, &gatedStore{Store: db}, report.IngestOptions{MaxBatch: 3, MaxWait: time.Minute})
	var wg sync.WaitGroup
	var repErr, incErr, okErr error
	wg.Go(func() { _, repErr = in.SubmitReport(ctx, turnout(eid, "poison-1", "A-001", 1)) })
	wg.Go(func() { _, okErr = in.SubmitReport(ctx, turnout(eid, "good-1", "A-001", 1)) })
	wg.Go(func() {
		_, incErr = in.SubmitIncident(ctx, report.IncidentReport{ClientID: "inc-1", ElectionID: eid, StationCode: "A-001",
			Category: "carousel", Severity: report.Low, ObservedAt: time.Now()})
	})
	wg.Wait()
	if repErr == nil || okErr == nil || incErr != nil {
		t.Errorf("errors: poisoned %v, its batch mate %v, incident %v", repErr, okErr, incErr)
	}
}

func TestIngestShutdownDrains(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		eid := ingestFixture(t, db)
		in := report.NewIngester(db, report.IngestOptions{MaxBatch: 16, Queue: 1000})
		// Submitted before Start: they wait in the queue.
		const n = 200
		var wg sync.WaitGroup
		acks := make([]report.Ack, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { acks[i], errs[i] = in.SubmitReport(ctx, turnout(eid, fmt.Sprintf("d-%03d", i), "A-001", i)) })
		}
		deadline := time.Now().Add(30 * time.Second)
		for in.Stats().Queued < n {
			if time.Now().After(deadline) {
				t.Fatalf("queued %d of %d", in.Stats().Queued, n)
			}
			time.Sleep(time.Millisecond)
		}
		if err := in.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || acks[i].ID == 0 {
				t.Fatalf("item %d: %+v, %v", i, acks[i], errs[i])
			}
		}
		if list, err := db.StationReports(ctx, eid, "A-001"); err != nil || len(list) != n {
			t.Errorf("stored %d of %d, %v", len(list), n, err)
		}
		if st := in.Stats(); st.Items != n || st.Batches < n/16 || st.LargestBatch != 16 {
			t.Errorf("stats = %+v", st)
		}
		if _, err := in.SubmitReport(ctx, turnout(eid, "late", "A-001", 1)); !errors.Is(err, report.ErrIngesterClosed) {
			t.Errorf("submit after Shutdown: %v", err)
		}
		if err := in.Shutdown(ctx); err != nil {
			t.Errorf("second Shutdown: %v", err)
		}
	})
}

func TestIngestShutdownWhileSubmitting(t *testing.T) {
	// Submitters race Shutdown: each item is either refused (never taken)
	// or acknowledged and stored; none is lost.
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	eid := ingestFixture(t, db)
	in := report.NewIngester(db, report.IngestOptions{MaxBatch: 8, Queue: 8})
	in.Start(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []int64
	for s := range 20 {
		wg.Go(func() {
			for k := 0; ; k++ {
				a, err := in.SubmitReport(ctx, turnout(eid, fmt.Sprintf("r-%02d-%04d", s, k), "A-001", k))
				if errors.Is(err, report.ErrIngesterClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, a.ID)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := in.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	list, err := db.StationReports(ctx, eid, "A-001")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(acked) || len(acked) == 0 {
		t.Errorf("%d acknowledged, %d stored", len(acked), len(list))
	}
}

func TestIngestCancelledCaller(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		eid := ingestFixture(t, db)
		gs := &gatedStore{Store: db, gate: make(chan struct{}), entered: make(chan int, 10)}
		in := startIngester(t, gs, report.IngestOptions{MaxWait: -1})
		wctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		r := turnout(eid, "cancel-1", "A-001", 7)
		go func() {
			_, err := in.SubmitReport(wctx, r)
			errc <- err
		}()
		<-gs.entered // the batch is in the store, held at the gate
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled caller got %v", err)
		}
		close(gs.gate)
		// The item still commits, once: a retry finds it.
		a, err := in.SubmitReport(ctx, r)
		if err != nil || !a.Duplicate {
			t.Fatalf("retry = %+v, %v", a, err)
		}
		if list, err := db.StationReports(ctx, eid, "A-001"); err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Errorf("stored %+v, %v", list, err)
		}
		// A caller whose context is already over is never taken.
		done, cancel2 := context.WithCancel(ctx)
		cancel2()
		if _, err := in.SubmitReport(done, turnout(eid, "cancel-2", "A-001", 1)); !errors.Is(err, context.Canceled) {
			t.Errorf("submit with a dead context: %v", err)
		}
		if list, err := db.StationReports(ctx, eid, "A-001"); err != nil || len(list) != 1 {
			t.Errorf("stored %d, %v", len(list), err)
		}
	})
}

func TestIngestRefusesBadItems(t *testing.T) {
	// Refused before they reach a batch, so that they cannot fail others.
	ctx := context.Background()
	in := startIngester(t, &gatedStore{}, report.IngestOptions{})
	bad := turnout(1, "x", "A-001", 1)
	bad.Answers["n"] = json.RawMessage("{")
	for _, r := range []report.Report{turnout(1, "", "A-001", 1), turnout(1, strings.Repeat("x", 101), "A-001", 1), bad} {
		if _, err := in.SubmitReport(ctx, r); baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Errorf("SubmitReport(%.20q) = %v", r.ClientID, err)
		}
	}
	if _, err := in.SubmitIncident(ctx, report.IncidentReport{}); baqylau.ErrorCode(err) != baqylau.EINVALID {
		t.Errorf("SubmitIncident(no client id) = %v", err)
	}
	if st := in.Stats(); st.Items != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestIngestStartContextEnds(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	eid := ingestFixture(t, db)
	in := report.NewIngester(db, report.IngestOptions{})
	sctx, cancel := context.WithCancel(ctx)
	in.Start(sctx)
	if _, err := in.SubmitReport(ctx, turnout(eid, "s-1", "A-001", 1)); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := in.SubmitReport(ctx, turnout(eid, "s-2", "A-001", 2))
		if errors.Is(err, report.ErrIngesterClosed) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("after Start's context ended: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	if err := in.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// The durability test runs an ingesting child process, kills it with
// SIGKILL after some acknowledgements, and checks that every report it
// acknowledged is in the database.

const (
	helperDBEnv       = "BAQYLAU_INGEST_HELPER_DB"
	helperElectionEnv = "BAQYLAU_INGEST_HELPER_ELECTION"
	helperPrefixEnv   = "BAQYLAU_INGEST_HELPER_PREFIX"
)

// TestHelperProcess is the child of TestIngestDurableAfterKill: it ingests
// reports from 16 goroutines for ever and prints "ack CLIENT_ID" to stdout
// as each is acknowledged. It does nothing in a normal test run.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperDBEnv)
	if path == "" {
		t.Skip("only run as the child of TestIngestDurableAfterKill")
	}
	eid, err := strconv.ParseInt(os.Getenv(helperElectionEnv), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	in := report.NewIngester(db, report.IngestOptions{})
	in.Start(ctx)
	prefix := os.Getenv(helperPrefixEnv)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for k := 0; ; k++ {
				id := fmt.Sprintf("%s-%02d-%07d", prefix, g, k)
				if _, err := in.SubmitReport(ctx, turnout(eid, id, "A-001", k)); err != nil {
					fmt.Fprintln(os.Stderr, "submit:", err)
					os.Exit(2)
				}
				mu.Lock()
				_, err := fmt.Fprintf(os.Stdout, "ack %s\n", id)
				mu.Unlock()
				if err != nil {
					os.Exit(3)
				}
			}
		})
	}
	wg.Wait()
}

func TestIngestDurableAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx := context.Background()
	path := storetest.DSN(t, store.SQLite)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	eid := ingestFixture(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperDBEnv+"="+path, helperElectionEnv+"="+strconv.FormatInt(eid, 10),
			helperPrefixEnv+"="+fmt.Sprintf("kill%d", round))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a different point each round, in the middle of the flow.
		killAfter := 500 + 1700*round
		var acked []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			id, ok := strings.CutPrefix(line, "ack ")
			if !ok {
				continue
			}
			acked = append(acked, id)
			if len(acked) == killAfter {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				// Keep reading: lines written before the kill are acks too.
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child ended with %v, not SIGKILL; stderr:\n%s", err, stderr.String())
		}
		if len(acked) < killAfter {
			t.Fatalf("child acknowledged %d reports before dying; stderr:\n%s", len(acked), stderr.String())
		}

		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		list, err := db.StationReports(ctx, eid, "A-001")
		if err != nil {
			t.Fatal(err)
		}
		round := fmt.Sprintf("kill%d-", round)
		n := 0
		for _, r := range list {
			if strings.HasPrefix(r.ClientID, round) {
				stored[r.ClientID] = true
				n++
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		lost := 0
		for _, id := range acked {
			if !stored[id] {
				lost++
				if lost <= 5 {
					t.Errorf("acknowledged report %s is not in the database", id)
				}
			}
		}
		if lost > 0 {
			t.Fatalf("round %s %d of %d acknowledged reports lost", round, lost, len(acked))
		}
		t.Logf("round %s killed after %d acks; all %d acknowledged reports stored (%d in the database)",
			round, killAfter, len(acked), n)
	}
}

// BenchmarkIngest measures reports/s through the Ingester from many
// concurrent submitters, each waiting for its own commit as an HTTP
// handler does. "group" is the Ingester with its defaults; "single" is
// one transaction per report (MaxBatch 1), for comparison.
func BenchmarkIngest(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		for _, mode := range []struct {
			name string
			opts report.IngestOptions
		}{
			{"group", report.IngestOptions{}},
			{"single", report.IngestOptions{MaxBatch: 1, MaxWait: -1}},
		} {
			b.Run(engine+"/"+mode.name, func(b *testing.B) {
				ctx := context.Background()
				db := storetest.Open(b, engine)
				eid := ingestFixture(b, db)
				in := startIngester(b, db, mode.opts)
				var n atomic.Int64
				b.SetParallelism(64) // 64 × GOMAXPROCS submitters
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						k := n.Add(1)
						if _, err := in.SubmitReport(ctx, turnout(eid, fmt.Sprintf("bench-%010d", k), "A-001", int(k))); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.StopTimer()
				st := in.Stats()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
				if st.Batches > 0 {
					b.ReportMetric(float64(st.Items)/float64(st.Batches), "reports/batch")
				}
			})
		}
	}
}
