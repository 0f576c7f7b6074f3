package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
)

func TestDeployment(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		later := mustElection(t, db, "Later", "2024-10-06")
		stations := []election.Station{
			homeStation("A-001", "Школа №1", "KZ-75", "Бостандыкский", "Алматы"),
			homeStation("A-002", "Школа №2", "KZ-75", "Бостандыкский", "Алматы"),
			homeStation("A-003", "Школа №3", "KZ-75", "Алмалинский", "Алматы"),
			homeStation("B-001", "Школа №4", "KZ-71", "Есиль", "Астана"),
			abroadStation("Z-US1", "US", "San Francisco", "America/Los_Angeles"),
			abroadStation("Z-US2", "US", "New York", "America/New_York"),
			abroadStation("Z-DE1", "DE", "Berlin", "Europe/Berlin"),
		}
		if _, err := db.ImportStations(ctx, e.ID, stations); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImportStations(ctx, later.ID, stations[:1]); err != nil {
			t.Fatal(err)
		}

		ngo := mustOrg(t, db, "NGO", people.DomesticNGO)
		osce := mustOrg(t, db, "OSCE", people.InternationalOrganization)
		media := mustOrg(t, db, "Media", people.Media)
		here := people.Mission{OrganizationID: osce.ID, ElectionID: e.ID, Name: "EOM"}
		there := people.Mission{OrganizationID: osce.ID, ElectionID: later.ID, Name: "EOM later"}
		for _, m := range []*people.Mission{&here, &there} {
			if err := db.CreateMission(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		obs := func(name string, org, mission int64, status people.Status) people.Observer {
			return mustObserver(t, db, people.Observer{FullName: name, OrganizationID: org, MissionID: mission, Status: status})
		}
		a := obs("A", ngo.ID, 0, people.Accredited)
		b := obs("B", ngo.ID, 0, people.Deployed)
		c := obs("C", osce.ID, here.ID, people.Accredited)
		d := obs("D", osce.ID, here.ID, people.Accredited)
		obs("E applied", ngo.ID, 0, people.Applied)
		obs("F other mission", osce.ID, there.ID, people.Accredited)
		obs("G journalist", media.ID, 0, people.Accredited)
		obs("H revoked", ngo.ID, 0, people.Revoked)
		user := mustUser(t, db, "desk@example.kz")

		var made []people.Assignment
		for _, as := range []people.Assignment{
			{ElectionID: e.ID, StationCode: "A-001", ObserverID: a.ID, Team: " Mobile 1 ", ByUserID: user},
			{ElectionID: e.ID, StationCode: "A-002", ObserverID: a.ID, Team: "Mobile 1", ByUserID: user},
			{ElectionID: e.ID, StationCode: "A-001", ObserverID: b.ID},
			{ElectionID: e.ID, StationCode: "Z-US1", ObserverID: c.ID},
			{ElectionID: later.ID, StationCode: "A-001", ObserverID: d.ID}, // another election
		} {
			if err := db.Assign(ctx, &as); err != nil {
				t.Fatal(err)
			}
			if as.ID == 0 || as.CreatedAt.IsZero() {
				t.Fatalf("after Assign: %+v", as)
			}
			made = append(made, as)
		}
		if made[0].Team != "Mobile 1" {
			t.Errorf("team %q not trimmed", made[0].Team)
		}
		wantCode(t, db.Assign(ctx, &people.Assignment{ElectionID: e.ID, StationCode: "A-001", ObserverID: a.ID}), baqylau.ECONFLICT)
		wantCode(t, db.Assign(ctx, &people.Assignment{ElectionID: e.ID, StationCode: "NOPE", ObserverID: a.ID}), baqylau.ENOTFOUND)
		wantCode(t, db.Assign(ctx, &people.Assignment{ElectionID: later.ID, StationCode: "A-002", ObserverID: a.ID}), baqylau.ENOTFOUND)
		wantCode(t, db.Assign(ctx, &people.Assignment{ElectionID: e.ID, StationCode: "A-003", ObserverID: 999}), baqylau.ENOTFOUND)

		list, total, err := db.Assignments(ctx, people.AssignmentQuery{ElectionID: e.ID})
		if err != nil || total != 4 || !reflect.DeepEqual(list, []people.Assignment{made[0], made[2], made[1], made[3]}) {
			t.Errorf("Assignments(e) = %+v, %d, %v", list, total, err)
		}
		if list, total, err := db.Assignments(ctx, people.AssignmentQuery{ElectionID: e.ID, StationCode: "A-001", Limit: 1, Offset: 1}); err != nil || total != 2 || len(list) != 1 || list[0] != made[2] {
			t.Errorf("Assignments(A-001, page 2) = %+v, %d, %v", list, total, err)
		}
		if _, total, err := db.Assignments(ctx, people.AssignmentQuery{ObserverID: a.ID}); err != nil || total != 2 {
			t.Errorf("Assignments(observer a) = %d, %v", total, err)
		}

		cov, err := db.Coverage(ctx, e.ID)
		want := []people.Coverage{
			{Key: "KZ-71", Stations: 1, Covered: 0},
			{Key: "KZ-75", Stations: 3, Covered: 2},
			{Key: "DE", Abroad: true, Stations: 1, Covered: 0},
			{Key: "US", Abroad: true, Stations: 2, Covered: 1},
		}
		if err != nil || !reflect.DeepEqual(cov, want) {
			t.Errorf("Coverage() = %+v, %v; want %+v", cov, err, want)
		}
		codes, total, err := db.UncoveredStations(ctx, e.ID, "", "", 0, 0)
		if err != nil || total != 4 || !reflect.DeepEqual(codes, []string{"A-003", "B-001", "Z-DE1", "Z-US2"}) {
			t.Errorf("UncoveredStations() = %v, %d, %v", codes, total, err)
		}
		codes, total, err = db.UncoveredStations(ctx, e.ID, "KZ-75", "", 0, 0)
		if err != nil || total != 1 || !reflect.DeepEqual(codes, []string{"A-003"}) {
			t.Errorf("UncoveredStations(KZ-75) = %v, %d, %v", codes, total, err)
		}
		codes, total, err = db.UncoveredStations(ctx, e.ID, "", "us", 1, 0)
		if err != nil || total != 1 || !reflect.DeepEqual(codes, []string{"Z-US2"}) {
			t.Errorf("UncoveredStations(US) = %v, %d, %v", codes, total, err)
		}
		codes, total, err = db.UncoveredStations(ctx, e.ID, "", "", 2, 2)
		if err != nil || total != 4 || !reflect.DeepEqual(codes, []string{"Z-DE1", "Z-US2"}) {
			t.Errorf("UncoveredStations(page 2) = %v, %d, %v", codes, total, err)
		}

		// D: in this election's mission, assigned only in another election.
		un, total, err := db.Unassigned(ctx, e.ID, 0, 0)
		if err != nil || total != 1 || len(un) != 1 || un[0].ID != d.ID {
			t.Errorf("Unassigned(e) = %+v, %d, %v; want D", un, total, err)
		}
		// Removing A's assignments makes A unassigned too.
		got, err := db.Unassign(ctx, made[0].ID)
		if err != nil || got != made[0] {
			t.Errorf("Unassign() = %+v, %v; want %+v", got, err, made[0])
		}
		_, err = db.Unassign(ctx, made[0].ID)
		wantCode(t, err, baqylau.ENOTFOUND)
		if _, err := db.Unassign(ctx, made[1].ID); err != nil {
			t.Fatal(err)
		}
		un, total, err = db.Unassigned(ctx, e.ID, 1, 0)
		if err != nil || total != 2 || len(un) != 1 || un[0].ID != a.ID {
			t.Errorf("Unassigned(e, first page of 1) = %+v, %d, %v; want A", un, total, err)
		}
		if cov, _ := db.Coverage(ctx, e.ID); cov[1].Covered != 1 {
			t.Errorf("after Unassign, KZ-75 coverage = %+v", cov[1])
		}

		for _, err := range []error{
			func() error { _, err := db.Coverage(ctx, 999); return err }(),
			func() error { _, _, err := db.UncoveredStations(ctx, 999, "", "", 0, 0); return err }(),
			func() error { _, _, err := db.Unassigned(ctx, 999, 0, 0); return err }(),
		} {
			wantCode(t, err, baqylau.ENOTFOUND)
		}
	})
}
