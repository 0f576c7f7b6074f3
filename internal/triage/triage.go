// Package triage is the work of the regional headquarters on election day:
// incident queues scoped to a region (or to the stations abroad), claims
// and decisions with optimistic concurrency, complaints to the election
// commissions, deadlines for a first response, an append-only audit trail,
// and the live events that keep every HQ page current across nodes.
//
// An incident moves through these statuses:
//
//	new ──claim──▶ claimed ──decide──▶ decided   (advise_observer, call_chair, file_complaint)
//	 │                │      └──────▶ escalated (escalate: the national HQ takes it on)
//	 └──decide────────┘      └──────▶ closed    (not_a_violation, duplicate_of)
//
// A decision may be taken on a new incident directly (it claims it on the
// way). A further decision on an incident that is already decided,
// escalated or closed must name the version the decider saw, so that two
// staff deciding at once never silently overwrite each other: the one
// whose version is stale is told what happened instead (ECONFLICT).
//
// Advice to an observer (AdviseObserver) is not sent from here: it is
// recorded in an outbox (ObserverMessage, table observer_messages) with
// the channel the observer used for the incident. The channels
// (internal/channel) deliver pending messages over SMS or Telegram and
// mark them delivered; the observer's pages and GET /api/v1/incidents/{id}
// show the outcome and the advice.
//
// New incidents reach the queues through Notifying, a decorator of the
// ingester: every path that submits an incident (web, API, SMS, Telegram,
// phoned in) goes through report.Submitter and so through it, and an
// incident is published only once it is acknowledged as durable.
package triage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/baqylau/baqylau/internal/report"
)

// Statuses an incident takes in triage, after report.StatusNew.
const (
	StatusNew       report.IncidentStatus = report.StatusNew
	StatusClaimed   report.IncidentStatus = "claimed"
	StatusDecided   report.IncidentStatus = "decided"
	StatusEscalated report.IncidentStatus = "escalated"
	StatusClosed    report.IncidentStatus = "closed"
)

// Statuses lists every status in the order of the workflow.
var Statuses = []report.IncidentStatus{StatusNew, StatusClaimed, StatusDecided, StatusEscalated, StatusClosed}

// Action is what HQ decides to do about an incident.
type Action string

// Actions.
const (
	AdviseObserver Action = "advise_observer" // a message back to the observer
	CallChair      Action = "call_chair"      // phone the station's chair
	FileComplaint  Action = "file_complaint"  // a complaint to the commission
	Escalate       Action = "escalate"        // to the national HQ
	NotAViolation  Action = "not_a_violation"
	DuplicateOf    Action = "duplicate_of" // merged into another incident of the region
)

// Actions lists every action.
var Actions = []Action{AdviseObserver, CallChair, FileComplaint, Escalate, NotAViolation, DuplicateOf}

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	for _, x := range Actions {
		if a == x {
			return true
		}
	}
	return false
}

// Case is an incident with its triage state.
type Case struct {
	report.IncidentReport
	// Version grows by one with every change; a change names the version
	// it was made from (optimistic concurrency).
	Version   int
	ClaimedBy int64 // user id, 0 if unclaimed
	ClaimedAt time.Time
	// FirstResponseAt is when HQ first claimed or decided (zero: not yet).
	FirstResponseAt time.Time
	// Escalated marks an incident the national HQ has taken on; its
	// region stays.
	Escalated   bool
	DuplicateOf int64
	// ChangedAt is the time of the last change (zero: never changed).
	ChangedAt time.Time
}

// State is what the audit trail records of a case before and after a
// change: the fields triage changes.
type State struct {
	Status          report.IncidentStatus `json:"status"`
	Version         int                   `json:"version"`
	ClaimedBy       int64                 `json:"claimed_by,omitempty"`
	ClaimedAt       *time.Time            `json:"claimed_at,omitempty"`
	FirstResponseAt *time.Time            `json:"first_response_at,omitempty"`
	Escalated       bool                  `json:"escalated,omitempty"`
	DuplicateOf     int64                 `json:"duplicate_of,omitempty"`
}

// State returns the triage fields of c.
func (c Case) State() State {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	return State{Status: c.Status, Version: c.Version, ClaimedBy: c.ClaimedBy, ClaimedAt: opt(c.ClaimedAt),
		FirstResponseAt: opt(c.FirstResponseAt), Escalated: c.Escalated, DuplicateOf: c.DuplicateOf}
}

