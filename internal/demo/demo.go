// Package demo builds a realistic, deterministic demo election so that a
// newcomer sees a live product at once: the elections to the Mazhilis and
// maslikhats of 19 March 2023, about 10,000 polling stations at home spread
// over the 20 units of that day roughly by population, and the 66 stations
// abroad in 62 states with 12,016 registered citizens that the source report
// names (the last of them, San Francisco, closes at 09:00 Astana time on
// 20 March).
//
// Station codes at home are the region's ISO code and the precinct number
// within the region, numbered through the districts in order as the
// commissions number them ("KZ-75-0123" is precinct 123 of Almaty city).
// Stations abroad are coded by country and a number within the country
// ("US-03" is the third station in the United States, San Francisco).
//
// Everything is drawn from math/rand/v2 with a fixed PCG seed, so two runs
// with the same Options give the same data.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/baqylau/baqylau/internal/election"
)

// ElectionName is the name of the demo election; Load finds an earlier demo
// by this name.
const ElectionName = "Elections to the Mazhilis and maslikhats"

// ElectionDate is the day of the demo election (YYYY-MM-DD).
const ElectionDate = "2023-03-19"

// Figures of the vote abroad that the source report gives.
const (
	AbroadStations   = 66
	AbroadCountries  = 62
	RegisteredAbroad = 12016
)

// DefaultHomeStations is the number of stations at home unless Options
// says otherwise.
const DefaultHomeStations = 10000

// DefaultSeed is the seed of the demo unless Options says otherwise.
const DefaultSeed uint64 = 20230319

// batchSize bounds one ImportStations call (one transaction).
const batchSize = 10000

// Options change the demo.
type Options struct {
	// HomeStations is how many stations there are at home: 0 means
	// DefaultHomeStations, a negative number none (stations abroad only).
	// With fewer than 20 some units have no station.
	HomeStations int
	// Seed drives every random choice; 0 means DefaultSeed.
	Seed uint64
}

func (o Options) homeStations() int {
	switch {
	case o.HomeStations == 0:
		return DefaultHomeStations
	case o.HomeStations < 0:
		return 0
	}
	return o.HomeStations
}

func (o Options) seed() uint64 {
	if o.Seed == 0 {
		return DefaultSeed
	}
	return o.Seed
}

// Summary tells what Load stored.
type Summary struct {
	ElectionID     int64
	HomeStations   int
	AbroadStations int
	Countries      int // foreign states with a station
	// RegisteredHome and RegisteredAbroad sum registered voters.
	RegisteredHome   int64
	RegisteredAbroad int64
	// Import tells how many stations were created and how many updated: a
	// second Load updates what the first created.
	Import election.ImportSummary
}

// Election returns the demo election, not yet stored: kind mazhilis, on
// 19 March 2023, reference zone Asia/Almaty, with the two Mazhilis contests
// and one maslikhat contest per unit of that day.
func Election() election.Election {
	day := time.Date(2023, time.March, 19, 0, 0, 0, 0, time.UTC) // ElectionDate
	e := election.Election{
		Name:     ElectionName,
		Kind:     election.Mazhilis,
		Date:     day,
		TimeZone: election.DefaultTimeZone,
		Contests: []election.Contest{
			// The seven parties that stood in 2023 and the ballot's
			// "against all" line, so that the demo day has count
			// protocols for results, the quick count and forensics.
			{Name: "Mazhilis: party lists (69 seats)", Options: []string{"AMANAT", "Auyl", "Respublica", "Ak Zhol",
				"People's Party of Kazakhstan", "National Social Democratic Party", "Baytaq", "Against all"}},
			{Name: "Mazhilis: single-member districts (29 seats)"},
		},
	}
	for _, r := range election.Regions(day) {
		e.Contests = append(e.Contests, election.Contest{Name: "Maslikhat of " + r.NameEN, Region: r.Code})
	}
	return e
}

// Load stores the demo election and its stations in s and says what it
// stored. It is idempotent: an election named ElectionName is reused (its
// missing contests added) and stations are upserted by code. It never
// deletes, so a second Load with fewer stations leaves the others.
func Load(ctx context.Context, s election.Store, opts Options) (Summary, error) {
	stations, err := Stations(opts)
	if err != nil {
		return Summary{}, err
	}
	e, err := ensureElection(ctx, s)
	if err != nil {
		return Summary{}, err
	}
	sum := summarize(stations)
	sum.ElectionID = e.ID
	for start := 0; start < len(stations); start += batchSize {
		end := min(start+batchSize, len(stations))
		is, err := s.ImportStations(ctx, e.ID, stations[start:end])
		if err != nil {
			return Summary{}, fmt.Errorf("demo: import stations %d–%d: %w", start+1, end, err)
		}
		sum.Import.Created += is.Created
		sum.Import.Updated += is.Updated
	}
	return sum, nil
}

