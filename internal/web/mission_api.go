package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/mission"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
)

// apiText is a text in three languages.
type apiText struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

func (t apiText) text() publish.Text { return publish.Text{KK: t.KK, RU: t.RU, EN: t.EN} }

func toAPIText(t publish.Text) apiText { return apiText{KK: t.KK, RU: t.RU, EN: t.EN} }

type apiQuestion struct {
	ID       int64  `json:"id,omitempty"`
	Topic    string `json:"topic"`
	AskedBy  string `json:"asked_by,omitempty"`
	Question string `json:"question"`
	Answer   string `json:"answer,omitempty"`
}

func (q apiQuestion) question() mission.Question {
	return mission.Question{Topic: mission.Topic(q.Topic), AskedBy: q.AskedBy, Question: q.Question, Answer: q.Answer}
}

type apiMeeting struct {
	ID               int64         `json:"id"`
	ElectionID       int64         `json:"election_id"`
	MissionID        int64         `json:"mission_id,omitempty"`
	Kind             string        `json:"kind"`
	HeldAt           time.Time     `json:"held_at"`
	Place            string        `json:"place"`
	Participants     []string      `json:"participants"`
	Counterpart      string        `json:"counterpart,omitempty"`
	Agenda           string        `json:"agenda,omitempty"`
	Notes            string        `json:"notes,omitempty"`
	FollowUp         string        `json:"follow_up,omitempty"`
	Questions        []apiQuestion `json:"questions"`
	PressStatementID int64         `json:"press_statement_id,omitempty"`
}

func toAPIMeeting(m mission.MeetingRecord) apiMeeting {
	out := apiMeeting{ID: m.ID, ElectionID: m.ElectionID, MissionID: m.MissionID, Kind: string(m.Kind), HeldAt: m.HeldAt.In(refZone()),
		Place: m.Place, Participants: m.Participants, Counterpart: m.Counterpart, Agenda: m.Agenda, Notes: m.Notes, FollowUp: m.FollowUp,
		Questions: []apiQuestion{}, PressStatementID: m.PressStatementID}
	if out.Participants == nil {
		out.Participants = []string{}
	}
	for _, q := range m.Questions {
		out.Questions = append(out.Questions, apiQuestion{ID: q.ID, Topic: string(q.Topic), AskedBy: q.AskedBy, Question: q.Question, Answer: q.Answer})
	}
	return out
}

// mayKeep checks that the request may see and record meetings of
// missionID: the desk for its own (0), the mission's members for theirs.
func (m *missions) mayKeep(r *http.Request, missionID int64) (people.Observer, error) {
	if missionID == 0 {
		if !isDesk(r.Context()) {
			return people.Observer{}, baqylau.Errorf(baqylau.ENOTFOUND, "the observer desk's meetings are the commission's")
		}
		return people.Observer{}, nil
	}
	return m.inMission(r.Context(), missionID)
}

// meeting reads meeting {mtid} for someone who may keep it.
func (m *missions) meeting(r *http.Request) (mission.MeetingRecord, people.Observer, error) {
	st, err := m.store()
	if err != nil {
		return mission.MeetingRecord{}, people.Observer{}, err
	}
	id, err := pathID(r, "mtid")
	if err != nil {
		return mission.MeetingRecord{}, people.Observer{}, err
	}
	mt, err := st.Meeting(r.Context(), id)
	if err != nil {
		return mt, people.Observer{}, err
	}
	o, err := m.mayKeep(r, mt.MissionID)
	if err != nil {
		return mt, o, baqylau.Errorf(baqylau.ENOTFOUND, "meeting %d not found", id)
	}
	return mt, o, nil
}

func (m *missions) apiCreateMeeting(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MissionID    int64         `json:"mission_id"`
		Kind         string        `json:"kind"`
		HeldAt       time.Time     `json:"held_at"`
		Place        string        `json:"place"`
		Participants []string      `json:"participants"`
		Counterpart  string        `json:"counterpart"`
		Agenda       string        `json:"agenda"`
		Notes        string        `json:"notes"`
		FollowUp     string        `json:"follow_up"`
		Questions    []apiQuestion `json:"questions"`
	}
	st, err := m.store()
	var eid int64
	if err == nil {
		eid, err = pathID(r, "id")
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err == nil {
		_, err = m.mayKeep(r, in.MissionID)
	}
	mt := mission.MeetingRecord{ElectionID: eid, MissionID: in.MissionID, Kind: mission.MeetingKind(in.Kind), HeldAt: in.HeldAt,
		Place: in.Place, Participants: in.Participants, Counterpart: in.Counterpart, Agenda: in.Agenda, Notes: in.Notes,
		FollowUp: in.FollowUp, CreatedBy: currentUser(r.Context()).ID}
	for _, q := range in.Questions {
		mt.Questions = append(mt.Questions, q.question())
	}
	if err == nil {
		err = st.CreateMeeting(r.Context(), &mt)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusCreated, toAPIMeeting(mt))
}

