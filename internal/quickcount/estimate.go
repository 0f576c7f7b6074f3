package quickcount

import (
	"math"
	"sort"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/tally"
)

// Two-sided normal quantiles of the margins shown.
var (
	z95 = Z(0.95)
	z99 = Z(0.99)
)

// Value is an estimated percentage with its standard error and margins.
type Value struct {
	Percent  float64 // the estimate, in percent
	SE       float64 // its standard error, in percentage points
	Margin95 float64 // 1.96·SE
	Margin99 float64 // 2.576·SE
	// OK is false when no sample station reported the figures.
	OK bool
}

// Covers reports whether truth lies within the estimate ± z·SE.
func (v Value) Covers(truth, z float64) bool { return math.Abs(truth-v.Percent) <= z*v.SE }

// Official is an official figure next to the estimate.
type Official struct {
	Percent float64
	// Outside95 and Outside99 flag an official figure outside the 95% and
	// 99% margins of the estimate.
	Outside95, Outside99 bool
}

// Share is one option's estimated share of the valid votes.
type Share struct {
	Option   string
	Value    Value
	Official *Official
}

// NonResponse tells how much of the sample reported and how that may
// bias the estimate.
type NonResponse struct {
	// Sample and Reported count the sample stations (serving the contest)
	// and those that reported; ReservesReported the reserves that did.
	Sample, Reported, ReservesReported int
	// Strata and StrataReported count strata, and those with a report.
	Strata, StrataReported int
	// MissingStations is the share (percent) of the contest's stations in
	// strata where no station reported: the estimate does not speak for
	// them.
	MissingStations float64
	// ByStratum tells, stratum by stratum (in key order), how many sample
	// stations there are and how many stations reported (reserves
	// included).
	ByStratum []StratumResponse
	// SizeBias compares the registered voters the reporting stations
	// stand for (weighted as the estimate weights them) with the true
	// number in the same strata, in percent: far from 0, the stations
	// that report differ in size from those that do not.
	SizeBias float64
}

// StratumResponse is the response of one stratum.
type StratumResponse struct {
	Key      string
	Stations int // the stratum's stations serving the contest
	Sample   int // its sample stations
	Reported int // its stations that reported, sample and reserve
}

// Rate is the share (percent) of sample stations that reported.
func (n NonResponse) Rate() float64 {
	if n.Sample == 0 {
		return 0
	}
	return 100 * float64(n.Reported) / float64(n.Sample)
}

// ContestEstimate is the quick count of one contest.
type ContestEstimate struct {
	Contest election.Contest
	Turnout Value
	// OfficialTurnout is set when official results cover the contest.
	OfficialTurnout *Official
	Shares          []Share // in ballot order
	NonResponse     NonResponse
	// OfficialStations counts the stations the official figures sum.
	OfficialStations int
}

// Estimate is the quick count of an election with its inputs.
type Estimate struct {
	Sample    Sample
	Contests  []ContestEstimate
	AsOf      time.Time
	Protocols int // the sample and reserve protocols read
}

// unit is one reporting station of a stratum.
type unit struct {
	p   tally.Protocol
	reg float64 // registered voters (protocol, else stations file)
}

// valid returns the valid votes of a protocol: its valid line, or the sum
// of its votes when that line is missing.
func valid(p tally.Protocol) float64 {
	if v, ok := p.Lines[tally.LineValid]; ok {
		return float64(v)
	}
	var n int64
	for _, v := range p.Votes {
		n += v
	}
	return float64(n)
}

// stratumData is a stratum of one contest: its population size and the
// stations that reported.
type stratumData struct {
	n      int // N_h: stations serving the contest
	reg    float64
	units  []unit
	sample int // sample stations serving the contest
}

// ratio is the combined ratio estimator Σ_h w_h Σ y / Σ_h w_h Σ x with
// w_h = N_h/n_h, and its linearised standard error
// √(Σ_h N_h²(1 − n_h/N_h) s²_dh / n_h) / X̂ with d = y − R̂x. A stratum
// with one report borrows the pooled within-stratum variance of d.
func ratio(strata []*stratumData, y, x func(unit) float64) Value {
	var Y, X float64
	for _, st := range strata {
		if len(st.units) == 0 {
			continue
		}
		w := float64(st.n) / float64(len(st.units))
		for _, u := range st.units {
			Y += w * y(u)
			X += w * x(u)
		}
	}
	if X <= 0 {
		return Value{}
	}
	r := Y / X
	s2 := make([]float64, len(strata))
	var pooled, df float64
	for i, st := range strata {
		k := len(st.units)
		if k < 2 {
			continue
		}
		var mean float64
		for _, u := range st.units {
			mean += y(u) - r*x(u)
		}
		mean /= float64(k)
		var ss float64
		for _, u := range st.units {
			d := y(u) - r*x(u) - mean
			ss += d * d
		}
		s2[i] = ss / float64(k-1)
		pooled += ss
		df += float64(k - 1)
	}
	if df > 0 {
		pooled /= df
	}
	var v float64
	for i, st := range strata {
		k := len(st.units)
		if k == 0 {
			continue
		}
		s := s2[i]
		if k < 2 {
			s = pooled
		}
		N := float64(st.n)
		v += N * N * math.Max(0, 1-float64(k)/N) * s / float64(k)
	}
	se := 100 * math.Sqrt(v) / X
	return Value{Percent: 100 * r, SE: se, Margin95: z95 * se, Margin99: z99 * se, OK: true}
}

