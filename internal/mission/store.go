package mission

import (
	"context"
	"time"

	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
)

// Store keeps meetings, acknowledgements and statements. The store
// package implements it on SQLite and PostgreSQL.
type Store interface {
	// LinkMissionAccount lets a user account act for an observer.
	LinkMissionAccount(ctx context.Context, userID, observerID int64) error
	// MissionAccount returns the observer a user acts for (ENOTFOUND if none).
	MissionAccount(ctx context.Context, userID int64) (int64, error)

	CreateMeeting(ctx context.Context, m *MeetingRecord) error
	AddQuestion(ctx context.Context, meetingID int64, q *Question) error
	Meeting(ctx context.Context, id int64) (MeetingRecord, error)
	// Meetings lists an election's meetings of a mission (0: the desk's).
	Meetings(ctx context.Context, electionID, missionID int64) ([]MeetingRecord, error)
	// UpdateMeetingNotes replaces a meeting's notes and follow-up.
	UpdateMeetingNotes(ctx context.Context, meetingID int64, notes, followUp string) error
	// PublishMinutes publishes a meeting's minutes to the press centre.
	PublishMinutes(ctx context.Context, meetingID int64, s *publish.Statement) error

	Acknowledge(ctx context.Context, a *Acknowledgement) error
	Acknowledgements(ctx context.Context, missionID int64) ([]Acknowledgement, error)
	// MissionHeads lists the delegation heads who approve statements.
	MissionHeads(ctx context.Context, missionID int64) ([]people.Observer, error)

	CreateMissionStatement(ctx context.Context, s *Statement, v *Version) error
	MissionStatement(ctx context.Context, id int64) (Statement, error)
	MissionStatements(ctx context.Context, missionID int64) ([]Statement, error)
	SaveMissionVersion(ctx context.Context, v *Version) error
	MissionVersions(ctx context.Context, statementID int64) ([]Version, error)
	FreezeMissionStatement(ctx context.Context, statementID int64, figs []Figure, byUserID, byObserver int64) (Version, error)
	ReopenMissionStatement(ctx context.Context, statementID int64) error
	MissionDecisions(ctx context.Context, statementID int64) ([]Decision, error)
	DecideMissionStatement(ctx context.Context, d *Decision) (Statement, error)

	// ResultsAnnounced is when an election's results were announced
	// (zero: not yet); AnnounceResults records it.
	ResultsAnnounced(ctx context.Context, electionID int64) (time.Time, error)
	AnnounceResults(ctx context.Context, electionID int64, at time.Time, byUserID int64) error

	// MissionCounts reads the counts behind a mission's figures as they
	// stood at a moment (zero: now).
	MissionCounts(ctx context.Context, missionID int64, at time.Time) (Counts, error)
}