func (m *missions) apiListMeetings(w http.ResponseWriter, r *http.Request) {
	st, err := m.store()
	var eid, mid int64
	if err == nil {
		eid, err = pathID(r, "id")
	}
	if v := r.URL.Query().Get("mission"); err == nil && v != "" {
		if mid, err = strconv.ParseInt(v, 10, 64); err != nil || mid < 0 {
			err = baqylau.Errorf(baqylau.EINVALID, "mission=%q is not a mission id", v)
		}
	}
	if err == nil {
		_, err = m.mayKeep(r, mid)
	}
	var list []mission.MeetingRecord
	if err == nil {
		list, err = st.Meetings(r.Context(), eid, mid)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	out := make([]apiMeeting, 0, len(list))
	for _, mt := range list {
		out = append(out, toAPIMeeting(mt))
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.writeJSON(w, http.StatusOK, map[string]any{"meetings": out, "topics": mission.Topics})
}

func (m *missions) apiGetMeeting(w http.ResponseWriter, r *http.Request) {
	mt, _, err := m.meeting(r)
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.writeJSON(w, http.StatusOK, toAPIMeeting(mt))
}

func (m *missions) apiAddQuestion(w http.ResponseWriter, r *http.Request) {
	var in apiQuestion
	mt, _, err := m.meeting(r)
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	q := in.question()
	if err == nil {
		err = m.st.AddQuestion(r.Context(), mt.ID, &q)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	in.ID = q.ID
	m.s.writeJSON(w, http.StatusCreated, in)
}

func (m *missions) apiUpdateNotes(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Notes    string `json:"notes"`
		FollowUp string `json:"follow_up"`
	}
	mt, _, err := m.meeting(r)
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err == nil {
		err = m.st.UpdateMeetingNotes(r.Context(), mt.ID, in.Notes, in.FollowUp)
	}
	if err == nil {
		mt, err = m.st.Meeting(r.Context(), mt.ID)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusOK, toAPIMeeting(mt))
}

// minutes writes a meeting's minutes in one language: the title given,
// then when and where, who took part, the agenda, and each question with
// its topic and answer.
func (m *missions) minutes(mt mission.MeetingRecord, lang, title string) string {
	p := m.s.cat.Printer(lang)
	var b strings.Builder
	b.WriteString(p.T("mission.minutes.when", "Time", mt.HeldAt.In(refZone()).Format("2006-01-02 15:04"), "Place", mt.Place) + "\n\n")
	if len(mt.Participants) > 0 {
		b.WriteString(p.T("mission.minutes.participants") + " " + strings.Join(mt.Participants, "; ") + "\n\n")
	}
	if mt.Agenda != "" {
		b.WriteString(p.T("mission.minutes.agenda") + " " + mt.Agenda + "\n\n")
	}
	for i, q := range mt.Questions {
		asked := ""
		if q.AskedBy != "" {
			asked = " (" + q.AskedBy + ")"
		}
		b.WriteString(strconv.Itoa(i+1) + ". [" + p.T("mission.topic."+string(q.Topic)) + "]" + asked + " " + q.Question + "\n")
		if q.Answer != "" {
			b.WriteString(p.T("mission.minutes.answer") + " " + q.Answer + "\n")
		}
		b.WriteString("\n")
	}
	return strings.TrimSpace(b.String())
}

func (m *missions) apiPublishMinutes(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title apiText `json:"title"`
	}
	mt, o, err := m.meeting(r)
	if err == nil && mt.MissionID != 0 && !leads(o) {
		err = baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's head and delegation heads publish its minutes")
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var ps publish.Statement
	if err == nil {
		ps, err = m.publishedMinutes(r, mt, in.Title.text())
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusCreated, map[string]any{"press_statement_id": ps.ID, "url": "/press/statements/" + strconv.FormatInt(ps.ID, 10)})
}

func (m *missions) apiAnnounceResults(w http.ResponseWriter, r *http.Request) {
	var in struct {
		At *time.Time `json:"at"`
	}
	st, err := m.store()
	var eid int64
	if err == nil {
		eid, err = pathID(r, "id")
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var at time.Time
	if in.At != nil {
		at = *in.At
	}
	if err == nil && at.After(time.Now().Add(time.Minute)) {
		err = baqylau.Errorf(baqylau.EINVALID, "the results cannot be announced in the future (at %s)", at.Format(time.RFC3339))
	}
	if err == nil {
		err = st.AnnounceResults(r.Context(), eid, at, currentUser(r.Context()).ID)
	}
	if err == nil {
		at, err = st.ResultsAnnounced(r.Context(), eid)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusCreated, map[string]any{"election_id": eid, "announced_at": at.In(refZone())})
}

// link lets the user with email act for observer o in mission mid.
func (m *missions) link(r *http.Request, mid int64, email string, o people.Observer) (auth.User, error) {
	st, err := m.store()
	if err != nil {
		return auth.User{}, err
	}
	u, err := m.s.cfg.Users.UserByEmail(r.Context(), auth.NormalizeEmail(email))
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		return u, baqylau.Errorf(baqylau.EINVALID, "no user with e-mail %q", email)
	}
	if err != nil {
		return u, err
	}
	if u.Role != auth.MissionHead && u.Role != auth.DelegationHead && u.Role != auth.Observer {
		return u, baqylau.Errorf(baqylau.EINVALID, "user %q has role %s: only mission heads, delegation heads and observers act for a mission", email, u.Role)
	}
	if o.MissionID != mid {
		return u, baqylau.Errorf(baqylau.EINVALID, "observer %s is not a member of mission %d", o.Number, mid)
	}
	return u, st.LinkMissionAccount(r.Context(), u.ID, o.ID)
}

func (m *missions) apiLinkAccount(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email      string `json:"email"`
		ObserverID int64  `json:"observer_id"`
	}
	mid, err := pathID(r, "mid")
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var o people.Observer
	if err == nil {
		if o, err = m.s.cfg.People.Observer(r.Context(), in.ObserverID); baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			err = baqylau.Errorf(baqylau.EINVALID, "no observer %d", in.ObserverID)
		}
	}
	var u auth.User
	if err == nil {
		u, err = m.link(r, mid, in.Email, o)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusOK, map[string]any{"user_id": u.ID, "observer_id": o.ID, "mission_id": mid, "mission_role": o.MissionRole})
}

