package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestBackupUnderWriteLoad takes a backup while observers keep sending
// reports through the ingester, restores it on a "fresh machine" (another
// directory) and finds there every report acknowledged before the backup
// began.
func TestBackupUnderWriteLoad(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	e := reportFixture(t, db)
	in := report.NewIngester(db, report.IngestOptions{})
	in.Start(ctx)
	defer in.Shutdown(ctx)

	var (
		mu    sync.Mutex
		acked = map[string]string{} // client id → station
		stop  atomic.Bool
		wg    sync.WaitGroup
		errs  atomic.Int64
	)
	stations := []string{"A-001", "A-002", "Z-US1"}
	at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	for w := range 8 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				st := stations[(w+i)%len(stations)]
				if _, err := in.SubmitReport(ctx, turnoutReport(e.ID, id, st, at.Add(time.Duration(i)*time.Second), i)); err != nil {
					errs.Add(1)
					continue
				}
				mu.Lock()
				acked[id] = st
				mu.Unlock()
			}
		})
	}
	waitFor := func(n int) {
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(500)
	// Everything acknowledged so far must be in the backup.
	mu.Lock()
	before := make(map[string]string, len(acked))
	for k, v := range acked {
		before[k] = v
	}
	mu.Unlock()
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	info, err := db.Backup(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(len(before) + 200) // writes went on during the backup
	stop.Store(true)
	wg.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d reports failed under load", errs.Load())
	}
	if info.Reports < int64(len(before)) {
		t.Errorf("backup holds %d reports, %d were acknowledged before it", info.Reports, len(before))
	}
	if _, err := db.Backup(ctx, backup); baqylau.ErrorCode(err) != baqylau.ECONFLICT {
		t.Errorf("a second backup over the first: %v, want a conflict", err)
	}

	// A fresh machine: another directory, restore, open.
	target := filepath.Join(t.TempDir(), "restored.db")
	if _, err := store.Restore(ctx, backup, target, false); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	have := map[string]bool{}
	for _, st := range stations {
		rs, err := restored.StationReports(ctx, e.ID, st)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			have[r.ClientID] = true
		}
	}
	missing := 0
	for id := range before {
		if !have[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d reports acknowledged before the backup are not in the restored database", missing, len(before))
	}
	t.Logf("%d reports acknowledged before the backup, %d in it, %d acknowledged in all", len(before), info.Reports, len(acked))
}

// TestRestoreRefusesBadBackups: a truncated, corrupted or foreign file
// fails loudly and leaves the target as it was; a non-empty target is
// replaced only with force.
func TestRestoreRefusesBadBackups(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	e := reportFixture(t, db)
	var batch []report.Report
	for i := range 2000 {
		batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("c-%d", i), "A-001", time.Date(2026, 3, 15, 5, 0, i, 0, time.UTC), i))
	}
	if _, err := db.SaveReports(ctx, batch); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if _, err := db.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(raw[16])<<8 | int(raw[17])
	corrupt := bytes.Clone(raw)
	for p := len(raw) / pageSize / 2; p < len(raw)/pageSize; p++ {
		copy(corrupt[p*pageSize:], bytes.Repeat([]byte{0x0d, 0xff}, 64))
	}
	writeBad := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The target: a live database with its own data.
	targetDir := t.TempDir()
	target := filepath.Join(targetDir, "baqylau.db")
	other, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	mustElection(t, other, "Target's own", "2024-01-01")
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	targetBytes, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, path, want string }{
		{"truncated", writeBad("truncated.db", raw[:len(raw)/2]), "truncated"},
		{"cut in the header", writeBad("short.db", raw[:50]), "not a SQLite database"},
		{"corrupted", writeBad("corrupt.db", corrupt), "integrity check"},
		{"not a database", writeBad("notes.txt", []byte(strings.Repeat("election day notes\n", 500))), "not a SQLite database"},
		{"missing", filepath.Join(dir, "nothing.db"), "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := store.Restore(ctx, c.path, target, true)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Restore(%s) = %v, want an error saying %q", c.name, err, c.want)
			}
			now, rerr := os.ReadFile(target)
			if rerr != nil || !bytes.Equal(now, targetBytes) {
				t.Errorf("a failed restore changed the target")
			}
		})
	}
	if _, err := store.Restore(ctx, good, target, false); baqylau.ErrorCode(err) != baqylau.ECONFLICT {
		t.Errorf("restore over a non-empty target without force: %v, want a conflict", err)
	}
	if _, err := store.Restore(ctx, good, target, true); err != nil {
		t.Fatalf("restore with force: %v", err)
	}
	entries, err := os.ReadDir(targetDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if strings.Contains(en.Name(), ".tmp-") {
			t.Errorf("a temporary file is left: %s", en.Name())
		}
	}
	restored, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	rs, err := restored.StationReports(ctx, e.ID, "A-001")
	if err != nil || len(rs) != 2000 {
		t.Errorf("restored %d reports, %v; want 2000", len(rs), err)
	}
}

// TestBackupPostgres dumps a PostgreSQL database with pg_dump, loses it,
// and loads it back with pg_restore; a second restore over it needs force.
func TestBackupPostgres(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pg_dump is needed under CI")
		}
		t.Skip("pg_dump is not installed")
	}
	ctx := context.Background()
	dsn := storetest.DSN(t, store.Postgres)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	e := reportFixture(t, db)
	if _, err := db.SaveReports(ctx, []report.Report{turnoutReport(e.ID, "c-1", "A-001", time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC), 42)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "baqylau.dump")
	if err := store.BackupPostgres(ctx, dsn, path); err != nil {
		t.Fatal(err)
	}
	if err := store.RestorePostgres(ctx, path, dsn, false); baqylau.ErrorCode(err) != baqylau.ECONFLICT {
		t.Errorf("restore over a live database without force: %v, want a conflict", err)
	}
	// Disaster: the whole schema is gone.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wipe, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := wipe.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if _, err := wipe.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Fatal(err)
	}
	wipe.Close()
	// A truncated dump is refused and changes nothing.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "cut.dump")
	if err := os.WriteFile(bad, raw[:len(raw)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := store.RestorePostgres(ctx, bad, dsn, true); err == nil {
		t.Error("a truncated dump was restored")
	}
	if err := store.RestorePostgres(ctx, path, dsn, false); err != nil {
		t.Fatal(err)
	}
	// And again over the restored database, with force.
	if err := store.RestorePostgres(ctx, path, dsn, true); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	rs, err := restored.StationReports(ctx, e.ID, "A-001")
	if err != nil || len(rs) != 1 || rs[0].ClientID != "c-1" {
		t.Errorf("restored reports %+v, %v", rs, err)
	}
}

// BenchmarkBackup backs up a SQLite database of 200,000 reports.
func BenchmarkBackup(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, store.SQLite)
	e := mustElection(b, db, "Bench", "2026-03-15")
	if _, err := db.ImportStations(ctx, e.ID, manyStations(1000)); err != nil {
		b.Fatal(err)
	}
	const n = 200_000
	at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	batch := make([]report.Report, 0, 256)
	for i := range n {
		batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("b-%d", i), fmt.Sprintf("S%05d", i%1000), at.Add(time.Duration(i)*time.Millisecond), i/1000))
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.SaveReports(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		info, err := db.Backup(ctx, filepath.Join(dir, fmt.Sprintf("b%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(info.Bytes)
	}
}
