// Package report holds what observers send on election day: checklists
// and protocols filled from versioned form definitions, and incident
// reports with evidence; the rules that flag doubtful data; and the
// ingestion path that acknowledges a report only once it is durable.
package report

import (
	"context"
	"encoding/json"
	"time"
)

// FormCode names a form. The four report forms are a fixed contract
// (DESIGN.md); incidents have a form of their own for the channels.
type FormCode string

// The forms.
const (
	Opening  FormCode = "opening"
	Turnout  FormCode = "turnout"
	Closing  FormCode = "closing"
	Count    FormCode = "count"
	Incident FormCode = "incident"
)

// ReportForms are the forms a report may use.
var ReportForms = []FormCode{Opening, Turnout, Closing, Count}

// Channel is how a report arrived.
type Channel string

// Channels.
const (
	Web      Channel = "web"
	API      Channel = "api"
	SMS      Channel = "sms"
	Telegram Channel = "telegram"
	Phone    Channel = "phone" // entered by HQ staff on an observer's behalf
)

// Report is one filled form for one station.
type Report struct {
	ID          int64
	ClientID    string // UUID chosen by the sender: the same one again is a retry
	ElectionID  int64
	StationCode string
	Form        FormCode
	FormVersion int
	// ObserverID is who observed (0 if unknown, e.g. a phoned-in report
	// from someone without an accreditation record).
	ObserverID int64
	// EnteredBy is the staff user who typed it in on someone's behalf (0
	// when the observer sent it).
	EnteredBy  int64
	Channel    Channel
	ObservedAt time.Time
	ReceivedAt time.Time
	// Answers are the form's answers by question id, as JSON values.
	Answers map[string]json.RawMessage
	// Flags are what the rules found doubtful; the report is kept.
	Flags   []Flag
	Receipt string
}

// Flag marks a doubt about a report or incident: kept and shown, never a
// reason to drop data.
type Flag struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Flag codes.
const (
	FlagOutsideHours         = "outside_hours"
	FlagAboveRegistered      = "above_registered"
	FlagTurnoutDecreasing    = "turnout_decreasing"
	FlagArithmetic           = "arithmetic"
	FlagMissingAnswer        = "missing_answer"
	FlagConflictingObservers = "conflicting_observers"
)

// Severity of an incident.
type Severity string

// Severities, from least to most urgent.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists the severities in order.
var Severities = []Severity{Low, Medium, High, Critical}

// IncidentStatus is where an incident stands in its regional HQ's queue.
type IncidentStatus string

// The first status of every incident; triage adds the others.
const StatusNew IncidentStatus = "new"

// RegionAbroad is the queue of incidents at stations abroad.
const RegionAbroad = "abroad"

// IncidentReport is a violation or problem seen at a station.
type IncidentReport struct {
	ID          int64
	ClientID    string
	ElectionID  int64
	StationCode string
	// Region routes the incident to its HQ: the station's region code, or
	// RegionAbroad.
	Region      string
	Category    string // a code of the taxonomy
	Severity    Severity
	Description string
	ObserverID  int64
	EnteredBy   int64
	Channel     Channel
	ObservedAt  time.Time
	ReceivedAt  time.Time
	Status      IncidentStatus
	Flags       []Flag
	Receipt     string
}

// Evidence is a photo, video or document attached to an incident, stored
// with the SHA-256 of the bytes kept (after metadata was stripped) and of
// the bytes received.
type Evidence struct {
	ID           int64
	IncidentID   int64
	ContentType  string
	Size         int64
	SHA256       string // hex, of the stored bytes
	OriginalHash string // hex, of the bytes as received
	CreatedAt    time.Time
}

// Ack is what the sender is told once a report is durable.
type Ack struct {
	ID      int64
	Receipt string
	// Duplicate is true when the client id was seen before: the report
	// was not stored again and ID is the first one's.
	Duplicate bool
	Flags     []Flag
}

// Store keeps reports and incidents.
type Store interface {
	// SaveReports stores a batch of reports in one transaction, skipping
	// those whose client id exists (their Ack says Duplicate and carries
	// the stored id and receipt). Acks are in the order of the batch.
	SaveReports(ctx context.Context, batch []Report) ([]Ack, error)
	// SaveIncidents does the same for incidents.
	SaveIncidents(ctx context.Context, batch []IncidentReport) ([]Ack, error)
	Report(ctx context.Context, id int64) (Report, error)
	// StationReports lists a station's reports, oldest observation first.
	StationReports(ctx context.Context, electionID int64, station string) ([]Report, error)
	// StationCounts lists the counts of a station's turnout and closing
	// reports, oldest first: what the rules across reports need, read
	// cheaply.
	StationCounts(ctx context.Context, electionID int64, station string) ([]StationCount, error)
	Incident(ctx context.Context, id int64) (IncidentReport, error)
	// Incidents lists incidents by region queue and status, newest first.
	Incidents(ctx context.Context, q IncidentQuery) ([]IncidentReport, int, error)
	AddEvidence(ctx context.Context, e *Evidence, data []byte) error
	EvidenceList(ctx context.Context, incidentID int64) ([]Evidence, error)
	EvidenceData(ctx context.Context, id int64) (Evidence, []byte, error)
}

// IncidentQuery filters incidents. Empty fields do not filter.
type IncidentQuery struct {
	ElectionID int64
	Region     string // region code or RegionAbroad
	Status     IncidentStatus
	Station    string
	Limit      int
	Offset     int
}
