package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/mission"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
)

// memberAck is a member and whether they acknowledged the principles.
type memberAck struct {
	Observer     people.Observer
	Acknowledged bool
}

// workData is what mission_work.html shows: the mission's own page.
type workData struct {
	Mission      people.Mission
	Me           people.Observer
	Acknowledged bool
	Acks         int
	Meetings     []mission.MeetingRecord
	Statements   []mission.Statement
	Form         meetingForm
	Leads        bool
	// Members lists, for the leads, each member and whether they
	// acknowledged the principles as they now read.
	Members []memberAck
	Now     string
}

func (m *missions) showWork(w http.ResponseWriter, r *http.Request) {
	mid, err := pathID(r, "mid")
	var d workData
	if err == nil {
		d.Me, err = m.inMission(r.Context(), mid)
	}
	if err == nil {
		d.Mission, err = m.s.cfg.People.Mission(r.Context(), mid)
	}
	var acks []mission.Acknowledgement
	if err == nil {
		acks, err = m.st.Acknowledgements(r.Context(), mid)
	}
	if err == nil {
		d.Meetings, err = m.st.Meetings(r.Context(), d.Mission.ElectionID, mid)
	}
	if err == nil {
		d.Statements, err = m.st.MissionStatements(r.Context(), mid)
	}
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	d.Acks = len(acks)
	d.Leads = leads(d.Me)
	if d.Leads {
		// A mission is at most a few hundred people: one page of the list.
		members, _, err := m.s.cfg.People.Observers(r.Context(), people.ObserverQuery{MissionID: mid, Limit: 1000})
		if err != nil {
			m.s.pageError(w, r, err)
			return
		}
		for _, o := range members {
			d.Members = append(d.Members, memberAck{Observer: o, Acknowledged: slices.ContainsFunc(acks, func(a mission.Acknowledgement) bool {
				return a.ObserverID == o.ID && a.Principles == d.Mission.Principles
			})})
		}
	}
	d.Form = newMeetingForm("/missions/"+strconv.FormatInt(mid, 10)+"/meetings", []mission.MeetingKind{mission.StateBody, mission.Meeting, mission.Briefing}, d.Leads)
	d.Now = d.Form.Now
	d.Acknowledged = slices.ContainsFunc(acks, func(a mission.Acknowledgement) bool {
		return a.ObserverID == d.Me.ID && a.Principles == d.Mission.Principles
	})
	w.Header().Set("Cache-Control", "no-store")
	v := m.s.newView(r, "", d)
	v.Title = d.Mission.Name
	m.s.render(w, r, http.StatusOK, "mission_work", v)
}

func (m *missions) acknowledge(w http.ResponseWriter, r *http.Request) {
	mid, err := pathID(r, "mid")
	var o people.Observer
	if err == nil {
		o, err = m.inMission(r.Context(), mid)
	}
	if err == nil {
		err = readForm(w, r)
	}
	if err == nil {
		a := mission.Acknowledgement{MissionID: mid, ObserverID: o.ID}
		if u := currentUser(r.Context()); u.ObserverID == 0 {
			a.ByUserID = u.ID
		}
		err = m.st.Acknowledge(r.Context(), &a)
	}
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	m.s.flash(r, "mission.principles.done")
	http.Redirect(w, r, "/missions/"+strconv.FormatInt(mid, 10)+"/work", http.StatusSeeOther)
}

// statementPage is what mission_statement.html shows.
type statementPage struct {
	statementView
	Me        people.Observer
	Title     string
	Body      []string
	Lang      string
	Used      []mission.Figure
	From, To  int
	Diff      []mission.DiffLine
	CanDecide bool
	Langs     []string
	Leads     bool
	// Edit holds the current text of each language for the edit form.
	Edit, EditTitle map[string]string
	Figures         []string
}

func (m *missions) showStatement(w http.ResponseWriter, r *http.Request) {
	s, o, err := m.statementOf(r)
	var d statementView
	if err == nil {
		d, err = m.loadStatement(r.Context(), s)
	}
	v := m.s.newView(r, "", nil)
	p := statementPage{statementView: d, Me: o, Lang: v.Lang, Langs: publish.Languages}
	if err == nil {
		var from, to mission.Version
		if from, to, err = diffParams(r, d.Versions); err == nil {
			p.From, p.To = from.Number, to.Number
			p.Diff = mission.Diff(versionLines(from, v.Lang), versionLines(to, v.Lang))
		}
	}
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	var body string
	p.Title, body = d.Current.Text(v.Lang, d.Figures)
	p.Body = splitLines(body)
	for _, name := range d.Current.Used() {
		for _, f := range d.Figures {
			if f.Name == name {
				p.Used = append(p.Used, f)
			}
		}
	}
	p.Leads, p.Figures = leads(o), mission.FigureNames
	p.Edit, p.EditTitle = map[string]string{}, map[string]string{}
	for _, l := range publish.Languages {
		p.Edit[l] = mission.FormatSections(d.Current.Sections, l)
		p.EditTitle[l] = pick(d.Current.Title, l)
	}
	p.CanDecide = o.MissionRole == people.DelegationHead && s.FrozenVersion != 0 && s.AdoptedAt.IsZero()
	v.Title, v.Data = p.Title, p
	w.Header().Set("Cache-Control", "no-store")
	m.s.render(w, r, http.StatusOK, "mission_statement", v)
}

func (m *missions) decide(w http.ResponseWriter, r *http.Request) {
	err := readForm(w, r)
	var s mission.Statement
	if err == nil {
		approve := r.PostForm.Get("approve")
		if approve != "1" && approve != "0" {
			err = baqylau.Errorf(baqylau.EINVALID, "choose approve or object")
		} else {
			s, err = m.decision(r, approve == "1", r.PostForm.Get("comment"))
		}
	}
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	m.s.flash(r, "mission.decision.done")
	http.Redirect(w, r, "/missions/"+strconv.FormatInt(s.MissionID, 10)+"/statements/"+strconv.FormatInt(s.ID, 10), http.StatusSeeOther)
}

// mine takes a member to their mission's page.
func (m *missions) mine(w http.ResponseWriter, r *http.Request) {
	o, err := m.member(r.Context())
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/missions/"+strconv.FormatInt(o.MissionID, 10)+"/work", http.StatusSeeOther)
}
