package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/quickcount"
	"github.com/baqylau/baqylau/internal/tally"
)

// quickcountStore is what the quick-count and forensics pages need of the
// store.
type quickcountStore interface {
	quickcount.Store
	quickcount.StationLister
	tally.ResultsStore
	SampleRoles(ctx context.Context, electionID int64, codes []string) (map[string]string, error)
	SampleCoverage(ctx context.Context, electionID int64) (quickcount.Coverage, error)
}

// quickcounts serves the sample design, the quick count and the
// forensics (analysts design and draw; staff read).
type quickcounts struct {
	s  *Server
	st quickcountStore // nil when the store keeps no sample
}

func (s *Server) quickcountRoutes() []route {
	q := &quickcounts{s: s}
	q.st, _ = s.cfg.Reports.(quickcountStore)
	return []route{
		{pattern: "GET /elections/{id}/quickcount", roles: staff, h: q.showQuickCount},
		{pattern: "POST /elections/{id}/quickcount/sample", roles: editors, h: q.drawSample},
		{pattern: "GET /elections/{id}/quickcount/sample.csv", roles: staff, h: q.sampleCSV},
		{pattern: "GET /elections/{id}/forensics", roles: staff, h: q.showForensics},
		{pattern: "POST /elections/{id}/forensics", roles: editors, h: q.uploadForensics},

		{pattern: "GET /api/v1/elections/{id}/quickcount", roles: staff, api: true, h: q.apiQuickCount},
		{pattern: "GET /api/v1/elections/{id}/quickcount/sample", roles: staff, api: true, h: q.apiSample},
		{pattern: "POST /api/v1/elections/{id}/quickcount/sample", roles: editors, api: true, h: q.apiDrawSample},
		{pattern: "GET /api/v1/elections/{id}/forensics", roles: staff, api: true, h: q.apiForensics},
	}
}

// store returns the store or an internal error when it keeps no sample.
func (q *quickcounts) store() (quickcountStore, error) {
	if q.st == nil {
		return nil, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no quick-count sample")
	}
	return q.st, nil
}

// estimate reads the election's sample and estimates every contest;
// drawn is false when no sample has been drawn yet.
func (q *quickcounts) estimate(ctx context.Context, e election.Election) (est quickcount.Estimate, drawn bool, err error) {
	st, err := q.store()
	if err != nil {
		return est, false, err
	}
	sample, err := st.Sample(ctx, e.ID)
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		return est, false, nil
	}
	if err != nil {
		return est, false, err
	}
	stations, err := st.AllStations(ctx, e.ID)
	if err != nil {
		return est, false, err
	}
	reports, err := st.CountReports(ctx, e.ID)
	if err != nil {
		return est, false, err
	}
	official, err := st.OfficialResults(ctx, e.ID)
	if err != nil {
		return est, false, err
	}
	return quickcount.EstimateAll(sample, e, stations, tally.LatestProtocols(reports), official, time.Now()), true, nil
}

// draw draws and stores the election's sample.
func (q *quickcounts) draw(r *http.Request, e election.Election, d quickcount.Design) (quickcount.Sample, error) {
	st, err := q.store()
	if err != nil {
		return quickcount.Sample{}, err
	}
	// Once counts are in, a new draw could pick the sample that suits:
	// the sample stays as it was.
	if _, err := st.Sample(r.Context(), e.ID); err == nil {
		reports, err := st.CountReports(r.Context(), e.ID)
		if err != nil {
			return quickcount.Sample{}, err
		}
		if len(reports) > 0 {
			return quickcount.Sample{}, baqylau.Errorf(baqylau.ECONFLICT, "the sample cannot be drawn again: %d count protocols have come in", len(reports))
		}
	} else if baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
		return quickcount.Sample{}, err
	}
	stations, err := st.AllStations(r.Context(), e.ID)
	if err != nil {
		return quickcount.Sample{}, err
	}
	s, err := quickcount.Draw(d, stations)
	if err != nil {
		return quickcount.Sample{}, err
	}
	s.ElectionID, s.DrawnAt = e.ID, time.Now().UTC().Truncate(time.Microsecond)
	if u := currentUser(r.Context()); u != nil {
		s.DrawnBy = u.ID
	}
	if err := st.SaveSample(r.Context(), s); err != nil {
		return quickcount.Sample{}, err
	}
	return s, nil
}

