package ledger

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/report"
)

// BenchmarkReportLeaf measures what the log adds per report in the batch
// that commits it, before the database: the entry's encoding, the salted
// private hash, the leaf hash and the append to the compact range.
func BenchmarkReportLeaf(b *testing.B) {
	r := report.Report{ID: 1, ClientID: "6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5a", ElectionID: 1, StationCode: "S0001", Form: report.Turnout,
		FormVersion: 1, ObserverID: 7, Channel: "web", ObservedAt: time.Now(), ReceivedAt: time.Now(),
		Answers: map[string]json.RawMessage{report.QBallotsCast: json.RawMessage("1234"), "checkpoint": json.RawMessage(`"12:00"`)}}
	rng, _ := NewRange(0, nil)
	salts := NewSalts(b.N)
	b.ResetTimer()
	for i := range b.N {
		r.ID = int64(i)
		e, err := ReportEntry(r, salts[i])
		if err != nil {
			b.Fatal(err)
		}
		rng.Append(e.LeafHash())
	}
}
