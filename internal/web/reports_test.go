package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// deployedObserver registers an accredited observer assigned to a
// station and returns a browser signed in as them (by personal link).
func (f *fixture) deployedObserver(admin string, electionID int64, station string) (*browser, people.Observer) {
	return f.deployed(admin, electionID, station, people.Observer{FullName: "Observer " + station})
}

// deployed registers o (name, languages, phone as given) in an
// organisation of its own, accredits it, assigns it to a station and
// signs it in by its personal link.
func (f *fixture) deployed(admin string, electionID int64, station string, o people.Observer) (*browser, people.Observer) {
	t := f.t
	t.Helper()
	ctx := context.Background()
	org := people.Organization{Name: "Observers of " + station + " " + o.FullName, Kind: people.DomesticNGO}
	if err := f.db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	o.Kind, o.OrganizationID, o.Status = people.KindObserver, org.ID, people.Applied
	if err := f.db.CreateObserver(ctx, &o, 0); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"trained", "accredited"} {
		if resp := f.do("POST", "/api/v1/observers/"+itoa(o.ID)+"/status", admin, "application/json", strings.NewReader(`{"status":"`+st+`"}`)); resp.StatusCode != 200 {
			t.Fatalf("→ %s: %d", st, resp.StatusCode)
		}
	}
	if resp := f.do("POST", "/api/v1/elections/"+itoa(electionID)+"/assignments", admin, "application/json", strings.NewReader(`{"observer":"`+o.Number+`","station":"`+station+`"}`)); resp.StatusCode != 201 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	desk := newBrowser(t, f)
	desk.c.Transport = bearer{admin, desk.c.Transport}
	_, page := desk.post("/observers/"+itoa(o.ID)+"/credentials", nil)
	link := regexp.MustCompile(`id="signin-link">[^<]*(/o/[A-Za-z0-9_-]+)<`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no sign-in link issued")
	}
	b := newBrowser(t, f)
	if code, _ := b.get(link[1]); code != 200 {
		t.Fatalf("observer sign-in: %d", code)
	}
	return b, o
}

