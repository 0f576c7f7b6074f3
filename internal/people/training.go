package people

import (
	"strings"
	"time"

	"github.com/baqylau/baqylau"
)

// Mode is how a training session is held.
type Mode string

// Training modes (source 004: sessions by video-conference and messengers).
const (
	InPerson  Mode = "in_person"
	Video     Mode = "video"
	Messenger Mode = "messenger"
)

// Modes lists the training modes.
var Modes = []Mode{InPerson, Video, Messenger}

// TrainingSession is one session of an organisation's programme.
type TrainingSession struct {
	ID             int64
	OrganizationID int64
	Title          string
	Mode           Mode
	StartsAt       time.Time
	Mandatory      bool
	Region         string // region code, "" for everyone
}

// Validate checks a session before it is stored.
func (s *TrainingSession) Validate() error {
	s.Title = strings.TrimSpace(s.Title)
	if s.Title == "" {
		return baqylau.Errorf(baqylau.EINVALID, "session title is required")
	}
	if s.Mode != InPerson && s.Mode != Video && s.Mode != Messenger {
		return baqylau.Errorf(baqylau.EINVALID, "session mode %q is not in_person, video or messenger", s.Mode)
	}
	if s.StartsAt.IsZero() {
		return baqylau.Errorf(baqylau.EINVALID, "session start time is required")
	}
	if s.OrganizationID <= 0 {
		return baqylau.Errorf(baqylau.EINVALID, "a session belongs to an organisation")
	}
	return nil
}

// Attendance records that an observer attended a session, with the test
// score if one was taken.
type Attendance struct {
	SessionID  int64
	ObserverID int64
	Attended   bool
	Score      int // 0–100; -1 when no test was taken
}

// Empty reports whether the rule asks for nothing; then observers are
// marked trained by hand only.
func (r TrainingRule) Empty() bool { return !r.AllMandatory && r.MinSessions == 0 && r.MinScore == 0 }

// IsTrained applies an organisation's rule to an observer's attendance
// over the organisation's programme. An empty rule never says trained.
func IsTrained(rule TrainingRule, programme []TrainingSession, att []Attendance) bool {
	if rule.Empty() {
		return false
	}
	attended := map[int64]bool{}
	best := -1
	for _, a := range att {
		if a.Attended {
			attended[a.SessionID] = true
		}
		if a.Score > best {
			best = a.Score
		}
	}
	count := 0
	for _, s := range programme {
		if attended[s.ID] {
			count++
		} else if rule.AllMandatory && s.Mandatory {
			return false
		}
	}
	if count < rule.MinSessions {
		return false
	}
	if rule.MinScore > 0 && best < rule.MinScore {
		return false
	}
	return true
}
