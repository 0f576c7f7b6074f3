package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

// Role groups of the training programme.
var (
	// trainingStaff plan sessions and record attendance; the regional
	// ones only for sessions of their own region.
	trainingStaff = []auth.Role{auth.Admin, auth.Coordinator, auth.RegionalCoordinator, auth.Trainer}
	// trainingRuleEditors set an organisation's rule for "trained": the
	// rule holds in every region, so only the national HQ changes it.
	trainingRuleEditors = []auth.Role{auth.Admin, auth.Coordinator}
)

// trainingReason is recorded on the transition to trained that a rule
// makes.
const trainingReason = "training rule"

// absentPerPage is the page size of the list of observers who missed a
// session.
const absentPerPage = 50

// trainingRoutes: the training programme, sessions and attendance.
func (s *Server) trainingRoutes() []route {
	return []route{
		{pattern: "GET /training", roles: trainingStaff, h: s.listTraining},
		{pattern: "POST /training/sessions", roles: trainingStaff, h: s.createTrainingSession},
		{pattern: "GET /training/sessions/{id}", roles: trainingStaff, h: s.showTrainingSession},
		{pattern: "POST /training/sessions/{id}/attendance", roles: trainingStaff, h: s.recordTrainingAttendance},
		{pattern: "POST /organizations/{id}/training-rule", roles: trainingRuleEditors, h: s.setTrainingRule},

		{pattern: "GET /api/v1/training/sessions", roles: trainingStaff, api: true, h: s.apiListTrainingSessions},
		{pattern: "POST /api/v1/training/sessions", roles: trainingStaff, api: true, h: s.apiCreateTrainingSession},
		{pattern: "GET /api/v1/training/sessions/{id}/absent", roles: trainingStaff, api: true, h: s.apiTrainingAbsent},
		{pattern: "POST /api/v1/training/sessions/{id}/attendance", roles: trainingStaff, api: true, h: s.apiRecordTrainingAttendance},
	}
}

// trainingZone is the zone sessions are planned and shown in: Astana time,
// the country's reference zone.
var trainingZone = func() *time.Location {
	loc, err := time.LoadLocation(election.DefaultTimeZone)
	if err != nil {
		panic(err) // time/tzdata is linked in by the election package
	}
	return loc
}()

// sessionFormLayout is how a datetime-local input sends its value.
const sessionFormLayout = "2006-01-02T15:04"

// trainingSessionInput is a new session as a form or a JSON body gives it,
// before its organisation, region and time are checked.
type trainingSessionInput struct {
	OrganizationID int64
	Title          string
	Mode           people.Mode
	StartsAt       time.Time
	Mandatory      bool
	Region         string
}

// newTrainingSession checks a new session against the user's region and
// stores it.
func (s *Server) newTrainingSession(ctx context.Context, u *auth.User, in trainingSessionInput) (people.TrainingSession, error) {
	ts := people.TrainingSession{OrganizationID: in.OrganizationID, Title: in.Title, Mode: in.Mode, StartsAt: in.StartsAt,
		Mandatory: in.Mandatory, Region: strings.TrimSpace(in.Region)}
	if ts.Region != "" && ts.Region != auth.RegionAbroad {
		reg, ok := election.LookupRegion(ts.Region)
		if !ok {
			return ts, baqylau.Errorf(baqylau.EINVALID, "region %q is not a region of Kazakhstan", ts.Region)
		}
		ts.Region = reg.Code
	}
	if u.Role.Regional() {
		if ts.Region == "" {
			ts.Region = u.Region
		}
		if ts.Region != u.Region {
			return ts, baqylau.Errorf(baqylau.EFORBIDDEN, "you may plan sessions only in your own region")
		}
	}
	if err := ts.Validate(); err != nil {
		return ts, err
	}
	if _, err := s.cfg.People.Organization(ctx, ts.OrganizationID); err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			return ts, baqylau.Errorf(baqylau.EINVALID, "there is no organisation %d", ts.OrganizationID)
		}
		return ts, err
	}
	if err := s.cfg.People.CreateTrainingSession(ctx, &ts); err != nil {
		return ts, err
	}
	return ts, nil
}

// trainingSessionByPath finds the session of a request's {id} and checks
// that the user's region covers it.
func (s *Server) trainingSessionByPath(r *http.Request) (people.TrainingSession, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return people.TrainingSession{}, baqylau.Errorf(baqylau.ENOTFOUND, "no training session %q", r.PathValue("id"))
	}
	ts, err := s.cfg.People.TrainingSession(r.Context(), id)
	if err != nil {
		return ts, err
	}
	if u := currentUser(r.Context()); u != nil && u.Role.Regional() && ts.Region != u.Region {
		return ts, baqylau.Errorf(baqylau.EFORBIDDEN, "this session is held for another region")
	}
	return ts, nil
}

