package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/channel"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/triage"
	"github.com/baqylau/baqylau/internal/web"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newOpsFixture is the server as cmd/baqylau wires it: JSON logs, the
// channels on, and metrics fed by the ingester and the database.
func newOpsFixture(t *testing.T, db *store.DB, proxies ...netip.Prefix) (*fixture, *syncBuffer, *web.Server) {
	t.Helper()
	logs := &syncBuffer{}
	m := web.NewMetrics()
	ingest := report.NewIngester(db, report.IngestOptions{OnBatch: m.ObserveBatch})
	ingest.Start(context.Background())
	t.Cleanup(func() {
		if err := ingest.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	api := &fakeBotAPI{}
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db, Ingest: ingest, Sessions: db.Sessions(), Ready: db.Ping,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Channels: db, SMSSecret: twilioToken,
		TelegramToken: botToken, TelegramSecret: telegramSecret, TelegramBot: "baqylau_test_bot", TelegramAPIURL: apiSrv.URL,
		Metrics: m, TrustedProxies: proxies, Live: triage.NewHub()})
	if err != nil {
		t.Fatal(err)
	}
	m.WatchIngest(ingest.Stats)
	m.WatchPool("write", db.WriteStats)
	m.WatchIncidents(db.IncidentStates)
	f := &fixture{t: t, db: db, srv: httptest.NewServer(s.Handler()), tokens: map[auth.Role]string{}, logs: &bytes.Buffer{}}
	t.Cleanup(f.srv.Close)
	return f, logs, s
}

// TestNoPersonalDataInMetricsOrLogs runs a day through the real handler —
// sign-in, an import of observers with e-mails and phones, reports and
// incidents on the web and by SMS, a search by name, a personal sign-in
// link — then reads /metrics and the JSON logs and finds none of the
// personal data or secrets that went through.
func TestNoPersonalDataInMetricsOrLogs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f, logs, _ := newOpsFixture(t, db)
		admin := f.user(auth.Admin, "chief.admin@example.org")
		eid := f.newElection(admin)

		// Sign in with a password, and fail once.
		b := newBrowser(t, f)
		if code, _ := b.post("/login", url.Values{"email": {"chief.admin@example.org"}, "password": {"wrong " + testPassword}}); code != 401 {
			t.Errorf("failed sign-in: %d", code)
		}
		if code, _ := b.post("/login", url.Values{"email": {"chief.admin@example.org"}, "password": {testPassword}}); code != 200 {
			t.Errorf("sign-in: %d", code)
		}

		// Import observers with e-mails and phones; search one by name.
		csv := "full_name,organization,organization_kind,country,email,phone,languages,region,mission\n" +
			"Zhanar Abdildayeva,Open Elections KZ,domestic_ngo,KZ,zhanar.abd@example.org,+7 701 555 1234,\"kk,ru\",Almaty,\n" +
			"Pyotr Sergeyevich,Open Elections KZ,domestic_ngo,KZ,pyotr.serg@example.org,+7 702 555 9876,ru,,\n"
		resp := f.do("POST", "/api/v1/observers/import?election="+itoa(eid), admin, "text/csv", strings.NewReader(csv))
		if resp.StatusCode != 200 {
			t.Fatalf("import: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		if resp := f.do("GET", "/api/v1/observers?q=Abdildayeva", admin, "", nil); resp.StatusCode != 200 {
			t.Errorf("search: %d", resp.StatusCode)
		}

		// Reports and an incident on the web, by an observer signed in by
		// a personal link.
		obs, _ := f.deployed(admin, eid, "001", people.Observer{FullName: "Gulnara Temirbekova", Personal: people.Personal{Email: "gulnara.tem@example.org", Phone: "+7 705 333 4455"}})
		if code, body := obs.postJSON("/api/v1/elections/"+itoa(eid)+"/reports", turnout("6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5a", "001", "2023-03-19T12:05:00+06:00", 300)); code != 201 {
			t.Fatalf("report: %d %s", code, body)
		}
		if code, body := obs.postJSON("/api/v1/elections/"+itoa(eid)+"/incidents", `{"client_id":"55555555-2222-4333-8444-555555555555","station":"001","category":"carousel","severity":"high","description":"Marat Ospanov from the akimat brought a bus twice"}`); code != 201 {
			t.Fatalf("incident: %d %s", code, body)
		}

		// By SMS: a turnout figure and an incident.
		_, _ = f.phoneObserver(t, admin, eid, "002", "+7 707 444 5566")
		if code, body := f.sms(twilioToken, "+77074445566", "SM1", "T 12 345"); code != 200 {
			t.Fatalf("sms report: %d %s", code, body)
		}
		if code, body := f.sms(twilioToken, "+77074445566", "SM2", "!4 h Erlan Dzhaksybekov threatened us"); code != 200 {
			t.Fatalf("sms incident: %d %s", code, body)
		}
		// A Telegram update with a wrong secret is refused (and logged).
		if code := f.update("wrong-"+telegramSecret, textUpdate(1, 1, 42, "/start")); code == 200 {
			t.Errorf("telegram with a wrong secret: %d", code)
		}

		// The metrics, as an administrator reads them.
		resp = f.do("GET", "/metrics", admin, "", nil)
		metrics := readAll(t, resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("/metrics: %d", resp.StatusCode)
		}
		for _, want := range []string{
			`baqylau_reports_total{channel="web"} 1`,
			`baqylau_reports_total{channel="sms"} 1`,
			`baqylau_incidents_received_total{channel="sms"} 1`,
			`baqylau_incidents{state="new"} 2`,
			`baqylau_http_requests_total{code="201",method="POST",route="POST /api/v1/elections/{id}/reports"} 1`,
			`baqylau_http_request_duration_seconds_count{route="POST /login"} 2`,
			"baqylau_ingest_queue_depth 0",
			"baqylau_ingest_batch_size_count",
			`baqylau_db_open_connections{pool="write"}`,
			"baqylau_sse_clients 0",
			"go_goroutines",
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if regexp.MustCompile(`route="/`).MatchString(metrics) {
			t.Errorf("a metric is labelled with a path, not a pattern")
		}

		// Every log line is JSON.
		out := logs.String()
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<20)
		lines := 0
		for sc.Scan() {
			lines++
			if !json.Valid(sc.Bytes()) {
				t.Errorf("log line is not JSON: %s", sc.Text())
			}
		}
		if lines < 20 {
			t.Errorf("only %d log lines", lines)
		}

		// What must never show.
		secrets := []string{
			"chief.admin@example.org", "zhanar.abd@example.org", "pyotr.serg@example.org", "gulnara.tem@example.org",
			"701 555 1234", "77015551234", "7015551234", "702 555 9876", "77025559876", "705 333 4455", "77053334455",
			"707 444 5566", "77074445566", "7074445566",
			"Zhanar", "Abdildayeva", "Pyotr", "Sergeyevich", "Gulnara", "Temirbekova", "Ospanov", "Dzhaksybekov",
			testPassword, admin, strings.TrimPrefix(admin, "bq_"), twilioToken, botToken, telegramSecret,
		}
		for _, link := range regexp.MustCompile(`/o/[A-Za-z0-9_-]{8,}`).FindAllString(out+metrics, -1) {
			t.Errorf("a sign-in link shows: %s", link)
		}
		for _, s := range secrets {
			if strings.Contains(metrics, s) {
				t.Errorf("/metrics carries %q", s)
			}
			if strings.Contains(out, s) {
				t.Errorf("the logs carry %q", s)
			}
		}
		if t.Failed() {
			t.Logf("logs:\n%s", out)
		}
	})
}

