package quickcount_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/quickcount"
	"github.com/baqylau/baqylau/internal/tally"
)

func TestSampleSizeFollowsNDI(t *testing.T) {
	// 10,000 stations of 1,000 voters, turnout 1: 10 million voters, so the
	// finite population correction is tiny and NDI's n = 1.96²·0.25/0.01²
	// = 9,604 voters.
	st := make([]election.Station, 10000)
	for i := range st {
		st[i] = election.Station{Code: fmt.Sprint(i), Country: "KZ", Region: "KZ-75", RegisteredVoters: 1000}
	}
	d := quickcount.Design{Margin: 1, Confidence: 0.95, Turnout: 1, ICC: 0}
	got := quickcount.SampleSize(d, st)
	if math.Abs(got.Voters-9594.4) > 1 || got.DesignEffect != 1 || got.Stations != 10 {
		t.Errorf("SampleSize = %+v, want about 9,594 voters (9,604 with the correction), design effect 1, 10 stations", got)
	}
	d.ICC = 0.02 // design effect 1 + 999·0.02 = 20.98
	got = quickcount.SampleSize(d, st)
	if math.Abs(got.DesignEffect-20.98) > 1e-9 || got.Stations != 202 {
		t.Errorf("with ρ = 0.02: %+v, want design effect 20.98 and 202 stations", got)
	}
	if z := quickcount.Z(0.99); math.Abs(z-2.5758) > 1e-4 {
		t.Errorf("Z(0.99) = %v", z)
	}
}

func TestSettlement(t *testing.T) {
	for _, c := range []struct {
		region, country, city, want string
	}{
		{"KZ-75", "KZ", "", quickcount.Urban},
		{"KZ-55", "KZ", "Павлодар", quickcount.Urban},
		{"KZ-55", "KZ", "", quickcount.Rural},
		{"KZ-55", "KZ", "село Ақсу", quickcount.Rural},
		{"KZ-55", "KZ", "ауыл Қарасу", quickcount.Rural},
		{"", "US", "Washington", ""},
	} {
		s := election.Station{Region: c.region, Country: c.country, City: c.city}
		if got := quickcount.Settlement(s); got != c.want {
			t.Errorf("Settlement(%q, %q, %q) = %q, want %q", c.region, c.country, c.city, got, c.want)
		}
	}
}

// population is a synthetic election with known truth.
type population struct {
	stations []election.Station
	truth    map[string]tally.Protocol // by code
	contest  election.Contest
}

// binomial draws Binomial(n, p) by the normal approximation (n ≥ 100
// here), rounded and clamped.
func binomial(r *rand.Rand, n int64, p float64) int64 {
	v := math.Round(float64(n)*p + r.NormFloat64()*math.Sqrt(float64(n)*p*(1-p)))
	return int64(min(max(v, 0), float64(n)))
}

// newPopulation builds n stations in 4 regions, urban and rural, each
// region and settlement with its own turnout and vote, and station to
// station variation on top.
func newPopulation(n int, seed uint64) population {
	r := rand.New(rand.NewPCG(seed, 1))
	regions := []string{"KZ-75", "KZ-55", "KZ-35", "KZ-11"}
	c := election.Contest{ID: 1, Name: "President", Options: []string{"A", "B", "C"}}
	p := population{truth: map[string]tally.Protocol{}, contest: c}
	for i := range n {
		reg := regions[i%len(regions)]
		city := ""
		if i%3 == 0 {
			city = "Town"
		}
		st := election.Station{Code: fmt.Sprintf("S%05d", i), Country: "KZ", Region: reg, City: city, RegisteredVoters: 300 + r.IntN(2200)}
		if i%50 == 0 {
			st = election.Station{Code: fmt.Sprintf("X%05d", i), Country: "US", RegisteredVoters: 100 + r.IntN(900)}
		}
		ri := float64(i % len(regions))
		turnout := min(max(0.5+0.05*ri+0.08*r.NormFloat64(), 0.05), 0.98)
		shareA := min(max(0.4+0.06*ri-0.1*float64(len(city))/4+0.07*r.NormFloat64(), 0.02), 0.95)
		shareB := (1 - shareA) * 0.7
		regV := int64(st.RegisteredVoters)
		cast := binomial(r, regV, turnout)
		invalid := binomial(r, cast, 0.02)
		valid := cast - invalid
		a := binomial(r, valid, shareA)
		b := binomial(r, valid-a, shareB/(1-shareA))
		p.stations = append(p.stations, st)
		p.truth[st.Code] = tally.Protocol{Station: st.Code, Contest: 1,
			Lines: map[string]int64{"registered": regV, "cast": cast, "valid": valid, "invalid": invalid},
			Votes: map[string]int64{"A": a, "B": b, "C": valid - a - b}}
	}
	return p
}

