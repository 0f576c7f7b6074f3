package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// cli runs one command line in-process, as main would.
func cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const stationsCSV = "code,name,region,district,country,city,timezone,registered_voters\n" +
	"KZ-75-001,Школа № 1,Алматы,Алмалинский район,KZ,Алматы,,1500\n" +
	"KZ-35-002,Gymnasium 2,Karagandy oblysy,,KZ,Karaganda,,900\n" +
	"US-SF,Consulate General in San Francisco,,,US,San Francisco,America/Los_Angeles,310\n"

func TestCommands(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db := storetest.DSN(t, engine)
			if out, err := cli(t, "correct horse battery staple\n", "user", "add", "--db", db, "--email", "Admin@Example.org", "--role", "admin", "--password-stdin"); err != nil || !strings.Contains(out, "admin@example.org") {
				t.Fatalf("user add: %v %s", err, out)
			}
			if _, err := cli(t, "correct horse battery staple\n", "user", "add", "--db", db, "--email", "admin@example.org", "--role", "admin", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("second user with the same e-mail: %v", err)
			}
			if _, err := cli(t, "correct horse battery staple\n", "user", "add", "--db", db, "--email", "l@example.org", "--role", "lawyer", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "region") {
				t.Errorf("lawyer without a region: %v", err)
			}
			if _, err := cli(t, "short\n", "user", "add", "--db", db, "--email", "x@example.org", "--role", "admin", "--password-stdin"); err == nil {
				t.Errorf("short password accepted")
			}
			out, err := cli(t, "", "token", "issue", "--db", db, "--email", "admin@example.org")
			if err != nil || !strings.HasPrefix(out, "bq_") {
				t.Fatalf("token issue: %v %q", err, out)
			}
			out, err = cli(t, "", "election", "add", "--db", db, "--name", "Mazhilis 2023", "--kind", "mazhilis", "--date", "2023-03-19", "--contest", "Party lists")
			if err != nil || strings.TrimSpace(out) != "1" {
				t.Fatalf("election add: %v %q, want id 1", err, out)
			}
			if _, err := cli(t, "", "election", "add", "--db", db, "--name", "X", "--kind", "mayor", "--date", "2023-03-19"); err == nil {
				t.Errorf("unknown election kind accepted")
			}
			good := writeFile(t, "stations.csv", stationsCSV)
			if out, err := cli(t, "", "import", "stations", "--db", db, "--election", "1", good); err != nil || !strings.Contains(out, "3 stations created, 0 updated") {
				t.Fatalf("import: %v %s", err, out)
			}
			if out, err := cli(t, "", "import", "stations", "--db", db, "--election", "1", good); err != nil || !strings.Contains(out, "0 stations created, 3 updated") {
				t.Fatalf("re-import: %v %s", err, out)
			}
			bad := writeFile(t, "bad.csv", stationsCSV+"KZ-99-1,Nowhere,Qaragandyy,,KZ,,,-4\n")
			_, err = cli(t, "", "import", "stations", "--db", db, "--election", "1", bad)
			if err == nil || !strings.Contains(err.Error(), "row 5") || !strings.Contains(err.Error(), "region") || !strings.Contains(err.Error(), "registered_voters") {
				t.Errorf("bad file: %v, want errors naming row 5, region and registered_voters", err)
			}
			obs := writeFile(t, "observers.csv", "full_name,organization,organization_kind,country,email,mission\n"+
				"Ivan Petrov,CIS Observer Mission,international_organization,RU,ivan@example.org,CIS mission\n"+
				"Әлихан Бөкейханов,Centre for Non-Partisan Observation,domestic_ngo,KZ,alikhan@example.org,\n")
			if out, err := cli(t, "", "import", "observers", "--db", db, "--election", "1", obs); err != nil || !strings.Contains(out, "2 observers imported, 2 organisations and 1 missions created") {
				t.Errorf("import observers: %v %s", err, out)
			}
			if _, err := cli(t, "", "import", "observers", "--db", db, obs); err == nil || !strings.Contains(err.Error(), "--election") {
				t.Errorf("missions without an election: %v", err)
			}
			if _, err := cli(t, "", "import", "observers", "--db", db, "--election", "1", obs); err == nil || !strings.Contains(err.Error(), "row 2") {
				t.Errorf("the same observers again: %v, want duplicates named by row", err)
			}
			badObs := writeFile(t, "bad-observers.csv", "full_name,organization,organization_kind\nX,Y,alien\n")
			if _, err := cli(t, "", "import", "observers", "--db", db, badObs); err == nil || !strings.Contains(err.Error(), "organization_kind") {
				t.Errorf("bad kind: %v", err)
			}
			if out, err := cli(t, "", "migrate", "--db", db); err != nil || !strings.Contains(out, "schema version") {
				t.Errorf("migrate: %v %s", err, out)
			}
			if _, err := cli(t, "", "frobnicate"); err == nil {
				t.Errorf("unknown command accepted")
			}
		})
	}
}

// startServer runs `baqylau serve` in-process on a free port and returns
// its base URL.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	re := regexp.MustCompile(`open (http://[0-9.:]+)/`)
	sc := bufio.NewScanner(pr)
	var base string
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatal("serve printed no address")
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return base
}

func TestServe(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			base := startServer(t, "--db", storetest.DSN(t, engine))
			client := &http.Client{Timeout: 10 * time.Second}
			resp, err := client.Get(base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("healthz: %d", resp.StatusCode)
			}
			resp, err = client.Get(base + "/api/v1/openapi.json")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("openapi.json: %d", resp.StatusCode)
			}
		})
	}
}

// TestDemo loads the demo twice: the second run reuses the election and
// resets the demo administrator's password, which then signs in.
func TestDemo(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	for run := 0; run < 2; run++ {
		out, err := cli(t, "", "demo", "--db", dsn)
		if err != nil {
			t.Fatalf("demo: %v %s", err, out)
		}
		if !strings.Contains(out, "demo election 1: 10000 stations at home, 66 abroad in 62 countries (12016 registered abroad)") {
			t.Errorf("demo run %d printed %q", run, out)
		}
		m := regexp.MustCompile(`password (\S+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no password printed: %q", out)
		}
		db, err := openDB(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.Authenticate(context.Background(), db, demoAdmin, m[1]); err != nil {
			t.Errorf("demo administrator cannot sign in with the printed password: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
