package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/tally"
)

// resultsShown bounds the discrepancies a page or an answer lists.
const resultsShown = 200

// results serves the count protocols tallied per contest, the import of
// official results and the discrepancy list (staff only).
type results struct {
	s  *Server
	st tally.ResultsStore // nil when the store keeps no results
}

func (s *Server) resultsRoutes() []route {
	rs := &results{s: s}
	rs.st, _ = s.cfg.Reports.(tally.ResultsStore)
	return []route{
		{pattern: "GET /elections/{id}/results", roles: staff, h: rs.showResults},
		{pattern: "POST /elections/{id}/results/official", roles: editors, h: rs.importOfficial},
		{pattern: "GET /api/v1/elections/{id}/results", roles: staff, api: true, h: rs.apiResults},
		{pattern: "POST /api/v1/elections/{id}/results/official", roles: editors, api: true, h: rs.apiImportOfficial},
	}
}

// load reads the election of the path and its results.
func (rs *results) load(r *http.Request) (tally.Results, error) {
	if rs.st == nil {
		return tally.Results{}, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no results")
	}
	e, err := rs.s.electionByPath(r)
	if err != nil {
		return tally.Results{}, err
	}
	return tally.LoadResults(r.Context(), rs.st, e, time.Now())
}

// discrepancyRow is a discrepancy with the station's incidents.
type discrepancyRow struct {
	tally.Discrepancy
	Contest   election.Contest
	Options   []string // the union of both protocols' options, in ballot order
	Incidents []report.IncidentReport
}

// rows adds the contest and the incidents of each station shown.
func (rs *results) rows(r *http.Request, res tally.Results) ([]discrepancyRow, error) {
	list := res.Discrepancies
	if len(list) > resultsShown {
		list = list[:resultsShown]
	}
	out := make([]discrepancyRow, 0, len(list))
	incidents := map[string][]report.IncidentReport{}
	for _, d := range list {
		row := discrepancyRow{Discrepancy: d}
		for _, c := range res.Election.Contests {
			if c.ID == d.Key.Contest {
				row.Contest = c
			}
		}
		row.Options = optionsOf(row.Contest, d.Observed, d.Official)
		inc, ok := incidents[d.Key.Station]
		if !ok {
			var err error
			inc, _, err = rs.s.cfg.Reports.Incidents(r.Context(), report.IncidentQuery{ElectionID: res.Election.ID, Station: d.Key.Station, Limit: 20})
			if err != nil {
				return nil, err
			}
			incidents[d.Key.Station] = inc
		}
		row.Incidents = inc
		out = append(out, row)
	}
	return out, nil
}

// optionsOf lists the contest's options, then any others the protocols
// name.
func optionsOf(c election.Contest, ps ...tally.Protocol) []string {
	out := append([]string(nil), c.Options...)
	seen := map[string]bool{}
	for _, o := range out {
		seen[o] = true
	}
	var extra []string
	for _, p := range ps {
		for o := range p.Votes {
			if !seen[o] {
				seen[o] = true
				extra = append(extra, o)
			}
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// resultsPage is what results.html shows.
type resultsPage struct {
	Results tally.Results
	Rows    []discrepancyRow
	Message string // an import's problems
}

// Pairs zips the observed and official tallies of each contest.
func (p resultsPage) Pairs() [][2]tally.ContestResult {
	out := make([][2]tally.ContestResult, len(p.Results.Observed))
	for i := range p.Results.Observed {
		out[i] = [2]tally.ContestResult{p.Results.Observed[i], p.Results.Official[i]}
	}
	return out
}

func (rs *results) showResults(w http.ResponseWriter, r *http.Request) {
	rs.render(w, r, http.StatusOK, "")
}

func (rs *results) render(w http.ResponseWriter, r *http.Request, status int, msg string) {
	res, err := rs.load(r)
	var rows []discrepancyRow
	if err == nil {
		rows, err = rs.rows(r, res)
	}
	if err != nil {
		rs.s.pageError(w, r, err)
		return
	}
	v := rs.s.newView(r, "results.title", resultsPage{Results: res, Rows: rows, Message: msg})
	rs.s.render(w, r, status, "results", v)
}

// importFile reads an official results file from a form upload or a
// text/csv or XLSX body and stores it.
func (rs *results) importFile(w http.ResponseWriter, r *http.Request) (int, error) {
	if rs.st == nil {
		return 0, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no results")
	}
	e, err := rs.s.electionByPath(r)
	if err != nil {
		return 0, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, rs.s.cfg.MaxUploadBytes+1<<20)
	var body io.Reader
	name := ""
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		part, err := filePart(r)
		if err != nil {
			return 0, err
		}
		defer part.Close()
		body, name = part, part.FileName()
	case strings.HasPrefix(ct, "text/csv"):
		body, name = r.Body, "results.csv"
	case strings.HasPrefix(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
		body, name = r.Body, "results.xlsx"
	default:
		return 0, baqylau.Errorf(baqylau.EINVALID, "send the results file as multipart/form-data (field \"file\"), text/csv or XLSX")
	}
	stations := map[string]election.Station{}
	for offset := 0; ; offset += 1000 {
		page, err := rs.s.cfg.Elections.Stations(r.Context(), election.StationQuery{ElectionID: e.ID, Limit: 1000, Offset: offset})
		if err != nil {
			return 0, err
		}
		for _, st := range page.Stations {
			stations[st.Code] = st
		}
		if len(page.Stations) < 1000 {
			break
		}
	}
	protocols, err := tally.ParseOfficialResults(body, name, e, func(code string, c election.Contest) bool {
		st, ok := stations[code]
		return ok && c.Serves(st)
	})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, baqylau.Errorf(baqylau.EINVALID, "file is larger than %d MB", rs.s.cfg.MaxUploadBytes>>20)
		}
		return 0, err
	}
	if err := rs.st.ReplaceOfficialResults(r.Context(), e.ID, protocols); err != nil {
		return 0, err
	}
	return len(protocols), nil
}

func (rs *results) importOfficial(w http.ResponseWriter, r *http.Request) {
	n, err := rs.importFile(w, r)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError || statusOf(err) == http.StatusNotFound {
			rs.s.pageError(w, r, err)
			return
		}
		rs.render(w, r, statusOf(err), rs.s.publicMessage(r, err))
		return
	}
	rs.s.sessions.Put(r.Context(), "flash", rs.s.printer(r).T("results.imported", "Count", n))
	http.Redirect(w, r, fmt.Sprintf("/elections/%s/results", r.PathValue("id")), http.StatusSeeOther)
}

