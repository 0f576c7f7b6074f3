package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/baqylau/baqylau/internal/chart"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/tally"
)

// chartsTTL is how long the press centre's charts are kept: they are
// redrawn at most every ten seconds (the figures in the text are at most
// a second old).
const chartsTTL = 10 * time.Second

// pressCharts are the press centre's pictures, as inline SVG.
type pressCharts struct {
	Turnout template.HTML // turnout over the day
	Map     template.HTML // the tile map shaded by turnout
	// IncidentMap is the tile map shaded by incidents per 100 stations.
	IncidentMap template.HTML
	World       template.HTML // stations abroad; empty when none has coordinates
	ByCategory  template.HTML
	ByRegion    template.HTML
	// Abroad lists stations abroad by country when they have no
	// coordinates.
	Abroad []tally.Part
}

// chartsFor draws (or reuses) the charts of an election in the view's
// language.
func (p *press) chartsFor(r *http.Request, v *view, e election.Election, t tally.Turnout) (pressCharts, error) {
	return p.charts.Get(fmt.Sprintf("%s/%d", v.Lang, e.ID), func() (pressCharts, error) {
		return p.drawCharts(r.Context(), v, e, t)
	})
}

func (p *press) drawCharts(ctx context.Context, v *view, e election.Election, t tally.Turnout) (pressCharts, error) {
	var c pressCharts
	pp := turnoutPage{Election: e, Lang: v.Lang, p: v.Printer}
	if p.tally != nil {
		ser, err := p.tally.Series(ctx, e, time.Hour)
		if err != nil {
			return c, err
		}
		line := chart.Line{ID: "chart-turnout", Title: v.T("press.chart.turnout"), Desc: v.T("press.chart.turnout_desc"),
			XAxis: v.T("turnout.astana_time"), YAxis: v.T("turnout.col.percent"), Max: 100}
		for _, pt := range ser.Points {
			pc, _ := pt.Sums.Percent()
			line.Labels = append(line.Labels, pt.At.In(e.Location()).Format("15:04"))
			line.Values = append(line.Values, pc)
		}
		c.Turnout = svg(line.SVG())
	}
	m := chart.TileMap{ID: "chart-map", Title: v.T("press.chart.map"), Desc: v.T("press.chart.map_desc"), Max: 100,
		Legend: v.T("turnout.col.percent"), NoData: v.T("press.chart.no_data"), Tiles: map[string]chart.TileValue{}}
	for _, part := range t.ByRegion {
		tv := chart.TileValue{Name: v.RegionName(part.Code), Short: shortRegion(part.Code, v.Lang)}
		if pc, ok := part.Percent(); ok {
			tv.Value, tv.Text, tv.HasValue = pc, pp.Percent(part.Sums)+" %", true
		}
		m.Tiles[part.Code] = tv
	}
	for _, code := range chart.GridCodes() {
		if _, ok := m.Tiles[code]; !ok {
			m.Tiles[code] = chart.TileValue{Name: v.RegionName(code), Short: shortRegion(code, v.Lang)}
		}
	}
	c.Map = svg(m.SVG())

	abroad := true
	page, err := p.s.cfg.Elections.Stations(ctx, election.StationQuery{ElectionID: e.ID, Abroad: &abroad, Limit: 1000})
	if err != nil {
		return c, err
	}
	w := chart.World{ID: "chart-world", Title: v.T("press.chart.world"), Desc: v.T("press.chart.world_desc", "Count", page.Total)}
	for _, s := range page.Stations {
		if s.Latitude != nil && s.Longitude != nil {
			w.Dots = append(w.Dots, chart.Dot{Label: s.City + " (" + v.CountryName(s.Country) + ")", Lat: *s.Latitude, Lon: *s.Longitude})
		}
	}
	if len(w.Dots) > 0 {
		c.World = svg(w.SVG())
	} else {
		c.Abroad = t.ByCountry
	}

	if p.data != nil {
		incidents, err := p.data.PublicIncidents(ctx, e.ID)
		if err != nil {
			return c, err
		}
		byCat, byRegion := map[string]int{}, map[string]int{}
		for _, i := range incidents {
			byCat[i.Category]++
			byRegion[i.Region]++
		}
		cat := chart.Bars{ID: "chart-categories", Title: v.T("press.chart.categories"), Desc: v.T("press.chart.categories_desc", "Count", len(incidents)),
			Axis: v.T("press.chart.incidents")}
		for code, n := range byCat {
			label := code
			if c, ok := report.LookupCategory(code); ok {
				label = c.Label.In(v.Lang)
			}
			cat.Bars = append(cat.Bars, chart.Bar{Label: label, Value: float64(n)})
		}
		reg := chart.Bars{ID: "chart-regions", Title: v.T("press.chart.regions"), Desc: v.T("press.chart.regions_desc", "Count", len(incidents)),
			Axis: v.T("press.chart.incidents")}
		for code, n := range byRegion {
			label := v.T("turnout.abroad")
			if code != report.RegionAbroad {
				label = v.RegionName(code)
			}
			reg.Bars = append(reg.Bars, chart.Bar{Label: label, Value: float64(n)})
		}
		sortBars(cat.Bars)
		sortBars(reg.Bars)
		if len(incidents) > 0 {
			c.ByCategory, c.ByRegion = svg(cat.SVG()), svg(reg.SVG())
			c.IncidentMap = svg(incidentMap(v, t, byRegion).SVG())
		}
	}
	return c, nil
}

// incidentMap shades the tile map by incidents per 100 stations of each
// region: a rate, so that large regions do not look worse for being large.
func incidentMap(v *view, t tally.Turnout, byRegion map[string]int) chart.TileMap {
	m := chart.TileMap{ID: "chart-incident-map", Title: v.T("press.chart.incident_map"), Desc: v.T("press.chart.incident_map_desc"),
		Legend: v.T("press.chart.incident_rate"), NoData: v.T("press.chart.no_data"), Tiles: map[string]chart.TileValue{}}
	for _, part := range t.ByRegion {
		tv := chart.TileValue{Name: v.RegionName(part.Code), Short: shortRegion(part.Code, v.Lang)}
		if part.StationsTotal > 0 {
			rate := float64(byRegion[part.Code]) * 100 / float64(part.StationsTotal)
			tv.Value, tv.Text, tv.HasValue = rate, strconv.FormatFloat(rate, 'f', 1, 64), true
		}
		m.Tiles[part.Code] = tv
	}
	for _, code := range chart.GridCodes() {
		if _, ok := m.Tiles[code]; !ok {
			m.Tiles[code] = chart.TileValue{Name: v.RegionName(code), Short: shortRegion(code, v.Lang)}
		}
	}
	return m
}

// sortBars puts the largest first, then by label.
func sortBars(b []chart.Bar) {
	sort.Slice(b, func(i, j int) bool {
		if b[i].Value != b[j].Value {
			return b[i].Value > b[j].Value
		}
		return b[i].Label < b[j].Label
	})
}

// shortRegion is a tile's label: the city's name, or the region's first
// word.
func shortRegion(code, lang string) string {
	r, ok := election.RegionByCode(code)
	if !ok {
		return code
	}
	name := r.Name(lang)
	if r.City {
		return name
	}
	for i, c := range name {
		if c == ' ' || c == '-' && i > 0 {
			return name[:i]
		}
	}
	return name
}
