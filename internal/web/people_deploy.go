package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

type deploymentData struct {
	Election   election.Election
	Coverage   []people.Coverage
	Uncovered  []string
	UncovPager pager
	Unassigned []people.Observer
	Region     string
	Country    string
	Error      string

	// SampleRoles marks the uncovered stations drawn into the quick-count
	// sample ("sample" or "reserve"), listed first.
	SampleRoles map[string]string
}

func (s *Server) showDeployment(w http.ResponseWriter, r *http.Request) {
	s.renderDeployment(w, r, http.StatusOK, "")
}

func (s *Server) renderDeployment(w http.ResponseWriter, r *http.Request, status int, msg string) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	d := deploymentData{Election: e, Region: r.URL.Query().Get("region"), Country: strings.ToUpper(r.URL.Query().Get("country")), Error: msg}
	if d.Coverage, err = s.cfg.People.Coverage(ctx, e.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	page, limit, offset := pageParams(r)
	var total int
	if d.Uncovered, total, err = s.cfg.People.UncoveredStations(ctx, e.ID, d.Region, d.Country, limit, offset); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.UncovPager = newPager(r, page, total, limit)
	if qs, ok := s.cfg.People.(quickcountStore); ok {
		if d.SampleRoles, err = qs.SampleRoles(ctx, e.ID, d.Uncovered); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if d.Unassigned, _, err = s.cfg.People.Unassigned(ctx, e.ID, 100, 0); err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "deployment.title", d)
	s.render(w, r, status, "deployment", v)
}

func (s *Server) createAssignment(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	e, err := s.electionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	_, err = s.assign(r.Context(), e.ID, r.PostForm.Get("observer"), r.PostForm.Get("station"), r.PostForm.Get("team"), userID(r))
	if err != nil {
		if code := baqylau.ErrorCode(err); code == baqylau.EINVALID || code == baqylau.ECONFLICT || code == baqylau.ENOTFOUND {
			s.renderDeployment(w, r, statusOf(err), s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "deployment.assigned")
	http.Redirect(w, r, "/elections/"+strconv.FormatInt(e.ID, 10)+"/deployment", http.StatusSeeOther)
}

// assign deploys an observer (by accreditation number or id) to a station
// and marks an accredited observer deployed.
func (s *Server) assign(ctx context.Context, electionID int64, observer, station, team string, by int64) (people.Assignment, error) {
	observer, station = strings.TrimSpace(observer), strings.TrimSpace(station)
	var o people.Observer
	var err error
	if id, perr := strconv.ParseInt(observer, 10, 64); perr == nil {
		o, err = s.cfg.People.Observer(ctx, id)
	} else {
		o, err = s.cfg.People.ObserverByNumber(ctx, strings.ToUpper(observer))
	}
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		return people.Assignment{}, baqylau.Errorf(baqylau.ENOTFOUND, "no observer %q", observer)
	}
	if err != nil {
		return people.Assignment{}, err
	}
	if o.Status != people.Accredited && o.Status != people.Deployed {
		return people.Assignment{}, baqylau.Errorf(baqylau.EINVALID, "observer %s is %s: only accredited observers can be deployed", o.Number, o.Status)
	}
	if _, err := s.cfg.Elections.Station(ctx, electionID, station); err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			return people.Assignment{}, baqylau.Errorf(baqylau.ENOTFOUND, "no station %q in this election", station)
		}
		return people.Assignment{}, err
	}
	a := people.Assignment{ElectionID: electionID, StationCode: station, ObserverID: o.ID, Team: strings.TrimSpace(team), ByUserID: by}
	if err := s.cfg.People.Assign(ctx, &a); err != nil {
		return a, err
	}
	if o.Status == people.Accredited {
		err := s.cfg.People.Transition(ctx, people.Transition{ObserverID: o.ID, From: people.Accredited, To: people.Deployed, Reason: "assigned to station " + station, ByUserID: by})
		if err != nil && baqylau.ErrorCode(err) != baqylau.ECONFLICT {
			return a, err
		}
	}
	return a, nil
}

func (s *Server) deleteAssignment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	electionID, err := s.unassign(r.Context(), id, userID(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "deployment.unassigned")
	http.Redirect(w, r, "/elections/"+strconv.FormatInt(electionID, 10)+"/deployment", http.StatusSeeOther)
}

// unassign removes an assignment; an observer left with no station goes
// back from deployed to accredited.
func (s *Server) unassign(ctx context.Context, id, by int64) (electionID int64, err error) {
	a, err := s.cfg.People.Unassign(ctx, id)
	if err != nil {
		return 0, err
	}
	_, n, err := s.cfg.People.Assignments(ctx, people.AssignmentQuery{ObserverID: a.ObserverID, Limit: 1})
	if err != nil {
		return 0, err
	}
	if n == 0 {
		o, err := s.cfg.People.Observer(ctx, a.ObserverID)
		if err != nil {
			return 0, err
		}
		if o.Status == people.Deployed {
			err := s.cfg.People.Transition(ctx, people.Transition{ObserverID: o.ID, From: people.Deployed, To: people.Accredited, Reason: "no station left", ByUserID: by})
			if err != nil && baqylau.ErrorCode(err) != baqylau.ECONFLICT {
				return 0, err
			}
		}
	}
	return a.ElectionID, nil
}

type myData struct {
	Stations []myStation
}

type myStation struct {
	Election election.Election
	Station  election.Station
	Times    stationView
	Team     string
}

func (s *Server) myStationList(ctx context.Context, observerID int64) ([]myStation, error) {
	list, _, err := s.cfg.People.Assignments(ctx, people.AssignmentQuery{ObserverID: observerID, Limit: 100})
	if err != nil {
		return nil, err
	}
	out := []myStation{}
	for _, a := range list {
		e, err := s.cfg.Elections.Election(ctx, a.ElectionID)
		if err != nil {
			return nil, err
		}
		st, err := s.cfg.Elections.Station(ctx, a.ElectionID, a.StationCode)
		if err != nil {
			return nil, err
		}
		tv, err := stationTimes(e, st)
		if err != nil {
			return nil, err
		}
		out = append(out, myStation{Election: e, Station: st, Times: tv, Team: a.Team})
	}
	return out, nil
}

func (s *Server) myStations(w http.ResponseWriter, r *http.Request) {
	list, err := s.myStationList(r.Context(), currentUser(r.Context()).ObserverID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "my", s.newView(r, "my.title", myData{Stations: list}))
}