func (rs *results) apiImportOfficial(w http.ResponseWriter, r *http.Request) {
	n, err := rs.importFile(w, r)
	if err != nil {
		rs.s.apiError(w, r, err)
		return
	}
	rs.s.writeJSON(w, http.StatusOK, map[string]int{"protocols": n})
}

type apiProtocol struct {
	Lines      map[string]int64 `json:"lines"`
	Votes      map[string]int64 `json:"votes"`
	ReportID   int64            `json:"report_id,omitempty"`
	ObservedAt *time.Time       `json:"observed_at,omitempty"`
}

func toAPIProtocol(p tally.Protocol) apiProtocol {
	a := apiProtocol{Lines: p.Lines, Votes: p.Votes, ReportID: p.ReportID}
	if !p.ObservedAt.IsZero() {
		t := p.ObservedAt
		a.ObservedAt = &t
	}
	return a
}

type apiContestResult struct {
	Contest  int64            `json:"contest"`
	Name     string           `json:"name"`
	Stations int              `json:"stations"`
	Lines    map[string]int64 `json:"lines"`
	Votes    map[string]int64 `json:"votes"`
}

func toAPIContests(list []tally.ContestResult) []apiContestResult {
	out := make([]apiContestResult, 0, len(list))
	for _, c := range list {
		out = append(out, apiContestResult{Contest: c.Contest.ID, Name: c.Contest.Name, Stations: c.Stations, Lines: c.Lines, Votes: c.Votes})
	}
	return out
}

type apiDiscrepancy struct {
	Station    string      `json:"station"`
	Contest    int64       `json:"contest"`
	Largest    int64       `json:"largest_difference"`
	Where      string      `json:"where"`
	Observed   apiProtocol `json:"observed"`
	Official   apiProtocol `json:"official"`
	Incidents  []int64     `json:"incidents"`
	StationURL string      `json:"station_url"`
}

func (rs *results) apiResults(w http.ResponseWriter, r *http.Request) {
	res, err := rs.load(r)
	var rows []discrepancyRow
	if err == nil {
		rows, err = rs.rows(r, res)
	}
	if err != nil {
		rs.s.apiError(w, r, err)
		return
	}
	list := make([]apiDiscrepancy, 0, len(rows))
	for _, d := range rows {
		ids := make([]int64, 0, len(d.Incidents))
		for _, i := range d.Incidents {
			ids = append(ids, i.ID)
		}
		list = append(list, apiDiscrepancy{Station: d.Key.Station, Contest: d.Key.Contest, Largest: d.Largest, Where: d.Where,
			Observed: toAPIProtocol(d.Observed), Official: toAPIProtocol(d.Official), Incidents: ids,
			StationURL: fmt.Sprintf("/elections/%d/stations/%s", res.Election.ID, d.Key.Station)})
	}
	rs.s.writeJSON(w, http.StatusOK, map[string]any{
		"as_of": res.AsOf.In(res.Election.Location()).Truncate(time.Second), "observed": toAPIContests(res.Observed),
		"official": toAPIContests(res.Official), "discrepancies": list, "discrepancies_total": len(res.Discrepancies),
		"official_only": res.OfficialOnly, "observed_only": res.ObservedOnly,
	})
}

// Lines are the protocol lines the page compares.
func (p resultsPage) Lines() []string { return tally.OfficialLines }

// Diff is observed minus official.
func (p resultsPage) Diff(observed, official int64) int64 { return observed - official }

// Clock writes when the results were read, HH:MM in the election's
// reference zone.
func (p resultsPage) Clock() string {
	return p.Results.AsOf.In(p.Results.Election.Location()).Format("15:04")
}
