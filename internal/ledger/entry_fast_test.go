package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/report"
)

var pieces = []string{"A-001", "turnout", "web", "Нұр", "<b>", "&", "\"", "\\", "\n", "\x00", "\x7f", "\u2028", "\xff", "😀", " ", "0b6f1c1e-8f0e"}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(3) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestReportEntryFastPath: a report's public and private parts written
// without reflection are byte for byte what canonical (encoding/json)
// writes, on random and hostile reports: the leaves of reports logged
// before the fast path must still verify.
func TestReportEntryFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("+06", 6*3600), time.FixedZone("-0930", -(9*3600 + 1800))}
	fast := 0
	for i := range 20000 {
		at := time.Date(1+r.IntN(12000), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9), zones[r.IntN(len(zones))])
		rep := report.Report{ID: r.Int64N(1e9), ClientID: randomText(r), ElectionID: r.Int64N(100), StationCode: randomText(r),
			Form: report.FormCode(randomText(r)), FormVersion: r.IntN(5), ObserverID: r.Int64N(1000), EnteredBy: r.Int64N(10),
			Channel: report.Channel(randomText(r)), ObservedAt: at, ReceivedAt: at.Add(time.Duration(r.IntN(1e6)) * time.Second),
			Receipt: randomText(r), Answers: map[string]json.RawMessage{}}
		for range r.IntN(4) {
			v, _ := json.Marshal(randomText(r))
			if r.IntN(2) == 0 {
				v = json.RawMessage(" [ 1, 2 ] ")
			}
			rep.Answers[randomText(r)] = v
		}
		for range r.IntN(3) {
			rep.Flags = append(rep.Flags, report.Flag{Code: randomText(r), Message: randomText(r)})
		}
		answers, err := report.CanonicalAnswers(rep.Answers)
		if err != nil {
			t.Fatal(err)
		}
		if r.IntN(2) == 0 { // a real form, whose private answers the public part leaves out
			rep.Form = []report.FormCode{report.Turnout, report.Opening, report.Closing, report.Count}[r.IntN(4)]
			rep.Answers["ballots_cast"] = json.RawMessage("812")
			rep.Answers["comment"] = json.RawMessage(`"the chair's phone is 777"`)
		}
		pubAnswers := map[string]json.RawMessage{}
		for id, v := range rep.Answers {
			if publicAnswer(rep.Form, id) {
				pubAnswers[id] = v
			}
		}
		pub, okPub := reportPublicJSON(rep)
		if okPub {
			want := canonical(ReportPublic{Election: rep.ElectionID, Station: rep.StationCode, Form: string(rep.Form),
				FormVersion: rep.FormVersion, ObservedAt: minute(rep.ObservedAt), Answers: pubAnswers, Receipt: rep.Receipt})
			if string(pub) != string(want) {
				t.Fatalf("case %d: public part\n%s\nencoding/json writes\n%s", i, pub, want)
			}
		}
		priv, okPriv := reportPrivateJSON(rep, answers)
		if okPriv {
			want := canonical(reportPrivate{rep.ClientID, rep.ObserverID, rep.EnteredBy, string(rep.Channel), exact(rep.ObservedAt),
				exact(rep.ReceivedAt), answers, flags(rep.Flags)})
			if string(priv) != string(want) {
				t.Fatalf("case %d: private part\n%s\nencoding/json writes\n%s", i, priv, want)
			}
		}
		if okPub && okPriv {
			fast++
		}
		if !okPub {
			continue // a time outside JSON's years, which no stored report has
		}
		// The entry hashes the private part as encoding/json writes it.
		salt := NewSalt()
		want := canonical(reportPrivate{rep.ClientID, rep.ObserverID, rep.EnteredBy, string(rep.Channel), exact(rep.ObservedAt),
			exact(rep.ReceivedAt), answers, flags(rep.Flags)})
		if e := ReportEntryOf(rep, answers, salt); !bytes.Equal(e.PrivateHash, PrivateHash(salt, want)) {
			t.Fatalf("case %d: private hash %x, want %x of %s", i, e.PrivateHash, PrivateHash(salt, want), want)
		}
	}
	if fast < 500 {
		t.Errorf("only %d of 20000 reports took the fast path", fast)
	}
	// An everyday report takes it.
	rep := report.Report{ID: 7, ClientID: "0b6f1c1e-8f0e-4a5e-9d7a-2f7b0c3e4d5a", ElectionID: 1, StationCode: "KZ-75-001", Form: report.Turnout,
		Channel: report.Web, ObservedAt: time.Now(), ReceivedAt: time.Now(), Receipt: strings.Repeat("ab", 32),
		Answers: map[string]json.RawMessage{"checkpoint": json.RawMessage(`"12:00"`), "ballots_cast": json.RawMessage(`812`)},
		Flags:   []report.Flag{{Code: report.FlagOutsideHours, Message: "observed at 2023-03-19 21:05, outside 08:00–20:00"}}}
	answers, _ := report.CanonicalAnswers(rep.Answers)
	if _, ok := reportPublicJSON(rep); !ok {
		t.Error("an everyday report's public part left the fast path")
	}
	if _, ok := reportPrivateJSON(rep, answers); !ok {
		t.Error("an everyday report's private part left the fast path")
	}
}

// TestOneBufferHashes checks the hashes made in one buffer against the
// RFC 6962 hasher and crypto/sha256 fed piece by piece: a leaf's hash,
// an interior node's and a private part's.
func TestOneBufferHashes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var scratch []byte
	for i := range 2000 {
		e := Entry{Kind: KindReport, Ref: r.Int64N(1 << 40), Public: []byte(randomText(r) + strings.Repeat("x", i%300)),
			PrivateHash: randomBytes(r, HashSize)}
		if got, want := e.LeafHash(), HashLeaf(e.LeafData()); !bytes.Equal(got, want) {
			t.Fatalf("leaf hash of %+v = %x, want %x", e, got, want)
		}
		// A batch's leaves share one scratch buffer: an earlier, longer
		// leaf left in it must not change the next one's hash.
		var got []byte
		got, scratch = e.LeafHashWith(scratch)
		if want := HashLeaf(e.LeafData()); !bytes.Equal(got, want) {
			t.Fatalf("leaf hash in shared scratch of %+v = %x, want %x", e, got, want)
		}
		l, rt := randomBytes(r, HashSize), randomBytes(r, HashSize)
		if got, want := hashChildren(l, rt), HashChildren(l, rt); !bytes.Equal(got, want) {
			t.Fatalf("node hash = %x, want %x", got, want)
		}
		salt, private := randomBytes(r, SaltSize), []byte(randomText(r))
		h := sha256.New()
		h.Write(salt)
		h.Write(private)
		if got := PrivateHash(salt, private); !bytes.Equal(got, h.Sum(nil)) {
			t.Fatalf("private hash = %x, want %x", got, h.Sum(nil))
		}
	}
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// reportPrivateJSON is appendReportPrivateJSON into a new buffer.
func reportPrivateJSON(r report.Report, answers []byte) ([]byte, bool) {
	return appendReportPrivateJSON(nil, r, answers)
}
