package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/web"
)

// testPassword is long enough for the password rule.
const testPassword = "correct horse battery staple"

type fixture struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	tokens map[auth.Role]string
	logs   *bytes.Buffer
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	logs := &bytes.Buffer{}
	ingest := report.NewIngester(db, report.IngestOptions{})
	ingest.Start(context.Background())
	t.Cleanup(func() {
		if err := ingest.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db, Ingest: ingest, Sessions: db.Sessions(), Ready: db.Ping,
		Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, srv: httptest.NewServer(s.Handler()), tokens: map[auth.Role]string{}, logs: logs}
	t.Cleanup(f.srv.Close)
	return f
}

// user creates a user of a role with a password and an API token.
func (f *fixture) user(role auth.Role, email string) string {
	f.t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		f.t.Fatal(err)
	}
	u := auth.User{Email: email, Role: role, PasswordHash: hash}
	if role.Regional() {
		u.Region = "KZ-75"
	}
	ctx := context.Background()
	if err := f.db.CreateUser(ctx, &u); err != nil {
		f.t.Fatal(err)
	}
	token, th, err := auth.NewToken()
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.db.CreateToken(ctx, u.ID, th); err != nil {
		f.t.Fatal(err)
	}
	f.tokens[role] = token
	return token
}

// do sends a request with a bearer token ("" for none).
func (f *fixture) do(method, path, token, contentType string, body io.Reader) *http.Response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Language", "en")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", resp.Request.URL.Path, err)
	}
	return v
}

const stationsCSV = "code,name,region,country,city,timezone,registered_voters,opens_local,closes_local\n" +
	"001,Школа № 1,Almaty,KZ,Алматы,,1500,,\n" +
	"002,Gymnasium 2,Karagandy oblysy,KZ,Karaganda,,900,07:00,20:00\n" +
	"SF-1,Consulate General in San Francisco,,US,San Francisco,America/Los_Angeles,310,07:00,20:00\n"

// newElection creates an election through the API and imports stations.
func (f *fixture) newElection(token string) int64 {
	f.t.Helper()
	resp := f.do("POST", "/api/v1/elections", token, "application/json",
		strings.NewReader(`{"name":"Mazhilis 2023","kind":"mazhilis","date":"2023-03-19","contests":[{"name":"Party lists"}]}`))
	if resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("create election: %d %s", resp.StatusCode, readAll(f.t, resp.Body))
	}
	e := decode[struct{ ID int64 }](f.t, resp)
	resp = f.do("POST", "/api/v1/elections/"+itoa(e.ID)+"/stations/import", token, "text/csv", strings.NewReader(stationsCSV))
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("import: %d %s", resp.StatusCode, readAll(f.t, resp.Body))
	}
	return e.ID
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAPIStationsScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		id := f.newElection(admin)

		// The San Francisco check of DESIGN.md, through the fixed contract.
		resp := f.do("GET", "/api/v1/elections/"+itoa(id)+"/stations/SF-1", admin, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("get station: %d", resp.StatusCode)
		}
		st := decode[map[string]any](t, resp)
		if st["closes_at"] != "2023-03-20T09:00:00+06:00" || st["opens_at"] != "2023-03-19T20:00:00+06:00" {
			t.Errorf("San Francisco hours in Astana time = %v – %v, want 2023-03-19T20:00+06:00 – 2023-03-20T09:00+06:00", st["opens_at"], st["closes_at"])
		}
		if st["timezone"] != "America/Los_Angeles" || st["registered_voters"] != float64(310) {
			t.Errorf("station = %v", st)
		}
		// A home station derives its zone and its region code.
		resp = f.do("GET", "/api/v1/elections/"+itoa(id)+"/stations/002", admin, "", nil)
		st = decode[map[string]any](t, resp)
		if st["region"] != "KZ-35" || st["timezone"] != "Asia/Almaty" || st["closes_at"] != "2023-03-19T20:00:00+06:00" {
			t.Errorf("home station = %v", st)
		}

		// Filters and search.
		for _, c := range []struct {
			query string
			want  int
		}{{"", 3}, {"?abroad=true", 1}, {"?abroad=false", 2}, {"?region=Karaganda", 1}, {"?country=US", 1}, {"?q=школа", 1}, {"?q=nothing-like-this", 0}} {
			resp := f.do("GET", "/api/v1/elections/"+itoa(id)+"/stations"+c.query, admin, "", nil)
			got := decode[struct{ Total int }](t, resp)
			if got.Total != c.want {
				t.Errorf("stations%s: total %d, want %d", c.query, got.Total, c.want)
			}
		}

		// Re-import updates by code; a bad file changes nothing and says where.
		resp = f.do("POST", "/api/v1/elections/"+itoa(id)+"/stations/import", admin, "text/csv",
			strings.NewReader("code,name,country,registered_voters\nSF-1,Consulate,US,400\n"))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("import without timezone abroad: %d, want 422", resp.StatusCode)
		}
		body := decode[map[string]map[string]any](t, resp)
		if msg, _ := body["error"]["message"].(string); !strings.Contains(msg, "row 2") || !strings.Contains(msg, "timezone") {
			t.Errorf("error message %q does not name row 2 and the timezone column", msg)
		}
		resp = f.do("GET", "/api/v1/elections/"+itoa(id)+"/stations/SF-1", admin, "", nil)
		if st := decode[map[string]any](t, resp); st["registered_voters"] != float64(310) {
			t.Errorf("a refused import changed the station: %v", st["registered_voters"])
		}
		resp = f.do("POST", "/api/v1/elections/"+itoa(id)+"/stations/import", admin, "text/csv",
			strings.NewReader("code,name,country,timezone,registered_voters\nSF-1,Consulate,US,America/Los_Angeles,400\n"))
		if got := decode[map[string]int](t, resp); got["updated"] != 1 || got["created"] != 0 {
			t.Errorf("re-import = %v, want 1 updated", got)
		}

		// Unknown things are 404 with a JSON error.
		for _, p := range []string{"/api/v1/elections/999999", "/api/v1/elections/" + itoa(id) + "/stations/NOPE", "/api/v1/nothing", "/api/v1/elections/abc"} {
			resp := f.do("GET", p, admin, "", nil)
			if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("GET %s: %d %s, want 404 JSON", p, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
	})
}

