package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

type observersData struct {
	Observers []people.Observer
	OrgNames  map[int64]string
	Query     observerQueryForm
	Orgs      []people.Organization
	Elections []election.Election
	Statuses  []people.Status
	Kinds     []people.OrgKind
	Pager     pager
	Error     string
}

type observerQueryForm struct {
	Search, Status, Region, Country, Kind string
	OrganizationID, MissionID             int64
}

// observerQuery reads the filters of an observer list from the URL.
func observerQuery(r *http.Request) (observerQueryForm, people.ObserverQuery, error) {
	q := r.URL.Query()
	f := observerQueryForm{Search: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Region: q.Get("region"),
		Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))), Kind: q.Get("kind")}
	var err error
	if f.OrganizationID, err = queryID(r, "organization"); err != nil {
		return f, people.ObserverQuery{}, err
	}
	if f.MissionID, err = queryID(r, "mission"); err != nil {
		return f, people.ObserverQuery{}, err
	}
	oq := people.ObserverQuery{OrganizationID: f.OrganizationID, MissionID: f.MissionID, Status: people.Status(f.Status),
		Kind: people.Kind(f.Kind), Country: f.Country, Search: f.Search}
	if f.Region != "" {
		reg, ok := election.LookupRegion(f.Region)
		if !ok {
			return f, oq, baqylau.Errorf(baqylau.EINVALID, "region %q is not a region of Kazakhstan", f.Region)
		}
		oq.Region = reg.Code
	}
	return f, oq, nil
}

func (s *Server) listObservers(w http.ResponseWriter, r *http.Request) {
	s.renderObservers(w, r, http.StatusOK, "")
}

func (s *Server) renderObservers(w http.ResponseWriter, r *http.Request, status int, msg string) {
	f, q, err := observerQuery(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page, limit, offset := pageParams(r)
	q.Limit, q.Offset = limit, offset
	list, total, err := s.cfg.People.Observers(r.Context(), q)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := observersData{Observers: list, Query: f, Statuses: people.Statuses, Kinds: people.OrgKinds, Pager: newPager(r, page, total, limit), Error: msg}
	if d.Orgs, _, err = s.cfg.People.Organizations(r.Context(), people.OrgQuery{Limit: 1000}); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.OrgNames = map[int64]string{}
	for _, o := range d.Orgs {
		d.OrgNames[o.ID] = o.Name
	}
	if d.Elections, err = s.cfg.Elections.Elections(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, "observers", s.newView(r, "observers.title", d))
}

// newObserverFromForm builds one observer from the desk's form or JSON.
func (s *Server) newObserver(ctx context.Context, in observerInput) (people.Observer, error) {
	o := people.Observer{Kind: people.Kind(in.Kind), FullName: strings.TrimSpace(in.FullName), OrganizationID: in.OrganizationID,
		Country: strings.ToUpper(strings.TrimSpace(in.Country)), MissionID: in.MissionID, MissionRole: people.MissionRole(in.MissionRole),
		Status: people.Applied, Personal: people.Personal{Email: strings.TrimSpace(in.Email), Phone: strings.TrimSpace(in.Phone), NationalID: strings.TrimSpace(in.NationalID)}}
	if o.Kind == "" {
		o.Kind = people.KindObserver
	}
	if o.Kind != people.KindObserver && o.Kind != people.KindJournalist {
		return o, baqylau.Errorf(baqylau.EINVALID, "kind must be observer or journalist")
	}
	if o.FullName == "" || len(o.FullName) > 300 {
		return o, baqylau.Errorf(baqylau.EINVALID, "full name is required (at most 300 bytes)")
	}
	if !o.MissionRole.Valid() {
		return o, baqylau.Errorf(baqylau.EINVALID, "mission role must be member, head or delegation_head")
	}
	if o.Country != "" && !election.ValidCountry(o.Country) {
		return o, baqylau.Errorf(baqylau.EINVALID, "country %q is not an ISO 3166-1 alpha-2 code", o.Country)
	}
	if in.Region != "" {
		reg, ok := election.LookupRegion(in.Region)
		if !ok {
			return o, baqylau.Errorf(baqylau.EINVALID, "region %q is not a region of Kazakhstan", in.Region)
		}
		o.Region = reg.Code
	}
	if _, err := s.cfg.People.Organization(ctx, o.OrganizationID); err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			return o, baqylau.Errorf(baqylau.EINVALID, "choose an existing organisation")
		}
		return o, err
	}
	if o.MissionID != 0 {
		m, err := s.cfg.People.Mission(ctx, o.MissionID)
		if err != nil {
			return o, err
		}
		if m.OrganizationID != o.OrganizationID {
			return o, baqylau.Errorf(baqylau.EINVALID, "the mission belongs to another organisation")
		}
	}
	dups, err := s.cfg.People.FindDuplicates(ctx, people.DuplicateKeys(o.FullName, o.Personal))
	if err != nil {
		return o, err
	}
	for _, d := range dups {
		return o, baqylau.Errorf(baqylau.ECONFLICT, "the same person is already registered as %s", d.Number)
	}
	return o, nil
}