// ensureElection finds the demo election by name or creates it, and adds
// any contest it lacks.
func ensureElection(ctx context.Context, s election.Store) (election.Election, error) {
	want := Election()
	all, err := s.Elections(ctx)
	if err != nil {
		return election.Election{}, fmt.Errorf("demo: list elections: %w", err)
	}
	for _, e := range all {
		if e.Name != want.Name {
			continue
		}
		have := map[[2]string]bool{}
		for _, c := range e.Contests {
			have[[2]string{c.Name, c.Region}] = true
		}
		for _, c := range want.Contests {
			if have[[2]string{c.Name, c.Region}] {
				continue
			}
			c.ElectionID = e.ID
			if err := s.AddContest(ctx, &c); err != nil {
				return election.Election{}, fmt.Errorf("demo: add contest %q: %w", c.Name, err)
			}
			e.Contests = append(e.Contests, c)
		}
		return e, nil
	}
	if err := want.Validate(); err != nil {
		return election.Election{}, fmt.Errorf("demo: %w", err)
	}
	if err := s.CreateElection(ctx, &want); err != nil {
		return election.Election{}, fmt.Errorf("demo: create election: %w", err)
	}
	return want, nil
}

func summarize(stations []election.Station) Summary {
	var sum Summary
	countries := map[string]bool{}
	for _, st := range stations {
		if st.Abroad() {
			sum.AbroadStations++
			sum.RegisteredAbroad += int64(st.RegisteredVoters)
			countries[st.Country] = true
		} else {
			sum.HomeStations++
			sum.RegisteredHome += int64(st.RegisteredVoters)
		}
	}
	sum.Countries = len(countries)
	return sum
}

// Stations generates the demo's stations, validated (so home stations
// carry their region's time zone): stations abroad first, ordered by
// code, then stations at home, ordered by region and number.
func Stations(opts Options) ([]election.Station, error) {
	seed := opts.seed()
	// Separate streams, so that the number of stations at home does not
	// change the stations abroad.
	out := abroad(rand.New(rand.NewPCG(seed, 1)))
	out = append(out, home(rand.New(rand.NewPCG(seed, 2)), opts.homeStations())...)
	for i := range out {
		if err := out[i].Validate(); err != nil {
			return nil, fmt.Errorf("demo: station %s: %w", out[i].Code, err)
		}
	}
	return out, nil
}