// quickcountPage is what quickcount.html shows.
type quickcountPage struct {
	Election election.Election
	Drawn    bool
	Estimate quickcount.Estimate
	// Coverage is how many sample and reserve stations have an observer.
	Coverage quickcount.Coverage
	// Form is the design the form shows: the sample's, or the defaults.
	Form    quickcount.Design
	Message string
}

// Pct writes a percentage with one decimal.
func (quickcountPage) Pct(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Pm writes a margin as ±x.x.
func (quickcountPage) Pm(v float64) string { return "±" + strconv.FormatFloat(v, 'f', 1, 64) }

// Num writes a design figure with up to three decimals.
func (quickcountPage) Num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// StratumName names a stratum in the page's language: "Almaty · urban ·
// small", "Abroad · large".
func (quickcountPage) StratumName(v *view, key string) string {
	p := strings.Split(key, "/")
	var parts []string
	switch {
	case len(p) == 4 && p[0] == "home":
		parts = []string{v.RegionName(p[1]), v.T("quickcount." + p[2]), v.T("quickcount." + p[3])}
	case len(p) == 2 && p[0] == "abroad":
		parts = []string{v.T("forensics.abroad"), v.T("quickcount." + p[1])}
	default:
		return key
	}
	return strings.Join(parts, " · ")
}

// Whole rounds a figure to a whole number for display.
func (quickcountPage) Whole(v float64) int64 { return int64(math.Round(v)) }

// Counts returns the sample and reserve stations drawn.
func (p quickcountPage) Counts() [2]int {
	a, b := p.Estimate.Sample.Counts()
	return [2]int{a, b}
}

func (q *quickcounts) showQuickCount(w http.ResponseWriter, r *http.Request) {
	q.render(w, r, http.StatusOK, "", nil)
}

func (q *quickcounts) render(w http.ResponseWriter, r *http.Request, status int, msg string, form *quickcount.Design) {
	e, err := q.s.electionByPath(r)
	if err != nil {
		q.s.pageError(w, r, err)
		return
	}
	est, drawn, err := q.estimate(r.Context(), e)
	if err != nil {
		q.s.pageError(w, r, err)
		return
	}
	p := quickcountPage{Election: e, Drawn: drawn, Estimate: est, Message: msg}
	if drawn {
		if p.Coverage, err = q.st.SampleCoverage(r.Context(), e.ID); err != nil {
			q.s.pageError(w, r, err)
			return
		}
	}
	switch {
	case form != nil:
		p.Form = *form
	case drawn:
		p.Form = est.Sample.Design
	default:
		p.Form.Defaults()
		p.Form.Seed = e.Date.Format(election.DateLayout) + "-" + strconv.FormatInt(e.ID, 10)
	}
	q.s.render(w, r, status, "quickcount", q.s.newView(r, "quickcount.title", p))
}

// designField reads a number of the design form; empty means zero (the
// default).
func designField(get func(string) string, name string, into *float64) error {
	v := strings.TrimSpace(get(name))
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return baqylau.Errorf(baqylau.EINVALID, "%s: %q is not a number", name, v)
	}
	*into = f
	return nil
}

// designFromForm reads a sample design from form values.
func designFromForm(get func(string) string) (quickcount.Design, error) {
	var d quickcount.Design
	var stations float64
	for _, f := range []struct {
		name string
		into *float64
	}{{"margin", &d.Margin}, {"confidence", &d.Confidence}, {"turnout", &d.Turnout}, {"icc", &d.ICC}, {"reserve_share", &d.ReserveShare}, {"stations", &stations}} {
		if err := designField(get, f.name, f.into); err != nil {
			return d, err
		}
	}
	if stations != math.Trunc(stations) || stations < 0 || stations > 1e7 {
		return d, baqylau.Errorf(baqylau.EINVALID, "stations: must be a whole number of stations, 0 for the size the margin gives")
	}
	d.Stations = int(stations)
	d.Seed = strings.TrimSpace(get("seed"))
	return d, nil
}

