package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/baqylau/baqylau"
)

// A receipt lets an observer prove later what was accepted: it is the hex
// SHA-256 of a canonical encoding of what the observer sent, computed
// before the report is stored and kept with it. Anyone holding the report
// can compute it again; a later issue chains receipts into a Merkle log.
//
// The encoding (version 1) is a sequence of netstrings, each field written
// as its length in bytes in decimal, a colon, the bytes and a comma
// ("5:hello,"), so that no two different reports encode the same way:
//
//	"baqylau-receipt-v1"
//	client id
//	election id, decimal
//	station code
//	form code ("incident" for incidents)
//	observed at, UTC to the microsecond: 2006-01-02T15:04:05.000000Z
//	answers, canonical JSON (CanonicalAnswers)
//
// An incident's answers are the JSON object of its "category",
// "description" and "severity", in that order, written as CanonicalAnswers
// writes JSON.

// MaxClientID bounds a client id (a UUID is 36 bytes); the store refuses
// longer ones.
const MaxClientID = 100

// receiptTime is how the observation time is written in a receipt.
const receiptTime = "2006-01-02T15:04:05.000000Z"

// ReceiptTime returns t as the store keeps it and receipts encode it: in
// UTC, to the microsecond.
func ReceiptTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// CanonicalAnswers returns the canonical JSON of answers: an object with
// keys in byte order, values compacted, no HTML escaping, "{}" when
// empty. The store keeps these very bytes. EINVALID if a value is not
// JSON.
func CanonicalAnswers(answers map[string]json.RawMessage) ([]byte, error) {
	if len(answers) == 0 {
		return []byte("{}"), nil
	}
	for k, v := range answers {
		if !json.Valid(v) {
			return nil, baqylau.Errorf(baqylau.EINVALID, "answer %q is not valid JSON", k)
		}
	}
	if b, ok := AppendCanonicalObject(make([]byte, 0, 16*len(answers)), answers); ok {
		return b, nil
	}
	// A map's keys come out sorted; RawMessage values come out compacted.
	b, err := canonicalJSON(answers)
	if err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "answers: %v", err)
	}
	return b, nil
}

// canonicalJSON marshals v without HTML escaping and without the newline
// an Encoder adds.
func canonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Receipt returns the receipt of the fields it covers (see the encoding
// above); answers must be canonical JSON.
func Receipt(clientID string, electionID int64, station string, form FormCode, observedAt time.Time, answers []byte) string {
	h := sha256.New()
	var scratch [64]byte
	field := func(b []byte) {
		// Writes to a hash never fail.
		n := append(strconv.AppendInt(scratch[:0], int64(len(b)), 10), ':')
		_, _ = h.Write(n)
		_, _ = h.Write(b)
		_, _ = h.Write([]byte{','})
	}
	field([]byte("baqylau-receipt-v1"))
	field([]byte(clientID))
	var num [20]byte
	field(strconv.AppendInt(num[:0], electionID, 10))
	field([]byte(station))
	field([]byte(form))
	var at [32]byte
	field(AppendReceiptTime(at[:0], observedAt))
	field(answers)
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// ReportReceipt returns r's receipt and the canonical JSON of its answers,
// which the receipt covers.
func ReportReceipt(r Report) (receipt string, answers []byte, err error) {
	answers, err = CanonicalAnswers(r.Answers)
	if err != nil {
		return "", nil, err
	}
	return Receipt(r.ClientID, r.ElectionID, r.StationCode, r.Form, r.ObservedAt, answers), answers, nil
}

// IncidentReceipt returns i's receipt.
func IncidentReceipt(i IncidentReport) string {
	answers, err := canonicalJSON(struct {
		Category    string   `json:"category"`
		Description string   `json:"description"`
		Severity    Severity `json:"severity"`
	}{i.Category, i.Description, i.Severity})
	if err != nil {
		// Strings always marshal; invalid UTF-8 becomes U+FFFD.
		panic(fmt.Sprintf("report: incident receipt: %v", err))
	}
	return Receipt(i.ClientID, i.ElectionID, i.StationCode, Incident, i.ObservedAt, answers)
}
