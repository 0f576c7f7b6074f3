package tally

import "slices"

// StationSums are one station's figures from its counts (any order): the
// station itself, reporting if it has a cumulative count, its latest count
// by observation time (then report id), closed if it has a closing report.
func StationSums(registered int64, counts []Count) Sums {
	s := Sums{StationsTotal: 1, RegisteredVoters: registered}
	sorted := slices.Clone(counts)
	SortCounts(sorted)
	for _, c := range sorted {
		if c.HasCount {
			s.StationsReporting, s.ReportingRegistered, s.BallotsCast = 1, registered, c.BallotsCast
		}
		if c.Closing {
			s.StationsClosed = 1
		}
	}
	return s
}