func TestAPIRefusesBadInput(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	admin := f.user(auth.Admin, "admin@example.org")
	for _, c := range []struct{ name, body, want string }{
		{"broken JSON", `{"name":`, "not valid JSON"},
		{"unknown field", `{"name":"x","kind":"mazhilis","date":"2023-03-19","colour":"red"}`, "unknown field"},
		{"bad kind", `{"name":"x","kind":"mayor","date":"2023-03-19"}`, "kind"},
		{"bad date", `{"name":"x","kind":"akim","date":"19.03.2023"}`, "YYYY-MM-DD"},
		{"bad zone", `{"name":"x","kind":"akim","date":"2023-03-19","time_zone":"Mars/Olympus"}`, "IANA"},
		{"trailing data", `{"name":"x","kind":"akim","date":"2023-03-19"} {}`, "after the JSON"},
	} {
		resp := f.do("POST", "/api/v1/elections", admin, "application/json", strings.NewReader(c.body))
		body := readAll(t, resp.Body)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want 422 mentioning %q", c.name, resp.StatusCode, body, c.want)
		}
	}
	resp := f.do("GET", "/api/v1/elections", "bq_not-a-token", "", nil)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad token: %d, want 401 with WWW-Authenticate", resp.StatusCode)
	}
}

func TestOpenAPIDescribesEveryAPIRoute(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	resp := f.do("GET", "/api/v1/openapi.json", "", "", nil)
	doc := decode[struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}](t, resp)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	for _, rt := range web.RouteRoles() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") || path == "/api/v1/openapi.json" {
			continue
		}
		p := strings.TrimPrefix(path, "/api/v1")
		if _, ok := doc.Paths[p][strings.ToLower(method)]; !ok {
			t.Errorf("openapi.json lacks %s %s", method, p)
		}
	}
}

