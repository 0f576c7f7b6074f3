package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/quickcount"
	"github.com/baqylau/baqylau/internal/store"
)

// quickcountStations are 240 stations whose codes mix case and
// punctuation, so that PostgreSQL's collation and SQLite's byte order
// would disagree if the draw relied on the database's order.
func quickcountStations() []election.Station {
	regions := []string{"KZ-75", "KZ-55", "KZ-35"}
	var out []election.Station
	for i := range 240 {
		code := fmt.Sprintf("%c-%d", "aBc"[i%3], i)
		city := ""
		if i%2 == 0 {
			city = "Town"
		}
		s := homeStation(code, "School "+code, regions[i%3], "", city)
		s.RegisteredVoters = 200 + (i*37)%1800
		if i%40 == 0 {
			s = abroadStation(code, "US", "Washington", "America/New_York")
		}
		out = append(out, s)
	}
	return out
}

func TestQuickCountSampleIsTheSameOnBothEngines(t *testing.T) {
	ctx := context.Background()
	stations := quickcountStations()
	design := quickcount.Design{Seed: "published 2026-11-25", Margin: 3, ICC: 0.01}
	want, err := quickcount.Draw(design, stations)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := want.Counts(); n < 10 {
		t.Fatalf("the design drew only %d stations", n)
	}
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "President", "2026-03-15", election.Contest{Name: "President", Options: []string{"A", "B"}})
		// Imported in reverse, so that rows sit in another order.
		rev := slices.Clone(stations)
		slices.Reverse(rev)
		if _, err := db.ImportStations(ctx, e.ID, rev); err != nil {
			t.Fatal(err)
		}
		all, err := db.AllStations(ctx, e.ID)
		if err != nil || len(all) != len(stations) {
			t.Fatalf("AllStations = %d stations, %v", len(all), err)
		}
		got, err := quickcount.Draw(design, all)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Members, want.Members) || !reflect.DeepEqual(got.Strata, want.Strata) {
			t.Fatalf("the draw from the database differs from the draw from the file")
		}
		got.ElectionID, got.DrawnAt, got.DrawnBy = e.ID, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 0
		if err := db.SaveSample(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSample(ctx, got); err != nil { // drawing again replaces
			t.Fatal(err)
		}
		back, err := db.Sample(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, got) {
			t.Errorf("Sample() =\n%+v\nwant\n%+v", back.Design, got.Design)
		}
		_, err = db.Sample(ctx, e.ID+1)
		wantCode(t, err, baqylau.ENOTFOUND)
		wantCode(t, db.SaveSample(ctx, quickcount.Sample{ElectionID: 9999, Design: design}), baqylau.ENOTFOUND)

		// Coverage of the sample: one sample station gets an observer.
		ngo := mustOrg(t, db, "NGO", people.DomesticNGO)
		o := mustObserver(t, db, people.Observer{FullName: "A", OrganizationID: ngo.ID, Status: people.Accredited})
		var first string
		for _, m := range got.Members {
			if m.Role == quickcount.RoleSample {
				first = m.Code
				break
			}
		}
		if err := db.Assign(ctx, &people.Assignment{ElectionID: e.ID, StationCode: first, ObserverID: o.ID}); err != nil {
			t.Fatal(err)
		}
		cv, err := db.SampleCoverage(ctx, e.ID)
		ns, nr := got.Counts()
		if err != nil || cv != (quickcount.Coverage{Sample: ns, SampleCovered: 1, Reserve: nr}) {
			t.Errorf("SampleCoverage = %+v, %v; want %d sample (1 covered) and %d reserve", cv, err, ns, nr)
		}
		if err := db.Assign(ctx, &people.Assignment{ElectionID: e.ID, StationCode: first, ObserverID: mustObserver(t, db, people.Observer{FullName: "B", OrganizationID: ngo.ID, Status: people.Accredited}).ID}); err != nil {
			t.Fatal(err)
		}
		if cv, err := db.SampleCoverage(ctx, e.ID); err != nil || cv.SampleCovered != 1 {
			t.Errorf("two observers at one station count it twice: %+v, %v", cv, err)
		}

		// The deployment hand-off: uncovered stations list the sample
		// first, then the reserves by rank.
		codes, total, err := db.UncoveredStations(ctx, e.ID, "", "", 1000, 0)
		if err != nil || total != len(stations)-1 {
			t.Fatalf("UncoveredStations = %d, %v", total, err)
		}
		nSample, nReserve := got.Counts()
		nSample-- // the covered one is no longer listed
		roles, err := db.SampleRoles(ctx, e.ID, codes)
		if err != nil {
			t.Fatal(err)
		}
		for i, code := range codes {
			want := ""
			switch {
			case i < nSample:
				want = quickcount.RoleSample
			case i < nSample+nReserve:
				want = quickcount.RoleReserve
			}
			if roles[code] != want {
				t.Fatalf("uncovered station %d (%s) has role %q, want %q: sample and reserves come first", i, code, roles[code], want)
			}
		}
	})
}
