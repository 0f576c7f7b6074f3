package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/locale"
	"github.com/baqylau/baqylau/internal/tally"
)

// turnout serves the turnout figures: the staff page and the JSON API
// (DESIGN.md, GET /elections/{id}/turnout). Answers come from a
// tally.Service, which keeps each for at most a second and computes it
// once for a burst of requests.
type turnout struct {
	s     *Server
	tally *tally.Service // nil when the store keeps no tally
}

func (s *Server) turnoutRoutes() []route {
	t := &turnout{s: s}
	if st, ok := s.cfg.Reports.(tally.Store); ok {
		t.tally = tally.NewService(st, tally.Options{})
	}
	return []route{
		{pattern: "GET /elections/{id}/turnout", roles: staff, h: t.showTurnout},
		{pattern: "GET /api/v1/elections/{id}/turnout", roles: staff, api: true, h: t.apiTurnout},
		{pattern: "GET /api/v1/elections/{id}/turnout/series", roles: staff, api: true, h: t.apiTurnoutSeries},
		{pattern: "GET /api/v1/elections/{id}/closing", roles: staff, api: true, h: t.apiClosing},
		{pattern: "GET /elections/{id}/turnout/districts", roles: staff, h: t.showDistricts},
		{pattern: "GET /api/v1/elections/{id}/turnout/districts", roles: staff, api: true, h: t.apiDistricts},
	}
}

// election returns the election of the request's path, refusing when the
// store keeps no tally.
func (t *turnout) election(r *http.Request) (election.Election, error) {
	if t.tally == nil {
		return election.Election{}, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no turnout tally")
	}
	return t.s.electionByPath(r)
}

// moment reads ?at=RFC3339 or ?checkpoint=HH:MM (zero: live figures).
func moment(r *http.Request, e election.Election) (time.Time, error) {
	q := r.URL.Query()
	at, cp := q.Get("at"), q.Get("checkpoint")
	switch {
	case at != "" && cp != "":
		return time.Time{}, baqylau.Errorf(baqylau.EINVALID, "give at or checkpoint, not both")
	case at != "":
		v, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return time.Time{}, baqylau.Errorf(baqylau.EINVALID, "at %q is not an RFC 3339 time such as 2023-03-19T12:00:00+06:00", at)
		}
		return v, nil
	case cp != "":
		return tally.Checkpoint(e, cp)
	}
	return time.Time{}, nil
}

// apiFigures are the seven figures of the fixed contract.
type apiFigures struct {
	RegisteredVoters          int64    `json:"registered_voters"`
	ReportingRegisteredVoters int64    `json:"reporting_registered_voters"`
	BallotsCast               int64    `json:"ballots_cast"`
	TurnoutPercent            *float64 `json:"turnout_percent"` // null while no station reports
	StationsTotal             int64    `json:"stations_total"`
	StationsReporting         int64    `json:"stations_reporting"`
	StationsClosed            int64    `json:"stations_closed"`
}

func toAPIFigures(s tally.Sums) apiFigures {
	f := apiFigures{RegisteredVoters: s.RegisteredVoters, ReportingRegisteredVoters: s.ReportingRegistered,
		BallotsCast: s.BallotsCast, StationsTotal: s.StationsTotal, StationsReporting: s.StationsReporting,
		StationsClosed: s.StationsClosed}
	if p, ok := s.Percent(); ok {
		f.TurnoutPercent = &p
	}
	return f
}

type apiRegionFigures struct {
	Region string `json:"region"`
	apiFigures
}

type apiCountryFigures struct {
	Country string `json:"country"`
	apiFigures
}

type apiTurnout struct {
	apiFigures
	AsOf      time.Time           `json:"as_of"`
	At        *time.Time          `json:"at,omitempty"`
	Home      apiFigures          `json:"home"`
	Abroad    apiFigures          `json:"abroad"`
	ByRegion  []apiRegionFigures  `json:"by_region"`
	ByCountry []apiCountryFigures `json:"by_country"`
}

func toAPITurnout(e election.Election, t tally.Turnout) apiTurnout {
	ref := e.Location()
	a := apiTurnout{apiFigures: toAPIFigures(t.Sums), AsOf: t.AsOf.In(ref).Truncate(time.Second), Home: toAPIFigures(t.Home),
		Abroad: toAPIFigures(t.Abroad), ByRegion: []apiRegionFigures{}, ByCountry: []apiCountryFigures{}}
	if !t.At.IsZero() {
		at := t.At.In(ref)
		a.At = &at
	}
	for _, p := range t.ByRegion {
		a.ByRegion = append(a.ByRegion, apiRegionFigures{Region: p.Code, apiFigures: toAPIFigures(p.Sums)})
	}
	for _, p := range t.ByCountry {
		a.ByCountry = append(a.ByCountry, apiCountryFigures{Country: p.Code, apiFigures: toAPIFigures(p.Sums)})
	}
	return a
}

