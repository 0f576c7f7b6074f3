package report

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestAppendReceiptTime compares the fast writer with time.AppendFormat
// over random instants in many zones, and the years it hands back to
// AppendFormat.
func TestAppendReceiptTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	zones := []*time.Location{time.UTC, time.FixedZone("+06", 6*3600), time.FixedZone("-0930", -(9*3600 + 1800)), time.Local}
	if la, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		zones = append(zones, la)
	}
	check := func(tm time.Time) {
		t.Helper()
		want := ReceiptTime(tm).AppendFormat([]byte("x"), receiptTime)
		if got := AppendReceiptTime([]byte("x"), tm); string(got) != string(want) {
			t.Fatalf("AppendReceiptTime(%v) = %q, want %q", tm, got, want)
		}
	}
	for range 20000 {
		sec := rng.Int64N(253402300800) // 0001-01-01 … 9999-12-31
		check(time.Unix(sec-62135596800, rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))]))
	}
	for _, tm := range []time.Time{
		{}, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 15, 23, 59, 59, 999999999, time.FixedZone("-01", -3600)), // the next day in UTC
		time.Date(2026, 3, 15, 8, 0, 0, 999, time.UTC),                              // below a microsecond
	} {
		check(tm)
	}
}

// TestReceiptEncoding pins version 1 of the receipt to its documented
// encoding (netstrings, see the package comment), written out here by
// hand: observers hold receipts, and a change of encoding would break
// every one of them.
func TestReceiptEncoding(t *testing.T) {
	at := time.Date(2026, 3, 15, 14, 5, 9, 123456789, time.FixedZone("+06", 6*3600))
	answers := []byte(`{"ballots_cast":120,"checkpoint":"12:00"}`)
	got := Receipt("0190f5c2-7b1e-7cc3-8f00-aa00bb11cc22", 7, "S0042", Turnout, at, answers)
	enc := "18:baqylau-receipt-v1," + "36:0190f5c2-7b1e-7cc3-8f00-aa00bb11cc22," + "1:7," + "5:S0042," + "7:turnout," +
		"27:2026-03-15T08:05:09.123456Z," + strconv.Itoa(len(answers)) + ":" + string(answers) + ","
	sum := sha256.Sum256([]byte(enc))
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("receipt = %s, want %s (SHA-256 of %q)", got, want, enc)
	}
}
