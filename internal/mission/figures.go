package mission

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Figure is one figure inserted in a statement, with what it was computed
// from, when, and the query that reproduces it.
type Figure struct {
	Name       string            `json:"name"`
	Value      string            `json:"value"`
	Params     map[string]string `json:"params"`
	Basis      string            `json:"basis"`
	ComputedAt time.Time         `json:"computed_at"`
	// Query is the API request that gives the same figure.
	Query string `json:"query"`
}

// FigureNames lists the figures a statement may use as {{name}}.
var FigureNames = []string{
	"stations_observed", "stations_observed_share", "stations_total",
	"incidents_total", "incidents_by_category", "incidents_by_region",
	"coverage_home", "coverage_abroad", "turnout_observed",
}

// Counts are the raw counts a mission's figures are computed from, read
// in one go by the store.
type Counts struct {
	MissionID  int64
	ElectionID int64
	// StationsTotal: stations of the election; Home and Abroad split it.
	StationsTotal, StationsHome, StationsAbroad int
	// StationsObserved: stations with at least one report by a member of
	// the mission.
	StationsObserved int
	// CoveredHome, CoveredAbroad: stations with a member assigned.
	CoveredHome, CoveredAbroad int
	// IncidentsByCategory, IncidentsByRegion: incidents reported by
	// members.
	IncidentsByCategory map[string]int
	IncidentsByRegion   map[string]int
	// BallotsCast, RegisteredVoters, StationsCounted: the latest
	// cumulative count of each observed station that reported one, and
	// the registered voters and number of those stations.
	BallotsCast, RegisteredVoters int64
	StationsCounted               int
	At                            time.Time
}

// Figures computes every figure of FigureNames from c.
func (c Counts) Figures() []Figure {
	params := map[string]string{"mission": strconv.FormatInt(c.MissionID, 10), "election": strconv.FormatInt(c.ElectionID, 10)}
	params["at"] = c.At.UTC().Format(time.RFC3339Nano)
	// The query gives the same figure again, as of the same moment.
	q := "GET /api/v1/missions/" + params["mission"] + "/figures?at=" + params["at"]
	incidents := 0
	for _, n := range c.IncidentsByCategory {
		incidents += n
	}
	fig := func(name, value, basis string) Figure {
		return Figure{Name: name, Value: value, Params: params, Basis: basis, ComputedAt: c.At, Query: q + "#" + name}
	}
	return []Figure{
		fig("stations_observed", strconv.Itoa(c.StationsObserved),
			fmt.Sprintf("stations with at least one report by the mission's members, of %d stations", c.StationsTotal)),
		fig("stations_observed_share", percent(int64(c.StationsObserved), int64(c.StationsTotal)),
			fmt.Sprintf("%d stations observed / %d stations of the election", c.StationsObserved, c.StationsTotal)),
		fig("stations_total", strconv.Itoa(c.StationsTotal), "stations of the election"),
		fig("incidents_total", strconv.Itoa(incidents), "incidents reported by the mission's members"),
		fig("incidents_by_category", breakdown(c.IncidentsByCategory), "incidents reported by the mission's members, by category"),
		fig("incidents_by_region", breakdown(c.IncidentsByRegion), "incidents reported by the mission's members, by region code"),
		fig("coverage_home", fmt.Sprintf("%d / %d", c.CoveredHome, c.StationsHome),
			"stations in Kazakhstan with a member assigned / stations in Kazakhstan"),
		fig("coverage_abroad", fmt.Sprintf("%d / %d", c.CoveredAbroad, c.StationsAbroad),
			"stations abroad with a member assigned / stations abroad"),
		fig("turnout_observed", percent(c.BallotsCast, c.RegisteredVoters),
			fmt.Sprintf("%d ballots cast / %d registered voters at %d observed stations reporting a count (latest by observed_at)",
				c.BallotsCast, c.RegisteredVoters, c.StationsCounted)),
	}
}

// percent writes n/d as a percentage with one decimal, or "n/a" for d 0.
func percent(n, d int64) string {
	if d == 0 {
		return "n/a"
	}
	tenths := (n*1000 + d/2) / d
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

// breakdown writes counts as "a 3, b 1", largest first, or "0".
func breakdown(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