func (t *turnout) apiTurnout(w http.ResponseWriter, r *http.Request) {
	e, err := t.election(r)
	var at time.Time
	if err == nil {
		at, err = moment(r, e)
	}
	var res tally.Turnout
	if err == nil {
		res, err = t.tally.Turnout(r.Context(), e.ID, at)
	}
	if err != nil {
		t.s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=1")
	t.s.writeJSON(w, http.StatusOK, toAPITurnout(e, res))
}

type apiPoint struct {
	At time.Time `json:"at"`
	apiFigures
	Home   apiFigures `json:"home"`
	Abroad apiFigures `json:"abroad"`
}

func (t *turnout) apiTurnoutSeries(w http.ResponseWriter, r *http.Request) {
	e, err := t.election(r)
	every := 60
	if v := r.URL.Query().Get("every"); err == nil && v != "" {
		if every, err = strconv.Atoi(v); err != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "every %q is not a number of minutes", v)
		}
	}
	var ser tally.Series
	if err == nil {
		ser, err = t.tally.Series(r.Context(), e, time.Duration(every)*time.Minute)
	}
	if err != nil {
		t.s.apiError(w, r, err)
		return
	}
	ref := e.Location()
	points := make([]apiPoint, 0, len(ser.Points))
	for _, p := range ser.Points {
		points = append(points, apiPoint{At: p.At.In(ref), apiFigures: toAPIFigures(p.Sums), Home: toAPIFigures(p.Home), Abroad: toAPIFigures(p.Abroad)})
	}
	w.Header().Set("Cache-Control", "private, max-age=1")
	t.s.writeJSON(w, http.StatusOK, map[string]any{"as_of": ser.AsOf.In(ref).Truncate(time.Second), "every_minutes": every, "points": points})
}

type apiClosing struct {
	Station     string    `json:"station"`
	Name        string    `json:"name"`
	Region      string    `json:"region,omitempty"`
	Country     string    `json:"country"`
	City        string    `json:"city,omitempty"`
	TimeZone    string    `json:"timezone"`
	ClosesLocal time.Time `json:"closes_local"`
	ClosesAt    time.Time `json:"closes_at"`
	Closed      bool      `json:"closed"`
}

func toAPIClosing(list []tally.Closing) []apiClosing {
	out := make([]apiClosing, 0, len(list))
	for _, c := range list {
		s := c.Station
		out = append(out, apiClosing{Station: s.Code, Name: s.Name, Region: s.Region, Country: s.Country, City: s.City,
			TimeZone: s.TimeZone, ClosesLocal: c.ClosesLocal, ClosesAt: c.ClosesRef, Closed: c.Closed})
	}
	return out
}

func (t *turnout) apiClosing(w http.ResponseWriter, r *http.Request) {
	e, err := t.election(r)
	q := r.URL.Query()
	after, limit := time.Now(), 10
	if v := q.Get("after"); err == nil && v != "" {
		if after, err = time.Parse(time.RFC3339, v); err != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "after %q is not an RFC 3339 time", v)
		}
	}
	if v := q.Get("limit"); err == nil && v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "limit %q is not a number", v)
		}
	}
	var list tally.ClosingList
	if err == nil {
		list, err = t.tally.Closing(r.Context(), e, after, limit)
	}
	if err != nil {
		t.s.apiError(w, r, err)
		return
	}
	ref := e.Location()
	t.s.writeJSON(w, http.StatusOK, map[string]any{"as_of": time.Now().In(ref).Truncate(time.Second), "after": after.In(ref),
		"next": toAPIClosing(list.Next), "last": toAPIClosing(list.Last)})
}

// turnoutPage is what turnout.html shows.
type turnoutPage struct {
	Election election.Election
	Turnout  tally.Turnout
	AsOf     time.Time // in the reference zone
	At       string    // the moment asked for, HH:MM in the reference zone, or ""
	Closing  tally.ClosingList
	Lang     string
	p        *locale.Printer
}

// turnoutRow is one line of figures, written for the page's language.
type turnoutRow struct {
	Percent, Ballots, Reporting, Total, ReportingRegistered, Registered, Closed string
}

// Row writes a line of figures.
func (p turnoutPage) Row(s tally.Sums) turnoutRow {
	return turnoutRow{Percent: p.Percent(s), Ballots: p.p.N(s.BallotsCast), Reporting: p.p.N(s.StationsReporting),
		Total: p.p.N(s.StationsTotal), ReportingRegistered: p.p.N(s.ReportingRegistered), Registered: p.p.N(s.RegisteredVoters),
		Closed: p.p.N(s.StationsClosed)}
}

// Percent writes a turnout percentage the way the page's language writes
// decimals ("60.5" in English, "60,5" in Kazakh and Russian), or a dash
// when no station reports.
func (p turnoutPage) Percent(s tally.Sums) string {
	v, ok := s.Percent()
	if !ok {
		return "—"
	}
	str := strconv.FormatFloat(v, 'f', 1, 64)
	if p.Lang != "en" {
		str = strings.Replace(str, ".", ",", 1)
	}
	return str
}

// Clock writes an instant as HH:MM in the election's reference zone.
func (p turnoutPage) Clock(t time.Time) string { return t.In(p.Election.Location()).Format("15:04") }

// refreshSeconds is how often the live page reloads itself.
const refreshSeconds = 30

func (t *turnout) showTurnout(w http.ResponseWriter, r *http.Request) {
	e, err := t.election(r)
	var at time.Time
	if err == nil {
		at, err = moment(r, e)
	}
	d := turnoutPage{Election: e}
	if !at.IsZero() {
		d.At = d.Clock(at)
	}
	if err == nil {
		d.Turnout, err = t.tally.Turnout(r.Context(), e.ID, at)
	}
	if err == nil {
		d.Closing, err = t.tally.Closing(r.Context(), e, time.Now(), 10)
	}
	if err != nil {
		t.s.pageError(w, r, err)
		return
	}
	d.AsOf = d.Turnout.AsOf.In(e.Location())
	v := t.s.newView(r, "turnout.title", d)
	d.Lang, d.p = v.Lang, v.Printer
	v.Data = d
	if at.IsZero() {
		w.Header().Set("Refresh", strconv.Itoa(refreshSeconds))
	}
	t.s.render(w, r, http.StatusOK, "turnout", v)
}
