package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/mission"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
)

// Forms of missions at work: the HTML side of what the API does.

// formTime reads a datetime-local field in Astana time (zero if empty).
func formTime(f url.Values, name string) (time.Time, error) {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, refZone())
	if err != nil {
		return t, baqylau.Errorf(baqylau.EINVALID, "%s %q is not a date and time such as 2024-03-17T20:00", name, v)
	}
	return t, nil
}

// meetingFromForm reads a meeting and up to meetingFormQuestions
// questions (rows left blank are skipped).
func meetingFromForm(f url.Values, electionID, missionID int64) (mission.MeetingRecord, error) {
	mt := mission.MeetingRecord{ElectionID: electionID, MissionID: missionID, Kind: mission.MeetingKind(f.Get("kind")),
		Place: f.Get("place"), Counterpart: f.Get("counterpart"), Agenda: f.Get("agenda"), Notes: f.Get("notes"), FollowUp: f.Get("follow_up")}
	var err error
	if mt.HeldAt, err = formTime(f, "held_at"); err != nil {
		return mt, err
	}
	mt.Participants = strings.Split(strings.ReplaceAll(f.Get("participants"), "\r\n", "\n"), "\n")
	for i := range meetingFormQuestions {
		n := strconv.Itoa(i)
		q := mission.Question{Topic: mission.Topic(f.Get("topic" + n)), AskedBy: f.Get("asked_by" + n), Question: f.Get("question" + n), Answer: f.Get("answer" + n)}
		if strings.TrimSpace(q.Question+q.Answer+q.AskedBy) != "" {
			mt.Questions = append(mt.Questions, q)
		}
	}
	return mt, nil
}

// meetingFormQuestions is how many question rows the meeting form has;
// more are added with the API.
const meetingFormQuestions = 3

// meetingForm is what the meeting form needs.
type meetingForm struct {
	Action    string
	Kinds     []mission.MeetingKind
	Topics    []mission.Topic
	Rows      []int
	Now       string
	Publish   bool // the viewer may publish minutes
	Languages []string
}

func newMeetingForm(action string, kinds []mission.MeetingKind, publish bool) meetingForm {
	rows := make([]int, meetingFormQuestions)
	for i := range rows {
		rows[i] = i
	}
	return meetingForm{Action: action, Kinds: kinds, Topics: mission.Topics, Rows: rows, Now: time.Now().In(refZone()).Format("2006-01-02T15:04"),
		Publish: publish, Languages: []string{"kk", "ru", "en"}}
}

func (m *missions) recordMissionMeeting(w http.ResponseWriter, r *http.Request) {
	mid, err := pathID(r, "mid")
	if err == nil {
		_, err = m.inMission(r.Context(), mid)
	}
	var ms people.Mission
	if err == nil {
		ms, err = m.s.cfg.People.Mission(r.Context(), mid)
	}
	if err == nil {
		err = parseForm(w, r) // long notes outgrow 64 KiB
	}
	var mt mission.MeetingRecord
	if err == nil {
		mt, err = meetingFromForm(r.PostForm, ms.ElectionID, mid)
		mt.CreatedBy = currentUser(r.Context()).ID
	}
	if err == nil {
		err = m.st.CreateMeeting(r.Context(), &mt)
	}
	m.formDone(w, r, err, "mission.meeting.recorded", "/missions/"+strconv.FormatInt(mid, 10)+"/work#meetings")
}

