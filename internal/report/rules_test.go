package report

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
)

var (
	testElection = election.Election{ID: 1, Name: "Test", Kind: election.Presidential,
		Date: time.Date(2025, 1, 19, 0, 0, 0, 0, time.UTC), TimeZone: "Asia/Almaty"}
	// Almaty is UTC+5 since March 2024: 07:00–20:00 local is 02:00–15:00 UTC.
	testStation = election.Station{ElectionID: 1, Code: "001", Region: "KZ-75", Country: "KZ", TimeZone: "Asia/Almaty",
		RegisteredVoters: 1000, Opens: election.DefaultOpens, Closes: election.DefaultCloses}
	// San Francisco, 2023-03-19: daylight saving time, 07:00–20:00 PDT is
	// 14:00 that day to 03:00 the next day UTC.
	sfElection = election.Election{ID: 2, Name: "Early", Kind: election.Presidential,
		Date: time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC), TimeZone: "Asia/Almaty"}
	sfStation = election.Station{ElectionID: 2, Code: "US-SF", Country: "US", TimeZone: "America/Los_Angeles",
		RegisteredVoters: 300, Opens: election.DefaultOpens, Closes: election.DefaultCloses}
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func rep(id int64, observer int64, form FormCode, at string, js string) Report {
	var a map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		panic(err)
	}
	return Report{ID: id, ElectionID: 1, StationCode: "001", Form: form, ObserverID: observer, ObservedAt: utc(at), Answers: a}
}

func TestCheckReportHours(t *testing.T) {
	sf := func(form FormCode, at, js string) Report {
		r := rep(1, 1, form, at, js)
		r.ElectionID, r.StationCode = 2, "US-SF"
		return r
	}
	tests := []struct {
		name string
		r    Report
		st   election.Station
		e    election.Election
		want string // "" for no flag, else a part of the message
	}{
		{"opening at 06:30", rep(1, 1, Opening, "2025-01-19T01:30:00Z", `{}`), testStation, testElection, ""},
		{"opening at 05:30", rep(1, 1, Opening, "2025-01-19T00:30:00Z", `{}`), testStation, testElection, "2025-01-19 05:30"},
		{"opening at 21:00", rep(1, 1, Opening, "2025-01-19T16:00:00Z", `{}`), testStation, testElection, "opening checklists"},
		{"turnout at 10:05", rep(1, 1, Turnout, "2025-01-19T05:05:00Z", `{"checkpoint":"10:00","ballots_cast":100}`), testStation, testElection, ""},
		{"turnout at 06:55", rep(1, 1, Turnout, "2025-01-19T01:55:00Z", `{"ballots_cast":0}`), testStation, testElection, "turnout figures"},
		{"turnout at 20:30", rep(1, 1, Turnout, "2025-01-19T15:30:00Z", `{"checkpoint":"18:00","ballots_cast":100}`), testStation, testElection, "20:30"},
		{"12:00 figure at 11:00", rep(1, 1, Turnout, "2025-01-19T06:00:00Z", `{"checkpoint":"12:00","ballots_cast":100}`), testStation, testElection, "before its checkpoint"},
		{"closing at 20:05", rep(1, 1, Closing, "2025-01-19T15:05:00Z", `{"ballots_cast":800}`), testStation, testElection, ""},
		{"closing at 19:50", rep(1, 1, Closing, "2025-01-19T14:50:00Z", `{"ballots_cast":800}`), testStation, testElection, ""},
		{"closing at 18:00", rep(1, 1, Closing, "2025-01-19T13:00:00Z", `{"ballots_cast":800}`), testStation, testElection, "closing reports"},
		{"count at 03:00 next day", rep(1, 1, Count, "2025-01-19T22:00:00Z", `{}`), testStation, testElection, ""},
		{"count at 09:00 next day", rep(1, 1, Count, "2025-01-20T04:00:00Z", `{}`), testStation, testElection, "2025-01-20 09:00"},
		{"count a day early", rep(1, 1, Count, "2025-01-18T15:00:00Z", `{}`), testStation, testElection, "count reports"},
		{"abroad closing at 20:10 PDT", sf(Closing, "2023-03-20T03:10:00Z", `{"ballots_cast":10}`), sfStation, sfElection, ""},
		{"abroad turnout at 07:00 Almaty", sf(Turnout, "2023-03-19T01:00:00Z", `{"ballots_cast":10}`), sfStation, sfElection, "America/Los_Angeles"},
		{"bad zone skips the check", rep(1, 1, Opening, "2025-01-19T00:00:00Z", `{}`), election.Station{Code: "001", TimeZone: "Mars/Base"}, testElection, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Flag
			for _, f := range CheckReport(tt.r, tt.st, tt.e, nil) {
				if f.Code == FlagOutsideHours {
					got = append(got, f)
				}
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("flagged: %v", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].Message, tt.want) {
				t.Errorf("flags %v, want one mentioning %q", got, tt.want)
			}
		})
	}
}

