package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/ledger"
	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/triage"
)

func testSigner(t *testing.T) *ledger.Signer {
	t.Helper()
	key, _, err := ledger.LoadOrCreateKey(filepath.Join(t.TempDir(), "ledger.key"))
	if err != nil {
		t.Fatal(err)
	}
	return ledger.NewSigner(key)
}

// openRaw opens a fresh database and a plain connection to the same one,
// for changes made behind the application's back.
func openRaw(t *testing.T, engine string) (*store.DB, *sql.DB) {
	t.Helper()
	dsn := storetest.DSN(t, engine)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open(map[string]string{store.SQLite: "sqlite", store.Postgres: "pgx"}[engine], dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw
}

func TestLedgerRecordsAndProves(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db, raw := openRaw(t, engine)
			signer := testSigner(t)
			incidents, staff, observer := triageFixture(t, db)
			var e int64
			if err := raw.QueryRow("SELECT election_id FROM incidents WHERE id = " + fmt.Sprint(incidents[0])).Scan(&e); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 3, 15, 5, 0, 0, 123456789, time.UTC)
			r1 := turnoutReport(e, "c-1", "A-001", at, 120)
			acks, err := db.SaveReports(ctx, []report.Report{r1, turnoutReport(e, "c-2", "A-002", at, 50), r1})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := db.Case(ctx, incidents[0])
			ch, err := triage.Decide(c, triage.Decision{Action: triage.AdviseObserver, Note: "call Айгүл back", Message: "Сообщите номер", By: staff}, 0, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Apply(ctx, &ch); err != nil {
				t.Fatal(err)
			}
			st := publish.Statement{Title: publish.Text{EN: "Statement"}, Body: publish.Text{EN: "Calm."}}
			if err := db.CreateStatement(ctx, &st); err != nil {
				t.Fatal(err)
			}
			// 3 incidents, 2 new reports (the batch's duplicate is not
			// logged again), 1 decision, 1 statement.
			size, _, err := db.LedgerHead(ctx)
			if err != nil || size != 7 {
				t.Fatalf("log size = %d, %v; want 7", size, err)
			}
			head, signed, err := db.SignTreeHead(ctx, signer, time.Minute)
			if err != nil || !signed || head.Size != 7 {
				t.Fatalf("signed head = %+v, %v, %v", head, signed, err)
			}
			if again, signed, _ := db.SignTreeHead(ctx, signer, time.Minute); signed || again.Size != 7 {
				t.Errorf("a head of an unchanged log was signed again within the minute")
			}
			keys, err := db.LedgerKeys(ctx)
			if err != nil || len(keys) != 1 || keys[0].Until != nil {
				t.Fatalf("keys = %+v, %v", keys, err)
			}
			if err := head.Verify(keys); err != nil {
				t.Fatal(err)
			}

			// The observer's receipt finds the entry and proves it.
			entry, err := db.LedgerEntryByReceipt(ctx, acks[0].Receipt)
			if err != nil || entry.Kind != ledger.KindReport || entry.Ref != acks[0].ID {
				t.Fatalf("entry of receipt = %+v, %v", entry, err)
			}
			if st, err := db.LedgerEntry(ctx, 6); err != nil || st.Kind != ledger.KindStatement || strings.Contains(string(st.Public), "Calm") ||
				!strings.Contains(string(st.Public), ledger.StatementContentHash(publish.Statement{Title: publish.Text{EN: "Statement"}, Body: publish.Text{EN: "Calm."}})) {
				t.Errorf("statement entry = %s, %v; want only its content hash", st.Public, err)
			}
			if strings.Contains(string(entry.Public), "c-1") {
				t.Errorf("the public part shows the client id: %s", entry.Public)
			}
			path, err := ledger.InclusionProof(ctx, db, entry.Index, head.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := ledger.VerifyInclusion(entry.Index, head.Size, entry.LeafHash(), path, head.Root); err != nil {
				t.Fatal(err)
			}

			// The log grows; the new head is consistent with the old one.
			if _, err := db.SaveReports(ctx, []report.Report{turnoutReport(e, "c-3", "A-002", at.Add(time.Hour), 90)}); err != nil {
				t.Fatal(err)
			}
			head2, _, err := db.SignTreeHead(ctx, signer, time.Minute)
			if err != nil || head2.Size != 8 {
				t.Fatalf("second head = %+v, %v", head2, err)
			}
			cons, err := ledger.ConsistencyProof(ctx, db, head.Size, head2.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := ledger.VerifyConsistency(head.Size, head2.Size, cons, head.Root, head2.Root); err != nil {
				t.Fatal(err)
			}

			rep, err := db.VerifyLedger(ctx)
			if err != nil || len(rep.Findings) != 0 || rep.Size != 8 || rep.Heads != 2 {
				t.Fatalf("clean check = %+v, %v", rep, err)
			}

			// A statement's release time may move (a mission's statement
			// waits for the results): not a change of what was logged.
			mustExec(t, raw, fmt.Sprintf(`UPDATE statements SET published_at = '2030-01-01T00:00:00.000000Z' WHERE id = %d`, st.ID))
			if rep, err := db.VerifyLedger(ctx); err != nil || len(rep.Findings) != 0 {
				t.Fatalf("after a release time moved: %+v, %v", rep, err)
			}

			// Erasing a person's data on request changes private text:
			// named as erased, not as a fault.
			if _, err := db.ErasePerson(ctx, observer, "test"); err != nil {
				t.Fatal(err)
			}
			rep, err = db.VerifyLedger(ctx)
			if err != nil || len(rep.Faults()) != 0 || !hasProblem(rep, ledger.ProblemErased) {
				t.Fatalf("after an erasure: %+v, %v", rep, err)
			}
			// The erased entry's salt is forgotten: its hash can no longer
			// be tested against guesses of the erased text.
			var saltLen int
			if err := raw.QueryRow(fmt.Sprintf("SELECT length(salt) FROM ledger_entries WHERE kind = 'decision' AND ref = %d", ch.Decision.ID)).Scan(&saltLen); err != nil || saltLen != 0 {
				t.Errorf("salt of the erased decision: %d bytes, %v", saltLen, err)
			}

			// Changes by direct SQL are found and named.
			mustExec(t, raw, fmt.Sprintf(`UPDATE reports SET answers = '{"ballots_cast":999}' WHERE id = %d`, acks[1].ID))
			mustExec(t, raw, fmt.Sprintf(`UPDATE incidents SET description = 'edited' WHERE id = %d`, incidents[1]))
			mustExec(t, raw, fmt.Sprintf(`DELETE FROM statements WHERE id = %d`, st.ID))
			rep, err = db.VerifyLedger(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{
				fmt.Sprintf("report %d changed", acks[1].ID):     false,
				fmt.Sprintf("incident %d changed", incidents[1]): false,
				fmt.Sprintf("statement %d deleted", st.ID):       false,
			}
			for _, f := range rep.Findings {
				k := fmt.Sprintf("%s %d %s", f.Kind, f.Ref, f.Problem)
				if f.Problem == ledger.ProblemErased {
					continue
				}
				if _, ok := want[k]; !ok {
					t.Errorf("unexpected finding %s", f)
				}
				want[k] = true
			}
			for k, found := range want {
				if !found {
					t.Errorf("not found: %s (findings %v)", k, rep.Findings)
				}
			}

			// Rewriting the log itself to match breaks the signed heads.
			var idx int64
			var public string
			if err := raw.QueryRow(fmt.Sprintf("SELECT idx, public FROM ledger_entries WHERE kind = 'report' AND ref = %d", acks[1].ID)).Scan(&idx, &public); err != nil {
				t.Fatal(err)
			}
			mustExec(t, raw, fmt.Sprintf(`UPDATE ledger_entries SET public = '%s' WHERE idx = %d`, strings.Replace(public, "50", "999", 1), idx))
			rep, _ = db.VerifyLedger(ctx)
			if !hasProblem(rep, ledger.ProblemLeaf) {
				t.Errorf("a rewritten entry is not found: %v", rep.Findings)
			}

		})
	}
}

func hasProblem(rep ledger.CheckReport, p string) bool {
	for _, f := range rep.Findings {
		if f.Problem == p {
			return true
		}
	}
	return false
}

func mustExec(t *testing.T, raw *sql.DB, q string) {
	t.Helper()
	if _, err := raw.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestLedgerConcurrentBatches checks that batches committing at once get
// gapless leaf indexes and one consistent tree (on PostgreSQL they run in
// parallel on several connections).
func TestLedgerConcurrentBatches(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for b := range 5 {
					var batch []report.Report
					for i := range 5 {
						batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("w%d-b%d-%d", w, b, i), "A-001", at, i))
					}
					if _, err := db.SaveReports(ctx, batch); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, _, err := db.SignTreeHead(ctx, testSigner(t), 0); err != nil {
			t.Fatal(err)
		}
		rep, err := db.VerifyLedger(ctx)
		if err != nil || rep.Size != 200 || len(rep.Findings) != 0 {
			t.Fatalf("after concurrent batches: %+v, %v", rep, err)
		}
	})
}

