package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/triage"
	"github.com/baqylau/baqylau/internal/web"
)

// newHQFixture is newFixture wired as serve wires it: a live broker, and
// the ingester wrapped so that every new incident is published.
func newHQFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	logs := &bytes.Buffer{}
	ingest := report.NewIngester(db, report.IngestOptions{})
	ingest.Start(context.Background())
	t.Cleanup(func() {
		if err := ingest.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	live := triage.NewHub()
	s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db,
		Ingest: triage.Notifying{Ingester: ingest, Broker: live}, Live: live, Sessions: db.Sessions(), Ready: db.Ping,
		Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, srv: httptest.NewServer(s.Handler()), tokens: map[auth.Role]string{}, logs: logs}
	t.Cleanup(f.srv.Close)
	return f
}

// regionalUser creates a user of a regional role in a region and returns
// an API token.
func (f *fixture) regionalUser(role auth.Role, email, region string) string {
	f.t.Helper()
	ctx := context.Background()
	u := auth.User{Email: email, Role: role, Region: region, PasswordHash: "unused"}
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
	return token
}

// incident submits an incident as the desk (admin) and returns its id.
func (f *fixture) incident(admin string, eid int64, clientID, station, severity string) int64 {
	f.t.Helper()
	code, body := f.postAs(admin, "/api/v1/elections/"+itoa(eid)+"/incidents",
		fmt.Sprintf(`{"client_id":%q,"station":%q,"category":"carousel","severity":%q,"description":"a bus of voters came twice"}`, clientID, station, severity))
	if code != 201 {
		f.t.Fatalf("incident at %s: %d %s", station, code, body)
	}
	var a struct{ ID int64 }
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		f.t.Fatal(err)
	}
	return a.ID
}

type sseEvent struct{ id, name, data string }

// stream opens /hq/events as a user and returns its events; it fails the
// test if the stream is refused.
func (f *fixture) stream(token, query string) <-chan sseEvent {
	f.t.Helper()
	ch, code := f.tryStream(token, query)
	if code != 200 {
		f.t.Fatalf("stream%s: %d", query, code)
	}
	return ch
}

func (f *fixture) tryStream(token, query string) (<-chan sseEvent, int) {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/hq/events"+query, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	if resp.StatusCode != 200 {
		return nil, resp.StatusCode
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		f.t.Fatalf("stream content type %q", ct)
	}
	ch := make(chan sseEvent, 100)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return ch, 200
}

// nextRow waits for the next "row" event and returns its incident id.
func nextRow(t *testing.T, ch <-chan sseEvent, within time.Duration) (int64, bool) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("stream ended")
			}
			if ev.name != "row" {
				continue
			}
			var d struct {
				ID     int64
				Region string
				HTML   string
			}
			if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
				t.Fatalf("row event %q: %v", ev.data, err)
			}
			if !strings.Contains(d.HTML, fmt.Sprintf(`id="incident-%d"`, d.ID)) {
				t.Errorf("row event without its row: %s", d.HTML)
			}
			return d.ID, true
		case <-deadline:
			return 0, false
		}
	}
}

