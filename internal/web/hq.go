package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// The regional HQ: live incident queues, claims and decisions, evidence,
// complaints and the audit trail (internal/triage).
//
// Every route is for hqStaff, scoped by hqScope: regional staff see and
// act on their own region's incidents (or those abroad) only, the national
// HQ (admin, coordinator) on all. GET /api/v1/incidents/{id} also lets the
// observer who reported an incident read its outcome.
//
// New incidents reach the queues through the ingestion path: cmd wraps
// Config.Ingest in a triage.Notifying on Config.Live, so that every
// incident acknowledged as durable, from any channel, is published once.
// Changes made here are published by the handlers after they commit.
func (s *Server) hqRoutes() []route {
	return []route{
		{pattern: "GET /hq", roles: hqStaff, h: s.hqQueue},
		{pattern: "GET /hq/events", roles: hqStaff, h: s.hqEvents},
		{pattern: "GET /hq/incidents/{id}", roles: hqStaff, h: s.hqIncident},
		{pattern: "POST /hq/incidents/{id}/claim", roles: hqStaff, h: s.hqClaim},
		{pattern: "POST /hq/incidents/{id}/decision", roles: hqStaff, h: s.hqDecide},
		{pattern: "GET /hq/incidents/{id}/evidence/{evidence}", roles: hqStaff, h: s.hqEvidence},
		{pattern: "POST /hq/incidents/{id}/complaints", roles: hqStaff, h: s.hqCreateComplaint},
		{pattern: "POST /hq/complaints/{id}", roles: hqStaff, h: s.hqUpdateComplaint},
		{pattern: "GET /hq/complaints/{id}/pdf", roles: hqStaff, h: s.hqComplaintPDF},

		{pattern: "GET /api/v1/hq/incidents", roles: hqStaff, api: true, h: s.apiIncidentQueue},
		{pattern: "GET /api/v1/hq/response-times", roles: hqStaff, api: true, h: s.apiResponseTimes},
		{pattern: "GET /api/v1/hq/legal-bases", roles: hqStaff, api: true, h: s.apiLegalBases},
		{pattern: "GET /api/v1/incidents/{id}", roles: incidentReaders, api: true, h: s.apiGetIncident},
		{pattern: "POST /api/v1/incidents/{id}/claim", roles: hqStaff, api: true, h: s.apiClaim},
		{pattern: "POST /api/v1/incidents/{id}/decision", roles: hqStaff, api: true, h: s.apiDecide},
		{pattern: "GET /api/v1/incidents/{id}/audit", roles: hqStaff, api: true, h: s.apiAudit},
		{pattern: "GET /api/v1/incidents/{id}/evidence", roles: hqStaff, api: true, h: s.apiEvidenceList},
		{pattern: "GET /api/v1/incidents/{id}/evidence/{evidence}", roles: hqStaff, api: true, h: s.hqEvidence},
		{pattern: "GET /api/v1/incidents/{id}/complaints", roles: hqStaff, api: true, h: s.apiComplaints},
		{pattern: "POST /api/v1/incidents/{id}/complaints", roles: hqStaff, api: true, h: s.apiCreateComplaint},
		{pattern: "POST /api/v1/complaints/{id}", roles: hqStaff, api: true, h: s.apiUpdateComplaint},
		{pattern: "GET /api/v1/complaints/{id}/pdf", roles: hqStaff, api: true, h: s.hqComplaintPDF},
	}
}

// incidentReaders read one incident: HQ staff in scope, and the observer
// who reported it.
var incidentReaders = append([]auth.Role{auth.Observer}, hqStaff...)

// triageStore is where triage state is kept.
func (s *Server) triageStore() (triage.Store, error) {
	if s.cfg.Triage != nil {
		return s.cfg.Triage, nil
	}
	if ts, ok := s.cfg.Reports.(triage.Store); ok {
		return ts, nil
	}
	return nil, baqylau.Errorf(baqylau.EINTERNAL, "web: no triage store configured")
}

// national reports whether u works at the national HQ (sees every queue).
func national(u *auth.User) bool { return !u.Role.Regional() }

// inScope reports whether u may see incidents of a region queue.
func inScope(u *auth.User, region string) bool { return national(u) || u.Region == region }

// hqCase loads an incident for a staff user, refusing one outside their
// region.
func (s *Server) hqCase(ctx context.Context, id int64) (triage.Case, triage.Store, error) {
	ts, err := s.triageStore()
	if err != nil {
		return triage.Case{}, nil, err
	}
	c, err := ts.Case(ctx, id)
	if err != nil {
		return c, ts, err
	}
	if u := currentUser(ctx); !inScope(u, c.Region) {
		return triage.Case{}, ts, baqylau.Errorf(baqylau.EFORBIDDEN, "incident %d is not in the queue of %s", id, u.Region)
	}
	return c, ts, nil
}

