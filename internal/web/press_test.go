package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// resultsElection creates an election with one contest of two options
// and the fixture's stations; it returns the election and contest ids.
func (f *fixture) resultsElection(token string) (int64, int64) {
	f.t.Helper()
	resp := f.do("POST", "/api/v1/elections", token, "application/json",
		strings.NewReader(`{"name":"Mazhilis 2023","kind":"mazhilis","date":"2023-03-19"}`))
	if resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("create election: %d %s", resp.StatusCode, readAll(f.t, resp.Body))
	}
	e := decode[struct{ ID int64 }](f.t, resp)
	c := election.Contest{ElectionID: e.ID, Name: "Party lists", Options: []string{"Amanat", "Respublica"}}
	if err := f.db.AddContest(context.Background(), &c); err != nil {
		f.t.Fatal(err)
	}
	resp = f.do("POST", "/api/v1/elections/"+itoa(e.ID)+"/stations/import", token, "text/csv", strings.NewReader(stationsCSV))
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("import: %d %s", resp.StatusCode, readAll(f.t, resp.Body))
	}
	return e.ID, c.ID
}

func protocolReport(electionID, contest int64, clientID, station, hhmm string, cast int, amanat, respublica int, observer int64) report.Report {
	at, err := time.Parse("2006-01-02 15:04 -07:00", "2023-03-19 "+hhmm+" +06:00")
	if err != nil {
		panic(err)
	}
	return report.Report{ClientID: clientID, ElectionID: electionID, StationCode: station, Form: report.Count, FormVersion: 1,
		Channel: report.API, ObservedAt: at, ObserverID: observer, Answers: map[string]json.RawMessage{
			"contest": json.RawMessage(itoa(contest)), "registered": json.RawMessage("1500"), "cast": json.RawMessage(fmt.Sprint(cast)),
			"votes": json.RawMessage(fmt.Sprintf(`{"Amanat":%d,"Respublica":%d}`, amanat, respublica))}}
}

func TestResultsScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		head := f.user(auth.MissionHead, "head@example.org")
		id, contest := f.resultsElection(admin)
		if _, err := db.SaveReports(ctx, []report.Report{
			protocolReport(id, contest, "p-1", "001", "21:00", 900, 500, 390, 0),
			protocolReport(id, contest, "p-2", "001", "22:00", 1000, 600, 390, 0), // corrects p-1
			protocolReport(id, contest, "p-3", "002", "21:30", 500, 300, 200, 0),
		}); err != nil {
			t.Fatal(err)
		}
		acks, err := db.SaveIncidents(ctx, []report.IncidentReport{{ClientID: "i-1", ElectionID: id, StationCode: "002", Category: "other",
			Severity: report.High, Channel: report.API, ObservedAt: time.Date(2023, 3, 19, 16, 0, 0, 0, time.UTC), Status: report.StatusNew}})
		if err != nil {
			t.Fatal(err)
		}

		// A bad file changes nothing and names rows and columns.
		bad := "station,contest,option,votes\n001,Party lists,cast,x\n999,Party lists,cast,1\n"
		resp := f.do("POST", "/api/v1/elections/"+itoa(id)+"/results/official", admin, "text/csv", strings.NewReader(bad))
		body := readAll(t, resp.Body)
		if resp.StatusCode != 422 || !strings.Contains(body, `"row":2`) || !strings.Contains(body, `"column":"votes"`) || !strings.Contains(body, `"row":3`) {
			t.Errorf("bad file: %d %s", resp.StatusCode, body)
		}
		// Observers may not import.
		if resp := f.do("POST", "/api/v1/elections/"+itoa(id)+"/results/official", head, "text/csv", strings.NewReader(bad)); resp.StatusCode != 403 {
			t.Errorf("mission head import: %d", resp.StatusCode)
		}
		good := "station,contest,option,votes\n" +
			"001,Party lists,registered,1500\n001,Party lists,cast,1000\n001,Party lists,valid,990\n001,Party lists,invalid,10\n001,Party lists,Amanat,600\n001,Party lists,Respublica,390\n" +
			"002,Party lists,registered,900\n002,Party lists,cast,530\n002,Party lists,valid,520\n002,Party lists,invalid,10\n002,Party lists,Amanat,340\n002,Party lists,Respublica,180\n"
		resp = f.do("POST", "/api/v1/elections/"+itoa(id)+"/results/official", admin, "text/csv", strings.NewReader(good))
		if resp.StatusCode != 200 {
			t.Fatalf("import: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}

		resp = f.do("GET", "/api/v1/elections/"+itoa(id)+"/results", head, "", nil)
		res := decode[struct {
			Observed []struct {
				Stations int
				Votes    map[string]int64
			}
			Discrepancies []struct {
				Station   string
				Largest   int64 `json:"largest_difference"`
				Where     string
				Incidents []int64
				Observed  struct{ Votes map[string]int64 }
			}
		}](t, resp)
		if len(res.Observed) != 1 || res.Observed[0].Stations != 2 || res.Observed[0].Votes["Amanat"] != 900 {
			t.Errorf("observed tally = %+v", res.Observed)
		}
		if len(res.Discrepancies) != 1 || res.Discrepancies[0].Station != "002" || res.Discrepancies[0].Largest != 40 ||
			res.Discrepancies[0].Where != "Amanat" || len(res.Discrepancies[0].Incidents) != 1 || res.Discrepancies[0].Incidents[0] != acks[0].ID {
			t.Errorf("discrepancies = %+v", res.Discrepancies)
		}

		resp = f.do("GET", "/elections/"+itoa(id)+"/results", admin, "", nil)
		page := readAll(t, resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(page, "/hq/incidents/"+itoa(acks[0].ID)) || !strings.Contains(page, "largest difference 40") {
			t.Errorf("results page: %d\n%s\n%s", resp.StatusCode, page, f.logs.String())
		}
	})
}