// TestHQLiveStreamIsScoped: a new incident reaches the stream of its
// region's staff within a second, and never the stream of another
// region's staff.
func TestHQLiveStreamIsScoped(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newHQFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		eid := f.newElection(admin)
		obs, _ := f.deployedObserver(admin, eid, "001")
		almaty := f.stream(f.user(auth.Lawyer, "lawyer@example.org"), "") // KZ-75
		karaganda := f.stream(f.regionalUser(auth.Lawyer, "lawyer35@example.org", "KZ-35"), "")
		abroad := f.stream(f.regionalUser(auth.Trainer, "trainer-abroad@example.org", report.RegionAbroad), "")
		national := f.stream(admin, "")
		if _, code := f.tryStream(f.tokens[auth.Lawyer], "?region=KZ-35"); code != 403 {
			t.Errorf("Almaty lawyer opens the Karaganda stream: %d", code)
		}

		start := time.Now()
		code, body := obs.postJSON("/api/v1/elections/"+itoa(eid)+"/incidents",
			`{"client_id":"55555555-2222-4333-8444-555555555555","station":"001","category":"carousel","severity":"critical","description":"a bus came twice"}`)
		if code != 201 {
			t.Fatalf("incident: %d %s", code, body)
		}
		var a struct{ ID int64 }
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		if id, ok := nextRow(t, almaty, time.Second); !ok || id != a.ID {
			t.Fatalf("Almaty lawyer's stream: %d %v, want incident %d within a second", id, ok, a.ID)
		}
		t.Logf("the incident reached the Almaty HQ in %v", time.Since(start))
		if id, ok := nextRow(t, national, time.Second); !ok || id != a.ID {
			t.Errorf("national stream: %d %v", id, ok)
		}
		// The next event Karaganda and abroad receive is their own: the
		// Almaty incident never reached them.
		kz35 := f.incident(admin, eid, "55555555-2222-4333-8444-555555555556", "002", "high")
		if id, ok := nextRow(t, karaganda, time.Second); !ok || id != kz35 {
			t.Errorf("Karaganda lawyer's first event: %d %v, want %d (and never %d)", id, ok, kz35, a.ID)
		}
		sf := f.incident(admin, eid, "55555555-2222-4333-8444-555555555557", "SF-1", "low")
		if id, ok := nextRow(t, abroad, time.Second); !ok || id != sf {
			t.Errorf("abroad trainer's first event: %d %v, want %d", id, ok, sf)
		}
		if id, ok := nextRow(t, almaty, 300*time.Millisecond); ok {
			t.Errorf("Almaty lawyer received incident %d of another region", id)
		}

		// A change (a claim) is streamed too; a filtered page is told to
		// drop a row that no longer matches.
		newOnly := f.stream(f.tokens[auth.Lawyer], "?status=new")
		if code, body := f.postAs(f.tokens[auth.Lawyer], "/api/v1/incidents/"+itoa(a.ID)+"/claim", ""); code != 200 {
			t.Fatalf("claim: %d %s", code, body)
		}
		if id, ok := nextRow(t, almaty, time.Second); !ok || id != a.ID {
			t.Errorf("claim not streamed: %d %v", id, ok)
		}
		select {
		case ev := <-newOnly:
			if ev.name != "remove" || !strings.Contains(ev.data, itoa(a.ID)) {
				t.Errorf("status=new stream got %s %s, want remove", ev.name, ev.data)
			}
		case <-time.After(time.Second):
			t.Error("status=new stream was not told to drop the claimed incident")
		}

		// Reconnecting with Last-Event-ID catches up on what changed since.
		req, err := http.NewRequest("GET", f.srv.URL+"/hq/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req = req.WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+f.tokens[auth.Lawyer])
		req.Header.Set("Last-Event-ID", fmt.Sprint(start.Add(-time.Minute).UnixMicro()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, 64<<10)
		n, _ := resp.Body.Read(buf) // the catch-up comes in the first writes
		got := string(buf[:n])
		for !strings.Contains(got, "incident-"+itoa(a.ID)) {
			m, err := resp.Body.Read(buf)
			if err != nil {
				t.Fatalf("catch-up lacks incident %d: %v\n%s", a.ID, err, got)
			}
			got += string(buf[:m])
		}
		if strings.Contains(got, "incident-"+itoa(kz35)) {
			t.Errorf("catch-up of the Almaty lawyer carries the Karaganda incident")
		}
	})
}

