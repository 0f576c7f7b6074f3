package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

type apiOrganization struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Country  string `json:"country,omitempty"`
	Training struct {
		AllMandatory bool `json:"all_mandatory"`
		MinSessions  int  `json:"min_sessions"`
		MinScore     int  `json:"min_score"`
	} `json:"training_rule"`
}

func toAPIOrganization(o people.Organization) apiOrganization {
	a := apiOrganization{ID: o.ID, Name: o.Name, Kind: string(o.Kind), Country: o.Country}
	a.Training.AllMandatory, a.Training.MinSessions, a.Training.MinScore = o.Training.AllMandatory, o.Training.MinSessions, o.Training.MinScore
	return a
}

// apiLimits reads limit and offset (default 50, at most 1000).
func apiLimits(r *http.Request) (limit, offset int, err error) {
	limit = 50
	for _, p := range []struct {
		name string
		dst  *int
	}{{"limit", &limit}, {"offset", &offset}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, 0, baqylau.Errorf(baqylau.EINVALID, "%s must be a whole number ≥ 0", p.name)
			}
			*p.dst = n
		}
	}
	return min(limit, 1000), offset, nil
}

func (s *Server) apiListOrganizations(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := apiLimits(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, total, err := s.cfg.People.Organizations(r.Context(), people.OrgQuery{Kind: people.OrgKind(r.URL.Query().Get("kind")),
		Search: r.URL.Query().Get("q"), Limit: limit, Offset: offset})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiOrganization, 0, len(list))
	for _, o := range list {
		out = append(out, toAPIOrganization(o))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"total": total, "organizations": out})
}

func (s *Server) apiCreateOrganization(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name    string `json:"name"`
		Kind    string `json:"kind"`
		Country string `json:"country"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	o := people.Organization{Name: in.Name, Kind: people.OrgKind(in.Kind), Country: in.Country}
	err := o.Validate()
	if err == nil {
		err = s.cfg.People.CreateOrganization(r.Context(), &o)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, toAPIOrganization(o))
}

func (s *Server) apiGetOrganization(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.cfg.People.Organization(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPIOrganization(o))
}

type apiMission struct {
	ID             int64  `json:"id"`
	OrganizationID int64  `json:"organization_id"`
	Organization   string `json:"organization,omitempty"`
	ElectionID     int64  `json:"election_id"`
	Name           string `json:"name"`
	StartDate      string `json:"start_date,omitempty"`
	Members        int    `json:"members"`
	Heads          int    `json:"heads"`
}

func toAPIMission(m people.MissionSummary) apiMission {
	a := apiMission{ID: m.ID, OrganizationID: m.OrganizationID, Organization: m.OrganizationName, ElectionID: m.ElectionID, Name: m.Name, Members: m.Members, Heads: m.Heads}
	if !m.StartDate.IsZero() {
		a.StartDate = m.StartDate.Format(election.DateLayout)
	}
	return a
}

func (s *Server) apiListMissions(w http.ResponseWriter, r *http.Request) {
	eid, err := queryID(r, "election")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.cfg.People.Missions(r.Context(), eid)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiMission, 0, len(list))
	for _, m := range list {
		out = append(out, toAPIMission(m))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"missions": out})
}

func (s *Server) apiCreateMission(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OrganizationID int64  `json:"organization_id"`
		ElectionID     int64  `json:"election_id"`
		Name           string `json:"name"`
		StartDate      string `json:"start_date"`
		Principles     string `json:"principles"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	m := people.Mission{OrganizationID: in.OrganizationID, ElectionID: in.ElectionID, Name: in.Name, Principles: in.Principles}
	var err error
	if in.StartDate != "" {
		m.StartDate, err = election.ParseDate(in.StartDate)
	}
	if err == nil {
		err = s.saveMission(r, &m)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, toAPIMission(people.MissionSummary{Mission: m}))
}

type apiObserver struct {
	ID             int64    `json:"id"`
	Number         string   `json:"number"`
	Kind           string   `json:"kind"`
	FullName       string   `json:"full_name"`
	OrganizationID int64    `json:"organization_id"`
	Country        string   `json:"country,omitempty"`
	Languages      []string `json:"languages"`
	Region         string   `json:"region,omitempty"`
	MissionID      int64    `json:"mission_id,omitempty"`
	MissionRole    string   `json:"mission_role,omitempty"`
	Status         string   `json:"status"`
	ValidUntil     string   `json:"valid_until,omitempty"`
	// Personal data, only for roles that may see it.
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	NationalID string `json:"national_id,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"`
}

