package tally

import (
	"testing"
	"time"
)

func TestStationSums(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2023, 3, 19, h, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name   string
		counts []Count
		want   Sums
	}{
		{"no reports", nil, Sums{StationsTotal: 1, RegisteredVoters: 1000}},
		{"latest by observation, not arrival", []Count{
			{ID: 2, ObservedAt: at(14), BallotsCast: 500, HasCount: true},
			{ID: 3, ObservedAt: at(12), BallotsCast: 300, HasCount: true}, // arrived later, observed earlier
		}, Sums{1, 1000, 1, 1000, 500, 0}},
		{"closing with a count", []Count{
			{ID: 1, ObservedAt: at(12), BallotsCast: 300, HasCount: true},
			{ID: 4, ObservedAt: at(20), BallotsCast: 700, HasCount: true, Closing: true},
		}, Sums{1, 1000, 1, 1000, 700, 1}},
		{"closing without a usable count", []Count{{ID: 5, ObservedAt: at(20), Closing: true}}, Sums{1, 1000, 0, 0, 0, 1}},
	} {
		if got := StationSums(1000, c.counts); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
