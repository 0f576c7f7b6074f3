package report

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// hostile are pieces of keys and strings that encoding/json escapes or
// that look as if it might: what the fast path must either write exactly
// as encoding/json does or leave to it.
var hostile = []string{"a", "ballots_cast", "votes/Нұр Отан", "<b>", "&amp;", "\"", "\\", "\n", "\t", "\x00", "\x1f", "\x7f",
	"\u2028", "\u2029", "\xff", "\xe2\x80", "é", "😀", " ", "/", "'"}

func hostileString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(4) {
		b.WriteString(hostile[r.IntN(len(hostile))])
	}
	return b.String()
}

// hostileValue is valid JSON, sometimes with space to compact.
func hostileValue(r *rand.Rand) json.RawMessage {
	switch r.IntN(6) {
	case 0:
		return json.RawMessage(`1200`)
	case 1:
		return json.RawMessage(` [ 1 , 2 ,  "a b" ] `)
	case 2:
		s, _ := json.Marshal(hostileString(r))
		return s
	case 3:
		return json.RawMessage("{\n\t\"x\" : true }")
	case 4:
		return json.RawMessage(`"\u2028 <&> \"q\""`)
	}
	return json.RawMessage(`null`)
}

// TestCanonicalAnswersFastPath: the answers written without reflection
// are byte for byte what encoding/json writes, on random and hostile
// input, since receipts and the log hash these bytes.
func TestCanonicalAnswersFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := range 20000 {
		m := map[string]json.RawMessage{}
		for range r.IntN(5) {
			m[hostileString(r)] = hostileValue(r)
		}
		want, err := canonicalJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			want = []byte("{}")
		}
		got, err := CanonicalAnswers(m)
		if err != nil || string(got) != string(want) {
			t.Fatalf("case %d: CanonicalAnswers(%q) = %q, %v; encoding/json writes %q", i, m, got, err, want)
		}
		if _, ok := AppendCanonicalObject(nil, m); ok {
			fast++
		}
	}
	if fast < 1000 {
		t.Errorf("only %d of 20000 cases took the fast path", fast)
	}
	// Everyday answers take it.
	if _, ok := AppendCanonicalObject(nil, map[string]json.RawMessage{"checkpoint": json.RawMessage(`"12:00"`), "ballots_cast": json.RawMessage(`1200`),
		"comments": json.RawMessage(`"Очередь у входа"`)}); !ok {
		t.Error("everyday answers left the fast path")
	}
}

// FuzzCanonicalAnswers compares the fast path with encoding/json on one
// answer of any key and value.
func FuzzCanonicalAnswers(f *testing.F) {
	f.Add("ballots_cast", "1200")
	f.Add("comments", `"a\u2028b <x>"`)
	f.Add("\u2028", ` { "a" : [1, 2] } `)
	f.Fuzz(func(t *testing.T, key, value string) {
		if !json.Valid([]byte(value)) {
			return
		}
		m := map[string]json.RawMessage{key: json.RawMessage(value)}
		want, err := canonicalJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := CanonicalAnswers(m)
		if err != nil || string(got) != string(want) {
			t.Fatalf("CanonicalAnswers(%q) = %q, %v; encoding/json writes %q", m, got, err, want)
		}
	})
}

// TestJSONStringAsEncodingJSON checks the string answers read without
// encoding/json against its reading, hostile pieces included: same
// string, or the same refusal.
func TestJSONStringAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	cases := []string{`""`, `"12:00"`, `"a"`, `"`, `"a`, `a"`, `"a"b"`, `"\u0041"`, `"tab	tab"`, "\"\xff\"", `"Нұр-Сұлтан"`, `12`, `null`}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(5) {
			b.WriteString(hostile[r.IntN(len(hostile))])
		}
		cases = append(cases, `"`+b.String()+`"`)
		if quoted, err := json.Marshal(b.String()); err == nil {
			cases = append(cases, string(quoted))
		}
	}
	for _, raw := range cases {
		got, gotErr := jsonString([]byte(raw))
		var want string
		wantErr := json.Unmarshal([]byte(raw), &want)
		if raw == "" || raw[0] != '"' {
			wantErr = errors.New("not a string")
		}
		if (gotErr != nil) != (wantErr != nil) || got != want {
			t.Errorf("%q: read %q, %v; encoding/json reads %q, %v", raw, got, gotErr, want, wantErr)
		}
	}
}

// TestCountsSnapshot checks that a snapshot of a station's counts keeps
// what it covered while reports are added, and that appending to it
// leaves the kept list alone (snapshots share the list's elements).
func TestCountsSnapshot(t *testing.T) {
	c := &stationCounts{}
	for i := range 3 {
		c.add(StationCount{ID: int64(i + 1), BallotsCast: int64(10 * i)})
	}
	snap := c.snapshot()
	done := make(chan struct{})
	go func() { // adds while the snapshot is read (go test -race)
		defer close(done)
		for i := range 100 {
			c.add(StationCount{ID: int64(100 + i)})
		}
	}()
	for range 100 {
		if len(snap) != 3 || snap[2].ID != 3 || snap[2].BallotsCast != 20 {
			t.Fatalf("snapshot changed: %+v", snap)
		}
	}
	<-done
	_ = append(snap, StationCount{ID: 999})
	if got := c.snapshot(); len(got) != 103 || got[3].ID != 100 {
		t.Errorf("appending to a snapshot changed the counts: %d, %+v", len(got), got[3])
	}
}
