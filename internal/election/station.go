package election

import (
	"fmt"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
)

// HomeCountry is the ISO code of stations at home.
const HomeCountry = "KZ"

// Default voting hours, local time.
var (
	DefaultOpens  = Clock(7 * 60)
	DefaultCloses = Clock(20 * 60)
)

// Clock is a local time of day in minutes after midnight.
type Clock int

// ParseClock parses "HH:MM" (24-hour; "H:MM" too, as Excel shows 7:00),
// digits only: no signs, seconds or trailing text.
func ParseClock(s string) (Clock, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	h, hok := twoDigits(hh)
	m, mok := twoDigits(mm)
	if !ok || !hok || !mok || len(mm) != 2 || h > 23 || m > 59 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return Clock(h*60 + m), nil
}

// twoDigits reads one or two ASCII digits.
func twoDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) == 1 || len(s) == 2
}

// String writes the clock as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Station is a polling station (a precinct commission) of one election, at
// home or abroad (at an embassy or consulate).
type Station struct {
	ID         int64
	ElectionID int64
	Code       string
	Name       string
	Region     string // region code at home; empty abroad
	District   string
	Country    string // ISO 3166-1 alpha-2; KZ at home
	City       string
	Address    string
	// TimeZone is the station's IANA zone: given abroad, derived from the
	// region at home unless given.
	TimeZone         string
	RegisteredVoters int
	Opens, Closes    Clock // local voting hours
	Latitude         *float64
	Longitude        *float64
	UpdatedAt        time.Time
}

// Abroad reports whether the station is outside Kazakhstan.
func (s Station) Abroad() bool { return s.Country != HomeCountry }

// Hours returns the instants the station opens and closes on election
// day, computed from its local hours in its own zone (so a zone's history
// and daylight saving time apply).
func (s Station) Hours(day time.Time) (opens, closes time.Time, err error) {
	loc, err := LoadZone(s.TimeZone)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	y, m, d := day.Date()
	opens = time.Date(y, m, d, int(s.Opens)/60, int(s.Opens)%60, 0, 0, loc)
	closes = time.Date(y, m, d, int(s.Closes)/60, int(s.Closes)%60, 0, 0, loc)
	return opens, closes, nil
}

// Validate checks a station and fills what can be derived: the region's
// canonical code and, at home, the time zone. Messages name the column of
// the stations file that is wrong.
func (s *Station) Validate() error {
	s.Code = strings.TrimSpace(s.Code)
	s.Name = strings.TrimSpace(s.Name)
	s.Country = strings.ToUpper(strings.TrimSpace(s.Country))
	if s.Code == "" {
		return fieldErr("code", "is required")
	}
	if len(s.Code) > 64 {
		return fieldErr("code", "is longer than 64 characters")
	}
	if s.Name == "" {
		return fieldErr("name", "is required")
	}
	if !ValidCountry(s.Country) {
		return fieldErr("country", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code such as KZ or US", s.Country))
	}
	if s.RegisteredVoters < 0 {
		return fieldErr("registered_voters", "must not be negative")
	}
	if s.Abroad() {
		if s.Region != "" {
			if r, ok := LookupRegion(s.Region); !ok || r.Code != "" {
				return fieldErr("region", "must be empty for a station abroad (country is not KZ)")
			}
		}
		s.Region = ""
		if s.TimeZone == "" {
			return fieldErr("timezone", "is required for a station abroad (an IANA zone such as America/Los_Angeles)")
		}
	} else {
		if s.Region == "" {
			return fieldErr("region", "is required for a station in Kazakhstan (a code such as KZ-75 or a name such as Almaty)")
		}
		r, ok := LookupRegion(s.Region)
		if !ok {
			return fieldErr("region", fmt.Sprintf("%q is not a region of Kazakhstan (expected a code such as KZ-75 or a kk/ru/en name)", s.Region))
		}
		s.Region = r.Code
		if s.TimeZone == "" {
			s.TimeZone = r.TimeZone
		}
	}
	if _, err := LoadZone(s.TimeZone); err != nil {
		return fieldErr("timezone", fmt.Sprintf("%q is not an IANA time zone such as Asia/Almaty", s.TimeZone))
	}
	if s.Closes <= s.Opens {
		return fieldErr("closes_local", fmt.Sprintf("%s is not after opens_local %s", s.Closes, s.Opens))
	}
	// Written so that NaN, which compares false to everything, fails.
	if s.Latitude != nil && !(*s.Latitude >= -90 && *s.Latitude <= 90) {
		return fieldErr("latitude", "must be between -90 and 90")
	}
	if s.Longitude != nil && !(*s.Longitude >= -180 && *s.Longitude <= 180) {
		return fieldErr("longitude", "must be between -180 and 180")
	}
	return nil
}

// FieldError is a validation error that names the field (a column of the
// stations file) that is wrong.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Problem }

// Unwrap makes a FieldError an EINVALID domain error too.
func (e *FieldError) Unwrap() error {
	return baqylau.Errorf(baqylau.EINVALID, "%s %s", e.Field, e.Problem)
}

func fieldErr(field, problem string) error { return &FieldError{Field: field, Problem: problem} }
