// Package quickcount designs and estimates a quick count (a parallel vote
// tabulation): a stratified random sample of polling stations drawn from a
// published seed, and vote shares and turnout estimated from the sample
// stations' count protocols with their margins of error.
//
// The method is written for outsiders in docs/quickcount.md; anyone with
// the stations file and the seed can redraw the sample.
package quickcount

import (
	"context"
	"crypto/sha256"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// Defaults of a sample design.
const (
	DefaultMargin       = 1.0  // percentage points
	DefaultConfidence   = 0.95 // two-sided
	DefaultTurnout      = 0.6  // expected share of registered voters who vote
	DefaultICC          = 0.02 // intra-station correlation of the vote
	DefaultReserveShare = 0.2  // reserves per sample station of a stratum
	// MinPerStratum is the fewest sample stations a stratum gets (when it
	// has that many): a stratum needs two for its variance.
	MinPerStratum = 2
	// MaxSeedLen bounds the published seed.
	MaxSeedLen = 200
)

// Design is what the analyst asks of a sample.
type Design struct {
	// Margin is the margin of error wanted, in percentage points, at
	// Confidence (such as 0.95).
	Margin     float64
	Confidence float64
	// Turnout is the expected turnout (a fraction), for the number of
	// voters behind each station.
	Turnout float64
	// ICC is the intra-station correlation ρ of the vote: voters of one
	// station vote alike, so a station tells less than as many voters
	// drawn at random. The design effect is 1 + (m − 1)·ρ.
	ICC float64
	// ReserveShare is how many reserve stations a stratum gets per sample
	// station (rounded up).
	ReserveShare float64
	// Seed is the published seed the sample is drawn from.
	Seed string
	// Stations, when above 0, is the sample size wanted instead of the
	// one the margin gives (a fixed budget of observers).
	Stations int
}

// Defaults fills the zero fields of d with the defaults.
func (d *Design) Defaults() {
	if d.Margin == 0 {
		d.Margin = DefaultMargin
	}
	if d.Confidence == 0 {
		d.Confidence = DefaultConfidence
	}
	if d.Turnout == 0 {
		d.Turnout = DefaultTurnout
	}
	if d.ICC == 0 {
		d.ICC = DefaultICC
	}
	if d.ReserveShare == 0 {
		d.ReserveShare = DefaultReserveShare
	}
}

// Validate checks a design; messages name the field.
func (d Design) Validate() error {
	switch {
	case !(d.Margin >= 0.1 && d.Margin <= 20):
		return baqylau.Errorf(baqylau.EINVALID, "margin must be between 0.1 and 20 percentage points")
	case !(d.Confidence >= 0.5 && d.Confidence <= 0.999):
		return baqylau.Errorf(baqylau.EINVALID, "confidence must be between 0.5 and 0.999 (such as 0.95)")
	case !(d.Turnout > 0 && d.Turnout <= 1):
		return baqylau.Errorf(baqylau.EINVALID, "turnout must be a fraction above 0 and at most 1 (such as 0.6)")
	case !(d.ICC >= 0 && d.ICC <= 1):
		return baqylau.Errorf(baqylau.EINVALID, "icc must be between 0 and 1")
	case !(d.ReserveShare >= 0 && d.ReserveShare <= 2):
		return baqylau.Errorf(baqylau.EINVALID, "reserve_share must be between 0 and 2")
	case d.Stations < 0:
		return baqylau.Errorf(baqylau.EINVALID, "stations must not be negative")
	case strings.TrimSpace(d.Seed) == "":
		return baqylau.Errorf(baqylau.EINVALID, "seed is required: publish it so anyone can redraw the sample")
	case utf8.RuneCountInString(d.Seed) > MaxSeedLen || !utf8.ValidString(d.Seed):
		return baqylau.Errorf(baqylau.EINVALID, "seed must be valid text of at most %d characters", MaxSeedLen)
	}
	return nil
}

// Z returns the two-sided normal quantile of a confidence level: 1.96 for
// 0.95, 2.576 for 0.99.
func Z(confidence float64) float64 { return math.Sqrt2 * math.Erfinv(confidence) }

// Size is a sample size and how it was reached.
type Size struct {
	// Voters is NDI's number of voters for a simple random sample:
	// Z²·p(1−p)/E² with p = 0.5, corrected for the finite number of
	// expected voters.
	Voters float64
	// VotersPerStation is m, the expected voters of an average station.
	VotersPerStation float64
	// DesignEffect is 1 + (m − 1)·ρ.
	DesignEffect float64
	// Stations is ⌈Voters·DesignEffect / m⌉, at most the stations there
	// are (before each stratum's minimum is applied by Allocate). A design
	// with a fixed number of stations draws that many instead.
	Stations int
}

// SampleSize computes the sample size of design d over stations: NDI's
// formula for voters, turned into stations by the design effect of
// sampling whole stations.
func SampleSize(d Design, stations []election.Station) Size {
	var registered float64
	for _, s := range stations {
		registered += float64(s.RegisteredVoters)
	}
	if len(stations) == 0 || registered == 0 {
		return Size{}
	}
	z, e, p := Z(d.Confidence), d.Margin/100, 0.5
	n0 := z * z * p * (1 - p) / (e * e)
	voters := registered * d.Turnout
	n := n0 / (1 + (n0-1)/voters)
	m := voters / float64(len(stations))
	deff := 1 + math.Max(m-1, 0)*d.ICC
	k := int(math.Ceil(n * deff / math.Max(m, 1)))
	return Size{Voters: n, VotersPerStation: m, DesignEffect: deff, Stations: min(max(k, 1), len(stations))}
}

// Settlement kinds of a station at home.
const (
	Urban = "urban"
	Rural = "rural"
)

// citiesOfRepublicanSignificance are the region codes of Astana, Almaty
// and Shymkent: every station there is urban.
var citiesOfRepublicanSignificance = []string{"KZ-71", "KZ-75", "KZ-79"}

// ruralMarkers start the city column of a village: the stations file has
// no settlement column, so urban or rural is derived (docs/quickcount.md).
var ruralMarkers = []string{"с.", "с ", "село", "ауыл", "аул", "а.", "пос.", "посёлок", "поселок", "кент", "village", "aul", "auyl", "selo", "s."}

// Settlement derives whether a station at home is urban or rural: urban
// in a city of republican significance; elsewhere urban when the city
// column names a town, rural when it is empty or names a village (starts
// with "с.", "село", "ауыл", "village" …). Abroad it is "".
func Settlement(s election.Station) string {
	if s.Abroad() {
		return ""
	}
	if slices.Contains(citiesOfRepublicanSignificance, s.Region) {
		return Urban
	}
	city := strings.ToLower(strings.TrimSpace(s.City))
	if city == "" {
		return Rural
	}
	for _, m := range ruralMarkers {
		if strings.HasPrefix(city, m) {
			return Rural
		}
	}
	return Urban
}

// Size classes of a station.
const (
	Small = "small"
	Large = "large"
)

// MedianVoters is the median registered voters of the stations (the lower
// median), the line between small and large stations.
func MedianVoters(stations []election.Station) int {
	if len(stations) == 0 {
		return 0
	}
	v := make([]int, len(stations))
	for i, s := range stations {
		v[i] = s.RegisteredVoters
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

// StratumKey names the stratum of a station: "home/REGION/urban|rural/
// small|large" at home, "abroad/small|large" abroad. A station is large
// when it has more registered voters than median.
func StratumKey(s election.Station, median int) string {
	size := Small
	if s.RegisteredVoters > median {
		size = Large
	}
	if s.Abroad() {
		return "abroad/" + size
	}
	return "home/" + s.Region + "/" + Settlement(s) + "/" + size
}

// Roles of a station in a sample.
const (
	RoleSample  = "sample"
	RoleReserve = "reserve"
)

// Stratum is one stratum of a drawn sample.
type Stratum struct {
	Key string
	// Stations and Registered count the stratum's stations and their
	// registered voters in the whole election.
	Stations   int
	Registered int64
	// Sample and Reserve are how many stations were drawn of each role.
	Sample  int
	Reserve int
}

// Member is a station drawn into the sample.
type Member struct {
	Code    string
	Stratum string
	Role    string // RoleSample or RoleReserve
	// Rank is the station's place in its stratum's random order (1 is
	// first): reserves replace sample stations lowest rank first.
	Rank int
}

// Sample is a drawn sample with its design.
type Sample struct {
	ElectionID int64
	Design     Design
	Size       Size
	// Median is the line between small and large stations.
	Median  int
	Strata  []Stratum // in key order
	Members []Member  // by stratum, then rank
	DrawnAt time.Time
	DrawnBy int64
}

// Counts returns the sample and reserve stations drawn.
func (s Sample) Counts() (sample, reserve int) {
	for _, st := range s.Strata {
		sample += st.Sample
		reserve += st.Reserve
	}
	return sample, reserve
}

// Allocate shares n sample stations among strata in proportion to their
// stations (largest remainder; ties to the smaller key), each stratum
// getting at least MinPerStratum (or all its stations when fewer). The
// total may exceed n by those minimums.
func Allocate(sizes map[string]int, n int) map[string]int {
	keys := make([]string, 0, len(sizes))
	total := 0
	for k, v := range sizes {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	out := map[string]int{}
	if total == 0 {
		return out
	}
	n = min(n, total)
	type rem struct {
		key  string
		frac float64
	}
	var rems []rem
	given := 0
	for _, k := range keys {
		exact := float64(n) * float64(sizes[k]) / float64(total)
		out[k] = int(math.Floor(exact))
		given += out[k]
		rems = append(rems, rem{k, exact - math.Floor(exact)})
	}
	sort.SliceStable(rems, func(i, j int) bool { return rems[i].frac > rems[j].frac })
	for i := 0; given < n && i < len(rems); i++ {
		out[rems[i].key]++
		given++
	}
	for _, k := range keys {
		out[k] = min(max(out[k], MinPerStratum), sizes[k])
	}
	return out
}

// SeedKey is the ChaCha8 key of a published seed: the SHA-256 of its
// UTF-8 bytes.
func SeedKey(seed string) [32]byte { return sha256.Sum256([]byte(seed)) }

// Draw draws the stratified sample of design d from an election's
// stations. It is deterministic: stations are taken in code order (byte
// order), each gets the next 64-bit output of ChaCha8 keyed by
// SeedKey(d.Seed), and within each stratum stations are ranked by that
// number (then code); the first ranks are the sample, the next the
// reserves. The order stations come in does not matter.
func Draw(d Design, stations []election.Station) (Sample, error) {
	d.Defaults()
	if err := d.Validate(); err != nil {
		return Sample{}, err
	}
	if len(stations) == 0 {
		return Sample{}, baqylau.Errorf(baqylau.EINVALID, "the election has no stations to sample: import the stations file first")
	}
	// Sorted by index, not by moving the (large) stations around.
	order := make([]int, len(stations))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(stations[a].Code, stations[b].Code) })
	for i := 1; i < len(order); i++ {
		if stations[order[i]].Code == stations[order[i-1]].Code {
			return Sample{}, baqylau.Errorf(baqylau.EINVALID, "station code %q appears twice", stations[order[i]].Code)
		}
	}
	size := SampleSize(d, stations)
	n := size.Stations
	if d.Stations > 0 {
		n = min(d.Stations, len(stations))
	}
	median := MedianVoters(stations)
	rng := rand.NewChaCha8(SeedKey(d.Seed))
	type drawn struct {
		code string
		u    uint64
	}
	byStratum := map[string][]drawn{}
	registered := map[string]int64{}
	sizes := map[string]int{}
	for _, i := range order {
		s := &stations[i]
		k := StratumKey(*s, median)
		byStratum[k] = append(byStratum[k], drawn{s.Code, rng.Uint64()})
		registered[k] += int64(s.RegisteredVoters)
		sizes[k]++
	}
	alloc := Allocate(sizes, n)
	keys := make([]string, 0, len(sizes))
	for k := range sizes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := Sample{Design: d, Size: size, Median: median}
	for _, k := range keys {
		ds := byStratum[k]
		slices.SortFunc(ds, func(a, b drawn) int {
			if a.u != b.u {
				if a.u < b.u {
					return -1
				}
				return 1
			}
			return strings.Compare(a.code, b.code)
		})
		n := alloc[k]
		r := min(int(math.Ceil(float64(n)*d.ReserveShare)), len(ds)-n)
		out.Strata = append(out.Strata, Stratum{Key: k, Stations: len(ds), Registered: registered[k], Sample: n, Reserve: r})
		for i := 0; i < n+r; i++ {
			role := RoleSample
			if i >= n {
				role = RoleReserve
			}
			out.Members = append(out.Members, Member{Code: ds[i].code, Stratum: k, Role: role, Rank: i + 1})
		}
	}
	return out, nil
}

// Store keeps an election's sample. The store package implements it on
// SQLite and PostgreSQL.
type Store interface {
	// SaveSample replaces the election's sample (design, strata and
	// members) in one transaction.
	SaveSample(ctx context.Context, s Sample) error
	// Sample returns the election's sample (ENOTFOUND if none was drawn).
	Sample(ctx context.Context, electionID int64) (Sample, error)
}

// StationLister lists every station of an election in code order; the
// store package implements it.
type StationLister interface {
	AllStations(ctx context.Context, electionID int64) ([]election.Station, error)
}

// Coverage counts the sample and reserve stations and those with an
// observer assigned: the deployment hand-off's progress.
type Coverage struct {
	Sample, SampleCovered   int
	Reserve, ReserveCovered int
}
