// Package channel takes election-day reports and incidents from observers
// over SMS and Telegram: a compact text grammar (docs/sms.md), the
// identification of the sender (a registered phone, a linked Telegram
// chat), and short replies in the observer's language saying what was
// recorded or what is missing. Every report goes through report.Submitter,
// like the web and the API.
package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
)

// Store keeps what the channels need beyond the registry: the lookup of
// observers by phone and the links of Telegram chats to observers.
type Store interface {
	// ObserversByPhone lists the observers whose phone, normalised with
	// people.NormalizePhone, is phone (already normalised).
	ObserversByPhone(ctx context.Context, phone string) ([]people.Observer, error)
	// CreateTelegramCode stores the SHA-256 of a one-time link code of an
	// observer, valid until expires.
	CreateTelegramCode(ctx context.Context, observerID int64, hash []byte, expires time.Time) error
	// RedeemTelegramCode links chatID to the observer of an unexpired
	// code and deletes the observer's codes, in one transaction; it returns
	// the observer's id (ENOTFOUND for an unknown, used or expired code).
	RedeemTelegramCode(ctx context.Context, hash []byte, chatID int64, now time.Time) (int64, error)
	// TelegramObserver returns the observer linked to a chat (ENOTFOUND).
	TelegramObserver(ctx context.Context, chatID int64) (int64, error)
	// UnlinkTelegram removes a chat's link (no error if there is none).
	UnlinkTelegram(ctx context.Context, chatID int64) error
}

