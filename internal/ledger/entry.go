package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// What each kind of entry makes public follows what open data already
// publishes (publish.Anonymise): no observer, no client id, no free text,
// times cut to the minute. Everything else the row holds goes into the
// private part, so that a change to any stored field changes the leaf.

// ReportPublic is the public part of a report's entry.
type ReportPublic struct {
	Election    int64                      `json:"election"`
	Station     string                     `json:"station"`
	Form        string                     `json:"form"`
	FormVersion int                        `json:"form_version"`
	ObservedAt  time.Time                  `json:"observed_at"`
	Answers     map[string]json.RawMessage `json:"answers"`
	// Receipt is the report's receipt (report.Receipt): the observer
	// finds their entry by it. It is a hash over the random client id,
	// so it tells nothing about the report by itself.
	Receipt string `json:"receipt"`
}

// IncidentPublic is the public part of an incident's entry.
type IncidentPublic struct {
	Election   int64     `json:"election"`
	Station    string    `json:"station"`
	Region     string    `json:"region"`
	Category   string    `json:"category"`
	Severity   string    `json:"severity"`
	ObservedAt time.Time `json:"observed_at"`
	Receipt    string    `json:"receipt"`
}

// DecisionPublic is the public part of a triage decision's entry.
type DecisionPublic struct {
	Incident    int64     `json:"incident"`
	Action      string    `json:"action"`
	DuplicateOf int64     `json:"duplicate_of,omitempty"`
	DecidedAt   time.Time `json:"decided_at"`
}

// StatementPublic is a statement's entry: the SHA-256 of its content.
// The content itself is not in the log: a mission's statement is stored
// before its release time (docs/missions.md) and must not leak through
// the export; once it is published anyone can hash it and compare
// (StatementContentHash). Its publication time is not in the leaf
// either: announcing the results moves a waiting statement's time.
type StatementPublic struct {
	Content string `json:"content_sha256"`
}

