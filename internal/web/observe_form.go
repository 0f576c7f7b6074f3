package web

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/locale"
	"github.com/baqylau/baqylau/internal/report"
)

// Field names of the observer's forms besides the answers, which are
// named fieldPrefix + question id.
const (
	fieldPrefix   = "a_"
	fieldVotes    = "a_votes."
	fieldTime     = "observed_time"
	fieldPhoto    = "photo"
	fieldClientID = "client_id"
	fieldObserver = "observer"
)

// observeFormData is what observe_form.html shows: a form rendered from
// its definition, with what was typed and the errors next to the fields.
type observeFormData struct {
	observePlace
	Code  report.FormCode
	Title string
	// Action is where the form posts without JavaScript; API is where
	// observe.js sends the same answers as JSON.
	Action, API string
	ClientID    string
	Fields      []observeField
	Error       string
	// PickContest asks first which contest a count protocol is for.
	PickContest bool
	Contests    []election.Contest
	Contest     *election.Contest
	Observer    string // desk: the observer's accreditation number
	Multipart   bool
}

// observeField is one question as the page shows it.
type observeField struct {
	ID, Name string
	// Kind is a question kind, or "hidden" (the count's contest) or
	// "photo".
	Kind        string
	Label, Help string
	Required    bool
	Value       string
	Choices     []observeChoice
	Votes       []observeVote
	Error       string
	// Big lays out choices as one big button a line (the checkpoints);
	// Focus puts the cursor in the field (the turnout figure).
	Big, Focus bool
}

type observeChoice struct {
	Code, Label string
	Checked     bool
}

type observeVote struct {
	Index        int
	Name, Option string
	Value, Error string
}

func (s *Server) observeForm(r *http.Request) (report.Form, error) {
	code := report.FormCode(r.PathValue("form"))
	for _, c := range observeForms {
		if c == code {
			if f, ok := s.submit.Form(code); ok {
				return f, nil
			}
		}
	}
	return report.Form{}, baqylau.Errorf(baqylau.ENOTFOUND, "no form %q", code)
}

// newClientID makes a form's client id: a UUIDv7, whose first 48 bits
// are the time the form was opened, so that the reports of a day arrive
// in nearly rising order of client id and the database's unique index on
// it grows at its right edge instead of at a random page for each report
// (docs/benchmarks.md). observe.js makes its ids the same way.
func newClientID() string {
	id, err := uuid.NewV7()
	if err != nil { // the system's random source failed
		return uuid.NewString()
	}
	return id.String()
}

