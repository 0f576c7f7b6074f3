package tally

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/sheet"
)

// Protocol lines other than the votes: the figures of a count protocol
// that both observers and the official results give.
const (
	LineRegistered = "registered"
	LineCast       = "cast"
	LineValid      = "valid"
	LineInvalid    = "invalid"
)

// OfficialLines are the protocol lines an official results file gives for
// every station and contest, besides the votes of each option.
var OfficialLines = []string{LineRegistered, LineCast, LineValid, LineInvalid}

// countLines are the numeric lines of an observer's count protocol, in the
// order of the form.
var countLines = []string{report.QRegistered, report.QReceived, report.QIssued, report.QCast,
	report.QSpoiled, report.QUnused, report.QValid, report.QInvalid}

// Protocol is the count of one station for one contest: an observer's
// count report, or the official result.
type Protocol struct {
	Station string
	Contest int64
	// Lines are the protocol's figures by line (registered, cast, …);
	// a line not given is absent.
	Lines map[string]int64
	// Votes are the votes by contest option.
	Votes map[string]int64
	// ReportID and ObservedAt name the observer's report (zero for an
	// official result).
	ReportID   int64
	ObservedAt time.Time
}

// ProtocolFromReport reads a count report's answers; false when the report
// is not a count report or names no contest.
func ProtocolFromReport(r report.Report) (Protocol, bool) {
	if r.Form != report.Count {
		return Protocol{}, false
	}
	p := Protocol{Station: r.StationCode, ReportID: r.ID, ObservedAt: r.ObservedAt, Lines: map[string]int64{}, Votes: map[string]int64{}}
	if err := json.Unmarshal(r.Answers[report.QContest], &p.Contest); err != nil || p.Contest <= 0 {
		return Protocol{}, false
	}
	for _, l := range countLines {
		var n int64
		if raw, ok := r.Answers[l]; ok && json.Unmarshal(raw, &n) == nil {
			p.Lines[l] = n
		}
	}
	if raw, ok := r.Answers[report.QVotes]; ok {
		var v map[string]int64
		if json.Unmarshal(raw, &v) == nil {
			p.Votes = v
		}
	}
	return p, true
}

// ProtocolKey names a station's protocol for one contest.
type ProtocolKey struct {
	Station string
	Contest int64
}

// LatestProtocols keeps, of each station's count reports for each contest,
// the latest by observation time (then by report id): a later protocol
// corrects an earlier one.
func LatestProtocols(reports []report.Report) map[ProtocolKey]Protocol {
	out := map[ProtocolKey]Protocol{}
	for _, r := range reports {
		p, ok := ProtocolFromReport(r)
		if !ok {
			continue
		}
		k := ProtocolKey{p.Station, p.Contest}
		old, seen := out[k]
		if !seen || p.ObservedAt.After(old.ObservedAt) || (p.ObservedAt.Equal(old.ObservedAt) && p.ReportID > old.ReportID) {
			out[k] = p
		}
	}
	return out
}

// ContestResult is the sum of the protocols of one contest.
type ContestResult struct {
	Contest election.Contest
	// Stations is how many stations' protocols are summed.
	Stations int
	Lines    map[string]int64
	Votes    map[string]int64
}

// Share returns an option's votes as a percentage of the valid votes
// summed (or, when no valid line was given, of all votes), one decimal.
func (c ContestResult) Share(option string) (float64, bool) {
	total := c.Lines[LineValid]
	if total == 0 {
		for _, v := range c.Votes {
			total += v
		}
	}
	return Percent(c.Votes[option], total)
}

// SumResults adds up protocols per contest of e, in the order of the
// election's contests.
func SumResults(e election.Election, protocols map[ProtocolKey]Protocol) []ContestResult {
	out := make([]ContestResult, 0, len(e.Contests))
	for _, c := range e.Contests {
		res := ContestResult{Contest: c, Lines: map[string]int64{}, Votes: map[string]int64{}}
		for _, o := range c.Options {
			res.Votes[o] = 0
		}
		for k, p := range protocols {
			if k.Contest != c.ID {
				continue
			}
			res.Stations++
			for l, n := range p.Lines {
				res.Lines[l] += n
			}
			for o, n := range p.Votes {
				res.Votes[o] += n
			}
		}
		out = append(out, res)
	}
	return out
}

// Discrepancy is a station and contest whose observed and official
// protocols differ.
type Discrepancy struct {
	Key      ProtocolKey
	Observed Protocol
	Official Protocol
	// Largest is the largest absolute difference in any option's votes or
	// in ballots cast; Where names it ("cast" or the option).
	Largest int64
	Where   string
}

