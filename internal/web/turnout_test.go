package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// countReport is a turnout (or closing) report of a cumulative count,
// observed at a local time in Astana (UTC+6 in 2023).
func countReport(electionID int64, clientID, station string, form report.FormCode, day int, hhmm string, ballots int) report.Report {
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil {
		panic(err)
	}
	at := time.Date(2023, 3, day, h, m, 0, 0, time.FixedZone("+06", 6*3600))
	return report.Report{ClientID: clientID, ElectionID: electionID, StationCode: station, Form: form, FormVersion: 1,
		Channel: report.API, ObservedAt: at, Answers: map[string]json.RawMessage{"ballots_cast": json.RawMessage(fmt.Sprint(ballots))}}
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}

var figureKeys = []string{"ballots_cast", "registered_voters", "reporting_registered_voters", "stations_closed",
	"stations_reporting", "stations_total", "turnout_percent"}

func TestTurnoutAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		empty := f.newElection(admin)
		id := f.newElection(admin)
		get := func(path string, want int) map[string]any {
			t.Helper()
			resp := f.do("GET", path, admin, "", nil)
			if resp.StatusCode != want {
				t.Fatalf("GET %s: %d, want %d: %s", path, resp.StatusCode, want, readAll(t, resp.Body))
			}
			return decode[map[string]any](t, resp)
		}

		// The contract's fields, exactly; no station reports yet.
		got := get("/api/v1/elections/"+itoa(empty)+"/turnout", 200)
		wantTop := append(slices.Clone(figureKeys), "abroad", "as_of", "by_country", "by_region", "home")
		slices.Sort(wantTop)
		if !reflect.DeepEqual(keys(got), wantTop) {
			t.Errorf("turnout fields = %v, want %v", keys(got), wantTop)
		}
		if got["turnout_percent"] != nil || got["stations_total"] != float64(3) || got["registered_voters"] != float64(2710) ||
			got["stations_reporting"] != float64(0) {
			t.Errorf("empty turnout = %v", got)
		}
		for _, part := range []string{"home", "abroad"} {
			if k := keys(got[part].(map[string]any)); !reflect.DeepEqual(k, figureKeys) {
				t.Errorf("%s fields = %v", part, k)
			}
		}
		regions := got["by_region"].([]any)
		countries := got["by_country"].([]any)
		if len(regions) != 2 || len(countries) != 1 {
			t.Fatalf("by_region %v, by_country %v", regions, countries)
		}
		wantRegion := append(slices.Clone(figureKeys), "region")
		slices.Sort(wantRegion)
		if k := keys(regions[0].(map[string]any)); !reflect.DeepEqual(k, wantRegion) {
			t.Errorf("by_region fields = %v", k)
		}
		if c := countries[0].(map[string]any); c["country"] != "US" || c["registered_voters"] != float64(310) || len(c) != 8 {
			t.Errorf("by_country = %v", c)
		}

		// Reports: out of order, a retry, a closing report; SF-1 reports
		// in its own evening, which is the next morning in Astana.
		ctx := context.Background()
		for _, batch := range [][]report.Report{
			{countReport(id, "r1", "001", report.Turnout, 19, "09:00", 300), countReport(id, "r2", "001", report.Turnout, 19, "12:00", 600)},
			{countReport(id, "r3", "001", report.Turnout, 19, "10:00", 450), countReport(id, "r2", "001", report.Turnout, 19, "13:00", 999),
				countReport(id, "r4", "002", report.Turnout, 19, "10:00", 500)},
			{countReport(id, "r5", "002", report.Closing, 19, "20:10", 700), countReport(id, "r6", "SF-1", report.Turnout, 20, "07:00", 100)},
		} {
			if _, err := db.SaveReports(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		got = get("/api/v1/elections/"+itoa(id)+"/turnout", 200)
		// 001: 600 of 1500; 002: 700 of 900, closed; SF-1: 100 of 310.
		for k, want := range map[string]any{"ballots_cast": 1400.0, "reporting_registered_voters": 2710.0, "turnout_percent": 51.7,
			"stations_reporting": 3.0, "stations_closed": 1.0, "stations_total": 3.0, "registered_voters": 2710.0} {
			if got[k] != want {
				t.Errorf("%s = %v, want %v", k, got[k], want)
			}
		}
		if h := got["home"].(map[string]any); h["turnout_percent"] != 54.2 || h["ballots_cast"] != 1300.0 {
			t.Errorf("home = %v", h)
		}
		if a := got["abroad"].(map[string]any); a["turnout_percent"] != 32.3 || a["stations_closed"] != 0.0 {
			t.Errorf("abroad = %v", a)
		}
		almaty, _ := election.LookupRegion("Almaty")
		for _, r := range got["by_region"].([]any) {
			r := r.(map[string]any)
			if r["region"] == almaty.Code && (r["ballots_cast"] != 600.0 || r["turnout_percent"] != 40.0) {
				t.Errorf("Almaty = %v", r)
			}
		}
		if asOf, err := time.Parse(time.RFC3339, got["as_of"].(string)); err != nil || time.Since(asOf) > 3*time.Second {
			t.Errorf("as_of = %v (%v)", got["as_of"], err)
		}

		// As of 10:30 in Astana: the late 10:00 report is 001's latest.
		got = get("/api/v1/elections/"+itoa(id)+"/turnout?checkpoint=10:30", 200)
		if got["ballots_cast"] != 950.0 || got["stations_reporting"] != 2.0 || got["at"] != "2023-03-19T10:30:00+06:00" {
			t.Errorf("as of 10:30 = %v", got)
		}
		got = get("/api/v1/elections/"+itoa(id)+"/turnout?at=2023-03-19T04:00:00Z", 200) // 10:00 in Astana
		if got["ballots_cast"] != 950.0 {
			t.Errorf("as of 04:00Z = %v", got["ballots_cast"])
		}
		get("/api/v1/elections/"+itoa(id)+"/turnout?at=yesterday", 422)
		get("/api/v1/elections/"+itoa(id)+"/turnout?at=2023-03-19T04:00:00Z&checkpoint=10:00", 422)
		get("/api/v1/elections/"+itoa(id)+"/turnout?checkpoint=25:00", 422)
		get("/api/v1/elections/999999/turnout", 404)

		// Over the day, hour by hour from 09:00 to 07:00 the next morning.
		got = get("/api/v1/elections/"+itoa(id)+"/turnout/series", 200)
		points := got["points"].([]any)
		first, last := points[0].(map[string]any), points[len(points)-1].(map[string]any)
		if first["at"] != "2023-03-19T09:00:00+06:00" || first["ballots_cast"] != 300.0 || last["ballots_cast"] != 1400.0 ||
			last["at"] != "2023-03-20T07:00:00+06:00" || len(points) != 23 {
			t.Errorf("series: %d points, first %v, last %v", len(points), first, last)
		}
		get("/api/v1/elections/"+itoa(id)+"/turnout/series?every=0", 422)

		// Which stations close next; San Francisco closes last, at 09:00
		// Astana time.
		got = get("/api/v1/elections/"+itoa(id)+"/closing?after=2023-03-19T13:00:00Z&limit=5", 200)
		next := got["next"].([]any)
		if len(next) != 3 || next[0].(map[string]any)["station"] != "001" || next[1].(map[string]any)["closed"] != true {
			t.Errorf("next = %v", next)
		}
		sf := got["last"].([]any)[0].(map[string]any)
		if sf["station"] != "SF-1" || sf["closes_at"] != "2023-03-20T09:00:00+06:00" || sf["closes_local"] != "2023-03-19T20:00:00-07:00" {
			t.Errorf("last = %v", sf)
		}
		got = get("/api/v1/elections/"+itoa(id)+"/closing?after=2023-03-19T15:00:00Z", 200)
		if next := got["next"].([]any); len(next) != 1 || next[0].(map[string]any)["station"] != "SF-1" {
			t.Errorf("next after 21:00 = %v", next)
		}
		get("/api/v1/elections/"+itoa(id)+"/closing?limit=0", 422)

		// The page, in English and in Russian.
		for lang, want := range map[string][]string{
			"en": {"51.7% of ballots cast at 3 of 3 stations reporting, registered voters at those stations 2,710", "Astana time", "San Francisco", "54.2"},
			"ru": {"51,7% — доля выданных бюллетеней на 3 из 3 участков", "2\u00a0710", "32,3"},
		} {
			req, err := http.NewRequest("GET", f.srv.URL+"/elections/"+itoa(id)+"/turnout", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+admin)
			req.Header.Set("Accept-Language", lang)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Refresh") == "" {
				t.Errorf("%s page: %d, Refresh %q", lang, resp.StatusCode, resp.Header.Get("Refresh"))
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s page lacks %q", lang, w)
				}
			}
		}
		resp := f.do("GET", "/elections/"+itoa(id)+"/turnout?checkpoint=10:30", admin, "", nil)
		if body := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.Contains(body, "10:30") || resp.Header.Get("Refresh") != "" {
			t.Errorf("checkpoint page: %d", resp.StatusCode)
		}
	})
}