// organizationParam reads the organisation id of a query (?organization=).
func trainingOrgParam(q url.Values) (int64, error) {
	v := strings.TrimSpace(q.Get("organization"))
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, baqylau.Errorf(baqylau.EINVALID, "organization must be the id of an organisation")
	}
	return id, nil
}

// parseScore reads an optional test score: "" is no test (-1).
func parseScore(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, baqylau.Errorf(baqylau.EINVALID, "score must be a whole number from 0 to 100")
	}
	return n, checkScore(n)
}

func checkScore(n int) error {
	if n != -1 && (n < 0 || n > 100) {
		return baqylau.Errorf(baqylau.EINVALID, "score must be a whole number from 0 to 100")
	}
	return nil
}

// attendanceResult is what recording one attendance changed.
type attendanceResult struct {
	Observer people.Observer // with its status after the recording
	// Trained is set when the organisation's rule made the observer
	// trained just now.
	Trained bool
}

// recordAttendance stores an observer's attendance at a session and, when
// the organisation's rule now says trained, moves an applied observer to
// trained in the user's name.
func (s *Server) recordAttendance(ctx context.Context, u *auth.User, ts people.TrainingSession, a people.Attendance) (attendanceResult, error) {
	var res attendanceResult
	if a.ObserverID <= 0 {
		return res, baqylau.Errorf(baqylau.EINVALID, "observer_id is required")
	}
	if err := checkScore(a.Score); err != nil {
		return res, err
	}
	o, err := s.cfg.People.Observer(ctx, a.ObserverID)
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			return res, baqylau.Errorf(baqylau.EINVALID, "there is no observer %d", a.ObserverID)
		}
		return res, err
	}
	if o.OrganizationID != ts.OrganizationID {
		return res, baqylau.Errorf(baqylau.EINVALID, "observer %d is not a member of the organisation that holds this session", o.ID)
	}
	if ts.Region != "" && o.Region != ts.Region {
		return res, baqylau.Errorf(baqylau.EINVALID, "observer %d does not work in the region of this session", o.ID)
	}
	a.SessionID = ts.ID
	if err := s.cfg.People.RecordAttendance(ctx, a); err != nil {
		return res, err
	}
	res.Observer = o
	if o.Status != people.Applied {
		return res, nil
	}
	org, err := s.cfg.People.Organization(ctx, ts.OrganizationID)
	if err != nil {
		return res, err
	}
	programme, err := s.cfg.People.TrainingSessions(ctx, org.ID)
	if err != nil {
		return res, err
	}
	att, err := s.cfg.People.Attendance(ctx, o.ID)
	if err != nil {
		return res, err
	}
	if !people.IsTrained(org.Training, programme, att) {
		return res, nil
	}
	if err := people.CheckTransition(o, people.Trained, trainingReason); err != nil {
		return res, err
	}
	err = s.cfg.People.Transition(ctx, people.Transition{ObserverID: o.ID, From: people.Applied, To: people.Trained,
		Reason: trainingReason, ByUserID: u.ID})
	if baqylau.ErrorCode(err) == baqylau.ECONFLICT {
		// Someone moved the observer meanwhile: their step stands.
		fresh, ferr := s.cfg.People.Observer(ctx, o.ID)
		if ferr != nil {
			return res, ferr
		}
		res.Observer = fresh
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Observer.Status = people.Trained
	res.Trained = true
	return res, nil
}

// Pages.

// trainingSessionRow is a session with its start in Astana time.
type trainingSessionRow struct {
	people.TrainingSession
	Starts time.Time
}

func trainingRows(list []people.TrainingSession) []trainingSessionRow {
	rows := make([]trainingSessionRow, len(list))
	for i, ts := range list {
		rows[i] = trainingSessionRow{TrainingSession: ts, Starts: ts.StartsAt.In(trainingZone)}
	}
	return rows
}

// trainingSessionForm is the new-session form as the user typed it.
type trainingSessionForm struct {
	Title, Mode, StartsAt, Region string
	Mandatory                     bool
}

// trainingRuleForm is the rule form as the user typed it.
type trainingRuleForm struct {
	AllMandatory          bool
	MinSessions, MinScore string
}

