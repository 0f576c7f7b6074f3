// Package locale translates the user interface into Kazakh, Russian and
// English: message catalogues with CLDR plural rules, and numbers and dates
// written the way each language writes them.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Each language's messages are in catalog/LANG.json and any number of
// catalog/AREA.LANG.json files (one per area of the product).
//
//go:embed catalog/*.json
var catalogFS embed.FS

// Languages are the interface languages, in the order the switcher shows.
var Languages = []string{"kk", "ru", "en"}

// Default is the language used when nothing else matches.
const Default = "ru"

var tags = []language.Tag{language.Russian, language.Kazakh, language.English} // Default first

// Catalog holds every message in every language.
type Catalog struct {
	bundle  *i18n.Bundle
	matcher language.Matcher
	ids     map[string]map[string]bool // lang → message ids
}

// Load reads the embedded catalogues.
func Load() (*Catalog, error) {
	b := i18n.NewBundle(language.Russian)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, matcher: language.NewMatcher(tags), ids: map[string]map[string]bool{}}
	for _, lang := range Languages {
		c.ids[lang] = map[string]bool{}
		names, err := fs.Glob(catalogFS, "catalog/*"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("locale: %w", err)
		}
		for _, name := range names {
			base := path.Base(name)
			if base != lang+".json" && !strings.HasSuffix(base, "."+lang+".json") {
				continue
			}
			data, err := catalogFS.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("locale: %w", err)
			}
			// go-i18n reads the language from the file name's last part.
			f, err := b.ParseMessageFileBytes(data, name)
			if err != nil {
				return nil, fmt.Errorf("locale: parse %s: %w", name, err)
			}
			for _, m := range f.Messages {
				if c.ids[lang][m.ID] {
					return nil, fmt.Errorf("locale: message %q is defined twice in %s", m.ID, lang)
				}
				c.ids[lang][m.ID] = true
			}
		}
	}
	return c, nil
}

// IDs returns the message ids of one language.
func (c *Catalog) IDs(lang string) map[string]bool { return c.ids[lang] }

// Supported reports whether lang is an interface language.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the language for a request: an explicit choice if it is
// supported, else the best match of an Accept-Language header.
func (c *Catalog) Match(choice, acceptLanguage string) string {
	if Supported(choice) {
		return choice
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return Default
	}
	_, i, conf := c.matcher.Match(prefs...)
	if conf == language.No {
		return Default
	}
	base, _ := tags[i].Base()
	return base.String()
}

// Printer writes messages, numbers and dates in one language.
type Printer struct {
	Lang string
	c    *Catalog
	loc  *i18n.Localizer
	num  *message.Printer
}

// Printer returns a printer for lang (the default language if unsupported).
func (c *Catalog) Printer(lang string) *Printer {
	if !Supported(lang) {
		lang = Default
	}
	return &Printer{Lang: lang, c: c, loc: i18n.NewLocalizer(c.bundle, lang), num: message.NewPrinter(language.Make(lang))}
}

// T translates message id. Args are name/value pairs for the message's
// template; a "Count" pair also chooses the plural form. A missing message
// shows its id, so that a gap is visible rather than blank (a test keeps
// the catalogues complete).
func (p *Printer) T(id string, args ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k := fmt.Sprint(args[i])
			v := args[i+1]
			if k == "Count" {
				cfg.PluralCount = v
			}
			if n, ok := asInt(v); ok {
				v = p.N(n)
			}
			data[k] = v
		}
		cfg.TemplateData = data
	}
	s, err := p.loc.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

// N writes an integer with the language's digit grouping (12,016 in
// English; 12 016 in Kazakh and Russian).
func (p *Printer) N(n int64) string { return p.num.Sprintf("%d", n) }

// Date writes a calendar date: "19 March 2023", "19 марта 2023 г.",
// "2023 ж. 19 наурыз".
func (p *Printer) Date(t time.Time) string {
	month := p.T(fmt.Sprintf("month.%d", int(t.Month())))
	switch p.Lang {
	case "ru":
		return fmt.Sprintf("%d %s %d г.", t.Day(), month, t.Year())
	case "kk":
		return fmt.Sprintf("%d ж. %d %s", t.Year(), t.Day(), month)
	}
	return fmt.Sprintf("%d %s %d", t.Day(), month, t.Year())
}

// DateTime writes a date and a 24-hour time in t's own zone, with the
// zone's offset: "19 March 2023, 20:00 (UTC−07:00)".
func (p *Printer) DateTime(t time.Time) string {
	return p.Date(t) + ", " + t.Format("15:04") + " (" + Offset(t) + ")"
}

// Offset writes t's UTC offset, such as UTC+06:00.
func Offset(t time.Time) string {
	return strings.Replace("UTC"+t.Format("-07:00"), "-", "−", 1)
}
