package demo_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/demo"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestLoad loads the demo into a real database on each engine twice and
// checks what the store then holds.
func TestLoad(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, engine)

			first, err := demo.Load(ctx, db, demo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := demo.Summary{
				ElectionID:       first.ElectionID,
				HomeStations:     demo.DefaultHomeStations,
				AbroadStations:   demo.AbroadStations,
				Countries:        demo.AbroadCountries,
				RegisteredHome:   first.RegisteredHome,
				RegisteredAbroad: demo.RegisteredAbroad,
				Import:           election.ImportSummary{Created: demo.DefaultHomeStations + demo.AbroadStations},
			}
			if first != want || first.ElectionID == 0 || first.RegisteredHome < 10_000_000 {
				t.Fatalf("first load: %+v", first)
			}

			second, err := demo.Load(ctx, db, demo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want.Import = election.ImportSummary{Updated: demo.DefaultHomeStations + demo.AbroadStations}
			if second != want {
				t.Fatalf("second load: %+v, want %+v", second, want)
			}

			checkStored(t, db, first)
		})
	}
}

// checkStored compares what the store holds with the summary of a load.
func checkStored(t *testing.T, db election.Store, sum demo.Summary) {
	t.Helper()
	ctx := context.Background()
	all, err := db.Elections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, e := range all {
		if e.Name == demo.ElectionName {
			named++
		}
	}
	if named != 1 {
		t.Errorf("%d demo elections", named)
	}
	e, err := db.Election(ctx, sum.ElectionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Contests) != 22 || e.Kind != election.Mazhilis || e.TimeZone != "Asia/Almaty" || e.Date.Format(election.DateLayout) != demo.ElectionDate {
		t.Errorf("stored election %+v", e)
	}

	f, err := db.StationFacets(ctx, sum.ElectionID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Home != sum.HomeStations || f.Abroad != demo.AbroadStations || len(f.Countries) != demo.AbroadCountries ||
		f.RegisteredAbroad != demo.RegisteredAbroad || f.RegisteredHome != sum.RegisteredHome || len(f.Regions) != 20 {
		t.Errorf("facets: home %d, abroad %d, %d countries, %d regions, registered %d at home and %d abroad",
			f.Home, f.Abroad, len(f.Countries), len(f.Regions), f.RegisteredHome, f.RegisteredAbroad)
	}
	districts := map[string]bool{}
	for _, d := range f.Districts {
		districts[d.Key] = true
	}
	if !districts["KZ-75/Bostandyk District"] || !districts["KZ-62/Satpayev City"] {
		t.Errorf("districts %v", f.Districts)
	}

	yes := true
	page, err := db.Stations(ctx, election.StationQuery{ElectionID: sum.ElectionID, Abroad: &yes, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != demo.AbroadStations || len(page.Stations) != demo.AbroadStations {
		t.Errorf("%d stations abroad listed of %d", len(page.Stations), page.Total)
	}
	generated, err := demo.Stations(demo.Options{HomeStations: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range page.Stations {
		s.ID, s.ElectionID, s.UpdatedAt = 0, 0, time.Time{}
		if i < len(generated) && !reflect.DeepEqual(s, generated[i]) {
			t.Errorf("stored\n%+v\ngenerated\n%+v", s, generated[i])
		}
	}

	sf, err := db.Station(ctx, sum.ElectionID, "US-03")
	if err != nil {
		t.Fatal(err)
	}
	_, closes, err := sf.Hours(e.Date)
	if err != nil {
		t.Fatal(err)
	}
	if sf.City != "San Francisco" || closes.In(e.Location()).Format("2006-01-02 15:04") != "2023-03-20 09:00" {
		t.Errorf("San Francisco %+v closes %s", sf, closes.In(e.Location()))
	}
}

// TestLoadReusesElection: a demo election stored before, without its
// contests, is reused and completed rather than duplicated.
func TestLoadReusesElection(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, engine)
			e := demo.Election()
			e.Contests = e.Contests[:1]
			if err := db.CreateElection(ctx, &e); err != nil {
				t.Fatal(err)
			}
			sum, err := demo.Load(ctx, db, demo.Options{HomeStations: 100})
			if err != nil {
				t.Fatal(err)
			}
			if sum.ElectionID != e.ID || sum.HomeStations != 100 || sum.Import.Created != 166 {
				t.Fatalf("load: %+v", sum)
			}
			got, err := db.Election(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Contests) != 22 {
				t.Errorf("%d contests after load", len(got.Contests))
			}
		})
	}
}
