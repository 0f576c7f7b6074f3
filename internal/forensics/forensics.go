// Package forensics looks for the fingerprints of falsification in
// per-station results, after Kobak, Shpilkin and Pshenichnikov (Annals of
// Applied Statistics, 2016): the distribution of turnout, turnout against
// the leader's share, and an excess of stations whose turnout or leader's
// share is a whole percentage, with a Monte Carlo p-value, nationally and
// region by region. The method is written out in docs/quickcount.md.
//
// These are signs to look into, not proof: a whole-percentage excess or a
// second cluster at high turnout says that some protocols were likely
// written to a target rather than counted.
package forensics

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/tally"
)

// Station is one station's results.
type Station struct {
	Code       string
	Region     string // region code, "" abroad
	Registered int64
	Cast       int64
	Valid      int64
	Leader     int64 // the leader's votes
}

// Defaults of an analysis.
const (
	DefaultReplications = 1000
	// DefaultMinVoters leaves out stations with fewer registered voters
	// (or valid votes): on small stations whole percentages are common by
	// arithmetic alone (Kobak et al. use 100 too).
	DefaultMinVoters = 100
	// DensityBins is the number of bins of each axis of the density plot.
	DensityBins = 50
	// FineBins are the bins of the fine turnout histogram, 0.1 point each.
	FineBins = 1001
)

// Options tune an analysis.
type Options struct {
	Replications int
	Seed         uint64
	MinVoters    int64
}

// IntegerTest is the whole-percentage test of a set of stations.
type IntegerTest struct {
	// Stations is how many stations were tested.
	Stations int
	// Observed is how many have a whole turnout or leader's percentage;
	// Expected how many the null model expects.
	Observed int
	Expected float64
	// P is the Monte Carlo p-value: (1 + replications with at least as
	// many) / (1 + replications).
	P            float64
	Replications int
}

// Excess is Observed − Expected.
func (t IntegerTest) Excess() float64 { return float64(t.Observed) - t.Expected }

// Region is the analysis of one region ("" is abroad).
type Region struct {
	Region   string
	Stations int
	// Turnout and LeaderShare are the region's totals, in percent.
	Turnout, LeaderShare float64
	Integer              IntegerTest
}

// Result is the analysis of a results set.
type Result struct {
	// Stations is how many were given, Used how many met MinVoters.
	Stations, Used int
	// Turnout counts stations by turnout, in 1-point bins 0…100.
	Turnout [101]int
	// Fine counts stations by turnout in 0.1-point bins 0.0…100.0: spikes
	// at whole numbers show.
	Fine [FineBins]int
	// Density counts stations by turnout (first index) and the leader's
	// share (second), in 2-point bins.
	Density [DensityBins][DensityBins]int
	// Turnout and LeaderShare totals, in percent.
	TotalTurnout, TotalLeaderShare float64
	Integer                        IntegerTest
	Regions                        []Region
	Options                        Options
}

// Whole reports whether 100·a/b shows as a whole percentage at one
// decimal (rounded half up), in integers: round(1000a/b) is a multiple
// of 10.
func Whole(a, b int64) bool {
	if b <= 0 {
		return false
	}
	return ((2000*a+b)/(2*b))%10 == 0
}

// wholeProb is the probability that X ~ Binomial(n, a/n) gives a whole
// percentage: the null model resamples each figure around its own value.
func wholeProb(a, n int64) float64 {
	if n <= 0 {
		return 0
	}
	p := float64(a) / float64(n)
	nf := float64(n)
	mu, sigma := nf*p, math.Sqrt(nf*p*(1-p))
	if sigma < 1e-9 {
		if Whole(a, n) {
			return 1
		}
		return 0
	}
	// Beyond 6σ lies less than 1e-8 of the mass.
	lo := max(0, int64(math.Floor(mu-6*sigma)))
	hi := min(n, int64(math.Ceil(mu+6*sigma)))
	exact := sigma < 3
	lgN, _ := math.Lgamma(nf + 1)
	pmf := func(x int64) float64 {
		if exact {
			xf := float64(x)
			lx, _ := math.Lgamma(xf + 1)
			ly, _ := math.Lgamma(nf - xf + 1)
			lp := lgN - lx - ly
			if x > 0 {
				lp += xf * math.Log(p)
			}
			if x < n {
				lp += (nf - xf) * math.Log1p(-p)
			}
			return math.Exp(lp)
		}
		d := (float64(x) - mu) / sigma
		return math.Exp(-d*d/2) / (sigma * math.Sqrt(2*math.Pi))
	}
	var q float64
	// X shows as k.0% when n(20k − 1) ≤ 2000X < n(20k + 1) (Whole's
	// rounding): walk the whole percentages k the range covers and sum the
	// few X of each.
	ceilDiv := func(a, b int64) int64 { return (a + b - 1) / b }
	for k := lo * 100 / n; k <= min(100, hi*100/n+1); k++ {
		from := max(lo, ceilDiv(max(n*(20*k-1), 0), 2000))
		to := min(hi, ceilDiv(n*(20*k+1), 2000)-1)
		for x := from; x <= to; x++ {
			q += pmf(x)
		}
	}
	return min(q, 1)
}

