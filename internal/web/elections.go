package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

type electionsData struct {
	Elections []election.Election
	Kinds     []election.Kind
	Form      electionForm
	Error     string
}

type electionForm struct {
	Name, Kind, Date, TimeZone, Contests string
}

func (s *Server) listElections(w http.ResponseWriter, r *http.Request) {
	s.renderElections(w, r, http.StatusOK, electionForm{TimeZone: election.DefaultTimeZone}, "")
}

func (s *Server) renderElections(w http.ResponseWriter, r *http.Request, status int, f electionForm, msg string) {
	list, err := s.cfg.Elections.Elections(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, "elections", s.newView(r, "elections.title", electionsData{Elections: list, Kinds: election.Kinds, Form: f, Error: msg}))
}

func (s *Server) createElection(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "the form could not be read"))
		return
	}
	f := electionForm{Name: r.PostForm.Get("name"), Kind: r.PostForm.Get("kind"), Date: r.PostForm.Get("date"),
		TimeZone: r.PostForm.Get("time_zone"), Contests: r.PostForm.Get("contests")}
	e := election.Election{Name: f.Name, Kind: election.Kind(f.Kind), TimeZone: strings.TrimSpace(f.TimeZone)}
	var err error
	if e.Date, err = election.ParseDate(f.Date); err == nil {
		for _, line := range strings.Split(f.Contests, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				e.Contests = append(e.Contests, election.Contest{Name: line})
			}
		}
		if err = e.Validate(); err == nil {
			err = s.cfg.Elections.CreateElection(r.Context(), &e)
		}
	}
	if err != nil {
		if baqylau.ErrorCode(err) != baqylau.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.renderElections(w, r, http.StatusUnprocessableEntity, f, s.publicMessage(r, err))
		return
	}
	s.sessions.Put(r.Context(), "flash", s.printer(r).T("elections.created", "Name", e.Name))
	http.Redirect(w, r, "/elections/"+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
}

type electionData struct {
	Election election.Election
	Facets   election.Facets
	Error    string
}

func (s *Server) electionByPath(r *http.Request) (election.Election, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return election.Election{}, baqylau.Errorf(baqylau.ENOTFOUND, "no election %q", r.PathValue("id"))
	}
	return s.cfg.Elections.Election(r.Context(), id)
}

func (s *Server) showElection(w http.ResponseWriter, r *http.Request) {
	s.renderElection(w, r, http.StatusOK, "")
}

func (s *Server) renderElection(w http.ResponseWriter, r *http.Request, status int, msg string) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.cfg.Elections.StationFacets(r.Context(), e.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "", electionData{Election: e, Facets: f, Error: msg})
	v.Title = e.Name
	s.render(w, r, status, "election", v)
}

func (s *Server) createContest(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "the form could not be read"))
		return
	}
	c := election.Contest{ElectionID: e.ID, Name: r.PostForm.Get("name"), Region: r.PostForm.Get("region")}
	err = c.Validate()
	if err == nil {
		err = s.cfg.Elections.AddContest(r.Context(), &c)
	}
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.EINVALID {
			s.renderElection(w, r, http.StatusUnprocessableEntity, s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/elections/"+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
}
