package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/election"
)

// Slack around voting hours within which reports are not flagged: the
// commission meets before opening, the count runs into the night, and
// phones' clocks drift.
const (
	BeforeOpening = time.Hour      // opening checklists may start this early
	AfterClosing  = 12 * time.Hour // closing and count reports may come this late
	ClosingEarly  = 15 * time.Minute
)

// CheckReport applies the rules that need the station, the election and
// the station's other reports, and returns what they flag (the report is
// kept whatever they find):
//   - FlagOutsideHours: observed outside the window that suits the form:
//     opening from an hour before opening until closing; turnout during
//     voting hours and not before its checkpoint; closing and count from
//     closing (15 minutes' slack) until 12 hours after; other forms from an
//     hour before opening until 12 hours after closing;
//   - FlagAboveRegistered: ballots_cast above the station's registered
//     voters;
//   - FlagTurnoutDecreasing: ballots_cast (cumulative) lower than in a
//     report of the same station observed earlier, or higher than in one
//     observed later.
//
// earlier are the station's reports known so far, in any order; reports of
// other stations and r itself (same ID or client id) are ignored.
func CheckReport(r Report, st election.Station, e election.Election, earlier []Report) []Flag {
	return CheckReportCounts(r, st, e, countsOf(r, earlier))
}

// CheckReportCounts is CheckReport with the station's earlier turnout and
// closing reports as counts (Submitter keeps them so, per station).
func CheckReportCounts(r Report, st election.Station, e election.Election, earlier []StationCount) []Flag {
	var flags []Flag
	if f, ok := hoursFlag(r, st, e); ok {
		flags = append(flags, f)
	}
	cast, hasCast := IntAnswer(r.Answers, QBallotsCast)
	if !hasCast || (r.Form != Turnout && r.Form != Closing) {
		return flags
	}
	if st.RegisteredVoters > 0 && cast > int64(st.RegisteredVoters) {
		flags = append(flags, Flag{FlagAboveRegistered, fmt.Sprintf("ballots cast %d is more than the station's %d registered voters", cast, st.RegisteredVoters)})
	}
	if f, ok := decreasingFlag(r, cast, st, e, earlier); ok {
		flags = append(flags, f)
	}
	return flags
}

func hoursFlag(r Report, st election.Station, e election.Election) (Flag, bool) {
	opens, closes, err := st.Hours(e.Date)
	if err != nil || r.ObservedAt.IsZero() {
		return Flag{}, false
	}
	from, until := opens.Add(-BeforeOpening), closes.Add(AfterClosing)
	what := "reports"
	switch r.Form {
	case Opening:
		until, what = closes, "opening checklists"
	case Turnout:
		from, until, what = opens, closes, "turnout figures"
		if cp, ok := StringAnswer(r.Answers, QCheckpoint); ok {
			if c, err := election.ParseClock(cp); err == nil {
				y, m, d := opens.Date()
				at := time.Date(y, m, d, int(c)/60, int(c)%60, 0, 0, opens.Location())
				if r.ObservedAt.Before(at.Add(-ClosingEarly)) {
					return Flag{FlagOutsideHours, fmt.Sprintf("the %s turnout figure was observed at %s, before its checkpoint",
						cp, localTime(r.ObservedAt, opens.Location()))}, true
				}
			}
		}
	case Closing, Count:
		from, what = closes.Add(-ClosingEarly), string(r.Form)+" reports"
	}
	if r.ObservedAt.Before(from) || r.ObservedAt.After(until) {
		loc := opens.Location()
		return Flag{FlagOutsideHours, fmt.Sprintf("observed at %s, outside %s–%s when %s are expected (station hours %s–%s, %s)",
			localTime(r.ObservedAt, loc), localTime(from, loc), localTime(until, loc), what, st.Opens, st.Closes, st.TimeZone)}, true
	}
	return Flag{}, false
}

// localTime writes t in loc as "2006-01-02 15:04".
func localTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04") }

// StationCount is what the rules across reports need of a station's
// stored turnout or closing report: its id, observer, time and cumulative
// count. It holds no pointers, so that a node can keep every station's
// counts in memory at little cost to the garbage collector.
type StationCount struct {
	ID          int64
	ObserverID  int64
	ObservedAt  int64 // Unix nanoseconds
	BallotsCast int64
	Closing     bool // a closing report; otherwise a turnout report
}