// truthOf returns the population's turnout and A's share, in percent.
func (p population) truthOf() (turnout, shareA float64) {
	var cast, reg, a, valid float64
	for _, pr := range p.truth {
		cast += float64(pr.Lines["cast"])
		reg += float64(pr.Lines["registered"])
		a += float64(pr.Votes["A"])
		valid += float64(pr.Lines["valid"])
	}
	return 100 * cast / reg, 100 * a / valid
}

// TestIntervalsCoverTheTruth draws many samples from one synthetic
// election and checks how often the intervals cover the true turnout and
// share. Tolerance: the 95% interval must cover in 95% ± 3.5 points of
// 400 samples (about three binomial standard deviations, 1.1 points, plus
// room for the small bias of a ratio estimator); ± 5.5 points of 150
// under -short. The 99% interval must cover at least 97%. The seeds are
// fixed, so the test gives the same answer every run.
func TestIntervalsCoverTheTruth(t *testing.T) {
	reps, tol := 400, 0.035
	if testing.Short() {
		reps, tol = 150, 0.055
	}
	pop := newPopulation(2000, 7)
	trueTurnout, trueA := pop.truthOf()
	var cov95T, cov95A, cov99T, cov99A int
	for rep := range reps {
		s, err := quickcount.Draw(quickcount.Design{Seed: fmt.Sprint("coverage-", rep), Stations: 200}, pop.stations)
		if err != nil {
			t.Fatal(err)
		}
		ps := map[string]tally.Protocol{}
		for _, m := range s.Members {
			if m.Role == quickcount.RoleSample {
				ps[m.Code] = pop.truth[m.Code]
			}
		}
		est := quickcount.EstimateContest(s, pop.stations, pop.contest, ps)
		if est.NonResponse.Rate() != 100 || est.NonResponse.MissingStations != 0 {
			t.Fatalf("every sample station reported, yet non-response says %+v", est.NonResponse)
		}
		a := est.Shares[0].Value
		if est.Turnout.Covers(trueTurnout, 1.959964) {
			cov95T++
		}
		if a.Covers(trueA, 1.959964) {
			cov95A++
		}
		if est.Turnout.Covers(trueTurnout, 2.575829) {
			cov99T++
		}
		if a.Covers(trueA, 2.575829) {
			cov99A++
		}
	}
	for _, c := range []struct {
		name  string
		n     int
		level float64
	}{{"turnout 95%", cov95T, 0.95}, {"share 95%", cov95A, 0.95}, {"turnout 99%", cov99T, 0.99}, {"share 99%", cov99A, 0.99}} {
		got := float64(c.n) / float64(reps)
		t.Logf("%s interval covered the truth in %.1f%% of %d samples", c.name, 100*got, reps)
		if c.level == 0.95 && math.Abs(got-0.95) > tol {
			t.Errorf("%s coverage %.3f, want 0.95 ± %.3f", c.name, got, tol)
		}
		if c.level == 0.99 && got < 0.97 {
			t.Errorf("%s coverage %.3f, want at least 0.97", c.name, got)
		}
	}
}

func TestDrawIsReproducible(t *testing.T) {
	pop := newPopulation(1000, 3)
	d := quickcount.Design{Seed: "2026-11-25 lottery 4 17 23", Stations: 80}
	a, err := quickcount.Draw(d, pop.stations)
	if err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(pop.stations)
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b, err := quickcount.Draw(d, shuffled)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Members, b.Members) {
		t.Fatal("the same seed over the same stations in another order drew another sample")
	}
	d.Seed = "another seed"
	c, _ := quickcount.Draw(d, pop.stations)
	if slices.Equal(a.Members, c.Members) {
		t.Error("another seed drew the same sample")
	}
	seen := map[string]bool{}
	var sample, reserve int
	for _, m := range a.Members {
		if seen[m.Code] {
			t.Errorf("station %s drawn twice", m.Code)
		}
		seen[m.Code] = true
		if m.Role == quickcount.RoleSample {
			sample++
		} else {
			reserve++
		}
	}
	gotS, gotR := a.Counts()
	if sample != gotS || reserve != gotR || sample < 80 || reserve < sample/5 {
		t.Errorf("drew %d sample and %d reserve stations (counts say %d, %d), want at least 80 and a fifth as many reserves", sample, reserve, gotS, gotR)
	}
	for _, st := range a.Strata {
		if st.Sample < min(quickcount.MinPerStratum, st.Stations) {
			t.Errorf("stratum %s of %d stations got %d sample stations", st.Key, st.Stations, st.Sample)
		}
	}
}

