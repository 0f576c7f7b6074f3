package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// decisionIn is the fixed decision contract {"action", "note"} of
// DESIGN.md, plus what some actions need and the version the decider saw
// (required to decide again on a decided, escalated or closed incident).
type decisionIn struct {
	Action      string `json:"action"`
	Note        string `json:"note"`
	Message     string `json:"message,omitempty"`
	DuplicateOf int64  `json:"duplicate_of,omitempty"`
	Version     int    `json:"version,omitempty"`
}

// claim takes an incident on for the current user and publishes it.
func (s *Server) claim(ctx context.Context, id int64) (triage.Case, error) {
	c, ts, err := s.hqCase(ctx, id)
	if err != nil {
		return c, err
	}
	u := currentUser(ctx)
	ch, err := triage.Claim(c, u.ID, national(u), time.Now())
	if err == nil {
		err = ts.Apply(ctx, &ch)
	}
	if err != nil {
		return c, err
	}
	s.publish(ctx, ch.After, triage.EventChanged)
	return ch.After, nil
}

// decide records a decision and publishes the change.
func (s *Server) decide(ctx context.Context, id int64, in decisionIn) (triage.Change, error) {
	c, ts, err := s.hqCase(ctx, id)
	if err != nil {
		return triage.Change{}, err
	}
	var target *triage.Case
	if triage.Action(in.Action) == triage.DuplicateOf && in.DuplicateOf != 0 {
		t, err := ts.Case(ctx, in.DuplicateOf)
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			return triage.Change{}, baqylau.Errorf(baqylau.EINVALID, "there is no incident %d to merge into", in.DuplicateOf)
		}
		if err != nil {
			return triage.Change{}, err
		}
		target = &t
	}
	u := currentUser(ctx)
	ch, err := triage.Decide(c, triage.Decision{Action: triage.Action(in.Action), Note: in.Note, Message: in.Message,
		DuplicateOf: in.DuplicateOf, By: u.ID}, in.Version, target, time.Now())
	if err == nil {
		err = ts.Apply(ctx, &ch)
	}
	if err != nil {
		return ch, err
	}
	s.publish(ctx, ch.After, triage.EventChanged)
	return ch, nil
}

// apiCase is an incident with its triage state in the API.
type apiCase struct {
	apiIncident
	Version         int        `json:"version"`
	ClaimedBy       int64      `json:"claimed_by,omitempty"`
	ClaimedAt       *time.Time `json:"claimed_at,omitempty"`
	FirstResponseAt *time.Time `json:"first_response_at,omitempty"`
	DueAt           time.Time  `json:"due_at"`
	Overdue         bool       `json:"overdue"`
	Escalated       bool       `json:"escalated"`
	DuplicateOf     int64      `json:"duplicate_of,omitempty"`
}

func toAPIIncident(i report.IncidentReport) apiIncident {
	flags := i.Flags
	if flags == nil {
		flags = []report.Flag{}
	}
	return apiIncident{ID: i.ID, Station: i.StationCode, Region: i.Region, Category: i.Category, Severity: string(i.Severity),
		Description: i.Description, Status: string(i.Status), Channel: string(i.Channel), ObservedAt: i.ObservedAt.UTC(),
		ReceivedAt: i.ReceivedAt.UTC(), Flags: flags}
}

func toAPICase(c triage.Case, now time.Time) apiCase {
	st := c.State()
	return apiCase{apiIncident: toAPIIncident(c.IncidentReport), Version: c.Version, ClaimedBy: c.ClaimedBy, ClaimedAt: st.ClaimedAt,
		FirstResponseAt: st.FirstResponseAt, DueAt: c.DueAt().UTC(), Overdue: c.Overdue(now), Escalated: c.Escalated, DuplicateOf: c.DuplicateOf}
}

// apiTriageError writes an error; a conflict also carries the incident as
// it is now, so that the client knows what happened and loses nothing.
func (s *Server) apiTriageError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *triage.ConflictError
	if !errors.As(err, &ce) {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		Incident apiCase `json:"incident"`
	}
	body.Error.Code, body.Error.Message, body.Incident = baqylau.ECONFLICT, baqylau.ErrorMessage(err), toAPICase(ce.Current, time.Now())
	s.writeJSON(w, http.StatusConflict, body)
}