// Compare lists the stations and contests where both an observer's and
// the official protocol exist and differ in any option's votes or in
// ballots cast, largest difference first (then by station and contest).
// It also returns how many official protocols no observer's protocol
// matches, and the reverse.
func Compare(observed, official map[ProtocolKey]Protocol) (list []Discrepancy, officialOnly, observedOnly int) {
	list = []Discrepancy{}
	for k, off := range official {
		obs, ok := observed[k]
		if !ok {
			officialOnly++
			continue
		}
		d := Discrepancy{Key: k, Observed: obs, Official: off}
		consider := func(where string, a, b int64) {
			diff := a - b
			if diff < 0 {
				diff = -diff
			}
			if diff > d.Largest || (diff == d.Largest && diff > 0 && where < d.Where) {
				d.Largest, d.Where = diff, where
			}
		}
		consider(LineCast, obs.Lines[report.QCast], off.Lines[LineCast])
		options := map[string]bool{}
		for o := range obs.Votes {
			options[o] = true
		}
		for o := range off.Votes {
			options[o] = true
		}
		for o := range options {
			consider(o, obs.Votes[o], off.Votes[o])
		}
		if d.Largest > 0 {
			list = append(list, d)
		}
	}
	for k := range observed {
		if _, ok := official[k]; !ok {
			observedOnly++
		}
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Largest != b.Largest {
			return a.Largest > b.Largest
		}
		if a.Key.Station != b.Key.Station {
			return a.Key.Station < b.Key.Station
		}
		return a.Key.Contest < b.Key.Contest
	})
	return list, officialOnly, observedOnly
}

// ResultsStore keeps official results and reads observers' count reports.
// The store package implements it on SQLite and PostgreSQL.
type ResultsStore interface {
	// CountReports lists an election's count reports.
	CountReports(ctx context.Context, electionID int64) ([]report.Report, error)
	// ReplaceOfficialResults stores official protocols in one transaction,
	// replacing those of the same stations and contests: all or nothing.
	ReplaceOfficialResults(ctx context.Context, electionID int64, protocols []Protocol) error
	// OfficialResults returns an election's official protocols.
	OfficialResults(ctx context.Context, electionID int64) (map[ProtocolKey]Protocol, error)
}

// ResultsColumns are the columns of the official results file (see
// docs/results-file.md).
var ResultsColumns = []string{"station", "contest", "option", "votes"}

// maxResultsProblems bounds the problems an import lists.
const maxResultsProblems = 1000