// abroad builds the stations at missions abroad: the registered citizens
// follow each mission's weight, shaken a little, and add up to exactly
// RegisteredAbroad.
func abroad(rng *rand.Rand) []election.Station {
	weights := make([]float64, len(offices))
	for i, o := range offices {
		weights[i] = float64(o.Weight) * (0.85 + 0.3*rng.Float64())
	}
	voters := apportion(RegisteredAbroad, weights, 1)
	out := make([]election.Station, 0, len(offices))
	seq := map[string]int{}
	for i, o := range offices {
		seq[o.Country]++
		mission, where := "Embassy of Kazakhstan", "Embassy in "+o.City
		if o.Consular {
			mission, where = "Consulate General of Kazakhstan", "Consulate General in "+o.City
		}
		out = append(out, election.Station{
			Code:             fmt.Sprintf("%s-%02d", o.Country, seq[o.Country]),
			Name:             "Polling station at the " + where,
			Country:          o.Country,
			City:             o.City,
			Address:          mission + ", " + o.City,
			TimeZone:         o.TimeZone,
			RegisteredVoters: voters[i],
			Opens:            election.DefaultOpens,
			Closes:           election.DefaultCloses,
			Latitude:         ptr(o.Lat),
			Longitude:        ptr(o.Lon),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// home builds n stations at home, shared among the units by population
// (each unit gets one when n allows), and within a unit among its
// districts by weight.
func home(rng *rand.Rand, n int) []election.Station {
	if n <= 0 {
		return nil
	}
	weights := make([]float64, len(units))
	for i, u := range units {
		weights[i] = float64(u.Population)
	}
	minimum := 0
	if n >= len(units) {
		minimum = 1
	}
	perUnit := apportion(n, weights, minimum)
	out := make([]election.Station, 0, n)
	for i, u := range units {
		dw := make([]float64, len(u.Districts))
		for j, d := range u.Districts {
			dw[j] = float64(d.Weight)
		}
		// Draw a district for each station, then number the stations
		// district by district as a commission would.
		perDistrict := make([]int, len(u.Districts))
		for k := 0; k < perUnit[i]; k++ {
			perDistrict[pick(rng, dw)]++
		}
		number := 0
		for j, d := range u.Districts {
			for k := 0; k < perDistrict[j]; k++ {
				number++
				out = append(out, homeStation(rng, u, d, number))
			}
		}
	}
	return out
}

// Languages of station names and addresses, in the mix real files have.
var langs = []struct {
	name    func(n int) string
	address func(house int, street street, facility string) string
	weight  float64
}{
	{func(n int) string { return "Избирательный участок № " + strconv.Itoa(n) },
		func(h int, s street, f string) string { return fmt.Sprintf("ул. %s, %d (%s)", s.RU, h, f) }, 50},
	{func(n int) string { return "№ " + strconv.Itoa(n) + " сайлау учаскесі" },
		func(h int, s street, f string) string { return fmt.Sprintf("%s көшесі, %d (%s)", s.KK, h, f) }, 35},
	{func(n int) string { return "Polling station No. " + strconv.Itoa(n) },
		func(h int, s street, f string) string { return fmt.Sprintf("%d %s Street (%s)", h, s.EN, f) }, 15},
}

var langWeights = func() []float64 {
	w := make([]float64, len(langs))
	for i, l := range langs {
		w[i] = l.weight
	}
	return w
}()

// street is a street name common across Kazakhstan.
type street struct{ RU, KK, EN string }

var streets = []street{
	{"Абая", "Абай", "Abai"},
	{"Толе би", "Төле би", "Tole Bi"},
	{"Сатпаева", "Сәтбаев", "Satpayev"},
	{"Байтурсынова", "Байтұрсынов", "Baitursynov"},
	{"Ауэзова", "Әуезов", "Auezov"},
	{"Жамбыла", "Жамбыл", "Zhambyl"},
	{"Момышулы", "Момышұлы", "Momyshuly"},
	{"Сейфуллина", "Сейфуллин", "Seifullin"},
	{"Кабанбай батыра", "Қабанбай батыр", "Kabanbay Batyr"},
	{"Достык", "Достық", "Dostyk"},
	{"Тауелсиздик", "Тәуелсіздік", "Tauelsizdik"},
	{"Мухамеджанова", "Мұхамеджанов", "Mukhamedzhanov"},
	{"Желтоксан", "Желтоқсан", "Zheltoksan"},
	{"Богенбай батыра", "Бөгенбай батыр", "Bogenbay Batyr"},
	{"Шокана Уалиханова", "Шоқан Уәлиханов", "Shokan Ualikhanov"},
	{"Габита Мусрепова", "Ғабит Мүсірепов", "Gabit Musrepov"},
}

// facilities are where stations sit: schools mostly, houses of culture
// in villages (one form per language of langs).
var (
	school  = [3]string{"школа № %d", "№ %d мектеп", "School No. %d"}
	culture = [3]string{"Дом культуры", "Мәдениет үйі", "House of Culture"}
)

// homeStation builds precinct number of unit u in district d.
func homeStation(rng *rand.Rand, u unit, d district, number int) election.Station {
	lang := pick(rng, langWeights)
	facility := fmt.Sprintf(school[lang], 1+rng.IntN(80))
	if !d.Urban && rng.Float64() < 0.3 {
		facility = culture[lang]
	}
	spread := 0.15 // degrees around a district centre
	if d.Urban {
		spread = 0.04
	}
	return election.Station{
		Code:             fmt.Sprintf("%s-%04d", u.Code, number),
		Name:             langs[lang].name(number),
		Region:           u.Code,
		District:         d.Name,
		Country:          election.HomeCountry,
		City:             d.Town,
		Address:          langs[lang].address(1+rng.IntN(150), streets[rng.IntN(len(streets))], facility),
		RegisteredVoters: registered(rng, d.Urban),
		Opens:            election.DefaultOpens,
		Closes:           election.DefaultCloses,
		Latitude:         ptr(d.Lat + spread*(2*rng.Float64()-1)),
		Longitude:        ptr(d.Lon + spread*(2*rng.Float64()-1)),
	}
}

// registered draws a station's registered voters: urban precincts hold
// about 1,650 voters, rural ones a few hundred with a long tail; all lie
// in 50..3000.
func registered(rng *rand.Rand, urban bool) int {
	var v float64
	if urban {
		v = 1650 + 550*rng.NormFloat64()
	} else {
		v = math.Exp(math.Log(450) + 0.7*rng.NormFloat64())
	}
	return int(math.Round(max(50, min(3000, v))))
}

// pick draws an index with probability proportional to its weight.
func pick(rng *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// apportion shares total among weights by the largest remainder, giving
// each at least minimum (total must allow it); the shares add up to total.
func apportion(total int, weights []float64, minimum int) []int {
	out := make([]int, len(weights))
	rest := total - minimum*len(weights)
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	type frac struct {
		i int
		f float64
	}
	fracs := make([]frac, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(rest) * w / sum
		n := int(math.Floor(exact))
		out[i] = minimum + n
		given += n
		fracs[i] = frac{i, exact - float64(n)}
	}
	sort.SliceStable(fracs, func(a, b int) bool { return fracs[a].f > fracs[b].f })
	for k := 0; given < rest; k++ {
		out[fracs[k%len(fracs)].i]++
		given++
	}
	return out
}

// ptr returns a pointer to v rounded to five decimals (about a metre), so
// that coordinates survive a round trip through a stations file.
func ptr(v float64) *float64 {
	r := math.Round(v*1e5) / 1e5
	return &r
}