// TestDrawGolden pins the algorithm of docs/quickcount.md: a change that
// draws another sample from the same seed breaks every published redraw.
func TestDrawGolden(t *testing.T) {
	var st []election.Station
	for i := range 12 {
		st = append(st, election.Station{Code: fmt.Sprintf("%03d", i+1), Country: "KZ", Region: "KZ-75", RegisteredVoters: 100 * (i + 1)})
	}
	s, err := quickcount.Draw(quickcount.Design{Seed: "baqylau", Stations: 4, ReserveShare: 0.5}, st)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range s.Members {
		got = append(got, m.Stratum+":"+m.Role+":"+m.Code)
	}
	want := []string{
		"home/KZ-75/urban/large:sample:009", "home/KZ-75/urban/large:sample:010", "home/KZ-75/urban/large:reserve:007",
		"home/KZ-75/urban/small:sample:002", "home/KZ-75/urban/small:sample:001", "home/KZ-75/urban/small:reserve:003",
	}
	if !slices.Equal(got, want) {
		t.Errorf("seed \"baqylau\" drew\n%v\nwant\n%v", got, want)
	}
}

func TestOfficialOutsideMarginsIsFlagged(t *testing.T) {
	pop := newPopulation(2000, 5)
	s, err := quickcount.Draw(quickcount.Design{Seed: "flag", Stations: 300}, pop.stations)
	if err != nil {
		t.Fatal(err)
	}
	ps := map[string]tally.Protocol{}
	for _, m := range s.Members {
		ps[m.Code] = pop.truth[m.Code]
	}
	honest := map[tally.ProtocolKey]tally.Protocol{}
	cooked := map[tally.ProtocolKey]tally.Protocol{}
	for code, p := range pop.truth {
		honest[tally.ProtocolKey{Station: code, Contest: 1}] = p
		q := tally.Protocol{Station: code, Contest: 1, Lines: map[string]int64{}, Votes: map[string]int64{}}
		for k, v := range p.Lines {
			q.Lines[k] = v
		}
		// Move 10% of the valid votes from C and B to A.
		move := p.Lines["valid"] / 10
		fromC := min(move, p.Votes["C"])
		q.Votes["A"] = p.Votes["A"] + move
		q.Votes["C"] = p.Votes["C"] - fromC
		q.Votes["B"] = p.Votes["B"] - (move - fromC)
		cooked[tally.ProtocolKey{Station: code, Contest: 1}] = q
	}
	est := quickcount.EstimateContest(s, pop.stations, pop.contest, ps)
	est.CompareOfficial(honest)
	if o := est.Shares[0].Official; o == nil || o.Outside95 || o.Outside99 || est.OfficialTurnout.Outside95 {
		t.Errorf("honest official results flagged: %+v, turnout %+v (estimate %+v)", o, est.OfficialTurnout, est.Shares[0].Value)
	}
	est.CompareOfficial(cooked)
	if o := est.Shares[0].Official; o == nil || !o.Outside99 {
		t.Errorf("official share of A 10 points above the truth not flagged: %+v (estimate %+v)", o, est.Shares[0].Value)
	}
}