// formDone redirects with a flash, or shows the error.
func (m *missions) formDone(w http.ResponseWriter, r *http.Request, err error, flash, to string) {
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	m.s.flash(r, flash)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// deskData is what mission_desk.html shows: the observer desk's
// meetings of an election.
type missionDeskData struct {
	Election  election.Election
	Missions  []people.MissionSummary
	Meetings  []mission.MeetingRecord
	Form      meetingForm
	Announced time.Time
}

func (m *missions) showDesk(w http.ResponseWriter, r *http.Request) {
	st, err := m.store()
	var d missionDeskData
	var eid int64
	if err == nil {
		eid, err = pathID(r, "id")
	}
	if err == nil {
		d.Election, err = m.s.cfg.Elections.Election(r.Context(), eid)
	}
	if err == nil {
		d.Meetings, err = st.Meetings(r.Context(), eid, 0)
	}
	if err == nil {
		d.Announced, err = st.ResultsAnnounced(r.Context(), eid)
	}
	if err == nil {
		d.Missions, err = m.s.cfg.People.Missions(r.Context(), eid)
	}
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	d.Form = newMeetingForm("/elections/"+strconv.FormatInt(eid, 10)+"/meetings", []mission.MeetingKind{mission.Briefing, mission.Meeting}, true)
	w.Header().Set("Cache-Control", "no-store")
	m.s.render(w, r, http.StatusOK, "mission_desk", m.s.newView(r, "mission.desk.title", d))
}

func (m *missions) recordDeskMeeting(w http.ResponseWriter, r *http.Request) {
	st, err := m.store()
	var eid int64
	if err == nil {
		eid, err = pathID(r, "id")
	}
	if err == nil {
		err = parseForm(w, r) // long notes outgrow 64 KiB
	}
	var mt mission.MeetingRecord
	if err == nil {
		mt, err = meetingFromForm(r.PostForm, eid, 0)
		mt.CreatedBy = currentUser(r.Context()).ID
	}
	if err == nil {
		err = st.CreateMeeting(r.Context(), &mt)
	}
	m.formDone(w, r, err, "mission.meeting.recorded", "/elections/"+strconv.FormatInt(eid, 10)+"/meetings")
}

// publishMinutes publishes a meeting's minutes from the desk's page or
// the mission's.
func (m *missions) publishMinutes(w http.ResponseWriter, r *http.Request) {
	mt, o, err := m.meeting(r)
	if err == nil && mt.MissionID != 0 && !leads(o) {
		err = baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's head and delegation heads publish its minutes")
	}
	if err == nil {
		err = readForm(w, r)
	}
	var ps publish.Statement
	if err == nil {
		ps, err = m.publishedMinutes(r, mt, publish.Text{KK: r.PostForm.Get("title_kk"), RU: r.PostForm.Get("title_ru"), EN: r.PostForm.Get("title_en")})
	}
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	m.s.flash(r, "mission.minutes.published")
	http.Redirect(w, r, "/press/statements/"+strconv.FormatInt(ps.ID, 10), http.StatusSeeOther)
}

// publishedMinutes writes the minutes in each language given a title
// and publishes them.
func (m *missions) publishedMinutes(r *http.Request, mt mission.MeetingRecord, title publish.Text) (publish.Statement, error) {
	ps := publish.Statement{Title: title}
	for _, l := range publish.Languages {
		t := pick(title, l)
		if strings.TrimSpace(t) == "" {
			continue
		}
		body := m.minutes(mt, l, t)
		switch l {
		case "kk":
			ps.Body.KK = body
		case "ru":
			ps.Body.RU = body
		case "en":
			ps.Body.EN = body
		}
	}
	return ps, m.st.PublishMinutes(r.Context(), mt.ID, &ps)
}

func pick(t publish.Text, lang string) string {
	switch lang {
	case "kk":
		return t.KK
	case "ru":
		return t.RU
	}
	return t.EN
}

func (m *missions) announceResults(w http.ResponseWriter, r *http.Request) {
	st, err := m.store()
	var eid int64
	if err == nil {
		eid, err = pathID(r, "id")
	}
	if err == nil {
		err = readForm(w, r)
	}
	if err == nil {
		err = st.AnnounceResults(r.Context(), eid, time.Time{}, currentUser(r.Context()).ID)
	}
	m.formDone(w, r, err, "mission.results.recorded", "/elections/"+strconv.FormatInt(eid, 10)+"/meetings")
}

// versionFromForm reads a statement's title and sections.
func versionFromForm(f url.Values) mission.Version {
	return mission.Version{Title: publish.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")},
		Sections: mission.ParseSections(f.Get("text_kk"), f.Get("text_ru"), f.Get("text_en"))}
}

func (m *missions) createStatement(w http.ResponseWriter, r *http.Request) {
	mid, err := pathID(r, "mid")
	var o people.Observer
	if err == nil {
		o, err = m.inMission(r.Context(), mid)
	}
	if err == nil {
		err = parseForm(w, r) // a statement in three languages outgrows 64 KiB
	}
	f := r.PostForm
	s := mission.Statement{MissionID: mid, Kind: mission.StatementKind(f.Get("kind")), Rule: mission.Rule(f.Get("rule")),
		Release: mission.ReleaseKind(f.Get("release"))}
	if err == nil {
		s.ReleaseAt, err = formTime(f, "release_at")
	}
	if err == nil && strings.TrimSpace(f.Get("conference_place")) != "" {
		c := mission.Conference{Place: f.Get("conference_place"), Lang: f.Get("conference_lang")}
		if c.StartsAt, err = formTime(f, "conference_at"); err == nil {
			s.Conference = &c
		}
	}
	v := versionFromForm(f)
	v.ByObserver = o.ID
	if u := currentUser(r.Context()); u.ObserverID == 0 {
		v.ByUserID = u.ID
	}
	if err == nil {
		err = m.st.CreateMissionStatement(r.Context(), &s, &v)
	}
	m.formDone(w, r, err, "mission.statement.created", "/missions/"+strconv.FormatInt(mid, 10)+"/statements/"+strconv.FormatInt(s.ID, 10))
}

func statementURL(s mission.Statement) string {
	return "/missions/" + strconv.FormatInt(s.MissionID, 10) + "/statements/" + strconv.FormatInt(s.ID, 10)
}

func (m *missions) saveVersion(w http.ResponseWriter, r *http.Request) {
	s, o, err := m.statementOf(r)
	if err == nil {
		err = parseForm(w, r) // a statement in three languages outgrows 64 KiB
	}
	if err == nil {
		v := versionFromForm(r.PostForm)
		v.StatementID, v.ByObserver = s.ID, o.ID
		if u := currentUser(r.Context()); u.ObserverID == 0 {
			v.ByUserID = u.ID
		}
		err = m.st.SaveMissionVersion(r.Context(), &v)
	}
	m.formDone(w, r, err, "mission.version.saved", statementURL(s))
}

func (m *missions) freeze(w http.ResponseWriter, r *http.Request) {
	s, o, err := m.statementOf(r)
	if err == nil && !leads(o) {
		err = baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's head and delegation heads freeze a statement")
	}
	var figs []mission.Figure
	if err == nil {
		figs, err = m.liveFigures(r.Context(), s.MissionID)
	}
	if err == nil {
		var byUser int64
		if u := currentUser(r.Context()); u.ObserverID == 0 {
			byUser = u.ID
		}
		_, err = m.st.FreezeMissionStatement(r.Context(), s.ID, figs, byUser, o.ID)
	}
	m.formDone(w, r, err, "mission.statement.frozen", statementURL(s))
}

func (m *missions) reopen(w http.ResponseWriter, r *http.Request) {
	s, o, err := m.statementOf(r)
	if err == nil && !leads(o) {
		err = baqylau.Errorf(baqylau.EFORBIDDEN, "only the mission's head and delegation heads reopen a statement")
	}
	if err == nil {
		err = m.st.ReopenMissionStatement(r.Context(), s.ID)
	}
	m.formDone(w, r, err, "mission.statement.reopened", statementURL(s))
}

func (m *missions) updateNotes(w http.ResponseWriter, r *http.Request) {
	mt, _, err := m.meeting(r)
	if err == nil {
		err = parseForm(w, r) // long notes outgrow 64 KiB
	}
	if err == nil {
		err = m.st.UpdateMeetingNotes(r.Context(), mt.ID, r.PostForm.Get("notes"), r.PostForm.Get("follow_up"))
	}
	to := "/elections/" + strconv.FormatInt(mt.ElectionID, 10) + "/meetings"
	if mt.MissionID != 0 {
		to = "/missions/" + strconv.FormatInt(mt.MissionID, 10) + "/work"
	}
	m.formDone(w, r, err, "mission.meeting.updated", to+"#meeting-"+strconv.FormatInt(mt.ID, 10))
}

// linkAccount lets a head's account act for their observer record: the
// desk gives the account's e-mail and the accreditation number.
func (m *missions) linkAccount(w http.ResponseWriter, r *http.Request) {
	eid, err := pathID(r, "id")
	if err == nil {
		err = readForm(w, r)
	}
	var o people.Observer
	if err == nil {
		number := strings.TrimSpace(r.PostForm.Get("number"))
		if o, err = m.s.cfg.People.ObserverByNumber(r.Context(), number); baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			err = baqylau.Errorf(baqylau.EINVALID, "no observer with accreditation number %q", number)
		}
	}
	if err == nil {
		var mid int64
		if mid, err = strconv.ParseInt(r.PostForm.Get("mission"), 10, 64); err != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "choose a mission")
		} else {
			_, err = m.link(r, mid, r.PostForm.Get("email"), o)
		}
	}
	m.formDone(w, r, err, "mission.account.linked", "/elections/"+strconv.FormatInt(eid, 10)+"/meetings#accounts")
}
