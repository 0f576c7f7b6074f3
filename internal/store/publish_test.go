package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
)

func TestPressCentre(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
		b := publish.Briefing{Title: "Preliminary findings", StartsAt: at, Place: "Press centre, Astana", Lang: "ru"}
		if err := db.CreateBriefing(ctx, &b); err != nil || b.ID == 0 {
			t.Fatalf("briefing: %v", err)
		}
		if err := db.CreateBriefing(ctx, &publish.Briefing{Title: "x", StartsAt: at, Place: "y", Lang: "de"}); baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Errorf("briefing in German: %v", err)
		}
		list, err := db.Briefings(ctx, at.Add(-time.Hour), 10)
		if err != nil || len(list) != 1 || !list[0].StartsAt.Equal(at) {
			t.Errorf("briefings = %+v, %v", list, err)
		}
		if list, err := db.Briefings(ctx, at.Add(time.Hour), 10); err != nil || len(list) != 0 {
			t.Errorf("later briefings = %+v, %v", list, err)
		}

		s := publish.Statement{Title: publish.Text{EN: "Statement"}, Body: publish.Text{EN: "Voting was calm."}}
		if err := db.CreateStatement(ctx, &s); err != nil {
			t.Fatal(err)
		}
		got, err := db.Statement(ctx, s.ID)
		if err != nil || got.Body.In("kk") != "Voting was calm." {
			t.Errorf("statement = %+v, %v", got, err)
		}
		if _, err := db.Statement(ctx, 9999); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("missing statement: %v", err)
		}

		r := publish.AccreditationRequest{FullName: "Aigerim Journalist", Outlet: "Daily", Email: "a@example.org", Phone: "+7 701 000 0000"}
		if err := db.CreateAccreditationRequest(ctx, &r); err != nil {
			t.Fatal(err)
		}
		org := mustOrg(t, db, "Daily", "media")
		o := mustObserver(t, db, people.Observer{FullName: "Aigerim Journalist", OrganizationID: org.ID}).ID
		staff := mustUser(t, db, "desk@example.org")
		if err := db.AcceptAccreditationRequest(ctx, r.ID, o, staff); err != nil {
			t.Fatal(err)
		}
		if err := db.AcceptAccreditationRequest(ctx, r.ID, o, staff); baqylau.ErrorCode(err) != baqylau.ECONFLICT {
			t.Errorf("accepting twice: %v", err)
		}
		if pending, err := db.AccreditationRequests(ctx, publish.Pending, 0); err != nil || len(pending) != 0 {
			t.Errorf("pending = %+v, %v", pending, err)
		}

		centres, err := db.HelpCentres(ctx)
		if err != nil || len(centres) != 2 || centres[0].City != "KZ-71" || centres[0].Address != "" {
			t.Fatalf("help centres = %+v, %v", centres, err)
		}
		centres[1].Hours = "09:00–21:00"
		if err := db.UpdateHelpCentre(ctx, centres[1]); err != nil {
			t.Fatal(err)
		}
		if centres, err = db.HelpCentres(ctx); err != nil || centres[1].Hours != "09:00–21:00" {
			t.Errorf("updated centre = %+v, %v", centres, err)
		}
	})
}

func TestOpenDataQueries(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		at := time.Date(2026, 3, 15, 6, 0, 0, 0, time.UTC)
		if _, err := db.SaveReports(ctx, []report.Report{
			turnoutReport(e.ID, "t-1", "A-001", at.Add(time.Hour), 300),
			turnoutReport(e.ID, "t-2", "A-001", at, 100), // older, arrived later
		}); err != nil {
			t.Fatal(err)
		}
		figs, err := db.StationFigures(ctx, e.ID)
		if err != nil || len(figs) != 3 {
			t.Fatalf("figures = %+v, %v", figs, err)
		}
		if figs[0].Station != "A-001" || figs[0].BallotsCast == nil || *figs[0].BallotsCast != 300 || *figs[0].TurnoutPercent != 30 ||
			figs[0].CountedAt == nil || !figs[0].CountedAt.Equal(at.Add(time.Hour)) || figs[1].BallotsCast != nil {
			t.Errorf("figures = %+v", figs)
		}
		acks, err := db.SaveIncidents(ctx, []report.IncidentReport{
			{ClientID: "i-1", ElectionID: e.ID, StationCode: "A-002", Category: "other", Severity: report.Low, Description: "secret A",
				Channel: report.Web, ObservedAt: at, Status: report.StatusNew},
			{ClientID: "i-2", ElectionID: e.ID, StationCode: "Z-US1", Category: "other", Severity: report.High, Description: "shown B",
				Channel: report.Web, ObservedAt: at, Status: report.StatusNew},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetIncidentPublishable(ctx, acks[1].ID, true, 0); err != nil {
			t.Fatal(err)
		}
		if err := db.SetIncidentPublishable(ctx, 999999, true, 0); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("unknown incident: %v", err)
		}
		inc, err := db.PublicIncidents(ctx, e.ID)
		if err != nil || len(inc) != 2 || inc[0].Description != "" || inc[1].Description != "shown B" || inc[1].Country != "US" {
			t.Errorf("public incidents = %+v, %v", inc, err)
		}
		reps, err := db.PublicReports(ctx, e.ID)
		if err != nil || len(reps) != 2 || string(reps[0].Answers["ballots_cast"]) != "300" {
			t.Errorf("public reports = %+v, %v", reps, err)
		}
	})
}
