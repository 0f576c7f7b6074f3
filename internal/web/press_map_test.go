package web_test

import (
	"context"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestPressIncidentMap: with incidents published, the press centre shades
// the tile map by incidents per 100 stations too.
func TestPressIncidentMap(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	admin := f.user(auth.Admin, "admin@example.org")
	id := f.newElection(admin)
	at := time.Date(2023, 3, 19, 6, 0, 0, 0, time.UTC)
	if _, err := db.SaveIncidents(context.Background(), []report.IncidentReport{
		{ClientID: "88888888-2222-4333-8444-555555555551", ElectionID: id, StationCode: "001", Category: "carousel", Severity: report.High,
			Description: "x", Channel: report.Web, ObservedAt: at, Status: report.StatusNew},
	}); err != nil {
		t.Fatal(err)
	}
	resp := f.do("GET", "/press", "", "", nil)
	page := readAll(t, resp.Body)
	svg := regexp.MustCompile(`(?s)<svg[^>]*aria-labelledby="chart-incident-map-title.*?</svg>`).FindString(page)
	if resp.StatusCode != 200 || svg == "" {
		t.Fatalf("press page: %d, incident map present: %v", resp.StatusCode, svg != "")
	}
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Errorf("incident map is not well-formed SVG: %v", err)
	}
	// Almaty city has one incident at its one station: 100 per 100 stations.
	if !strings.Contains(svg, "100.0") {
		t.Errorf("the Almaty tile does not show its rate of 100.0")
	}
}