// canonical marshals v as compact JSON without HTML escaping, keys of
// maps sorted: the same value always gives the same bytes.
func canonical(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only the types of this file are encoded; they always marshal.
		panic(fmt.Sprintf("ledger: encode %T: %v", v, err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func minute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

func exact(t time.Time) string {
	var b [32]byte
	return string(report.AppendReceiptTime(b[:0], t))
}

func flags(f []report.Flag) []report.Flag {
	if f == nil {
		return []report.Flag{}
	}
	return f
}

// entry makes an entry from its parts.
func entry(kind Kind, ref int64, public, private, salt []byte) Entry {
	return Entry{Kind: kind, Ref: ref, Public: public, PrivateHash: PrivateHash(salt, private)}
}

// reportPrivate is the private part of a report's entry.
type reportPrivate struct {
	ClientID   string          `json:"client_id"`
	Observer   int64           `json:"observer"`
	EnteredBy  int64           `json:"entered_by"`
	Channel    string          `json:"channel"`
	ObservedAt string          `json:"observed_at"`
	ReceivedAt string          `json:"received_at"`
	Answers    json.RawMessage `json:"answers"`
	Flags      []report.Flag   `json:"flags"`
}

// ReportEntry returns the entry of a stored report (r.ID set, times and
// answers as the store keeps them) with the private part hashed with salt.
func ReportEntry(r report.Report, salt []byte) (Entry, error) {
	answers, err := report.CanonicalAnswers(r.Answers)
	if err != nil {
		return Entry{}, fmt.Errorf("ledger: report %d: %w", r.ID, err)
	}
	return ReportEntryOf(r, answers, salt), nil
}

// ReportEntryOf is ReportEntry for a report whose canonical answers
// (report.CanonicalAnswers) the caller has already, as the store has
// when it saves a batch.
func ReportEntryOf(r report.Report, answers []byte, salt []byte) Entry {
	public, ok := reportPublicJSON(r)
	if !ok {
		pubAnswers := make(map[string]json.RawMessage, len(r.Answers))
		for id, v := range r.Answers {
			if publicAnswer(r.Form, id) {
				pubAnswers[id] = v
			}
		}
		public = canonical(ReportPublic{Election: r.ElectionID, Station: r.StationCode, Form: string(r.Form),
			FormVersion: r.FormVersion, ObservedAt: minute(r.ObservedAt), Answers: pubAnswers, Receipt: r.Receipt})
	}
	// The private part is written after the salt, in the buffer its hash
	// is taken of.
	salted, ok := appendReportPrivateJSON(append(make([]byte, 0, len(salt)+256+len(answers)), salt...), r, answers)
	if ok {
		sum := sha256.Sum256(salted)
		return Entry{Kind: KindReport, Ref: r.ID, Public: public, PrivateHash: sum[:]}
	}
	private := canonical(reportPrivate{r.ClientID, r.ObserverID, r.EnteredBy, string(r.Channel), exact(r.ObservedAt), exact(r.ReceivedAt), answers, flags(r.Flags)})
	return entry(KindReport, r.ID, public, private, salt)
}

// reportPublicJSON writes what canonical writes of a report's public part
// without reflection (reports are logged by the thousand a second); false
// if a string needs escaping or a time is out of JSON's range, for
// canonical to write instead. entry_test.go compares the two.
func reportPublicJSON(r report.Report) ([]byte, bool) {
	size := 160 + len(r.StationCode) + len(r.Receipt) // the fixed part of an everyday report
	for k, v := range r.Answers {
		size += len(k) + len(v) + 4
	}
	b := make([]byte, 0, size)
	b = append(b, `{"election":`...)
	b = strconv.AppendInt(b, r.ElectionID, 10)
	b = append(b, `,"station":`...)
	b, ok1 := report.AppendPlainString(b, r.StationCode)
	b = append(b, `,"form":`...)
	b, ok2 := report.AppendPlainString(b, string(r.Form))
	b = append(b, `,"form_version":`...)
	b = strconv.AppendInt(b, int64(r.FormVersion), 10)
	b = append(b, `,"observed_at":`...)
	b, ok3 := appendJSONTime(b, minute(r.ObservedAt))
	b = append(b, `,"answers":`...)
	b, ok4 := report.AppendCanonicalSubset(b, r.Answers, func(id string) bool { return publicAnswer(r.Form, id) })
	b = append(b, `,"receipt":`...)
	b, ok5 := report.AppendPlainString(b, r.Receipt)
	return append(b, '}'), ok1 && ok2 && ok3 && ok4 && ok5
}

// appendReportPrivateJSON is reportPublicJSON for the private part,
// appended to b; answers are the report's canonical answers.
func appendReportPrivateJSON(b []byte, r report.Report, answers []byte) ([]byte, bool) {
	b = append(b, `{"client_id":`...)
	b, ok := report.AppendPlainString(b, r.ClientID)
	all := ok
	b = append(b, `,"observer":`...)
	b = strconv.AppendInt(b, r.ObserverID, 10)
	b = append(b, `,"entered_by":`...)
	b = strconv.AppendInt(b, r.EnteredBy, 10)
	b = append(b, `,"channel":`...)
	b, ok = report.AppendPlainString(b, string(r.Channel))
	all = all && ok
	b = append(b, `,"observed_at":"`...)
	b = report.AppendReceiptTime(b, r.ObservedAt)
	b = append(b, `","received_at":"`...)
	b = report.AppendReceiptTime(b, r.ReceivedAt)
	b = append(b, `","answers":`...)
	b = report.AppendCompact(b, answers)
	b = append(b, `,"flags":[`...)
	for i, f := range r.Flags {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b, ok = report.AppendPlainString(b, f.Code)
		all = all && ok
		b = append(b, `,"message":`...)
		b, ok = report.AppendPlainString(b, f.Message)
		all = all && ok
		b = append(b, '}')
	}
	return append(b, "]}"...), all
}

// appendJSONTime writes t as time.Time's MarshalJSON does, or reports
// false for a year MarshalJSON refuses.
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// IncidentEntry returns the entry of a stored incident. Its status is
// left out: triage changes it, and each decision has its own entry.
func IncidentEntry(in report.IncidentReport, salt []byte) Entry {
	public := canonical(IncidentPublic{Election: in.ElectionID, Station: in.StationCode, Region: in.Region,
		Category: in.Category, Severity: string(in.Severity), ObservedAt: minute(in.ObservedAt), Receipt: in.Receipt})
	private := canonical(struct {
		ClientID    string        `json:"client_id"`
		Description string        `json:"description"`
		Observer    int64         `json:"observer"`
		EnteredBy   int64         `json:"entered_by"`
		Channel     string        `json:"channel"`
		ObservedAt  string        `json:"observed_at"`
		ReceivedAt  string        `json:"received_at"`
		Flags       []report.Flag `json:"flags"`
	}{in.ClientID, in.Description, in.ObserverID, in.EnteredBy, string(in.Channel), exact(in.ObservedAt), exact(in.ReceivedAt), flags(in.Flags)})
	return entry(KindIncident, in.ID, public, private, salt)
}

// DecisionEntry returns the entry of a stored triage decision; the note,
// the message to the observer and who decided stay private.
func DecisionEntry(d triage.Decision, salt []byte) Entry {
	public := canonical(DecisionPublic{Incident: d.IncidentID, Action: string(d.Action), DuplicateOf: d.DuplicateOf, DecidedAt: minute(d.At)})
	private := canonical(struct {
		Note      string `json:"note"`
		Message   string `json:"message"`
		By        int64  `json:"by"`
		DecidedAt string `json:"decided_at"`
	}{d.Note, d.Message, d.By, exact(d.At)})
	return entry(KindDecision, d.ID, public, private, salt)
}

// publicKeys caches publicAnswer by form and question.
var publicKeys sync.Map

// publicAnswer says whether open data publishes the answer to question id
// of form, as publish.Anonymise decides; remembered, since Anonymise reads
// the form's whole definition and this runs for every report ingested.
func publicAnswer(form report.FormCode, id string) bool {
	type key struct {
		form report.FormCode
		id   string
	}
	k := key{form, id}
	if v, ok := publicKeys.Load(k); ok {
		return v.(bool)
	}
	r := publish.Anonymise(publish.PublicReport{Form: string(form), Answers: map[string]json.RawMessage{id: json.RawMessage("0")}})
	_, ok := r.Answers[id]
	// Question ids come from senders: bound what is remembered.
	if publicKeysN.Add(1) <= maxPublicKeys {
		publicKeys.Store(k, ok)
	}
	return ok
}

var publicKeysN atomic.Int64

const maxPublicKeys = 10_000

// StatementContentHash is the hex SHA-256 of the canonical JSON of a
// statement's titles and bodies, {"body":{"en","kk","ru"},"title":{...}}.
func StatementContentHash(s publish.Statement) string {
	text := func(t publish.Text) map[string]string { return map[string]string{"kk": t.KK, "ru": t.RU, "en": t.EN} }
	sum := sha256.Sum256(canonical(map[string]map[string]string{"title": text(s.Title), "body": text(s.Body)}))
	return hex.EncodeToString(sum[:])
}

// StatementEntry returns the entry of a stored statement; it has no
// private part (its hash is that of the salt alone).
func StatementEntry(s publish.Statement, salt []byte) Entry {
	return entry(KindStatement, s.ID, canonical(StatementPublic{Content: StatementContentHash(s)}), nil, salt)
}