// publish tells every HQ page that an incident changed. A failure is
// logged: the change is committed, and pages catch up on reconnect.
func (s *Server) publish(ctx context.Context, c triage.Case, kind string) {
	if s.cfg.Live == nil {
		return
	}
	at := c.ChangedAt
	if at.IsZero() {
		at = time.Now().UTC()
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.cfg.Live.Publish(pctx, triage.Event{ID: c.ID, Region: c.Region, Kind: kind, At: at}); err != nil {
		s.log.Error("hq: publish", "incident", c.ID, "err", err)
	}
}

// hqFilter is the queue a page or stream shows.
type hqFilter struct {
	Region   string // "" for all (national HQ only)
	Status   report.IncidentStatus
	Severity report.Severity
	National bool // only escalated incidents
	Election int64
}

// parseHQFilter reads a queue filter from a query, scoped to the user.
func parseHQFilter(u *auth.User, q url.Values) (hqFilter, error) {
	region, err := queueScope(u, q.Get("region"))
	if err != nil {
		return hqFilter{}, err
	}
	f := hqFilter{Region: region, Status: report.IncidentStatus(q.Get("status")), Severity: report.Severity(q.Get("severity")),
		National: q.Get("queue") == "national"}
	if f.Status != "" && !validStatus(f.Status) {
		return f, baqylau.Errorf(baqylau.EINVALID, "unknown status %q", f.Status)
	}
	if f.Severity != "" && !f.Severity.Valid() {
		return f, baqylau.Errorf(baqylau.EINVALID, "unknown severity %q", f.Severity)
	}
	if v := q.Get("election"); v != "" {
		if f.Election, err = strconv.ParseInt(v, 10, 64); err != nil || f.Election <= 0 {
			return f, baqylau.Errorf(baqylau.EINVALID, "election must be an id")
		}
	}
	return f, nil
}

func validStatus(st report.IncidentStatus) bool {
	for _, x := range triage.Statuses {
		if st == x {
			return true
		}
	}
	return false
}

// query turns the filter into a store query.
func (f hqFilter) query() triage.Query {
	q := triage.Query{ElectionID: f.Election, Region: f.Region, Status: f.Status, Severity: f.Severity}
	if f.National {
		yes := true
		q.Escalated = &yes
	}
	return q
}

// matches reports whether c belongs on a page showing f.
func (f hqFilter) matches(c triage.Case) bool {
	return (f.Region == "" || c.Region == f.Region) && (f.Status == "" || c.Status == f.Status) &&
		(f.Severity == "" || c.Severity == f.Severity) && (!f.National || c.Escalated) &&
		(f.Election == 0 || c.ElectionID == f.Election)
}

// values writes the filter back as a query string.
func (f hqFilter) values(u *auth.User) url.Values {
	v := url.Values{}
	if f.Region != "" && national(u) {
		v.Set("region", f.Region)
	}
	if f.Status != "" {
		v.Set("status", string(f.Status))
	}
	if f.Severity != "" {
		v.Set("severity", string(f.Severity))
	}
	if f.National {
		v.Set("queue", "national")
	}
	if f.Election != 0 {
		v.Set("election", strconv.FormatInt(f.Election, 10))
	}
	return v
}

// hqRow is one incident as a queue shows it.
type hqRow struct {
	V         *view
	C         triage.Case
	Category  string
	Due       time.Time
	Overdue   bool
	ClaimedBy string
}

// userNames looks up staff e-mails once per request.
type userNames struct {
	s     *Server
	ctx   context.Context
	names map[int64]string
}

func (n *userNames) name(id int64) string {
	if id == 0 {
		return ""
	}
	if v, ok := n.names[id]; ok {
		return v
	}
	name := "#" + strconv.FormatInt(id, 10)
	if u, err := n.s.cfg.Users.User(n.ctx, id); err == nil {
		name = u.Email
	} else if baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
		n.s.log.Warn("hq: user name", "user", id, "err", err)
	}
	n.names[id] = name
	return name
}

func (s *Server) newUserNames(ctx context.Context) *userNames {
	return &userNames{s: s, ctx: ctx, names: map[int64]string{}}
}

func (s *Server) row(v *view, names *userNames, c triage.Case, now time.Time) hqRow {
	label := c.Category
	if cat, ok := report.LookupCategory(c.Category); ok {
		label = cat.Label.In(v.Lang)
	}
	return hqRow{V: v, C: c, Category: label, Due: c.DueAt(), Overdue: c.Overdue(now), ClaimedBy: names.name(c.ClaimedBy)}
}

// hqQueueData is the queue page.
type hqQueueData struct {
	Filter     hqFilter
	Rows       []hqRow
	Total      int
	Statuses   []report.IncidentStatus
	Severities []report.Severity
	Regions    []string // regions the user may pick (national HQ)
	Events     string   // URL of the live stream
	Refresh    string   // URL of this page, for browsers without scripts
	Times      []triage.Times
	Live       bool
}

func (s *Server) hqQueue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := currentUser(ctx)
	f, err := parseHQFilter(u, r.URL.Query())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ts, err := s.triageStore()
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	list, total, err := ts.Cases(ctx, func() triage.Query { q := f.query(); q.Limit = 200; return q }())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "hq.title", nil)
	now := time.Now()
	names := s.newUserNames(ctx)
	d := hqQueueData{Filter: f, Total: total, Statuses: triage.Statuses, Severities: report.Severities, Live: s.cfg.Live != nil}
	for _, c := range list {
		d.Rows = append(d.Rows, s.row(v, names, c, now))
	}
	qs := f.values(u).Encode()
	d.Events, d.Refresh = "/hq/events", "/hq"
	if qs != "" {
		d.Events += "?" + qs
		d.Refresh += "?" + qs
	}
	if raw, err := ts.ResponseTimes(ctx, f.Election); err != nil {
		s.log.Error("hq: response times", "err", err)
	} else {
		for _, t := range triage.Summarize(raw, now) {
			if inScope(u, t.Region) {
				d.Times = append(d.Times, t)
			}
		}
	}
	if national(u) {
		d.Regions = append(d.Regions, report.RegionAbroad)
		for _, reg := range v.RegionsOn(time.Time{}) {
			d.Regions = append(d.Regions, reg.Code)
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "hq", v)
}