// TestHQScoping: each regional role lists, opens and acts on its own
// region's incidents only.
func TestHQScoping(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newHQFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		eid := f.newElection(admin)
		kz75 := f.incident(admin, eid, "66666666-2222-4333-8444-555555555555", "001", "high")
		kz35 := f.incident(admin, eid, "66666666-2222-4333-8444-555555555556", "002", "high")
		for _, role := range []auth.Role{auth.RegionalCoordinator, auth.Lawyer, auth.Trainer} {
			token := f.user(role, string(role)+"@example.org") // KZ-75
			resp := f.do("GET", "/api/v1/hq/incidents", token, "", nil)
			list := decode[struct {
				Total     int
				Incidents []struct {
					ID     int64
					Region string
				}
			}](t, resp)
			if list.Total != 1 || list.Incidents[0].ID != kz75 {
				t.Errorf("%s: queue %+v", role, list)
			}
			for _, c := range []struct {
				method, path string
				want         int
			}{
				{"GET", "/api/v1/hq/incidents?region=KZ-35", 403},
				{"GET", "/api/v1/incidents/" + itoa(kz35), 403},
				{"GET", "/api/v1/incidents/" + itoa(kz35) + "/audit", 403},
				{"GET", "/api/v1/incidents/" + itoa(kz35) + "/evidence", 403},
				{"GET", "/api/v1/incidents/" + itoa(kz35) + "/complaints", 403},
				{"POST", "/api/v1/incidents/" + itoa(kz35) + "/claim", 403},
				{"POST", "/api/v1/incidents/" + itoa(kz35) + "/decision", 403},
				{"GET", "/hq/incidents/" + itoa(kz35), 403},
				{"GET", "/hq?region=KZ-35", 403},
				{"GET", "/api/v1/incidents/" + itoa(kz75), 200},
				{"GET", "/hq/incidents/" + itoa(kz75), 200},
			} {
				var body *strings.Reader
				ct := ""
				if c.method == "POST" {
					body, ct = strings.NewReader(`{"action":"not_a_violation","note":"x"}`), "application/json"
				}
				var resp *http.Response
				if body != nil {
					resp = f.do(c.method, c.path, token, ct, body)
				} else {
					resp = f.do(c.method, c.path, token, ct, nil)
				}
				if resp.StatusCode != c.want {
					t.Errorf("%s: %s %s = %d, want %d", role, c.method, c.path, resp.StatusCode, c.want)
				}
			}
			if code, page := f.getAs(token, "/hq"); code != 200 || !strings.Contains(page, `id="incident-`+itoa(kz75)+`"`) || strings.Contains(page, `id="incident-`+itoa(kz35)+`"`) {
				t.Errorf("%s: queue page %d", role, code)
			}
		}
		// The national HQ sees both.
		if code, page := f.getAs(admin, "/hq"); code != 200 || !strings.Contains(page, `id="incident-`+itoa(kz35)+`"`) || !strings.Contains(page, `id="incident-`+itoa(kz75)+`"`) {
			t.Errorf("national queue page: %d", code)
		}
		if code, page := f.getAs(admin, "/hq?severity=low"); code != 200 || strings.Contains(page, `id="incident-`) || !strings.Contains(page, `href="/hq?severity=low"`) {
			t.Errorf("filtered page (with its refresh link): %d", code)
		}
	})
}

// getAs fetches a page with a bearer token.
func (f *fixture) getAs(token, path string) (int, string) {
	f.t.Helper()
	resp := f.do("GET", path, token, "", nil)
	return resp.StatusCode, readAll(f.t, resp.Body)
}

// TestHQConcurrentDecisions: two staff decide the same incident at once:
// one gets 200, the other 409 with what happened, and the audit trail has
// exactly the winner's change.
func TestHQConcurrentDecisions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newHQFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		lawyer := f.user(auth.Lawyer, "lawyer@example.org")
		coord := f.user(auth.RegionalCoordinator, "rc@example.org")
		eid := f.newElection(admin)
		id := f.incident(admin, eid, "77777777-2222-4333-8444-555555555555", "001", "critical")
		bodies := []string{`{"action":"escalate","note":"ballot box outside the room"}`, `{"action":"not_a_violation","note":"it was a spare box"}`}
		codes, out := make([]int, 2), make([]string, 2)
		var wg sync.WaitGroup
		for i, token := range []string{lawyer, coord} {
			wg.Go(func() {
				req, err := http.NewRequest("POST", f.srv.URL+"/api/v1/incidents/"+itoa(id)+"/decision", strings.NewReader(bodies[i]))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				codes[i] = resp.StatusCode
				var b bytes.Buffer
				if _, err := b.ReadFrom(resp.Body); err != nil {
					t.Error(err)
				}
				out[i] = b.String()
			})
		}
		wg.Wait()
		winner := 0
		if codes[1] == 200 {
			winner = 1
		}
		if codes[winner] != 200 || codes[1-winner] != 409 {
			t.Fatalf("codes %v: want one 200 and one 409\n%s\n%s", codes, out[0], out[1])
		}
		loser := out[1-winner]
		if !strings.Contains(loser, `"incident"`) || !strings.Contains(loser, `"conflict"`) {
			t.Errorf("the 409 does not say what happened: %s", loser)
		}
		resp := f.do("GET", "/api/v1/incidents/"+itoa(id)+"/audit", admin, "", nil)
		audit := decode[struct {
			Audit []struct {
				Action string
				After  triage.State
			}
		}](t, resp).Audit
		want := []string{"decide:escalate", "decide:not_a_violation"}[winner]
		if len(audit) != 1 || audit[0].Action != want {
			t.Errorf("audit = %+v, want only %s", audit, want)
		}
	})
}

