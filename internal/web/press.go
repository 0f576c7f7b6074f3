package web

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/memo"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/tally"
)

// Press centre roles.
var (
	// pressDesk runs the press centre: briefings, statements,
	// accreditation requests.
	pressDesk = []auth.Role{auth.Admin, auth.Coordinator}
	// admins edit reference data such as the help centres.
	admins = []auth.Role{auth.Admin}
)

// pressTTL bounds the age of what the public press centre shows: the
// figures are at most this old, and a burst of requests costs one read.
const pressTTL = time.Second

// press serves the public press centre under /press, its desk, the
// results pages and open data.
type press struct {
	s     *Server
	st    publish.Store     // nil when the store keeps no press centre
	data  publish.DataStore // nil when the store keeps no open data
	tally *tally.Service    // nil when the store keeps no turnout tally
	// content keeps what the public pages show for pressTTL.
	content *memo.Cache[int64, pressContent]
	charts  *memo.Cache[string, pressCharts]
}

// pressRoutes is the press centre, the results and open data.
func (s *Server) pressRoutes() []route {
	p := &press{s: s, content: memo.New[int64, pressContent](pressTTL, 64), charts: memo.New[string, pressCharts](chartsTTL, 256)}
	p.st, _ = s.cfg.Reports.(publish.Store)
	p.data, _ = s.cfg.Reports.(publish.DataStore)
	if st, ok := s.cfg.Reports.(tally.Store); ok {
		p.tally = tally.NewService(st, tally.Options{TTL: pressTTL})
	}
	routes := []route{
		{pattern: "GET /press", roles: public, h: p.showPress},
		{pattern: "GET /press/statements/{sid}", roles: public, h: p.showStatement},
		{pattern: "GET /press/accreditation", roles: public, h: p.accreditationForm},
		{pattern: "POST /press/accreditation", roles: public, h: p.requestAccreditation},
		{pattern: "GET /press/desk", roles: pressDesk, h: p.showDesk},
		{pattern: "POST /press/briefings", roles: pressDesk, h: p.createBriefing},
		{pattern: "POST /press/statements", roles: pressDesk, h: p.createStatement},
		{pattern: "POST /press/desk/requests/{rid}/accept", roles: pressDesk, h: p.acceptRequest},
		{pattern: "POST /press/desk/centres/{cid}", roles: admins, h: p.updateCentre},
		{pattern: "POST /press/desk/incidents", roles: hqStaff, h: p.setPublishable},

		{pattern: "GET /api/v1/press/figures", roles: public, api: true, h: p.apiFigures},
		{pattern: "GET /api/v1/press/briefings", roles: public, api: true, h: p.apiBriefings},
		{pattern: "GET /api/v1/press/statements", roles: public, api: true, h: p.apiStatements},
		{pattern: "POST /api/v1/press/accreditation-requests", roles: public, api: true, h: p.apiRequestAccreditation},
		{pattern: "GET /api/v1/press/accreditation-requests", roles: pressDesk, api: true, h: p.apiRequests},
		{pattern: "POST /api/v1/press/accreditation-requests/{rid}/accept", roles: pressDesk, api: true, h: p.apiAcceptRequest},
		{pattern: "POST /api/v1/incidents/{id}/publication", roles: hqStaff, api: true, h: p.apiSetPublishable},
	}
	routes = append(routes, s.resultsRoutes()...)
	return append(routes, p.openDataRoutes()...)
}

// store returns the press centre's store or an internal error.
func (p *press) store() (publish.Store, error) {
	if p.st == nil {
		return nil, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no press centre")
	}
	return p.st, nil
}

// pressContent is what the public front page shows, read at most once per
// pressTTL.
type pressContent struct {
	Election   *election.Election // the latest election, nil if none
	Turnout    tally.Turnout
	Briefings  []publish.Briefing
	Statements []publish.Statement
	Centres    []publish.HelpCentre
	AsOf       time.Time
}

