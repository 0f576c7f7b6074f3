package report

import (
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
)

func TestCategories(t *testing.T) {
	required := []string{"obstruction_of_observers", "ballot_stuffing", "multiple_voting", "carousel", "pressure_on_voters",
		"vote_buying", "campaigning_on_election_day", "secrecy_of_vote", "unauthorized_persons", "voter_list_problems",
		"count_irregularities", "protocol_not_posted", "violence_or_threats", "other"}
	codes, sms := map[string]bool{}, map[string]bool{}
	for _, c := range Categories() {
		if codes[c.Code] || sms[c.SMS] || c.SMS == "" {
			t.Errorf("%s: code or SMS code %q repeated or empty", c.Code, c.SMS)
		}
		codes[c.Code], sms[c.SMS] = true, true
		if err := checkText(c.Label, false); err != nil {
			t.Errorf("%s: label %v", c.Code, err)
		}
		if !c.DefaultSeverity.Valid() {
			t.Errorf("%s: default severity %q", c.Code, c.DefaultSeverity)
		}
	}
	for _, r := range required {
		if !codes[r] {
			t.Errorf("taxonomy lacks %s", r)
		}
	}
	cs := Categories()
	cs[0].Label["en"] = "changed"
	if Categories()[0].Label["en"] == "changed" {
		t.Error("Categories returns shared labels")
	}
	for _, s := range Severities {
		if err := checkText(s.Label(), false); err != nil {
			t.Errorf("severity %s: %v", s, err)
		}
	}
	if Severity("urgent").Valid() {
		t.Error("unknown severity valid")
	}
}

func TestLookupCategory(t *testing.T) {
	for in, want := range map[string]string{"carousel": "carousel", " Ballot_Stuffing ": "ballot_stuffing", "4": "carousel", "0": "other"} {
		c, ok := LookupCategory(in)
		if !ok || c.Code != want {
			t.Errorf("LookupCategory(%q) = %q, %v", in, c.Code, ok)
		}
	}
	if _, ok := LookupCategory("lunch"); ok {
		t.Error("lunch found")
	}
}

func TestCheckIncident(t *testing.T) {
	now := time.Date(2025, 1, 19, 10, 0, 0, 0, time.UTC)
	base := func() IncidentReport {
		return IncidentReport{Category: "carousel", Description: "Bus of voters", ObservedAt: now.Add(-time.Hour), ReceivedAt: now}
	}
	tests := []struct {
		name    string
		edit    func(i *IncidentReport)
		wantErr string
		check   func(t *testing.T, i IncidentReport)
	}{
		{"default severity", func(i *IncidentReport) {}, "", func(t *testing.T, i IncidentReport) {
			if i.Severity != Critical {
				t.Errorf("severity %q", i.Severity)
			}
		}},
		{"given severity", func(i *IncidentReport) { i.Severity = " Low " }, "", func(t *testing.T, i IncidentReport) {
			if i.Severity != Low {
				t.Errorf("severity %q", i.Severity)
			}
		}},
		{"SMS category", func(i *IncidentReport) { i.Category = "12" }, "", func(t *testing.T, i IncidentReport) {
			if i.Category != "protocol_not_posted" || i.Severity != High {
				t.Errorf("%q %q", i.Category, i.Severity)
			}
		}},
		{"script is text", func(i *IncidentReport) { i.Description = `<script>alert("x")</script> & <b>` }, "", func(t *testing.T, i IncidentReport) {
			if i.Description != `<script>alert("x")</script> & <b>` {
				t.Errorf("description changed to %q", i.Description)
			}
		}},
		{"control characters", func(i *IncidentReport) { i.Description = "a\x00b\x1b[31m\r\nc\rd\u0085e\u200df" }, "", func(t *testing.T, i IncidentReport) {
			if i.Description != "ab[31m\nc\nde\u200df" {
				t.Errorf("description %q", i.Description)
			}
		}},
		{"5000 characters", func(i *IncidentReport) { i.Description = strings.Repeat("ғ", 5000) }, "", nil},
		{"clock a little ahead", func(i *IncidentReport) { i.ObservedAt = now.Add(9 * time.Minute) }, "", nil},
		{"no received time", func(i *IncidentReport) { i.ReceivedAt, i.ObservedAt = time.Time{}, time.Now() }, "", nil},
		{"unknown category", func(i *IncidentReport) { i.Category = "rudeness" }, `"rudeness"`, nil},
		{"empty category", func(i *IncidentReport) { i.Category = "" }, "category", nil},
		{"unknown severity", func(i *IncidentReport) { i.Severity = "urgent" }, `"urgent"`, nil},
		{"long description", func(i *IncidentReport) { i.Description = strings.Repeat("ғ", 5001) }, "5001 characters", nil},
		{"bad UTF-8", func(i *IncidentReport) { i.Description = "ok \xff" }, "UTF-8", nil},
		{"no time", func(i *IncidentReport) { i.ObservedAt = time.Time{} }, "observed_at is required", nil},
		{"future", func(i *IncidentReport) { i.ObservedAt = now.Add(11 * time.Minute) }, "future", nil},
		{"far future, no received time", func(i *IncidentReport) { i.ReceivedAt, i.ObservedAt = time.Time{}, time.Now().Add(time.Hour) }, "future", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := base()
			tt.edit(&i)
			err := CheckIncident(&i)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.check != nil {
					tt.check(t, i)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if baqylau.ErrorCode(err) != baqylau.EINVALID || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want EINVALID with %q", err, tt.wantErr)
			}
		})
	}
}