// Decision is one decision on an incident.
type Decision struct {
	ID         int64
	IncidentID int64
	Action     Action
	Note       string
	// Message is the advice sent back to the observer (AdviseObserver).
	Message string
	// DuplicateOf is the incident this one is merged into (DuplicateOf).
	DuplicateOf int64
	By          int64 // user id
	At          time.Time
}

// ObserverMessage is a message from HQ to the observer who reported an
// incident, waiting in an outbox for the channel they used (web, SMS,
// Telegram) to deliver it. Triage only records it; internal/channel
// delivers it and sets DeliveredAt.
type ObserverMessage struct {
	ID          int64
	IncidentID  int64
	ObserverID  int64
	Channel     report.Channel
	Body        string
	CreatedBy   int64
	CreatedAt   time.Time
	DeliveredAt time.Time // zero until delivered
}

// AuditEntry is one change to an incident: who, what, when, and the state
// before and after as JSON. Entries are never changed or deleted.
type AuditEntry struct {
	ID         int64
	IncidentID int64
	UserID     int64
	Action     string // "claim", "decide:escalate", "complaint:create", …
	Before     json.RawMessage
	After      json.RawMessage
	At         time.Time
}

// Change is one change to a case, applied by Store.Apply only if the
// incident is still at Before.Version.
type Change struct {
	Before, After Case
	By            int64 // user id
	Action        string
	// Decision, when set, is recorded with the change (its ID is set).
	Decision *Decision
	// Message, when set, goes to the observer's outbox (its ID is set).
	Message *ObserverMessage
}

// Query filters the queue. Empty fields do not filter.
type Query struct {
	ElectionID int64
	Region     string // region code or report.RegionAbroad
	Status     report.IncidentStatus
	Severity   report.Severity
	Station    string
	// Escalated, when set, keeps only escalated incidents (true) or only
	// the others (false): the national queue is Escalated = true.
	Escalated *bool
	// Open keeps only incidents not yet decided or closed.
	Open   bool
	Limit  int
	Offset int
}

// Store keeps the triage state of incidents, decisions, the observers'
// outbox, complaints and the audit trail.
type Store interface {
	// Case returns one incident with its triage state (ENOTFOUND).
	Case(ctx context.Context, id int64) (Case, error)
	// Cases lists incidents matching q, the most urgent first (open
	// before decided, then by severity, then oldest first), and how many
	// match in all.
	Cases(ctx context.Context, q Query) ([]Case, int, error)
	// ChangedSince lists the incidents received or changed after t, in
	// a region ("" for all), oldest change first, at most limit.
	ChangedSince(ctx context.Context, t time.Time, region string, limit int) ([]Case, error)
	// Apply makes a change in one transaction: the incident's new state
	// (version + 1), the decision, the outbox message and the audit entry.
	// When the incident is no longer at ch.Before.Version nothing is
	// written and the error is a *ConflictError (ECONFLICT) carrying the
	// current case.
	Apply(ctx context.Context, ch *Change) error
	// Decisions lists an incident's decisions, oldest first.
	Decisions(ctx context.Context, incidentID int64) ([]Decision, error)
	// ObserverMessages lists the messages to the observer of an incident.
	ObserverMessages(ctx context.Context, incidentID int64) ([]ObserverMessage, error)
	// Audit lists an incident's audit trail, oldest first.
	Audit(ctx context.Context, incidentID int64) ([]AuditEntry, error)
	// CreateComplaint stores a new complaint (setting its ID and
	// CreatedAt) with its audit entry.
	CreateComplaint(ctx context.Context, c *Complaint) error
	// UpdateComplaint records filing, answer and outcome if the complaint
	// is still at c.Version (ECONFLICT otherwise), with its audit entry;
	// by is the user.
	UpdateComplaint(ctx context.Context, c *Complaint, by int64) error
	Complaint(ctx context.Context, id int64) (Complaint, error)
	Complaints(ctx context.Context, incidentID int64) ([]Complaint, error)
	// ResponseTimes returns, per region, the times to first response of
	// the incidents of an election (0: all) that had one, and how many
	// are still waiting.
	ResponseTimes(ctx context.Context, electionID int64) (map[string]RegionTimes, error)
}

// RegionTimes is the raw material of the response-time statistics of one
// region.
type RegionTimes struct {
	// Responded are the times from receipt to first response.
	Responded []time.Duration
	// Waiting are the incidents without a response yet, by severity and
	// time received.
	Waiting []Waiting
}

// Waiting is an incident still without a response.
type Waiting struct {
	Severity   report.Severity
	ReceivedAt time.Time
}