// latestElection is the election the press centre shows: the one asked
// for by ?election=, else the newest.
func (p *press) latestElection(r *http.Request) (*election.Election, error) {
	if v := r.URL.Query().Get("election"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, baqylau.Errorf(baqylau.ENOTFOUND, "no election %q", v)
		}
		e, err := p.s.cfg.Elections.Election(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return &e, nil
	}
	list, err := p.s.cfg.Elections.Elections(r.Context())
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// load reads the front page's content, from memory when fresh.
func (p *press) load(r *http.Request) (pressContent, error) {
	st, err := p.store()
	if err != nil {
		return pressContent{}, err
	}
	e, err := p.latestElection(r)
	if err != nil {
		return pressContent{}, err
	}
	var key int64
	if e != nil {
		key = e.ID
	}
	return p.content.Get(key, func() (pressContent, error) {
		c := pressContent{Election: e, AsOf: time.Now()}
		var err error
		if e != nil && p.tally != nil {
			if c.Turnout, err = p.tally.Turnout(r.Context(), e.ID, time.Time{}); err != nil {
				return c, err
			}
			c.AsOf = c.Turnout.AsOf
		}
		// Briefings of the last day stay on the schedule.
		if c.Briefings, err = st.Briefings(r.Context(), time.Now().Add(-24*time.Hour), 20); err != nil {
			return c, err
		}
		if c.Statements, err = st.Statements(r.Context(), 20); err != nil {
			return c, err
		}
		c.Centres, err = st.HelpCentres(r.Context())
		return c, err
	})
}

// pressPage is what press.html shows.
type pressPage struct {
	pressContent
	Charts pressCharts
	Lang   string
	p      turnoutPage
}

// Percent writes a turnout percentage in the page's language.
func (d pressPage) Percent(s tally.Sums) string { return d.p.Percent(s) }

// Clock writes an instant as HH:MM in the election's reference zone.
func (d pressPage) Clock(t time.Time) string { return d.p.Clock(t) }

// Local writes an instant in Astana time.
func (d pressPage) Local(t time.Time) time.Time { return t.In(refZone()) }

// refZone is the reference zone of the press centre (Astana time).
func refZone() *time.Location {
	loc, err := election.LoadZone(election.DefaultTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// cacheHeaders lets browsers and proxies keep a public answer for a
// second; an answer for a signed-in user stays private.
func cacheHeaders(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		w.Header().Set("Cache-Control", "private, max-age=1")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=1")
	}
	w.Header().Set("Vary", "Cookie, Accept-Language")
}

func (p *press) showPress(w http.ResponseWriter, r *http.Request) {
	c, err := p.load(r)
	if err != nil {
		p.s.pageError(w, r, err)
		return
	}
	v := p.s.newView(r, "press.title", nil)
	d := pressPage{pressContent: c, Lang: v.Lang}
	if c.Election != nil {
		d.p = turnoutPage{Election: *c.Election, Lang: v.Lang, p: v.Printer}
		if d.Charts, err = p.chartsFor(r, v, *c.Election, c.Turnout); err != nil {
			p.s.pageError(w, r, err)
			return
		}
	}
	v.Data = d
	cacheHeaders(w, r)
	p.s.render(w, r, http.StatusOK, "press", v)
}

func (p *press) showStatement(w http.ResponseWriter, r *http.Request) {
	st, err := p.store()
	var s publish.Statement
	if err == nil {
		id, perr := strconv.ParseInt(r.PathValue("sid"), 10, 64)
		if perr != nil {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "no statement %q", r.PathValue("sid"))
		} else {
			s, err = st.Statement(r.Context(), id)
		}
	}
	if err != nil {
		p.s.pageError(w, r, err)
		return
	}
	v := p.s.newView(r, "", nil)
	v.Title = s.Title.In(v.Lang)
	var paras []string
	for _, para := range strings.Split(strings.ReplaceAll(s.Body.In(v.Lang), "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			paras = append(paras, para)
		}
	}
	v.Data = map[string]any{"Statement": s, "Paragraphs": paras, "Published": s.PublishedAt.In(refZone())}
	cacheHeaders(w, r)
	p.s.render(w, r, http.StatusOK, "press_statement", v)
}

// accreditationData is what press_accreditation.html shows.
type accreditationData struct {
	Request publish.AccreditationRequest
	Error   string
}

func (p *press) accreditationForm(w http.ResponseWriter, r *http.Request) {
	p.s.render(w, r, http.StatusOK, "press_accreditation", p.s.newView(r, "press.accreditation.title", accreditationData{}))
}

func (p *press) requestAccreditation(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		p.s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "the form could not be read"))
		return
	}
	req := publish.AccreditationRequest{FullName: r.PostForm.Get("full_name"), Outlet: r.PostForm.Get("outlet"),
		Email: r.PostForm.Get("email"), Phone: r.PostForm.Get("phone")}
	st, err := p.store()
	if err == nil {
		err = st.CreateAccreditationRequest(r.Context(), &req)
	}
	if err != nil {
		if statusOf(err) != http.StatusUnprocessableEntity {
			p.s.pageError(w, r, err)
			return
		}
		p.s.render(w, r, statusOf(err), "press_accreditation", p.s.newView(r, "press.accreditation.title",
			accreditationData{Request: req, Error: p.s.publicMessage(r, err)}))
		return
	}
	p.s.sessions.Put(r.Context(), "flash", p.s.printer(r).T("press.accreditation.sent"))
	http.Redirect(w, r, "/press", http.StatusSeeOther)
}

