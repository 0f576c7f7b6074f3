// Package mission is the work of observer missions and of the commission's
// observer desk: meetings and briefings with their questions and answers,
// the acknowledgement of a mission's principles, and the mission's
// statements — drafted in sections with figures from live data, kept in
// versions, adopted by the delegation heads and released to the press
// centre at a set moment.
//
// It holds types and rules only; the store package keeps them and the web
// package serves them.
package mission

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
)

// Topic is what a question at a meeting is about.
type Topic string

// Topics of questions (sources 001 and 002 of MISSION.md).
const (
	TopicCampaigning  Topic = "campaigning"
	TopicCommissions  Topic = "commissions"
	TopicObservers    Topic = "international_observers"
	TopicForeignMedia Topic = "foreign_media"
	TopicVoterLists   Topic = "voter_lists"
	TopicVotingDay    Topic = "voting_day"
	TopicCounting     Topic = "counting"
	TopicComplaints   Topic = "complaints"
	TopicLaw          Topic = "legal_framework"
	TopicOther        Topic = "other"
)

// Topics lists the topics in the order forms show them.
var Topics = []Topic{TopicCampaigning, TopicCommissions, TopicObservers, TopicForeignMedia, TopicVoterLists,
	TopicVotingDay, TopicCounting, TopicComplaints, TopicLaw, TopicOther}

// Valid reports whether t is a known topic.
func (t Topic) Valid() bool {
	for _, v := range Topics {
		if t == v {
			return true
		}
	}
	return false
}

// MeetingKind tells the kinds of meeting apart.
type MeetingKind string

// Meeting kinds.
const (
	// Briefing: the commission (or a mission) briefs delegations and
	// organisations and answers their questions.
	Briefing MeetingKind = "briefing"
	// Meeting: a meeting between delegations or organisations.
	Meeting MeetingKind = "meeting"
	// StateBody: a mission's meeting with a court, ministry, prosecutor's
	// office or other state body, part of its long-term work.
	StateBody MeetingKind = "state_body"
)

// Valid reports whether k is a known kind.
func (k MeetingKind) Valid() bool { return k == Briefing || k == Meeting || k == StateBody }

// Question is one question asked at a meeting and the answer given.
type Question struct {
	ID       int64
	Topic    Topic
	AskedBy  string // the delegation or organisation that asked
	Question string
	Answer   string
}

// Validate checks a question before it is stored.
func (q *Question) Validate() error {
	q.AskedBy, q.Question, q.Answer = strings.TrimSpace(q.AskedBy), strings.TrimSpace(q.Question), strings.TrimSpace(q.Answer)
	if !q.Topic.Valid() {
		return baqylau.Errorf(baqylau.EINVALID, "topic %q is not one of %s", q.Topic, topicList())
	}
	if err := checkText("question", q.Question, 5000, true); err != nil {
		return err
	}
	if err := checkText("answer", q.Answer, 10000, false); err != nil {
		return err
	}
	return checkText("asked by", q.AskedBy, 300, false)
}

func topicList() string {
	s := make([]string, len(Topics))
	for i, t := range Topics {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// MeetingRecord is a recorded meeting or briefing. MissionID 0 is the
// commission's observer desk.
type MeetingRecord struct {
	ID           int64
	ElectionID   int64
	MissionID    int64
	Kind         MeetingKind
	HeldAt       time.Time
	Place        string
	Participants []string // delegations and organisations present
	Counterpart  string   // the state body met, for StateBody
	Agenda       string
	Notes        string
	FollowUp     string
	Questions    []Question
	// PressStatementID is the press-centre statement the minutes were
	// published as (0: not published).
	PressStatementID int64
	CreatedBy        int64
	CreatedAt        time.Time
}

// Validate checks a meeting and its questions before it is stored.
func (m *MeetingRecord) Validate() error {
	m.Place, m.Counterpart = strings.TrimSpace(m.Place), strings.TrimSpace(m.Counterpart)
	m.Agenda, m.Notes, m.FollowUp = strings.TrimSpace(m.Agenda), strings.TrimSpace(m.Notes), strings.TrimSpace(m.FollowUp)
	if m.ElectionID <= 0 {
		return baqylau.Errorf(baqylau.EINVALID, "a meeting needs an election")
	}
	if !m.Kind.Valid() {
		return baqylau.Errorf(baqylau.EINVALID, "kind %q is not briefing, meeting or state_body", m.Kind)
	}
	if m.Kind == StateBody && m.MissionID == 0 {
		return baqylau.Errorf(baqylau.EINVALID, "a meeting with a state body is a mission's: give the mission")
	}
	if m.Kind == StateBody && m.Counterpart == "" {
		return baqylau.Errorf(baqylau.EINVALID, "name the state body met (counterpart)")
	}
	if m.HeldAt.IsZero() {
		return baqylau.Errorf(baqylau.EINVALID, "the meeting's date and time (held_at) is required")
	}
	if err := checkText("place", m.Place, 300, true); err != nil {
		return err
	}
	if err := checkText("counterpart", m.Counterpart, 300, false); err != nil {
		return err
	}
	if err := checkText("agenda", m.Agenda, maxNotes, false); err != nil {
		return err
	}
	var err error
	if m.Notes, m.FollowUp, err = CheckNotes(m.Notes, m.FollowUp); err != nil {
		return err
	}
	if len(m.Participants) > 200 {
		return baqylau.Errorf(baqylau.EINVALID, "at most 200 participants")
	}
	parts := m.Participants[:0]
	for i, p := range m.Participants {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if err := checkText("participant "+strconv.Itoa(i+1), p, 300, true); err != nil {
			return err
		}
		parts = append(parts, p)
	}
	m.Participants = parts
	if len(m.Questions) > 500 {
		return baqylau.Errorf(baqylau.EINVALID, "at most 500 questions a meeting")
	}
	for i := range m.Questions {
		if err := m.Questions[i].Validate(); err != nil {
			return baqylau.Errorf(baqylau.EINVALID, "question %d: %s", i+1, baqylau.ErrorMessage(err))
		}
	}
	return nil
}

// maxNotes bounds a meeting's agenda, notes and follow-up, in characters.
const maxNotes = 20000

// CheckNotes checks a meeting's notes and follow-up, returning them
// trimmed.
func CheckNotes(notes, followUp string) (string, string, error) {
	notes, followUp = strings.TrimSpace(notes), strings.TrimSpace(followUp)
	if err := checkText("notes", notes, maxNotes, false); err != nil {
		return notes, followUp, err
	}
	return notes, followUp, checkText("follow_up", followUp, maxNotes, false)
}

// Acknowledgement records that a member of a mission acknowledged its
// principles (non-interference, political neutrality) before deployment,
// as a signature of the charter is recorded.
type Acknowledgement struct {
	ID             int64
	MissionID      int64
	ObserverID     int64
	Principles     string // the text acknowledged, as it was then
	AcknowledgedAt time.Time
	ByUserID       int64 // 0: the member themselves, signed in by badge
}

func checkText(field, v string, maxRunes int, required bool) error {
	if required && v == "" {
		return baqylau.Errorf(baqylau.EINVALID, "%s is required", field)
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxRunes {
		return baqylau.Errorf(baqylau.EINVALID, "%s is longer than %d characters", field, maxRunes)
	}
	return nil
}
