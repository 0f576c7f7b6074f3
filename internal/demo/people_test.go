package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/demo"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestLoadPeople loads the demo election and its people twice into a real
// database on each engine and checks what the store then holds.
func TestLoadPeople(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, err := demo.Load(ctx, db, demo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		first, err := demo.LoadPeople(ctx, db, db, e.ElectionID, demo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("first LoadPeople: %v, %+v", time.Since(start), first)
		start = time.Now()
		second, err := demo.LoadPeople(ctx, db, db, e.ElectionID, demo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("second LoadPeople: %v", time.Since(start))
		if second != first {
			t.Errorf("second load %+v, first %+v", second, first)
		}
		if first.International != demo.InternationalObservers || first.Countries != demo.ObserverStates ||
			first.InternationalOrganizations != demo.InternationalOrganizations {
			t.Errorf("%d international observers from %d organisations and %d states",
				first.International, first.InternationalOrganizations, first.Countries)
		}
		if first.Observers < 1800 || first.Journalists == 0 || first.Deployed == 0 || first.Accredited <= first.Deployed ||
			first.Assignments < first.Deployed || first.Missions != 29 || first.Organizations != 34 {
			t.Errorf("summary %+v", first)
		}
		checkPeople(t, db, e.ElectionID, first)
	})
}

// checkPeople looks at the desk's pages through the store: the missions,
// coverage, deployments, training and the charter.
func checkPeople(t *testing.T, db *store.DB, electionID int64, sum demo.PeopleSummary) {
	t.Helper()
	ctx := context.Background()
	missions, err := db.Missions(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range missions {
		if m.Name == demo.CISMissionName {
			found = true
			if m.Members != demo.CISMissionSize || m.Heads != 9 || m.Principles == "" || m.StartDate.IsZero() {
				t.Errorf("CIS mission: %+v", m)
			}
		}
		if m.Heads == 0 {
			t.Errorf("mission %q has no head", m.Name)
		}
	}
	if !found {
		t.Errorf("no CIS mission among %d", len(missions))
	}

	cov, err := db.Coverage(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	var high, low, abroadCovered int
	for _, c := range cov {
		share := float64(c.Covered) / float64(c.Stations)
		switch {
		case c.Abroad:
			abroadCovered += c.Covered
		case share >= 0.55:
			high++
		case share < 0.2:
			low++
		}
	}
	if high < 2 || low < 10 || abroadCovered == 0 || abroadCovered > 10 {
		t.Errorf("coverage: %d units about 60%% covered, %d under 20%%, %d stations abroad: %+v", high, low, abroadCovered, cov)
	}

	deployed, total, err := db.Observers(ctx, people.ObserverQuery{Status: people.Deployed, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if total != sum.Deployed {
		t.Errorf("%d deployed, summary says %d", total, sum.Deployed)
	}
	for _, o := range deployed {
		if _, n, err := db.Assignments(ctx, people.AssignmentQuery{ElectionID: electionID, ObserverID: o.ID, Limit: 1}); err != nil || n == 0 {
			t.Errorf("deployed observer %s has %d assignments (%v)", o.Number, n, err)
		}
	}
	revoked, _, err := db.Observers(ctx, people.ObserverQuery{Status: people.Revoked})
	if err != nil {
		t.Fatal(err)
	}
	if len(revoked) != 5 {
		t.Errorf("%d revoked", len(revoked))
	}
	for _, o := range revoked {
		ts, err := db.Transitions(ctx, o.ID)
		if err != nil || len(ts) == 0 || ts[len(ts)-1].Reason == "" {
			t.Errorf("revoked %s: %+v %v", o.Number, ts, err)
		}
	}

	centre, err := db.OrganizationByName(ctx, demo.CentreName)
	if err != nil {
		t.Fatal(err)
	}
	if !centre.Training.AllMandatory || centre.Kind != people.DomesticNGO {
		t.Errorf("Centre %+v", centre)
	}
	sessions, err := db.TrainingSessions(ctx, centre.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 4 {
		t.Fatalf("%d sessions", len(sessions))
	}
	// Everyone of the Centre past applied meets its rule.
	trained, _, err := db.Observers(ctx, people.ObserverQuery{OrganizationID: centre.ID, Status: people.Accredited, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range trained {
		att, err := db.Attendance(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !people.IsTrained(centre.Training, sessions, att) {
			t.Errorf("accredited %s does not meet the Centre's rule: %+v", o.Number, att)
		}
	}
	if _, n, err := db.Absent(ctx, sessions[0].ID, 1, 0); err != nil || n == 0 {
		t.Errorf("no one missed the first session (%v)", err)
	}

	signed, err := db.Signatories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byOrg := map[int64]bool{}
	for _, s := range signed {
		byOrg[s.OrganizationID] = true
	}
	if !byOrg[centre.ID] || len(signed) < 5 {
		t.Errorf("signatories %+v", signed)
	}
	journalists, _, err := db.Observers(ctx, people.ObserverQuery{Kind: people.KindJournalist, Status: people.Accredited, Limit: 1})
	if err != nil || len(journalists) == 0 || journalists[0].Number[:4] != "JRN-" {
		t.Errorf("journalists %+v (%v)", journalists, err)
	}
}
