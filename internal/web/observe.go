package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/locale"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
)

// The observer's election-day pages: one page per station with a button
// for each form, and the forms themselves. They are plain HTML forms that
// work without JavaScript; observe.js adds an outbox on the device so that
// reports typed without a connection are sent when it returns, and sw.js
// keeps the pages at hand offline.

func (s *Server) observeRoutes() []route {
	return []route{
		{pattern: "GET /observe/sw.js", roles: public, h: s.serviceWorker},
		{pattern: "GET /observe/{id}/{code}", roles: reporters, h: s.showObserveStation},
		{pattern: "GET /observe/{id}/{code}/{form}", roles: reporters, h: s.showObserveForm},
		{pattern: "POST /observe/{id}/{code}/{form}", roles: reporters, h: s.submitObserveForm},
		{pattern: "POST /observe/incidents/{id}/evidence", roles: reporters, h: s.addIncidentEvidence},
	}
}

// serviceWorker serves sw.js from /observe/ so that its scope covers the
// observer's pages; it is revalidated on every load, so that a new
// version reaches the devices.
func (s *Server) serviceWorker(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/sw.js")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/observe/")
	if _, err := w.Write(b); err != nil {
		s.log.Debug("write sw.js", "err", err)
	}
}

// observePlace is the election and station an observer page is for.
type observePlace struct {
	Election election.Election
	Station  election.Station
	// Zone is the station's time zone: times on the pages are local.
	Zone *time.Location
	// Desk is true for admins and coordinators, who may enter reports
	// for any station on an observer's behalf.
	Desk bool
	// URL is the station page's path.
	URL string
}

// observePlace finds the election and station of the request's path and
// checks that the user may report there: an observer only for an assigned
// station (refused before the station is even looked up), the desk for
// any.
func (s *Server) observePlace(r *http.Request) (observePlace, error) {
	ctx := r.Context()
	e, err := s.electionByPath(r)
	if err != nil {
		return observePlace{}, err
	}
	code := r.PathValue("code")
	u := currentUser(ctx)
	p := observePlace{Election: e, Desk: u.Role != auth.Observer}
	if !p.Desk {
		if err := s.checkAssigned(ctx, u, e.ID, code); err != nil {
			return p, err
		}
	}
	if p.Station, err = s.cfg.Elections.Station(ctx, e.ID, code); err != nil {
		return p, err
	}
	if p.Zone, err = election.LoadZone(p.Station.TimeZone); err != nil {
		return p, err
	}
	p.URL = "/observe/" + strconv.FormatInt(e.ID, 10) + "/" + p.Station.Code
	return p, nil
}

// checkAssigned refuses an observer who is not assigned to the station.
func (s *Server) checkAssigned(ctx context.Context, u *auth.User, electionID int64, station string) error {
	if u.ObserverID == 0 {
		return baqylau.Errorf(baqylau.EFORBIDDEN, "this account is not an accredited observer")
	}
	_, n, err := s.cfg.People.Assignments(ctx, people.AssignmentQuery{ElectionID: electionID, ObserverID: u.ObserverID, StationCode: station, Limit: 1})
	if err != nil {
		return err
	}
	if n == 0 {
		return baqylau.Errorf(baqylau.EFORBIDDEN, "you are not assigned to station %s", station)
	}
	return nil
}

// sentByMe reports whether a report or incident is the user's own: sent
// by the observer, or typed in by this desk user.
func sentByMe(u *auth.User, observerID, enteredBy int64) bool {
	if u.Role == auth.Observer {
		return observerID == u.ObserverID && enteredBy == 0
	}
	return enteredBy == u.ID
}

type observeStationData struct {
	observePlace
	Forms []observeFormLink
	Sent  []observeSent
}

type observeFormLink struct {
	Code  report.FormCode
	Title string
}

// observeSent is one line of what the user has sent for the station.
type observeSent struct {
	Title      string
	At         time.Time
	Summary    string
	Receipt    string
	Flags      []string
	IncidentID int64
	Photos     int
	// HQStatus and Advice are what the regional HQ made of an incident:
	// the observer sees the outcome and any advice sent back.
	HQStatus string
	Advice   []string

	// FullReceipt links to the log's inclusion check (ledger.go).
	FullReceipt string
}

// observeForms are the forms in the order of election day.
var observeForms = []report.FormCode{report.Opening, report.Turnout, report.Closing, report.Count, report.Incident}