func (q *quickcounts) drawSample(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	if err != nil {
		q.s.pageError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	var d quickcount.Design
	if err = r.ParseForm(); err != nil {
		err = baqylau.Errorf(baqylau.EINVALID, "the form could not be read")
	} else if d, err = designFromForm(r.PostFormValue); err == nil {
		_, err = q.draw(r, e, d)
	}
	if err != nil {
		if statusOf(err) >= 500 || statusOf(err) == http.StatusNotFound {
			q.s.pageError(w, r, err)
			return
		}
		q.render(w, r, statusOf(err), q.s.publicMessage(r, err), &d)
		return
	}
	q.s.sessions.Put(r.Context(), "flash", q.s.printer(r).T("quickcount.drawn"))
	http.Redirect(w, r, fmt.Sprintf("/elections/%d/quickcount", e.ID), http.StatusSeeOther)
}

// sampleCSV writes the sample's stations, for observers' deployment and
// for anyone who redraws it to compare.
func (q *quickcounts) sampleCSV(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	var st quickcountStore
	if err == nil {
		st, err = q.store()
	}
	var s quickcount.Sample
	if err == nil {
		s, err = st.Sample(r.Context(), e.ID)
	}
	if err != nil {
		q.s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="quickcount-sample-%d.csv"`, e.ID))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"station", "stratum", "role", "rank"})
	for _, m := range s.Members {
		_ = cw.Write([]string{csvCell(m.Code), m.Stratum, m.Role, strconv.Itoa(m.Rank)})
	}
	cw.Flush()
}

// csvCell keeps a spreadsheet from reading a cell as a formula.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
		return "'" + v
	}
	return v
}

// API

type apiDesign struct {
	Margin       float64 `json:"margin"`
	Confidence   float64 `json:"confidence"`
	Turnout      float64 `json:"turnout"`
	ICC          float64 `json:"icc"`
	ReserveShare float64 `json:"reserve_share"`
	Stations     int     `json:"stations"`
	Seed         string  `json:"seed"`
}

type apiStratum struct {
	Stratum    string `json:"stratum"`
	Stations   int    `json:"stations"`
	Registered int64  `json:"registered_voters"`
	Sample     int    `json:"sample"`
	Reserve    int    `json:"reserve"`
}

type apiSampleSummary struct {
	Design           apiDesign    `json:"design"`
	Voters           float64      `json:"ndi_voters"`
	VotersPerStation float64      `json:"voters_per_station"`
	DesignEffect     float64      `json:"design_effect"`
	SizeStations     int          `json:"size_stations"`
	MedianVoters     int          `json:"median_registered_voters"`
	Sample           int          `json:"sample_stations"`
	Reserve          int          `json:"reserve_stations"`
	DrawnAt          time.Time    `json:"drawn_at"`
	Strata           []apiStratum `json:"strata"`
}

// round3 keeps three decimals, enough for percentages.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func toAPISample(s quickcount.Sample) apiSampleSummary {
	d := s.Design
	a := apiSampleSummary{Design: apiDesign{d.Margin, d.Confidence, d.Turnout, d.ICC, d.ReserveShare, d.Stations, d.Seed},
		Voters: round3(s.Size.Voters), VotersPerStation: round3(s.Size.VotersPerStation), DesignEffect: round3(s.Size.DesignEffect),
		SizeStations: s.Size.Stations, MedianVoters: s.Median, DrawnAt: s.DrawnAt, Strata: []apiStratum{}}
	a.Sample, a.Reserve = s.Counts()
	for _, st := range s.Strata {
		a.Strata = append(a.Strata, apiStratum{st.Key, st.Stations, st.Registered, st.Sample, st.Reserve})
	}
	return a
}

type apiValue struct {
	Percent  *float64 `json:"percent"`
	SE       float64  `json:"standard_error"`
	Margin95 float64  `json:"margin95"`
	Margin99 float64  `json:"margin99"`
}

func toAPIValue(v quickcount.Value) apiValue {
	if !v.OK {
		return apiValue{}
	}
	p := round3(v.Percent)
	return apiValue{Percent: &p, SE: round3(v.SE), Margin95: round3(v.Margin95), Margin99: round3(v.Margin99)}
}

type apiOfficial struct {
	Percent   float64 `json:"percent"`
	Outside95 bool    `json:"outside95"`
	Outside99 bool    `json:"outside99"`
}

func toAPIOfficial(o *quickcount.Official) *apiOfficial {
	if o == nil {
		return nil
	}
	return &apiOfficial{round3(o.Percent), o.Outside95, o.Outside99}
}

type apiShare struct {
	Option   string       `json:"option"`
	Estimate apiValue     `json:"estimate"`
	Official *apiOfficial `json:"official"`
}

type apiNonResponse struct {
	Sample           int                  `json:"sample_stations"`
	Reported         int                  `json:"reported"`
	ReservesReported int                  `json:"reserves_reported"`
	ResponseRate     float64              `json:"response_rate_percent"`
	Strata           int                  `json:"strata"`
	StrataReported   int                  `json:"strata_reported"`
	MissingStations  float64              `json:"missing_strata_stations_percent"`
	SizeBias         float64              `json:"size_bias_percent"`
	ByStratum        []apiStratumResponse `json:"by_stratum"`
}

type apiStratumResponse struct {
	Stratum  string `json:"stratum"`
	Stations int    `json:"stations"`
	Sample   int    `json:"sample"`
	Reported int    `json:"reported"`
}

type apiContestEstimate struct {
	Contest          int64          `json:"contest"`
	Name             string         `json:"name"`
	Turnout          apiValue       `json:"turnout"`
	OfficialTurnout  *apiOfficial   `json:"official_turnout"`
	OfficialStations int            `json:"official_stations"`
	Shares           []apiShare     `json:"shares"`
	NonResponse      apiNonResponse `json:"non_response"`
}

func (q *quickcounts) apiQuickCount(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	var est quickcount.Estimate
	var drawn bool
	if err == nil {
		est, drawn, err = q.estimate(r.Context(), e)
	}
	if err == nil && !drawn {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "no quick-count sample has been drawn for election %d", e.ID)
	}
	if err != nil {
		q.s.apiError(w, r, err)
		return
	}
	contests := make([]apiContestEstimate, 0, len(est.Contests))
	for _, c := range est.Contests {
		nr := c.NonResponse
		a := apiContestEstimate{Contest: c.Contest.ID, Name: c.Contest.Name, Turnout: toAPIValue(c.Turnout),
			OfficialTurnout: toAPIOfficial(c.OfficialTurnout), OfficialStations: c.OfficialStations, Shares: []apiShare{},
			NonResponse: apiNonResponse{nr.Sample, nr.Reported, nr.ReservesReported, round3(nr.Rate()), nr.Strata, nr.StrataReported,
				round3(nr.MissingStations), round3(nr.SizeBias), []apiStratumResponse{}}}
		for _, st := range nr.ByStratum {
			a.NonResponse.ByStratum = append(a.NonResponse.ByStratum, apiStratumResponse{st.Key, st.Stations, st.Sample, st.Reported})
		}
		for _, s := range c.Shares {
			a.Shares = append(a.Shares, apiShare{s.Option, toAPIValue(s.Value), toAPIOfficial(s.Official)})
		}
		contests = append(contests, a)
	}
	cv, err := q.st.SampleCoverage(r.Context(), e.ID)
	if err != nil {
		q.s.apiError(w, r, err)
		return
	}
	q.s.writeJSON(w, http.StatusOK, map[string]any{
		"as_of": est.AsOf.In(e.Location()).Truncate(time.Second), "protocols": est.Protocols,
		"sample": toAPISample(est.Sample), "contests": contests,
		"deployment": map[string]int{"sample": cv.Sample, "sample_covered": cv.SampleCovered, "reserve": cv.Reserve, "reserve_covered": cv.ReserveCovered},
	})
}

func (q *quickcounts) apiSample(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	var st quickcountStore
	if err == nil {
		st, err = q.store()
	}
	var s quickcount.Sample
	if err == nil {
		s, err = st.Sample(r.Context(), e.ID)
	}
	if err != nil {
		q.s.apiError(w, r, err)
		return
	}
	type member struct {
		Station string `json:"station"`
		Stratum string `json:"stratum"`
		Role    string `json:"role"`
		Rank    int    `json:"rank"`
	}
	list := make([]member, 0, len(s.Members))
	for _, m := range s.Members {
		list = append(list, member{m.Code, m.Stratum, m.Role, m.Rank})
	}
	q.s.writeJSON(w, http.StatusOK, map[string]any{"sample": toAPISample(s), "stations": list})
}

func (q *quickcounts) apiDrawSample(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	var in apiDesign
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var s quickcount.Sample
	if err == nil {
		s, err = q.draw(r, e, quickcount.Design{Margin: in.Margin, Confidence: in.Confidence, Turnout: in.Turnout, ICC: in.ICC,
			ReserveShare: in.ReserveShare, Stations: in.Stations, Seed: in.Seed})
	}
	if err != nil {
		q.s.apiError(w, r, err)
		return
	}
	q.s.writeJSON(w, http.StatusCreated, toAPISample(s))
}