// newObserveForm lays out a form for a station; values are what was typed
// (nil for a fresh form).
func (s *Server) newObserveForm(r *http.Request, p observePlace, f report.Form, values url.Values) (observeFormData, error) {
	pr := s.printer(r)
	e := p.Election
	d := observeFormData{observePlace: p, Code: f.Code, Title: f.Title.In(pr.Lang), Action: p.URL + "/" + string(f.Code),
		ClientID: newClientID(), Multipart: f.Code == report.Incident}
	d.API = "/api/v1/elections/" + strconv.FormatInt(e.ID, 10) + "/reports"
	if f.Code == report.Incident {
		d.API = "/api/v1/elections/" + strconv.FormatInt(e.ID, 10) + "/incidents"
	}
	if values != nil {
		if id := values.Get(fieldClientID); report.ValidClientID(id) == nil {
			d.ClientID = id
		}
		d.Observer = values.Get(fieldObserver)
	}
	get := func(name string) string {
		if values == nil {
			return ""
		}
		return values.Get(name)
	}
	if f.Code == report.Count {
		for _, c := range e.Contests {
			if c.Serves(p.Station) {
				d.Contests = append(d.Contests, c)
			}
		}
		asked := r.URL.Query().Get("contest")
		if values != nil {
			asked = get(fieldPrefix + report.QContest)
		}
		for i, c := range d.Contests {
			if strconv.FormatInt(c.ID, 10) == asked || (asked == "" && len(d.Contests) == 1) {
				d.Contest = &d.Contests[i]
			}
		}
		if d.Contest == nil {
			if len(d.Contests) == 0 {
				return d, baqylau.Errorf(baqylau.ENOTFOUND, "station %s decides no contest", p.Station.Code)
			}
			d.PickContest = true
			return d, nil
		}
		d.Action += "?contest=" + strconv.FormatInt(d.Contest.ID, 10)
	}
	for _, q := range f.Questions {
		fd := observeField{ID: q.ID, Name: fieldPrefix + q.ID, Kind: string(q.Kind), Label: q.Label.In(pr.Lang), Help: q.Help.In(pr.Lang),
			Required: q.Required, Value: get(fieldPrefix + q.ID)}
		switch q.Kind {
		case report.KindYesNo:
			fd.Choices = []observeChoice{{Code: "yes", Label: pr.T("observe.yes")}, {Code: "no", Label: pr.T("observe.no")}}
		case report.KindChoice:
			for _, c := range q.Choices {
				fd.Choices = append(fd.Choices, observeChoice{Code: c.Code, Label: c.Label.In(pr.Lang)})
			}
			fd.Big = q.ID == report.QCheckpoint || q.ID == report.QCategory
		case report.KindVotes:
			if d.Contest != nil {
				for i, o := range d.Contest.Options {
					name := fieldVotes + strconv.Itoa(i)
					fd.Votes = append(fd.Votes, observeVote{Index: i, Name: name, Option: o, Value: get(name)})
				}
			}
		}
		if f.Code == report.Count && q.ID == report.QContest && d.Contest != nil {
			fd.Kind, fd.Value = "hidden", strconv.FormatInt(d.Contest.ID, 10)
		}
		if f.Code == report.Turnout && q.ID == report.QCheckpoint && values == nil {
			fd.Value = s.nextCheckpoint(r, p, f)
		}
		fd.Focus = f.Code == report.Turnout && q.ID == report.QBallotsCast
		for i := range fd.Choices {
			fd.Choices[i].Checked = fd.Choices[i].Code == fd.Value
		}
		d.Fields = append(d.Fields, fd)
	}
	if f.Code == report.Incident {
		at := get(fieldTime)
		if values == nil {
			at = time.Now().In(p.Zone).Format("15:04")
		}
		d.Fields = append(d.Fields,
			observeField{ID: fieldTime, Name: fieldTime, Kind: string(report.KindTime), Label: pr.T("observe.incident_time"), Required: true, Value: at},
			observeField{ID: fieldPhoto, Name: fieldPhoto, Kind: "photo", Label: pr.T("observe.photo"), Help: pr.T("observe.photo_help")})
	}
	return d, nil
}

// nextCheckpoint is the checkpoint a turnout page offers first: the latest
// one already passed (station time) that the user has not reported yet,
// else the first not reported, else the last.
func (s *Server) nextCheckpoint(r *http.Request, p observePlace, f report.Form) string {
	if len(f.Checkpoints) == 0 {
		return ""
	}
	done := map[string]bool{}
	reps, err := s.cfg.Reports.StationReports(r.Context(), p.Election.ID, p.Station.Code)
	if err != nil {
		s.log.Warn("observe: reports for the next checkpoint", "err", err)
	}
	u := currentUser(r.Context())
	for _, rep := range reps {
		if rep.Form == report.Turnout && sentByMe(u, rep.ObserverID, rep.EnteredBy) {
			var cp string
			if json.Unmarshal(rep.Answers[report.QCheckpoint], &cp) == nil {
				done[cp] = true
			}
		}
	}
	now := time.Now().In(p.Zone)
	clock := election.Clock(now.Hour()*60 + now.Minute())
	first, passed := "", ""
	for _, cp := range f.Checkpoints {
		if done[cp] {
			continue
		}
		if first == "" {
			first = cp
		}
		if c, err := election.ParseClock(cp); err == nil && c <= clock {
			passed = cp
		}
	}
	switch {
	case passed != "":
		return passed
	case first != "":
		return first
	}
	return f.Checkpoints[len(f.Checkpoints)-1]
}

