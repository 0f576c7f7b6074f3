package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
)

// route is one entry of the route table: every route states which roles
// may use it (nil: anyone, signed in or not).
type route struct {
	pattern string
	roles   []auth.Role
	api     bool
	h       http.HandlerFunc
}

// Role groups.
var (
	public  []auth.Role // anyone
	anyUser = auth.Roles
	// editors manage elections and stations.
	editors = []auth.Role{auth.Admin, auth.Coordinator}
	// staff read elections and stations: everyone who works for the
	// organisation or a mission, but not journalists (they get the press
	// centre) nor observers (they see their assigned stations, later).
	staff = []auth.Role{auth.Admin, auth.Coordinator, auth.RegionalCoordinator, auth.Lawyer, auth.Trainer, auth.MissionHead, auth.DelegationHead}
)

// routes is the whole route table: each area of the product adds its own.
func (s *Server) routes() []route {
	var all []route
	for _, area := range [][]route{
		s.coreRoutes(),
		s.electionRoutes(),
		s.peopleRoutes(),
		s.trainingRoutes(),
		s.charterRoutes(),
		s.reportRoutes(),
		s.observeRoutes(),
		s.channelRoutes(),
		s.hqRoutes(),
		s.turnoutRoutes(),
		s.pressRoutes(),
		s.quickcountRoutes(),
		s.missionRoutes(),
		s.opsRoutes(),
		s.ledgerRoutes(),
	} {
		all = append(all, area...)
	}
	return all
}

func (s *Server) coreRoutes() []route {
	return []route{
		{pattern: "GET /healthz", roles: public, h: s.healthz},
		{pattern: "GET /static/{hash}/{name}", roles: public, h: s.static},
		{pattern: "GET /{$}", roles: public, h: s.home},
		{pattern: "GET /lang/{lang}", roles: public, h: s.setLanguage},
		{pattern: "GET /login", roles: public, h: s.loginForm},
		{pattern: "POST /login", roles: public, h: s.login},
		{pattern: "POST /logout", roles: anyUser, h: s.logout},
		{pattern: "GET /api/v1/openapi.json", roles: public, api: true, h: s.apiOpenAPI},
		{pattern: "GET /api/v1/regions", roles: public, api: true, h: s.apiRegions},
		{pattern: "/api/", roles: public, api: true, h: s.apiNotFound},
	}
}

func (s *Server) electionRoutes() []route {
	return []route{
		{pattern: "GET /elections", roles: staff, h: s.listElections},
		{pattern: "POST /elections", roles: editors, h: s.createElection},
		{pattern: "GET /elections/{id}", roles: staff, h: s.showElection},
		{pattern: "POST /elections/{id}/contests", roles: editors, h: s.createContest},
		{pattern: "GET /elections/{id}/stations", roles: staff, h: s.listStations},
		{pattern: "POST /elections/{id}/stations/import", roles: editors, h: s.importStations},
		{pattern: "GET /elections/{id}/stations/{code}", roles: staff, h: s.showStation},

		{pattern: "GET /api/v1/elections", roles: staff, api: true, h: s.apiListElections},
		{pattern: "POST /api/v1/elections", roles: editors, api: true, h: s.apiCreateElection},
		{pattern: "GET /api/v1/elections/{id}", roles: staff, api: true, h: s.apiGetElection},
		{pattern: "POST /api/v1/elections/{id}/contests", roles: editors, api: true, h: s.apiCreateContest},
		{pattern: "GET /api/v1/elections/{id}/stations", roles: staff, api: true, h: s.apiListStations},
		{pattern: "POST /api/v1/elections/{id}/stations/import", roles: editors, api: true, h: s.apiImportStations},
		{pattern: "GET /api/v1/elections/{id}/stations/{code}", roles: staff, api: true, h: s.apiGetStation},
	}
}

// guard refuses a request whose user lacks a role the route allows.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.roles == nil {
			rt.h(w, r)
			return
		}
		u := currentUser(r.Context())
		var err error
		switch {
		case u == nil:
			if !rt.api && r.Method == http.MethodGet {
				w.Header().Set("X-Refused-By", "role")
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			err = baqylau.Errorf(baqylau.EUNAUTHORIZED, "sign in first")
		case !slices.Contains(rt.roles, u.Role):
			err = baqylau.Errorf(baqylau.EFORBIDDEN, "your role may not do this")
		default:
			rt.h(w, r)
			return
		}
		// Say it was the role check that refused, not the handler's own
		// rules (for clients and for the role-access test alike).
		w.Header().Set("X-Refused-By", "role")
		if rt.api {
			s.apiError(w, r, err)
		} else {
			s.pageError(w, r, err)
		}
	})
}

type ctxKey int

const userKey ctxKey = iota

func currentUser(ctx context.Context) *auth.User {
	if u, ok := ctx.Value(userKey).(*auth.User); ok {
		return u
	}
	if rec := recordOf(ctx); rec != nil && rec.hasUser {
		return &rec.user
	}
	return nil
}

// authenticate finds the user of a request: a bearer token (API clients)
// or the session cookie (browsers).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.apiError(w, r, baqylau.Errorf(baqylau.EUNAUTHORIZED, "Authorization must be \"Bearer <token>\""))
				return
			}
			key := auth.TokenKey(strings.TrimSpace(token))
			u, err := s.tokens.Get(key, func() (auth.User, error) { return s.cfg.Users.UserByToken(ctx, key[:]) })
			if err != nil {
				if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
					err = baqylau.Errorf(baqylau.EUNAUTHORIZED, "unknown or revoked token")
				}
				s.apiError(w, r, err)
				return
			}
			if rec := recordOf(ctx); rec != nil {
				rec.user, rec.hasUser = u, true
				next.ServeHTTP(w, r)
			} else {
				next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, userKey, &u)))
			}
			return
		}
		if id := s.sessions.GetInt64(ctx, sessionUserID); id != 0 {
			u, err := s.cfg.Users.User(ctx, id)
			switch {
			case err == nil:
				ctx = context.WithValue(ctx, userKey, &u)
			case baqylau.ErrorCode(err) == baqylau.ENOTFOUND:
				s.sessions.Remove(ctx, sessionUserID)
			default:
				s.pageError(w, r, err)
				return
			}
		}
		if id := s.sessions.GetInt64(ctx, sessionObserverID); id != 0 && s.cfg.People != nil {
			u, ok, err := s.observerUser(ctx, id)
			switch {
			case err != nil:
				s.pageError(w, r, err)
				return
			case ok:
				ctx = context.WithValue(ctx, userKey, u)
			default:
				s.sessions.Remove(ctx, sessionObserverID) // revoked meanwhile
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			s.log.Error("healthz", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}