// TestLedgerProofsFromStoredNodes checks every inclusion and consistency
// proof of a log of 70 leaves read from the database (stored nodes from
// level 4, lower ones recomputed from leaves), and that a changed stored
// node is named by the operator's check.
func TestLedgerProofsFromStoredNodes(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db, raw := openRaw(t, engine)
			e := reportFixture(t, db)
			at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
			for b := range 7 {
				var batch []report.Report
				for i := range 10 {
					batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("n-%d-%d", b, i), "A-002", at, i))
				}
				if _, err := db.SaveReports(ctx, batch); err != nil {
					t.Fatal(err)
				}
			}
			tree := ledger.NewMemTree()
			entries, err := db.LedgerEntries(ctx, 0, 1000)
			if err != nil || len(entries) != 70 {
				t.Fatalf("entries: %d, %v", len(entries), err)
			}
			for _, en := range entries {
				tree.Append(en.LeafHash())
			}
			head, _, err := db.SignTreeHead(ctx, testSigner(t), 0)
			if err != nil || !bytes.Equal(head.Root, tree.Root()) {
				t.Fatalf("head %+v, %v; want root %x", head, err, tree.Root())
			}
			for size := uint64(1); size <= 70; size++ {
				root, _ := tree.RootAt(size)
				for i := range size {
					p, err := ledger.InclusionProof(ctx, db, i, size)
					if err != nil {
						t.Fatal(err)
					}
					if err := ledger.VerifyInclusion(i, size, entries[i].LeafHash(), p, root); err != nil {
						t.Fatalf("leaf %d of %d: %v", i, size, err)
					}
				}
				p, err := ledger.ConsistencyProof(ctx, db, size, 70)
				if err != nil {
					t.Fatal(err)
				}
				if err := ledger.VerifyConsistency(size, 70, p, root, head.Root); err != nil {
					t.Fatalf("consistency %d→70: %v", size, err)
				}
			}
			if rep, err := db.VerifyLedger(ctx); err != nil || len(rep.Findings) != 0 {
				t.Fatalf("clean check: %+v, %v", rep, err)
			}
			mustExec(t, raw, "UPDATE ledger_nodes SET hash = (SELECT leaf_hash FROM ledger_entries WHERE idx = 0) WHERE level = 4 AND idx = 1")
			rep, _ := db.VerifyLedger(ctx)
			found := false
			for _, f := range rep.Findings {
				found = found || strings.Contains(f.Detail, "tree node 4/1")
			}
			if !found {
				t.Errorf("a changed tree node is not found: %v", rep.Findings)
			}
		})
	}
}

