package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/tally"
)

// Open data: the published figures and the anonymised reports and
// incidents of each election as CSV and JSON, under CC BY 4.0, documented
// at /press/data. Files are computed from the database when asked and
// carry no time of their own, so that the same data gives the same bytes.

// openDataFiles are the data sets, by file name without extension.
var openDataFiles = []string{"turnout-stations", "turnout-regions", "turnout-countries", "reports", "incidents"}

func (p *press) openDataRoutes() []route {
	return []route{
		{pattern: "GET /press/data", roles: public, h: p.showOpenData},
		{pattern: "GET /press/data/{id}/{file}", roles: public, h: p.openDataFile},
	}
}

func (p *press) showOpenData(w http.ResponseWriter, r *http.Request) {
	list, err := p.s.cfg.Elections.Elections(r.Context())
	if err != nil {
		p.s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	p.s.render(w, r, http.StatusOK, "press_data", p.s.newView(r, "press.data.title",
		map[string]any{"Elections": list, "Files": openDataFiles, "Licence": publish.Licence, "LicenceURL": publish.LicenceURL}))
}

// openDataSet reads one data set: its table for CSV and its value for
// JSON.
func (p *press) openDataSet(r *http.Request, e election.Election, name string) (publish.Table, any, error) {
	ctx := r.Context()
	switch name {
	case "turnout-stations":
		list, err := p.data.StationFigures(ctx, e.ID)
		return publish.StationTable(list), list, err
	case "turnout-regions", "turnout-countries":
		if p.tally == nil {
			return publish.Table{}, nil, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no turnout tally")
		}
		t, err := p.tally.Turnout(ctx, e.ID, time.Time{})
		if err != nil {
			return publish.Table{}, nil, err
		}
		parts, key := t.ByRegion, "region"
		if name == "turnout-countries" {
			parts, key = t.ByCountry, "country"
		}
		list := areaFigures(parts)
		return publish.AreaTable(key, list), list, nil
	case "reports":
		list, err := p.data.PublicReports(ctx, e.ID)
		if err != nil {
			return publish.Table{}, nil, err
		}
		t, err := publish.ReportTable(list)
		return t, list, err
	case "incidents":
		list, err := p.data.PublicIncidents(ctx, e.ID)
		return publish.IncidentTable(list), list, err
	}
	return publish.Table{}, nil, baqylau.Errorf(baqylau.ENOTFOUND, "no data set %q", name)
}

func areaFigures(parts []tally.Part) []publish.AreaFigure {
	out := make([]publish.AreaFigure, 0, len(parts))
	for _, pt := range parts {
		a := publish.AreaFigure{Code: pt.Code, RegisteredVoters: pt.RegisteredVoters, ReportingRegisteredVoters: pt.ReportingRegistered,
			BallotsCast: pt.BallotsCast, StationsTotal: pt.StationsTotal, StationsReporting: pt.StationsReporting, StationsClosed: pt.StationsClosed}
		if pc, ok := pt.Percent(); ok {
			a.TurnoutPercent = &pc
		}
		out = append(out, a)
	}
	return out
}

func (p *press) openDataFile(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, ext, _ := strings.Cut(file, ".")
	var err error
	if p.data == nil {
		err = baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no open data")
	} else if ext != "csv" && ext != "json" {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "no data file %q: files end in .csv or .json", file)
	}
	var e election.Election
	if err == nil {
		e, err = p.s.electionByPath(r)
	}
	var t publish.Table
	var v any
	if err == nil {
		t, v, err = p.openDataSet(r, e, name)
	}
	var buf bytes.Buffer
	if err == nil {
		if ext == "csv" {
			err = publish.WriteCSV(&buf, t)
		} else {
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", " ")
			err = enc.Encode(map[string]any{"licence": publish.Licence, "licence_url": publish.LicenceURL,
				"election": e.ID, "data_set": name, "rows": v})
		}
	}
	if err != nil {
		p.s.pageError(w, r, err)
		return
	}
	h := w.Header()
	if ext == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="baqylau-%d-%s.%s"`, e.ID, name, ext))
	h.Set("Cache-Control", "public, max-age=10")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}
