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

// ReadExport decodes a whole export into memory, refusing another
// format; ScanExport reads one of any size.
func ReadExport(r io.Reader) (*Export, error) {
	var entries []ExportEntry
	x, err := ScanExport(r, nil, func(e ExportEntry) error {
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	x.Entries = entries
	return x, nil
}

// ScanExport reads an export, calls start (if not nil) with the keys and
// heads when the entries begin, then each with every entry in turn, and
// returns the export without its entries, so that a log of millions of
// entries is never held in memory. The entries must come last, as the
// server writes them.
func ScanExport(r io.Reader, start func(*Export) error, each func(ExportEntry) error) (*Export, error) {
	bad := func(format string, args ...any) error {
		return baqylau.Errorf(baqylau.EINVALID, "export: "+format, args...)
	}
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad("not a JSON object")
	}
	var x Export
	sawEntries := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, bad("%v", err)
		}
		key, _ := t.(string)
		if sawEntries {
			return nil, bad("%q after the entries: the entries must come last", key)
		}
		switch key {
		case "format":
			err = dec.Decode(&x.Format)
			if err == nil && x.Format != ExportFormat {
				return nil, bad("format is %q, not %q", x.Format, ExportFormat)
			}
		case "public_keys":
			err = dec.Decode(&x.PublicKeys)
		case "tree_heads":
			err = dec.Decode(&x.TreeHeads)
		case "entries":
			sawEntries = true
			if x.Format != ExportFormat {
				return nil, bad("the format must come before the entries")
			}
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return nil, bad("entries is not an array")
			}
			if start != nil {
				if err := start(&x); err != nil {
					return nil, err
				}
			}
			for i := 0; dec.More(); i++ {
				var e ExportEntry
				if err := dec.Decode(&e); err != nil {
					return nil, bad("entry %d: %v", i, err)
				}
				if err := each(e); err != nil {
					return nil, err
				}
			}
			_, err = dec.Token()
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, bad("%s: %v", key, err)
		}
	}
	if x.Format != ExportFormat {
		return nil, bad("format is %q, not %q", x.Format, ExportFormat)
	}
	return &x, nil
}

// Checker rebuilds the tree from exported entries added in order and
// checks every signed tree head against it, keeping only the tree's
// compact range, whatever the log's size.
type Checker struct {
	heads []TreeHead // not yet reached, by size
	r     *Range
}

// NewChecker checks the signatures of x's tree heads with its keys and
// returns a checker for its entries.
func NewChecker(x *Export) (*Checker, error) {
	heads := slices.Clone(x.TreeHeads)
	slices.SortFunc(heads, func(a, b TreeHead) int { return cmp.Compare(a.Size, b.Size) })
	for _, h := range heads {
		if err := h.Verify(x.PublicKeys); err != nil {
			return nil, err
		}
	}
	r, _ := NewRange(0, nil)
	c := &Checker{heads: heads, r: r}
	return c, c.reached()
}

// reached checks the heads of the tree's current size.
func (c *Checker) reached() error {
	for len(c.heads) > 0 && c.heads[0].Size == c.r.Size() {
		h := c.heads[0]
		c.heads = c.heads[1:]
		if root := c.r.Root(); !bytes.Equal(root, h.Root) {
			return fmt.Errorf("ledger: the tree head of size %d signed at %s does not match the entries: root %x, rebuilt %x",
				h.Size, h.Timestamp.Format(time.RFC3339), []byte(h.Root), root)
		}
	}
	return nil
}

// Add appends the next entry.
func (c *Checker) Add(e ExportEntry) error {
	i := c.r.Size()
	if e.Index != i {
		return fmt.Errorf("ledger: export entry %d has index %d: entries must be gapless and in order", i, e.Index)
	}
	if len(e.PrivateHash) != HashSize {
		return fmt.Errorf("ledger: export entry %d has a private hash of %d bytes", i, len(e.PrivateHash))
	}
	// The public part must be the canonical bytes, as the leaf commits to
	// them; a re-indented export would not rebuild the tree.
	var buf bytes.Buffer
	if err := json.Compact(&buf, e.Public); err != nil || !bytes.Equal(buf.Bytes(), e.Public) {
		return fmt.Errorf("ledger: export entry %d: the public part is not compact JSON", i)
	}
	c.r.Append(e.Entry().LeafHash())
	return c.reached()
}