// deskData is what press_desk.html shows.
type deskData struct {
	Requests  []publish.AccreditationRequest
	Briefings []publish.Briefing
	Centres   []publish.HelpCentre
	Elections []election.Election
	IsAdmin   bool
	Now       string // datetime-local default, Astana time
}

func (p *press) showDesk(w http.ResponseWriter, r *http.Request) {
	st, err := p.store()
	d := deskData{IsAdmin: currentUser(r.Context()).Role == auth.Admin, Now: time.Now().In(refZone()).Format("2006-01-02T15:04")}
	if err == nil {
		d.Requests, err = st.AccreditationRequests(r.Context(), publish.Pending, 200)
	}
	if err == nil {
		d.Briefings, err = st.Briefings(r.Context(), time.Now().Add(-24*time.Hour), 50)
	}
	if err == nil {
		d.Centres, err = st.HelpCentres(r.Context())
	}
	if err == nil {
		d.Elections, err = p.s.cfg.Elections.Elections(r.Context())
	}
	if err != nil {
		p.s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	p.s.render(w, r, http.StatusOK, "press_desk", p.s.newView(r, "press.desk.title", d))
}

// formDone redirects back to the desk with a flash, or shows the error.
func (p *press) formDone(w http.ResponseWriter, r *http.Request, err error, flash string) {
	if err != nil {
		p.s.pageError(w, r, err)
		return
	}
	p.s.sessions.Put(r.Context(), "flash", p.s.printer(r).T(flash))
	http.Redirect(w, r, "/press/desk", http.StatusSeeOther)
}

func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return baqylau.Errorf(baqylau.EINVALID, "the form could not be read")
	}
	return nil
}

func (p *press) createBriefing(w http.ResponseWriter, r *http.Request) {
	st, err := p.store()
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		b := publish.Briefing{Title: r.PostForm.Get("title"), Place: r.PostForm.Get("place"), Lang: r.PostForm.Get("lang")}
		b.StartsAt, err = time.ParseInLocation("2006-01-02T15:04", r.PostForm.Get("starts_at"), refZone())
		if err != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "the briefing's time %q is not a date and time", r.PostForm.Get("starts_at"))
		} else {
			err = st.CreateBriefing(r.Context(), &b)
		}
	}
	p.content.Forget(0)
	p.formDone(w, r, err, "press.briefing.created")
}

func (p *press) createStatement(w http.ResponseWriter, r *http.Request) {
	st, err := p.store()
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		f := r.PostForm
		s := publish.Statement{Title: publish.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")},
			Body: publish.Text{KK: f.Get("body_kk"), RU: f.Get("body_ru"), EN: f.Get("body_en")}}
		err = st.CreateStatement(r.Context(), &s)
	}
	p.formDone(w, r, err, "press.statement.created")
}

