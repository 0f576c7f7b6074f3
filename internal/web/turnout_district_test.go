package web_test

import (
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

func TestTurnoutByDistrict(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		lawyer := f.user(auth.Observer, "observer@example.org")
		eid := f.newElection(admin)
		resp := f.do("POST", "/api/v1/elections/"+itoa(eid)+"/stations/import", admin, "text/csv", strings.NewReader(
			"code,name,region,district,country,registered_voters\n"+
				"A1,School 1,Almaty,Medeu,KZ,1000\nA2,School 2,Almaty,Medeu,KZ,500\nA3,School 3,Almaty,Auezov,KZ,800\n"))
		if resp.StatusCode != 200 {
			t.Fatalf("import: %d", resp.StatusCode)
		}
		path := "/api/v1/elections/" + itoa(eid) + "/reports"
		for i, r := range []string{
			turnout("77777777-2222-4333-8444-555555555551", "A1", "2023-03-19T12:00:00+06:00", 300),
			turnout("77777777-2222-4333-8444-555555555552", "A1", "2023-03-19T10:00:00+06:00", 100), // older, arrives later
			turnout("77777777-2222-4333-8444-555555555553", "A2", "2023-03-19T12:00:00+06:00", 200),
		} {
			if code, body := f.postAs(admin, path, r); code != 201 {
				t.Fatalf("report %d: %d %s", i, code, body)
			}
		}
		got := decode[struct {
			Region     string
			ByDistrict []map[string]any `json:"by_district"`
		}](t, f.do("GET", "/api/v1/elections/"+itoa(eid)+"/turnout/districts?region=Almaty", admin, "", nil))
		if got.Region != "KZ-75" {
			t.Fatalf("region = %q", got.Region)
		}
		byName := map[string]map[string]any{}
		for _, d := range got.ByDistrict {
			byName[d["district"].(string)] = d
		}
		medeu, auezov := byName["Medeu"], byName["Auezov"]
		if medeu == nil || auezov == nil {
			t.Fatalf("districts = %v", got.ByDistrict)
		}
		// Medeu: 300 (A1's latest by observation) + 200 of 1,500 registered.
		if medeu["ballots_cast"] != float64(500) || medeu["reporting_registered_voters"] != float64(1500) || medeu["turnout_percent"] != 33.3 ||
			medeu["stations_total"] != float64(2) || medeu["stations_reporting"] != float64(2) {
			t.Errorf("Medeu = %v", medeu)
		}
		if auezov["stations_reporting"] != float64(0) || auezov["turnout_percent"] != nil || auezov["registered_voters"] != float64(800) {
			t.Errorf("Auezov = %v", auezov)
		}
		if resp := f.do("GET", "/api/v1/elections/"+itoa(eid)+"/turnout/districts?region=Atlantis", admin, "", nil); resp.StatusCode != 422 {
			t.Errorf("unknown region: %d", resp.StatusCode)
		}
		if resp := f.do("GET", "/api/v1/elections/"+itoa(eid)+"/turnout/districts?region=KZ-75", lawyer, "", nil); resp.StatusCode != 403 {
			t.Errorf("an observer reads district turnout: %d", resp.StatusCode)
		}
		resp = f.do("GET", "/elections/"+itoa(eid)+"/turnout/districts?region=KZ-75", admin, "", nil)
		if page := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.Contains(page, "Medeu") || !strings.Contains(page, "33.3") {
			t.Errorf("district page: %d", resp.StatusCode)
		}
	})
}