// ParseOfficialResults reads an official results file (.csv or .xlsx)
// for election e: a header row station,contest,option,votes, then one row
// per line of a protocol, where option is a contest option (its votes) or
// one of OfficialLines (that figure). Each station and contest in the file
// must give every option of the contest and every line, once. stationOK
// reports whether a station code belongs to the election and serves the
// contest. The result is every protocol or an *election.ImportError that
// lists the problems by row and column: all or nothing.
func ParseOfficialResults(r io.Reader, filename string, e election.Election, stationOK func(code string, c election.Contest) bool) ([]Protocol, error) {
	tb, err := sheet.Read(r, filename, sheet.Options{})
	if err != nil {
		var se *sheet.Error
		if errors.As(err, &se) {
			return nil, &election.ImportError{Problems: []election.Problem{{Row: se.Row, Column: se.Column, Message: se.Message}}}
		}
		return nil, fmt.Errorf("tally: read results file: %w", err)
	}
	var ie election.ImportError
	add := func(row int, col, format string, args ...any) bool {
		if len(ie.Problems) >= maxResultsProblems {
			ie.Truncated = true
			return false
		}
		ie.Problems = append(ie.Problems, election.Problem{Row: row, Column: col, Message: fmt.Sprintf(format, args...)})
		return true
	}
	cols := map[string]int{}
	for _, c := range ResultsColumns {
		cols[c] = tb.Index(c)
		if cols[c] < 0 {
			add(tb.HeaderRow, c, "the required column is missing: a results file has the columns %s", strings.Join(ResultsColumns, ", "))
		}
	}
	for _, h := range tb.Header {
		if !slices.Contains(ResultsColumns, h) {
			add(tb.HeaderRow, h, "is not a column of the results file: the columns are %s", strings.Join(ResultsColumns, ", "))
		}
	}
	if len(ie.Problems) > 0 {
		return nil, &ie
	}
	if len(tb.Rows) == 0 {
		add(0, "", "no results in file: expected a header row and then one row per protocol line")
		return nil, &ie
	}
	contests := map[string]election.Contest{}
	for _, c := range e.Contests {
		contests[strconv.FormatInt(c.ID, 10)] = c
		contests[strings.ToLower(c.Name)] = c
	}
	type seenKey struct {
		ProtocolKey
		line string
	}
	seen := map[seenKey]int{}
	byKey := map[ProtocolKey]*Protocol{}
	firstRow := map[ProtocolKey]int{}
	var order []ProtocolKey
	for _, row := range tb.Rows {
		cell := func(c string) string { return strings.TrimSpace(row.Cells[cols[c]]) }
		code, cname, opt, votes := cell("station"), cell("contest"), cell("option"), cell("votes")
		c, ok := contests[strings.ToLower(cname)]
		if !ok {
			if !add(row.Number, "contest", "%q is not a contest of this election: give its id or its name", cname) {
				break
			}
			continue
		}
		if code == "" || !stationOK(code, c) {
			if !add(row.Number, "station", "%q is not a station of this election that serves contest %q", code, c.Name) {
				break
			}
			continue
		}
		line := ""
		for _, l := range OfficialLines {
			if strings.EqualFold(opt, l) {
				line = l
			}
		}
		option := ""
		for _, o := range c.Options {
			if strings.EqualFold(opt, o) {
				option = o
			}
		}
		if line == "" && option == "" {
			if !add(row.Number, "option", "%q is neither an option of contest %q nor one of the lines %s", opt, c.Name, strings.Join(OfficialLines, ", ")) {
				break
			}
			continue
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(votes, " ", ""), 10, 64)
		if err != nil || n < 0 || n > election.MaxRegisteredVoters {
			if !add(row.Number, "votes", "%q is not a whole number from 0 to %d", votes, election.MaxRegisteredVoters) {
				break
			}
			continue
		}
		k := ProtocolKey{Station: code, Contest: c.ID}
		sk := seenKey{k, line + "\x00" + option}
		if first, dup := seen[sk]; dup {
			if !add(row.Number, "option", "%q of station %q, contest %q is given twice: by rows %d and %d", opt, code, c.Name, first, row.Number) {
				break
			}
			continue
		}
		seen[sk] = row.Number
		p, ok := byKey[k]
		if !ok {
			p = &Protocol{Station: code, Contest: c.ID, Lines: map[string]int64{}, Votes: map[string]int64{}}
			byKey[k], firstRow[k] = p, row.Number
			order = append(order, k)
		}
		if line != "" {
			p.Lines[line] = n
		} else {
			p.Votes[option] = n
		}
	}
	if len(ie.Problems) == 0 {
		for _, k := range order {
			p := byKey[k]
			var missing []string
			for _, l := range OfficialLines {
				if _, ok := p.Lines[l]; !ok {
					missing = append(missing, l)
				}
			}
			for _, c := range e.Contests {
				if c.ID != k.Contest {
					continue
				}
				for _, o := range c.Options {
					if _, ok := p.Votes[o]; !ok {
						missing = append(missing, o)
					}
				}
			}
			if len(missing) > 0 && !add(firstRow[k], "option", "station %q, contest %d lacks the lines %s", k.Station, k.Contest, strings.Join(missing, ", ")) {
				break
			}
		}
	}
	if len(ie.Problems) > 0 {
		return nil, &ie
	}
	out := make([]Protocol, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out, nil
}

// Results is what the results page and API show: per contest, the
// observers' tally and the official one, and the discrepancies.
type Results struct {
	Election      election.Election
	Observed      []ContestResult
	Official      []ContestResult
	Discrepancies []Discrepancy
	OfficialOnly  int
	ObservedOnly  int
	AsOf          time.Time
}

// LoadResults reads and compares an election's protocols.
func LoadResults(ctx context.Context, st ResultsStore, e election.Election, now time.Time) (Results, error) {
	reports, err := st.CountReports(ctx, e.ID)
	if err != nil {
		return Results{}, fmt.Errorf("tally: results of election %d: %w", e.ID, err)
	}
	official, err := st.OfficialResults(ctx, e.ID)
	if err != nil {
		return Results{}, fmt.Errorf("tally: results of election %d: %w", e.ID, err)
	}
	observed := LatestProtocols(reports)
	res := Results{Election: e, Observed: SumResults(e, observed), Official: SumResults(e, official), AsOf: now}
	res.Discrepancies, res.OfficialOnly, res.ObservedOnly = Compare(observed, official)
	return res, nil
}
