package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/chart"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/forensics"
	"github.com/baqylau/baqylau/internal/tally"
)

// Sources of a forensics analysis.
const (
	sourceObserved = "observed" // the observers' count protocols
	sourceOfficial = "official" // the official results imported
	sourceUpload   = "upload"   // a results file uploaded for the analysis only
)

// forensicsRun is one analysis with what it was run on.
type forensicsRun struct {
	Election election.Election
	Contest  election.Contest
	Source   string
	Leader   string
	Result   forensics.Result
	AsOf     time.Time
}

// loadForensics analyses the election's observed or official protocols of
// one contest (the first when none is asked for).
func (q *quickcounts) loadForensics(r *http.Request, e election.Election, source string, protocols map[tally.ProtocolKey]tally.Protocol) (forensicsRun, error) {
	// Read from the URL only: an upload's body is the file.
	query := r.URL.Query()
	run := forensicsRun{Election: e, Source: source, AsOf: time.Now()}
	if len(e.Contests) == 0 {
		return run, baqylau.Errorf(baqylau.EINVALID, "the election has no contests to analyse")
	}
	run.Contest = e.Contests[0]
	if v := query.Get("contest"); v != "" {
		found := false
		for _, c := range e.Contests {
			if strconv.FormatInt(c.ID, 10) == v {
				run.Contest, found = c, true
			}
		}
		if !found {
			return run, baqylau.Errorf(baqylau.EINVALID, "contest %q is not a contest of this election", v)
		}
	}
	st, err := q.store()
	if err != nil {
		return run, err
	}
	all, err := st.AllStations(r.Context(), e.ID)
	if err != nil {
		return run, err
	}
	stations := make(map[string]election.Station, len(all))
	for _, s := range all {
		stations[s.Code] = s
	}
	if protocols == nil {
		switch source {
		case sourceOfficial:
			protocols, err = st.OfficialResults(r.Context(), e.ID)
		case sourceObserved:
			rs, rerr := st.CountReports(r.Context(), e.ID)
			protocols, err = tally.LatestProtocols(rs), rerr
		default:
			return run, baqylau.Errorf(baqylau.EINVALID, "source must be %q or %q", sourceObserved, sourceOfficial)
		}
		if err != nil {
			return run, err
		}
	}
	list, leader := forensics.FromProtocols(run.Contest, stations, protocols)
	run.Leader = leader
	// The seed is the election's id: the same data give the same p-values.
	run.Result = forensics.Analyze(list, forensics.Options{Seed: uint64(e.ID)})
	return run, nil
}

// forensicsPage is what forensics.html shows.
type forensicsPage struct {
	forensicsRun
	Turnout, Fine, Density template.HTML
	Message                string
}

