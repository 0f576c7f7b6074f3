package tally

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestExtendMatchesRefold checks the store's fast path against its slow
// one: for random histories of a station, folding the later reports onto
// the state the earlier ones left (Extend) changes the sums exactly as
// taking the station out and putting it back with all its reports does.
func TestExtendMatchesRefold(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := Place{Region: "KZ-75", Country: "KZ", RegisteredVoters: 1500}
	base := time.Date(2024, 3, 17, 2, 0, 0, 0, time.UTC)
	for trial := range 2000 {
		n := 1 + rng.IntN(12)
		counts := make([]Count, n)
		for i := range counts {
			c := Count{ID: int64(i + 1), ObservedAt: base.Add(time.Duration(rng.IntN(40)) * 7 * time.Minute)}
			switch rng.IntN(4) {
			case 0:
				c.Closing = true // a closing report without a usable count
			case 1:
				c.Closing, c.HasCount, c.BallotsCast = true, true, int64(rng.IntN(1500))
			default:
				c.HasCount, c.BallotsCast = true, int64(rng.IntN(1500))
			}
			counts[i] = c
		}
		SortCounts(counts)
		k := rng.IntN(n + 1)
		before, after := counts[:k], counts[k:]

		slow := NewDelta()
		slow.Station(p, before, -1)
		slow.Station(p, counts, +1)
		slow.Prune()

		fast := NewDelta()
		l := LatestOf(p, before)
		for _, c := range after {
			if !l.Precedes(c) {
				t.Fatalf("trial %d: sorted report %+v does not come after the state %+v", trial, c, l)
			}
		}
		got := fast.Extend(l, after)
		fast.Prune()
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("trial %d: %d reports, %d before:\nExtend: %+v\nrefold: %+v", trial, n, k, fast, slow)
		}
		if want := LatestOf(p, counts); got != want {
			t.Fatalf("trial %d: Extend left %+v, want %+v", trial, got, want)
		}
	}
}

func TestLatestPrecedes(t *testing.T) {
	at := time.Date(2024, 3, 17, 5, 0, 0, 0, time.UTC)
	l := Latest{At: at, ID: 10}
	for _, tc := range []struct {
		c    Count
		want bool
	}{
		{Count{ID: 11, ObservedAt: at.Add(time.Second)}, true},
		{Count{ID: 9, ObservedAt: at.Add(time.Second)}, true},
		{Count{ID: 11, ObservedAt: at}, true},
		{Count{ID: 9, ObservedAt: at}, false},
		{Count{ID: 12, ObservedAt: at.Add(-time.Second)}, false},
	} {
		if got := l.Precedes(tc.c); got != tc.want {
			t.Errorf("Latest{%v, 10}.Precedes(%v, %d) = %v, want %v", at, tc.c.ObservedAt, tc.c.ID, got, tc.want)
		}
	}
	if !(Latest{}).Precedes(Count{ID: 1, ObservedAt: at}) {
		t.Error("a station without reports must take any report")
	}
}