// Service reads messages from observers and submits what they report.
type Service struct {
	Submit *report.Submitter
	Store  Store
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// clientIDSpace is the namespace of the client ids derived from gateways'
// message ids: the same message delivered twice gets the same id, so the
// second delivery is a safe retry.
var clientIDSpace = uuid.MustParse("7d4c1f52-3b0e-4f0a-9a51-6b6a2e1c9d10")

// ClientID derives the client id of a message from the channel and the
// gateway's id of the message.
func ClientID(ch report.Channel, messageID string) string {
	return uuid.NewSHA1(clientIDSpace, []byte(string(ch)+":"+messageID)).String()
}

// Message is a text received from an observer.
type Message struct {
	Channel report.Channel
	// ID is the gateway's id of the message: a retry carries the same.
	ID   string
	Text string
	// At is when the message was sent (zero: when received).
	At time.Time
}

// Result is what became of a message.
type Result struct {
	// Reply is the answer to send back, in Lang.
	Reply string
	Lang  string
	// Recorded is true when a report or incident is durable (or was
	// already: a retry).
	Recorded bool
	Form     report.FormCode
	Ack      report.Ack
	// Incident is the incident recorded, when Form is report.Incident.
	Incident report.IncidentReport
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ObserverByPhone finds the one observer who has the phone; ENOTFOUND if
// none or several (a shared number cannot say who is reporting).
func (s *Service) ObserverByPhone(ctx context.Context, phone string) (people.Observer, error) {
	p := people.NormalizePhone(phone)
	if p == "" {
		return people.Observer{}, baqylau.Errorf(baqylau.ENOTFOUND, "no phone number")
	}
	list, err := s.Store.ObserversByPhone(ctx, p)
	if err != nil {
		return people.Observer{}, err
	}
	now := s.now()
	var valid []people.Observer
	for _, o := range list {
		if o.BadgeValid(now) {
			valid = append(valid, o)
		}
	}
	switch {
	case len(valid) == 1:
		return valid[0], nil
	case len(valid) == 0 && len(list) == 1:
		return list[0], nil // known, but not accredited: told so
	}
	return people.Observer{}, baqylau.Errorf(baqylau.ENOTFOUND, "no single observer with this phone")
}

// Lang is the language to reply in: the observer's first of kk, ru, en,
// else Russian, which every observer in Kazakhstan reads.
func Lang(o people.Observer) string {
	for _, l := range o.Languages {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "kk" || l == "ru" || l == "en" {
			return l
		}
	}
	return "ru"
}

// Receive reads a message from an observer, submits the report or
// incident it carries and says what to reply. An error is returned only
// when something failed on our side (the database); everything the
// observer can fix is a reply.
func (s *Service) Receive(ctx context.Context, o people.Observer, m Message) (Result, error) {
	res := Result{Lang: Lang(o)}
	reply := func(key string, args ...any) (Result, error) {
		res.Reply = say(res.Lang, key, args...)
		return res, nil
	}
	now := s.now()
	if !o.BadgeValid(now) {
		return reply("not_accredited")
	}
	forms := report.DefaultForms()
	if s.Submit.Forms != nil {
		forms = s.Submit.Forms()
	}
	p, err := Parse(m.Text, forms)
	if err != nil {
		if pr, ok := err.(*Problem); ok {
			res.Reply = problemReply(res.Lang, pr)
			return res, nil
		}
		return res, err
	}
	res.Form = p.Form
	e, station, key, args, err := s.station(ctx, o, p.Station, now)
	if err != nil {
		return res, err
	}
	if key != "" {
		return reply(key, args...)
	}
	at := m.At
	if at.IsZero() || at.After(now) {
		at = now
	}
	from := report.Sender{ObserverID: o.ID, Channel: m.Channel}
	clientID := ClientID(m.Channel, m.ID)
	if p.Form == report.Incident {
		inc, ack, err := s.Submit.Incident(ctx, e.ID, from, report.IncidentInput{ClientID: clientID, Station: station.Code,
			Category: p.Category, Severity: string(p.Severity), Description: p.Comment, ObservedAt: at})
		if err != nil {
			return refused(res, err)
		}
		res.Recorded, res.Ack, res.Incident = true, ack, inc
		label := p.Category
		if c, ok := report.LookupCategory(inc.Category); ok {
			label = c.Label.In(res.Lang)
		}
		return reply("incident_ok", ack.ID, label, say(res.Lang, "sev_"+string(inc.Severity)), station.Code, short(ack.Receipt))
	}
	answers := p.Answers
	if p.Form == report.Count {
		c, key, args := contest(e, station, p.Contest)
		if key != "" {
			return reply(key, args...)
		}
		answers[report.QContest] = json.RawMessage(strconv.FormatInt(c.ID, 10))
		if len(p.Votes) > 0 {
			votes := map[string]int64{}
			for n, v := range p.Votes {
				if n > len(c.Options) {
					return reply("no_option", n, len(c.Options))
				}
				votes[c.Options[n-1]] = v
			}
			b, err := json.Marshal(votes)
			if err != nil {
				return res, fmt.Errorf("channel: encode votes: %w", err)
			}
			answers[report.QVotes] = b
		}
	}
	ack, err := s.Submit.Report(ctx, e.ID, from, report.ReportInput{ClientID: clientID, Station: station.Code,
		Form: string(p.Form), ObservedAt: at, Answers: answers})
	if err != nil {
		return refused(res, err)
	}
	res.Recorded, res.Ack = true, ack
	res.Reply = say(res.Lang, "report_ok", say(res.Lang, "form_"+string(p.Form)), station.Code, short(ack.Receipt))
	f, _ := s.Submit.Form(p.Form)
	if miss := missing(f, answers); len(miss) > 0 {
		res.Reply += " " + say(res.Lang, "missing", strings.Join(miss, " "))
	}
	if doubts := doubts(res.Lang, ack.Flags); doubts != "" {
		res.Reply += " " + say(res.Lang, "check", doubts)
	}
	return res, nil
}

// refused turns an error of the submitter into a reply when the observer
// can do something about it.
func refused(res Result, err error) (Result, error) {
	switch baqylau.ErrorCode(err) {
	case baqylau.EINVALID, baqylau.EFORBIDDEN, baqylau.ENOTFOUND:
		res.Reply = say(res.Lang, "refused", baqylau.ErrorMessage(err))
		return res, nil
	}
	return res, err
}

// short is the first 8 hex characters of a receipt, to quote in a reply.
func short(receipt string) string {
	if len(receipt) > 8 {
		return receipt[:8]
	}
	return receipt
}

// station finds the election and station a message is for: the one named
// with "#", or the observer's only assignment, among the elections
// nearest to today in which the observer is assigned. key is set (with
// args) when the reply must say why none could be chosen.
func (s *Service) station(ctx context.Context, o people.Observer, code string, now time.Time) (e election.Election, st election.Station, key string, args []any, err error) {
	list, _, err := s.Submit.People.Assignments(ctx, people.AssignmentQuery{ObserverID: o.ID, Limit: 1000})
	if err != nil {
		return e, st, "", nil, err
	}
	elections := map[int64]election.Election{}
	best := -1
	var near []people.Assignment
	for _, a := range list {
		el, ok := elections[a.ElectionID]
		if !ok {
			if el, err = s.Submit.Elections.Election(ctx, a.ElectionID); err != nil {
				return e, st, "", nil, err
			}
			elections[a.ElectionID] = el
		}
		d := int(now.Sub(el.Date).Abs() / (24 * time.Hour))
		switch {
		case best < 0 || d < best:
			best, near = d, []people.Assignment{a}
		case d == best:
			near = append(near, a)
		}
	}
	if len(near) == 0 {
		return e, st, "no_assignment", nil, nil
	}
	var codes []string
	var match []people.Assignment
	for _, a := range near {
		codes = append(codes, a.StationCode)
		if code == "" || Fold(a.StationCode) == code {
			match = append(match, a)
		}
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	switch {
	case len(match) == 0:
		return e, st, "not_assigned", []any{code, strings.Join(codes, ", ")}, nil
	case len(match) > 1:
		return e, st, "which_station", []any{strings.Join(codes, ", ")}, nil
	}
	e = elections[match[0].ElectionID]
	st, err = s.Submit.Elections.Station(ctx, e.ID, match[0].StationCode)
	return e, st, "", nil, err
}

// contest finds the contest of a count: the one named, or the station's
// only one.
func contest(e election.Election, st election.Station, id int64) (election.Contest, string, []any) {
	var serving []election.Contest
	var ids []string
	for _, c := range e.Contests {
		if !c.Serves(st) {
			continue
		}
		if id != 0 && c.ID == id {
			return c, "", nil
		}
		serving = append(serving, c)
		ids = append(ids, "K"+strconv.FormatInt(c.ID, 10))
	}
	if id == 0 && len(serving) == 1 {
		return serving[0], "", nil
	}
	return election.Contest{}, "which_contest", []any{strings.Join(ids, ", ")}
}

// missing lists the SMS codes of the required questions left unanswered.
func missing(f report.Form, answers map[string]json.RawMessage) []string {
	var out []string
	for _, q := range f.Questions {
		if _, ok := answers[q.ID]; !ok && q.Required {
			out = append(out, smsName(q))
		}
	}
	return out
}

// doubts names, in short, what the rules flagged (missing answers are
// listed apart).
func doubts(lang string, flags []report.Flag) string {
	var out []string
	for _, f := range flags {
		if f.Code == report.FlagMissingAnswer {
			continue
		}
		d := say(lang, "flag_"+f.Code)
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return strings.Join(out, "; ")
}