// accept creates the journalist of a pending request in the people
// registry, under a media organisation of the outlet's name (found or
// created), and marks the request accepted.
func (p *press) accept(r *http.Request, idText string) (people.Observer, error) {
	st, err := p.store()
	if err != nil {
		return people.Observer{}, err
	}
	if p.s.cfg.People == nil {
		return people.Observer{}, baqylau.Errorf(baqylau.EINTERNAL, "web: no people registry")
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return people.Observer{}, baqylau.Errorf(baqylau.ENOTFOUND, "no accreditation request %q", idText)
	}
	req, err := st.AccreditationRequest(r.Context(), id)
	if err != nil {
		return people.Observer{}, err
	}
	if req.Status != publish.Pending {
		return people.Observer{}, baqylau.Errorf(baqylau.ECONFLICT, "the request was already accepted")
	}
	ctx := r.Context()
	org, err := p.s.cfg.People.OrganizationByName(ctx, req.Outlet)
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		org = people.Organization{Name: req.Outlet, Kind: people.Media}
		err = p.s.cfg.People.CreateOrganization(ctx, &org)
	}
	if err != nil {
		return people.Observer{}, err
	}
	if org.Kind != people.Media {
		return people.Observer{}, baqylau.Errorf(baqylau.ECONFLICT, "an organisation named %q exists and is not media", req.Outlet)
	}
	u := currentUser(ctx)
	o := people.Observer{Kind: people.KindJournalist, FullName: req.FullName, OrganizationID: org.ID,
		Personal: people.Personal{Email: req.Email, Phone: req.Phone}}
	if err := p.s.cfg.People.CreateObserver(ctx, &o, u.ID); err != nil {
		return people.Observer{}, err
	}
	if err := st.AcceptAccreditationRequest(ctx, req.ID, o.ID, u.ID); err != nil {
		return people.Observer{}, err
	}
	return o, nil
}

func (p *press) acceptRequest(w http.ResponseWriter, r *http.Request) {
	_, err := p.accept(r, r.PathValue("rid"))
	p.formDone(w, r, err, "press.request.accepted")
}

func (p *press) updateCentre(w http.ResponseWriter, r *http.Request) {
	st, err := p.store()
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		id, perr := strconv.ParseInt(r.PathValue("cid"), 10, 64)
		if perr != nil {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "no help centre %q", r.PathValue("cid"))
		} else {
			err = st.UpdateHelpCentre(r.Context(), publish.HelpCentre{ID: id, Address: r.PostForm.Get("address"),
				Hours: r.PostForm.Get("hours"), Contacts: r.PostForm.Get("contacts")})
		}
	}
	p.formDone(w, r, err, "press.centre.updated")
}

func (p *press) setPublishable(w http.ResponseWriter, r *http.Request) {
	st, err := p.store()
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		id, perr := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("incident")), 10, 64)
		if perr != nil {
			err = baqylau.Errorf(baqylau.EINVALID, "give the incident's number")
		} else {
			err = st.SetIncidentPublishable(r.Context(), id, r.PostForm.Get("publishable") == "1", currentUser(r.Context()).ID)
		}
	}
	p.formDone(w, r, err, "press.incident.marked")
}

// API

func (p *press) apiFigures(w http.ResponseWriter, r *http.Request) {
	c, err := p.load(r)
	if err == nil && c.Election == nil {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "no election yet")
	}
	if err == nil && p.tally == nil {
		err = baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no turnout tally")
	}
	if err != nil {
		p.s.apiError(w, r, err)
		return
	}
	e := *c.Election
	cacheHeaders(w, r)
	p.s.writeJSON(w, http.StatusOK, map[string]any{
		"election": map[string]any{"id": e.ID, "name": e.Name, "date": e.Date.Format(election.DateLayout)},
		"turnout":  toAPITurnout(e, c.Turnout),
	})
}

type apiBriefing struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
	Place    string    `json:"place"`
	Lang     string    `json:"lang"`
}

