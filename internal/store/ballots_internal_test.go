package store

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/baqylau/baqylau/internal/report"
)

// TestBallotsCastAsJSON checks the stored count against encoding/json's
// reading of the same answer: plain digits take a shortcut, everything
// else (fractions, exponents, strings, overflow) must come out as
// json.Unmarshal into an int64 says.
func TestBallotsCastAsJSON(t *testing.T) {
	cases := []string{"0", "-0", "7", "-7", "300", "1500", "999999999999999999", "-999999999999999999",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890",
		"300.0", "3e2", "1E3", "0.5", `"300"`, "true", "null", "[]", "{}", "-", "", "00", "-01", " 300", "300 "}
	r := rand.New(rand.NewPCG(4, 2))
	for range 5000 {
		cases = append(cases, strconv.FormatInt(r.Int64N(1<<62)-1<<61, 10))
	}
	for _, raw := range cases {
		rep := report.Report{Form: report.Turnout, Answers: map[string]json.RawMessage{report.QBallotsCast: json.RawMessage(raw)}}
		var want any
		var n int64
		if err := json.Unmarshal([]byte(raw), &n); err == nil {
			want = n
		}
		if got := ballotsCast(rep); got != want {
			t.Errorf("ballots_cast %q: stored %v, want %v", raw, got, want)
		}
	}
}
