package election

import (
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Region is a first-level unit of Kazakhstan: a region (oblys) or a city
// of republican significance.
type Region struct {
	Code   string // ISO 3166-2:KZ
	NameKK string
	NameRU string
	NameEN string
	City   bool // a city of republican significance
	// TimeZone is the IANA zone of the region's stations.
	TimeZone string
	// ValidFrom and ValidTo bound the region's existence; zero means open.
	ValidFrom, ValidTo time.Time
	// Aliases are other spellings met in real files.
	Aliases []string
}

// Name returns the region's name in a language (kk, ru, en).
func (r Region) Name(lang string) string {
	switch lang {
	case "kk":
		return r.NameKK
	case "ru":
		return r.NameRU
	}
	return r.NameEN
}

// ValidOn reports whether the region existed on a day.
func (r Region) ValidOn(day time.Time) bool {
	if !r.ValidFrom.IsZero() && day.Before(r.ValidFrom) {
		return false
	}
	return r.ValidTo.IsZero() || day.Before(r.ValidTo)
}

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 country code.
func ValidCountry(code string) bool {
	if len(code) != 2 || strings.ToUpper(code) != code {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

func day(s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err) // reference data is fixed at build time
	}
	return t
}
