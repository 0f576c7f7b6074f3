package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// BenchmarkMissionCounts reads the counts behind a mission's live figures
// (what every view of a draft statement computes) for an election of
// 10,000 stations, where the mission's 1,000 observers, each assigned to
// a station, filed 10 reports each and 500 incidents between them, among
// 10,000 reports of others.
func BenchmarkMissionCounts(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, engine)
			e := mustElection(b, db, "Bench", "2026-03-15")
			if _, err := db.ImportStations(ctx, e.ID, manyStations(10_000)); err != nil {
				b.Fatal(err)
			}
			org := mustOrg(b, db, "CIS", people.InternationalOrganization)
			m := people.Mission{OrganizationID: org.ID, ElectionID: e.ID, Name: "CIS mission"}
			if err := db.CreateMission(ctx, &m); err != nil {
				b.Fatal(err)
			}
			at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
			var reports []report.Report
			var incidents []report.IncidentReport
			for i := range 1000 {
				o := mustObserver(b, db, people.Observer{FullName: fmt.Sprint("Observer ", i), OrganizationID: org.ID})
				if err := db.SetObserverMission(ctx, o.ID, m.ID, string(people.MissionMember)); err != nil {
					b.Fatal(err)
				}
				code := fmt.Sprintf("S%05d", i*7)
				if err := db.Assign(ctx, &people.Assignment{ElectionID: e.ID, StationCode: code, ObserverID: o.ID}); err != nil {
					b.Fatal(err)
				}
				for j := range 10 {
					r := turnoutReport(e.ID, fmt.Sprintf("m-%d-%d", i, j), code, at.Add(time.Duration(j)*time.Hour), 50*(j+1))
					r.ObserverID = o.ID
					reports = append(reports, r, turnoutReport(e.ID, fmt.Sprintf("x-%d-%d", i, j), fmt.Sprintf("S%05d", i*7+1), at, 10))
				}
				if i%2 == 0 {
					incidents = append(incidents, report.IncidentReport{ClientID: fmt.Sprint("i-", i), ElectionID: e.ID, StationCode: code,
						Category: []string{"ballot_stuffing", "campaigning", "observer_obstructed"}[i%3], Severity: report.High,
						Channel: report.Web, ObservedAt: at, ReceivedAt: at, ObserverID: o.ID})
				}
			}
			for len(reports) > 0 {
				n := min(len(reports), 5000)
				if _, err := db.SaveReports(ctx, reports[:n]); err != nil {
					b.Fatal(err)
				}
				reports = reports[n:]
			}
			if _, err := db.SaveIncidents(ctx, incidents); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				c, err := db.MissionCounts(ctx, m.ID, time.Time{})
				if err != nil {
					b.Fatal(err)
				}
				if c.StationsObserved != 1000 || c.StationsCounted != 1000 {
					b.Fatalf("counts %+v", c)
				}
			}
		})
	}
}