func TestReadyz(t *testing.T) {
	f, _, s := newOpsFixture(t, storetest.Open(t, store.SQLite))
	for _, path := range []string{"/readyz", "/healthz"} {
		if resp := f.do("GET", path, "", "", nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	s.Drain()
	if resp := f.do("GET", "/readyz", "", "", nil); resp.StatusCode != 503 {
		t.Errorf("/readyz while draining: %d, want 503", resp.StatusCode)
	}
	if resp := f.do("GET", "/healthz", "", "", nil); resp.StatusCode != 200 {
		t.Errorf("/healthz while draining: %d, want 200 (liveness)", resp.StatusCode)
	}
	// A database that does not answer: not ready.
	f2, _, _ := newOpsFixture(t, storetest.Open(t, store.SQLite))
	if err := f2.db.Close(); err != nil {
		t.Fatal(err)
	}
	if resp := f2.do("GET", "/readyz", "", "", nil); resp.StatusCode != 503 {
		t.Errorf("/readyz without a database: %d, want 503", resp.StatusCode)
	}
}

func TestMetricsToken(t *testing.T) {
	m := web.NewMetrics()
	srv := httptest.NewServer(m.Handler("s3cret-metrics"))
	defer srv.Close()
	for _, c := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer s3cret-metrics", 200}} {
		req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("Authorization %q: %d, want %d", c.auth, resp.StatusCode, c.want)
		}
	}
}

// TestBehindTrustedProxy: behind a proxy that ends TLS, the Twilio
// signature (computed by Twilio over the https:// address) checks only when
// the proxy is trusted; from anyone else X-Forwarded-Proto is ignored.
func TestBehindTrustedProxy(t *testing.T) {
	for _, c := range []struct {
		name    string
		proxies []netip.Prefix
		want    int
	}{
		{"trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, 200},
		{"not trusted", nil, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, _, _ := newOpsFixture(t, storetest.Open(t, store.SQLite), c.proxies...)
			admin := f.user(auth.Admin, "admin@example.org")
			eid := f.newElection(admin)
			f.phoneObserver(t, admin, eid, "001", "+7 707 444 5566")
			form := url.Values{"From": {"+77074445566"}, "To": {"+77000000000"}, "Body": {"T 12 345"}, "MessageSid": {"SM1"}, "AccountSid": {"AC1"}}
			public := "https://" + strings.TrimPrefix(f.srv.URL, "http://") + "/webhooks/sms/twilio"
			req, err := http.NewRequest("POST", f.srv.URL+"/webhooks/sms/twilio", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			req.Header.Set("X-Twilio-Signature", channel.TwilioSignature(twilioToken, public, form))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("SMS signed for %s: %d, want %d", public, resp.StatusCode, c.want)
			}
		})
	}
}

// TestMetricsCountLiveStreams: an HQ page's live stream counts as an SSE
// client while it is open, and not once it is closed.
func TestMetricsCountLiveStreams(t *testing.T) {
	f, _, _ := newOpsFixture(t, storetest.Open(t, store.SQLite))
	admin := f.user(auth.Admin, "admin@example.org")
	sse := func() string {
		body := readAll(t, f.do("GET", "/metrics", admin, "", nil).Body)
		m := regexp.MustCompile(`(?m)^baqylau_sse_clients (\d+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no baqylau_sse_clients")
		}
		return m[1]
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/hq/events", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("/hq/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := sse(); got != "1" {
		t.Errorf("baqylau_sse_clients with a stream open = %s, want 1", got)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for sse() != "0" {
		if time.Now().After(deadline) {
			t.Fatal("baqylau_sse_clients stays above 0 after the stream closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
