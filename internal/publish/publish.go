// Package publish is the press centre and open data: briefings,
// statements, journalists' accreditation requests, the help centres for
// observers and journalists in Astana and Almaty, and the anonymised
// exports of published figures, reports and incidents.
//
// It holds types and rules only; the store package keeps them and the web
// package serves them.
package publish

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
)

// Languages a briefing may be held in, and a statement is written in.
var Languages = []string{"kk", "ru", "en"}

// Briefing is a press briefing on the schedule.
type Briefing struct {
	ID       int64
	Title    string
	StartsAt time.Time
	Place    string
	Lang     string // kk, ru or en
	Created  time.Time
}

// Validate checks a briefing before it is stored.
func (b *Briefing) Validate() error {
	b.Title, b.Place = strings.TrimSpace(b.Title), strings.TrimSpace(b.Place)
	if err := checkText("title", b.Title, 300, true); err != nil {
		return err
	}
	if err := checkText("place", b.Place, 300, true); err != nil {
		return err
	}
	if b.StartsAt.IsZero() {
		return baqylau.Errorf(baqylau.EINVALID, "the briefing's time is required")
	}
	if !validLang(b.Lang) {
		return baqylau.Errorf(baqylau.EINVALID, "language %q is not kk, ru or en", b.Lang)
	}
	return nil
}

// Text is one text in Kazakh, Russian and English.
type Text struct{ KK, RU, EN string }

// In returns the text in lang, falling back to Russian, then English,
// then Kazakh.
func (t Text) In(lang string) string {
	for _, l := range []string{lang, "ru", "en", "kk"} {
		var s string
		switch l {
		case "kk":
			s = t.KK
		case "ru":
			s = t.RU
		case "en":
			s = t.EN
		}
		if s != "" {
			return s
		}
	}
	return ""
}

// Statement is a published statement: a simple document in three
// languages.
type Statement struct {
	ID          int64
	Title       Text
	Body        Text
	PublishedAt time.Time
}

// MaxBodyRunes bounds a statement's body in each language.
const MaxBodyRunes = 50_000

// Validate checks a statement before it is stored: a title and a body in
// at least one language, each within bounds.
func (s *Statement) Validate() error {
	for _, p := range []*string{&s.Title.KK, &s.Title.RU, &s.Title.EN, &s.Body.KK, &s.Body.RU, &s.Body.EN} {
		*p = strings.TrimSpace(*p)
	}
	if s.Title.In("ru") == "" || s.Body.In("ru") == "" {
		return baqylau.Errorf(baqylau.EINVALID, "a statement needs a title and a body in at least one language")
	}
	for _, t := range []string{s.Title.KK, s.Title.RU, s.Title.EN} {
		if err := checkText("title", t, 300, false); err != nil {
			return err
		}
	}
	for _, t := range []string{s.Body.KK, s.Body.RU, s.Body.EN} {
		if err := checkText("body", t, MaxBodyRunes, false); err != nil {
			return err
		}
	}
	return nil
}

// RequestStatus is where an accreditation request stands.
type RequestStatus string

// Request statuses.
const (
	Pending  RequestStatus = "pending"
	Accepted RequestStatus = "accepted"
)

// AccreditationRequest is a journalist's request for accreditation, sent
// through the public form. Its fields are personal data: shown to the
// press desk only, never published.
type AccreditationRequest struct {
	ID         int64
	FullName   string
	Outlet     string
	Email      string
	Phone      string
	Status     RequestStatus
	ObserverID int64 // the journalist created on acceptance
	Created    time.Time
}

// Validate checks a request before it is stored.
func (r *AccreditationRequest) Validate() error {
	r.FullName, r.Outlet = strings.TrimSpace(r.FullName), strings.TrimSpace(r.Outlet)
	r.Email, r.Phone = strings.TrimSpace(r.Email), strings.TrimSpace(r.Phone)
	if err := checkText("name", r.FullName, 200, true); err != nil {
		return err
	}
	if err := checkText("outlet", r.Outlet, 300, true); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || len(r.Email) > 254 {
		return baqylau.Errorf(baqylau.EINVALID, "e-mail %q is not an address such as name@example.org", r.Email)
	}
	digits := 0
	for _, c := range r.Phone {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case strings.ContainsRune("+ ()-", c):
		default:
			return baqylau.Errorf(baqylau.EINVALID, "phone %q is not a number such as +7 701 123 4567", r.Phone)
		}
	}
	if digits < 7 || digits > 15 {
		return baqylau.Errorf(baqylau.EINVALID, "phone %q is not a number such as +7 701 123 4567", r.Phone)
	}
	if r.Status == "" {
		r.Status = Pending
	}
	return nil
}

// HelpCentre is a centre for international observers and foreign
// journalists (source 000: in Astana and Almaty). An empty Address is
// shown as "to be announced": addresses are never invented.
type HelpCentre struct {
	ID       int64
	City     string // region code of the city: KZ-71 Astana, KZ-75 Almaty
	Address  string
	Hours    string
	Contacts string
	Updated  time.Time
}

// Validate checks a help centre before it is stored.
func (h *HelpCentre) Validate() error {
	h.Address, h.Hours, h.Contacts = strings.TrimSpace(h.Address), strings.TrimSpace(h.Hours), strings.TrimSpace(h.Contacts)
	for _, f := range []struct{ name, v string }{{"address", h.Address}, {"hours", h.Hours}, {"contacts", h.Contacts}} {
		if err := checkText(f.name, f.v, 1000, false); err != nil {
			return err
		}
	}
	return nil
}

// Store keeps the press centre. The store package implements it on
// SQLite and PostgreSQL.
type Store interface {
	CreateBriefing(ctx context.Context, b *Briefing) error
	// Briefings lists briefings starting at or after from, soonest first.
	Briefings(ctx context.Context, from time.Time, limit int) ([]Briefing, error)
	CreateStatement(ctx context.Context, s *Statement) error
	Statement(ctx context.Context, id int64) (Statement, error)
	// Statements lists statements, newest first.
	Statements(ctx context.Context, limit int) ([]Statement, error)
	CreateAccreditationRequest(ctx context.Context, r *AccreditationRequest) error
	AccreditationRequest(ctx context.Context, id int64) (AccreditationRequest, error)
	// AccreditationRequests lists requests of a status, oldest first.
	AccreditationRequests(ctx context.Context, status RequestStatus, limit int) ([]AccreditationRequest, error)
	// AcceptAccreditationRequest marks a pending request accepted with
	// the journalist created for it (ECONFLICT if no longer pending).
	AcceptAccreditationRequest(ctx context.Context, id, observerID, byUserID int64) error
	HelpCentres(ctx context.Context) ([]HelpCentre, error)
	UpdateHelpCentre(ctx context.Context, h HelpCentre) error
	// SetIncidentPublishable records whether an incident's description
	// may be published in open data.
	SetIncidentPublishable(ctx context.Context, incidentID int64, publishable bool, byUserID int64) error
}

func validLang(l string) bool { return l == "kk" || l == "ru" || l == "en" }

func checkText(field, v string, maxRunes int, required bool) error {
	if required && v == "" {
		return baqylau.Errorf(baqylau.EINVALID, "%s is required", field)
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxRunes {
		return baqylau.Errorf(baqylau.EINVALID, "%s is longer than %d characters", field, maxRunes)
	}
	return nil
}
