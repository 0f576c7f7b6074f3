package ledger

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
)

// ExportFormat names the export's layout.
const ExportFormat = "baqylau-ledger-export-v1"

// Export is the public log: every key that signed, every signed tree
// head, and every entry's public part and private hash, enough to rebuild
// the tree and check it against the heads.
type Export struct {
	Format     string        `json:"format"`
	PublicKeys []PublicKey   `json:"public_keys"`
	TreeHeads  []TreeHead    `json:"tree_heads"`
	Entries    []ExportEntry `json:"entries"`
}

// ExportEntry is one entry as the export and the proof API give it.
type ExportEntry struct {
	Index       uint64          `json:"index"`
	Kind        Kind            `json:"kind"`
	Ref         int64           `json:"ref"`
	Public      json.RawMessage `json:"public"`
	PrivateHash Hex             `json:"private_hash"`
}

// ToExport returns e as exported.
func (e Entry) ToExport() ExportEntry {
	return ExportEntry{Index: e.Index, Kind: e.Kind, Ref: e.Ref, Public: json.RawMessage(e.Public), PrivateHash: Hex(e.PrivateHash)}
}

// Entry returns the exported entry back; its public part must be the
// canonical bytes the leaf committed to, which the export keeps verbatim.
func (x ExportEntry) Entry() Entry {
	return Entry{Index: x.Index, Kind: x.Kind, Ref: x.Ref, Public: []byte(x.Public), PrivateHash: []byte(x.PrivateHash)}
}

// ReadExport decodes an export, refusing another format.
func ReadExport(r io.Reader) (*Export, error) {
	var x Export
	dec := json.NewDecoder(r)
	if err := dec.Decode(&x); err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "export: %v", err)
	}
	if x.Format != ExportFormat {
		return nil, baqylau.Errorf(baqylau.EINVALID, "export format is %q, not %q", x.Format, ExportFormat)
	}
	return &x, nil
}

// CheckExport rebuilds the tree from the export's entries, in order, and
// checks every tree head against it: its signature with the exported keys
// and its root. It returns the rebuilt tree's size and root. It keeps only
// the tree's compact range, whatever the log's size.
func CheckExport(x *Export) (uint64, []byte, error) {
	heads := slices.Clone(x.TreeHeads)
	slices.SortFunc(heads, func(a, b TreeHead) int { return cmp.Compare(a.Size, b.Size) })
	for _, h := range heads {
		if err := h.Verify(x.PublicKeys); err != nil {
			return 0, nil, err
		}
	}
	r, _ := NewRange(0, nil)
	check := func() error {
		for len(heads) > 0 && heads[0].Size == r.Size() {
			h := heads[0]
			heads = heads[1:]
			if root := r.Root(); !bytes.Equal(root, h.Root) {
				return fmt.Errorf("ledger: the tree head of size %d signed at %s does not match the entries: root %x, rebuilt %x",
					h.Size, h.Timestamp.Format(time.RFC3339), []byte(h.Root), root)
			}
		}
		return nil
	}
	if err := check(); err != nil {
		return 0, nil, err
	}
	for i, e := range x.Entries {
		if e.Index != uint64(i) {
			return 0, nil, fmt.Errorf("ledger: export entry %d has index %d: entries must be gapless and in order", i, e.Index)
		}
		if len(e.PrivateHash) != HashSize {
			return 0, nil, fmt.Errorf("ledger: export entry %d has a private hash of %d bytes", i, len(e.PrivateHash))
		}
		// The public part must be the canonical bytes, as the leaf commits
		// to them; a re-indented export would not rebuild the tree.
		var buf bytes.Buffer
		if err := json.Compact(&buf, e.Public); err != nil || !bytes.Equal(buf.Bytes(), e.Public) {
			return 0, nil, fmt.Errorf("ledger: export entry %d: the public part is not compact JSON", i)
		}
		r.Append(e.Entry().LeafHash())
		if err := check(); err != nil {
			return 0, nil, err
		}
	}
	if len(heads) > 0 {
		return 0, nil, fmt.Errorf("ledger: a tree head of size %d is signed, but the export has only %d entries", heads[0].Size, r.Size())
	}
	return r.Size(), r.Root(), nil
}

// Figures are what can be counted from the public log for one election:
// the turnout count and incidents.
type Figures struct {
	Election int64 `json:"election"`
	// BallotsCast sums each station's latest cumulative count (latest by
	// observation time, then by arrival).
	BallotsCast       int64          `json:"ballots_cast"`
	StationsReporting int            `json:"stations_reporting"`
	StationsClosed    int            `json:"stations_closed"`
	Reports           int            `json:"reports"`
	Incidents         int            `json:"incidents"`
	ByCategory        map[string]int `json:"incidents_by_category"`
}

// ComputeFigures counts each election's figures from the export's public
// parts, by election id.
//
// The public observation time is cut to the minute, so two counts of one
// station within the same minute are ordered by arrival; the server orders
// them by exact time. Such a pair, with the later count arriving first,
// is the one case where the figures can differ.
func ComputeFigures(entries []ExportEntry) (map[int64]*Figures, error) {
	type latest struct {
		at    time.Time
		index uint64
		cast  int64
	}
	type key struct {
		election int64
		station  string
	}
	counts := map[key]latest{}
	closed := map[key]bool{}
	out := map[int64]*Figures{}
	fig := func(e int64) *Figures {
		f := out[e]
		if f == nil {
			f = &Figures{Election: e, ByCategory: map[string]int{}}
			out[e] = f
		}
		return f
	}
	for _, e := range entries {
		switch e.Kind {
		case KindReport:
			var p ReportPublic
			if err := json.Unmarshal(e.Public, &p); err != nil {
				return nil, fmt.Errorf("ledger: entry %d: %w", e.Index, err)
			}
			fig(p.Election).Reports++
			k := key{p.Election, p.Station}
			if p.Form == string(report.Closing) {
				closed[k] = true
			}
			if p.Form != string(report.Turnout) && p.Form != string(report.Closing) {
				continue
			}
			var n int64
			if json.Unmarshal(p.Answers[report.QBallotsCast], &n) != nil {
				continue // not a whole number: not counted, as the store does
			}
			if l, ok := counts[k]; !ok || !p.ObservedAt.Before(l.at) {
				counts[k] = latest{p.ObservedAt, e.Index, n}
			}
		case KindIncident:
			var p IncidentPublic
			if err := json.Unmarshal(e.Public, &p); err != nil {
				return nil, fmt.Errorf("ledger: entry %d: %w", e.Index, err)
			}
			f := fig(p.Election)
			f.Incidents++
			f.ByCategory[p.Category]++
		}
	}
	for k, l := range counts {
		f := fig(k.election)
		f.BallotsCast += l.cast
		f.StationsReporting++
	}
	for k := range closed {
		fig(k.election).StationsClosed++
	}
	return out, nil
}

// SortedElections returns the elections of figures in order.
func SortedElections(f map[int64]*Figures) []int64 {
	ids := make([]int64, 0, len(f))
	for id := range f {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
