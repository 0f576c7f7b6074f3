package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/report"
)

// TestAckAsEncodingJSON checks the acks written without encoding/json
// against writeJSON's: same status, headers and bytes, for plain acks and
// for those that take encoding/json (flags, a receipt that is not hex).
func TestAckAsEncodingJSON(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	hex := strings.Repeat("0123456789abcdef", 4)
	for _, ack := range []reportAck{
		{Flags: []report.Flag{}, ID: 1, Receipt: hex},
		{Flags: []report.Flag{}, ID: 9_007_199_254_740_993, Receipt: hex},
		{Flags: []report.Flag{}, ID: 0, Receipt: ""},
		{Flags: []report.Flag{}, ID: 7, Receipt: "ABC"},
		{Flags: []report.Flag{}, ID: 7, Receipt: `a"<b>\u2028`},
		{Flags: []report.Flag{{Code: report.FlagOutsideHours, Message: "observed at 21:05, outside 08:00–20:00 <&>"}}, ID: 3, Receipt: hex},
	} {
		for _, status := range []int{201, 200} {
			fast, slow := httptest.NewRecorder(), httptest.NewRecorder()
			s.writeAck(fast, status, ack)
			s.writeJSON(slow, status, ack)
			if fast.Code != slow.Code || fast.Body.String() != slow.Body.String() ||
				fast.Header().Get("Content-Type") != slow.Header().Get("Content-Type") {
				t.Errorf("ack %+v, status %d: wrote %d %q %q; encoding/json writes %d %q %q", ack, status,
					fast.Code, fast.Header().Get("Content-Type"), fast.Body, slow.Code, slow.Header().Get("Content-Type"), slow.Body)
			}
		}
	}
}
