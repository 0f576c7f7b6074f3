package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestBackupRestoreCommands backs up with the command, restores on a
// "fresh machine" (another directory) and starts from the restored file.
func TestBackupRestoreCommands(t *testing.T) {
	db := storetest.DSN(t, "sqlite")
	if out, err := cli(t, "", "election", "add", "--db", db, "--name", "Backup day", "--kind", "presidential", "--date", "2024-05-01"); err != nil {
		t.Fatalf("election add: %v %s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	out, err := cli(t, "", "backup", "--db", db, backup)
	if err != nil || !strings.Contains(out, "checked: schema version") {
		t.Fatalf("backup: %v %s", err, out)
	}
	if _, err := cli(t, "", "backup", "--db", db, backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	target := filepath.Join(t.TempDir(), "restored.db")
	if out, err := cli(t, "", "restore", "--db", target, backup); err != nil || !strings.Contains(out, "restored into") {
		t.Fatalf("restore: %v %s", err, out)
	}
	if _, err := cli(t, "", "restore", "--db", target, backup); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over a database that holds data: %v, want a refusal naming --force", err)
	}
	if out, err := cli(t, "", "restore", "--force", "--db", target, backup); err != nil {
		t.Errorf("restore --force: %v %s", err, out)
	}
	if _, err := cli(t, "", "restore", "--db", filepath.Join(t.TempDir(), "x.db"), db+"-nonexistent"); err == nil {
		t.Errorf("restore of a missing file succeeded")
	}
	if out, err := cli(t, "", "election", "add", "--db", target, "--name", "After restore", "--kind", "presidential", "--date", "2024-06-01"); err != nil || strings.TrimSpace(out) != "2" {
		t.Errorf("the restored database does not go on from the backup: %v %q", err, out)
	}
}

// serveProc is `baqylau serve` running in-process.
type serveProc struct {
	base, metrics string
	stderr        *lockedBuffer
	cancel        context.CancelFunc
	done          chan error
	once          sync.Once
}

// lockedBuffer collects the server's logs from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe starts serve and waits for its address (and the metrics
// listener's, when --metrics-addr is given).
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	p := &serveProc{stderr: &lockedBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		p.done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), pw, p.stderr)
		pw.Close()
	}()
	t.Cleanup(func() { p.stop(t) })
	wantMetrics := slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--metrics-addr") })
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := regexp.MustCompile(`metrics on (http://[0-9.:]+)/metrics`).FindStringSubmatch(sc.Text()); m != nil {
			p.metrics = m[1]
		}
		if m := regexp.MustCompile(`open (https?://[0-9.:]+)/`).FindStringSubmatch(sc.Text()); m != nil {
			p.base = m[1]
			break
		}
	}
	if p.base == "" || wantMetrics && p.metrics == "" {
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		p.stop(t)
		t.Fatalf("serve did not start:\n%s", p.stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return p
}

// stop cancels serve as SIGTERM does and waits for it to return.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	p.once.Do(func() {
		p.cancel()
		if err := <-p.done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
}