// At is the count's observation time.
func (c StationCount) At() time.Time { return time.Unix(0, c.ObservedAt).UTC() }

// CountOf returns r's StationCount, or false if r is not a turnout or
// closing report with a whole ballots_cast.
func CountOf(r Report) (StationCount, bool) {
	if r.Form != Turnout && r.Form != Closing {
		return StationCount{}, false
	}
	cast, ok := IntAnswer(r.Answers, QBallotsCast)
	if !ok {
		return StationCount{}, false
	}
	return StationCount{ID: r.ID, ObserverID: r.ObserverID, ObservedAt: r.ObservedAt.UnixNano(), BallotsCast: cast, Closing: r.Form == Closing}, true
}

// countsOf returns the counts of those of earlier that are of r's station
// and are not r itself.
func countsOf(r Report, earlier []Report) []StationCount {
	var list []StationCount
	for _, o := range earlier {
		if o.StationCode != r.StationCode || o.ElectionID != r.ElectionID || sameReport(o, r) {
			continue
		}
		if c, ok := CountOf(o); ok {
			list = append(list, c)
		}
	}
	return list
}

func decreasingFlag(r Report, cast int64, st election.Station, e election.Election, earlier []StationCount) (Flag, bool) {
	var worst *StationCount
	at := r.ObservedAt.UnixNano()
	for i := range earlier {
		o := &earlier[i]
		if r.ID != 0 && o.ID == r.ID {
			continue
		}
		if (o.ObservedAt < at && o.BallotsCast > cast) || (o.ObservedAt > at && o.BallotsCast < cast) {
			if worst == nil || absDiff(o.BallotsCast, cast) > absDiff(worst.BallotsCast, cast) {
				worst = o
			}
		}
	}
	if worst == nil {
		return Flag{}, false
	}
	loc, err := election.LoadZone(st.TimeZone)
	if err != nil {
		loc = e.Location()
	}
	if worst.ObservedAt < at {
		return Flag{FlagTurnoutDecreasing, fmt.Sprintf("ballots cast %d at %s is lower than %d reported for %s",
			cast, localTime(r.ObservedAt, loc), worst.BallotsCast, localTime(worst.At(), loc))}, true
	}
	return Flag{FlagTurnoutDecreasing, fmt.Sprintf("ballots cast %d at %s is higher than %d reported for the later time %s",
		cast, localTime(r.ObservedAt, loc), worst.BallotsCast, localTime(worst.At(), loc))}, true
}

