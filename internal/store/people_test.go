package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
)

// mustUser creates a user and returns its ID, for by_user_id columns.
func mustUser(t testing.TB, db *store.DB, email string) int64 {
	t.Helper()
	u := auth.User{Email: email, Role: auth.Admin, PasswordHash: "h"}
	if err := db.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func mustOrg(t testing.TB, db *store.DB, name string, kind people.OrgKind) people.Organization {
	t.Helper()
	o := people.Organization{Name: name, Kind: kind}
	if err := db.CreateOrganization(context.Background(), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func mustObserver(t testing.TB, db *store.DB, o people.Observer) people.Observer {
	t.Helper()
	if err := db.CreateObserver(context.Background(), &o, 0); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOrganizations(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		osce := people.Organization{Name: "  ОБСЕ/БДИПЧ ", Kind: people.InternationalOrganization, Country: "pl",
			Training: people.TrainingRule{AllMandatory: true, MinSessions: 2, MinScore: 70}}
		if err := db.CreateOrganization(ctx, &osce); err != nil {
			t.Fatal(err)
		}
		if osce.ID == 0 || osce.Name != "ОБСЕ/БДИПЧ" || osce.Country != "PL" || osce.CreatedAt.IsZero() {
			t.Fatalf("after create: %+v", osce)
		}
		got, err := db.Organization(ctx, osce.ID)
		if err != nil || !reflect.DeepEqual(got, osce) {
			t.Fatalf("Organization() = %+v, %v; want %+v", got, err, osce)
		}
		if got, err := db.OrganizationByName(ctx, " обсе/бдипч"); err != nil || got.ID != osce.ID {
			t.Errorf("OrganizationByName() = %+v, %v", got, err)
		}
		wantCode(t, db.CreateOrganization(ctx, &people.Organization{Name: "обсе/БДИПЧ", Kind: people.Media}), baqylau.ECONFLICT)
		wantCode(t, db.CreateOrganization(ctx, &people.Organization{Name: "X", Kind: "club"}), baqylau.EINVALID)

		ngo := mustOrg(t, db, "Адал Сайлау", people.DomesticNGO)
		mustOrg(t, db, "Ak Zhol", people.PoliticalParty)
		mustOrg(t, db, "Amanat", people.PoliticalParty)

		list, total, err := db.Organizations(ctx, people.OrgQuery{})
		if err != nil || total != 4 || len(list) != 4 || list[0].Name != "Ak Zhol" || list[3].Name != "ОБСЕ/БДИПЧ" {
			t.Errorf("Organizations() = %+v, %d, %v", list, total, err)
		}
		list, total, err = db.Organizations(ctx, people.OrgQuery{Kind: people.PoliticalParty, Limit: 1, Offset: 1})
		if err != nil || total != 2 || len(list) != 1 || list[0].Name != "Amanat" {
			t.Errorf("parties, page 2 = %+v, %d, %v", list, total, err)
		}
		list, total, err = db.Organizations(ctx, people.OrgQuery{Search: "САЙЛ"})
		if err != nil || total != 1 || list[0].ID != ngo.ID {
			t.Errorf("search = %+v, %d, %v", list, total, err)
		}
		if _, total, err := db.Organizations(ctx, people.OrgQuery{Search: "%"}); err != nil || total != 0 {
			t.Errorf("search for %% = %d, %v; want a literal match", total, err)
		}

		// A rename reaches the observers' search text.
		obs := mustObserver(t, db, people.Observer{FullName: "Асель Нурланова", OrganizationID: ngo.ID})
		ngo.Name, ngo.Training.MinSessions = "Честные выборы", 1
		if err := db.UpdateOrganization(ctx, ngo); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Organization(ctx, ngo.ID); !reflect.DeepEqual(got, ngo) {
			t.Errorf("after update %+v, want %+v", got, ngo)
		}
		if l, n, err := db.Observers(ctx, people.ObserverQuery{Search: "честные"}); err != nil || n != 1 || l[0].ID != obs.ID {
			t.Errorf("search by new organisation name = %v, %d, %v", l, n, err)
		}
		if _, n, _ := db.Observers(ctx, people.ObserverQuery{Search: "сайлау"}); n != 0 {
			t.Errorf("old organisation name still found")
		}
		ngo.Name = "AK zhol"
		wantCode(t, db.UpdateOrganization(ctx, ngo), baqylau.ECONFLICT)
		wantCode(t, db.UpdateOrganization(ctx, people.Organization{ID: 999, Name: "Y", Kind: people.Media}), baqylau.ENOTFOUND)
		_, err = db.Organization(ctx, 999)
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.OrganizationByName(ctx, "nobody")
		wantCode(t, err, baqylau.ENOTFOUND)
	})
}

func TestMissions(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		other := mustElection(t, db, "F", "2024-06-01")
		osce := mustOrg(t, db, "OSCE/ODIHR", people.InternationalOrganization)
		cis := mustOrg(t, db, "CIS", people.InternationalOrganization)
		m := people.Mission{OrganizationID: osce.ID, ElectionID: e.ID, Name: " EOM Kazakhstan 2024 ",
			StartDate: time.Date(2024, 1, 25, 0, 0, 0, 0, time.UTC), Principles: "Non-interference."}
		if err := db.CreateMission(ctx, &m); err != nil {
			t.Fatal(err)
		}
		if m.ID == 0 || m.Name != "EOM Kazakhstan 2024" {
			t.Fatalf("after create: %+v", m)
		}
		if got, err := db.Mission(ctx, m.ID); err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("Mission() = %+v, %v; want %+v", got, err, m)
		}
		dup := people.Mission{OrganizationID: cis.ID, ElectionID: e.ID, Name: "eom KAZAKHSTAN 2024"}
		wantCode(t, db.CreateMission(ctx, &dup), baqylau.ECONFLICT)
		dup.ElectionID = other.ID // the same name in another election is fine
		if err := db.CreateMission(ctx, &dup); err != nil || !dup.StartDate.IsZero() {
			t.Fatalf("mission in another election: %+v, %v", dup, err)
		}
		wantCode(t, db.CreateMission(ctx, &people.Mission{OrganizationID: 999, ElectionID: e.ID, Name: "x"}), baqylau.ENOTFOUND)
		wantCode(t, db.CreateMission(ctx, &people.Mission{OrganizationID: osce.ID, ElectionID: 999, Name: "x"}), baqylau.ENOTFOUND)
		wantCode(t, db.CreateMission(ctx, &people.Mission{OrganizationID: osce.ID, ElectionID: e.ID}), baqylau.EINVALID)
		_, err := db.Mission(ctx, 999)
		wantCode(t, err, baqylau.ENOTFOUND)

		for i, role := range []people.MissionRole{people.MissionHead, people.DelegationHead, people.MissionMember, people.MissionMember} {
			o := mustObserver(t, db, people.Observer{FullName: fmt.Sprintf("Member %d", i), OrganizationID: osce.ID,
				MissionID: m.ID, MissionRole: role})
			if i == 3 {
				if err := db.Transition(ctx, people.Transition{ObserverID: o.ID, From: people.Applied, To: people.Revoked, Reason: "left"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		wantCode(t, db.CreateObserver(ctx, &people.Observer{FullName: "Z", OrganizationID: cis.ID, MissionID: m.ID}, 0), baqylau.EINVALID)

		list, err := db.Missions(ctx, e.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("Missions(e) = %+v, %v", list, err)
		}
		if s := list[0]; s.ID != m.ID || s.OrganizationName != "OSCE/ODIHR" || s.Members != 3 || s.Heads != 2 {
			t.Errorf("summary = %+v, want 3 members (one revoked left out), 2 heads", s)
		}
		all, err := db.Missions(ctx, 0)
		if err != nil || len(all) != 2 || all[0].OrganizationName != "CIS" || all[0].Members != 0 {
			t.Errorf("Missions(0) = %+v, %v", all, err)
		}
	})
}
