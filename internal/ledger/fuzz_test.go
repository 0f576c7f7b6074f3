package ledger

import (
	"strings"
	"testing"
)

// FuzzScanExport feeds the export reader (what `baqylau verify figures`
// reads from anyone) arbitrary input: it must answer with an error, never
// panic, and whatever it accepts must go through the checker and counter.
func FuzzScanExport(f *testing.F) {
	f.Add(`{"format":"baqylau-ledger-export-v1","public_keys":[],"tree_heads":[],"entries":[]}`)
	f.Add(`{"format":"baqylau-ledger-export-v1","public_keys":[],"tree_heads":[{"tree_size":1,"root_hash":"00","key_id":"x","signature":"00"}],"entries":[{"index":0,"kind":"report","ref":1,"public":{"election":1,"form":"turnout","answers":{"ballots_cast":5}},"private_hash":"00"}]}`)
	f.Add(`{"format":"baqylau-ledger-export-v1","entries":[{"index":0,"kind":"incident","public":{"election":"x"}}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		x, err := ReadExport(strings.NewReader(doc))
		if err != nil {
			return
		}
		_, _, _ = CheckExport(x)
		_, _ = ComputeFigures(x.Entries)
	})
}
