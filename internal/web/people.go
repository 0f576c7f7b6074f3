package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
)

// Role groups of the observer desk.
var (
	// desk keeps the registry: organisations, missions, observers.
	desk = []auth.Role{auth.Admin, auth.Coordinator}
	// personalData may see observers' e-mail, phone, ID and birth date.
	personalData = []auth.Role{auth.Admin, auth.Coordinator, auth.RegionalCoordinator, auth.Trainer}
	// observerOnly is an observer signed in with a link or a badge and PIN.
	observerOnly = []auth.Role{auth.Observer}
)

// peopleRoutes: organisations, missions, observers, badges, deployment.
func (s *Server) peopleRoutes() []route {
	return []route{
		{pattern: "GET /organizations", roles: staff, h: s.listOrganizations},
		{pattern: "POST /organizations", roles: desk, h: s.createOrganization},
		{pattern: "GET /organizations/{id}", roles: staff, h: s.showOrganization},
		{pattern: "GET /missions", roles: staff, h: s.listMissions},
		{pattern: "POST /missions", roles: desk, h: s.createMission},
		{pattern: "GET /observers", roles: staff, h: s.listObservers},
		{pattern: "POST /observers", roles: desk, h: s.createObserver},
		{pattern: "POST /observers/import", roles: desk, h: s.importObservers},
		{pattern: "GET /observers/{id}", roles: staff, h: s.showObserver},
		{pattern: "POST /observers/{id}/status", roles: desk, h: s.changeObserverStatus},
		{pattern: "POST /observers/{id}/credentials", roles: desk, h: s.issueCredentials},
		{pattern: "GET /observers/{id}/badge.pdf", roles: desk, h: s.observerBadge},
		{pattern: "POST /observers/{id}/photo", roles: desk, h: s.uploadObserverPhoto},
		{pattern: "POST /observers/{id}/mission", roles: desk, h: s.setObserverMission},
		{pattern: "GET /observers/{id}/photo", roles: staff, h: s.observerPhoto},
		{pattern: "GET /badges.pdf", roles: desk, h: s.batchBadges},
		{pattern: "GET /elections/{id}/deployment", roles: staff, h: s.showDeployment},
		{pattern: "POST /elections/{id}/assignments", roles: desk, h: s.createAssignment},
		{pattern: "POST /assignments/{id}/delete", roles: desk, h: s.deleteAssignment},

		// Public: what a polling-station chair sees on scanning a badge.
		{pattern: "GET /v/{token}", roles: public, h: s.verifyBadge},
		{pattern: "POST /v/{token}/signin", roles: public, h: s.observerPINSignIn},
		{pattern: "GET /o/{token}", roles: public, h: s.observerLinkSignIn},
		{pattern: "GET /my", roles: observerOnly, h: s.myStations},

		{pattern: "GET /api/v1/organizations", roles: staff, api: true, h: s.apiListOrganizations},
		{pattern: "POST /api/v1/organizations", roles: desk, api: true, h: s.apiCreateOrganization},
		{pattern: "GET /api/v1/organizations/{id}", roles: staff, api: true, h: s.apiGetOrganization},
		{pattern: "GET /api/v1/missions", roles: staff, api: true, h: s.apiListMissions},
		{pattern: "POST /api/v1/missions", roles: desk, api: true, h: s.apiCreateMission},
		{pattern: "GET /api/v1/observers", roles: staff, api: true, h: s.apiListObservers},
		{pattern: "POST /api/v1/observers", roles: desk, api: true, h: s.apiCreateObserver},
		{pattern: "POST /api/v1/observers/import", roles: desk, api: true, h: s.apiImportObservers},
		{pattern: "GET /api/v1/observers/{id}", roles: staff, api: true, h: s.apiGetObserver},
		{pattern: "GET /api/v1/observers/{id}/transitions", roles: staff, api: true, h: s.apiObserverTransitions},
		{pattern: "POST /api/v1/observers/{id}/status", roles: desk, api: true, h: s.apiChangeObserverStatus},
		{pattern: "GET /api/v1/elections/{id}/coverage", roles: staff, api: true, h: s.apiCoverage},
		{pattern: "GET /api/v1/elections/{id}/assignments", roles: staff, api: true, h: s.apiListAssignments},
		{pattern: "POST /api/v1/elections/{id}/assignments", roles: desk, api: true, h: s.apiCreateAssignment},
		{pattern: "DELETE /api/v1/assignments/{id}", roles: desk, api: true, h: s.apiDeleteAssignment},
		{pattern: "GET /api/v1/verify/{token}", roles: public, api: true, h: s.apiVerifyBadge},
		{pattern: "GET /api/v1/me/stations", roles: observerOnly, api: true, h: s.apiMyStations},
	}
}

// canSeePersonal reports whether the user may see observers' personal data.
func canSeePersonal(u *auth.User) bool {
	if u == nil {
		return false
	}
	for _, r := range personalData {
		if u.Role == r {
			return true
		}
	}
	return false
}

// pathID reads a positive integer path value; anything else is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, baqylau.Errorf(baqylau.ENOTFOUND, "no %s %q", name, r.PathValue(name))
	}
	return id, nil
}

// queryID reads an optional positive integer query value (0 if absent).
func queryID(r *http.Request, name string) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, baqylau.Errorf(baqylau.EINVALID, "%s must be a number", name)
	}
	return id, nil
}

// pageParams reads page=N for HTML lists (50 a page).
func pageParams(r *http.Request) (page, limit, offset int) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return page, 50, (page - 1) * 50
}

// pager links to the previous and next pages of a list.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

func newPager(r *http.Request, page, total, limit int) pager {
	p := pager{Page: page, Total: total, Pages: (total + limit - 1) / limit}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// readForm parses a form after bounding the body.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return baqylau.Errorf(baqylau.EINVALID, "the form could not be read")
	}
	return nil
}

func (s *Server) flash(r *http.Request, id string, args ...any) {
	s.sessions.Put(r.Context(), "flash", s.printer(r).T(id, args...))
}

// userID is the acting user's ID for the record (0 for an observer).
func userID(r *http.Request) int64 {
	if u := currentUser(r.Context()); u != nil {
		return u.ID
	}
	return 0
}
