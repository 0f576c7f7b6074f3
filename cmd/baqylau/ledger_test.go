package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/ledger"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestMain keeps `serve` in every test of this package from writing its
// log signing key into the working directory (the default on PostgreSQL).
func TestMain(m *testing.M) {
	if os.Getenv("BAQYLAU_LEDGER_KEY") == "" {
		dir, err := os.MkdirTemp("", "baqylau-ledger-key")
		if err != nil {
			panic(err)
		}
		os.Setenv("BAQYLAU_LEDGER_KEY", filepath.Join(dir, "ledger.key"))
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// ledgerFixture serves a database with an election, stations and an
// admin's token.
func ledgerFixture(t *testing.T, engine string) (dsn, keyPath, base, token string) {
	t.Helper()
	dsn = storetest.DSN(t, engine)
	keyPath = filepath.Join(t.TempDir(), "ledger.key")
	if _, err := cli(t, "correct horse battery staple\n", "user", "add", "--db", dsn, "--email", "admin@example.org", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, "", "token", "issue", "--db", dsn, "--email", "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(out)
	if _, err := cli(t, "", "election", "add", "--db", dsn, "--name", "Mazhilis 2023", "--kind", "mazhilis", "--date", "2023-03-19"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, "", "import", "stations", "--db", dsn, "--election", "1", writeFile(t, "stations.csv", stationsCSV)); err != nil {
		t.Fatal(err)
	}
	base = startServer(t, "--db", dsn, "--ledger-key", keyPath)
	return dsn, keyPath, base, token
}

// postReport files a turnout report as the admin and returns its receipt.
func postReport(t *testing.T, base, token, clientID, station, at string, cast int) string {
	t.Helper()
	body := fmt.Sprintf(`{"client_id":%q,"station":%q,"form":"turnout","observed_at":%q,"answers":{"checkpoint":"12:00","ballots_cast":%d}}`, clientID, station, at, cast)
	req, _ := http.NewRequest("POST", base+"/api/v1/elections/1/reports", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ack struct {
		Receipt string `json:"receipt"`
	}
	if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&ack) != nil || ack.Receipt == "" {
		t.Fatalf("report %s: %d", clientID, resp.StatusCode)
	}
	return ack.Receipt
}

// signNow signs a tree head with the server's key, as its background
// signer does within ten seconds.
func signNow(t *testing.T, dsn, keyPath string) ledger.TreeHead {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, _, err := ledger.LoadOrCreateKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := db.SignTreeHead(context.Background(), ledger.NewSigner(key), 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func download(t *testing.T, url, name string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return writeFile(t, name, string(b))
}

// TestVerifyCommands runs each verify command as a user would, against a
// real server and database: a receipt's inclusion, the log's growth, the
// figures from the export, and the operator's check after a change made
// by direct SQL.
func TestVerifyCommands(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn, keyPath, base, token := ledgerFixture(t, engine)
			r1 := postReport(t, base, token, "6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d51", "KZ-75-001", "2023-03-19T12:05:00+06:00", 300)
			postReport(t, base, token, "6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d52", "KZ-35-002", "2023-03-19T12:10:00+06:00", 100)
			head := signNow(t, dsn, keyPath)
			if head.Size != 2 {
				t.Fatalf("signed head of %d entries, want 2", head.Size)
			}
			key, _, _ := ledger.LoadOrCreateKey(keyPath)
			pub := fmt.Sprintf("%x", []byte(ledger.NewSigner(key).Public().Key))

			out, err := cli(t, "", "verify", "receipt", "--server", base, "--key", pub, r1)
			if err != nil || !strings.Contains(out, "OK: receipt "+r1) {
				t.Fatalf("verify receipt: %v\n%s", err, out)
			}
			other := strings.Repeat("ab", 32)
			if out, err := cli(t, "", "verify", "receipt", "--server", base, other); err == nil || !strings.Contains(err.Error(), "404") {
				t.Errorf("unknown receipt: %v\n%s", err, out)
			}
			wrongKey := strings.Repeat("00", 32)
			if _, err := cli(t, "", "verify", "receipt", "--server", base, "--key", wrongKey, r1); err == nil {
				t.Error("a tree head verified with another key")
			}
			if _, err := cli(t, "", "verify", "receipt", "--server", base, "nothex"); err == nil {
				t.Error("a malformed receipt was accepted")
			}

			saved := download(t, base+"/api/v1/ledger/tree-head", "old-head.json")
			postReport(t, base, token, "6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d53", "KZ-75-001", "2023-03-19T15:05:00+06:00", 700)
			postReport(t, base, token, "6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d54", "US-SF", "2023-03-19T09:00:00-08:00", 20)
			signNow(t, dsn, keyPath)
			next := filepath.Join(t.TempDir(), "new-head.json")
			out, err = cli(t, "", "verify", "log", "--server", base, "--key", pub, "--save", next, saved)
			if err != nil || !strings.Contains(out, "OK: the log only grew: the tree of 4 entries") {
				t.Fatalf("verify log: %v\n%s", err, out)
			}
			if out, err := cli(t, "", "verify", "log", "--server", base, saved, next); err != nil {
				t.Errorf("verify log with two files: %v\n%s", err, out)
			}
			// A head that was never signed with this key is refused.
			var forged ledger.TreeHead
			b, _ := os.ReadFile(saved)
			_ = json.Unmarshal(b, &forged)
			forged.Size++
			fb, _ := json.Marshal(forged)
			if _, err := cli(t, "", "verify", "log", "--server", base, "--key", pub, writeFile(t, "forged.json", string(fb))); err == nil {
				t.Error("a forged tree head verified")
			}

			export := download(t, base+"/api/v1/ledger/export", "export.json")
			out, err = cli(t, "", "verify", "figures", "--server", base, export)
			if err != nil || !strings.Contains(out, "ballots_cast 820") || !strings.Contains(out, "matches the published figures") {
				t.Fatalf("verify figures: %v\n%s", err, out)
			}
			for _, secret := range []string{"admin@example.org", "6f1c1e0b"} {
				if b, _ := os.ReadFile(export); strings.Contains(string(b), secret) {
					t.Errorf("the public export shows %q", secret)
				}
			}

			if out, err := cli(t, "", "verify", "--db", dsn); err != nil || !strings.Contains(out, "OK: 4 entries") {
				t.Fatalf("verify --db on an untouched database: %v\n%s", err, out)
			}
			raw, err := sql.Open(map[string]string{store.SQLite: "sqlite", store.Postgres: "pgx"}[engine], dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Exec(`UPDATE reports SET answers = '{"ballots_cast":999,"checkpoint":"12:00"}', ballots_cast = 999 WHERE client_id = '6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d52'`); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(`DELETE FROM reports WHERE client_id = '6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d54'`); err != nil {
				t.Fatal(err)
			}
			out, err = cli(t, "", "verify", "--db", dsn)
			if !errors.Is(err, errVerifyFailed) || !strings.Contains(out, "(report 2): changed") || !strings.Contains(out, "(report 4): deleted") {
				t.Errorf("verify --db after direct SQL: %v\n%s", err, out)
			}
		})
	}
}

func TestDefaultLedgerKey(t *testing.T) {
	for dsn, want := range map[string]string{
		"baqylau.db":                            "baqylau-ledger.key",
		"/var/lib/baqylau/x.db":                 "/var/lib/baqylau/baqylau-ledger.key",
		"/var/lib/baqylau/x.db?_pragma=foo(1)":  "/var/lib/baqylau/baqylau-ledger.key",
		"postgres://u@db.example.org/baqylau":   "baqylau-ledger.key",
		"postgresql://u@db.example.org/baqylau": "baqylau-ledger.key",
	} {
		if got := defaultLedgerKey(dsn); got != want {
			t.Errorf("defaultLedgerKey(%q) = %q, want %q", dsn, got, want)
		}
	}
}
