package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/demo"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestLoadDay loads the demo election, its people and its day twice into a
// real database on each engine and checks the reports, incidents and live
// turnout that the store then holds.
func TestLoadDay(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, err := demo.Load(ctx, db, demo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := demo.LoadPeople(ctx, db, db, e.ElectionID, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		first, err := demo.LoadDay(ctx, db, db, db, e.ElectionID, demo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("first LoadDay: %v, %+v", time.Since(start), first)
		start = time.Now()
		second, err := demo.LoadDay(ctx, db, db, db, e.ElectionID, demo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("second LoadDay: %v, %+v", time.Since(start), second)
		if first.StationsReporting == 0 || first.Reports < 5*first.StationsReporting ||
			first.Incidents != demo.DayIncidents || first.StoredReports != first.Reports || first.StoredIncidents != first.Incidents {
			t.Fatalf("first day: %+v", first)
		}
		if second.Reports != first.Reports || second.Incidents != first.Incidents ||
			second.StationsReporting != first.StationsReporting || second.StoredReports != 0 || second.StoredIncidents != 0 {
			t.Errorf("second day %+v, first %+v", second, first)
		}

		// Observers by station.
		assigned := map[string]map[int64]bool{}
		q := people.AssignmentQuery{ElectionID: e.ElectionID, Limit: 1000}
		for {
			page, total, err := db.Assignments(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				if assigned[a.StationCode] == nil {
					assigned[a.StationCode] = map[int64]bool{}
				}
				assigned[a.StationCode][a.ObserverID] = true
			}
			q.Offset += len(page)
			if len(page) == 0 || q.Offset >= total {
				break
			}
		}

		// Every report is at an assigned station, by one of its observers,
		// and ballots cast never fall.
		reports, abroad := 0, 0
		for code, obs := range assigned {
			list, err := db.StationReports(ctx, e.ElectionID, code)
			if err != nil {
				t.Fatal(err)
			}
			reports += len(list)
			if len(list) > 0 && code[:3] != "KZ-" {
				abroad++
			}
			prev := int64(-1)
			var prevAt time.Time
			for _, r := range list {
				if !obs[r.ObserverID] {
					t.Errorf("%s: report %d by observer %d, who is not assigned there", code, r.ID, r.ObserverID)
				}
				if r.ObservedAt.Before(prevAt) {
					t.Errorf("%s: reports out of order", code)
				}
				prevAt = r.ObservedAt
				if r.Form != report.Turnout && r.Form != report.Closing {
					continue
				}
				n, ok := report.IntAnswer(r.Answers, report.QBallotsCast)
				if !ok || n < prev {
					t.Errorf("%s: ballots cast %d (%v) after %d at %v", code, n, ok, prev, r.ObservedAt)
				}
				prev = n
			}
		}
		if reports != first.Reports {
			t.Errorf("%d reports at assigned stations, %d sent", reports, first.Reports)
		}
		if abroad == 0 {
			t.Error("no station abroad reports")
		}

		incidents, total, err := db.Incidents(ctx, report.IncidentQuery{ElectionID: e.ElectionID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if total != demo.DayIncidents {
			t.Errorf("%d incidents", total)
		}
		regions := map[string]bool{}
		for _, in := range incidents {
			regions[in.Region] = true
			if !assigned[in.StationCode][in.ObserverID] {
				t.Errorf("incident %d at %s by observer %d, not assigned there", in.ID, in.StationCode, in.ObserverID)
			}
		}
		if !regions[report.RegionAbroad] || len(regions) < 8 {
			t.Errorf("incidents in %d regions: %v", len(regions), regions)
		}

		groups, err := db.TallyGroups(ctx, e.ElectionID)
		if err != nil {
			t.Fatal(err)
		}
		var reporting, cast, registered int64
		for _, g := range groups {
			reporting += g.StationsReporting
			cast += g.BallotsCast
			registered += g.ReportingRegistered
		}
		if reporting != int64(first.StationsReporting) || registered == 0 {
			t.Errorf("tally: %d stations reporting (%d sent), %d registered", reporting, first.StationsReporting, registered)
		} else if p := float64(cast) / float64(registered); p < 0.5 || p > 0.75 {
			t.Errorf("tally: turnout %.1f%%", 100*p)
		}
	})
}
