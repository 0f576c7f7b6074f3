// Package election holds elections, their contests, the regions of
// Kazakhstan and polling stations at home and abroad, with the time rules
// that turn a station's local voting hours into instants.
package election

import (
	"context"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the IANA database with history travels in the binary

	"github.com/baqylau/baqylau"
)

// Kind is the kind of an election.
type Kind string

// The kinds of election held in Kazakhstan.
const (
	Presidential Kind = "presidential"
	Mazhilis     Kind = "mazhilis"
	Maslikhat    Kind = "maslikhat"
	Akim         Kind = "akim"
	Referendum   Kind = "referendum"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{Presidential, Mazhilis, Maslikhat, Akim, Referendum}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// DefaultTimeZone is the reference zone of an election unless one is given.
const DefaultTimeZone = "Asia/Almaty"

// DateLayout is how an election day is written.
const DateLayout = "2006-01-02"

// Election is one election day of one kind: it has contests and stations.
type Election struct {
	ID   int64
	Name string
	Kind Kind
	// Date is the election day (the calendar date, at midnight UTC). Stations
	// abroad vote on the same calendar date in their own zone.
	Date time.Time
	// TimeZone is the reference zone (IANA) in which the election's times
	// are shown next to each station's own.
	TimeZone  string
	Contests  []Contest
	CreatedAt time.Time
}

// Contest is one race decided on the election day: a party-list vote, one
// maslikhat, one rural akim, a referendum question. A station serves every
// contest of its election whose Region is empty or equals its own.
type Contest struct {
	ID         int64
	ElectionID int64
	Name       string
	// Region limits the contest to one region (code); empty means nationwide.
	Region string
	// Options are what the ballot offers: parties, candidates or the
	// answers to a referendum question, in ballot order. The count
	// protocol has a line of votes for each.
	Options []string
}

// Location returns the election's reference zone.
func (e Election) Location() *time.Location {
	loc, err := LoadZone(e.TimeZone)
	if err != nil {
		return time.UTC // Validate refuses unknown zones; stored data is valid
	}
	return loc
}

// Serves reports whether contest c is decided at station s.
func (c Contest) Serves(s Station) bool { return c.Region == "" || c.Region == s.Region }

// Validate checks an election before it is stored, filling defaults.
func (e *Election) Validate() error {
	e.Name = strings.TrimSpace(e.Name)
	if e.Name == "" {
		return baqylau.Errorf(baqylau.EINVALID, "election name is required")
	}
	if len(e.Name) > 300 {
		return baqylau.Errorf(baqylau.EINVALID, "election name is longer than 300 bytes")
	}
	if !e.Kind.Valid() {
		return baqylau.Errorf(baqylau.EINVALID, "election kind %q is not one of presidential, mazhilis, maslikhat, akim, referendum", e.Kind)
	}
	if e.Date.IsZero() {
		return baqylau.Errorf(baqylau.EINVALID, "election date is required (YYYY-MM-DD)")
	}
	y, m, d := e.Date.Date()
	e.Date = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if e.TimeZone == "" {
		e.TimeZone = DefaultTimeZone
	}
	if _, err := LoadZone(e.TimeZone); err != nil {
		return err
	}
	for i := range e.Contests {
		if err := e.Contests[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a contest before it is stored.
func (c *Contest) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return baqylau.Errorf(baqylau.EINVALID, "contest name is required")
	}
	seen := map[string]bool{}
	for i, o := range c.Options {
		o = strings.TrimSpace(o)
		if o == "" || len(o) > 300 {
			return baqylau.Errorf(baqylau.EINVALID, "contest option %d is empty or longer than 300 bytes", i+1)
		}
		if seen[strings.ToLower(o)] {
			return baqylau.Errorf(baqylau.EINVALID, "contest option %q appears twice", o)
		}
		seen[strings.ToLower(o)] = true
		c.Options[i] = o
	}
	if c.Region != "" {
		r, ok := LookupRegion(c.Region)
		if !ok {
			return baqylau.Errorf(baqylau.EINVALID, "contest region %q is not a region of Kazakhstan", c.Region)
		}
		c.Region = r.Code
	}
	return nil
}

// ParseDate parses an election day written YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, baqylau.Errorf(baqylau.EINVALID, "date %q is not YYYY-MM-DD", s)
	}
	return t, nil
}

// LoadZone loads an IANA zone by name, refusing names Go would read as
// local time ("", "Local") and anything not in the embedded database.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || strings.ContainsAny(name, " \\") || strings.HasPrefix(name, "/") {
		return nil, baqylau.Errorf(baqylau.EINVALID, "time zone %q is not an IANA zone name such as Asia/Almaty", name)
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "time zone %q is not an IANA zone name such as Asia/Almaty", name)
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones keeps loaded locations: time.LoadLocation reads and parses the
// embedded database on every call, and every report asks for a zone.
var zones sync.Map

// Store keeps elections, contests and stations. The store package
// implements it for SQLite and PostgreSQL.
type Store interface {
	// CreateElection stores e and its contests, setting their IDs.
	CreateElection(ctx context.Context, e *Election) error
	// Election returns one election with its contests (ENOTFOUND if none).
	Election(ctx context.Context, id int64) (Election, error)
	// Elections lists all elections, newest date first, with contests.
	Elections(ctx context.Context) ([]Election, error)
	// AddContest stores a contest of an existing election, setting its ID.
	AddContest(ctx context.Context, c *Contest) error
	// ImportStations creates or updates (by code) every station of one
	// election in a single transaction: all or nothing.
	ImportStations(ctx context.Context, electionID int64, stations []Station) (ImportSummary, error)
	// Station returns one station by code (ENOTFOUND if none).
	Station(ctx context.Context, electionID int64, code string) (Station, error)
	// Stations returns one page of stations matching q, ordered by code.
	Stations(ctx context.Context, q StationQuery) (StationPage, error)
	// StationFacets counts an election's stations by region, district and
	// country, for filters and overviews.
	StationFacets(ctx context.Context, electionID int64) (Facets, error)
}

// ImportSummary tells what an import changed.
type ImportSummary struct {
	Created int
	Updated int
}

// StationQuery filters stations. Empty fields do not filter.
type StationQuery struct {
	ElectionID int64
	Region     string // region code
	District   string
	Country    string // ISO alpha-2
	// Abroad, when set, keeps only stations abroad (true) or at home (false).
	Abroad *bool
	// Search matches code, name, city or address, case-insensitively.
	Search string
	Limit  int // 0 means 50; capped at 1000
	Offset int
}

// StationPage is one page of a station listing.
type StationPage struct {
	Stations []Station
	Total    int // all matches, not only this page
}

// Facets counts stations per value, for filters.
type Facets struct {
	Regions   []Count // Key is a region code
	Districts []Count // Key is "REGIONCODE/district"
	Countries []Count // Key is ISO alpha-2, abroad only
	Home      int
	Abroad    int
	// RegisteredHome and RegisteredAbroad sum registered voters.
	RegisteredHome   int64
	RegisteredAbroad int64
}

// Count is one facet value.
type Count struct {
	Key        string
	Stations   int
	Registered int64
}
