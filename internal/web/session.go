package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/locale"
)

const sessionUserID = "user_id"

type loginData struct {
	Email string
	Next  string
	Error string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, "/elections", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "home", s.newView(r, "home.title", nil))
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", s.newView(r, "login.title", loginData{Next: localPath(r.URL.Query().Get("next"))}))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "the form could not be read"))
		return
	}
	email, next := r.PostForm.Get("email"), localPath(r.PostForm.Get("next"))
	if blocked, wait := s.signins.blocked(r, time.Now()); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		v := s.newView(r, "login.title", loginData{Email: email, Next: next})
		v.Data = loginData{Email: email, Next: next, Error: v.T("login.throttled")}
		s.render(w, r, http.StatusTooManyRequests, "login", v)
		return
	}
	u, err := auth.Authenticate(r.Context(), s.cfg.Users, email, r.PostForm.Get("password"))
	if err != nil {
		if baqylau.ErrorCode(err) != baqylau.EUNAUTHORIZED {
			s.pageError(w, r, err)
			return
		}
		s.signins.fail(r, time.Now())
		v := s.newView(r, "login.title", loginData{Email: email, Next: next})
		v.Data = loginData{Email: email, Next: next, Error: v.T("login.failed")}
		s.render(w, r, http.StatusUnauthorized, "login", v)
		return
	}
	// A new session token on sign-in defeats session fixation.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessionUserID, u.ID)
	if next == "" {
		next = "/elections"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// setLanguage remembers a language choice for a year and goes back.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if !locale.Supported(lang) {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	next := localPath(r.URL.Query().Get("next"))
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// localPath keeps a redirect target only if it stays on this site.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return ""
	}
	return p
}