func TestCheckReportTurnout(t *testing.T) {
	earlier := []Report{
		rep(1, 1, Turnout, "2025-01-19T05:00:00Z", `{"checkpoint":"10:00","ballots_cast":150}`),
		rep(2, 2, Turnout, "2025-01-19T07:00:00Z", `{"checkpoint":"12:00","ballots_cast":400}`),
		rep(3, 1, Turnout, "2025-01-19T11:00:00Z", `{"checkpoint":"16:00","ballots_cast":700}`),
		rep(4, 1, Opening, "2025-01-19T01:30:00Z", `{"ballots_cast":9999}`), // not a turnout form
		{ID: 5, ElectionID: 1, StationCode: "002", Form: Turnout, ObservedAt: utc("2025-01-19T05:00:00Z"),
			Answers: map[string]json.RawMessage{"ballots_cast": json.RawMessage("900")}}, // another station
	}
	tests := []struct {
		name  string
		r     Report
		codes []string
		want  []string
	}{
		{"rising", rep(10, 1, Turnout, "2025-01-19T09:00:00Z", `{"checkpoint":"14:00","ballots_cast":550}`), nil, nil},
		{"equal is fine", rep(10, 3, Turnout, "2025-01-19T07:00:00Z", `{"checkpoint":"12:00","ballots_cast":400}`), nil, nil},
		{"lower than earlier", rep(10, 1, Turnout, "2025-01-19T09:00:00Z", `{"checkpoint":"14:00","ballots_cast":380}`),
			[]string{FlagTurnoutDecreasing}, []string{"380", "lower than 400", "2025-01-19 12:00"}},
		{"higher than later (sent late)", rep(10, 1, Turnout, "2025-01-19T09:00:00Z", `{"checkpoint":"14:00","ballots_cast":750}`),
			[]string{FlagTurnoutDecreasing}, []string{"750", "higher than 700", "2025-01-19 16:00"}},
		{"closing below turnout", rep(10, 1, Closing, "2025-01-19T15:10:00Z", `{"ballots_cast":600}`),
			[]string{FlagTurnoutDecreasing}, []string{"600", "lower than 700"}},
		{"above registered", rep(10, 1, Closing, "2025-01-19T15:10:00Z", `{"ballots_cast":1200}`),
			[]string{FlagAboveRegistered}, []string{"1200", "1000 registered"}},
		{"the same report again", rep(3, 1, Turnout, "2025-01-19T11:00:00Z", `{"checkpoint":"16:00","ballots_cast":700}`), nil, nil},
		{"no figure", rep(10, 1, Turnout, "2025-01-19T09:00:00Z", `{"checkpoint":"14:00"}`), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags := CheckReport(tt.r, testStation, testElection, earlier)
			if !slices.Equal(flagCodes(flags), tt.codes) {
				t.Fatalf("flags %v, want codes %v", flags, tt.codes)
			}
			for _, w := range tt.want {
				if !strings.Contains(flags[0].Message, w) {
					t.Errorf("message %q lacks %q", flags[0].Message, w)
				}
			}
		})
	}
	// A station whose registered voters are unknown (0) is not flagged.
	st := testStation
	st.RegisteredVoters = 0
	if flags := CheckReport(rep(10, 1, Closing, "2025-01-19T15:10:00Z", `{"ballots_cast":1200}`), st, testElection, nil); len(flags) != 0 {
		t.Errorf("unknown registered: %v", flags)
	}
}