// EstimateContest estimates turnout and each option's share of contest c
// from the protocols (by station code) of the sample's stations; other
// stations' protocols are ignored. A reserve station that reports counts
// like a sample station of its stratum: its rank is as random.
func EstimateContest(s Sample, stations []election.Station, c election.Contest, protocols map[string]tally.Protocol) ContestEstimate {
	byCode := make(map[string]election.Station, len(stations))
	by := map[string]*stratumData{}
	for _, st := range stations {
		if !c.Serves(st) {
			continue
		}
		byCode[st.Code] = st
		k := StratumKey(st, s.Median)
		d := by[k]
		if d == nil {
			d = &stratumData{}
			by[k] = d
		}
		d.n++
		d.reg += float64(st.RegisteredVoters)
	}
	out := ContestEstimate{Contest: c}
	nr := &out.NonResponse
	for _, m := range s.Members {
		st, ok := byCode[m.Code]
		if !ok {
			continue
		}
		d := by[StratumKey(st, s.Median)]
		if m.Role == RoleSample {
			d.sample++
			nr.Sample++
		}
		p, ok := protocols[m.Code]
		if !ok || p.Contest != c.ID {
			continue
		}
		if m.Role == RoleSample {
			nr.Reported++
		} else {
			nr.ReservesReported++
		}
		reg := float64(st.RegisteredVoters)
		if v, ok := p.Lines[tally.LineRegistered]; ok && v > 0 {
			reg = float64(v)
		}
		d.units = append(d.units, unit{p: p, reg: reg})
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	strata := make([]*stratumData, 0, len(keys))
	var all, missing, trueReg, estReg float64
	for _, k := range keys {
		d := by[k]
		strata = append(strata, d)
		all += float64(d.n)
		nr.Strata++
		nr.ByStratum = append(nr.ByStratum, StratumResponse{Key: k, Stations: d.n, Sample: d.sample, Reported: len(d.units)})
		if len(d.units) == 0 {
			missing += float64(d.n)
			continue
		}
		nr.StrataReported++
		trueReg += d.reg
		var known float64
		for _, u := range d.units {
			known += float64(byCode[u.p.Station].RegisteredVoters)
		}
		estReg += float64(d.n) / float64(len(d.units)) * known
	}
	if all > 0 {
		nr.MissingStations = 100 * missing / all
	}
	if trueReg > 0 {
		nr.SizeBias = 100 * (estReg - trueReg) / trueReg
	}
	out.Turnout = ratio(strata, func(u unit) float64 { return float64(u.p.Lines[tally.LineCast]) }, func(u unit) float64 { return u.reg })
	for _, o := range c.Options {
		out.Shares = append(out.Shares, Share{Option: o, Value: ratio(strata,
			func(u unit) float64 { return float64(u.p.Votes[o]) }, func(u unit) float64 { return valid(u.p) })})
	}
	return out
}

// flag compares an official percentage with an estimate.
func flag(v Value, official float64) *Official {
	o := &Official{Percent: official}
	if v.OK {
		o.Outside95 = !v.Covers(official, z95)
		o.Outside99 = !v.Covers(official, z99)
	}
	return o
}

// CompareOfficial sets the official turnout and shares of the contest,
// summed over every official protocol, and flags those outside the
// estimate's margins. It does nothing when no official protocol covers
// the contest.
func (ce *ContestEstimate) CompareOfficial(official map[tally.ProtocolKey]tally.Protocol) {
	var cast, reg, val float64
	votes := map[string]float64{}
	n := 0
	for k, p := range official {
		if k.Contest != ce.Contest.ID {
			continue
		}
		n++
		cast += float64(p.Lines[tally.LineCast])
		reg += float64(p.Lines[tally.LineRegistered])
		val += valid(p)
		for o, v := range p.Votes {
			votes[o] += float64(v)
		}
	}
	ce.OfficialStations = n
	if n == 0 {
		return
	}
	if reg > 0 {
		ce.OfficialTurnout = flag(ce.Turnout, 100*cast/reg)
	}
	if val > 0 {
		for i := range ce.Shares {
			ce.Shares[i].Official = flag(ce.Shares[i].Value, 100*votes[ce.Shares[i].Option]/val)
		}
	}
}

// EstimateAll estimates every contest of e from the sample and the
// latest protocols, comparing with official results when there are any.
func EstimateAll(s Sample, e election.Election, stations []election.Station, observed, official map[tally.ProtocolKey]tally.Protocol, now time.Time) Estimate {
	members := make(map[string]bool, len(s.Members))
	for _, m := range s.Members {
		members[m.Code] = true
	}
	out := Estimate{Sample: s, AsOf: now}
	for _, c := range e.Contests {
		ps := map[string]tally.Protocol{}
		for k, p := range observed {
			if k.Contest == c.ID && members[k.Station] {
				ps[k.Station] = p
				out.Protocols++
			}
		}
		ce := EstimateContest(s, stations, c, ps)
		ce.CompareOfficial(official)
		out.Contests = append(out.Contests, ce)
	}
	return out
}