// apiIncidentQueue is the regional queue of DESIGN.md: regional staff see
// their own region's (or the queue abroad), the national HQ all, most
// urgent first.
func (s *Server) apiIncidentQueue(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	f, err := parseHQFilter(u, r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit, offset, err := apiLimits(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ts, err := s.triageStore()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	q := f.query()
	q.Station, q.Limit, q.Offset = r.URL.Query().Get("station"), limit, offset
	list, total, err := ts.Cases(r.Context(), q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	now := time.Now()
	out := make([]apiCase, 0, len(list))
	for _, c := range list {
		out = append(out, toAPICase(c, now))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"total": total, "incidents": out})
}

func (s *Server) apiClaim(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.claim(r.Context(), id)
	if err != nil {
		s.apiTriageError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPICase(c, time.Now()))
}

func (s *Server) apiDecide(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in decisionIn
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	ch, err := s.decide(r.Context(), id, in)
	if err != nil {
		s.apiTriageError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"incident": toAPICase(ch.After, time.Now()), "decision": toAPIDecision(*ch.Decision, true)})
}

type apiDecision struct {
	ID          int64     `json:"id"`
	Action      string    `json:"action"`
	Note        string    `json:"note,omitempty"`
	Message     string    `json:"message,omitempty"`
	DuplicateOf int64     `json:"duplicate_of,omitempty"`
	By          int64     `json:"by,omitempty"`
	At          time.Time `json:"at"`
}

// toAPIDecision writes a decision; observers (staff false) see what was
// decided and the advice sent to them, not HQ's internal notes.
func toAPIDecision(d triage.Decision, staff bool) apiDecision {
	a := apiDecision{ID: d.ID, Action: string(d.Action), Message: d.Message, DuplicateOf: d.DuplicateOf, At: d.At.UTC()}
	if staff {
		a.Note, a.By = d.Note, d.By
	}
	return a
}

// apiGetIncident shows one incident with its outcome to the observer who
// reported it and to HQ staff of its region.
func (s *Server) apiGetIncident(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ts, err := s.triageStore()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := ts.Case(ctx, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u := currentUser(ctx)
	staff := u.Role != auth.Observer
	switch {
	case !staff && (u.ObserverID == 0 || c.ObserverID != u.ObserverID):
		s.apiError(w, r, baqylau.Errorf(baqylau.ENOTFOUND, "incident %d not found among your reports", id))
		return
	case staff && !inScope(u, c.Region):
		s.apiError(w, r, baqylau.Errorf(baqylau.EFORBIDDEN, "incident %d is not in the queue of %s", id, u.Region))
		return
	}
	ds, err := ts.Decisions(ctx, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		apiCase
		Decisions []apiDecision `json:"decisions"`
	}{toAPICase(c, time.Now()), []apiDecision{}}
	for _, d := range ds {
		out.Decisions = append(out.Decisions, toAPIDecision(d, staff))
	}
	s.writeJSON(w, http.StatusOK, out)
}

type apiAuditEntry struct {
	ID     int64           `json:"id"`
	UserID int64           `json:"user_id,omitempty"`
	Action string          `json:"action"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	At     time.Time       `json:"at"`
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
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
	list, err := ts.Audit(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiAuditEntry, 0, len(list))
	for _, e := range list {
		out = append(out, apiAuditEntry{ID: e.ID, UserID: e.UserID, Action: e.Action, Before: e.Before, After: e.After, At: e.At.UTC()})
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"audit": out})
}

func (s *Server) apiEvidenceList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, _, err := s.hqCase(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.cfg.Reports.EvidenceList(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, e := range list {
		out = append(out, map[string]any{"id": e.ID, "content_type": e.ContentType, "size": e.Size, "sha256": e.SHA256,
			"original_sha256": e.OriginalHash, "created_at": e.CreatedAt.UTC(),
			"url": "/api/v1/incidents/" + strconv.FormatInt(id, 10) + "/evidence/" + strconv.FormatInt(e.ID, 10)})
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"evidence": out})
}

// hqEvidence sends one piece of evidence (a photo already stripped of its
// metadata when it was stored) to staff of the incident's region.
func (s *Server) hqEvidence(w http.ResponseWriter, r *http.Request) {
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
	eid, err := pathID(r, "evidence")
	if err != nil {
		fail(err)
		return
	}
	if _, _, err := s.hqCase(r.Context(), id); err != nil {
		fail(err)
		return
	}
	e, data, err := s.cfg.Reports.EvidenceData(r.Context(), eid)
	if err == nil && e.IncidentID != id {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "incident %d has no evidence %d", id, eid)
	}
	if err != nil {
		fail(err)
		return
	}
	ext := ".bin"
	switch e.ContentType {
	case "image/jpeg":
		ext = ".jpg"
	case "image/png":
		ext = ".png"
	}
	h := w.Header()
	h.Set("Content-Type", e.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Disposition", "inline; filename=\"incident-"+strconv.FormatInt(id, 10)+"-"+strconv.FormatInt(eid, 10)+ext+"\"")
	h.Set("X-Evidence-SHA256", e.SHA256)
	if _, err := w.Write(data); err != nil {
		s.log.Debug("hq: send evidence", "err", err)
	}
}

// hqIncidentData is the incident page.
type hqIncidentData struct {
	Row          hqRow
	Election     election.Election
	Station      election.Station
	Evidence     []report.Evidence
	Reports      []report.Report
	Others       []report.IncidentReport
	Decisions    []decisionView
	Messages     []triage.ObserverMessage
	Complaints   []triage.Complaint
	Audit        []auditView
	Actions      []triage.Action
	LegalBases   []triage.LegalBasis
	LegalChecked bool
	CanClaim     bool
	Form         decisionIn
	Complaint    triage.Complaint // the draft form's defaults
	Error        string
}

type decisionView struct {
	triage.Decision
	ByName string
}

type auditView struct {
	triage.AuditEntry
	ByName string
}

// hqIncident shows an incident with everything needed to decide on it.
func (s *Server) hqIncident(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderIncident(w, r, id, http.StatusOK, decisionIn{}, nil)
}

func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, id int64, status int, form decisionIn, problem error) {
	ctx := r.Context()
	c, ts, err := s.hqCase(ctx, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := currentUser(ctx)
	v := s.newView(r, "hq.incident", nil)
	names := s.newUserNames(ctx)
	d := hqIncidentData{Row: s.row(v, names, c, time.Now()), Actions: triage.Actions, LegalBases: triage.LegalBases,
		LegalChecked: triage.LegalBasesChecked, Form: form}
	d.CanClaim = c.Status == triage.StatusNew || (c.Status == triage.StatusEscalated && national(u) && c.ClaimedBy != u.ID)
	if d.Form.Version == 0 {
		d.Form.Version = c.Version
	}
	if problem != nil {
		d.Error = s.publicMessage(r, problem)
	}
	load := func(fn func() error) {
		if err == nil {
			err = fn()
		}
	}
	load(func() (e error) { d.Election, e = s.cfg.Elections.Election(ctx, c.ElectionID); return })
	load(func() (e error) { d.Station, e = s.cfg.Elections.Station(ctx, c.ElectionID, c.StationCode); return })
	load(func() (e error) { d.Evidence, e = s.cfg.Reports.EvidenceList(ctx, id); return })
	load(func() (e error) {
		d.Reports, e = s.cfg.Reports.StationReports(ctx, c.ElectionID, c.StationCode)
		return
	})
	load(func() error {
		others, _, e := s.cfg.Reports.Incidents(ctx, report.IncidentQuery{ElectionID: c.ElectionID, Station: c.StationCode, Limit: 100})
		for _, o := range others {
			if o.ID != id {
				d.Others = append(d.Others, o)
			}
		}
		return e
	})
	load(func() error {
		ds, e := ts.Decisions(ctx, id)
		for _, x := range ds {
			d.Decisions = append(d.Decisions, decisionView{x, names.name(x.By)})
		}
		return e
	})
	load(func() (e error) { d.Messages, e = ts.ObserverMessages(ctx, id); return })
	load(func() (e error) { d.Complaints, e = ts.Complaints(ctx, id); return })
	load(func() error {
		list, e := ts.Audit(ctx, id)
		for _, x := range list {
			d.Audit = append(d.Audit, auditView{x, names.name(x.UserID)})
		}
		return e
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Complaint = triage.Complaint{Lang: "ru", Commission: "Участковая избирательная комиссия № " + c.StationCode, Facts: c.Description}
	if v.Lang == "kk" {
		d.Complaint.Lang, d.Complaint.Commission = "kk", "№ "+c.StationCode+" учаскелік сайлау комиссиясы"
	}
	v.Data = d
	s.render(w, r, status, "hq_incident", v)
}

func incidentURL(id int64) string { return "/hq/incidents/" + strconv.FormatInt(id, 10) }

func (s *Server) hqClaim(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.claim(r.Context(), id); err != nil {
		s.incidentFormError(w, r, id, decisionIn{}, err)
		return
	}
	s.flash(r, "hq.claimed")
	http.Redirect(w, r, incidentURL(id), http.StatusSeeOther)
}

func (s *Server) hqDecide(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "the form could not be read"))
		return
	}
	in := decisionIn{Action: r.PostFormValue("action"), Note: r.PostFormValue("note"), Message: r.PostFormValue("message")}
	if v := strings.TrimSpace(r.PostFormValue("duplicate_of")); v != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(v, "#"), 10, 64)
		if err != nil || n <= 0 {
			s.incidentFormError(w, r, id, in, baqylau.Errorf(baqylau.EINVALID, "duplicate_of must be an incident number"))
			return
		}
		in.DuplicateOf = n
	}
	if v := r.PostFormValue("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			s.incidentFormError(w, r, id, in, baqylau.Errorf(baqylau.EINVALID, "bad version"))
			return
		}
		in.Version = n
	}
	if _, err := s.decide(r.Context(), id, in); err != nil {
		s.incidentFormError(w, r, id, in, err)
		return
	}
	s.flash(r, "hq.decided")
	http.Redirect(w, r, incidentURL(id), http.StatusSeeOther)
}

// incidentFormError shows the incident page again as it is now, with the
// problem and what the user typed (a conflict loses nothing). Errors that
// are not about the form get the error page.
func (s *Server) incidentFormError(w http.ResponseWriter, r *http.Request, id int64, in decisionIn, err error) {
	switch status := statusOf(err); status {
	case http.StatusConflict, http.StatusUnprocessableEntity:
		in.Version = 0 // the form offers the current version
		s.renderIncident(w, r, id, status, in, err)
	default:
		s.pageError(w, r, err)
	}
}
