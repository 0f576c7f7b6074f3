package mission

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/publish"
)

// StatementKind is the kind of a mission's statement.
type StatementKind string

// Statement kinds (source 002: a preliminary statement after voting day,
// the final conclusion after the results).
const (
	Preliminary StatementKind = "preliminary"
	Final       StatementKind = "final"
)

// Rule is how a statement is adopted by the delegation heads.
type Rule string

// Adoption rules.
const (
	// All: every delegation head approves the frozen version.
	All Rule = "all"
	// Majority: more than half of the delegation heads approve it.
	Majority Rule = "majority"
)

// ReleaseKind is what releases an adopted statement.
type ReleaseKind string

// Release kinds.
const (
	// AtTime: released at a set moment.
	AtTime ReleaseKind = "time"
	// AfterResults: released once the central commission's announcement
	// of the results is recorded for the election.
	AfterResults ReleaseKind = "results"
)

// Conference is the press conference where a statement is presented; it
// goes on the press centre's briefings schedule once the statement is
// adopted.
type Conference struct {
	StartsAt time.Time `json:"starts_at"`
	Place    string    `json:"place"`
	Lang     string    `json:"lang"`
}

// Statement is a mission's preliminary statement or final conclusion.
type Statement struct {
	ID         int64
	MissionID  int64
	ElectionID int64 // the mission's election
	Kind       StatementKind
	Rule       Rule
	Release    ReleaseKind
	ReleaseAt  time.Time   // for AtTime
	Conference *Conference // nil: none
	// Latest is the number of the latest version; FrozenVersion the
	// version frozen for adoption (0: still a draft).
	Latest        int
	FrozenVersion int
	AdoptedAt     time.Time // zero: not adopted
	// PressStatementID is the statement in the press centre, written on
	// adoption and visible there only from its release.
	PressStatementID int64
	CreatedAt        time.Time
}

// Validate checks a new statement's settings.
func (s *Statement) Validate() error {
	if s.Kind != Preliminary && s.Kind != Final {
		return baqylau.Errorf(baqylau.EINVALID, "kind %q is not preliminary or final", s.Kind)
	}
	if s.Rule == "" {
		s.Rule = All
	}
	if s.Rule != All && s.Rule != Majority {
		return baqylau.Errorf(baqylau.EINVALID, "adoption rule %q is not all or majority", s.Rule)
	}
	switch s.Release {
	case AtTime:
		if s.ReleaseAt.IsZero() {
			return baqylau.Errorf(baqylau.EINVALID, "a release at a time needs release_at")
		}
	case AfterResults:
		s.ReleaseAt = time.Time{}
	default:
		return baqylau.Errorf(baqylau.EINVALID, "release %q is not time or results", s.Release)
	}
	if c := s.Conference; c != nil {
		c.Place = strings.TrimSpace(c.Place)
		if c.StartsAt.IsZero() || c.Place == "" {
			return baqylau.Errorf(baqylau.EINVALID, "a press conference needs starts_at and place")
		}
		if c.Lang == "" {
			c.Lang = "ru"
		}
		if !slices.Contains(publish.Languages, c.Lang) {
			return baqylau.Errorf(baqylau.EINVALID, "press conference language %q is not kk, ru or en", c.Lang)
		}
	}
	return nil
}

// ConferenceTitle is the title of the statement's press conference on the
// briefings schedule, in the conference's language: the mission's name
// and the kind of statement, never its text, which stays embargoed
// until its release.
func (s Statement) ConferenceTitle(missionName string) string {
	lang := "ru"
	if s.Conference != nil {
		lang = s.Conference.Lang
	}
	return missionName + ": " + conferenceTitles[lang][s.Kind]
}

var conferenceTitles = map[string]map[StatementKind]string{
	"kk": {Preliminary: "баспасөз конференциясы, алдын ала мәлімдеме", Final: "баспасөз конференциясы, қорытынды"},
	"ru": {Preliminary: "пресс-конференция, предварительное заявление", Final: "пресс-конференция, итоговое заключение"},
	"en": {Preliminary: "press conference, preliminary statement", Final: "press conference, final conclusion"},
}

// Status is where a statement stands.
func (s Statement) Status() string {
	switch {
	case !s.AdoptedAt.IsZero():
		return "adopted"
	case s.FrozenVersion > 0:
		return "frozen"
	}
	return "draft"
}

// Released reports whether an adopted statement may be public at now:
// checked at every read, so that no job can lag or leak. announced is
// when the election's results were announced (zero: not yet).
func (s Statement) Released(now, announced time.Time) bool {
	if s.AdoptedAt.IsZero() {
		return false
	}
	at, ok := s.ReleaseTime(announced)
	return ok && !now.Before(at)
}

// ReleaseTime is when an adopted statement becomes public: its release
// time or the announcement of results, and never before its adoption.
// ok is false while it waits for results not yet announced.
func (s Statement) ReleaseTime(announced time.Time) (at time.Time, ok bool) {
	at = s.ReleaseAt
	if s.Release == AfterResults {
		if announced.IsZero() {
			return time.Time{}, false
		}
		at = announced
	}
	if at.Before(s.AdoptedAt) {
		at = s.AdoptedAt
	}
	return at, true
}

// Section is one section of a statement, in three languages. Its text may
// hold figures as {{name}}: see FigureNames.
type Section struct {
	Heading publish.Text `json:"heading"`
	Body    publish.Text `json:"body"`
}

