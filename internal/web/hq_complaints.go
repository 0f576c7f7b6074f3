package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// complaintIn drafts a complaint from an incident.
type complaintIn struct {
	Lang        string   `json:"lang"`
	Commission  string   `json:"commission"`
	Complainant string   `json:"complainant,omitempty"`
	Facts       string   `json:"facts,omitempty"` // default: the incident's description
	Articles    []string `json:"articles"`
}

// progressIn records a complaint's filing, answer and outcome.
type progressIn struct {
	FiledOn    string `json:"filed_on"`
	AnsweredOn string `json:"answered_on"`
	Outcome    string `json:"outcome"`
	Version    int    `json:"version"`
}

type apiComplaint struct {
	ID          int64     `json:"id"`
	Incident    int64     `json:"incident"`
	Lang        string    `json:"lang"`
	Commission  string    `json:"commission"`
	Complainant string    `json:"complainant,omitempty"`
	Facts       string    `json:"facts"`
	Articles    []string  `json:"articles"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	FiledOn     string    `json:"filed_on,omitempty"`
	AnsweredOn  string    `json:"answered_on,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Stage       string    `json:"stage"`
	Version     int       `json:"version"`
	PDF         string    `json:"pdf"`
}

func toAPIComplaint(c triage.Complaint) apiComplaint {
	return apiComplaint{ID: c.ID, Incident: c.IncidentID, Lang: c.Lang, Commission: c.Commission, Complainant: c.Complainant,
		Facts: c.Facts, Articles: c.Articles, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC(), FiledOn: c.FiledOn,
		AnsweredOn: c.AnsweredOn, Outcome: c.Outcome, Stage: c.Stage(), Version: c.Version,
		PDF: "/api/v1/complaints/" + strconv.FormatInt(c.ID, 10) + "/pdf"}
}

func (s *Server) createComplaint(ctx context.Context, incidentID int64, in complaintIn) (triage.Complaint, error) {
	c, ts, err := s.hqCase(ctx, incidentID)
	if err != nil {
		return triage.Complaint{}, err
	}
	cp := triage.Complaint{IncidentID: c.ID, Lang: in.Lang, Commission: in.Commission, Complainant: in.Complainant,
		Facts: in.Facts, Articles: in.Articles, CreatedBy: currentUser(ctx).ID}
	if strings.TrimSpace(cp.Facts) == "" {
		cp.Facts = c.Description
	}
	if err := triage.CheckComplaint(&cp); err != nil {
		return cp, err
	}
	if err := ts.CreateComplaint(ctx, &cp); err != nil {
		return cp, err
	}
	return cp, nil
}

// complaintInScope loads a complaint whose incident the user may see.
func (s *Server) complaintInScope(ctx context.Context, id int64) (triage.Complaint, triage.Case, triage.Store, error) {
	ts, err := s.triageStore()
	if err != nil {
		return triage.Complaint{}, triage.Case{}, nil, err
	}
	cp, err := ts.Complaint(ctx, id)
	if err != nil {
		return cp, triage.Case{}, ts, err
	}
	c, _, err := s.hqCase(ctx, cp.IncidentID)
	return cp, c, ts, err
}

func (s *Server) updateComplaint(ctx context.Context, id int64, in progressIn) (triage.Complaint, error) {
	cp, _, ts, err := s.complaintInScope(ctx, id)
	if err != nil {
		return cp, err
	}
	cp.FiledOn, cp.AnsweredOn, cp.Outcome = strings.TrimSpace(in.FiledOn), strings.TrimSpace(in.AnsweredOn), in.Outcome
	if in.Version != 0 {
		cp.Version = in.Version
	}
	if err := triage.CheckProgress(&cp); err != nil {
		return cp, err
	}
	if err := ts.UpdateComplaint(ctx, &cp, currentUser(ctx).ID); err != nil {
		return cp, err
	}
	return cp, nil
}

func (s *Server) apiCreateComplaint(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in complaintIn
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	cp, err := s.createComplaint(r.Context(), id, in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, toAPIComplaint(cp))
}

func (s *Server) apiComplaints(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	_, ts, err := s.hqCase(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := ts.Complaints(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiComplaint, 0, len(list))
	for _, c := range list {
		out = append(out, toAPIComplaint(c))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"complaints": out})
}

func (s *Server) apiUpdateComplaint(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in progressIn
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	cp, err := s.updateComplaint(r.Context(), id, in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPIComplaint(cp))
}

func (s *Server) hqCreateComplaint(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "the form could not be read"))
		return
	}
	in := complaintIn{Lang: r.PostFormValue("lang"), Commission: r.PostFormValue("commission"), Complainant: r.PostFormValue("complainant"),
		Facts: r.PostFormValue("facts"), Articles: r.PostForm["articles"]}
	if _, err := s.createComplaint(r.Context(), id, in); err != nil {
		s.incidentFormError(w, r, id, decisionIn{}, err)
		return
	}
	s.flash(r, "hq.complaint_drafted")
	http.Redirect(w, r, incidentURL(id)+"#complaints", http.StatusSeeOther)
}