// TestServeOverTLS serves HTTPS with a self-signed certificate and is
// reached over a real TLS connection.
func TestServeOverTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	p := startServe(t, "--db", storetest.DSN(t, "sqlite"), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(p.base, "https://") {
		t.Fatalf("serve announced %s, want https", p.base)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(p.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("healthz over TLS: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	// Plain HTTP to the TLS port is not served.
	if resp, err := http.Get("http://" + strings.TrimPrefix(p.base, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered on the TLS port")
		}
	}
	// A certificate without its key stops the start.
	if err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", storetest.DSN(t, "sqlite"), "--tls-cert", certFile}, strings.NewReader(""), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--tls-key") {
		t.Errorf("--tls-cert alone: %v", err)
	}
	if err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", storetest.DSN(t, "sqlite"), "--tls-cert", keyFile, "--tls-key", keyFile}, strings.NewReader(""), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--tls-cert") {
		t.Errorf("a key given as the certificate: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "baqylau test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestSecretFiles: every BAQYLAU_NAME may come from BAQYLAU_NAME_FILE.
func TestSecretFiles(t *testing.T) {
	t.Setenv("BAQYLAU_METRICS_TOKEN", "")
	t.Setenv("BAQYLAU_METRICS_TOKEN_FILE", writeFile(t, "token", "s3cret-from-file\n"))
	t.Setenv("BAQYLAU_DB", "")
	t.Setenv("BAQYLAU_DB_FILE", writeFile(t, "db", "postgres://u:pw@db.internal/baqylau\n"))
	if err := loadSecretFiles(); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv("BAQYLAU_METRICS_TOKEN"); got != "s3cret-from-file" {
		t.Errorf("BAQYLAU_METRICS_TOKEN = %q", got)
	}
	if got := os.Getenv("BAQYLAU_DB"); got != "postgres://u:pw@db.internal/baqylau" {
		t.Errorf("BAQYLAU_DB = %q", got)
	}
	// Both given: refused, not guessed.
	if err := loadSecretFiles(); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("both BAQYLAU_DB and BAQYLAU_DB_FILE: %v", err)
	}
	t.Setenv("BAQYLAU_DB", "")
	t.Setenv("BAQYLAU_METRICS_TOKEN", "")
	t.Setenv("BAQYLAU_TELEGRAM_TOKEN_FILE", filepath.Join(t.TempDir(), "missing"))
	if err := loadSecretFiles(); err == nil || !strings.Contains(err.Error(), "BAQYLAU_TELEGRAM_TOKEN_FILE") {
		t.Errorf("a missing secret file: %v", err)
	}
}

// TestServeOps: JSON logs, /readyz, and /metrics on a listener of its own
// behind a bearer token.
func TestServeOps(t *testing.T) {
	t.Setenv("BAQYLAU_METRICS_TOKEN", "metrics-token-for-tests")
	p := startServe(t, "--db", storetest.DSN(t, "sqlite"), "--log-format", "json", "--metrics-addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8")
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url, token string) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(p.base+"/readyz", ""); code != 200 {
		t.Errorf("/readyz: %d", code)
	}
	if code, _ := get(p.base+"/metrics", ""); code == 200 {
		t.Errorf("/metrics on the main listener answered without sign-in")
	}
	if code, _ := get(p.metrics+"/metrics", ""); code != 401 {
		t.Errorf("/metrics without the token: %d", code)
	}
	code, body := get(p.metrics+"/metrics", "metrics-token-for-tests")
	for _, want := range []string{"baqylau_ingest_queue_depth", `baqylau_db_open_connections{pool="write"}`, `baqylau_http_requests_total{code="200",method="GET",route="GET /readyz"} 1`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics: %d, lacks %q", code, want)
		}
	}
	p.stop(t)
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("log line not JSON: %s", l)
		}
	}
	if err := run(context.Background(), []string{"serve", "--log-format", "xml"}, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("--log-format xml accepted")
	}
	if err := run(context.Background(), []string{"serve", "--trusted-proxies", "10.0.0.0/33"}, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("a bad trusted proxy accepted")
	}
}

// TestGracefulDrain cancels serve (as SIGTERM does) while reports are in
// flight: every report acknowledged is in the database afterwards, and no
// request the server took is answered with an error.
func TestGracefulDrain(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db := storetest.DSN(t, engine)
			if out, err := cli(t, "correct horse battery staple\n", "user", "add", "--db", db, "--email", "desk@example.org", "--role", "coordinator", "--password-stdin"); err != nil {
				t.Fatalf("user add: %v %s", err, out)
			}
			token, err := cli(t, "", "token", "issue", "--db", db, "--email", "desk@example.org")
			if err != nil {
				t.Fatal(err)
			}
			token = strings.TrimSpace(token)
			if out, err := cli(t, "", "election", "add", "--db", db, "--name", "Drain", "--kind", "presidential", "--date", "2024-05-01"); err != nil {
				t.Fatalf("election add: %v %s", err, out)
			}
			if out, err := cli(t, "", "import", "stations", "--db", db, "--election", "1", writeFile(t, "s.csv", stationsCSV)); err != nil {
				t.Fatalf("import stations: %v %s", err, out)
			}
			p := startServe(t, "--db", db)
			var (
				mu    sync.Mutex
				acked []string
				bad   []string
				wg    sync.WaitGroup
				stop  atomic.Bool
			)
			client := &http.Client{Timeout: 30 * time.Second}
			for w := range 16 {
				wg.Go(func() {
					for i := 0; !stop.Load(); i++ {
						id := fmt.Sprintf("00000000-0000-4000-8000-%04d%08d", w, i)
						body := fmt.Sprintf(`{"client_id":%q,"station":"KZ-75-001","form":"turnout","observed_at":"2024-05-01T10:00:00+05:00","answers":{"checkpoint":"10:00","ballots_cast":%d}}`, id, i)
						req, _ := http.NewRequest("POST", p.base+"/api/v1/elections/1/reports", strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+token)
						req.Header.Set("Content-Type", "application/json")
						resp, err := client.Do(req)
						if err != nil {
							return // the listener is closed: never taken
						}
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						mu.Lock()
						if resp.StatusCode == 201 {
							acked = append(acked, id)
						} else {
							bad = append(bad, fmt.Sprintf("%d %s", resp.StatusCode, b))
						}
						mu.Unlock()
					}
				})
			}
			for {
				mu.Lock()
				n, failed := len(acked), len(bad)
				mu.Unlock()
				if n >= 200 {
					break
				}
				if failed > 0 {
					stop.Store(true)
					wg.Wait()
					t.Fatalf("reports refused before the drain: %s", bad[0])
				}
				time.Sleep(5 * time.Millisecond)
			}
			p.stop(t) // requests are in flight now
			stop.Store(true)
			wg.Wait()
			if len(bad) > 0 {
				t.Errorf("%d requests answered with an error during the drain, first: %s", len(bad), bad[0])
			}
			d, err := openDB(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			rs, err := d.StationReports(context.Background(), 1, "KZ-75-001")
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, r := range rs {
				have[r.ClientID] = true
			}
			for _, id := range acked {
				if !have[id] {
					t.Errorf("report %s was acknowledged but is not stored", id)
				}
			}
			t.Logf("%d reports acknowledged, %d stored", len(acked), len(rs))
		})
	}
}

