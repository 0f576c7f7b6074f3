package channel

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/report"
)

func answersJSON(t *testing.T, p Parsed) string {
	t.Helper()
	b, err := json.Marshal(p.Answers)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseReports(t *testing.T) {
	forms := report.DefaultForms()
	for _, c := range []struct {
		in      string
		form    report.FormCode
		station string
		answers string
		contest int64
		votes   map[int]int64
	}{
		{"T 12 345", report.Turnout, "", `{"ballots_cast":345,"checkpoint":"12:00"}`, 0, nil},
		{"t12 345", report.Turnout, "", `{"ballots_cast":345,"checkpoint":"12:00"}`, 0, nil},
		{"Т 12:00, 345", report.Turnout, "", `{"ballots_cast":345,"checkpoint":"12:00"}`, 0, nil}, // Cyrillic Т
		{"т;1200;;345", report.Turnout, "", `{"ballots_cast":345,"checkpoint":"12:00"}`, 0, nil},  // lower-case Cyrillic
		{"#123 T Т12 B345", report.Turnout, "123", `{"ballots_cast":345,"checkpoint":"12:00"}`, 0, nil},
		{"T 12 345 # SF-1 @queue outside", report.Turnout, "SF-1", `{"ballots_cast":345,"checkpoint":"12:00","comments":"queue outside"}`, 0, nil},
		{"T B345", report.Turnout, "", `{"ballots_cast":345}`, 0, nil}, // checkpoint left out: reported missing
		{"O Y 07:05 Y Y N Y Y Y Y Y N N", report.Opening, "",
			`{"ballots_counted":true,"boxes_empty_sealed":true,"campaign_material":false,"commission_quorum":true,"materials_complete":true,"observers_admitted":true,"observers_see_all":true,"opened_on_time":true,"secrecy_booths":true,"time_opened":"07:05","unauthorized_persons":false,"voter_lists_present":false}`, 0, nil},
		{"О Д Д Н", report.Opening, "", `{"boxes_empty_sealed":true,"ballots_counted":false,"opened_on_time":true}`, 0, nil}, // B (a time) skipped; Н = нет
		{"o ay b=0705 HN", report.Opening, "", `{"observers_admitted":false,"opened_on_time":true,"time_opened":"07:05"}`, 0, nil},
		{"O A Y B 7.05", report.Opening, "", `{"opened_on_time":true,"time_opened":"07:05"}`, 0, nil},
		{"C Y N 1234 Y", report.Closing, "", `{"ballots_cast":1234,"closed_on_time":true,"queue_at_closing":false,"unused_cancelled":true}`, 0, nil},
		{"С да нет 1234", report.Closing, "", `{"ballots_cast":1234,"closed_on_time":true,"queue_at_closing":false}`, 0, nil},
		{"P K3 R1200 P1180 I980 C975 S5 U195 V960 N15 G1=500 G2=460 LY OY", report.Count, "",
			`{"cast":975,"copy_received":true,"invalid":15,"issued":980,"protocol_posted":true,"received":1180,"registered":1200,"spoiled":5,"unused":195,"valid":960}`,
			3, map[int]int64{1: 500, 2: 460}},
		{"Р contest=2 registered = 10 V1=4 v2=5", report.Count, "", `{"registered":10}`, 2, map[int]int64{1: 4, 2: 5}},
	} {
		p, err := Parse(c.in, forms)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if p.Form != c.form || p.Station != c.station || p.Contest != c.contest {
			t.Errorf("%q: form %s station %q contest %d", c.in, p.Form, p.Station, p.Contest)
		}
		var want, got map[string]any
		if err := json.Unmarshal([]byte(c.answers), &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(answersJSON(t, p)), &got); err != nil {
			t.Fatal(err)
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if string(wb) != string(gb) {
			t.Errorf("%q: answers\n got %s\nwant %s", c.in, gb, wb)
		}
		if len(c.votes) != len(p.Votes) {
			t.Errorf("%q: votes %v, want %v", c.in, p.Votes, c.votes)
		}
		for k, v := range c.votes {
			if p.Votes[k] != v {
				t.Errorf("%q: votes %v, want %v", c.in, p.Votes, c.votes)
			}
		}
	}
}

func TestParseIncidents(t *testing.T) {
	forms := report.DefaultForms()
	for _, c := range []struct {
		in, category string
		severity     report.Severity
		comment      string
	}{
		{"!4 H @a group of 30 came by bus", "carousel", report.High, "a group of 30 came by bus"},
		{"!4h", "carousel", report.High, ""},
		{"! 2 c", "ballot_stuffing", report.Critical, ""},
		{"!CAR H @free comment", "carousel", report.High, "free comment"},
		{"!САR Н @кириллица", "carousel", report.High, "кириллица"}, // С, Н Cyrillic
		{"#12 !carousel buses at the gate", "carousel", "", "buses at the gate"},
		{"!0 @x@y", "other", "", "x@y"},
		{"!ballot_stuffing m", "ballot_stuffing", report.Medium, ""},
	} {
		p, err := Parse(c.in, forms)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if p.Form != report.Incident || p.Category != c.category || p.Severity != c.severity || p.Comment != c.comment {
			t.Errorf("%q: %+v", c.in, p)
		}
	}
}

func TestParseProblems(t *testing.T) {
	forms := report.DefaultForms()
	for _, c := range []struct{ in, code string }{
		{"", ProblemEmpty},
		{"   ,;  ", ProblemEmpty},
		{"@just a comment", ProblemUnknownForm},
		{"hello", ProblemUnknownForm},
		{"T 13 345", ProblemBadValue},
		{"T 345", ProblemBadValue},
		{"T 12 345 678", ProblemExtra},
		{"T 12 B345 B346", ProblemTwice},
		{"O ZZ", ProblemUnknownWord},
		{"!", ProblemNoCategory},
		{"!99", ProblemUnknownCategory},
		{"!VOT", ProblemAmbiguousCategory},
		{"# ", ProblemNoStation},
		{"#1 #2 T 12 3", ProblemNoStation},
		{"T 12 99999999999", ProblemBadValue},
		{"\xff\xfe", ProblemNotText},
		{strings.Repeat("Y ", 600), ProblemTooLong},
		{"O " + strings.Repeat("Y ", 10000), ProblemTooLong},
		{strings.Repeat("x", MaxMessageBytes+1), ProblemTooLong},
	} {
		_, err := Parse(c.in, forms)
		var p *Problem
		if !errors.As(err, &p) || p.Code != c.code {
			t.Errorf("%.40q: %v, want %s", c.in, err, c.code)
		}
		if p != nil && problemReply("ru", p) == "" {
			t.Errorf("%.40q: empty reply", c.in)
		}
	}
}

func TestFoldLookalikes(t *testing.T) {
	for in, want := range map[string]string{
		"АВЕКМНОРСТХУ": "ABEKMHOPCTXY",
		"авекмнорстху": "ABEKMHOPCTXY",
		"Тт12":         "TT12",
		"１２":           "12", // full-width digits
		"жоқ":          "ЖOҚ",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRepliesComplete(t *testing.T) {
	for key, t2 := range replies {
		for _, l := range []string{"kk", "ru", "en"} {
			if t2[l] == "" {
				t.Errorf("reply %q lacks %s", key, l)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"T 12 345", "O Y Y Y N", "!4 H @x", "#12 P K1 R1 G1=2 V2=3", "Т 12:00, 345", "\xff", "o ay b=0705", "!CAR"} {
		f.Add(s)
	}
	forms := report.DefaultForms()
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s, forms)
		if err != nil {
			var pr *Problem
			if !errors.As(err, &pr) {
				t.Fatalf("%q: error %v is not a Problem", s, err)
			}
			_ = problemReply("kk", pr)
			return
		}
		if p.Form == "" {
			t.Fatalf("%q: no form", s)
		}
		if p.Form != report.Incident {
			if _, err := report.CheckAnswers(mustForm(forms, p.Form), p.Answers, nil); err != nil {
				t.Fatalf("%q: parsed answers refused: %v", s, err)
			}
		}
	})
}

func mustForm(forms []report.Form, code report.FormCode) report.Form {
	for _, f := range forms {
		if f.Code == code {
			return f
		}
	}
	panic(code)
}