// bearer adds an API token to every request.
type bearer struct {
	token string
	rt    http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

// postJSON sends JSON with the browser's session cookie.
func (b *browser) postJSON(path, body string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Post(b.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readAll(b.t, resp.Body)
}

func turnout(clientID, station, at string, cast int) string {
	return fmt.Sprintf(`{"client_id":%q,"station":%q,"form":"turnout","observed_at":%q,"answers":{"checkpoint":"12:00","ballots_cast":%d}}`, clientID, station, at, cast)
}

func TestReportsAndIncidents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		lawyer := f.user(auth.Lawyer, "lawyer@example.org") // KZ-75, Almaty city
		eid := f.newElection(admin)
		obs, o := f.deployedObserver(admin, eid, "001")
		path := "/api/v1/elections/" + itoa(eid) + "/reports"
		ctx := context.Background()

		// A turnout figure; the same client id again is a safe retry.
		code, body := obs.postJSON(path, turnout("6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5a", "001", "2023-03-19T12:05:00+06:00", 300))
		if code != 201 || !strings.Contains(body, `"receipt"`) || !strings.Contains(body, `"flags":[]`) {
			t.Fatalf("turnout: %d %s", code, body)
		}
		first := body
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				code, body := obs.postJSON(path, turnout("6F1C1E0B-8F0E-4A5E-9D7A-2F7B0C3E4D5A", "001", "2023-03-19T12:05:00+06:00", 300))
				if code != 200 || idAndReceipt(body) != idAndReceipt(first) {
					t.Errorf("retry: %d %s, want 200 and %s", code, body, first)
				}
			})
		}
		wg.Wait()
		reps, err := db.StationReports(ctx, eid, "001")
		if err != nil || len(reps) != 1 || reps[0].ObserverID != o.ID || reps[0].Channel != report.Web {
			t.Fatalf("stored reports = %+v, %v", reps, err)
		}

		// Doubtful figures are kept and flagged.
		code, body = obs.postJSON(path, turnout("11111111-2222-4333-8444-555555555555", "001", "2023-03-19T14:05:00+06:00", 250))
		if code != 201 || !strings.Contains(body, report.FlagTurnoutDecreasing) {
			t.Errorf("decreasing turnout: %d %s", code, body)
		}
		code, body = obs.postJSON(path, turnout("11111111-2222-4333-8444-555555555556", "001", "2023-03-19T16:05:00+06:00", 1600))
		if code != 201 || !strings.Contains(body, report.FlagAboveRegistered) {
			t.Errorf("turnout above registered: %d %s", code, body)
		}
		code, body = obs.postJSON(path, turnout("11111111-2222-4333-8444-555555555557", "001", "2023-03-19T03:00:00+06:00", 10))
		if code != 201 || !strings.Contains(body, report.FlagOutsideHours) {
			t.Errorf("report at 03:00: %d %s", code, body)
		}

		// Only the assigned station; bad input is refused clearly.
		for _, c := range []struct {
			name, body string
			want       int
			says       string
		}{
			{"unassigned station", turnout("22222222-2222-4333-8444-555555555555", "002", "2023-03-19T12:00:00+06:00", 5), 403, "not assigned"},
			{"unknown station", turnout("22222222-2222-4333-8444-555555555556", "999", "2023-03-19T12:00:00+06:00", 5), 422, "no station"},
			{"bad client id", turnout("42", "001", "2023-03-19T12:00:00+06:00", 5), 422, "UUID"},
			{"unknown form", `{"client_id":"22222222-2222-4333-8444-555555555557","station":"001","form":"weather","observed_at":"2023-03-19T12:00:00Z","answers":{}}`, 422, "form"},
			{"negative count", turnout("22222222-2222-4333-8444-555555555558", "001", "2023-03-19T12:00:00+06:00", -5), 422, "ballots_cast"},
			{"broken JSON", `{"client_id":`, 422, "JSON"},
			{"invalid UTF-8", "{\"client_id\":\"22222222-2222-4333-8444-555555555559\",\"station\":\"001\",\"form\":\"turnout\",\"observed_at\":\"2023-03-19T12:00:00Z\",\"answers\":{\"checkpoint\":\"12:00\",\"ballots_cast\":1,\"comments\":\"\xff\xfe\"}}", 422, ""},
			{"huge body", `{"client_id":"` + strings.Repeat("a", 2<<20) + `"}`, 422, "1 MiB"},
		} {
			code, body := obs.postJSON(path, c.body)
			if code != c.want || !strings.Contains(body, c.says) {
				t.Errorf("%s: %d %.200s, want %d mentioning %q", c.name, code, body, c.want, c.says)
			}
		}

		// The desk enters a phoned-in report for any station, on record.
		code, body = f.postAs(admin, path, `{"client_id":"33333333-2222-4333-8444-555555555555","station":"002","form":"turnout","observed_at":"2023-03-19T12:10:00+06:00","answers":{"checkpoint":"12:00","ballots_cast":90},"observer":"`+o.Number+`"}`)
		if code != 201 {
			t.Fatalf("phoned-in report: %d %s", code, body)
		}
		reps, _ = db.StationReports(ctx, eid, "002")
		if len(reps) != 1 || reps[0].EnteredBy == 0 || reps[0].Channel != report.Phone || reps[0].ObserverID != o.ID {
			t.Errorf("phoned-in report stored as %+v", reps)
		}

		// Incidents go to the station's regional queue, or the queue abroad.
		ipath := "/api/v1/elections/" + itoa(eid) + "/incidents"
		code, body = obs.postJSON(ipath, `{"client_id":"44444444-2222-4333-8444-555555555555","station":"001","category":"carousel","severity":"high","description":"<script>alert(1)</script> a bus of voters came twice","observed_at":"2023-03-19T11:00:00+06:00"}`)
		if code != 201 || !strings.Contains(body, `"region":"KZ-75"`) || !strings.Contains(body, `"status":"new"`) {
			t.Fatalf("incident: %d %s", code, body)
		}
		code, body = f.postAs(admin, ipath, `{"client_id":"44444444-2222-4333-8444-555555555556","station":"SF-1","category":"obstruction_of_observers","description":"observer not admitted"}`)
		if code != 201 || !strings.Contains(body, `"region":"abroad"`) {
			t.Fatalf("incident abroad: %d %s", code, body)
		}
		if code, body := obs.postJSON(ipath, `{"client_id":"44444444-2222-4333-8444-555555555557","station":"001","category":"alien_landing","description":"x"}`); code != 422 {
			t.Errorf("unknown category: %d %s", code, body)
		}

		queue := func(token, query string) (int, []map[string]any) {
			resp := f.do("GET", "/api/v1/hq/incidents"+query, token, "", nil)
			if resp.StatusCode != 200 {
				return resp.StatusCode, nil
			}
			return 200, decode[struct{ Incidents []map[string]any }](t, resp).Incidents
		}
		if code, list := queue(lawyer, ""); code != 200 || len(list) != 1 || list[0]["station"] != "001" || list[0]["description"] != "<script>alert(1)</script> a bus of voters came twice" {
			t.Errorf("Almaty lawyer's queue: %d %v", code, list)
		}
		if code, _ := queue(lawyer, "?region=abroad"); code != 403 {
			t.Errorf("Almaty lawyer opens the queue abroad: %d", code)
		}
		if code, list := queue(admin, ""); code != 200 || len(list) != 2 {
			t.Errorf("national queue: %d %v", code, list)
		}
		if code, list := queue(admin, "?region=abroad"); code != 200 || len(list) != 1 || list[0]["station"] != "SF-1" {
			t.Errorf("queue abroad: %d %v", code, list)
		}
	})
}