// TestRoleAccess proves that every route refuses the roles it should and
// lets in the ones it allows.
func TestRoleAccess(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	for _, r := range auth.Roles {
		f.user(r, string(r)+"@example.org")
	}
	id := f.newElection(f.tokens[auth.Admin])
	for _, rt := range web.RouteRoles() {
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		if method == "" || !strings.HasPrefix(pattern, "/") {
			continue // catch-all
		}
		path := strings.NewReplacer("{id}", itoa(id), "{code}", "001", "{lang}", "en", "{$}", "", "{hash}", "x", "{name}", "y", "{token}", "x").Replace(pattern)
		for _, role := range append([]auth.Role{""}, auth.Roles...) {
			var body io.Reader
			ct := ""
			if method == "POST" {
				body, ct = strings.NewReader("{}"), "application/json"
			}
			resp := f.do(method, path, f.tokens[role], ct, body)
			allowed := rt.Roles == nil
			for _, a := range rt.Roles {
				allowed = allowed || a == role
			}
			refused := resp.Header.Get("X-Refused-By") == "role"
			if refused && resp.StatusCode != 401 && resp.StatusCode != 403 && resp.StatusCode != 303 {
				t.Errorf("%s as %q: refused with status %d", rt.Pattern, role, resp.StatusCode)
			}
			if allowed && refused {
				t.Errorf("%s as %q: refused (%d), but the route allows it", rt.Pattern, role, resp.StatusCode)
			}
			if !allowed && !refused {
				t.Errorf("%s as %q: got %d, want a refusal", rt.Pattern, role, resp.StatusCode)
			}
		}
	}
}

// browser is a client with a cookie jar that follows redirects, sending
// the Sec-Fetch-Site header a real browser sends.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

type sameOrigin struct{ rt http.RoundTripper }

func (s sameOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	return s.rt.RoundTrip(r)
}

func newBrowser(t *testing.T, f *fixture) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: f.srv.URL, c: &http.Client{Jar: jar, Transport: sameOrigin{http.DefaultTransport}}}
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, html.UnescapeString(readAll(b.t, resp.Body))
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readAll(b.t, resp.Body)
}

func TestPagesScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user(auth.Admin, "admin@example.org")
		b := newBrowser(t, f)

		if code, body := b.get("/elections"); code != 200 || !strings.Contains(body, `name="password"`) {
			t.Fatalf("signed out, /elections should lead to the sign-in form: %d", code)
		}
		if code, body := b.post("/login", url.Values{"email": {"admin@example.org"}, "password": {"wrong password!"}}); code != 401 || !strings.Contains(body, "role=\"alert\"") {
			t.Errorf("wrong password: %d", code)
		}
		code, body := b.post("/login", url.Values{"email": {"ADMIN@example.org "}, "password": {testPassword}, "next": {"/elections"}})
		if code != 200 || !strings.Contains(body, "admin@example.org") {
			t.Fatalf("sign in: %d", code)
		}

		// Language switch: every page in kk, ru and en.
		for _, c := range []struct{ lang, want string }{{"kk", "Жаңа сайлау"}, {"ru", "Новые выборы"}, {"en", "New election"}} {
			code, body := b.get("/lang/" + c.lang + "?next=/elections")
			if code != 200 || !strings.Contains(body, c.want) || !strings.Contains(body, `<html lang="`+c.lang+`"`) {
				t.Errorf("language %s: %d, page lacks %q", c.lang, code, c.want)
			}
		}

		// Create an election with the form; a bad one keeps what was typed.
		code, body = b.post("/elections", url.Values{"name": {"Rural akims"}, "kind": {"akim"}, "date": {"2021-07-25"}, "time_zone": {"Nowhere/City"}})
		if code != 422 || !strings.Contains(body, "Nowhere/City") || !strings.Contains(body, "Rural akims") {
			t.Errorf("bad zone: %d", code)
		}
		code, body = b.post("/elections", url.Values{"name": {"Rural akims"}, "kind": {"akim"}, "date": {"2021-07-25"}, "time_zone": {"Asia/Almaty"}, "contests": {"Akim of Ulken\nAkim of Kishi"}})
		if code != 200 || !strings.Contains(body, "Akim of Kishi") || !strings.Contains(body, "25 July 2021") {
			t.Fatalf("create election: %d", code)
		}
		els, err := db.Elections(context.Background())
		if err != nil || len(els) != 1 {
			t.Fatalf("elections: %v %v", els, err)
		}
		id := itoa(els[0].ID)
		if code, body := b.get("/elections"); code != 200 || !strings.Contains(body, "Rural akims") {
			t.Errorf("election list: %d", code)
		}

		// Import stations with a multipart upload.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("file", "stations.csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(fw, stationsCSV); err != nil {
			t.Fatal(err)
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		resp, err := b.c.Post(b.base+"/elections/"+id+"/stations/import", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		body = readAll(t, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(body, "3 stations created") {
			t.Fatalf("import: %d %s", resp.StatusCode, body)
		}

		// Find a station and open it: local and reference times.
		code, body = b.get("/elections/" + id + "/stations?q=francisco")
		if code != 200 || !strings.Contains(body, "SF-1") || strings.Contains(body, ">001<") {
			t.Errorf("search: %d", code)
		}
		code, body = b.get("/elections/" + id + "/stations/SF-1")
		if code != 200 || !strings.Contains(body, "25 July 2021, 20:00 (UTC−07:00)") || !strings.Contains(body, "26 July 2021, 09:00 (UTC+06:00)") {
			t.Errorf("station page lacks local and reference closing times: %d\n%s", code, body)
		}
		code, body = b.get("/lang/ru?next=/elections/" + id + "/stations/SF-1")
		if code != 200 || !strings.Contains(body, "26 июля 2021 г., 09:00") {
			t.Errorf("station page in Russian: %d", code)
		}

		// A cross-site form post is refused (CSRF).
		req, err := http.NewRequest("POST", b.base+"/elections", strings.NewReader("name=x&kind=akim&date=2021-07-25"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		resp, err = (&http.Client{Jar: b.c.Jar}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
		}

		// Sign out ends the session.
		if code, body := b.post("/logout", nil); code != 200 || strings.Contains(body, "admin@example.org") {
			t.Errorf("sign out: %d", code)
		}
		if code, body := b.get("/elections"); code != 200 || !strings.Contains(body, `name="password"`) {
			t.Errorf("after sign out, /elections: %d", code)
		}
		if strings.Contains(f.logs.String(), testPassword) || strings.Contains(f.logs.String(), "francisco") {
			t.Errorf("logs carry a password or a search term:\n%s", f.logs.String())
		}
	})
}

// TestAPIAnswersCarryNoSession checks what an API call with a bearer
// token gets back: a content policy that forbids everything, nosniff, no
// session cookie and no Vary: Cookie (the server loads no session for
// it), and a line in the request log with the route's pattern, not its
// path. Pages keep their sessions and full headers.
func TestAPIAnswersCarryNoSession(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	admin := f.user(auth.Admin, "admin@example.org")
	eid := f.newElection(admin)
	resp := f.do("POST", "/api/v1/elections/"+itoa(eid)+"/reports", admin, "application/json",
		strings.NewReader(turnout("0190c3a4-8f0e-7a5e-9d7a-2f7b0c3e4d5a", "001", "2023-03-19T12:05:00+06:00", 300)))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", resp.StatusCode, readAll(t, resp.Body))
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("API answer's Content-Security-Policy = %q", got)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("API answer's headers = %v", resp.Header)
	}
	if len(resp.Cookies()) != 0 || resp.Header.Get("Vary") != "" {
		t.Errorf("API answer has cookies %v, Vary %q", resp.Cookies(), resp.Header.Get("Vary"))
	}
	line := ""
	for _, l := range strings.Split(f.logs.String(), "\n") {
		if strings.Contains(l, "msg=http") && strings.Contains(l, "/reports") {
			line = l
		}
	}
	if !strings.Contains(line, `route="POST /api/v1/elections/{id}/reports"`) || !strings.Contains(line, "status=201") {
		t.Errorf("request log line = %q", line)
	}

	page := f.do("GET", "/login", "", "", nil)
	if page.Header.Get("Vary") != "Cookie" || page.Header.Get("Referrer-Policy") != "same-origin" ||
		!strings.Contains(page.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("page headers = %v", page.Header)
	}
}

func TestSecurityHeadersAndHealth(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	resp := f.do("GET", "/", "", "", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if resp := f.do("GET", "/healthz", "", "", nil); resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	if resp := f.do("GET", "/lang/en?next=//evil.example/", "", "", nil); resp.Header.Get("Location") != "/" {
		t.Errorf("open redirect: Location %q", resp.Header.Get("Location"))
	}
}