// TestNonResponseIsShown drops 40% of the sample's reports, once at
// random and once the largest stations': the response rate says how much
// is missing, and the size check stays near 0 for the first and shows the
// bias of the second.
func TestNonResponseIsShown(t *testing.T) {
	pop := newPopulation(2000, 11)
	s, err := quickcount.Draw(quickcount.Design{Seed: "non-response", Stations: 300}, pop.stations)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]election.Station{}
	for _, st := range pop.stations {
		byCode[st.Code] = st
	}
	var sample []quickcount.Member
	for _, m := range s.Members {
		if m.Role == quickcount.RoleSample {
			sample = append(sample, m)
		}
	}
	keep := func(drop func(i int, m quickcount.Member) bool) quickcount.NonResponse {
		ps := map[string]tally.Protocol{}
		for i, m := range sample {
			if !drop(i, m) {
				ps[m.Code] = pop.truth[m.Code]
			}
		}
		return quickcount.EstimateContest(s, pop.stations, pop.contest, ps).NonResponse
	}
	r := rand.New(rand.NewPCG(4, 4))
	random := keep(func(int, quickcount.Member) bool { return r.Float64() < 0.4 })
	// The 40% largest stations of the sample stay silent.
	sizes := make([]int, len(sample))
	for i, m := range sample {
		sizes[i] = byCode[m.Code].RegisteredVoters
	}
	sorted := slices.Clone(sizes)
	slices.Sort(sorted)
	cut := sorted[len(sorted)*6/10]
	selective := keep(func(i int, _ quickcount.Member) bool { return sizes[i] >= cut })
	t.Logf("random non-response: %+v (rate %.1f%%); largest silent: %+v (rate %.1f%%)", random, random.Rate(), selective, selective.Rate())
	if math.Abs(random.Rate()-60) > 6 || math.Abs(selective.Rate()-60) > 2 {
		t.Errorf("response rates %.1f%% and %.1f%%, want about 60%%", random.Rate(), selective.Rate())
	}
	sum := 0
	for _, st := range selective.ByStratum {
		sum += st.Reported
	}
	if len(selective.ByStratum) != selective.Strata || sum != selective.Reported {
		t.Errorf("by stratum %+v does not add up to %d reports in %d strata", selective.ByStratum, selective.Reported, selective.Strata)
	}
	if math.Abs(random.SizeBias) > 4 {
		t.Errorf("random non-response shows a size bias of %.1f%%, want within ±4%%", random.SizeBias)
	}
	if selective.SizeBias > -8 {
		t.Errorf("the largest stations silent show a size bias of %.1f%%, want below -8%%", selective.SizeBias)
	}
}

// TestRegionalContestUsesItsOwnStations estimates a contest decided in
// one region only: the sample stations elsewhere neither count as
// missing nor enter the estimate.
func TestRegionalContestUsesItsOwnStations(t *testing.T) {
	pop := newPopulation(2000, 13)
	s, err := quickcount.Draw(quickcount.Design{Seed: "regional", Stations: 300}, pop.stations)
	if err != nil {
		t.Fatal(err)
	}
	local := election.Contest{ID: 2, Name: "Maslikhat of Almaty", Region: "KZ-75", Options: []string{"A", "B", "C"}}
	ps := map[string]tally.Protocol{}
	inRegion := 0
	var a, valid float64
	for _, st := range pop.stations {
		if p := pop.truth[st.Code]; st.Region == "KZ-75" {
			a += float64(p.Votes["A"])
			valid += float64(p.Lines["valid"])
		}
	}
	for _, m := range s.Members {
		p := pop.truth[m.Code]
		p.Contest = 2
		ps[m.Code] = p
		if m.Role == quickcount.RoleSample && strings.HasPrefix(m.Stratum, "home/KZ-75/") {
			inRegion++
		}
	}
	est := quickcount.EstimateContest(s, pop.stations, local, ps)
	if est.NonResponse.Sample != inRegion || est.NonResponse.MissingStations != 0 || est.NonResponse.Strata != 2 {
		t.Errorf("non-response = %+v, want %d sample stations of KZ-75 in its 2 strata, none missing", est.NonResponse, inRegion)
	}
	if v := est.Shares[0].Value; !v.Covers(100*a/valid, 3.3) {
		t.Errorf("A's share in KZ-75 estimated %+v, the truth is %.2f", v, 100*a/valid)
	}
}

// TestSeedStream pins the random numbers a seed gives, as
// docs/quickcount.md quotes them for anyone reimplementing the draw.
func TestSeedStream(t *testing.T) {
	k := quickcount.SeedKey("baqylau")
	if got := fmt.Sprintf("%x", k); got != "196bb35e56f59953f35fc2a3060d801c9aff75b5b88cc964843f3186df2ac7ad" {
		t.Errorf("SeedKey(\"baqylau\") = %s", got)
	}
	r := rand.NewChaCha8(k)
	for i, want := range []uint64{5621828788618518376, 641151045724875374, 7774530003986899162} {
		if got := r.Uint64(); got != want {
			t.Errorf("output %d = %d, want %d", i, got, want)
		}
	}
}
