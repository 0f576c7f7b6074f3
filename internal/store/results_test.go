package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/tally"
)

func TestOfficialResultsAndCountReports(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "Mazhilis", "2026-03-15", election.Contest{Name: "Party lists", Options: []string{"A", "B"}})
		if _, err := db.ImportStations(ctx, e.ID, []election.Station{homeStation("A-001", "School 1", "KZ-75", "", "Almaty")}); err != nil {
			t.Fatal(err)
		}
		c := e.Contests[0]
		p := tally.Protocol{Station: "A-001", Contest: c.ID, Lines: map[string]int64{"cast": 100, "registered": 1000, "valid": 98, "invalid": 2},
			Votes: map[string]int64{"A": 60, "B": 38}}
		if err := db.ReplaceOfficialResults(ctx, e.ID, []tally.Protocol{p}); err != nil {
			t.Fatal(err)
		}
		p.Votes["A"] = 61
		if err := db.ReplaceOfficialResults(ctx, e.ID, []tally.Protocol{p}); err != nil {
			t.Fatal(err)
		}
		got, err := db.OfficialResults(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		k := tally.ProtocolKey{Station: "A-001", Contest: c.ID}
		if len(got) != 1 || got[k].Votes["A"] != 61 || got[k].Lines["cast"] != 100 {
			t.Errorf("official results = %+v", got)
		}

		at := time.Date(2026, 3, 15, 15, 0, 0, 0, time.UTC)
		rep := report.Report{ClientID: "count-1", ElectionID: e.ID, StationCode: "A-001", Form: report.Count, FormVersion: 1,
			Channel: report.Web, ObservedAt: at, Answers: map[string]json.RawMessage{"contest": json.RawMessage(itoa64(c.ID)),
				"cast": json.RawMessage("100"), "votes": json.RawMessage(`{"A":60,"B":38}`)}}
		turn := turnoutReport(e.ID, "t-1", "A-001", at, 90)
		if _, err := db.SaveReports(ctx, []report.Report{rep, turn}); err != nil {
			t.Fatal(err)
		}
		counts, err := db.CountReports(ctx, e.ID)
		if err != nil || len(counts) != 1 || counts[0].ClientID != "count-1" {
			t.Fatalf("count reports = %+v, %v", counts, err)
		}
		if db.Dialect() == store.SQLite {
			// The count protocols have an index of their own, which the
			// day's other reports do not update (migration 0017).
			plan, err := db.ExplainCountReports(ctx)
			if err != nil || !strings.Contains(plan, "reports_count_protocols") {
				t.Errorf("the count protocols are not read by their index: %s %v", plan, err)
			}
		}
		res, err := tally.LoadResults(ctx, db, e, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Discrepancies) != 1 || res.Discrepancies[0].Largest != 1 || res.Discrepancies[0].Where != "A" {
			t.Errorf("discrepancies = %+v", res.Discrepancies)
		}
	})
}

func itoa64(n int64) string {
	b, err := json.Marshal(n)
	if err != nil {
		panic(err)
	}
	return string(b)
}