type apiAcknowledgement struct {
	ID             int64     `json:"id"`
	ObserverID     int64     `json:"observer_id"`
	Principles     string    `json:"principles"`
	AcknowledgedAt time.Time `json:"acknowledged_at"`
}

// missionForDesk lets the desk or a member of mission {mid} through.
func (m *missions) missionForDesk(r *http.Request) (int64, people.Observer, error) {
	mid, err := pathID(r, "mid")
	if err != nil {
		return 0, people.Observer{}, err
	}
	if isDesk(r.Context()) {
		_, err = m.s.cfg.People.Mission(r.Context(), mid)
		return mid, people.Observer{}, err
	}
	o, err := m.inMission(r.Context(), mid)
	return mid, o, err
}

func (m *missions) apiAcknowledgements(w http.ResponseWriter, r *http.Request) {
	st, err := m.store()
	var mid int64
	if err == nil {
		mid, _, err = m.missionForDesk(r)
	}
	var list []mission.Acknowledgement
	if err == nil {
		list, err = st.Acknowledgements(r.Context(), mid)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	out := make([]apiAcknowledgement, 0, len(list))
	for _, a := range list {
		out = append(out, apiAcknowledgement{ID: a.ID, ObserverID: a.ObserverID, Principles: a.Principles, AcknowledgedAt: a.AcknowledgedAt.In(refZone())})
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.writeJSON(w, http.StatusOK, map[string]any{"acknowledgements": out})
}

// apiAcknowledge records an acknowledgement: members for themselves; the
// desk and the mission's head for a member who acknowledged on paper.
func (m *missions) apiAcknowledge(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ObserverID int64 `json:"observer_id"`
	}
	st, err := m.store()
	var mid int64
	var o people.Observer
	if err == nil {
		mid, o, err = m.missionForDesk(r)
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	a := mission.Acknowledgement{MissionID: mid, ObserverID: in.ObserverID}
	if u := currentUser(r.Context()); u.ObserverID == 0 {
		a.ByUserID = u.ID
	}
	if err == nil {
		switch {
		case o.ID != 0 && (in.ObserverID == 0 || in.ObserverID == o.ID):
			a.ObserverID = o.ID
		case o.ID != 0 && o.MissionRole != people.MissionHead:
			err = baqylau.Errorf(baqylau.EFORBIDDEN, "members acknowledge the principles for themselves")
		case in.ObserverID == 0:
			err = baqylau.Errorf(baqylau.EINVALID, "give observer_id, the member who acknowledged")
		}
	}
	if err == nil {
		err = st.Acknowledge(r.Context(), &a)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusCreated, apiAcknowledgement{ID: a.ID, ObserverID: a.ObserverID, Principles: a.Principles,
		AcknowledgedAt: a.AcknowledgedAt.In(refZone())})
}

func (m *missions) apiFigures(w http.ResponseWriter, r *http.Request) {
	mid, err := pathID(r, "mid")
	if err == nil {
		_, err = m.inMission(r.Context(), mid)
	}
	var figs []mission.Figure
	if v := r.URL.Query().Get("at"); err == nil && v != "" {
		// A figure fixed in a statement, computed again as of its time.
		var at time.Time
		if at, err = time.Parse(time.RFC3339Nano, v); err != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "at=%q is not a time such as 2024-03-17T15:00:00Z", v)
		}
		var c mission.Counts
		if err == nil {
			c, err = m.st.MissionCounts(r.Context(), mid, at)
		}
		figs = c.Figures()
	} else if err == nil {
		figs, err = m.liveFigures(r.Context(), mid)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.writeJSON(w, http.StatusOK, map[string]any{"figures": figs})
}

type apiSection struct {
	Heading apiText `json:"heading"`
	Body    apiText `json:"body"`
}

type apiVersionIn struct {
	Title    apiText      `json:"title"`
	Sections []apiSection `json:"sections"`
}

func (in apiVersionIn) version() mission.Version {
	v := mission.Version{Title: in.Title.text()}
	for _, s := range in.Sections {
		v.Sections = append(v.Sections, mission.Section{Heading: s.Heading.text(), Body: s.Body.text()})
	}
	return v
}

type apiVersion struct {
	Number     int              `json:"number"`
	Title      apiText          `json:"title"`
	Sections   []apiSection     `json:"sections"`
	Figures    []mission.Figure `json:"figures,omitempty"`
	ByObserver int64            `json:"by_observer,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
}

func toAPIVersion(v mission.Version) apiVersion {
	out := apiVersion{Number: v.Number, Title: toAPIText(v.Title), Sections: []apiSection{}, Figures: v.Figures, ByObserver: v.ByObserver,
		CreatedAt: v.CreatedAt.In(refZone())}
	for _, s := range v.Sections {
		out.Sections = append(out.Sections, apiSection{Heading: toAPIText(s.Heading), Body: toAPIText(s.Body)})
	}
	return out
}

type apiMissionStatement struct {
	ID               int64               `json:"id"`
	MissionID        int64               `json:"mission_id"`
	Kind             string              `json:"kind"`
	Status           string              `json:"status"`
	Rule             string              `json:"rule"`
	Release          string              `json:"release"`
	ReleaseAt        *time.Time          `json:"release_at,omitempty"`
	Conference       *mission.Conference `json:"press_conference,omitempty"`
	LatestVersion    int                 `json:"latest_version"`
	FrozenVersion    int                 `json:"frozen_version,omitempty"`
	AdoptedAt        *time.Time          `json:"adopted_at,omitempty"`
	Released         bool                `json:"released"`
	PressStatementID int64               `json:"press_statement_id,omitempty"`
}

func toAPIMissionStatement(s mission.Statement, released bool) apiMissionStatement {
	out := apiMissionStatement{ID: s.ID, MissionID: s.MissionID, Kind: string(s.Kind), Status: s.Status(), Rule: string(s.Rule),
		Release: string(s.Release), Conference: s.Conference, LatestVersion: s.Latest, FrozenVersion: s.FrozenVersion, Released: released}
	if !s.ReleaseAt.IsZero() {
		t := s.ReleaseAt.In(refZone())
		out.ReleaseAt = &t
	}
	if !s.AdoptedAt.IsZero() {
		t := s.AdoptedAt.In(refZone())
		out.AdoptedAt = &t
		out.PressStatementID = s.PressStatementID
	}
	return out
}

func (m *missions) apiListStatements(w http.ResponseWriter, r *http.Request) {
	mid, err := pathID(r, "mid")
	if err == nil {
		_, err = m.inMission(r.Context(), mid)
	}
	var list []mission.Statement
	if err == nil {
		list, err = m.st.MissionStatements(r.Context(), mid)
	}
	var announced time.Time
	if err == nil && len(list) > 0 {
		announced, err = m.st.ResultsAnnounced(r.Context(), list[0].ElectionID)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	out := make([]apiMissionStatement, 0, len(list))
	for _, s := range list {
		out = append(out, toAPIMissionStatement(s, s.Released(time.Now(), announced)))
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.writeJSON(w, http.StatusOK, map[string]any{"statements": out})
}

func (m *missions) apiCreateStatement(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind       string              `json:"kind"`
		Rule       string              `json:"rule"`
		Release    string              `json:"release"`
		ReleaseAt  time.Time           `json:"release_at"`
		Conference *mission.Conference `json:"press_conference"`
		apiVersionIn
	}
	mid, err := pathID(r, "mid")
	var o people.Observer
	if err == nil {
		o, err = m.inMission(r.Context(), mid)
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	s := mission.Statement{MissionID: mid, Kind: mission.StatementKind(in.Kind), Rule: mission.Rule(in.Rule),
		Release: mission.ReleaseKind(in.Release), ReleaseAt: in.ReleaseAt, Conference: in.Conference}
	v := in.version()
	v.ByObserver = o.ID
	if u := currentUser(r.Context()); u.ObserverID == 0 {
		v.ByUserID = u.ID
	}
	if err == nil {
		err = m.st.CreateMissionStatement(r.Context(), &s, &v)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusCreated, toAPIMissionStatement(s, false))
}

// statementIn loads the statement of r with its versions and live
// figures, and the language asked for (?lang=).
func (m *missions) statementIn(r *http.Request) (mission.Statement, statementView, string, error) {
	s, _, err := m.statementOf(r)
	if err != nil {
		return s, statementView{}, "", err
	}
	d, err := m.loadStatement(r.Context(), s)
	if err != nil {
		return s, d, "", err
	}
	lang, err := langParam(r)
	return s, d, lang, err
}

func (m *missions) apiGetStatement(w http.ResponseWriter, r *http.Request) {
	s, d, lang, err := m.statementIn(r)
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	title, body := d.Current.Text(lang, d.Figures)
	versions := make([]apiVersion, 0, len(d.Versions))
	for _, v := range d.Versions {
		versions = append(versions, toAPIVersion(v))
	}
	decisions := make([]map[string]any, 0, len(d.Decisions))
	for _, dc := range d.Decisions {
		decisions = append(decisions, map[string]any{"observer_id": dc.ObserverID, "name": dc.Name, "version": dc.Version,
			"approve": dc.Approve, "comment": dc.Comment, "at": dc.At.In(refZone())})
	}
	heads := make([]map[string]any, 0, len(d.Heads))
	for _, h := range d.Heads {
		heads = append(heads, map[string]any{"observer_id": h.ID, "name": h.FullName})
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.writeJSON(w, http.StatusOK, map[string]any{
		"statement": toAPIMissionStatement(s, d.Released), "version": d.Current.Number,
		"figures_live": d.Live, "figures": d.Figures, "used_figures": d.Current.Used(),
		"lang": lang, "title": title, "text": body,
		"versions": versions, "decisions": decisions, "delegation_heads": heads,
	})
}

func (m *missions) apiSaveVersion(w http.ResponseWriter, r *http.Request) {
	var in apiVersionIn
	s, o, err := m.statementOf(r)
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	v := in.version()
	v.StatementID, v.ByObserver = s.ID, o.ID
	if u := currentUser(r.Context()); u.ObserverID == 0 {
		v.ByUserID = u.ID
	}
	if err == nil {
		err = m.st.SaveMissionVersion(r.Context(), &v)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusCreated, toAPIVersion(v))
}

func (m *missions) apiDiff(w http.ResponseWriter, r *http.Request) {
	s, _, err := m.statementOf(r)
	var list []mission.Version
	if err == nil {
		list, err = m.st.MissionVersions(r.Context(), s.ID)
	}
	var from, to mission.Version
	if err == nil {
		from, to, err = diffParams(r, list)
	}
	lang, lerr := langParam(r)
	if err == nil {
		err = lerr
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	lines := []map[string]string{}
	for _, l := range mission.Diff(versionLines(from, lang), versionLines(to, lang)) {
		lines = append(lines, map[string]string{"op": string(l.Op), "text": l.Text})
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.writeJSON(w, http.StatusOK, map[string]any{"from": from.Number, "to": to.Number, "lang": lang, "lines": lines})
}

func (m *missions) apiFreeze(w http.ResponseWriter, r *http.Request) {
	s, o, err := m.statementOf(r)
	if err == nil && !leads(o) {
		err = baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's head and delegation heads freeze a statement")
	}
	var figs []mission.Figure
	if err == nil {
		figs, err = m.liveFigures(r.Context(), s.MissionID)
	}
	var v mission.Version
	if err == nil {
		var byUser int64
		if u := currentUser(r.Context()); u.ObserverID == 0 {
			byUser = u.ID
		}
		v, err = m.st.FreezeMissionStatement(r.Context(), s.ID, figs, byUser, o.ID)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusOK, toAPIVersion(v))
}

func (m *missions) apiReopen(w http.ResponseWriter, r *http.Request) {
	s, o, err := m.statementOf(r)
	if err == nil && !leads(o) {
		err = baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's head and delegation heads reopen a statement")
	}
	if err == nil {
		err = m.st.ReopenMissionStatement(r.Context(), s.ID)
	}
	if err == nil {
		s, err = m.st.MissionStatement(r.Context(), s.ID)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusOK, toAPIMissionStatement(s, false))
}

// decision records a head's decision on statement {sid}.
func (m *missions) decision(r *http.Request, approve bool, comment string) (mission.Statement, error) {
	s, o, err := m.statementOf(r)
	if err != nil {
		return s, err
	}
	if o.MissionRole != people.DelegationHead {
		return s, baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's delegation heads approve its statements")
	}
	if len([]rune(comment)) > 5000 {
		return s, baqylau.Errorf(baqylau.EINVALID, "comment is longer than 5000 characters")
	}
	return m.st.DecideMissionStatement(r.Context(), &mission.Decision{StatementID: s.ID, ObserverID: o.ID, Approve: approve,
		Comment: strings.TrimSpace(comment)})
}

func (m *missions) apiDecide(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Approve *bool  `json:"approve"`
		Comment string `json:"comment"`
	}
	err := decodeJSON(w, r, &in)
	if err == nil && in.Approve == nil {
		err = baqylau.Errorf(baqylau.EINVALID, `give "approve": true or false`)
	}
	var s mission.Statement
	if err == nil {
		s, err = m.decision(r, *in.Approve, in.Comment)
	}
	var announced time.Time
	if err == nil {
		announced, err = m.st.ResultsAnnounced(r.Context(), s.ElectionID)
	}
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	m.s.writeJSON(w, http.StatusOK, toAPIMissionStatement(s, s.Released(time.Now(), announced)))
}

// apiDraftPDF gives the mission's members the statement as it now reads,
// with live figures while it is a draft.
func (m *missions) apiDraftPDF(w http.ResponseWriter, r *http.Request) {
	s, d, lang, err := m.statementIn(r)
	if err != nil {
		m.s.apiError(w, r, err)
		return
	}
	title, body := d.Current.Text(lang, d.Figures)
	w.Header().Set("Cache-Control", "no-store")
	m.writePDF(w, r, title, m.s.cat.Printer(lang).T("mission.pdf.draft", "Version", d.Current.Number, "Status", s.Status()), body,
		"statement-draft-"+strconv.FormatInt(s.ID, 10)+"-"+lang)
}

// langParam reads ?lang= (kk, ru or en; default ru).
func langParam(r *http.Request) (string, error) {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		return "ru", nil
	}
	if !slices.Contains(publish.Languages, lang) {
		return lang, baqylau.Errorf(baqylau.EINVALID, "lang %q is not kk, ru or en", lang)
	}
	return lang, nil
}