// TestKeepSigning runs the background signer of `serve` on a real
// database: a head is signed at once, and again once the log grows.
func TestKeepSigning(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		sctx, cancel := context.WithCancel(ctx)
		done := ledger.KeepSigning(sctx, db, testSigner(t), 5*time.Millisecond, time.Hour, slog.New(slog.DiscardHandler))
		waitHead := func(size uint64) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if h, err := db.LatestTreeHead(ctx); err == nil && h.Size == size {
					return
				}
			}
			t.Fatalf("no tree head of size %d was signed", size)
		}
		waitHead(0)
		if _, err := db.SaveReports(ctx, []report.Report{turnoutReport(e.ID, "k-1", "A-001", time.Now(), 1)}); err != nil {
			t.Fatal(err)
		}
		waitHead(1)
		cancel()
		<-done
		heads, err := db.TreeHeads(ctx)
		if err != nil || len(heads) != 2 {
			t.Errorf("heads = %d, %v; want one per size (an unchanged log is not signed again within maxAge)", len(heads), err)
		}
	})
}

// TestLedgerReceiptsIndexedInBulk finds every receipt while the log
// indexes them in bulk, every 5 entries here: those copied into
// ledger_receipts and those after it alike, and an unknown one not.
func TestLedgerReceiptsIndexedInBulk(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db, raw := openRaw(t, engine)
			store.SetReceiptBatch(db, 5)
			e := tallyFixture(t, db)
			var acks []report.Ack
			at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
			for b := range 7 {
				var batch []report.Report
				for i := range 3 {
					batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("r-%d-%d", b, i), "A", at.Add(time.Duration(b*3+i)*time.Minute), b*3+i))
				}
				got, err := db.SaveReports(ctx, batch)
				if err != nil {
					t.Fatal(err)
				}
				acks = append(acks, got...)
			}
			var indexed, behind int
			if err := raw.QueryRow("SELECT (SELECT COUNT(*) FROM ledger_receipts), size - receipts_indexed FROM ledger_head").Scan(&indexed, &behind); err != nil {
				t.Fatal(err)
			}
			// Batches of 3: indexed after the 2nd (6), 4th (12) and 6th (18) batch.
			if indexed != 18 || behind != 3 {
				t.Errorf("%d receipts indexed and %d behind, want 18 and 3", indexed, behind)
			}
			for _, a := range acks {
				entry, err := db.LedgerEntryByReceipt(ctx, a.Receipt)
				if err != nil || entry.Kind != ledger.KindReport || entry.Ref != a.ID {
					t.Errorf("entry of receipt of report %d = %+v, %v", a.ID, entry, err)
				}
			}
			unknown := strings.Repeat("ab", 32)
			if _, err := db.LedgerEntryByReceipt(ctx, unknown); err == nil {
				t.Errorf("an unknown receipt found an entry")
			}
		})
	}
}
