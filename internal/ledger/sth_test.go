package ledger

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/report"
)

func TestKeyFileAndSignature(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "ledger.key")
	key, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, created, err := LoadOrCreateKey(path)
	if err != nil || created || !again.Equal(key) {
		t.Fatalf("second start: created %v, same %v, %v", created, again.Equal(key), err)
	}
	s := NewSigner(key)
	h := s.Sign(8, HashLeaf([]byte("x")), time.Now())
	keys := []PublicKey{s.Public()}
	if err := h.Verify(keys); err != nil {
		t.Fatal(err)
	}
	// Through JSON, as clients get it.
	b, _ := json.Marshal(h)
	var back TreeHead
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(keys); err != nil {
		t.Fatalf("after JSON: %v", err)
	}
	bad := back
	bad.Size++
	if bad.Verify(keys) == nil {
		t.Error("a tree head with another size verifies")
	}
	bad = back
	bad.Root = Hex(flip(nil2rng(), bad.Root))
	if bad.Verify(keys) == nil {
		t.Error("a tree head with another root verifies")
	}
	bad = back
	bad.Timestamp = bad.Timestamp.Add(time.Millisecond)
	if bad.Verify(keys) == nil {
		t.Error("a tree head with another time verifies")
	}
	other, _, _ := LoadOrCreateKey(filepath.Join(t.TempDir(), "other.key"))
	if back.Verify([]PublicKey{NewSigner(other).Public()}) == nil {
		t.Error("a tree head verifies without its key")
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path); err == nil {
		t.Error("a broken key file was read")
	}
}

// TestEntryCoversEveryField checks that a change to any stored field of
// a report changes its leaf, while the public part shows none of the
// private fields.
func TestEntryCoversEveryField(t *testing.T) {
	at := time.Date(2026, 3, 15, 9, 30, 12, 345678000, time.UTC)
	base := report.Report{ID: 7, ClientID: "c-1", ElectionID: 1, StationCode: "S1", Form: report.Turnout, FormVersion: 1,
		ObserverID: 42, Channel: "web", ObservedAt: at, ReceivedAt: at.Add(time.Second),
		Answers: map[string]json.RawMessage{report.QBallotsCast: json.RawMessage("120"), "comment": json.RawMessage(`"Aigerim said hi"`)},
		Receipt: "ab"}
	salt := NewSalt()
	e, err := ReportEntry(base, salt)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"c-1", "Aigerim", "42", "12.345"} {
		if bytes.Contains(e.Public, []byte(secret)) {
			t.Errorf("public part %s shows %q", e.Public, secret)
		}
	}
	changes := map[string]func(r *report.Report){
		"client id":   func(r *report.Report) { r.ClientID = "c-2" },
		"observer":    func(r *report.Report) { r.ObserverID = 43 },
		"entered by":  func(r *report.Report) { r.EnteredBy = 1 },
		"station":     func(r *report.Report) { r.StationCode = "S2" },
		"observed at": func(r *report.Report) { r.ObservedAt = r.ObservedAt.Add(time.Microsecond) },
		"received at": func(r *report.Report) { r.ReceivedAt = r.ReceivedAt.Add(time.Microsecond) },
		"count": func(r *report.Report) {
			r.Answers = map[string]json.RawMessage{report.QBallotsCast: json.RawMessage("121"), "comment": json.RawMessage(`"Aigerim said hi"`)}
		},
		"free text": func(r *report.Report) {
			r.Answers = map[string]json.RawMessage{report.QBallotsCast: json.RawMessage("120"), "comment": json.RawMessage(`"Aigerim said bye"`)}
		},
		"flags":   func(r *report.Report) { r.Flags = []report.Flag{{Code: "x", Message: "y"}} },
		"receipt": func(r *report.Report) { r.Receipt = "cd" },
		"id":      func(r *report.Report) { r.ID = 8 },
	}
	for name, change := range changes {
		r := base
		change(&r)
		c, err := ReportEntry(r, salt)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(c.LeafHash(), e.LeafHash()) {
			t.Errorf("changing the %s leaves the leaf as it was", name)
		}
	}
	same, _ := ReportEntry(base, salt)
	if !bytes.Equal(same.LeafHash(), e.LeafHash()) {
		t.Error("the same report gives another leaf")
	}
}