func (s *Server) showObserveStation(w http.ResponseWriter, r *http.Request) {
	p, err := s.observePlace(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	pr := s.printer(r)
	u := currentUser(ctx)
	d := observeStationData{observePlace: p}
	for _, code := range observeForms {
		if f, ok := s.submit.Form(code); ok {
			d.Forms = append(d.Forms, observeFormLink{Code: code, Title: f.Title.In(pr.Lang)})
		}
	}
	reps, err := s.cfg.Reports.StationReports(ctx, p.Election.ID, p.Station.Code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, rep := range reps {
		if !sentByMe(u, rep.ObserverID, rep.EnteredBy) {
			continue
		}
		f, _ := s.submit.Form(rep.Form)
		d.Sent = append(d.Sent, observeSent{Title: f.Title.In(pr.Lang), At: rep.ObservedAt.In(p.Zone), Summary: reportSummary(pr, p.Election, rep),
			Receipt: shortReceipt(rep.Receipt), FullReceipt: rep.Receipt, Flags: flagWords(pr, rep.Flags)})
	}
	incs, _, err := s.cfg.Reports.Incidents(ctx, report.IncidentQuery{ElectionID: p.Election.ID, Station: p.Station.Code, Limit: 500})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	incForm, _ := s.submit.Form(report.Incident)
	for _, inc := range incs {
		if !sentByMe(u, inc.ObserverID, inc.EnteredBy) {
			continue
		}
		ev, err := s.cfg.Reports.EvidenceList(ctx, inc.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		summary := inc.Category
		if c, ok := report.LookupCategory(inc.Category); ok {
			summary = c.Label.In(pr.Lang)
		}
		summary += " · " + inc.Severity.Label().In(pr.Lang)
		sent := observeSent{Title: incForm.Title.In(pr.Lang), At: inc.ObservedAt.In(p.Zone), Summary: summary,
			Receipt: shortReceipt(inc.Receipt), FullReceipt: inc.Receipt, Flags: flagWords(pr, inc.Flags), IncidentID: inc.ID, Photos: len(ev),
			HQStatus: pr.T("hq.status." + string(inc.Status))}
		if ts, err := s.triageStore(); err == nil {
			msgs, err := ts.ObserverMessages(ctx, inc.ID)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			for _, m := range msgs {
				sent.Advice = append(sent.Advice, m.Body)
			}
		}
		d.Sent = append(d.Sent, sent)
	}
	slices.SortStableFunc(d.Sent, func(a, b observeSent) int { return b.At.Compare(a.At) })
	s.render(w, r, http.StatusOK, "observe", s.newView(r, "observe.title", d))
}

// shortReceipt is the part of a receipt an observer can read out on the
// phone.
func shortReceipt(r string) string {
	if len(r) > 8 {
		return r[:8]
	}
	return r
}

// flagWords says what the rules found doubtful, in the page's language.
func flagWords(p *locale.Printer, flags []report.Flag) []string {
	var out []string
	for _, f := range flags {
		id := "observe.flag." + f.Code
		w := p.T(id)
		switch {
		case w == id:
			w = f.Message
		case f.Code == report.FlagArithmetic:
			w += ": " + f.Message
		}
		out = append(out, w)
	}
	return out
}

// reportSummary is the gist of a report for the list of what was sent.
func reportSummary(p *locale.Printer, e election.Election, rep report.Report) string {
	switch rep.Form {
	case report.Turnout:
		return p.T("observe.summary_turnout", "Checkpoint", answerText(rep.Answers[report.QCheckpoint]), "Cast", answerInt(rep.Answers[report.QBallotsCast]))
	case report.Closing:
		return p.T("observe.summary_closing", "Cast", answerInt(rep.Answers[report.QBallotsCast]))
	case report.Count:
		id := answerInt(rep.Answers[report.QContest])
		for _, c := range e.Contests {
			if c.ID == id {
				return c.Name
			}
		}
	}
	return ""
}

// sentFlash is the message shown after a form was sent: the receipt and
// what the rules flagged.
func sentFlash(p *locale.Printer, ack report.Ack, extra ...string) string {
	id := "observe.sent"
	if ack.Duplicate {
		id = "observe.sent_before"
	}
	msg := p.T(id, "Receipt", shortReceipt(ack.Receipt))
	if words := flagWords(p, ack.Flags); len(words) > 0 {
		msg += " " + p.T("observe.flagged", "Flags", strings.Join(words, "; "))
	}
	for _, e := range extra {
		msg += " " + e
	}
	return msg
}