func (s *Server) showObserveForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.observePlace(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.observeForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := s.newObserveForm(r, p, f, nil)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "", d)
	v.Title = d.Title
	s.render(w, r, http.StatusOK, "observe_form", v)
}

// maxEvidenceBytes bounds one photo of an incident.
const maxEvidenceBytes = 15 << 20

// readObserveForm reads a posted form: URL-encoded, or multipart (the
// incident form, with its photo, returned as data).
func readObserveForm(w http.ResponseWriter, r *http.Request) (photo []byte, err error) {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "multipart/form-data" {
		return nil, readForm(w, r)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxEvidenceBytes+1<<20)
	if err := r.ParseMultipartForm(maxEvidenceBytes + 1<<20); err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "the form could not be read: a photo may be at most 15 MB")
	}
	defer func() {
		if rerr := r.MultipartForm.RemoveAll(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	files := r.MultipartForm.File[fieldPhoto]
	if len(files) == 0 || files[0].Size == 0 {
		return nil, nil
	}
	if files[0].Size > maxEvidenceBytes {
		return nil, baqylau.Errorf(baqylau.EINVALID, "a photo may be at most 15 MB")
	}
	fh, err := files[0].Open()
	if err != nil {
		return nil, fmt.Errorf("web: open uploaded photo: %w", err)
	}
	defer fh.Close()
	photo, err = io.ReadAll(io.LimitReader(fh, maxEvidenceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("web: read uploaded photo: %w", err)
	}
	return photo, nil
}

func (s *Server) submitObserveForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.observePlace(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.observeForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	photo, err := readObserveForm(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	pr := s.printer(r)
	d, err := s.newObserveForm(r, p, f, r.PostForm)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.PickContest {
		http.Redirect(w, r, d.Action, http.StatusSeeOther)
		return
	}
	again := func(msg string) {
		d.Error = msg
		v := s.newView(r, "", d)
		v.Title = d.Title
		s.render(w, r, http.StatusUnprocessableEntity, "observe_form", v)
	}
	answers := readAnswers(pr, f, d.Fields, r.PostForm, d.Contest)
	var at time.Time
	if f.Code == report.Incident {
		at = incidentTime(pr, d.Fields, p.Zone, time.Now())
	}
	for _, fd := range d.Fields {
		if fd.Error != "" {
			again(pr.T("observe.fix_errors"))
			return
		}
		for _, v := range fd.Votes {
			if v.Error != "" {
				again(pr.T("observe.fix_errors"))
				return
			}
		}
	}
	from, err := s.sender(ctx, d.Observer)
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.EINVALID {
			again(s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	var ack report.Ack
	if f.Code == report.Incident {
		in := report.IncidentInput{ClientID: d.ClientID, Station: p.Station.Code, Category: answerText(answers[report.QCategory]),
			Severity: answerText(answers[report.QSeverity]), Description: answerText(answers[report.QDescription]), ObservedAt: at}
		_, ack, err = s.submit.Incident(ctx, p.Election.ID, from, in)
	} else {
		in := report.ReportInput{ClientID: d.ClientID, Station: p.Station.Code, Form: string(f.Code), ObservedAt: time.Now(), Answers: answers}
		ack, err = s.submit.Report(ctx, p.Election.ID, from, in)
	}
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.EINVALID {
			again(s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	var extra []string
	if photo != nil {
		if _, err := s.storeEvidence(ctx, ack.ID, photo); err != nil {
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				s.pageError(w, r, err)
				return
			}
			extra = append(extra, pr.T("observe.photo_refused", "Reason", s.publicMessage(r, err)))
		} else {
			extra = append(extra, pr.T("observe.photo_stored"))
		}
	}
	s.sessions.Put(ctx, "flash", sentFlash(pr, ack, extra...))
	http.Redirect(w, r, p.URL, http.StatusSeeOther)
}

// answerText is a JSON string answer as text ("" when absent or not a
// string).
func answerText(raw json.RawMessage) string {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// answerInt is a JSON number answer (0 when absent or not a whole number).
func answerInt(raw json.RawMessage) int64 {
	var n int64
	if raw == nil || json.Unmarshal(raw, &n) != nil {
		return 0
	}
	return n
}

// readAnswers turns the posted fields into answers of the JSON types the
// form's questions take, setting an error on each field that is missing
// though required or cannot be read.
func readAnswers(pr *locale.Printer, f report.Form, fields []observeField, form url.Values, contest *election.Contest) map[string]json.RawMessage {
	answers := map[string]json.RawMessage{}
	for i := range fields {
		fd := &fields[i]
		q, ok := f.Question(fd.ID)
		if !ok {
			continue
		}
		v := strings.TrimSpace(form.Get(fd.Name))
		if q.Kind == report.KindVotes {
			if contest == nil || len(fd.Votes) == 0 {
				continue
			}
			votes := map[string]int64{}
			for j := range fd.Votes {
				vt := &fd.Votes[j]
				n, msg := readCount(pr, form.Get(vt.Name), q, true)
				if msg != "" {
					vt.Error = msg
					continue
				}
				votes[vt.Option] = n
			}
			answers[q.ID] = mustJSON(votes)
			continue
		}
		if v == "" {
			if q.Required {
				fd.Error = pr.T("observe.required_error")
			}
			continue
		}
		switch q.Kind {
		case report.KindYesNo:
			if v != "yes" && v != "no" {
				fd.Error = pr.T("observe.choose_one")
				continue
			}
			answers[q.ID] = mustJSON(v == "yes")
		case report.KindNumber:
			n, msg := readCount(pr, v, q, q.Required)
			if msg != "" {
				fd.Error = msg
				continue
			}
			answers[q.ID] = mustJSON(n)
		case report.KindChoice:
			if !q.HasChoice(v) {
				fd.Error = pr.T("observe.choose_one")
				continue
			}
			answers[q.ID] = mustJSON(v)
		case report.KindTime:
			if _, err := election.ParseClock(v); err != nil {
				fd.Error = pr.T("observe.bad_time")
				continue
			}
			answers[q.ID] = mustJSON(v)
		default: // text, and kinds an adjusted form may add
			answers[q.ID] = mustJSON(form.Get(fd.Name))
		}
	}
	return answers
}

// readCount reads a whole number as people type it (spaces between
// groups of digits allowed) within the question's bounds; the second
// result is what is wrong, in words.
func readCount(pr *locale.Printer, s string, q report.Question, required bool) (int64, string) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		if required {
			return 0, pr.T("observe.required_error")
		}
		return 0, ""
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > report.MaxCount {
		return 0, pr.T("observe.not_number")
	}
	if q.Min != nil && n < int64(*q.Min) {
		return 0, pr.T("observe.too_small", "Min", *q.Min)
	}
	if q.Max != nil && n > int64(*q.Max) {
		return 0, pr.T("observe.too_large", "Max", *q.Max)
	}
	return n, ""
}

// incidentTime is when the incident was seen: the time typed, in the
// station's zone, today (or yesterday, if that time is still to come).
func incidentTime(pr *locale.Printer, fields []observeField, zone *time.Location, now time.Time) time.Time {
	for i := range fields {
		fd := &fields[i]
		if fd.ID != fieldTime {
			continue
		}
		if strings.TrimSpace(fd.Value) == "" {
			return now
		}
		c, err := election.ParseClock(fd.Value)
		if err != nil {
			fd.Error = pr.T("observe.bad_time")
			return now
		}
		local := now.In(zone)
		at := time.Date(local.Year(), local.Month(), local.Day(), int(c)/60, int(c)%60, 0, 0, zone)
		if at.After(now.Add(report.MaxClockSkew)) {
			at = at.AddDate(0, 0, -1)
		}
		return at
	}
	return now
}

// mustJSON encodes a bool, number, string or map of numbers, which
// cannot fail.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("web: encode answer %v: %v", v, err))
	}
	return b
}
