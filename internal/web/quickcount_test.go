package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/web"
)

// qcStation is the truth of one station of the quick-count scenario:
// turnout 60–75%, A's share 50–62%.
func qcStation(i int) (registered, cast, valid, a int) {
	registered = 600 + (i*53)%1400
	cast = registered * (60 + i%16) / 100
	valid = cast - cast/50
	a = valid * (50 + (i*7)%13) / 100
	return
}

// qcElection creates an election of 160 stations in four regions and
// returns its id and its contest's.
func qcElection(t *testing.T, f *fixture, token string) (int64, int64) {
	resp := f.do("POST", "/api/v1/elections", token, "application/json",
		strings.NewReader(`{"name":"President 2026","kind":"presidential","date":"2026-03-15"}`))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create election: %d %s", resp.StatusCode, readAll(t, resp.Body))
	}
	e := decode[struct{ ID int64 }](t, resp)
	c := election.Contest{ElectionID: e.ID, Name: "President", Options: []string{"A", "B"}}
	if err := f.db.AddContest(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("code,name,region,country,city,registered_voters\n")
	regions := []string{"Almaty", "Astana", "Pavlodar", "Turkistan"}
	for i := range 160 {
		city := ""
		if i%2 == 0 {
			city = "Town"
		}
		reg, _, _, _ := qcStation(i)
		fmt.Fprintf(&b, "Q%03d,School %d,%s,KZ,%s,%d\n", i, i, regions[i%4], city, reg)
	}
	resp = f.do("POST", "/api/v1/elections/"+itoa(e.ID)+"/stations/import", token, "text/csv", strings.NewReader(b.String()))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d %s", resp.StatusCode, readAll(t, resp.Body))
	}
	return e.ID, c.ID
}

// qcOfficial writes the official results file of every station, moving
// shift points of the valid votes from B to A.
func qcOfficial(shift int) string {
	var b strings.Builder
	b.WriteString("station,contest,option,votes\n")
	for i := range 160 {
		reg, cast, valid, a := qcStation(i)
		moved := valid * shift / 100
		fmt.Fprintf(&b, "Q%03d,President,registered,%d\nQ%03d,President,cast,%d\nQ%03d,President,valid,%d\nQ%03d,President,invalid,%d\nQ%03d,President,A,%d\nQ%03d,President,B,%d\n",
			i, reg, i, cast, i, valid, i, cast-valid, i, a+moved, i, valid-a-moved)
	}
	return b.String()
}

type qcValue struct {
	Percent  *float64 `json:"percent"`
	Margin95 float64  `json:"margin95"`
}

type qcAnswer struct {
	Protocols  int            `json:"protocols"`
	Deployment map[string]int `json:"deployment"`
	Sample     struct {
		Sample int `json:"sample_stations"`
		Design struct {
			Seed string `json:"seed"`
		} `json:"design"`
	} `json:"sample"`
	Contests []struct {
		Turnout qcValue `json:"turnout"`
		Shares  []struct {
			Option   string  `json:"option"`
			Estimate qcValue `json:"estimate"`
			Official *struct {
				Percent   float64 `json:"percent"`
				Outside95 bool    `json:"outside95"`
				Outside99 bool    `json:"outside99"`
			} `json:"official"`
		} `json:"shares"`
		NonResponse struct {
			Sample   int     `json:"sample_stations"`
			Reported int     `json:"reported"`
			Rate     float64 `json:"response_rate_percent"`
		} `json:"non_response"`
	} `json:"contests"`
}

func TestQuickCountScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		lawyer := f.user(auth.Lawyer, "lawyer@example.org")
		id, contest := qcElection(t, f, admin)
		base := "/api/v1/elections/" + itoa(id)

		if resp := f.do("GET", base+"/quickcount", admin, "", nil); resp.StatusCode != 404 {
			t.Errorf("estimates before a sample: %d", resp.StatusCode)
		}
		for _, bad := range []string{`{"seed":""}`, `{"seed":"x","margin":50}`, `{"seed":"x","confidence":2}`, `{"seed":"x","bogus":1}`} {
			if resp := f.do("POST", base+"/quickcount/sample", admin, "application/json", strings.NewReader(bad)); resp.StatusCode != 422 {
				t.Errorf("draw %s: %d, want 422", bad, resp.StatusCode)
			}
		}
		if resp := f.do("POST", base+"/quickcount/sample", lawyer, "application/json", strings.NewReader(`{"seed":"x"}`)); resp.StatusCode != 403 {
			t.Errorf("a lawyer drew a sample: %d", resp.StatusCode)
		}
		if resp := f.do("POST", base+"/quickcount/sample", admin, "application/json", strings.NewReader(`{"seed":"first try","stations":30}`)); resp.StatusCode != 201 {
			t.Fatalf("first draw: %d", resp.StatusCode)
		}
		// Before any count is in, the design may change.
		resp := f.do("POST", base+"/quickcount/sample", admin, "application/json", strings.NewReader(`{"seed":"lottery 7 12 31","stations":48}`))
		if resp.StatusCode != 201 {
			t.Fatalf("draw: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		list := decode[struct {
			Stations []struct{ Station, Role string } `json:"stations"`
		}](t, f.do("GET", base+"/quickcount/sample", lawyer, "", nil))
		var sample []string
		for _, s := range list.Stations {
			if s.Role == "sample" {
				sample = append(sample, s.Station)
			}
		}
		if len(sample) < 48 {
			t.Fatalf("%d sample stations, want at least 48", len(sample))
		}

		// Every sample station but the first reports its true count.
		var reports []report.Report
		at := time.Date(2026, 3, 15, 16, 0, 0, 0, time.UTC)
		for _, code := range sample[1:] {
			var i int
			fmt.Sscanf(code, "Q%03d", &i)
			reg, cast, valid, a := qcStation(i)
			reports = append(reports, report.Report{ClientID: "qc-" + code, ElectionID: id, StationCode: code, Form: report.Count, FormVersion: 1,
				Channel: report.API, ObservedAt: at, Answers: map[string]json.RawMessage{
					"contest": json.RawMessage(itoa(contest)), "registered": json.RawMessage(fmt.Sprint(reg)), "cast": json.RawMessage(fmt.Sprint(cast)),
					"valid": json.RawMessage(fmt.Sprint(valid)), "votes": json.RawMessage(fmt.Sprintf(`{"A":%d,"B":%d}`, a, valid-a))}})
		}
		if _, err := db.SaveReports(ctx, reports); err != nil {
			t.Fatal(err)
		}
		var cast, regs, valid, a float64
		for i := range 160 {
			r, c, v, x := qcStation(i)
			regs, cast, valid, a = regs+float64(r), cast+float64(c), valid+float64(v), a+float64(x)
		}
		trueA := 100 * a / valid

		got := decode[qcAnswer](t, f.do("GET", base+"/quickcount", lawyer, "", nil))
		if got.Deployment["sample"] != len(sample) || got.Deployment["sample_covered"] != 0 {
			t.Errorf("deployment = %v, want %d sample stations, none covered", got.Deployment, len(sample))
		}
		if len(got.Contests) != 1 || got.Sample.Design.Seed != "lottery 7 12 31" || got.Protocols != len(sample)-1 {
			t.Fatalf("estimates = %+v", got)
		}
		c := got.Contests[0]
		if c.NonResponse.Sample != len(sample) || c.NonResponse.Reported != len(sample)-1 {
			t.Errorf("non-response = %+v, want %d of %d reported", c.NonResponse, len(sample)-1, len(sample))
		}
		estA := c.Shares[0].Estimate
		if estA.Percent == nil || math.Abs(*estA.Percent-trueA) > 3*estA.Margin95/1.96+0.5 || estA.Margin95 <= 0 {
			t.Errorf("A estimated %+v, the truth is %.2f", estA, trueA)
		}
		if c.Turnout.Percent == nil || math.Abs(*c.Turnout.Percent-100*cast/regs) > 3 {
			t.Errorf("turnout estimated %+v, the truth is %.2f", c.Turnout, 100*cast/regs)
		}

		// Honest official results lie within the margins; cooked ones
		// (10 points moved from B to A) are flagged.
		for _, shift := range []int{0, 10} {
			if resp := f.do("POST", base+"/results/official", admin, "text/csv", strings.NewReader(qcOfficial(shift))); resp.StatusCode != 200 {
				t.Fatalf("import official: %d %s", resp.StatusCode, readAll(t, resp.Body))
			}
			got = decode[qcAnswer](t, f.do("GET", base+"/quickcount", admin, "", nil))
			off := got.Contests[0].Shares[0].Official
			if off == nil || off.Outside99 != (shift > 0) || off.Outside95 != (shift > 0) {
				t.Errorf("official A with %d points moved: %+v (estimate %+v)", shift, off, got.Contests[0].Shares[0].Estimate)
			}
		}
		page := f.do("GET", "/elections/"+itoa(id)+"/quickcount", admin, "", nil)
		if body := readAll(t, page.Body); page.StatusCode != 200 || !strings.Contains(body, "outside the 99% margin") || !strings.Contains(body, "lottery 7 12 31") ||
			!strings.Contains(body, "Reports by stratum") || !strings.Contains(body, "Almaty · urban · ") {
			t.Errorf("quick-count page: %d", page.StatusCode)
		}
		csvResp := f.do("GET", "/elections/"+itoa(id)+"/quickcount/sample.csv", lawyer, "", nil)
		if body := readAll(t, csvResp.Body); csvResp.StatusCode != 200 || !strings.HasPrefix(body, "station,stratum,role,rank\n") || !strings.Contains(body, sample[0]+",") {
			t.Errorf("sample CSV: %d %q", csvResp.StatusCode, body)
		}

		// The deployment hand-off: the sample comes first (in code order),
		// marked.
		firstCode := slices.Min(sample)
		dep := f.do("GET", "/elections/"+itoa(id)+"/deployment", admin, "", nil)
		depBody := readAll(t, dep.Body)
		first := strings.Index(depBody, `<ul class="codes">`)
		if dep.StatusCode != 200 || first < 0 || !strings.HasPrefix(depBody[first:], `<ul class="codes"><li><a href="/elections/`+itoa(id)+`/stations/`+firstCode+`">`+firstCode+`</a> <small>quick-count sample</small>`) {
			t.Errorf("deployment page does not list the sample first: %d", dep.StatusCode)
		}

		// Forensics on the official results and on the observers'.
		fx := decode[struct {
			Stations int    `json:"stations"`
			Used     int    `json:"stations_used"`
			Leader   string `json:"leader"`
			Integer  struct {
				Stations     int `json:"stations"`
				Replications int `json:"replications"`
			} `json:"integer_percentages"`
			Regions []struct{ Region string } `json:"regions"`
		}](t, f.do("GET", base+"/forensics?source=official", lawyer, "", nil))
		if fx.Stations != 160 || fx.Used != 160 || fx.Leader != "A" || fx.Integer.Replications != 1000 || len(fx.Regions) != 4 {
			t.Errorf("forensics of the official results = %+v", fx)
		}
		if resp := f.do("GET", base+"/forensics?source=rumours", lawyer, "", nil); resp.StatusCode != 422 {
			t.Errorf("forensics of an unknown source: %d", resp.StatusCode)
		}
		if resp := f.do("GET", base+"/forensics?contest=999", lawyer, "", nil); resp.StatusCode != 422 {
			t.Errorf("forensics of an unknown contest: %d", resp.StatusCode)
		}
		page = f.do("GET", "/elections/"+itoa(id)+"/forensics", lawyer, "", nil)
		if body := readAll(t, page.Body); page.StatusCode != 200 || strings.Count(body, "<svg") != 3 || strings.Contains(body, `action="/elections/`+itoa(id)+`/forensics?`) {
			t.Errorf("forensics page for a lawyer: %d, want three charts and no upload form", page.StatusCode)
		}

		// A results file analysed without storing it.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "results.csv")
		fw.Write([]byte(qcOfficial(0)))
		mw.Close()
		up := f.do("POST", "/elections/"+itoa(id)+"/forensics?contest="+itoa(contest), admin, mw.FormDataContentType(), &buf)
		if body := readAll(t, up.Body); up.StatusCode != 200 || !strings.Contains(body, "the uploaded results file, 160 stations") {
			t.Errorf("upload for forensics: %d", up.StatusCode)
		}
		buf.Reset()
		mw = multipart.NewWriter(&buf)
		fw, _ = mw.CreateFormFile("file", "results.csv")
		fw.Write([]byte("station,contest,option,votes\nQ000,President,cast,many\n"))
		mw.Close()
		up = f.do("POST", "/elections/"+itoa(id)+"/forensics", admin, mw.FormDataContentType(), &buf)
		if body := readAll(t, up.Body); up.StatusCode != 422 || !strings.Contains(body, "votes") {
			t.Errorf("bad upload for forensics: %d", up.StatusCode)
		}

		// The design form refuses bad input with a message.
		b := newBrowser(t, f)
		if code, _ := b.post("/login", url.Values{"email": {"admin@example.org"}, "password": {testPassword}}); code != 200 {
			t.Fatalf("login: %d", code)
		}
		if code, body := b.post("/elections/"+itoa(id)+"/quickcount/sample", url.Values{"margin": {"abc"}, "seed": {"s"}}); code != 422 || !strings.Contains(body, "margin") {
			t.Errorf("bad margin: %d", code)
		}
		// Once protocols are in, the sample cannot be redrawn to suit.
		if code, body := b.post("/elections/"+itoa(id)+"/quickcount/sample", url.Values{"margin": {"2"}, "confidence": {"0.99"}, "seed": {"redrawn"}}); code != 409 || !strings.Contains(body, "cannot be drawn again") {
			t.Errorf("redraw after the counts: %d", code)
		}
		if resp := f.do("POST", base+"/quickcount/sample", admin, "application/json", strings.NewReader(`{"seed":"redrawn"}`)); resp.StatusCode != 409 {
			t.Errorf("redraw through the API after the counts: %d", resp.StatusCode)
		}
	})
}

