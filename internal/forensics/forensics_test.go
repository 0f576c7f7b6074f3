package forensics_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/baqylau/baqylau/internal/forensics"
)

func TestWhole(t *testing.T) {
	for _, c := range []struct {
		a, b int64
		want bool
	}{
		{850, 1000, true}, {849, 1000, false}, {8499, 10000, true}, {8494, 10000, false},
		{1, 2, true}, {1, 3, false}, {0, 7, true}, {7, 7, true}, {5, 0, false},
	} {
		if got := forensics.Whole(c.a, c.b); got != c.want {
			t.Errorf("Whole(%d, %d) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestWholeProbMatchesBruteForce checks the null model's probability of a
// whole percentage against the exact binomial sum over every outcome.
func TestWholeProbMatchesBruteForce(t *testing.T) {
	for _, c := range [][2]int64{{600, 1000}, {850, 1000}, {123, 457}, {1990, 2000}, {55, 100}, {1, 150}, {2500, 4000}, {3, 3000}} {
		a, n := c[0], c[1]
		p := float64(a) / float64(n)
		var want float64
		lgN, _ := math.Lgamma(float64(n) + 1)
		for x := int64(0); x <= n; x++ {
			if !forensics.Whole(x, n) {
				continue
			}
			lx, _ := math.Lgamma(float64(x) + 1)
			ly, _ := math.Lgamma(float64(n-x) + 1)
			lp := lgN - lx - ly
			if x > 0 {
				lp += float64(x) * math.Log(p)
			}
			if x < n {
				lp += float64(n-x) * math.Log1p(-p)
			}
			want += math.Exp(lp)
		}
		if got := forensics.WholeProb(a, n); math.Abs(got-want) > 0.005 {
			t.Errorf("WholeProb(%d, %d) = %.4f, exact %.4f", a, n, got, want)
		}
	}
}

// synth makes a synthetic election of n stations in 20 regions; in a
// share of them (in the regions listed, or all when none are) the
// protocol is written to target whole percentages of turnout and of the
// leader's share, as ballot stuffing to order does.
func synth(n int, stuffShare float64, seed uint64, stuffRegions ...int) []forensics.Station {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]forensics.Station, n)
	draw := func(n int64, p float64) int64 {
		v := math.Round(float64(n)*p + r.NormFloat64()*math.Sqrt(float64(n)*p*(1-p)))
		return int64(min(max(v, 0), float64(n)))
	}
	for i := range out {
		ri := i % 20
		reg := int64(200 + r.IntN(2800))
		turnout := min(max(0.55+0.01*float64(ri)+0.09*r.NormFloat64(), 0.1), 0.97)
		share := min(max(0.5+0.1*r.NormFloat64(), 0.05), 0.95)
		cast := draw(reg, turnout)
		valid := cast - draw(cast, 0.015)
		leader := draw(valid, share)
		inRegion := len(stuffRegions) == 0
		for _, sr := range stuffRegions {
			inRegion = inRegion || sr == ri
		}
		if inRegion && r.Float64() < stuffShare {
			cast = int64(math.Round(float64(reg) * float64(75+r.IntN(21)) / 100))
			valid = cast
			leader = int64(math.Round(float64(valid) * float64(70+r.IntN(21)) / 100))
		}
		out[i] = forensics.Station{Code: fmt.Sprintf("%07d", i), Region: fmt.Sprintf("KZ-%02d", 10+ri), Registered: reg, Cast: cast, Valid: valid, Leader: leader}
	}
	return out
}

var runs = flag.Int("forensics.runs", 40, "clean synthetic elections in TestForensicsFalseAlarms")

// TestForensicsFalseAlarms runs the whole-percentage test on clean
// synthetic elections of 2,000 stations (200 replications each) and
// counts false alarms at α = 0.01. Tolerance: at most 3 of 40 (the
// expected rate is 1%, so 4 or more happens with probability under
// 0.001 if the test is calibrated). Run with -forensics.runs=1000 for the
// rate stated in docs/quickcount.md.
func TestForensicsFalseAlarms(t *testing.T) {
	alarms := 0
	var sumP float64
	for i := range *runs {
		res := forensics.Analyze(synth(2000, 0, uint64(100+i)), forensics.Options{Replications: 200, Seed: uint64(i)})
		if res.Integer.P < 0.01 {
			alarms++
		}
		sumP += res.Integer.P
	}
	t.Logf("false alarms at α = 0.01: %d of %d clean elections (%.1f%%); mean p-value %.3f", alarms, *runs, 100*float64(alarms)/float64(*runs), sumP/float64(*runs))
	if float64(alarms) > math.Max(3, 0.02*float64(*runs)) {
		t.Errorf("%d false alarms in %d clean elections, want at most %v", alarms, *runs, math.Max(3, 0.02*float64(*runs)))
	}
}

// TestForensicsDetectsStuffing injects protocols written to whole
// percentages at 5% of the stations of synthetic elections of 10,000
// stations: every one of 10 must be flagged at α = 0.01. (On a station of
// fewer than 1,000 voters a target percentage often cannot be hit to one
// decimal, so a stuffed protocol shows a whole percentage only about two
// times in three.)
func TestForensicsDetectsStuffing(t *testing.T) {
	for i := range 10 {
		res := forensics.Analyze(synth(10000, 0.05, uint64(500+i)), forensics.Options{Replications: 200, Seed: uint64(i)})
		if res.Integer.P >= 0.01 {
			t.Errorf("election %d with 5%% stuffed stations: p = %.3f (observed %d, expected %.1f), want below 0.01", i, res.Integer.P, res.Integer.Observed, res.Integer.Expected)
		}
	}
}

// TestForensicsFindsTheRegion stuffs 30% of the stations of one region
// only: that region is flagged, and at most one of the 19 others is at
// α = 0.01 (the chance of two false alarms in 19 is about 1.5%).
func TestForensicsFindsTheRegion(t *testing.T) {
	res := forensics.Analyze(synth(10000, 0.3, 77, 3), forensics.Options{Replications: 200, Seed: 1})
	if len(res.Regions) != 20 {
		t.Fatalf("%d regions, want 20", len(res.Regions))
	}
	others := 0
	for _, r := range res.Regions {
		switch {
		case r.Region == "KZ-13" && r.Integer.P >= 0.01:
			t.Errorf("stuffed region KZ-13 not flagged: %+v", r.Integer)
		case r.Region != "KZ-13" && r.Integer.P < 0.01:
			others++
		}
	}
	if others > 1 {
		t.Errorf("%d clean regions flagged", others)
	}
}

func TestAnalyzeIsDeterministic(t *testing.T) {
	st := synth(3000, 0.02, 9)
	a := forensics.Analyze(st, forensics.Options{Replications: 100, Seed: 5})
	b := forensics.Analyze(st, forensics.Options{Replications: 100, Seed: 5})
	if a.Integer != b.Integer || a.Density != b.Density {
		t.Errorf("the same seed gave %+v and %+v", a.Integer, b.Integer)
	}
	if a.Stations != 3000 || a.Used < 2950 {
		t.Errorf("used %d of %d stations, want nearly all of 3000", a.Used, a.Stations)
	}
	var n int
	for _, c := range a.Turnout {
		n += c
	}
	if n != a.Used {
		t.Errorf("the turnout histogram counts %d stations, want %d", n, a.Used)
	}
}

// BenchmarkForensics analyses 1,000,000 synthetic stations with 1,000
// Monte Carlo replications (docs/benchmarks.md).
func BenchmarkForensics(b *testing.B) {
	st := synth(1_000_000, 0.01, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		forensics.Analyze(st, forensics.Options{Replications: 1000, Seed: 1})
	}
}