func (p *press) apiBriefings(w http.ResponseWriter, r *http.Request) {
	c, err := p.load(r)
	if err != nil {
		p.s.apiError(w, r, err)
		return
	}
	out := make([]apiBriefing, 0, len(c.Briefings))
	for _, b := range c.Briefings {
		out = append(out, apiBriefing{ID: b.ID, Title: b.Title, StartsAt: b.StartsAt.In(refZone()), Place: b.Place, Lang: b.Lang})
	}
	cacheHeaders(w, r)
	p.s.writeJSON(w, http.StatusOK, map[string]any{"briefings": out})
}

type apiStatement struct {
	ID          int64             `json:"id"`
	Title       map[string]string `json:"title"`
	Body        map[string]string `json:"body"`
	PublishedAt time.Time         `json:"published_at"`
}

func (p *press) apiStatements(w http.ResponseWriter, r *http.Request) {
	c, err := p.load(r)
	if err != nil {
		p.s.apiError(w, r, err)
		return
	}
	out := make([]apiStatement, 0, len(c.Statements))
	for _, s := range c.Statements {
		out = append(out, apiStatement{ID: s.ID, Title: map[string]string{"kk": s.Title.KK, "ru": s.Title.RU, "en": s.Title.EN},
			Body: map[string]string{"kk": s.Body.KK, "ru": s.Body.RU, "en": s.Body.EN}, PublishedAt: s.PublishedAt.In(refZone())})
	}
	cacheHeaders(w, r)
	p.s.writeJSON(w, http.StatusOK, map[string]any{"statements": out})
}

type apiAccreditationRequest struct {
	FullName string `json:"full_name"`
	Outlet   string `json:"outlet"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
}

func (p *press) apiRequestAccreditation(w http.ResponseWriter, r *http.Request) {
	var in apiAccreditationRequest
	st, err := p.store()
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	req := publish.AccreditationRequest{FullName: in.FullName, Outlet: in.Outlet, Email: in.Email, Phone: in.Phone}
	if err == nil {
		err = st.CreateAccreditationRequest(r.Context(), &req)
	}
	if err != nil {
		p.s.apiError(w, r, err)
		return
	}
	p.s.writeJSON(w, http.StatusCreated, map[string]any{"id": req.ID, "status": req.Status})
}

func (p *press) apiRequests(w http.ResponseWriter, r *http.Request) {
	st, err := p.store()
	var list []publish.AccreditationRequest
	if err == nil {
		status := publish.RequestStatus(r.URL.Query().Get("status"))
		if status == "" {
			status = publish.Pending
		}
		list, err = st.AccreditationRequests(r.Context(), status, 1000)
	}
	if err != nil {
		p.s.apiError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(list))
	for _, q := range list {
		out = append(out, map[string]any{"id": q.ID, "full_name": q.FullName, "outlet": q.Outlet, "email": q.Email, "phone": q.Phone,
			"status": q.Status, "created_at": q.Created})
	}
	w.Header().Set("Cache-Control", "no-store")
	p.s.writeJSON(w, http.StatusOK, map[string]any{"requests": out})
}

func (p *press) apiAcceptRequest(w http.ResponseWriter, r *http.Request) {
	o, err := p.accept(r, r.PathValue("rid"))
	if err != nil {
		p.s.apiError(w, r, err)
		return
	}
	p.s.writeJSON(w, http.StatusOK, map[string]any{"journalist": o.ID, "number": o.Number})
}

func (p *press) apiSetPublishable(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Publishable bool `json:"publishable"`
	}
	st, err := p.store()
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var id int64
	if err == nil {
		if id, err = strconv.ParseInt(r.PathValue("id"), 10, 64); err != nil {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "no incident %q", r.PathValue("id"))
		}
	}
	if err == nil {
		err = st.SetIncidentPublishable(r.Context(), id, in.Publishable, currentUser(r.Context()).ID)
	}
	if err != nil {
		p.s.apiError(w, r, err)
		return
	}
	p.s.writeJSON(w, http.StatusOK, map[string]any{"incident": id, "publishable": in.Publishable})
}

// svg marks a chart drawn by the chart package as safe HTML: it escapes
// every text it writes.
func svg(s string) template.HTML { return template.HTML(s) } //nolint:gosec // chart escapes all text
