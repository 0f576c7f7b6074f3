package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestStationCounts: the cumulative counts of turnout and closing reports
// come back oldest first, without the other forms.
func TestStationCounts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := reportFixture(t, db)
		at := time.Date(2023, 3, 19, 6, 0, 0, 0, time.UTC)
		opening := report.Report{ClientID: "00000000-0000-4000-8000-000000000001", ElectionID: e.ID, StationCode: "A-001", Form: report.Opening,
			ObservedAt: at, Channel: report.Web, Answers: map[string]json.RawMessage{"opened_on_time": json.RawMessage("true")}}
		batch := []report.Report{
			turnoutReport(e.ID, "00000000-0000-4000-8000-000000000003", "A-001", at.Add(4*time.Hour), 300),
			opening,
			turnoutReport(e.ID, "00000000-0000-4000-8000-000000000002", "A-001", at.Add(2*time.Hour), 120),
		}
		if _, err := db.SaveReports(ctx, batch); err != nil {
			t.Fatal(err)
		}
		got, err := db.StationCounts(ctx, e.ID, "A-001")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].BallotsCast != 120 || got[1].BallotsCast != 300 ||
			!got[0].At().Equal(at.Add(2*time.Hour)) || got[0].Closing || got[0].ID == 0 {
			t.Errorf("counts = %+v", got)
		}
	})
}
