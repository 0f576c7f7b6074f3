package tally

import (
	"slices"
	"time"
)

// Count is a report that bears on the tally: a turnout or closing report
// with a cumulative count, or a closing report.
type Count struct {
	ID          int64
	ObservedAt  time.Time
	BallotsCast int64
	HasCount    bool // false for a closing report without a usable count
	Closing     bool
}

// Place is what the tally needs of a station: where it counts and its
// registered voters.
type Place struct {
	Region           string
	Country          string
	RegisteredVoters int64
}

// GroupKey names a group of the sums.
type GroupKey struct{ Region, Country string }

// StepKey names a group's change during one minute.
type StepKey struct {
	Minute int64 // Unix time / 60
	GroupKey
}

// Delta is a change of the stored sums: of the live sums of groups and of
// their changes per minute. Folding a station's reports in (or out) of a
// Delta gives exactly what the station adds to the sums, so that the store
// can keep them up to date by adding the difference between a station's
// contribution after a change and before it.
type Delta struct {
	Groups map[GroupKey]Sums
	Steps  map[StepKey]Sums
}

// NewDelta returns an empty Delta.
func NewDelta() *Delta {
	return &Delta{Groups: map[GroupKey]Sums{}, Steps: map[StepKey]Sums{}}
}

// Minute returns the minute of t as the steps count it.
func Minute(t time.Time) int64 {
	u := t.Unix()
	if u < 0 && u%60 != 0 {
		return u/60 - 1
	}
	return u / 60
}

// SortCounts orders counts by observation time, then by id: the order in
// which "latest" is decided.
func SortCounts(counts []Count) {
	slices.SortFunc(counts, func(a, b Count) int {
		if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
			return c
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
}

// Station adds sign (+1 or −1) times the reporting contribution of one
// station at p with counts (sorted by SortCounts) to d: to its group's live
// sums and to the steps of the minutes its figures change. The station's
// own total and registered voters are not included: the store keeps those
// as stations change.
//
// A station's figure is the count of its latest report by observation
// time, so a report observed earlier than the latest one changes nothing
// now but does change the figures as of the moments in between; the steps
// hold, per minute, the change of the figure at that minute: count minus
// the previous count.
func (d *Delta) Station(p Place, counts []Count, sign int64) {
	g := GroupKey{p.Region, p.Country}
	var live Sums
	var prev int64
	reporting, closed := false, false
	for _, c := range counts {
		var step Sums
		if c.HasCount {
			if !reporting {
				reporting = true
				step.StationsReporting, step.ReportingRegistered = 1, p.RegisteredVoters
			}
			step.BallotsCast = c.BallotsCast - prev
			prev = c.BallotsCast
		}
		if c.Closing && !closed {
			closed = true
			step.StationsClosed = 1
		}
		if !step.IsZero() {
			d.addStep(StepKey{Minute(c.ObservedAt), g}, step.scaled(sign))
		}
	}
	if reporting {
		live.StationsReporting, live.ReportingRegistered, live.BallotsCast = 1, p.RegisteredVoters, prev
	}
	if closed {
		live.StationsClosed = 1
	}
	if !live.IsZero() {
		s := d.Groups[g]
		s.Add(live.scaled(sign))
		d.Groups[g] = s
	}
}

func (d *Delta) addStep(k StepKey, s Sums) {
	v := d.Steps[k]
	v.Add(s)
	d.Steps[k] = v
}

// Prune drops the entries that net to zero.
func (d *Delta) Prune() {
	for k, v := range d.Groups {
		if v.IsZero() {
			delete(d.Groups, k)
		}
	}
	for k, v := range d.Steps {
		if v.IsZero() {
			delete(d.Steps, k)
		}
	}
}

// GroupKeys returns the keys of the groups in a fixed order (the order in
// which the store locks rows, so that concurrent writers never deadlock).
func (d *Delta) GroupKeys() []GroupKey {
	keys := make([]GroupKey, 0, len(d.Groups))
	for k := range d.Groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareGroups)
	return keys
}

// StepKeys returns the keys of the steps in a fixed order.
func (d *Delta) StepKeys() []StepKey {
	keys := make([]StepKey, 0, len(d.Steps))
	for k := range d.Steps {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b StepKey) int {
		switch {
		case a.Minute < b.Minute:
			return -1
		case a.Minute > b.Minute:
			return 1
		}
		return compareGroups(a.GroupKey, b.GroupKey)
	})
	return keys
}

func compareGroups(a, b GroupKey) int {
	switch {
	case a.Region < b.Region:
		return -1
	case a.Region > b.Region:
		return 1
	case a.Country < b.Country:
		return -1
	case a.Country > b.Country:
		return 1
	}
	return 0
}
