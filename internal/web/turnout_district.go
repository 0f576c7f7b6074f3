package web

import (
	"context"
	"net/http"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/tally"
)

// districtTally computes the districts of one region on demand.
type districtTally interface {
	DistrictTurnout(ctx context.Context, electionID int64, region string) ([]tally.Part, error)
}

type apiDistrictFigures struct {
	District string `json:"district"`
	apiFigures
}

// districts reads the region of ?region= and its districts' figures.
func (t *turnout) districts(r *http.Request) (election.Election, election.Region, []tally.Part, error) {
	e, err := t.election(r)
	if err != nil {
		return e, election.Region{}, nil, err
	}
	reg, ok := election.LookupRegion(r.URL.Query().Get("region"))
	if !ok {
		return e, reg, nil, baqylau.Errorf(baqylau.EINVALID, "region must be a region of Kazakhstan, such as KZ-75")
	}
	dt, ok := t.s.cfg.Reports.(districtTally)
	if !ok {
		return e, reg, nil, baqylau.Errorf(baqylau.EINTERNAL, "web: the store computes no districts")
	}
	parts, err := dt.DistrictTurnout(r.Context(), e.ID, reg.Code)
	return e, reg, parts, err
}

func (t *turnout) apiDistricts(w http.ResponseWriter, r *http.Request) {
	e, reg, parts, err := t.districts(r)
	if err != nil {
		t.s.apiError(w, r, err)
		return
	}
	out := make([]apiDistrictFigures, 0, len(parts))
	for _, p := range parts {
		out = append(out, apiDistrictFigures{District: p.Code, apiFigures: toAPIFigures(p.Sums)})
	}
	t.s.writeJSON(w, http.StatusOK, map[string]any{"region": reg.Code, "as_of": time.Now().In(e.Location()).Truncate(time.Second), "by_district": out})
}

type districtsPage struct {
	Election election.Election
	Region   election.Region
	Rows     []turnoutRow
	Names    []string
	AsOf     time.Time
	page     turnoutPage
}

func (t *turnout) showDistricts(w http.ResponseWriter, r *http.Request) {
	e, reg, parts, err := t.districts(r)
	if err != nil {
		t.s.pageError(w, r, err)
		return
	}
	pr := t.s.printer(r)
	d := districtsPage{Election: e, Region: reg, AsOf: time.Now().In(e.Location()), page: turnoutPage{Lang: pr.Lang, p: pr}}
	for _, p := range parts {
		d.Names = append(d.Names, p.Code)
		d.Rows = append(d.Rows, d.page.Row(p.Sums))
	}
	t.s.render(w, r, http.StatusOK, "turnout_districts", t.s.newView(r, "turnout.districts.title", d))
}
