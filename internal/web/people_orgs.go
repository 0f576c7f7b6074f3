package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

type organizationsData struct {
	Orgs   []people.Organization
	Kinds  []people.OrgKind
	Kind   string
	Search string
	Pager  pager
	Form   people.Organization
	Error  string
}

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) {
	s.renderOrganizations(w, r, http.StatusOK, people.Organization{}, "")
}

func (s *Server) renderOrganizations(w http.ResponseWriter, r *http.Request, status int, form people.Organization, msg string) {
	page, limit, offset := pageParams(r)
	q := people.OrgQuery{Kind: people.OrgKind(r.URL.Query().Get("kind")), Search: strings.TrimSpace(r.URL.Query().Get("q")), Limit: limit, Offset: offset}
	orgs, total, err := s.cfg.People.Organizations(r.Context(), q)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := organizationsData{Orgs: orgs, Kinds: people.OrgKinds, Kind: string(q.Kind), Search: q.Search, Pager: newPager(r, page, total, limit), Form: form, Error: msg}
	s.render(w, r, status, "organizations", s.newView(r, "organizations.title", d))
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	o := people.Organization{Name: r.PostForm.Get("name"), Kind: people.OrgKind(r.PostForm.Get("kind")), Country: r.PostForm.Get("country")}
	err := o.Validate()
	if err == nil {
		err = s.cfg.People.CreateOrganization(r.Context(), &o)
	}
	if err != nil {
		if code := baqylau.ErrorCode(err); code == baqylau.EINVALID || code == baqylau.ECONFLICT {
			s.renderOrganizations(w, r, statusOf(err), o, s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "organizations.created", "Name", o.Name)
	http.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
}

type organizationData struct {
	Org       people.Organization
	Missions  []people.MissionSummary
	Observers int
}

func (s *Server) showOrganization(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	o, err := s.cfg.People.Organization(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	all, err := s.cfg.People.Missions(r.Context(), 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := organizationData{Org: o}
	for _, m := range all {
		if m.OrganizationID == o.ID {
			d.Missions = append(d.Missions, m)
		}
	}
	if _, d.Observers, err = s.cfg.People.Observers(r.Context(), people.ObserverQuery{OrganizationID: o.ID, Limit: 1}); err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "", d)
	v.Title = o.Name
	s.render(w, r, http.StatusOK, "organization", v)
}

type missionsData struct {
	Missions   []people.MissionSummary
	Elections  []election.Election
	Orgs       []people.Organization
	ElectionID int64
	Error      string
}

func (s *Server) listMissions(w http.ResponseWriter, r *http.Request) {
	s.renderMissions(w, r, http.StatusOK, "")
}

func (s *Server) renderMissions(w http.ResponseWriter, r *http.Request, status int, msg string) {
	eid, err := queryID(r, "election")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := missionsData{ElectionID: eid, Error: msg}
	if d.Missions, err = s.cfg.People.Missions(r.Context(), eid); err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Elections, err = s.cfg.Elections.Elections(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Orgs, _, err = s.cfg.People.Organizations(r.Context(), people.OrgQuery{Limit: 1000}); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, "missions", s.newView(r, "missions.title", d))
}

func (s *Server) createMission(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	m, err := missionFromForm(r)
	if err == nil {
		err = s.saveMission(r, &m)
	}
	if err != nil {
		if code := baqylau.ErrorCode(err); code == baqylau.EINVALID || code == baqylau.ECONFLICT || code == baqylau.ENOTFOUND {
			s.renderMissions(w, r, statusOf(err), s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "missions.created", "Name", m.Name)
	http.Redirect(w, r, "/missions?election="+strconv.FormatInt(m.ElectionID, 10), http.StatusSeeOther)
}

func missionFromForm(r *http.Request) (people.Mission, error) {
	m := people.Mission{Name: r.PostForm.Get("name"), Principles: strings.TrimSpace(r.PostForm.Get("principles"))}
	var err error
	if m.OrganizationID, err = strconv.ParseInt(r.PostForm.Get("organization_id"), 10, 64); err != nil {
		return m, baqylau.Errorf(baqylau.EINVALID, "choose an organisation")
	}
	if m.ElectionID, err = strconv.ParseInt(r.PostForm.Get("election_id"), 10, 64); err != nil {
		return m, baqylau.Errorf(baqylau.EINVALID, "choose an election")
	}
	if d := strings.TrimSpace(r.PostForm.Get("start_date")); d != "" {
		if m.StartDate, err = election.ParseDate(d); err != nil {
			return m, err
		}
	}
	return m, nil
}

// saveMission validates a mission, checks its organisation and election
// exist, and stores it.
func (s *Server) saveMission(r *http.Request, m *people.Mission) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if _, err := s.cfg.People.Organization(r.Context(), m.OrganizationID); err != nil {
		return err
	}
	if _, err := s.cfg.Elections.Election(r.Context(), m.ElectionID); err != nil {
		return err
	}
	return s.cfg.People.CreateMission(r.Context(), m)
}