// observerInput is one observer as the desk enters it.
type observerInput struct {
	Kind           string `json:"kind"`
	FullName       string `json:"full_name"`
	OrganizationID int64  `json:"organization_id"`
	Country        string `json:"country"`
	Region         string `json:"region"`
	MissionID      int64  `json:"mission_id"`
	MissionRole    string `json:"mission_role"`
	Email          string `json:"email"`
	Phone          string `json:"phone"`
	NationalID     string `json:"national_id"`
}

func (s *Server) createObserver(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	in := observerInput{Kind: r.PostForm.Get("kind"), FullName: r.PostForm.Get("full_name"), Country: r.PostForm.Get("country"),
		Region: r.PostForm.Get("region"), MissionRole: r.PostForm.Get("mission_role"), Email: r.PostForm.Get("email"), Phone: r.PostForm.Get("phone")}
	in.OrganizationID, _ = strconv.ParseInt(r.PostForm.Get("organization_id"), 10, 64)
	in.MissionID, _ = strconv.ParseInt(r.PostForm.Get("mission_id"), 10, 64)
	o, err := s.newObserver(r.Context(), in)
	if err == nil {
		err = s.cfg.People.CreateObserver(r.Context(), &o, userID(r))
	}
	if err != nil {
		if code := baqylau.ErrorCode(err); code == baqylau.EINVALID || code == baqylau.ECONFLICT {
			s.renderObservers(w, r, statusOf(err), s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "observers.created", "Number", o.Number)
	http.Redirect(w, r, "/observers/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
}

// importObservers takes an observers file (CSV/XLSX) from a form upload;
// missions named in the file are found or created in the chosen election.
func (s *Server) importObservers(w http.ResponseWriter, r *http.Request) {
	sum, err := s.importObserversUpload(w, r)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.pageError(w, r, err)
			return
		}
		s.renderObservers(w, r, statusOf(err), s.publicMessage(r, err))
		return
	}
	s.flash(r, "observers.imported", "Observers", sum.Observers, "Organizations", sum.Organizations, "Missions", sum.Missions)
	http.Redirect(w, r, "/observers", http.StatusSeeOther)
}

func (s *Server) importObserversUpload(w http.ResponseWriter, r *http.Request) (people.ObserverImportSummary, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+1<<20)
	var (
		body       io.Reader
		name       string
		electionID int64
		err        error
	)
	if electionID, err = queryID(r, "election"); err != nil {
		return people.ObserverImportSummary{}, err
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		mr, err := r.MultipartReader()
		if err != nil {
			return people.ObserverImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read: %v", err)
		}
		// The election field comes before the file in the form.
		for body == nil {
			part, err := mr.NextPart()
			if err == io.EOF {
				return people.ObserverImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "choose an observers file (.csv or .xlsx) to import")
			}
			if err != nil {
				return people.ObserverImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read: %v", err)
			}
			switch {
			case part.FormName() == "election_id":
				v, err := io.ReadAll(io.LimitReader(part, 32))
				if err != nil {
					return people.ObserverImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read: %v", err)
				}
				if s := strings.TrimSpace(string(v)); s != "" {
					if electionID, err = strconv.ParseInt(s, 10, 64); err != nil {
						return people.ObserverImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "choose an election")
					}
				}
			case part.FormName() == "file" && part.FileName() != "":
				body, name = part, part.FileName()
				defer part.Close()
			}
		}
	case strings.HasPrefix(ct, "text/csv"):
		body, name = r.Body, "upload.csv"
	case strings.HasPrefix(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
		body, name = r.Body, "upload.xlsx"
	default:
		return people.ObserverImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "send the observers file as multipart/form-data (field \"file\"), text/csv or XLSX")
	}
	rows, err := people.ParseObservers(body, name)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return people.ObserverImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "file is larger than %d MB", s.cfg.MaxUploadBytes>>20)
		}
		return people.ObserverImportSummary{}, err
	}
	if electionID != 0 {
		if _, err := s.cfg.Elections.Election(r.Context(), electionID); err != nil {
			return people.ObserverImportSummary{}, err
		}
	}
	return s.cfg.People.ImportObservers(r.Context(), electionID, rows, userID(r))
}

type observerData struct {
	Observer     people.Observer
	Org          people.Organization
	Mission      *people.Mission
	Transitions  []people.Transition
	Assignments  []people.Assignment
	Next         []people.Status
	ShowPersonal bool
	HasPhoto     bool
	Issued       *issuedCredentials
	Error        string
	// Missions of the observer's organisation, to put them in one.
	Missions []people.MissionSummary
}

// issuedCredentials are shown once, right after they are made.
type issuedCredentials struct {
	Link, PIN string
}

func (s *Server) showObserver(w http.ResponseWriter, r *http.Request) {
	s.renderObserver(w, r, http.StatusOK, nil, "")
}