func toAPIObserver(o people.Observer, personal bool) apiObserver {
	a := apiObserver{ID: o.ID, Number: o.Number, Kind: string(o.Kind), FullName: o.FullName, OrganizationID: o.OrganizationID, Country: o.Country,
		Languages: o.Languages, Region: o.Region, MissionID: o.MissionID, MissionRole: string(o.MissionRole), Status: string(o.Status)}
	if a.Languages == nil {
		a.Languages = []string{}
	}
	if !o.ValidUntil.IsZero() {
		a.ValidUntil = o.ValidUntil.Format(election.DateLayout)
	}
	if personal {
		a.Email, a.Phone, a.NationalID = o.Personal.Email, o.Personal.Phone, o.Personal.NationalID
		if !o.Personal.BirthDate.IsZero() {
			a.BirthDate = o.Personal.BirthDate.Format(election.DateLayout)
		}
	}
	return a
}

func (s *Server) apiListObservers(w http.ResponseWriter, r *http.Request) {
	_, q, err := observerQuery(r)
	if err == nil {
		q.Limit, q.Offset, err = apiLimits(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, total, err := s.cfg.People.Observers(r.Context(), q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	personal := canSeePersonal(currentUser(r.Context()))
	out := make([]apiObserver, 0, len(list))
	for _, o := range list {
		out = append(out, toAPIObserver(o, personal))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"total": total, "observers": out})
}

func (s *Server) apiCreateObserver(w http.ResponseWriter, r *http.Request) {
	var in observerInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.newObserver(r.Context(), in)
	if err == nil {
		err = s.cfg.People.CreateObserver(r.Context(), &o, userID(r))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, toAPIObserver(o, canSeePersonal(currentUser(r.Context()))))
}

func (s *Server) apiImportObservers(w http.ResponseWriter, r *http.Request) {
	sum, err := s.importObserversUpload(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]int{"observers": sum.Observers, "organizations_created": sum.Organizations, "missions_created": sum.Missions})
}

func (s *Server) apiGetObserver(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.cfg.People.Observer(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPIObserver(o, canSeePersonal(currentUser(r.Context()))))
}

type apiTransition struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	Reason   string    `json:"reason,omitempty"`
	ByUserID int64     `json:"by_user_id,omitempty"`
	At       time.Time `json:"at"`
}

func (s *Server) apiObserverTransitions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.cfg.People.Observer(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.cfg.People.Transitions(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiTransition, 0, len(list))
	for _, t := range list {
		out = append(out, apiTransition{From: string(t.From), To: string(t.To), Reason: t.Reason, ByUserID: t.ByUserID, At: t.At.UTC()})
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"transitions": out})
}

func (s *Server) apiChangeObserverStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.transition(r.Context(), id, people.Status(in.Status), in.Reason, userID(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.cfg.People.Observer(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPIObserver(o, canSeePersonal(currentUser(r.Context()))))
}

func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	cov, err := s.cfg.People.Coverage(r.Context(), e.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	type item struct {
		Region   string `json:"region,omitempty"`
		Country  string `json:"country,omitempty"`
		Stations int    `json:"stations"`
		Covered  int    `json:"covered"`
	}
	var home, abroad []item
	for _, c := range cov {
		if c.Abroad {
			abroad = append(abroad, item{Country: c.Key, Stations: c.Stations, Covered: c.Covered})
		} else {
			home = append(home, item{Region: c.Key, Stations: c.Stations, Covered: c.Covered})
		}
	}
	if home == nil {
		home = []item{}
	}
	if abroad == nil {
		abroad = []item{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"by_region": home, "by_country": abroad})
}

type apiAssignment struct {
	ID         int64     `json:"id"`
	Station    string    `json:"station"`
	ObserverID int64     `json:"observer_id"`
	Team       string    `json:"team,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func (s *Server) apiListAssignments(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit, offset, err := apiLimits(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, total, err := s.cfg.People.Assignments(r.Context(), people.AssignmentQuery{ElectionID: e.ID, StationCode: r.URL.Query().Get("station"), Limit: limit, Offset: offset})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiAssignment, 0, len(list))
	for _, a := range list {
		out = append(out, apiAssignment{ID: a.ID, Station: a.StationCode, ObserverID: a.ObserverID, Team: a.Team, CreatedAt: a.CreatedAt.UTC()})
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"total": total, "assignments": out})
}

func (s *Server) apiCreateAssignment(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Observer string `json:"observer"`
		Station  string `json:"station"`
		Team     string `json:"team"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.assign(r.Context(), e.ID, in.Observer, in.Station, in.Team, userID(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, apiAssignment{ID: a.ID, Station: a.StationCode, ObserverID: a.ObserverID, Team: a.Team, CreatedAt: a.CreatedAt.UTC()})
}

func (s *Server) apiDeleteAssignment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.unassign(r.Context(), id, userID(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiMyStations(w http.ResponseWriter, r *http.Request) {
	list, err := s.myStationList(r.Context(), currentUser(r.Context()).ObserverID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := []apiStation{}
	for _, m := range list {
		a, err := toAPIStation(m.Election, m.Station)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		out = append(out, a)
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"stations": out})
}