// TestHQWorkflow: claim, advise the observer (who sees the outcome),
// evidence, a complaint as PDF, response times and the incident page.
func TestHQWorkflow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newHQFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		lawyer := f.user(auth.Lawyer, "lawyer@example.org")
		kz35 := f.regionalUser(auth.Lawyer, "lawyer35@example.org", "KZ-35")
		eid := f.newElection(admin)
		obs, _ := f.deployedObserver(admin, eid, "001")
		other, _ := f.deployedObserver(admin, eid, "002")
		code, body := obs.postJSON("/api/v1/elections/"+itoa(eid)+"/incidents",
			`{"client_id":"88888888-2222-4333-8444-555555555555","station":"001","category":"obstruction_of_observers","severity":"high","description":"Бақылаушыны учаскеге кіргізбеді"}`)
		if code != 201 {
			t.Fatalf("incident: %d %s", code, body)
		}
		var a struct{ ID int64 }
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		inc := "/api/v1/incidents/" + itoa(a.ID)
		if code, body := obs.postMultipart("/observe/incidents/"+itoa(a.ID)+"/evidence", nil, pngPhoto(t), "application/json"); code != 201 {
			t.Fatalf("photo: %d %s", code, body)
		}

		if code, body := f.postAs(lawyer, inc+"/claim", ""); code != 200 || !strings.Contains(body, `"status":"claimed"`) || !strings.Contains(body, `"version":2`) {
			t.Fatalf("claim: %d %s", code, body)
		}
		if code, body := f.postAs(lawyer, inc+"/claim", ""); code != 409 {
			t.Errorf("second claim: %d %s", code, body)
		}
		for _, c := range []struct{ body, says string }{
			{`{"action":"advise_observer","note":"x"}`, "message"},
			{`{"action":"advise_observer"}`, "note"},
			{`{"action":"shrug","note":"x"}`, "action"},
			{`{"action":"duplicate_of","note":"x","duplicate_of":999999}`, "999999"},
		} {
			if code, body := f.postAs(lawyer, inc+"/decision", c.body); code != 422 || !strings.Contains(body, c.says) {
				t.Errorf("%s: %d %s", c.body, code, body)
			}
		}
		code, body = f.postAs(lawyer, inc+"/decision", `{"action":"advise_observer","note":"rights under art. 20","message":"Покажите удостоверение и запишите имя председателя"}`)
		if code != 200 || !strings.Contains(body, `"status":"decided"`) {
			t.Fatalf("advise: %d %s", code, body)
		}
		msgs, err := db.ObserverMessages(context.Background(), a.ID)
		if err != nil || len(msgs) != 1 || msgs[0].Channel != report.Web {
			t.Errorf("outbox = %+v, %v", msgs, err)
		}

		// The observer sees the outcome and the advice, not HQ's note;
		// another observer does not see the incident at all.
		code, body = obs.get(inc)
		if code != 200 || !strings.Contains(body, "Покажите удостоверение") || strings.Contains(body, "rights under") || !strings.Contains(body, `"advise_observer"`) {
			t.Errorf("observer's view: %d %s", code, body)
		}
		if code, _ := other.get(inc); code != 404 {
			t.Errorf("another observer opens the incident: %d", code)
		}

		// A further decision needs the version seen.
		if code, body := f.postAs(lawyer, inc+"/decision", `{"action":"file_complaint","note":"complaint needed"}`); code != 409 || !strings.Contains(body, "version") {
			t.Errorf("decision without version on a decided incident: %d %s", code, body)
		}
		if code, body := f.postAs(lawyer, inc+"/decision", `{"action":"file_complaint","note":"complaint needed","version":3}`); code != 200 {
			t.Errorf("decision with version: %d %s", code, body)
		}

		// Evidence: listed and downloaded by the region's staff only.
		resp := f.do("GET", inc+"/evidence", lawyer, "", nil)
		ev := decode[struct{ Evidence []struct{ URL string } }](t, resp).Evidence
		if len(ev) != 1 {
			t.Fatalf("evidence = %+v", ev)
		}
		if resp := f.do("GET", ev[0].URL, lawyer, "", nil); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp := f.do("GET", ev[0].URL, kz35, "", nil); resp.StatusCode != 403 {
			t.Errorf("download by another region: %d", resp.StatusCode)
		}

		// A complaint in Kazakh, its PDF and its progress.
		code, body = f.postAs(lawyer, inc+"/complaints", `{"lang":"kk","commission":"№ 001 учаскелік сайлау комиссиясы","articles":["art20"]}`)
		if code != 201 || !strings.Contains(body, "Бақылаушыны учаскеге") {
			t.Fatalf("complaint: %d %s", code, body)
		}
		var cp struct {
			ID      int64
			PDF     string
			Version int
		}
		if err := json.Unmarshal([]byte(body), &cp); err != nil {
			t.Fatal(err)
		}
		resp = f.do("GET", cp.PDF, lawyer, "", nil)
		if pdf := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF-") {
			t.Errorf("complaint PDF: %d %.20q", resp.StatusCode, pdf)
		}
		if resp := f.do("GET", cp.PDF, kz35, "", nil); resp.StatusCode != 403 {
			t.Errorf("complaint PDF for another region: %d", resp.StatusCode)
		}
		if code, body := f.postAs(lawyer, "/api/v1/complaints/"+itoa(cp.ID), `{"filed_on":"2023-03-19","version":1}`); code != 200 || !strings.Contains(body, `"stage":"filed"`) {
			t.Errorf("filed: %d %s", code, body)
		}
		if code, body := f.postAs(lawyer, "/api/v1/complaints/"+itoa(cp.ID), `{"filed_on":"2023-03-20","version":1}`); code != 409 {
			t.Errorf("stale complaint update: %d %s", code, body)
		}
		if code, body := f.postAs(lawyer, inc+"/complaints", `{"lang":"kk","commission":"x","articles":["art999"]}`); code != 422 {
			t.Errorf("unknown article: %d %s", code, body)
		}

		// Response times per region: the lawyer sees Almaty only.
		resp = f.do("GET", "/api/v1/hq/response-times", lawyer, "", nil)
		rt := decode[struct {
			Deadlines map[string]float64 `json:"deadlines_seconds"`
			Regions   []struct {
				Region    string
				Responded int
			}
		}](t, resp)
		if rt.Deadlines["critical"] != 900 || len(rt.Regions) != 1 || rt.Regions[0].Region != "KZ-75" || rt.Regions[0].Responded != 1 {
			t.Errorf("response times = %+v", rt)
		}

		// The incident page shows the audit trail, the evidence and the
		// station's reports; no inline scripts.
		code, page := f.getAs(lawyer, "/hq/incidents/"+itoa(a.ID))
		for _, want := range []string{"decide:advise_observer", "complaint:update", "claim", "/evidence/", "art20" + `"`, "lawyer@example.org"} {
			if !strings.Contains(page, want) {
				t.Errorf("incident page lacks %q", want)
			}
		}
		if code != 200 || strings.Contains(page, "<script>") || strings.Contains(page, " style=") {
			t.Errorf("incident page: %d", code)
		}
		if resp := f.do("GET", "/api/v1/hq/legal-bases", lawyer, "", nil); resp.StatusCode != 200 {
			t.Errorf("legal bases: %d", resp.StatusCode)
		}
	})
}