func TestPressCentre(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		journalist := f.user(auth.Journalist, "j@example.org")
		id := f.newElection(admin)
		if _, err := db.SaveReports(ctx, []report.Report{turnoutAt(id, "t-1", "001", "12:00", 600), turnoutAt(id, "t-2", "SF-1", "12:00", 31)}); err != nil {
			t.Fatal(err)
		}

		// Public, no sign-in: figures with their basis, cacheable for a second.
		resp := f.do("GET", "/press", "", "", nil)
		page := readAll(t, resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=1" {
			t.Fatalf("press: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		for _, want := range []string{"Mazhilis 2023", "631 ballots cast of 1,810 registered voters at the 2 of 3 stations reporting", "34.9 %",
			`aria-labelledby="chart-map-title chart-map-desc"`, "chart-turnout", "United States", "to be announced", "Astana", "Almaty"} {
			if !strings.Contains(page, want) {
				t.Errorf("press page lacks %q", want)
			}
		}
		resp = f.do("GET", "/api/v1/press/figures", "", "", nil)
		fig := decode[struct {
			Turnout struct {
				BallotsCast    int64    `json:"ballots_cast"`
				TurnoutPercent *float64 `json:"turnout_percent"`
			}
		}](t, resp)
		if fig.Turnout.BallotsCast != 631 || fig.Turnout.TurnoutPercent == nil || *fig.Turnout.TurnoutPercent != 34.9 {
			t.Errorf("figures = %+v", fig)
		}

		// The desk schedules a briefing and publishes a statement.
		form := url.Values{"title": {"Preliminary findings"}, "starts_at": {"2099-03-20T11:00"}, "place": {"Press centre, Astana"}, "lang": {"ru"}}
		if resp := f.do("POST", "/press/briefings", admin, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); resp.StatusCode != 303 {
			t.Errorf("briefing: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		if resp := f.do("POST", "/press/briefings", journalist, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); resp.StatusCode != 403 {
			t.Errorf("journalist briefing: %d", resp.StatusCode)
		}
		form = url.Values{"title_en": {"Statement on election day"}, "body_en": {"Voting was calm.\n\nCounting goes on."}, "title_ru": {"Заявление"}, "body_ru": {"Спокойно."}}
		if resp := f.do("POST", "/press/statements", admin, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); resp.StatusCode != 303 {
			t.Errorf("statement: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		time.Sleep(1100 * time.Millisecond) // the public pages are cached for a second
		resp = f.do("GET", "/api/v1/press/briefings", "", "", nil)
		if b := readAll(t, resp.Body); !strings.Contains(b, "Preliminary findings") || !strings.Contains(b, "2099-03-20T11:00:00+05:00") {
			t.Errorf("briefings: %s", b)
		}
		resp = f.do("GET", "/api/v1/press/statements", "", "", nil)
		st := decode[struct{ Statements []struct{ ID int64 } }](t, resp)
		if len(st.Statements) != 1 {
			t.Fatalf("statements = %+v", st)
		}
		resp = f.do("GET", "/press/statements/"+itoa(st.Statements[0].ID), "", "", nil)
		if b := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.Contains(b, "<p>Counting goes on.</p>") {
			t.Errorf("statement page: %d %s", resp.StatusCode, b)
		}

		// A journalist asks for accreditation; the desk accepts: a journalist
		// of a media organisation appears in the registry.
		form = url.Values{"full_name": {"Aigerim Seitkali"}, "outlet": {"Steppe Daily"}, "email": {"aigerim@steppe.example"}, "phone": {"+7 701 555 0101"}}
		if resp := f.do("POST", "/press/accreditation", "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); resp.StatusCode != 303 {
			t.Fatalf("request: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		form.Set("email", "not-an-address")
		if resp := f.do("POST", "/press/accreditation", "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); resp.StatusCode != 422 {
			t.Errorf("bad e-mail: %d", resp.StatusCode)
		}
		resp = f.do("GET", "/api/v1/press/accreditation-requests", admin, "", nil)
		reqs := decode[struct{ Requests []struct{ ID int64 } }](t, resp)
		if len(reqs.Requests) != 1 {
			t.Fatalf("requests = %+v", reqs)
		}
		if b := readAll(t, f.do("GET", "/press", "", "", nil).Body); strings.Contains(b, "aigerim@steppe.example") || strings.Contains(b, "555 0101") {
			t.Error("the public page shows a request's personal data")
		}
		resp = f.do("POST", "/api/v1/press/accreditation-requests/"+itoa(reqs.Requests[0].ID)+"/accept", admin, "application/json", nil)
		acc := decode[struct {
			Journalist int64
			Number     string
		}](t, resp)
		o, err := db.Observer(ctx, acc.Journalist)
		if err != nil || o.Kind != people.KindJournalist || o.Personal.Email != "aigerim@steppe.example" || !strings.HasPrefix(acc.Number, "JRN-") {
			t.Fatalf("journalist = %+v, %v", o, err)
		}
		org, err := db.Organization(ctx, o.OrganizationID)
		if err != nil || org.Kind != people.Media || org.Name != "Steppe Daily" {
			t.Errorf("organisation = %+v, %v", org, err)
		}
		if resp := f.do("POST", "/api/v1/press/accreditation-requests/"+itoa(reqs.Requests[0].ID)+"/accept", admin, "application/json", nil); resp.StatusCode != 409 {
			t.Errorf("accepting twice: %d", resp.StatusCode)
		}

		// The desk page shows requests; an admin edits a help centre.
		if resp := f.do("GET", "/press/desk", admin, "", nil); resp.StatusCode != 200 {
			t.Errorf("desk: %d", resp.StatusCode)
		}
		centres, err := db.HelpCentres(ctx)
		if err != nil {
			t.Fatal(err)
		}
		form = url.Values{"address": {""}, "hours": {"08:00–22:00"}, "contacts": {"+7 7172 00 00 00"}}
		if resp := f.do("POST", "/press/desk/centres/"+itoa(centres[0].ID), admin, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); resp.StatusCode != 303 {
			t.Errorf("centre: %d", resp.StatusCode)
		}
		for _, lang := range []string{"kk", "ru", "en"} {
			req, err := http.NewRequest("GET", f.srv.URL+"/press", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b := strings.ReplaceAll(readAll(t, resp.Body), "press.css", "")
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.Contains(b, "press.") || strings.Contains(b, "results.") {
				t.Errorf("press page in %s: %d, or an untranslated key", lang, resp.StatusCode)
			}
		}
	})
}

// turnoutAt is a turnout report observed at an Astana time on 19 March 2023.
func turnoutAt(electionID int64, clientID, station, hhmm string, ballots int) report.Report {
	at, err := time.Parse("2006-01-02 15:04 -07:00", "2023-03-19 "+hhmm+" +06:00")
	if err != nil {
		panic(err)
	}
	return report.Report{ClientID: clientID, ElectionID: electionID, StationCode: station, Form: report.Turnout, FormVersion: 1,
		Channel: report.API, ObservedAt: at, Answers: map[string]json.RawMessage{"ballots_cast": json.RawMessage(fmt.Sprint(ballots))}}
}

func TestOpenDataHasNoPersonalData(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		id, contest := f.resultsElection(admin)
		org := people.Organization{Name: "Civic Alliance", Kind: people.DomesticNGO}
		if err := db.CreateOrganization(ctx, &org); err != nil {
			t.Fatal(err)
		}
		type person struct{ name, email, phone string }
		persons := []person{{"Dana Nurlanovna Abenova", "dana.abenova@example.org", "+77015550199"}, {"Ерлан Серикович Жумабаев", "erlan@example.org", "+77025550288"}}
		var ids []int64
		for _, p := range persons {
			o := people.Observer{FullName: p.name, OrganizationID: org.ID, Country: "KZ", Personal: people.Personal{Email: p.email, Phone: p.phone}}
			if err := db.CreateObserver(ctx, &o, 0); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		r := turnoutAt(id, "t-1", "001", "12:00", 600)
		r.ObserverID = ids[0]
		c := protocolReport(id, contest, "p-1", "002", "21:00", 500, 300, 200, ids[1])
		c.Answers["notes"] = json.RawMessage(`"Dana Nurlanovna Abenova saw it, call +77015550199"`)
		if _, err := db.SaveReports(ctx, []report.Report{r, c}); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2023, 3, 19, 7, 0, 0, 0, time.UTC)
		acks, err := db.SaveIncidents(ctx, []report.IncidentReport{
			{ClientID: "i-1", ElectionID: id, StationCode: "001", Category: "other", Severity: report.High, ObserverID: ids[0],
				Description: "Ерлан Серикович Жумабаев was pushed out; erlan@example.org", Channel: report.API, ObservedAt: at, Status: report.StatusNew},
			{ClientID: "i-2", ElectionID: id, StationCode: "SF-1", Category: "other", Severity: report.Low, ObserverID: ids[1],
				Description: "The queue was long at noon.", Channel: report.API, ObservedAt: at, Status: report.StatusNew},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp := f.do("POST", "/api/v1/incidents/"+itoa(acks[1].ID)+"/publication", admin, "application/json", strings.NewReader(`{"publishable":true}`))
		if resp.StatusCode != 200 {
			t.Fatalf("publication: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}

		if resp := f.do("GET", "/press/data", "", "", nil); resp.StatusCode != 200 || !strings.Contains(readAll(t, resp.Body), "CC BY 4.0") {
			t.Errorf("open data page: %d", resp.StatusCode)
		}
		var all bytes.Buffer
		for _, name := range []string{"turnout-stations", "turnout-regions", "turnout-countries", "reports", "incidents"} {
			for _, ext := range []string{"csv", "json"} {
				path := "/press/data/" + itoa(id) + "/" + name + "." + ext
				resp := f.do("GET", path, "", "", nil)
				b := readAll(t, resp.Body)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
				}
				if ext == "csv" && !strings.HasPrefix(b, "\uFEFF") {
					t.Errorf("%s has no byte-order mark", path)
				}
				if ext == "json" && !json.Valid([]byte(b)) {
					t.Errorf("%s is not JSON", path)
				}
				again := readAll(t, f.do("GET", path, "", "", nil).Body)
				if again != b {
					t.Errorf("%s is not reproducible", path)
				}
				all.WriteString(b)
			}
		}
		text := all.String()
		for _, p := range persons {
			for _, s := range []string{p.name, p.email, p.phone, strings.Fields(p.name)[0]} {
				if strings.Contains(text, s) {
					t.Errorf("open data contains personal data %q", s)
				}
			}
		}
		for _, s := range []string{"observer", "entered_by", "channel", "receipt", "pushed out"} {
			if strings.Contains(text, s) {
				t.Errorf("open data contains %q", s)
			}
		}
		if !strings.Contains(text, "The queue was long at noon.") || !strings.Contains(text, `""Amanat"":300`) || !strings.Contains(text, "001,KZ-75,KZ,1500,600,40.0") {
			t.Errorf("open data lacks what it should publish:\n%s", text)
		}
		if resp := f.do("GET", "/press/data/"+itoa(id)+"/observers.csv", "", "", nil); resp.StatusCode != 404 {
			t.Errorf("unknown data set: %d", resp.StatusCode)
		}
	})
}

// TestPressFiguresUnderLoad hammers the public figures over loopback: no
// request may fail. Speed is measured by BenchmarkPressFigures.
func TestPressFiguresUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	f := newFixture(t, storetest.Open(t, store.SQLite))
	admin := f.user(auth.Admin, "admin@example.org")
	id := f.newElection(admin)
	if _, err := f.db.SaveReports(context.Background(), []report.Report{turnoutAt(id, "t-1", "001", "12:00", 600)}); err != nil {
		t.Fatal(err)
	}
	const workers, requests = 50, 2000
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	jobs := make(chan string, requests)
	for i := range requests {
		if i%2 == 0 {
			jobs <- "/press"
		} else {
			jobs <- "/api/v1/press/figures"
		}
	}
	close(jobs)
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range jobs {
				resp, err := client.Get(f.srv.URL + path)
				if err == nil {
					var b bytes.Buffer
					_, err = b.ReadFrom(resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, path+": "+err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d requests failed, first: %s", len(failures), requests, failures[0])
	}
	// Staff pages stay responsive meanwhile: one answers right after.
	if resp := f.do("GET", "/elections/"+itoa(id)+"/turnout", admin, "", nil); resp.StatusCode != 200 {
		t.Errorf("staff turnout page: %d", resp.StatusCode)
	}
	t.Logf("%d requests from %d goroutines in %v", requests, workers, time.Since(start))
}

func BenchmarkPressFigures(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	f, _ := benchServer(b, db)
	setupElection(b, db, f, 100)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(f + "/press")
			if err != nil {
				b.Error(err)
				return
			}
			var buf bytes.Buffer
			if _, err := buf.ReadFrom(resp.Body); err != nil {
				b.Error(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
			}
		}
	})
}