func sameReport(a, b Report) bool {
	return (a.ID != 0 && a.ID == b.ID) || (a.ClientID != "" && a.ClientID == b.ClientID)
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

// Disagreement is one answer on which observers of one station differ:
// the same form (and checkpoint or contest), different values.
type Disagreement struct {
	Station string
	Form    FormCode
	// Key is the checkpoint of a turnout report or the contest id of a
	// count protocol; empty for other forms.
	Key string
	// Question is the question id; a line of votes is "votes/OPTION".
	Question string
	// Values are each observer's latest answer, by observer.
	Values []ObservedValue
}

// ObservedValue is what one observer reported.
type ObservedValue struct {
	// ObserverID is 0 when the observer is not known; then each such
	// report counts as its own observer.
	ObserverID int64
	ReportID   int64
	ObservedAt time.Time
	// Value is the answer as compact JSON ("812", "true"), or "" when
	// this observer did not answer the question.
	Value string
}

// Flag describes the disagreement as a FlagConflictingObservers flag.
func (d Disagreement) Flag() Flag {
	parts := make([]string, len(d.Values))
	for i, v := range d.Values {
		val := v.Value
		if val == "" {
			val = "no answer"
		}
		who := "an unknown observer"
		if v.ObserverID != 0 {
			who = "observer " + strconv.FormatInt(v.ObserverID, 10)
		}
		parts[i] = who + ": " + val
	}
	where := string(d.Form)
	if d.Key != "" {
		where += " " + d.Key
	}
	return Flag{FlagConflictingObservers, fmt.Sprintf("observers disagree on %q (%s): %s", d.Question, where, strings.Join(parts, "; "))}
}

// Agreement compares the reports of several observers on the same station:
// for each station, form and checkpoint (turnout) or contest (count), each
// observer's latest report by observed_at is compared with the others' on
// every number, yes/no and votes answer. Questions on which two or more
// observers answered and not all the same come back, sorted by station,
// form, key and question; answers everyone gave alike are agreement and
// are not listed. Free texts, choices and times are not compared.
func Agreement(reports []Report) []Disagreement {
	type group struct {
		station string
		form    FormCode
		key     string
	}
	latest := map[group]map[string]Report{} // by observer key
	for _, r := range reports {
		g := group{r.StationCode, r.Form, agreementKey(r)}
		who := "o" + strconv.FormatInt(r.ObserverID, 10)
		if r.ObserverID == 0 {
			who = "r" + strconv.FormatInt(r.ID, 10) + "/" + r.ClientID
		}
		if latest[g] == nil {
			latest[g] = map[string]Report{}
		}
		if prev, ok := latest[g][who]; !ok || r.ObservedAt.After(prev.ObservedAt) || (r.ObservedAt.Equal(prev.ObservedAt) && r.ID > prev.ID) {
			latest[g][who] = r
		}
	}
	var out []Disagreement
	for g, byObserver := range latest {
		if len(byObserver) < 2 {
			continue
		}
		rs := make([]Report, 0, len(byObserver))
		for _, r := range byObserver {
			rs = append(rs, r)
		}
		slices.SortFunc(rs, func(a, b Report) int {
			if c := cmp.Compare(a.ObserverID, b.ObserverID); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		values := map[string][]string{} // question → value per report in rs
		for i, r := range rs {
			for id, raw := range r.Answers {
				for q, v := range comparableAnswers(id, raw) {
					if values[q] == nil {
						values[q] = make([]string, len(rs))
					}
					values[q][i] = v
				}
			}
		}
		for q, vals := range values {
			answered, differ := 0, false
			for _, v := range vals {
				if v == "" {
					continue
				}
				answered++
				if v != firstNonEmpty(vals) {
					differ = true
				}
			}
			if answered < 2 || !differ {
				continue
			}
			d := Disagreement{Station: g.station, Form: g.form, Key: g.key, Question: q}
			for i, r := range rs {
				d.Values = append(d.Values, ObservedValue{ObserverID: r.ObserverID, ReportID: r.ID, ObservedAt: r.ObservedAt, Value: vals[i]})
			}
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Disagreement) int {
		return strings.Compare(a.Station+"\x00"+string(a.Form)+"\x00"+a.Key+"\x00"+a.Question,
			b.Station+"\x00"+string(b.Form)+"\x00"+b.Key+"\x00"+b.Question)
	})
	return out
}

// agreementKey separates reports that are about different things although
// of one form and station.
func agreementKey(r Report) string {
	switch r.Form {
	case Turnout:
		s, _ := StringAnswer(r.Answers, QCheckpoint)
		return s
	case Count:
		if n, ok := IntAnswer(r.Answers, QContest); ok {
			return strconv.FormatInt(n, 10)
		}
	}
	return ""
}

// comparableAnswers returns the comparable values in one answer: a number or
// yes/no as itself, votes line by line; nothing for texts and others.
func comparableAnswers(id string, raw json.RawMessage) map[string]string {
	raw = bytes.TrimSpace(raw)
	if id == QContest || id == QCheckpoint || isNull(raw) {
		return nil
	}
	if string(raw) == "true" || string(raw) == "false" {
		return map[string]string{id: string(raw)}
	}
	if n, ok := IntAnswer(map[string]json.RawMessage{id: raw}, id); ok {
		return map[string]string{id: strconv.FormatInt(n, 10)}
	}
	if raw[0] == '{' {
		var votes map[string]json.RawMessage
		if json.Unmarshal(raw, &votes) != nil {
			return nil
		}
		out := map[string]string{}
		for opt := range votes {
			if n, ok := IntAnswer(votes, opt); ok {
				out[id+"/"+opt] = strconv.FormatInt(n, 10)
			}
		}
		return out
	}
	return nil
}

func firstNonEmpty(vals []string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