// TestHQPageForms: the decision form works without JavaScript; a decision
// on an incident that changed meanwhile shows the page again with what
// happened and keeps what was typed.
func TestHQPageForms(t *testing.T) {
	f := newHQFixture(t, storetest.Open(t, store.SQLite))
	admin := f.user(auth.Admin, "admin@example.org")
	f.user(auth.Lawyer, "lawyer@example.org")
	eid := f.newElection(admin)
	id := f.incident(admin, eid, "99999999-2222-4333-8444-555555555555", "001", "medium")
	b := newBrowser(t, f)
	if code, _ := b.post("/login", map[string][]string{"email": {"lawyer@example.org"}, "password": {testPassword}}); code != 200 {
		t.Fatalf("sign in: %d", code)
	}
	page := "/hq/incidents/" + itoa(id)
	if code, body := b.post(page+"/claim", nil); code != 200 || !strings.Contains(body, "claimed") {
		t.Errorf("claim form: %d", code)
	}
	if code, body := b.post(page+"/decision", map[string][]string{"action": {"call_chair"}, "note": {"called, chair admits"}, "version": {"2"}}); code != 200 || !strings.Contains(body, "decide:call_chair") {
		t.Errorf("decision form: %d", code)
	}
	code, body := b.post(page+"/decision", map[string][]string{"action": {"escalate"}, "note": {"my typed note"}, "version": {"2"}})
	if code != 409 || !strings.Contains(body, "my typed note") || !strings.Contains(body, "call_chair") {
		t.Errorf("stale decision form: %d\n%s", code, body)
	}
}