func TestExportRebuildsAndCounts(t *testing.T) {
	key, _, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSigner(key)
	at := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	mk := func(id int64, station string, form report.FormCode, cast string, min int) report.Report {
		return report.Report{ID: id, ClientID: "c", ElectionID: 1, StationCode: station, Form: form,
			ObservedAt: at.Add(time.Duration(min) * time.Minute), Answers: map[string]json.RawMessage{report.QBallotsCast: json.RawMessage(cast)}}
	}
	reports := []report.Report{mk(1, "A", report.Turnout, "10", 0), mk(2, "A", report.Turnout, "30", 60), mk(3, "B", report.Turnout, "5", 10),
		mk(4, "A", report.Turnout, "20", 30), mk(5, "B", report.Closing, "50", 600)}
	x := &Export{Format: ExportFormat, PublicKeys: []PublicKey{s.Public()}}
	tree := NewMemTree()
	for i, r := range reports {
		e, err := ReportEntry(r, NewSalt())
		if err != nil {
			t.Fatal(err)
		}
		e.Index = uint64(i)
		x.Entries = append(x.Entries, e.ToExport())
		tree.Append(e.LeafHash())
		x.TreeHeads = append(x.TreeHeads, s.Sign(tree.Size(), tree.Root(), at))
	}
	in := report.IncidentReport{ID: 1, ElectionID: 1, StationCode: "A", Category: "ballot_stuffing", Severity: "high", ObservedAt: at}
	ie := IncidentEntry(in, NewSalt())
	ie.Index = uint64(len(x.Entries))
	x.Entries = append(x.Entries, ie.ToExport())
	b, _ := json.Marshal(x)
	back, err := ReadExport(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := CheckExport(back); err != nil {
		t.Fatal(err)
	}
	figs, err := ComputeFigures(back.Entries)
	if err != nil {
		t.Fatal(err)
	}
	f := figs[1]
	if f.BallotsCast != 80 || f.StationsReporting != 2 || f.StationsClosed != 1 || f.Reports != 5 || f.Incidents != 1 || f.ByCategory["ballot_stuffing"] != 1 {
		t.Errorf("figures = %+v; want 30 at A (latest by time, not arrival) + 50 at B", f)
	}
	// A changed entry no longer matches the signed heads.
	back.Entries[1].Public = json.RawMessage(bytes.Replace(back.Entries[1].Public, []byte(`"ballots_cast":30`), []byte(`"ballots_cast":31`), 1))
	if _, _, err := CheckExport(back); err == nil {
		t.Error("an export with a changed entry checks")
	}
}

func TestScanExportRefusesBadLayouts(t *testing.T) {
	for name, doc := range map[string]string{
		"entries first":  `{"format":"baqylau-ledger-export-v1","entries":[],"tree_heads":[]}`,
		"other format":   `{"format":"x","entries":[]}`,
		"no format":      `{"entries":[]}`,
		"not an object":  `[]`,
		"broken entry":   `{"format":"baqylau-ledger-export-v1","entries":[{"index":"x"}]}`,
		"entries object": `{"format":"baqylau-ledger-export-v1","entries":{}}`,
	} {
		if _, err := ReadExport(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: read", name)
		}
	}
	x, err := ReadExport(strings.NewReader(`{"format":"baqylau-ledger-export-v1","extra":1,"public_keys":[],"tree_heads":[],"entries":[]}`))
	if err != nil || len(x.Entries) != 0 {
		t.Errorf("an empty export: %+v, %v", x, err)
	}
	if size, root, err := CheckExport(x); err != nil || size != 0 || !bytes.Equal(root, EmptyRoot()) {
		t.Errorf("empty export: %d %x %v", size, root, err)
	}
}
