// Package tally computes turnout from what observers report: the figures
// of an election nationally, at home and abroad, by region and by country,
// live or as of a past moment, over the checkpoints of the day, and which
// stations close next.
//
// Figures are always computed from the data, never stored as truth: the
// store keeps per-region and per-country sums of the latest cumulative
// count of each station (maintained in the same transaction that saves the
// reports) and the changes of those sums minute by minute, and this
// package turns them into figures and percentages. See docs/tally.md.
package tally

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/baqylau/baqylau/internal/election"
)

// Sums are the additive figures of a set of stations. Every other figure
// (the percentage) is derived from them.
type Sums struct {
	// StationsTotal and RegisteredVoters cover every station in scope.
	StationsTotal    int64
	RegisteredVoters int64
	// StationsReporting are the stations with at least one cumulative
	// count (a turnout or closing report); ReportingRegistered their
	// registered voters.
	StationsReporting   int64
	ReportingRegistered int64
	// BallotsCast sums each reporting station's latest count, latest by
	// observation time (then by report id), not by arrival.
	BallotsCast int64
	// StationsClosed are the stations with a closing report.
	StationsClosed int64
}

// Add adds o to s.
func (s *Sums) Add(o Sums) {
	s.StationsTotal += o.StationsTotal
	s.RegisteredVoters += o.RegisteredVoters
	s.StationsReporting += o.StationsReporting
	s.ReportingRegistered += o.ReportingRegistered
	s.BallotsCast += o.BallotsCast
	s.StationsClosed += o.StationsClosed
}

// scaled returns s times k.
func (s Sums) scaled(k int64) Sums {
	return Sums{s.StationsTotal * k, s.RegisteredVoters * k, s.StationsReporting * k, s.ReportingRegistered * k,
		s.BallotsCast * k, s.StationsClosed * k}
}

// IsZero reports whether every sum is zero.
func (s Sums) IsZero() bool { return s == Sums{} }

// Percent returns turnout among the reporting stations: BallotsCast /
// ReportingRegistered × 100, rounded half up to one decimal. It is false
// when no reporting station has registered voters (no station reports
// yet): there is no figure then, rather than a misleading 0.
func (s Sums) Percent() (float64, bool) { return Percent(s.BallotsCast, s.ReportingRegistered) }

// Percent returns ballots / registered × 100 rounded half up to one
// decimal, in integer arithmetic so that 12.25 is 12.3 and not 12.2 for a
// binary rounding error; false when registered is not positive.
func Percent(ballots, registered int64) (float64, bool) {
	if registered <= 0 {
		return 0, false
	}
	tenths := (ballots*2000 + registered) / (2 * registered)
	if ballots < 0 {
		tenths = -((-ballots*2000 + registered) / (2 * registered))
	}
	return float64(tenths) / 10, true
}

// Group is the sums of the stations of one region at home (Country
// election.HomeCountry) or of one country abroad (Region empty).
type Group struct {
	Region  string
	Country string
	Sums
}

// Abroad reports whether the group's stations are abroad.
func (g Group) Abroad() bool { return g.Country != election.HomeCountry }

// Part is the figures of a region or a country.
type Part struct {
	Code string // region code or ISO alpha-2 country
	Sums
}

// Turnout is an election's turnout: national, at home, abroad, by region
// and by country (abroad), with the time it was computed for.
type Turnout struct {
	ElectionID int64
	// AsOf is when the figures were read from the database: an answer is
	// never older than the cache's lifetime.
	AsOf time.Time
	// At is the moment asked for (?at=): reports observed until the end of
	// its minute count. Zero for the live figures.
	At time.Time
	Sums
	Home, Abroad Sums
	ByRegion     []Part // sorted by code
	ByCountry    []Part // abroad only, sorted by code
}

// Summarise adds up groups into a Turnout.
func Summarise(groups []Group) Turnout {
	var t Turnout
	regions, countries := map[string]*Sums{}, map[string]*Sums{}
	for _, g := range groups {
		t.Sums.Add(g.Sums)
		if g.Abroad() {
			t.Abroad.Add(g.Sums)
			addTo(countries, g.Country, g.Sums)
		} else {
			t.Home.Add(g.Sums)
			addTo(regions, g.Region, g.Sums)
		}
	}
	t.ByRegion, t.ByCountry = parts(regions), parts(countries)
	return t
}

func addTo(m map[string]*Sums, key string, s Sums) {
	p, ok := m[key]
	if !ok {
		p = &Sums{}
		m[key] = p
	}
	p.Add(s)
}

func parts(m map[string]*Sums) []Part {
	list := make([]Part, 0, len(m))
	for k, s := range m {
		list = append(list, Part{Code: k, Sums: *s})
	}
	slices.SortFunc(list, func(a, b Part) int {
		if a.Code < b.Code {
			return -1
		}
		if a.Code > b.Code {
			return 1
		}
		return 0
	})
	return list
}

// Point is the national figures at one moment of the day.
type Point struct {
	At time.Time
	Sums
	Home, Abroad Sums
}

// Series is turnout over the day, one point per checkpoint.
type Series struct {
	ElectionID int64
	AsOf       time.Time
	Every      time.Duration
	Points     []Point
}

// MinuteSums is the change of the reporting figures of home or abroad
// stations during one minute, as Store.TallyMinutes returns them.
type MinuteSums struct {
	Minute int64 // Unix time / 60
	Abroad bool
	Sums
}

// Closing is a station and the moment it closes.
type Closing struct {
	Station election.Station
	// ClosesLocal is the closing time in the station's zone; ClosesRef
	// the same instant in the election's reference zone.
	ClosesLocal, ClosesRef time.Time
	// Closed is true when the station has a closing report.
	Closed bool
}

// Slot is a closing time shared by stations: a zone and a local time.
type Slot struct {
	TimeZone string
	Closes   election.Clock
	Stations int64
}

// Store reads the sums the store keeps. The store package implements it
// on SQLite and PostgreSQL.
type Store interface {
	// TallyGroups returns the live sums of an election's groups.
	TallyGroups(ctx context.Context, electionID int64) ([]Group, error)
	// TallyGroupsAt returns the sums of an election's groups counting only
	// reports observed before the end of the minute of at; stations total
	// and registered voters are today's.
	TallyGroupsAt(ctx context.Context, electionID int64, at time.Time) ([]Group, error)
	// TallyMinutes returns the changes of the reporting figures, per
	// minute and home or abroad, in order of time.
	TallyMinutes(ctx context.Context, electionID int64) ([]MinuteSums, error)
	// ClosingSlots returns the distinct closing times of an election's
	// stations.
	ClosingSlots(ctx context.Context, electionID int64) ([]Slot, error)
	// ClosingStations returns up to limit stations of a slot by code.
	ClosingStations(ctx context.Context, electionID int64, slot Slot, limit int) ([]Closing, error)
}

// sortSlots orders slots by the instant they close on day, dropping those
// whose zone does not load.
func sortSlots(day time.Time, slots []Slot) []timedSlot {
	list := make([]timedSlot, 0, len(slots))
	for _, s := range slots {
		st := election.Station{TimeZone: s.TimeZone, Closes: s.Closes}
		_, closes, err := st.Hours(day)
		if err != nil {
			continue
		}
		list = append(list, timedSlot{Slot: s, At: closes})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].At.Before(list[j].At) })
	return list
}

type timedSlot struct {
	Slot
	At time.Time
}