// Finish returns the rebuilt tree's size and root, or an error if a head
// is signed for more entries than were added.
func (c *Checker) Finish() (uint64, []byte, error) {
	if len(c.heads) > 0 {
		return 0, nil, fmt.Errorf("ledger: a tree head of size %d is signed, but the export has only %d entries", c.heads[0].Size, c.r.Size())
	}
	return c.r.Size(), c.r.Root(), nil
}

// CheckExport checks an export held in memory as Checker does.
func CheckExport(x *Export) (uint64, []byte, error) {
	c, err := NewChecker(x)
	if err != nil {
		return 0, nil, err
	}
	for _, e := range x.Entries {
		if err := c.Add(e); err != nil {
			return 0, nil, err
		}
	}
	return c.Finish()
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

// Counter counts Figures from entries added one by one.
type Counter struct {
	counts map[figureKey]latestCount
	closed map[figureKey]bool
	out    map[int64]*Figures
}

type figureKey struct {
	election int64
	station  string
}

type latestCount struct {
	at   time.Time
	cast int64
}

// NewCounter returns an empty counter.
func NewCounter() *Counter {
	return &Counter{counts: map[figureKey]latestCount{}, closed: map[figureKey]bool{}, out: map[int64]*Figures{}}
}

func (c *Counter) fig(e int64) *Figures {
	f := c.out[e]
	if f == nil {
		f = &Figures{Election: e, ByCategory: map[string]int{}}
		c.out[e] = f
	}
	return f
}

// Add counts an entry; entries must come in log order (a count observed
// in the same minute as an earlier one wins, as the later arrival).
func (c *Counter) Add(e ExportEntry) error {
	switch e.Kind {
	case KindReport:
		var p ReportPublic
		if err := json.Unmarshal(e.Public, &p); err != nil {
			return fmt.Errorf("ledger: entry %d: %w", e.Index, err)
		}
		c.fig(p.Election).Reports++
		k := figureKey{p.Election, p.Station}
		if p.Form == string(report.Closing) {
			c.closed[k] = true
		}
		if p.Form != string(report.Turnout) && p.Form != string(report.Closing) {
			return nil
		}
		var n int64
		if json.Unmarshal(p.Answers[report.QBallotsCast], &n) != nil {
			return nil // not a whole number: not counted, as the store does
		}
		if l, ok := c.counts[k]; !ok || !p.ObservedAt.Before(l.at) {
			c.counts[k] = latestCount{p.ObservedAt, n}
		}
	case KindIncident:
		var p IncidentPublic
		if err := json.Unmarshal(e.Public, &p); err != nil {
			return fmt.Errorf("ledger: entry %d: %w", e.Index, err)
		}
		f := c.fig(p.Election)
		f.Incidents++
		f.ByCategory[p.Category]++
	}
	return nil
}

// Figures returns each election's figures, by election id.
func (c *Counter) Figures() map[int64]*Figures {
	out := make(map[int64]*Figures, len(c.out))
	for id, f := range c.out {
		g := *f
		out[id] = &g
	}
	for k, l := range c.counts {
		f := out[k.election]
		f.BallotsCast += l.cast
		f.StationsReporting++
	}
	for k := range c.closed {
		out[k.election].StationsClosed++
	}
	return out
}

// ComputeFigures counts each election's figures from the export's public
// parts, by election id.
//
// The public observation time is cut to the minute, so two counts of one
// station within the same minute are ordered by arrival; the server orders
// them by exact time. Such a pair, with the later count arriving first,
// is the one case where the figures can differ.
func ComputeFigures(entries []ExportEntry) (map[int64]*Figures, error) {
	c := NewCounter()
	for _, e := range entries {
		if err := c.Add(e); err != nil {
			return nil, err
		}
	}
	return c.Figures(), nil
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