// Analyze runs the analysis. It is deterministic for given options.
func Analyze(stations []Station, opt Options) Result {
	if opt.Replications <= 0 {
		opt.Replications = DefaultReplications
	}
	if opt.MinVoters <= 0 {
		opt.MinVoters = DefaultMinVoters
	}
	res := Result{Stations: len(stations), Options: opt}
	regionIndex := map[string]int{}
	var regions []Region
	var regCast, regReg, regLeader, regValid []float64
	idx := make([]uint16, 0, len(stations))
	used := make([]int32, 0, len(stations))
	var observed []int
	var cast, reg, leader, valid float64
	for i, s := range stations {
		if s.Registered < opt.MinVoters || s.Valid < opt.MinVoters || s.Cast > s.Registered || s.Leader > s.Valid || s.Cast < 0 || s.Leader < 0 {
			continue
		}
		ri, ok := regionIndex[s.Region]
		if !ok {
			ri = len(regions)
			regionIndex[s.Region] = ri
			regions = append(regions, Region{Region: s.Region})
			regCast, regReg, regLeader, regValid = append(regCast, 0), append(regReg, 0), append(regLeader, 0), append(regValid, 0)
			observed = append(observed, 0)
		}
		res.Used++
		t := float64(s.Cast) / float64(s.Registered)
		l := float64(s.Leader) / float64(s.Valid)
		res.Turnout[int(math.Round(100*t))]++
		res.Fine[int(math.Round(1000*t))]++
		res.Density[min(int(50*t), DensityBins-1)][min(int(50*l), DensityBins-1)]++
		cast += float64(s.Cast)
		reg += float64(s.Registered)
		leader += float64(s.Leader)
		valid += float64(s.Valid)
		regCast[ri] += float64(s.Cast)
		regReg[ri] += float64(s.Registered)
		regLeader[ri] += float64(s.Leader)
		regValid[ri] += float64(s.Valid)
		regions[ri].Stations++
		if Whole(s.Cast, s.Registered) || Whole(s.Leader, s.Valid) {
			observed[ri]++
			res.Integer.Observed++
		}
		idx = append(idx, uint16(ri))
		used = append(used, int32(i))
	}
	qs := nullProbs(stations, used)
	thr := make([]uint32, len(qs))
	for i, q := range qs {
		res.Integer.Expected += q
		regions[idx[i]].Integer.Expected += q
		thr[i] = uint32(math.Round(q * 65536))
	}
	if reg > 0 {
		res.TotalTurnout = 100 * cast / reg
	}
	if valid > 0 {
		res.TotalLeaderShare = 100 * leader / valid
	}
	exceed := simulate(idx, thr, observed, res.Integer.Observed, len(regions), opt)
	m := float64(opt.Replications)
	res.Integer.Stations = res.Used
	res.Integer.Replications = opt.Replications
	res.Integer.P = (1 + float64(exceed[len(regions)])) / (m + 1)
	for i := range regions {
		regions[i].Turnout = 100 * regCast[i] / regReg[i]
		regions[i].LeaderShare = 100 * regLeader[i] / regValid[i]
		regions[i].Integer.Stations = regions[i].Stations
		regions[i].Integer.Observed = observed[i]
		regions[i].Integer.Replications = opt.Replications
		regions[i].Integer.P = (1 + float64(exceed[i])) / (m + 1)
	}
	sort.Slice(regions, func(i, j int) bool { return regions[i].Region < regions[j].Region })
	res.Regions = regions
	return res
}