func (s *Server) renderObserver(w http.ResponseWriter, r *http.Request, status int, issued *issuedCredentials, msg string) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	o, err := s.cfg.People.Observer(ctx, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := observerData{Observer: o, ShowPersonal: canSeePersonal(currentUser(ctx)), Issued: issued, Error: msg}
	if d.Org, err = s.cfg.People.Organization(ctx, o.OrganizationID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if o.MissionID != 0 {
		m, err := s.cfg.People.Mission(ctx, o.MissionID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Mission = &m
	}
	all, err := s.cfg.People.Missions(ctx, 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, m := range all {
		if m.OrganizationID == o.OrganizationID {
			d.Missions = append(d.Missions, m)
		}
	}
	if _, _, err := s.cfg.People.ObserverPhoto(ctx, o.ID); err == nil {
		d.HasPhoto = true
	} else if baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	if d.Transitions, err = s.cfg.People.Transitions(ctx, o.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Assignments, _, err = s.cfg.People.Assignments(ctx, people.AssignmentQuery{ObserverID: o.ID, Limit: 100}); err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, st := range people.Statuses {
		if st != people.Deployed && people.CheckTransition(o, st, "x") == nil {
			d.Next = append(d.Next, st)
		}
	}
	if !d.ShowPersonal {
		d.Observer.Personal = people.Personal{}
	}
	v := s.newView(r, "", d)
	v.Title = o.FullName
	s.render(w, r, status, "observer", v)
}

func (s *Server) changeObserverStatus(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	err = s.transition(r.Context(), id, people.Status(r.PostForm.Get("status")), r.PostForm.Get("reason"), userID(r))
	if err != nil {
		if code := baqylau.ErrorCode(err); code == baqylau.EINVALID || code == baqylau.ECONFLICT {
			s.renderObserver(w, r, statusOf(err), nil, s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "observer.status.changed")
	http.Redirect(w, r, "/observers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// transition moves an observer one step of the workflow, on the record.
func (s *Server) transition(ctx context.Context, id int64, to people.Status, reason string, by int64) error {
	o, err := s.cfg.People.Observer(ctx, id)
	if err != nil {
		return err
	}
	if to == people.Deployed {
		return baqylau.Errorf(baqylau.EINVALID, "an observer becomes deployed by being assigned to a station")
	}
	if err := people.CheckTransition(o, to, reason); err != nil {
		return err
	}
	return s.cfg.People.Transition(ctx, people.Transition{ObserverID: id, From: o.Status, To: to, Reason: strings.TrimSpace(reason), ByUserID: by})
}

// issueCredentials makes a new personal sign-in link and PIN for an
// observer (the old ones stop working) and shows them once. The badge's
// verification token is kept, so printed badges stay valid.
func (s *Server) issueCredentials(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	issued, err := s.newCredentials(r, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderObserver(w, r, http.StatusOK, issued, "")
}

func (s *Server) newCredentials(r *http.Request, id int64) (*issuedCredentials, error) {
	ctx := r.Context()
	if _, err := s.cfg.People.Observer(ctx, id); err != nil {
		return nil, err
	}
	c, err := s.credentials(ctx, id)
	if err != nil {
		return nil, err
	}
	link, err := auth.NewSecret(24)
	if err != nil {
		return nil, err
	}
	pin, err := auth.NewPIN()
	if err != nil {
		return nil, err
	}
	if c.PINHash, err = auth.HashPIN(pin); err != nil {
		return nil, err
	}
	c.LoginHash = auth.TokenHash(link)
	if err := s.cfg.People.SetObserverCredentials(ctx, id, c); err != nil {
		return nil, err
	}
	return &issuedCredentials{Link: s.baseURL(r) + "/o/" + link, PIN: pin}, nil
}

// credentials returns an observer's credentials, making the badge's
// verification token on first use.
func (s *Server) credentials(ctx context.Context, id int64) (people.Credentials, error) {
	c, err := s.cfg.People.ObserverCredentials(ctx, id)
	if err != nil && baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
		return c, err
	}
	if c.VerifyToken == "" {
		if c.VerifyToken, err = auth.NewSecret(18); err != nil {
			return c, err
		}
		if err := s.cfg.People.SetObserverCredentials(ctx, id, c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// baseURL is where users reach this server, for links and QR codes.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	// URL.Scheme is set only from a trusted proxy's X-Forwarded-Proto.
	if r.TLS != nil || r.URL.Scheme == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// setObserverMission puts an observer in a mission as member, head of
// delegation or head of mission.
func (s *Server) setObserverMission(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	role := people.MissionRole(r.PostForm.Get("mission_role"))
	mission, perr := strconv.ParseInt(r.PostForm.Get("mission_id"), 10, 64)
	switch {
	case perr != nil || mission < 0:
		err = baqylau.Errorf(baqylau.EINVALID, "choose a mission")
	case !role.Valid():
		err = baqylau.Errorf(baqylau.EINVALID, "mission role must be member, head or delegation_head")
	default:
		if role == "" {
			role = people.MissionMember
		}
		err = s.cfg.People.SetObserverMission(r.Context(), id, mission, string(role))
	}
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.EINVALID {
			s.renderObserver(w, r, http.StatusUnprocessableEntity, nil, s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "observer.mission.saved")
	http.Redirect(w, r, "/observers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
