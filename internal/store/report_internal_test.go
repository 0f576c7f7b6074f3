package store

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

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

// TestFlatten checks that rows laid end to end in one array are passed as
// that array, and any others copied, with the same values either way.
func TestFlatten(t *testing.T) {
	const width = 3
	cells := make([]any, 0, 4*width)
	var rows [][]any
	for i := range 4 {
		cells = append(cells, i, "x", int64(i))
		rows = append(rows, cells[len(cells)-width:])
	}
	want := func(rs [][]any) []any {
		var out []any
		for _, r := range rs {
			out = append(out, r...)
		}
		return out
	}
	for name, rs := range map[string][][]any{
		"all":          rows,
		"a chunk":      rows[1:3],
		"one left out": {rows[0], rows[2], rows[3]},
		"reordered":    {rows[1], rows[0]},
		"separate":     {{1, "a", int64(1)}, {2, "b", int64(2)}},
	} {
		got := flatten(rs, width)
		if !slices.Equal(got, want(rs)) {
			t.Errorf("%s: flatten = %v, want %v", name, got, want(rs))
		}
	}
	if got := flatten(rows, width); &got[0] != &cells[0] {
		t.Error("rows end to end were copied")
	}
}

// TestTimeArgAsFormat checks the SQLite time argument against the layout
// it stands for, so that stored times keep sorting as text.
func TestTimeArgAsFormat(t *testing.T) {
	db := &DB{dialect: SQLite}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		tm := time.Unix(rng.Int64N(4102444800), rng.Int64N(1e9)).In(time.FixedZone("", int(rng.Int64N(28*3600))-14*3600))
		if got, want := db.timeArg(tm), normTime(tm).Format(sqliteTime); got != want {
			t.Fatalf("timeArg(%v) = %v, want %q", tm, got, want)
		}
	}
}