// P writes a p-value.
func (forensicsPage) P(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// Pct writes a percentage with one decimal.
func (forensicsPage) Pct(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Flagged reports whether a p-value is below 0.01.
func (forensicsPage) Flagged(p float64) bool { return p < 0.01 }

func (q *quickcounts) forensicsPage(r *http.Request, run forensicsRun) forensicsPage {
	p := q.s.printer(r)
	res := run.Result
	page := forensicsPage{forensicsRun: run}
	marks := make([]float64, 0, 21)
	for m := 0.0; m <= 100; m += 5 {
		marks = append(marks, m)
	}
	page.Turnout = template.HTML(chart.Histogram{ID: "turnout-hist", Title: p.T("forensics.turnout_title"), Desc: p.T("forensics.turnout_desc"),
		XAxis: p.T("forensics.axis_turnout"), YAxis: p.T("forensics.axis_stations"), Counts: res.Turnout[:], From: 0, To: 100}.SVG())
	page.Fine = template.HTML(chart.Histogram{ID: "fine-hist", Title: p.T("forensics.fine_title"), Desc: p.T("forensics.fine_desc"),
		XAxis: p.T("forensics.axis_turnout"), YAxis: p.T("forensics.axis_stations"), Counts: res.Fine[:], From: 0, To: 100, Marks: marks}.SVG())
	cells := make([][]int, forensics.DensityBins)
	for i := range cells {
		cells[i] = res.Density[i][:]
	}
	page.Density = template.HTML(chart.Density{ID: "density", Title: p.T("forensics.density_title"), Desc: p.T("forensics.density_desc"),
		XAxis: p.T("forensics.axis_turnout"), YAxis: p.T("forensics.axis_leader", "Leader", run.Leader), Cells: cells}.SVG())
	return page
}

func (q *quickcounts) showForensics(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	if err != nil {
		q.s.pageError(w, r, err)
		return
	}
	source := r.URL.Query().Get("source")
	if source == "" {
		source = sourceObserved
	}
	run, err := q.loadForensics(r, e, source, nil)
	if err != nil {
		q.s.pageError(w, r, err)
		return
	}
	q.s.render(w, r, http.StatusOK, "forensics", q.s.newView(r, "forensics.title", q.forensicsPage(r, run)))
}

// uploadForensics analyses a results file (the official results format,
// docs/results-file.md) without storing it.
func (q *quickcounts) uploadForensics(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	if err != nil {
		q.s.pageError(w, r, err)
		return
	}
	fail := func(err error) {
		if statusOf(err) >= 500 || statusOf(err) == http.StatusNotFound {
			q.s.pageError(w, r, err)
			return
		}
		run, lerr := q.loadForensics(r, e, sourceObserved, nil)
		if lerr != nil {
			q.s.pageError(w, r, lerr)
			return
		}
		page := q.forensicsPage(r, run)
		page.Message = q.s.publicMessage(r, err)
		q.s.render(w, r, statusOf(err), "forensics", q.s.newView(r, "forensics.title", page))
	}
	st, err := q.store()
	if err != nil {
		fail(err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, q.s.cfg.MaxUploadBytes+1<<20)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		fail(baqylau.Errorf(baqylau.EINVALID, "send the results file as multipart/form-data (field \"file\")"))
		return
	}
	part, err := filePart(r)
	if err != nil {
		fail(err)
		return
	}
	defer part.Close()
	all, err := st.AllStations(r.Context(), e.ID)
	if err != nil {
		fail(err)
		return
	}
	stations := make(map[string]election.Station, len(all))
	for _, s := range all {
		stations[s.Code] = s
	}
	list, err := tally.ParseOfficialResults(io.Reader(part), part.FileName(), e, func(code string, c election.Contest) bool {
		s, ok := stations[code]
		return ok && c.Serves(s)
	})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = baqylau.Errorf(baqylau.EINVALID, "file is larger than %d MB", q.s.cfg.MaxUploadBytes>>20)
		}
		fail(err)
		return
	}
	protocols := make(map[tally.ProtocolKey]tally.Protocol, len(list))
	for _, p := range list {
		protocols[tally.ProtocolKey{Station: p.Station, Contest: p.Contest}] = p
	}
	run, err := q.loadForensics(r, e, sourceUpload, protocols)
	if err != nil {
		fail(err)
		return
	}
	q.s.render(w, r, http.StatusOK, "forensics", q.s.newView(r, "forensics.title", q.forensicsPage(r, run)))
}

type apiIntegerTest struct {
	Stations     int     `json:"stations"`
	Observed     int     `json:"observed"`
	Expected     float64 `json:"expected"`
	Excess       float64 `json:"excess"`
	P            float64 `json:"p_value"`
	Replications int     `json:"replications"`
}

func toAPIInteger(t forensics.IntegerTest) apiIntegerTest {
	return apiIntegerTest{t.Stations, t.Observed, round3(t.Expected), round3(t.Excess()), round3(t.P), t.Replications}
}

func (q *quickcounts) apiForensics(w http.ResponseWriter, r *http.Request) {
	e, err := q.s.electionByPath(r)
	source := r.URL.Query().Get("source")
	if source == "" {
		source = sourceObserved
	}
	var run forensicsRun
	if err == nil {
		run, err = q.loadForensics(r, e, source, nil)
	}
	if err != nil {
		q.s.apiError(w, r, err)
		return
	}
	res := run.Result
	type region struct {
		Region      string         `json:"region"`
		Stations    int            `json:"stations"`
		Turnout     float64        `json:"turnout_percent"`
		LeaderShare float64        `json:"leader_share_percent"`
		Integer     apiIntegerTest `json:"integer_percentages"`
	}
	regions := make([]region, 0, len(res.Regions))
	for _, g := range res.Regions {
		regions = append(regions, region{g.Region, g.Stations, round3(g.Turnout), round3(g.LeaderShare), toAPIInteger(g.Integer)})
	}
	q.s.writeJSON(w, http.StatusOK, map[string]any{
		"as_of": run.AsOf.In(e.Location()).Truncate(time.Second), "source": run.Source, "contest": run.Contest.ID,
		"leader": run.Leader, "stations": res.Stations, "stations_used": res.Used, "min_voters": res.Options.MinVoters,
		"seed": fmt.Sprint(res.Options.Seed), "turnout_percent": round3(res.TotalTurnout), "leader_share_percent": round3(res.TotalLeaderShare),
		"turnout_histogram": res.Turnout[:], "integer_percentages": toAPIInteger(res.Integer), "regions": regions,
	})
}
