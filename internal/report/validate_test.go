package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// answers builds an answers map from a JSON object.
func answers(t testing.TB, js string) map[string]json.RawMessage {
	t.Helper()
	var a map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatalf("test answers %s: %v", js, err)
	}
	return a
}

func defaultForm(t testing.TB, code FormCode) Form {
	t.Helper()
	f, ok := DefaultForm(code)
	if !ok {
		t.Fatalf("no form %s", code)
	}
	return f
}

var testContest = &election.Contest{ID: 7, Name: "President", Options: []string{"Alpha", "Beta", "Against all"}}

// goodCount is a count protocol that adds up.
const goodCount = `{"contest":7,"registered":1000,"received":1000,"issued":830,"cast":826,"spoiled":5,"unused":165,
	"valid":812,"invalid":14,"votes":{"Alpha":500,"Beta":300,"Against all":12},"protocol_posted":true,"copy_received":false}`

func flagCodes(flags []Flag) []string {
	var out []string
	for _, f := range flags {
		out = append(out, f.Code)
	}
	return out
}

func TestCheckAnswersAccepts(t *testing.T) {
	tests := []struct {
		name    string
		form    FormCode
		answers string
		contest *election.Contest
		flags   []string // messages (or codes) expected, in order
	}{
		{"opening complete", Opening, `{"opened_on_time":true,"time_opened":"07:00","boxes_empty_sealed":true,"ballots_counted":true,
			"voter_lists_present":true,"materials_complete":true,"secrecy_booths":false,"observers_admitted":true,"observers_see_all":true,
			"commission_quorum":true,"unauthorized_persons":false,"campaign_material":false,"comments":"Всё спокойно"}`, nil, nil},
		{"opening partial", Opening, `{"opened_on_time":true,"time_opened":"7:05"}`, nil,
			[]string{`"boxes_empty_sealed"`, `"ballots_counted"`, `"voter_lists_present"`, `"materials_complete"`, `"secrecy_booths"`,
				`"observers_admitted"`, `"observers_see_all"`, `"commission_quorum"`, `"unauthorized_persons"`, `"campaign_material"`}},
		{"null is no answer", Turnout, `{"checkpoint":"10:00","ballots_cast":null}`, nil, []string{`"ballots_cast" (Voters who have voted so far) is not answered`}},
		{"turnout", Turnout, `{"checkpoint":"12:00","ballots_cast":412}`, nil, nil},
		{"closing", Closing, `{"closed_on_time":true,"queue_at_closing":false,"ballots_cast":830}`, nil, nil},
		{"count adds up", Count, goodCount, testContest, nil},
		{"count without contest", Count, goodCount, nil, nil},
		{"count received", Count, strings.Replace(goodCount, `"received":1000`, `"received":1001`, 1), testContest,
			[]string{"issued 830 + spoiled 5 + unused 165 = 1000, but received is 1001"}},
		{"count valid+invalid", Count, strings.Replace(goodCount, `"cast":826`, `"cast":830`, 1), testContest,
			[]string{"valid 812 + invalid 14 = 826, but cast is 830"}},
		{"count cast above issued", Count, strings.NewReplacer(`"cast":826`, `"cast":840`, `"valid":812`, `"valid":826`, `"Alpha":500`, `"Alpha":514`).Replace(goodCount), testContest,
			[]string{"cast 840 is more than issued 830"}},
		{"count votes", Count, strings.Replace(goodCount, `"Beta":300`, `"Beta":310`, 1), testContest,
			[]string{"the votes add up to 822, but valid is 812"}},
		{"count above registered", Count, strings.Replace(goodCount, `"registered":1000`, `"registered":800`, 1), testContest,
			[]string{"issued 830 is more than registered 800", "cast 826 is more than registered 800"}},
		{"count missing option", Count, strings.Replace(goodCount, `,"Against all":12`, ``, 1), testContest,
			[]string{`votes for "Against all" are not given`, "the votes add up to 800, but valid is 812"}},
		{"count missing lines", Count, `{"contest":7,"valid":10,"invalid":1,"votes":{"Alpha":10,"Beta":0,"Against all":0}}`, testContest,
			[]string{`"registered"`, `"received"`, `"issued"`, `"cast"`, `"spoiled"`, `"unused"`, `"protocol_posted"`, `"copy_received"`}},
		{"incident", Incident, `{"category":"carousel","severity":"high","description":"<script>alert(1)</script>"}`, nil, nil},
		{"empty", Closing, `{}`, nil, []string{`"closed_on_time"`, `"queue_at_closing"`, `"ballots_cast"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags, err := CheckAnswers(defaultForm(t, tt.form), answers(t, tt.answers), tt.contest)
			if err != nil {
				t.Fatal(err)
			}
			if len(flags) != len(tt.flags) {
				t.Fatalf("flags %v, want %d: %v", flags, len(tt.flags), tt.flags)
			}
			for i, want := range tt.flags {
				if !strings.Contains(flags[i].Message, want) {
					t.Errorf("flag %d %q lacks %q", i, flags[i].Message, want)
				}
				wantCode := FlagMissingAnswer
				if strings.Contains(want, "registered ") || strings.Contains(want, "but") || strings.Contains(want, "issued ") {
					wantCode = FlagArithmetic
				}
				if flags[i].Code != wantCode {
					t.Errorf("flag %d code %q, want %q", i, flags[i].Code, wantCode)
				}
			}
		})
	}
}

func TestCheckAnswersRefuses(t *testing.T) {
	tests := []struct {
		name    string
		form    FormCode
		answers string
		contest *election.Contest
		want    []string
	}{
		{"unknown question", Turnout, `{"checkpoint":"10:00","ballots_cast":1,"mood":"good"}`, nil, []string{`"mood"`, "not a question"}},
		{"yes/no as text", Opening, `{"opened_on_time":"yes"}`, nil, []string{`"opened_on_time"`, "true or false"}},
		{"yes/no as number", Opening, `{"opened_on_time":1}`, nil, []string{`"opened_on_time"`}},
		{"fraction", Turnout, `{"ballots_cast":12.5}`, nil, []string{`"ballots_cast"`, "whole number", "12.5"}},
		{"exponent", Turnout, `{"ballots_cast":1e3}`, nil, []string{`"ballots_cast"`, "whole number"}},
		{"number as text", Turnout, `{"ballots_cast":"412"}`, nil, []string{`"ballots_cast"`, "not the text"}},
		{"negative", Turnout, `{"ballots_cast":-3}`, nil, []string{`"ballots_cast"`, "negative"}},
		{"huge", Turnout, `{"ballots_cast":99999999999999999999999}`, nil, []string{`"ballots_cast"`, "implausibly large"}},
		{"above max count", Turnout, `{"ballots_cast":1000000001}`, nil, []string{"implausibly large"}},
		{"unknown checkpoint", Turnout, `{"checkpoint":"11:00"}`, nil, []string{`"checkpoint"`, `"10:00"`, `"11:00"`}},
		{"checkpoint as number", Turnout, `{"checkpoint":10}`, nil, []string{`"checkpoint"`}},
		{"bad time", Opening, `{"time_opened":"25:00"}`, nil, []string{`"time_opened"`, "HH:MM"}},
		{"time as number", Opening, `{"time_opened":700}`, nil, []string{`"time_opened"`}},
		{"text as number", Opening, `{"comments":5}`, nil, []string{`"comments"`, "text"}},
		{"long text", Opening, `{"comments":"` + strings.Repeat("ә", MaxTextRunes+1) + `"}`, nil, []string{`"comments"`, "5001 characters"}},
		{"wrong contest", Count, strings.Replace(goodCount, `"contest":7`, `"contest":8`, 1), testContest, []string{`"contest"`, "contest 8", "contest 7"}},
		{"contest zero", Count, strings.Replace(goodCount, `"contest":7`, `"contest":0`, 1), nil, []string{`"contest"`, "at least 1"}},
		{"negative spoiled", Count, strings.Replace(goodCount, `"spoiled":5`, `"spoiled":-5`, 1), testContest, []string{`"spoiled"`, "negative"}},
		{"unknown option", Count, strings.Replace(goodCount, `"Beta":300`, `"Gamma":300`, 1), testContest, []string{`"votes"`, `"Gamma"`, "not an option"}},
		{"option twice", Count, strings.Replace(goodCount, `"Beta":300`, `"Beta":300,"Beta":1`, 1), testContest, []string{`"votes"`, "twice"}},
		{"negative votes", Count, strings.Replace(goodCount, `"Beta":300`, `"Beta":-300`, 1), testContest, []string{`"votes"`, `"Beta"`, "negative"}},
		{"votes as array", Count, `{"votes":[1,2]}`, testContest, []string{`"votes"`, "object"}},
		{"votes fraction", Count, `{"votes":{"Alpha":1.5}}`, testContest, []string{`"votes"`, "whole number"}},
		{"empty option name", Count, `{"votes":{" ":1}}`, nil, []string{`"votes"`, "option name"}},
		{"control in option", Count, `{"votes":{"A\u0000":1}}`, nil, []string{`"votes"`, "control"}},
		{"unknown category", Incident, `{"category":"rudeness"}`, nil, []string{`"category"`, `"rudeness"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckAnswers(defaultForm(t, tt.form), answers(t, tt.answers), tt.contest)
			if err == nil {
				t.Fatal("accepted")
			}
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				t.Errorf("code %q for %v", baqylau.ErrorCode(err), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCheckAnswersRawBytes(t *testing.T) {
	// Invalid UTF-8 cannot come through json.Unmarshal into a map, but can
	// through a channel that builds the map by hand.
	f := defaultForm(t, Opening)
	_, err := CheckAnswers(f, map[string]json.RawMessage{"comments": json.RawMessage("\"bad \xff\"")}, nil)
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	_, err = CheckAnswers(defaultForm(t, Turnout), map[string]json.RawMessage{"ballots_cast": json.RawMessage(`012`)}, nil)
	if err == nil || !strings.Contains(err.Error(), "whole number") {
		t.Errorf("leading zero: %v", err)
	}
	_, err = CheckAnswers(f, map[string]json.RawMessage{"comments": json.RawMessage(`"unterminated`)}, nil)
	if err == nil {
		t.Error("broken JSON accepted")
	}
	_, err = CheckAnswers(defaultForm(t, Count), map[string]json.RawMessage{"votes": json.RawMessage(`{"Alpha":1} {}`)}, testContest)
	if err == nil {
		t.Error("trailing data after votes accepted")
	}
}

func TestCheckAnswersCleansText(t *testing.T) {
	a := answers(t, `{"comments":"line one\r\nline\u0000 two\t<b>three</b>"}`)
	if _, err := CheckAnswers(defaultForm(t, Opening), a, nil); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(a["comments"], &s); err != nil {
		t.Fatal(err)
	}
	if s != "line one\nline two<b>three</b>" {
		t.Errorf("cleaned to %q", s)
	}
}

func TestAnswerHelpers(t *testing.T) {
	a := answers(t, `{"n":12,"s":"12:00","f":1.5,"z":null}`)
	if n, ok := IntAnswer(a, "n"); !ok || n != 12 {
		t.Errorf("IntAnswer n = %d, %v", n, ok)
	}
	for _, id := range []string{"s", "f", "z", "missing"} {
		if _, ok := IntAnswer(a, id); ok {
			t.Errorf("IntAnswer %s ok", id)
		}
	}
	if s, ok := StringAnswer(a, "s"); !ok || s != "12:00" {
		t.Errorf("StringAnswer s = %q, %v", s, ok)
	}
	if _, ok := StringAnswer(a, "n"); ok {
		t.Error("StringAnswer n ok")
	}
}

func FuzzCheckAnswers(f *testing.F) {
	f.Add("count", []byte(goodCount))
	f.Add("turnout", []byte(`{"checkpoint":"10:00","ballots_cast":1}`))
	f.Add("opening", []byte(`{"comments":"a\u0000b","time_opened":"7:00"}`))
	f.Add("incident", []byte(`{"category":"other","description":"x"}`))
	f.Add("count", []byte(`{"votes":{"Alpha":1,"Alpha":2}}`))
	f.Fuzz(func(t *testing.T, code string, data []byte) {
		form, ok := DefaultForm(FormCode(code))
		if !ok {
			return
		}
		var a map[string]json.RawMessage
		if json.Unmarshal(data, &a) != nil {
			return
		}
		for _, c := range []*election.Contest{nil, testContest} {
			flags, err := CheckAnswers(form, a, c)
			if err != nil {
				if baqylau.ErrorCode(err) != baqylau.EINVALID {
					t.Fatalf("error %v is not EINVALID", err)
				}
				continue
			}
			for _, fl := range flags {
				if fl.Code != FlagMissingAnswer && fl.Code != FlagArithmetic {
					t.Fatalf("flag %+v", fl)
				}
			}
			// Accepted answers stay acceptable: checking is idempotent.
			if _, err := CheckAnswers(form, a, c); err != nil {
				t.Fatalf("accepted once, refused again: %v", err)
			}
		}
	})
}