func (f *fixture) postAs(token, path, body string) (int, string) {
	f.t.Helper()
	resp := f.do("POST", path, token, "application/json", bytes.NewBufferString(body))
	return resp.StatusCode, readAll(f.t, resp.Body)
}

// idAndReceipt picks the id and receipt out of an acknowledgement.
func idAndReceipt(body string) string {
	var a struct {
		ID      int64
		Receipt string
	}
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return "not JSON: " + body
	}
	return fmt.Sprint(a.ID, a.Receipt)
}

// TestObserverSeesOutcome: HQ advises the observer; the advice and the
// incident's status appear on the observer's station page.
func TestObserverSeesOutcome(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	admin := f.user(auth.Admin, "admin@example.org")
	eid := f.newElection(admin)
	obs, _ := f.deployedObserver(admin, eid, "001")
	code, body := obs.postJSON("/api/v1/elections/"+itoa(eid)+"/incidents", `{"client_id":"55555555-2222-4333-8444-555555555555","station":"001","category":"carousel","severity":"high","description":"a bus of voters came twice"}`)
	if code != 201 {
		t.Fatalf("incident: %d %s", code, body)
	}
	id := int64(0)
	if err := json.Unmarshal([]byte(body), &struct{ ID *int64 }{&id}); err != nil {
		t.Fatal(err)
	}
	code, body = f.postAs(admin, "/api/v1/incidents/"+itoa(id)+"/decision", `{"action":"advise_observer","note":"seen twice on camera","message":"Write down the bus number and ask the chair to record it"}`)
	if code != 200 {
		t.Fatalf("decision: %d %s", code, body)
	}
	code, page := obs.get("/observe/" + itoa(eid) + "/001")
	if code != 200 || !strings.Contains(page, "Write down the bus number") || strings.Contains(page, "seen twice on camera") {
		t.Errorf("observer's page after advice: %d (advice shown, HQ's note hidden)", code)
	}
}