func (s *Server) hqUpdateComplaint(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "the form could not be read"))
		return
	}
	in := progressIn{FiledOn: r.PostFormValue("filed_on"), AnsweredOn: r.PostFormValue("answered_on"), Outcome: r.PostFormValue("outcome")}
	if v := r.PostFormValue("version"); v != "" {
		if in.Version, err = strconv.Atoi(v); err != nil {
			s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "bad version"))
			return
		}
	}
	cp, err := s.updateComplaint(r.Context(), id, in)
	if err != nil {
		if cp.IncidentID != 0 && (statusOf(err) == http.StatusConflict || statusOf(err) == http.StatusUnprocessableEntity) {
			s.incidentFormError(w, r, cp.IncidentID, decisionIn{}, err)
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "hq.complaint_updated")
	http.Redirect(w, r, incidentURL(cp.IncidentID)+"#complaints", http.StatusSeeOther)
}

// hqComplaintPDF renders a complaint as a PDF in its language.
func (s *Server) hqComplaintPDF(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fail := func(err error) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.apiError(w, r, err)
		} else {
			s.pageError(w, r, err)
		}
	}
	id, err := pathID(r, "id")
	if err != nil {
		fail(err)
		return
	}
	cp, c, _, err := s.complaintInScope(ctx, id)
	if err != nil {
		fail(err)
		return
	}
	e, err := s.cfg.Elections.Election(ctx, c.ElectionID)
	if err != nil {
		fail(err)
		return
	}
	st, err := s.cfg.Elections.Station(ctx, c.ElectionID, c.StationCode)
	if err != nil {
		fail(err)
		return
	}
	p := s.cat.Printer(cp.Lang)
	observed := c.ObservedAt
	if loc, err := time.LoadLocation(st.TimeZone); err == nil {
		observed = observed.In(loc)
	} else if loc, err := time.LoadLocation(election.DefaultTimeZone); err == nil {
		observed = observed.In(loc)
	}
	category := c.Category
	if cat, ok := report.LookupCategory(c.Category); ok {
		category = cat.Label.In(cp.Lang)
	}
	today := time.Now()
	if loc, err := time.LoadLocation(election.DefaultTimeZone); err == nil {
		today = today.In(loc)
	}
	doc := triage.ComplaintDoc{Complaint: cp, IncidentID: c.ID, Election: e.Name, StationCode: st.Code, StationName: st.Name,
		StationAddress: strings.Trim(strings.Join([]string{st.City, st.Address}, ", "), ", "), Category: category,
		ObservedAt: p.DateTime(observed), Today: p.Date(today)}
	var buf bytes.Buffer
	if err := triage.RenderComplaint(&buf, doc); err != nil {
		fail(err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", "attachment; filename=\"complaint-"+strconv.FormatInt(cp.ID, 10)+"-"+cp.Lang+".pdf\"")
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.log.Debug("hq: send complaint", "err", err)
	}
}

// apiResponseTimes gives, per region in the user's scope, the median and
// 90th percentile of the time to first response, with the deadlines.
func (s *Server) apiResponseTimes(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	eid, err := queryID(r, "election")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ts, err := s.triageStore()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	raw, err := ts.ResponseTimes(r.Context(), eid)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	type regionOut struct {
		Region        string  `json:"region"`
		Responded     int     `json:"responded"`
		MedianSeconds float64 `json:"median_seconds"`
		P90Seconds    float64 `json:"p90_seconds"`
		Waiting       int     `json:"waiting"`
		Overdue       int     `json:"overdue"`
	}
	out := []regionOut{}
	for _, t := range triage.Summarize(raw, time.Now()) {
		if inScope(u, t.Region) {
			out = append(out, regionOut{Region: t.Region, Responded: t.Responded, MedianSeconds: t.Median.Seconds(),
				P90Seconds: t.P90.Seconds(), Waiting: t.Waiting, Overdue: t.Overdue})
		}
	}
	deadlines := map[string]float64{}
	for sev, d := range triage.ResponseDeadlines {
		deadlines[string(sev)] = d.Seconds()
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"deadlines_seconds": deadlines, "regions": out})
}

func (s *Server) apiLegalBases(w http.ResponseWriter, r *http.Request) {
	type basis struct {
		Code    string `json:"code"`
		Article string `json:"article"`
		TitleKK string `json:"title_kk"`
		TitleRU string `json:"title_ru"`
		TitleEN string `json:"title_en"`
	}
	out := []basis{}
	for _, b := range triage.LegalBases {
		out = append(out, basis{b.Code, b.Article, b.TitleKK, b.TitleRU, b.TitleEN})
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"law": "Constitutional Law of the Republic of Kazakhstan of 28 September 1995 No. 2464 \"On Elections in the Republic of Kazakhstan\"",
		"checked_by_lawyer": triage.LegalBasesChecked, "articles": out})
}
