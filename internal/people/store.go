package people

import (
	"context"
	"time"
)

// Store keeps the registry. The store package implements it for SQLite
// and PostgreSQL. Lists are paginated; not-found is ENOTFOUND.
type Store interface {
	CreateOrganization(ctx context.Context, o *Organization) error
	UpdateOrganization(ctx context.Context, o Organization) error
	Organization(ctx context.Context, id int64) (Organization, error)
	// OrganizationByName finds an organisation by exact (case-insensitive) name.
	OrganizationByName(ctx context.Context, name string) (Organization, error)
	Organizations(ctx context.Context, q OrgQuery) ([]Organization, int, error)

	CreateMission(ctx context.Context, m *Mission) error
	Mission(ctx context.Context, id int64) (Mission, error)
	// Missions lists missions of an election (0: all), with member counts.
	Missions(ctx context.Context, electionID int64) ([]MissionSummary, error)

	// ImportObservers stores a parsed observers file in one transaction:
	// it creates missing organisations and missions (by name, in the given
	// election), skips nothing, and records an "applied" transition for
	// each new observer. All or nothing.
	ImportObservers(ctx context.Context, electionID int64, rows []ObserverRow, byUserID int64) (ObserverImportSummary, error)
	CreateObserver(ctx context.Context, o *Observer, byUserID int64) error
	Observer(ctx context.Context, id int64) (Observer, error)
	ObserverByNumber(ctx context.Context, number string) (Observer, error)
	Observers(ctx context.Context, q ObserverQuery) ([]Observer, int, error)
	// FindDuplicates returns existing observers who are the same person as
	// one of the given keys (see DuplicateKey), keyed by that key.
	FindDuplicates(ctx context.Context, keys []string) (map[string]Observer, error)
	// Transition moves an observer to a new status if it is still in
	// from (ECONFLICT otherwise: someone else moved it first) and records
	// the step.
	Transition(ctx context.Context, t Transition) error
	Transitions(ctx context.Context, observerID int64) ([]Transition, error)

	// Credentials: the personal sign-in link token, the PIN and the public
	// verification token of an observer are stored as hashes (the
	// verification token in clear: it is printed on the badge's QR).
	SetObserverCredentials(ctx context.Context, observerID int64, c Credentials) error
	ObserverCredentials(ctx context.Context, observerID int64) (Credentials, error)
	ObserverByLoginHash(ctx context.Context, hash []byte) (Observer, error)
	ObserverByVerifyToken(ctx context.Context, token string) (Observer, error)
	// RecordPINFailure counts a wrong PIN and returns the failures since
	// the last success; ResetPINFailures clears them.
	RecordPINFailure(ctx context.Context, observerID int64) (int, error)
	ResetPINFailures(ctx context.Context, observerID int64) error

	// SetObserverMission puts an observer in a mission of their own
	// organisation (0: none) with a role.
	SetObserverMission(ctx context.Context, observerID, missionID int64, role string) error
	// SetObserverPhoto stores an observer's badge photo, already sanitised;
	// ObserverPhoto returns it (ENOTFOUND if none).
	SetObserverPhoto(ctx context.Context, observerID int64, contentType string, data []byte) error
	ObserverPhoto(ctx context.Context, observerID int64) (contentType string, data []byte, err error)

	CreateTrainingSession(ctx context.Context, s *TrainingSession) error
	TrainingSessions(ctx context.Context, organizationID int64) ([]TrainingSession, error)
	TrainingSession(ctx context.Context, id int64) (TrainingSession, error)
	RecordAttendance(ctx context.Context, a Attendance) error
	// Attendance lists the attendance of one observer across sessions.
	Attendance(ctx context.Context, observerID int64) ([]Attendance, error)
	// Absent lists the observers of the session's organisation (in its
	// region, if it has one) who have not attended it, paginated.
	Absent(ctx context.Context, sessionID int64, limit, offset int) ([]Observer, int, error)

	PublishCharter(ctx context.Context, c *CharterVersion) error
	CurrentCharter(ctx context.Context) (CharterVersion, error)
	Sign(ctx context.Context, s *Signature) error
	// Signatories lists organisations that signed any version, with the
	// latest version signed and when.
	Signatories(ctx context.Context) ([]Signature, error)
	ObserverSignature(ctx context.Context, observerID int64) (Signature, error)

	// Assign deploys an observer to a station (ECONFLICT if already there).
	Assign(ctx context.Context, a *Assignment) error
	// Unassign removes an assignment and returns what it was (ENOTFOUND if
	// there is none).
	Unassign(ctx context.Context, assignmentID int64) (Assignment, error)
	Assignments(ctx context.Context, q AssignmentQuery) ([]Assignment, int, error)
	// Coverage counts covered stations by region and by country abroad.
	Coverage(ctx context.Context, electionID int64) ([]Coverage, error)
	// UncoveredStations lists stations of an election with no observer.
	UncoveredStations(ctx context.Context, electionID int64, region, country string, limit, offset int) ([]string, int, error)
	// Unassigned lists accredited observers of an election's missions (or
	// with no mission) who have no station in that election.
	Unassigned(ctx context.Context, electionID int64, limit, offset int) ([]Observer, int, error)
}

// OrgQuery filters organisations.
type OrgQuery struct {
	Kind   OrgKind
	Search string
	Limit  int // 0 means 50, capped at 1000
	Offset int
}

// ObserverQuery filters observers. Empty fields do not filter.
type ObserverQuery struct {
	OrganizationID int64
	MissionID      int64
	Kind           Kind
	Status         Status
	Region         string
	Country        string
	// Search matches name, accreditation number or organisation name,
	// case-insensitively (never personal data).
	Search string
	Limit  int // 0 means 50, capped at 1000
	Offset int
}

// AssignmentQuery filters assignments.
type AssignmentQuery struct {
	ElectionID  int64
	StationCode string
	ObserverID  int64
	Limit       int
	Offset      int
}

// MissionSummary is a mission with its organisation and member counts.
type MissionSummary struct {
	Mission
	OrganizationName string
	Members          int
	Heads            int // head and delegation heads
}

// Credentials are an observer's ways to sign in and be verified.
type Credentials struct {
	LoginHash   []byte // SHA-256 of the personal link token
	PINHash     string // argon2id PHC string
	VerifyToken string // random, in the badge's QR URL
	UpdatedAt   time.Time
}

// ObserverImportSummary tells what an observers import changed.
type ObserverImportSummary struct {
	Observers     int
	Organizations int // created
	Missions      int // created
}

// ObserverRow is one row of an observers file, parsed and checked.
type ObserverRow struct {
	Row              int // the file's row number (header = 1)
	FullName         string
	Organization     string
	OrganizationKind OrgKind
	Country          string
	Email            string
	Phone            string
	Languages        []string
	Region           string // region code, or ""
	Mission          string // mission name, or ""
}
