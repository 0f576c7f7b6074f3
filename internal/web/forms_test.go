package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestAdjustForm: an admin adjusts the turnout form; it becomes version 2,
// new reports are filled in it, and a broken definition changes nothing.
func TestAdjustForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		coordinator := f.user(auth.Coordinator, "coordinator@example.org")
		eid := f.newElection(admin)
		forms := decode[struct{ Forms []map[string]any }](t, f.do("GET", "/api/v1/forms", admin, "", nil)).Forms
		var turnoutForm map[string]any
		for _, fm := range forms {
			if fm["code"] == "turnout" {
				turnoutForm = fm
			}
		}
		if turnoutForm == nil {
			t.Fatalf("no turnout form in %v", forms)
		}
		turnoutForm["checkpoints"] = []string{"09:00", "12:00", "15:00", "18:00"}
		for _, q := range turnoutForm["questions"].([]any) {
			q := q.(map[string]any)
			if q["id"] == "checkpoint" {
				q["choices"] = []map[string]any{
					{"code": "09:00", "label": map[string]string{"kk": "09:00", "ru": "09:00", "en": "09:00"}},
					{"code": "12:00", "label": map[string]string{"kk": "12:00", "ru": "12:00", "en": "12:00"}},
					{"code": "15:00", "label": map[string]string{"kk": "15:00", "ru": "15:00", "en": "15:00"}},
					{"code": "18:00", "label": map[string]string{"kk": "18:00", "ru": "18:00", "en": "18:00"}},
				}
			}
		}
		body, err := json.Marshal(turnoutForm)
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := f.postAs(coordinator, "/api/v1/forms", string(body)); code != 403 {
			t.Errorf("a coordinator adjusts a form: %d, want 403", code)
		}
		if code, msg := f.postAs(admin, "/api/v1/forms", `{"code":"turnout","questions":[{"id":"x","kind":"colour"}]}`); code != 422 {
			t.Errorf("a broken definition: %d %s", code, msg)
		}
		code, saved := f.postAs(admin, "/api/v1/forms", string(body))
		if code != 201 || !strings.Contains(saved, `"version":2`) {
			t.Fatalf("adjust turnout form: %d %s", code, saved)
		}
		// A report at the new 15:00 checkpoint is accepted and says version 2.
		code, ack := f.postAs(admin, "/api/v1/elections/"+itoa(eid)+"/reports",
			`{"client_id":"66666666-2222-4333-8444-555555555555","station":"001","form":"turnout","observed_at":"2023-03-19T15:05:00+06:00","answers":{"checkpoint":"15:00","ballots_cast":500}}`)
		if code != 201 {
			t.Fatalf("report on the adjusted form: %d %s", code, ack)
		}
		reps, err := db.StationReports(context.Background(), eid, "001")
		if err != nil || len(reps) != 1 || reps[0].FormVersion != 2 {
			t.Errorf("stored report = %+v, %v; want form version 2", reps, err)
		}
	})
}