// nullProbs returns, for each station, the probability under the null
// model that its turnout or its leader's share is whole (the two drawn
// independently), for the stations used, computed in parallel.
func nullProbs(stations []Station, used []int32) []float64 {
	qs := make([]float64, len(used))
	workers := runtime.GOMAXPROCS(0)
	chunk := max((len(used)+workers-1)/workers, 1)
	var wg sync.WaitGroup
	for from := 0; from < len(used); from += chunk {
		wg.Add(1)
		go func(part []int32, out []float64) {
			defer wg.Done()
			for i, j := range part {
				s := &stations[j]
				qt, ql := wholeProb(s.Cast, s.Registered), wholeProb(s.Leader, s.Valid)
				out[i] = 1 - (1-qt)*(1-ql)
			}
		}(used[from:min(from+chunk, len(used))], qs[from:min(from+chunk, len(qs))])
	}
	wg.Wait()
	return qs
}

// simulate runs the Monte Carlo replications: in each, station i is whole
// with probability thr[i]/65536, independently. It returns, per region
// and (last) overall, how many replications reached the observed count.
// Replication r draws from PCG(seed, r), so the answer does not depend on
// how many goroutines share the work.
func simulate(idx []uint16, thr []uint32, observed []int, total, regions int, opt Options) []int {
	// Stations grouped by region, so that each region's count is summed
	// in a register; the draws use each 64-bit output for four stations.
	order := make([]uint32, regions+1)
	for _, ri := range idx {
		order[ri+1]++
	}
	for i := 1; i <= regions; i++ {
		order[i] += order[i-1]
	}
	grouped := make([]uint32, len(thr))
	at := append([]uint32(nil), order[:regions]...)
	for i, ri := range idx {
		grouped[at[ri]] = thr[i]
		at[ri]++
	}
	workers := min(runtime.GOMAXPROCS(0), opt.Replications)
	exceed := make([]int, regions+1)
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int, workers)
	go func() {
		for r := range opt.Replications {
			next <- r
		}
		close(next)
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]int, regions+1)
			for r := range next {
				rng := rand.NewPCG(opt.Seed, uint64(r))
				var bits uint64
				k := 0
				sum := 0
				for ri := range regions {
					c := 0
					for _, t := range grouped[order[ri]:order[ri+1]] {
						if k == 0 {
							bits = rng.Uint64()
							k = 4
						}
						// 1 when the 16 random bits are below t, without a
						// branch the processor would mispredict.
						c += int(uint32(int32(bits&0xffff)-int32(t)) >> 31)
						bits >>= 16
						k--
					}
					sum += c
					if c >= observed[ri] {
						local[ri]++
					}
				}
				if sum >= total {
					local[regions]++
				}
			}
			mu.Lock()
			for i, v := range local {
				exceed[i] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return exceed
}

// FromProtocols turns protocols of one contest into stations for the
// analysis, the leader being the option with most votes over them all.
// Registered voters come from the protocol, else from the stations file.
func FromProtocols(c election.Contest, stations map[string]election.Station, protocols map[tally.ProtocolKey]tally.Protocol) (list []Station, leader string) {
	totals := map[string]int64{}
	for k, p := range protocols {
		if k.Contest != c.ID {
			continue
		}
		for o, v := range p.Votes {
			totals[o] += v
		}
	}
	options := append([]string(nil), c.Options...)
	for o := range totals {
		found := false
		for _, x := range options {
			found = found || x == o
		}
		if !found {
			options = append(options, o)
		}
	}
	for _, o := range options {
		if leader == "" || totals[o] > totals[leader] {
			leader = o
		}
	}
	keys := make([]tally.ProtocolKey, 0, len(protocols))
	for k := range protocols {
		if k.Contest == c.ID {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Station < keys[j].Station })
	for _, k := range keys {
		p := protocols[k]
		st := stations[k.Station]
		s := Station{Code: k.Station, Region: st.Region, Registered: p.Lines[tally.LineRegistered], Cast: p.Lines[tally.LineCast], Leader: p.Votes[leader]}
		if s.Registered == 0 {
			s.Registered = int64(st.RegisteredVoters)
		}
		if v, ok := p.Lines[tally.LineValid]; ok {
			s.Valid = v
		} else {
			for _, v := range p.Votes {
				s.Valid += v
			}
		}
		list = append(list, s)
	}
	return list, leader
}