func TestAgreement(t *testing.T) {
	reports := []Report{
		// Two observers agree on the 10:00 turnout, differ on 12:00.
		rep(1, 1, Turnout, "2025-01-19T05:00:00Z", `{"checkpoint":"10:00","ballots_cast":150}`),
		rep(2, 2, Turnout, "2025-01-19T05:01:00Z", `{"checkpoint":"10:00","ballots_cast":150}`),
		rep(3, 1, Turnout, "2025-01-19T07:00:00Z", `{"checkpoint":"12:00","ballots_cast":400}`),
		rep(4, 2, Turnout, "2025-01-19T07:02:00Z", `{"checkpoint":"12:00","ballots_cast":420}`),
		// Observer 1 corrects the opening report; only the latest counts.
		rep(5, 1, Opening, "2025-01-19T01:30:00Z", `{"boxes_empty_sealed":false,"comments":"a"}`),
		rep(6, 1, Opening, "2025-01-19T01:40:00Z", `{"boxes_empty_sealed":true,"comments":"b"}`),
		rep(7, 2, Opening, "2025-01-19T01:35:00Z", `{"boxes_empty_sealed":true,"opened_on_time":true,"comments":"c"}`),
		// Count protocols of two contests: one line of votes differs in 7.
		rep(8, 1, Count, "2025-01-19T17:00:00Z", `{"contest":7,"valid":812,"votes":{"Alpha":500,"Beta":312}}`),
		rep(9, 3, Count, "2025-01-19T17:10:00Z", `{"contest":7,"valid":812,"votes":{"Alpha":500,"Beta":302}}`),
		rep(10, 1, Count, "2025-01-19T17:00:00Z", `{"contest":8,"valid":90}`),
		rep(11, 3, Count, "2025-01-19T17:00:00Z", `{"contest":9,"valid":91}`),
		// Two unknown observers (phoned in) count as two.
		rep(12, 0, Closing, "2025-01-19T15:05:00Z", `{"ballots_cast":830}`),
		rep(13, 0, Closing, "2025-01-19T15:06:00Z", `{"ballots_cast":831}`),
	}
	got := Agreement(reports)
	type row struct {
		form     FormCode
		key, q   string
		observed []string
	}
	want := []row{
		{Closing, "", "ballots_cast", []string{"830", "831"}},
		{Count, "7", "votes/Beta", []string{"312", "302"}},
		{Turnout, "12:00", "ballots_cast", []string{"400", "420"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d disagreements: %+v", len(got), got)
	}
	for i, w := range want {
		d := got[i]
		var vals []string
		for _, v := range d.Values {
			vals = append(vals, v.Value)
		}
		if d.Station != "001" || d.Form != w.form || d.Key != w.key || d.Question != w.q || !slices.Equal(vals, w.observed) {
			t.Errorf("%d: got %s %s %s %v, want %+v", i, d.Form, d.Key, d.Question, vals, w)
		}
	}
	f := got[2].Flag()
	if f.Code != FlagConflictingObservers || !strings.Contains(f.Message, "observer 1: 400; observer 2: 420") || !strings.Contains(f.Message, "turnout 12:00") {
		t.Errorf("flag %+v", f)
	}
	if m := got[0].Flag().Message; !strings.Contains(m, "an unknown observer: 830") {
		t.Errorf("unknown observer flag %q", m)
	}
	if len(Agreement(reports[:2])) != 0 || len(Agreement(nil)) != 0 {
		t.Error("agreement reported as conflict")
	}
}

func TestAgreementMissingAnswer(t *testing.T) {
	// One observer did not answer: not a conflict between two values, but
	// shown when two others differ.
	reports := []Report{
		rep(1, 1, Closing, "2025-01-19T15:05:00Z", `{"ballots_cast":830}`),
		rep(2, 2, Closing, "2025-01-19T15:05:00Z", `{"closed_on_time":true}`),
		rep(3, 3, Closing, "2025-01-19T15:05:00Z", `{"ballots_cast":831}`),
	}
	got := Agreement(reports)
	if len(got) != 1 || len(got[0].Values) != 3 || got[0].Values[1].Value != "" {
		t.Fatalf("%+v", got)
	}
	if !strings.Contains(got[0].Flag().Message, "observer 2: no answer") {
		t.Errorf("flag %q", got[0].Flag().Message)
	}
	if len(Agreement(reports[:2])) != 0 {
		t.Error("one answer against none reported as conflict")
	}
}