// Version is one saved version of a statement. Figures is empty while
// the text is a draft (figures render from live data) and holds the
// values fixed when the version was frozen.
type Version struct {
	ID          int64
	StatementID int64
	Number      int
	Title       publish.Text
	Sections    []Section
	Figures     []Figure
	ByUserID    int64
	ByObserver  int64
	CreatedAt   time.Time
}

// Frozen reports whether the version's figures are fixed.
func (v Version) Frozen() bool { return len(v.Figures) > 0 }

// placeholder matches a figure in a statement's text.
var placeholder = regexp.MustCompile(`\{\{\s*([a-z_]+)\s*\}\}`)

// Validate checks a version's text: a title, at least one section, and
// only known figures.
func (v *Version) Validate() error {
	trim := func(t *publish.Text) {
		t.KK, t.RU, t.EN = strings.TrimSpace(t.KK), strings.TrimSpace(t.RU), strings.TrimSpace(t.EN)
	}
	trim(&v.Title)
	if v.Title.In("ru") == "" {
		return baqylau.Errorf(baqylau.EINVALID, "a statement needs a title in at least one language")
	}
	if len(v.Sections) == 0 || len(v.Sections) > 100 {
		return baqylau.Errorf(baqylau.EINVALID, "a statement has from 1 to 100 sections")
	}
	total := 0
	for i := range v.Sections {
		sec := &v.Sections[i]
		trim(&sec.Heading)
		trim(&sec.Body)
		if sec.Body.In("ru") == "" {
			return baqylau.Errorf(baqylau.EINVALID, "section %d has no text", i+1)
		}
		for _, t := range []string{sec.Heading.KK, sec.Heading.RU, sec.Heading.EN, sec.Body.KK, sec.Body.RU, sec.Body.EN} {
			total += len(t)
			for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
				if !slices.Contains(FigureNames, m[1]) {
					return baqylau.Errorf(baqylau.EINVALID, "section %d: unknown figure {{%s}}; known: %s", i+1, m[1], strings.Join(FigureNames, ", "))
				}
			}
		}
	}
	if total > 6*publish.MaxBodyRunes {
		return baqylau.Errorf(baqylau.EINVALID, "the statement is longer than %d characters", 6*publish.MaxBodyRunes)
	}
	return nil
}

// Decision is a delegation head's approval or objection to a frozen
// version.
type Decision struct {
	ID          int64
	StatementID int64
	Version     int
	ObserverID  int64
	Name        string // the head's name, for the record
	Approve     bool
	Comment     string
	At          time.Time
}

// Adopted reports whether the latest decisions of the heads on version
// adopt it under rule. Decisions on other versions and by others than
// heads do not count; a head's later decision replaces an earlier one.
func Adopted(rule Rule, version int, heads []int64, decisions []Decision) bool {
	if len(heads) == 0 {
		return false
	}
	latest := map[int64]bool{}
	for _, d := range decisions { // oldest first
		if d.Version == version && slices.Contains(heads, d.ObserverID) {
			latest[d.ObserverID] = d.Approve
		}
	}
	yes := 0
	for _, ok := range latest {
		if ok {
			yes++
		}
	}
	if rule == Majority {
		return 2*yes > len(heads)
	}
	return yes == len(heads)
}

// Render writes text in a language with its figures: a known figure's
// value, or the placeholder as is when figs lacks it.
func Render(text, lang string, figs []Figure) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		for _, f := range figs {
			if f.Name == name {
				return f.In(lang)
			}
		}
		return m
	})
}

// Used lists the figures a version's text uses, in FigureNames order.
func (v Version) Used() []string {
	var all strings.Builder
	for _, s := range v.Sections {
		for _, t := range []string{s.Heading.KK, s.Heading.RU, s.Heading.EN, s.Body.KK, s.Body.RU, s.Body.EN} {
			all.WriteString(t)
		}
	}
	used := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(all.String(), -1) {
		used[m[1]] = true
	}
	var out []string
	for _, n := range FigureNames {
		if used[n] {
			out = append(out, n)
		}
	}
	return out
}

// Text writes a version in one language as plain text with its figures:
// the title, then each section's heading and body, then a note on how
// each figure used was computed.
func (v Version) Text(lang string, figs []Figure) (title, body string) {
	var b strings.Builder
	for _, s := range v.Sections {
		if h := s.Heading.In(lang); h != "" {
			b.WriteString(Render(h, lang, figs) + "\n\n")
		}
		b.WriteString(Render(s.Body.In(lang), lang, figs) + "\n\n")
	}
	used := v.Used()
	if len(used) > 0 {
		b.WriteString(howComputed[lang] + "\n\n")
		n := 0
		for _, name := range used {
			for _, f := range figs {
				if f.Name == name {
					n++
					fmt.Fprintf(&b, "[%d] %s = %s: %s; %s %s; %s\n", n, f.Name, f.In(lang), f.BasisIn(lang),
						asOf[lang], f.ComputedAt.UTC().Format("2006-01-02 15:04 UTC"), f.Query)
				}
			}
		}
	}
	return v.Title.In(lang), strings.TrimSpace(b.String())
}

var (
	howComputed = map[string]string{"kk": "Сандар қалай есептелді", "ru": "Как получены цифры", "en": "How the figures were computed"}
	asOf        = map[string]string{"kk": "уақыты", "ru": "на", "en": "as of"}
)

// PressText is the statement as the press centre publishes it, in three
// languages.
func (v Version) PressText(figs []Figure) (title, body publish.Text) {
	title.KK, body.KK = v.Text("kk", figs)
	title.RU, body.RU = v.Text("ru", figs)
	title.EN, body.EN = v.Text("en", figs)
	return title, body
}