type trainingData struct {
	Organizations []people.Organization
	Org           *people.Organization // the one picked, if any
	Sessions      []trainingSessionRow
	Modes         []people.Mode
	Regions       []election.Region // the regions a new session may be for
	AnyRegion     bool              // the user may plan sessions for everyone
	Form          trainingSessionForm
	Error         string
	Rule          trainingRuleForm
	RuleError     string
	CanSetRule    bool
}

func (s *Server) listTraining(w http.ResponseWriter, r *http.Request) {
	s.renderTraining(w, r, http.StatusOK, nil)
}

// trainingPageState carries a refused form back to the page.
type trainingPageState struct {
	orgID     int64
	form      *trainingSessionForm
	err       string
	rule      *trainingRuleForm
	ruleError string
}

func (s *Server) renderTraining(w http.ResponseWriter, r *http.Request, status int, st *trainingPageState) {
	ctx := r.Context()
	u := currentUser(ctx)
	orgID, err := trainingOrgParam(r.URL.Query())
	if st != nil {
		orgID, err = st.orgID, nil
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	orgs, _, err := s.cfg.People.Organizations(ctx, people.OrgQuery{Limit: 1000})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := trainingData{Organizations: orgs, Modes: people.Modes, CanSetRule: slices.Contains(trainingRuleEditors, u.Role),
		Form: trainingSessionForm{Mode: string(people.Video)}}
	if u.Role.Regional() {
		if reg, ok := election.RegionByCode(u.Region); ok {
			d.Regions = []election.Region{reg}
		}
		d.Form.Region = u.Region
	} else {
		d.AnyRegion = true
		d.Regions = election.Regions(time.Time{})
	}
	if orgID != 0 {
		org, err := s.cfg.People.Organization(ctx, orgID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		list, err := s.cfg.People.TrainingSessions(ctx, org.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Org, d.Sessions = &org, trainingRows(list)
		d.Rule = trainingRuleForm{AllMandatory: org.Training.AllMandatory, MinSessions: strconv.Itoa(org.Training.MinSessions),
			MinScore: strconv.Itoa(org.Training.MinScore)}
	}
	if st != nil {
		if st.form != nil {
			d.Form, d.Error = *st.form, st.err
		}
		if st.rule != nil {
			d.Rule, d.RuleError = *st.rule, st.ruleError
		}
	}
	v := s.newView(r, "training.title", d)
	if d.Org != nil {
		v.Title = v.T("training.title") + " · " + d.Org.Name
	}
	s.render(w, r, status, "training", v)
}

// readSmallForm parses a form after bounding its body.
func readSmallForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return baqylau.Errorf(baqylau.EINVALID, "the form could not be read")
	}
	return nil
}

// formID reads the id of a record from a form field.
func formID(v, name string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return 0, baqylau.Errorf(baqylau.EINVALID, "%s must be the id of a record", name)
	}
	return id, nil
}

// formChecked reads a checkbox.
func formChecked(v string) bool {
	b, err := strconv.ParseBool(v)
	return v == "on" || (err == nil && b)
}

func (s *Server) createTrainingSession(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := trainingSessionForm{Title: r.PostForm.Get("title"), Mode: r.PostForm.Get("mode"), StartsAt: r.PostForm.Get("starts_at"),
		Region: r.PostForm.Get("region"), Mandatory: formChecked(r.PostForm.Get("mandatory"))}
	orgID, err := formID(r.PostForm.Get("organization_id"), "organization_id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	in := trainingSessionInput{OrganizationID: orgID, Title: f.Title, Mode: people.Mode(f.Mode), Mandatory: f.Mandatory, Region: f.Region}
	if strings.TrimSpace(f.StartsAt) != "" {
		in.StartsAt, err = time.ParseInLocation(sessionFormLayout, strings.TrimSpace(f.StartsAt), trainingZone)
		if err != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "start time %q is not a date and time such as 2021-07-20T10:00", f.StartsAt)
		}
	}
	var ts people.TrainingSession
	if err == nil {
		ts, err = s.newTrainingSession(r.Context(), currentUser(r.Context()), in)
	}
	if err != nil {
		if baqylau.ErrorCode(err) != baqylau.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.renderTraining(w, r, http.StatusUnprocessableEntity, &trainingPageState{orgID: orgID, form: &f, err: s.publicMessage(r, err)})
		return
	}
	s.sessions.Put(r.Context(), "flash", s.printer(r).T("training.created", "Title", ts.Title))
	http.Redirect(w, r, "/training?organization="+strconv.FormatInt(ts.OrganizationID, 10), http.StatusSeeOther)
}

