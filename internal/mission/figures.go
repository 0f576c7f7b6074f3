package mission

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
)

// Figure is one figure inserted in a statement, with what it was computed
// from, when, and the query that reproduces it.
type Figure struct {
	Name   string            `json:"name"`
	Value  string            `json:"value"`
	Params map[string]string `json:"params"`
	// Values holds the value in each language where it names things
	// (incident categories, regions); Value is then the codes.
	Values map[string]string `json:"values,omitempty"`
	Basis  string            `json:"basis"`
	// Bases holds the basis in each language (Basis is the English).
	Bases      map[string]string `json:"bases,omitempty"`
	ComputedAt time.Time         `json:"computed_at"`
	// Query is the API request that gives the same figure.
	Query string `json:"query"`
}

// In is the figure's value in a language.
func (f Figure) In(lang string) string {
	if v, ok := f.Values[lang]; ok {
		return v
	}
	return f.Value
}

// BasisIn is what the figure was computed from, in a language.
func (f Figure) BasisIn(lang string) string {
	if b, ok := f.Bases[lang]; ok {
		return b
	}
	return f.Basis
}

// bases are the sentences saying what each figure counts, in kk, ru and
// en; %[1]d… are the numbers the figure's fig call passes.
var bases = map[string]map[string]string{
	"stations_observed": {
		"en": "stations with at least one report by the mission's members, of %[1]d stations",
		"ru": "участки хотя бы с одним сообщением членов миссии, из %[1]d участков",
		"kk": "миссия мүшелерінің кемінде бір хабарламасы бар учаскелер, барлығы %[1]d учаскенің",
	},
	"stations_observed_share": {
		"en": "%[1]d stations observed / %[2]d stations of the election",
		"ru": "%[1]d участков под наблюдением / %[2]d участков выборов",
		"kk": "бақыланған %[1]d учаске / сайлаудың %[2]d учаскесі",
	},
	"stations_total": {
		"en": "stations of the election",
		"ru": "участки выборов",
		"kk": "сайлау учаскелері",
	},
	"incidents_total": {
		"en": "incidents reported by the mission's members",
		"ru": "нарушения, о которых сообщили члены миссии",
		"kk": "миссия мүшелері хабарлаған бұзушылықтар",
	},
	"incidents_by_category": {
		"en": "incidents reported by the mission's members, by category",
		"ru": "нарушения, о которых сообщили члены миссии, по видам",
		"kk": "миссия мүшелері хабарлаған бұзушылықтар, түрлері бойынша",
	},
	"incidents_by_region": {
		"en": "incidents reported by the mission's members, by region",
		"ru": "нарушения, о которых сообщили члены миссии, по регионам",
		"kk": "миссия мүшелері хабарлаған бұзушылықтар, өңірлер бойынша",
	},
	"coverage_home": {
		"en": "stations in Kazakhstan with a member assigned / stations in Kazakhstan",
		"ru": "участки в Казахстане, куда направлен член миссии / участки в Казахстане",
		"kk": "миссия мүшесі жіберілген Қазақстандағы учаскелер / Қазақстандағы учаскелер",
	},
	"coverage_abroad": {
		"en": "stations abroad with a member assigned / stations abroad",
		"ru": "участки за рубежом, куда направлен член миссии / участки за рубежом",
		"kk": "миссия мүшесі жіберілген шетелдегі учаскелер / шетелдегі учаскелер",
	},
	"turnout_observed": {
		"en": "%[1]d ballots cast / %[2]d registered voters at %[3]d observed stations reporting a count (latest by observed_at)",
		"ru": "%[1]d бюллетеней в урнах / %[2]d избирателей в списках на %[3]d участках под наблюдением, сообщивших число (последнее по времени наблюдения)",
		"kk": "жәшіктегі %[1]d бюллетень / тізімдегі %[2]d сайлаушы, саны хабарланған бақыланған %[3]d учаскеде (бақылау уақыты бойынша соңғысы)",
	},
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
	fig := func(name, value string, args ...any) Figure {
		f := Figure{Name: name, Value: value, Params: params, ComputedAt: c.At, Query: q + "#" + name, Bases: map[string]string{}}
		for lang, text := range bases[name] {
			f.Bases[lang] = fmt.Sprintf(text, args...)
		}
		f.Basis = f.Bases["en"]
		return f
	}
	return []Figure{
		fig("stations_observed", strconv.Itoa(c.StationsObserved), c.StationsTotal),
		fig("stations_observed_share", percent(int64(c.StationsObserved), int64(c.StationsTotal)), c.StationsObserved, c.StationsTotal),
		fig("stations_total", strconv.Itoa(c.StationsTotal)),
		fig("incidents_total", strconv.Itoa(incidents)),
		named(fig("incidents_by_category", breakdown(c.IncidentsByCategory, nil)), c.IncidentsByCategory, categoryName),
		named(fig("incidents_by_region", breakdown(c.IncidentsByRegion, nil)), c.IncidentsByRegion, regionName),
		fig("coverage_home", fmt.Sprintf("%d / %d", c.CoveredHome, c.StationsHome)),
		fig("coverage_abroad", fmt.Sprintf("%d / %d", c.CoveredAbroad, c.StationsAbroad)),
		fig("turnout_observed", percent(c.BallotsCast, c.RegisteredVoters), c.BallotsCast, c.RegisteredVoters, c.StationsCounted),
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

// breakdown writes counts as "a 3, b 1", largest first, or "0"; name
// turns a code into what is written (nil: the code itself).
func breakdown(m map[string]int, name func(string) string) string {
	if len(m) == 0 {
		return "0"
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		if name != nil {
			k, keys[i] = name(k), k
		}
		parts[i] = fmt.Sprintf("%s %d", k, m[keys[i]])
	}
	return strings.Join(parts, ", ")
}

// named adds to f its value in each language, codes turned into names.
func named(f Figure, m map[string]int, name func(code, lang string) string) Figure {
	f.Values = map[string]string{}
	for _, lang := range []string{"kk", "ru", "en"} {
		f.Values[lang] = breakdown(m, func(code string) string { return name(code, lang) })
	}
	return f
}

func categoryName(code, lang string) string {
	if c, ok := report.LookupCategory(code); ok && c.Label[lang] != "" {
		return c.Label[lang]
	}
	return code
}

var abroad = map[string]string{"kk": "шетелде", "ru": "за рубежом", "en": "abroad"}

func regionName(code, lang string) string {
	if code == report.RegionAbroad {
		return abroad[lang]
	}
	if r, ok := election.LookupRegion(code); ok {
		switch lang {
		case "kk":
			return r.NameKK
		case "ru":
			return r.NameRU
		}
		return r.NameEN
	}
	return code
}
