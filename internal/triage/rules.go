package triage

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
)

// Limits of what staff type.
const (
	MaxNote    = 4000
	MaxMessage = 1000 // an advice must fit a few SMS
)

// ConflictError says that an incident changed since the caller saw it:
// Current is what it is now, so that nothing is lost and the caller can
// decide again knowing what happened.
type ConflictError struct {
	Current Case
	Reason  string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: incident %d is now %s (version %d)", baqylau.ECONFLICT, e.Current.ID, e.Current.Status, e.Current.Version)
}

// Unwrap lets baqylau.ErrorCode see ECONFLICT with a safe message.
func (e *ConflictError) Unwrap() error {
	return baqylau.Errorf(baqylau.ECONFLICT, "%s", e.Reason)
}

// Conflict builds the error for a change refused because the incident is
// now cur.
func Conflict(cur Case, reason string) *ConflictError {
	if reason == "" {
		reason = fmt.Sprintf("incident %d was changed meanwhile: it is now %s (version %d)", cur.ID, cur.Status, cur.Version)
	}
	return &ConflictError{Current: cur, Reason: reason}
}

// Claim returns the change by which user by takes on an incident. A new
// incident becomes claimed; an escalated one may be claimed by the
// national HQ (national true) and stays escalated. Claiming an incident
// claimed by someone else, decided or closed is a conflict.
func Claim(c Case, by int64, national bool, now time.Time) (Change, error) {
	after := c
	switch {
	case c.Status == StatusNew:
		after.Status = StatusClaimed
	case c.Status == StatusEscalated && national:
	case c.Status == StatusClaimed && c.ClaimedBy == by:
		return Change{}, Conflict(c, fmt.Sprintf("you have already claimed incident %d", c.ID))
	default:
		return Change{}, Conflict(c, fmt.Sprintf("incident %d is already %s", c.ID, c.Status))
	}
	after.ClaimedBy, after.ClaimedAt = by, now
	if after.FirstResponseAt.IsZero() {
		after.FirstResponseAt = now
	}
	return Change{Before: c, After: after, By: by, Action: "claim"}, nil
}

// Decide checks a decision on c and returns the change it makes. seen is
// the version the decider saw (0: none given), required once the incident
// is past claimed. target is the incident a DuplicateOf decision merges
// into (ignored otherwise).
func Decide(c Case, d Decision, seen int, target *Case, now time.Time) (Change, error) {
	d.Note = strings.TrimSpace(d.Note)
	d.Message = strings.TrimSpace(d.Message)
	if !d.Action.Valid() {
		return Change{}, baqylau.Errorf(baqylau.EINVALID, "action must be one of %s", joinActions())
	}
	if d.Note == "" {
		return Change{}, baqylau.Errorf(baqylau.EINVALID, "every decision needs a note")
	}
	if utf8.RuneCountInString(d.Note) > MaxNote || !utf8.ValidString(d.Note) {
		return Change{}, baqylau.Errorf(baqylau.EINVALID, "the note may be at most %d characters", MaxNote)
	}
	switch d.Action {
	case AdviseObserver:
		if d.Message == "" {
			return Change{}, baqylau.Errorf(baqylau.EINVALID, "advise_observer needs the message for the observer")
		}
		if utf8.RuneCountInString(d.Message) > MaxMessage || !utf8.ValidString(d.Message) {
			return Change{}, baqylau.Errorf(baqylau.EINVALID, "the message may be at most %d characters", MaxMessage)
		}
		if c.ObserverID == 0 {
			return Change{}, baqylau.Errorf(baqylau.EINVALID, "incident %d has no known observer to advise", c.ID)
		}
	case DuplicateOf:
		if d.DuplicateOf == 0 || target == nil {
			return Change{}, baqylau.Errorf(baqylau.EINVALID, "duplicate_of needs the id of the incident it duplicates")
		}
		if target.ID == c.ID {
			return Change{}, baqylau.Errorf(baqylau.EINVALID, "an incident cannot duplicate itself")
		}
		if target.Region != c.Region || target.ElectionID != c.ElectionID {
			return Change{}, baqylau.Errorf(baqylau.EINVALID, "incident %d is not of the same election and region", target.ID)
		}
		if target.DuplicateOf != 0 {
			return Change{}, baqylau.Errorf(baqylau.EINVALID, "incident %d is itself a duplicate of %d: merge into that one", target.ID, target.DuplicateOf)
		}
	default:
		d.DuplicateOf = 0
	}
	if d.Action != AdviseObserver {
		d.Message = ""
	}
	switch {
	case seen != 0 && seen != c.Version:
		return Change{}, Conflict(c, "")
	case seen == 0 && c.Status != StatusNew && c.Status != StatusClaimed:
		return Change{}, Conflict(c, fmt.Sprintf("incident %d is already %s: to decide again, send the version you saw (%d)", c.ID, c.Status, c.Version))
	}
	after := c
	if after.ClaimedBy == 0 {
		after.ClaimedBy, after.ClaimedAt = d.By, now
	}
	if after.FirstResponseAt.IsZero() {
		after.FirstResponseAt = now
	}
	switch d.Action {
	case Escalate:
		after.Status, after.Escalated = StatusEscalated, true
	case NotAViolation:
		after.Status = StatusClosed
	case DuplicateOf:
		after.Status, after.DuplicateOf = StatusClosed, d.DuplicateOf
	default:
		after.Status = StatusDecided
	}
	d.IncidentID, d.At = c.ID, now
	ch := Change{Before: c, After: after, By: d.By, Action: "decide:" + string(d.Action), Decision: &d}
	if d.Action == AdviseObserver {
		ch.Message = &ObserverMessage{IncidentID: c.ID, ObserverID: c.ObserverID, Channel: c.Channel, Body: d.Message, CreatedBy: d.By, CreatedAt: now}
	}
	return ch, nil
}