func (s *Server) setTrainingRule(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.pageError(w, r, baqylau.Errorf(baqylau.ENOTFOUND, "no organisation %q", r.PathValue("id")))
		return
	}
	org, err := s.cfg.People.Organization(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := readSmallForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := trainingRuleForm{AllMandatory: formChecked(r.PostForm.Get("all_mandatory")), MinSessions: r.PostForm.Get("min_sessions"),
		MinScore: r.PostForm.Get("min_score")}
	rule, err := parseTrainingRule(f)
	if err == nil {
		org.Training = rule
		if err = org.Validate(); err == nil {
			err = s.cfg.People.UpdateOrganization(r.Context(), org)
		}
	}
	if err != nil {
		if baqylau.ErrorCode(err) != baqylau.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.renderTraining(w, r, http.StatusUnprocessableEntity, &trainingPageState{orgID: org.ID, rule: &f, ruleError: s.publicMessage(r, err)})
		return
	}
	s.sessions.Put(r.Context(), "flash", s.printer(r).T("training.rule_saved", "Name", org.Name))
	http.Redirect(w, r, "/training?organization="+strconv.FormatInt(org.ID, 10), http.StatusSeeOther)
}

func parseTrainingRule(f trainingRuleForm) (people.TrainingRule, error) {
	rule := people.TrainingRule{AllMandatory: f.AllMandatory}
	for _, p := range []struct {
		v    string
		dst  *int
		name string
	}{{f.MinSessions, &rule.MinSessions, "the minimum number of sessions"}, {f.MinScore, &rule.MinScore, "the minimum score"}} {
		v := strings.TrimSpace(p.v)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return rule, baqylau.Errorf(baqylau.EINVALID, "%s must be a whole number", p.name)
		}
		*p.dst = n
	}
	return rule, nil
}

type trainingSessionData struct {
	Session trainingSessionRow
	Org     people.Organization
	Absent  []people.Observer
	Total   int
	PageNo  int
	Pages   int
	PrevURL string
	NextURL string
	Error   string
}

func (s *Server) showTrainingSession(w http.ResponseWriter, r *http.Request) {
	s.renderTrainingSession(w, r, http.StatusOK, "")
}

func (s *Server) renderTrainingSession(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ctx := r.Context()
	ts, err := s.trainingSessionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	org, err := s.cfg.People.Organization(ctx, ts.OrganizationID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	absent, total, err := s.cfg.People.Absent(ctx, ts.ID, absentPerPage, (page-1)*absentPerPage)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := trainingSessionData{Session: trainingRows([]people.TrainingSession{ts})[0], Org: org, Absent: absent, Total: total,
		PageNo: page, Pages: (total + absentPerPage - 1) / absentPerPage, Error: msg}
	link := func(p int) string {
		return "/training/sessions/" + strconv.FormatInt(ts.ID, 10) + "?page=" + strconv.Itoa(p)
	}
	if page > 1 {
		d.PrevURL = link(page - 1)
	}
	if page < d.Pages {
		d.NextURL = link(page + 1)
	}
	v := s.newView(r, "training.session", d)
	v.Title = ts.Title
	s.render(w, r, status, "training_session", v)
}

func (s *Server) recordTrainingAttendance(w http.ResponseWriter, r *http.Request) {
	ts, err := s.trainingSessionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := readSmallForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	a := people.Attendance{Attended: formChecked(r.PostForm.Get("attended"))}
	a.ObserverID, err = formID(r.PostForm.Get("observer_id"), "observer_id")
	if err == nil {
		a.Score, err = parseScore(r.PostForm.Get("score"))
	}
	var res attendanceResult
	if err == nil {
		res, err = s.recordAttendance(r.Context(), currentUser(r.Context()), ts, a)
	}
	if err != nil {
		if baqylau.ErrorCode(err) != baqylau.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.renderTrainingSession(w, r, http.StatusUnprocessableEntity, s.publicMessage(r, err))
		return
	}
	p := s.printer(r)
	msg := p.T("training.recorded", "Name", res.Observer.FullName)
	if res.Trained {
		msg += " " + p.T("training.now_trained", "Name", res.Observer.FullName)
	}
	s.sessions.Put(r.Context(), "flash", msg)
	target := "/training/sessions/" + strconv.FormatInt(ts.ID, 10)
	if pg, err := strconv.Atoi(r.PostForm.Get("page")); err == nil && pg > 1 {
		target += "?page=" + strconv.Itoa(pg)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
