package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/locale"
	"github.com/baqylau/baqylau/internal/people"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticHash maps a static file name to a short hash of its content, so
// that its URL changes when it does and can be cached for a year.
var staticHash = func() map[string]string {
	m := map[string]string{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		m[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return m
}()

func staticURL(name string) string { return "/static/" + staticHash[name] + "/" + name }

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	hash, ok := staticHash[name]
	if !ok || hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeFileFS(w, r, staticFS, "static/"+name)
}

// pages holds one parsed template set per page, each with the layout.
type pages struct{ set map[string]*template.Template }

var funcs = template.FuncMap{
	"static":      staticURL,
	"add":         func(a, b int) int { return a + b },
	"sub":         func(a, b int) int { return a - b },
	"stationsURL": stationsURL,
	"int64":       func(n int) int64 { return int64(n) },
}

func loadPages() (*pages, error) {
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	p := &pages{set: map[string]*template.Template{}}
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		p.set[strings.TrimSuffix(name, path.Ext(name))] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	*locale.Printer
	Title   string
	User    *auth.User
	Path    string // the request's path and query, for the language switcher
	Flash   string
	Data    any
	Langs   []string
	Regions []election.Region
}

// RoleName translates a role.
func (v *view) RoleName(r auth.Role) string { return v.T("role." + string(r)) }

// RegionName translates a region code ("" means abroad).
func (v *view) RegionName(code string) string {
	if code == "" {
		return v.T("station.abroad")
	}
	if r, ok := election.RegionByCode(code); ok {
		return r.Name(v.Lang)
	}
	return code
}

// CountryName names a country (ISO alpha-2) in the page's language.
func (v *view) CountryName(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.Regions(language.Make(v.Lang)); n != nil {
		if name := n.Name(r); name != "" {
			return name
		}
	}
	return code
}

// InRef shows an instant in the reference zone of Kazakhstan's elections
// (Astana time), for records that belong to no one station.
func (v *view) InRef(t time.Time) time.Time {
	if loc, err := time.LoadLocation(election.DefaultTimeZone); err == nil {
		return t.In(loc)
	}
	return t
}

// RegionsOn lists the regions that existed on a day.
func (v *view) RegionsOn(day time.Time) []election.Region { return election.Regions(day) }

// KindName translates an election kind.
func (v *view) KindName(k election.Kind) string { return v.T("kind." + string(k)) }

// IsStaff reports whether the user works for the organisation or a mission.
func (v *view) IsStaff() bool {
	if v.User == nil {
		return false
	}
	for _, r := range staff {
		if v.User.Role == r {
			return true
		}
	}
	return false
}

// IsTrainingStaff reports whether the user runs the training programme.
func (v *view) IsTrainingStaff() bool {
	return v.User != nil && (v.User.Role == auth.Admin || v.User.Role == auth.Coordinator ||
		v.User.Role == auth.RegionalCoordinator || v.User.Role == auth.Trainer)
}

// MissionRoles lists the places in a mission, for forms.
func (v *view) MissionRoles() []people.MissionRole {
	return []people.MissionRole{people.MissionMember, people.DelegationHead, people.MissionHead}
}

// IsHQStaff reports whether the user works an incident queue.
func (v *view) IsHQStaff() bool {
	if v.User == nil {
		return false
	}
	for _, r := range hqStaff {
		if v.User.Role == r {
			return true
		}
	}
	return false
}

// IsObserver reports whether an observer is signed in.
func (v *view) IsObserver() bool { return v.User != nil && v.User.Role == auth.Observer }

// CanEdit reports whether the user may manage elections and stations.
func (v *view) CanEdit() bool {
	return v.User != nil && (v.User.Role == auth.Admin || v.User.Role == auth.Coordinator)
}

func (s *Server) newView(r *http.Request, title string, data any) *view {
	p := s.printer(r)
	v := &view{Printer: p, User: currentUser(r.Context()), Path: r.URL.RequestURI(), Data: data, Langs: locale.Languages}
	v.Title = p.T(title)
	v.Flash = s.sessions.PopString(r.Context(), "flash")
	return v
}

const langCookie = "lang"

func (s *Server) printer(r *http.Request) *locale.Printer {
	choice := ""
	if c, err := r.Cookie(langCookie); err == nil {
		choice = c.Value
	}
	return s.cat.Printer(s.cat.Match(choice, r.Header.Get("Accept-Language")))
}

// render writes a page; a template error becomes a 500 without a half page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := s.pages.set[page]
	if !ok {
		s.pageError(w, r, fmt.Errorf("web: no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// statusOf maps a domain error code to an HTTP status: the one place that
// does so.
func statusOf(err error) int {
	switch baqylau.ErrorCode(err) {
	case baqylau.EINVALID:
		return http.StatusUnprocessableEntity
	case baqylau.ENOTFOUND:
		return http.StatusNotFound
	case baqylau.ECONFLICT:
		return http.StatusConflict
	case baqylau.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case baqylau.EFORBIDDEN:
		return http.StatusForbidden
	case baqylau.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// publicMessage is what a user may read of an error: the domain message,
// or nothing for internal errors (those go to the log).
func (s *Server) publicMessage(r *http.Request, err error) string {
	if statusOf(err) == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return ""
	}
	var ie *election.ImportError
	if errors.As(err, &ie) {
		return ie.Error()
	}
	return baqylau.ErrorMessage(err)
}

type errorData struct {
	Status  int
	Message string
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := s.publicMessage(r, err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		msg = "" // the translated sentence for the status says it all
	}
	v := s.newView(r, "error.title", errorData{Status: status, Message: msg})
	s.render(w, r, status, "error", v)
}
