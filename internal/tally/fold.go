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
	l := Latest{Place: p}
	d.steps(&l, counts, sign)
	d.live(l, sign)
}

// Latest is where a station's reports leave its figures: the latest of
// them in the order of SortCounts, the latest count and whether the
// station has closed, and the place it is counted with. The store keeps
// one per station, so that reports observed after the latest (the usual
// case) are folded in with Extend, without re-reading the station's
// earlier reports.
type Latest struct {
	Place
	// At and ID name the latest report (of any kind that bears on the
	// tally); zero before the first.
	At time.Time
	ID int64
	// Reporting is true once the station has a count; BallotsCast is its
	// latest count.
	Reporting   bool
	BallotsCast int64
	Closed      bool
}

// LatestOf returns the state counts (sorted by SortCounts) leave a
// station at p in.
func LatestOf(p Place, counts []Count) Latest {
	l := Latest{Place: p}
	NewDelta().steps(&l, counts, 0)
	return l
}

// Precedes reports whether c comes after the latest report in the order
// of SortCounts, so that Extend may fold it in.
func (l Latest) Precedes(c Count) bool {
	if l.ID == 0 {
		return true
	}
	if d := c.ObservedAt.Compare(l.At); d != 0 {
		return d > 0
	}
	return c.ID > l.ID
}

// Extend adds to d what counts change, given the station's state l
// before them: counts must be sorted by SortCounts and each one must come
// after l (l.Precedes). The result is the same as taking the station's
// contribution with all its reports out (Station with sign −1) and putting
// it back with counts added (+1), without the earlier reports. It returns
// the new state.
func (d *Delta) Extend(l Latest, counts []Count) Latest {
	d.live(l, -1)
	d.steps(&l, counts, +1)
	d.live(l, +1)
	return l
}

// steps adds sign times the steps of counts, folded onto the state l, and
// advances l past them.
func (d *Delta) steps(l *Latest, counts []Count, sign int64) {
	g := GroupKey{l.Region, l.Country}
	for _, c := range counts {
		var step Sums
		if c.HasCount {
			if !l.Reporting {
				l.Reporting = true
				step.StationsReporting, step.ReportingRegistered = 1, l.RegisteredVoters
			}
			step.BallotsCast = c.BallotsCast - l.BallotsCast
			l.BallotsCast = c.BallotsCast
		}
		if c.Closing && !l.Closed {
			l.Closed = true
			step.StationsClosed = 1
		}
		if sign != 0 && !step.IsZero() {
			d.addStep(StepKey{Minute(c.ObservedAt), g}, step.scaled(sign))
		}
		l.At, l.ID = c.ObservedAt, c.ID
	}
}

// live adds sign times what the state l contributes to its group's live
// sums.
func (d *Delta) live(l Latest, sign int64) {
	var live Sums
	if l.Reporting {
		live.StationsReporting, live.ReportingRegistered, live.BallotsCast = 1, l.RegisteredVoters, l.BallotsCast
	}
	if l.Closed {
		live.StationsClosed = 1
	}
	if !live.IsZero() {
		g := GroupKey{l.Region, l.Country}
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