func joinActions() string {
	s := make([]string, len(Actions))
	for i, a := range Actions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// ResponseDeadlines are the times to a first response by severity.
var ResponseDeadlines = map[report.Severity]time.Duration{
	report.Critical: 15 * time.Minute,
	report.High:     time.Hour,
	report.Medium:   4 * time.Hour,
	report.Low:      24 * time.Hour,
}

// DueAt is when an incident received at received with a severity needs a
// first response.
func DueAt(sev report.Severity, received time.Time) time.Time {
	d, ok := ResponseDeadlines[sev]
	if !ok {
		d = ResponseDeadlines[report.Medium]
	}
	return received.Add(d)
}

// DueAt is when c needs its first response.
func (c Case) DueAt() time.Time { return DueAt(c.Severity, c.ReceivedAt) }

// Overdue reports whether c still lacks a first response after its
// deadline.
func (c Case) Overdue(now time.Time) bool {
	return c.FirstResponseAt.IsZero() && now.After(c.DueAt())
}

// Open reports whether c still waits for a decision.
func (c Case) Open() bool { return c.Status == StatusNew || c.Status == StatusClaimed }

// Times are the response-time figures of one region.
type Times struct {
	Region    string
	Responded int
	Median    time.Duration
	P90       time.Duration
	Waiting   int
	Overdue   int
}

// Summarize turns raw response times into figures per region, in region
// order. Percentiles are nearest-rank.
func Summarize(raw map[string]RegionTimes, now time.Time) []Times {
	out := make([]Times, 0, len(raw))
	for region, rt := range raw {
		t := Times{Region: region, Responded: len(rt.Responded), Waiting: len(rt.Waiting)}
		d := slices.Clone(rt.Responded)
		slices.Sort(d)
		t.Median, t.P90 = Percentile(d, 50), Percentile(d, 90)
		for _, w := range rt.Waiting {
			if now.After(DueAt(w.Severity, w.ReceivedAt)) {
				t.Overdue++
			}
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Times) int { return strings.Compare(a.Region, b.Region) })
	return out
}

// Percentile returns the nearest-rank p-th percentile of sorted durations
// (0 for none).
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}