// FuzzDrawSample throws arbitrary bodies at the sample design API:
// whatever comes in, the answer is a 2xx or a 4xx, never a 5xx or a panic.
func FuzzDrawSample(f *testing.F) {
	for _, seed := range []string{`{"seed":"x"}`, `{"seed":"x","margin":0.1,"icc":1,"turnout":1e-300}`, `{"seed":"x","stations":-1}`,
		`{"seed":"x","stations":99999999999}`, `{"seed":"\u0000","confidence":0.999}`, `{"margin":1e400}`, `[]`, `null`, "\xff"} {
		f.Add(seed)
	}
	db := storetest.Open(f, store.SQLite)
	ctx := context.Background()
	s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db, Sessions: db.Sessions(), Ready: db.Ping,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	f.Cleanup(srv.Close)
	u := auth.User{Email: "fuzz@example.org", Role: auth.Admin, PasswordHash: "x"}
	if err := db.CreateUser(ctx, &u); err != nil {
		f.Fatal(err)
	}
	admin, th, err := auth.NewToken()
	if err == nil {
		err = db.CreateToken(ctx, u.ID, th)
	}
	if err != nil {
		f.Fatal(err)
	}
	e := election.Election{Name: "Fuzz", Kind: election.Presidential, Date: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)}
	if err := e.Validate(); err != nil {
		f.Fatal(err)
	}
	if err := db.CreateElection(ctx, &e); err != nil {
		f.Fatal(err)
	}
	var stations []election.Station
	for i := range 50 {
		st := election.Station{Code: fmt.Sprintf("F%02d", i), Name: "School", Region: "KZ-75", Country: "KZ", RegisteredVoters: 500 + 10*i,
			Opens: election.DefaultOpens, Closes: election.DefaultCloses}
		if err := st.Validate(); err != nil {
			f.Fatal(err)
		}
		stations = append(stations, st)
	}
	if _, err := db.ImportStations(ctx, e.ID, stations); err != nil {
		f.Fatal(err)
	}
	id := e.ID
	f.Fuzz(func(t *testing.T, body string) {
		req, err := http.NewRequest("POST", srv.URL+"/api/v1/elections/"+itoa(id)+"/quickcount/sample", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %q: %d %s", body, resp.StatusCode, b)
		}
	})
}