// TestEraseCommand erases one person named by e-mail and an election past
// its retention period, and prints the record, which names neither.
func TestEraseCommand(t *testing.T) {
	db := storetest.DSN(t, "sqlite")
	if out, err := cli(t, "", "election", "add", "--db", db, "--name", "Old", "--kind", "presidential", "--date", "2021-06-01"); err != nil {
		t.Fatalf("election add: %v %s", err, out)
	}
	obs := writeFile(t, "observers.csv", "full_name,organization,organization_kind,country,email,phone\n"+
		"Aigerim Seitkali,Open Elections,domestic_ngo,KZ,aigerim@example.org,+7 701 222 3344\n")
	if out, err := cli(t, "", "import", "observers", "--db", db, obs); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	out, err := cli(t, "", "erase", "--db", db, "--person", "aigerim@example.org", "--by", "dpo")
	if err != nil || !strings.Contains(out, "observer 1 erased") {
		t.Fatalf("erase --person: %v %s", err, out)
	}
	if _, err := cli(t, "", "erase", "--db", db, "--person", "aigerim@example.org"); err == nil {
		t.Error("the e-mail still finds the erased observer")
	}
	if _, err := cli(t, "", "erase", "--db", db, "--election", "1"); err == nil || !strings.Contains(err.Error(), "--older-than") {
		t.Errorf("erase --election without a period: %v", err)
	}
	if _, err := cli(t, "", "erase", "--db", db, "--election", "1", "--older-than", "36500d"); err == nil || !strings.Contains(err.Error(), "retention") {
		t.Errorf("erase within retention: %v", err)
	}
	if out, err := cli(t, "", "erase", "--db", db, "--election", "1", "--older-than", "180d", "--by", "ops"); err != nil || !strings.Contains(out, "election 1: personal data erased") {
		t.Errorf("erase --election: %v %s", err, out)
	}
	out, err = cli(t, "", "erase", "--db", db, "--log")
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, "person\tobserver=1") || !strings.Contains(out, "by dpo") {
		t.Errorf("erase --log: %v\n%s", err, out)
	}
	if strings.Contains(strings.ToLower(out), "aigerim") || strings.Contains(out, "222") {
		t.Errorf("the record names the person:\n%s", out)
	}
	if _, err := cli(t, "", "erase", "--db", db); err == nil {
		t.Error("erase without a scope accepted")
	}
}

// TestBackupCommandPostgres runs baqylau backup on PostgreSQL (pg_dump)
// and restores the dump over the live database with --force.
func TestBackupCommandPostgres(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pg_dump is needed under CI")
		}
		t.Skip("pg_dump is not installed")
	}
	db := storetest.DSN(t, "postgres")
	if out, err := cli(t, "", "election", "add", "--db", db, "--name", "Dumped", "--kind", "presidential", "--date", "2024-05-01"); err != nil {
		t.Fatalf("election add: %v %s", err, out)
	}
	dump := filepath.Join(t.TempDir(), "b.dump")
	if out, err := cli(t, "", "backup", "--db", db, dump); err != nil || !strings.Contains(out, "pg_dump custom format") {
		t.Fatalf("backup: %v %s", err, out)
	}
	if _, err := cli(t, "", "restore", "--db", db, dump); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over a live database without --force: %v", err)
	}
	if out, err := cli(t, "", "restore", "--force", "--db", db, dump); err != nil {
		t.Fatalf("restore --force: %v %s", err, out)
	}
	if out, err := cli(t, "", "election", "add", "--db", db, "--name", "After", "--kind", "presidential", "--date", "2024-06-01"); err != nil || strings.TrimSpace(out) != "2" {
		t.Errorf("after the restore: %v %q", err, out)
	}
}

// TestStartingHandler: until the database is open and migrated, every
// request, health checks included, is told to come back; then the real
// handler answers.
func TestStartingHandler(t *testing.T) {
	front := &startingHandler{}
	srv := httptest.NewServer(front)
	defer srv.Close()
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s while starting: %d, Retry-After %q", path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	front.ready(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot {
		t.Errorf("once ready: %d", resp.StatusCode)
	}
}
