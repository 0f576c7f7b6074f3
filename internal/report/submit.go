package report

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/memo"
	"github.com/baqylau/baqylau/internal/people"
)

// Submitter takes reports and incidents from every channel (web, API,
// SMS, Telegram, phoned in) through the same checks to the ingester.
type Submitter struct {
	Elections election.Store
	People    people.Store
	Reports   Store
	Ingest    interface {
		SubmitReport(ctx context.Context, r Report) (Ack, error)
		SubmitIncident(ctx context.Context, i IncidentReport) (Ack, error)
	}
	// Forms returns the current form definitions (default: the adjusted
	// ones in Stored, each in place of its default).
	Forms func() []Form
	// Stored keeps the form definitions an admin adjusted (nil: the
	// defaults only).
	Stored FormStore
	// CountsTTL is how long this node keeps a station's earlier counts
	// before reading them again (default countsTTL). The node adds the
	// reports it acknowledges itself, so a longer time only delays seeing
	// reports that other nodes took: a server that is the database's
	// only writer (SQLite) may keep them for long.
	CountsTTL time.Duration

	// Election-day answers that change rarely are kept for a few seconds
	// (per node), so that a report costs no more reads than it must.
	once        sync.Once
	elections   *memo.Cache[int64, *election.Election]
	stations    *memo.Cache[stationKey, *election.Station]
	assignments *memo.Cache[assignmentKey, bool]
	counts      *memo.Cache[stationKey, *stationCounts]
	current     *memo.Cache[struct{}, []Form]
}

// FormStore keeps the form definitions an admin adjusted. Every version
// is kept; the highest of a code is in use.
type FormStore interface {
	// SaveForm stores f as the next version of its code, setting Version.
	SaveForm(ctx context.Context, f *Form, by int64) error
	// Forms returns the latest adjusted version of each form that has one.
	Forms(ctx context.Context) ([]Form, error)
}

// CurrentForms returns the forms in use: the defaults, each replaced by
// its latest adjusted version if there is one.
func CurrentForms(ctx context.Context, fs FormStore) ([]Form, error) {
	forms := DefaultForms()
	stored, err := fs.Forms(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range stored {
		for i := range forms {
			if forms[i].Code == f.Code {
				forms[i] = f
			}
		}
	}
	return forms, nil
}

// FormsChanged makes this node read the forms again at once (other nodes
// within formsTTL).
func (s *Submitter) FormsChanged() {
	s.caches()
	s.current.Forget(struct{}{})
}

type stationKey struct {
	election int64
	code     string
}

type assignmentKey struct {
	election, observer int64
	station            string
}

// How long a node trusts what it read: an election's contests and a
// station's hours change before election day, not during it; an
// assignment made or removed takes effect within assignmentTTL.
const (
	electionTTL   = 5 * time.Second
	stationTTL    = 30 * time.Second
	assignmentTTL = 10 * time.Second
	// countsTTL bounds how long reports that other nodes took stay unseen
	// by this node's rules (their flags are advice, and HQ sees all).
	countsTTL = 10 * time.Second
	// formsTTL bounds how long an adjusted form takes to reach other nodes.
	formsTTL = 5 * time.Second
)

func (s *Submitter) caches() {
	s.once.Do(func() {
		s.elections = memo.New[int64, *election.Election](electionTTL, 1000)
		s.stations = memo.New[stationKey, *election.Station](stationTTL, 200_000)
		s.assignments = memo.New[assignmentKey, bool](assignmentTTL, 200_000)
		ttl := s.CountsTTL
		if ttl <= 0 {
			ttl = countsTTL
		}
		s.counts = memo.New[stationKey, *stationCounts](ttl, 200_000)
		s.current = memo.New[struct{}, []Form](formsTTL, 1)
	})
}

// Sender is who sends: an observer, who must be assigned to the station,
// or a desk user entering a report on someone's behalf.
type Sender struct {
	ObserverID int64
	// EnteredBy is the desk user's id; when set, the station need not be
	// among the observer's assignments.
	EnteredBy int64
	Channel   Channel
}

// ReportInput is a report as a channel received it (DESIGN.md contract).
type ReportInput struct {
	ClientID   string                     `json:"client_id"`
	Station    string                     `json:"station"`
	Form       string                     `json:"form"`
	ObservedAt time.Time                  `json:"observed_at"`
	Answers    map[string]json.RawMessage `json:"answers"`
}

// IncidentInput is an incident as a channel received it.
type IncidentInput struct {
	ClientID    string    `json:"client_id"`
	Station     string    `json:"station"`
	Category    string    `json:"category"`
	Severity    string    `json:"severity"`
	Description string    `json:"description"`
	ObservedAt  time.Time `json:"observed_at"`
}

// ValidClientID checks a client id is a UUID.
func ValidClientID(id string) error {
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return baqylau.Errorf(baqylau.EINVALID, "client_id must be a UUID such as 0b6f1c1e-8f0e-4a5e-9d7a-2f7b0c3e4d5a")
	}
	return nil
}

// CurrentForms returns the forms in use, read at most every formsTTL.
func (s *Submitter) CurrentForms(ctx context.Context) ([]Form, error) {
	switch {
	case s.Forms != nil:
		return s.Forms(), nil
	case s.Stored == nil:
		return sharedForms(), nil
	}
	s.caches()
	return s.current.Get(struct{}{}, func() ([]Form, error) { return CurrentForms(ctx, s.Stored) })
}

// defaultForms are built once: DefaultForms makes fresh copies each call.
var sharedForms = sync.OnceValue(DefaultForms)

// Form returns the current definition of a form. The result is shared:
// callers must not change it.
func (s *Submitter) Form(code FormCode) (Form, bool) {
	forms, err := s.CurrentForms(context.Background())
	if err != nil {
		forms = sharedForms() // the database is unreachable: keep taking reports
	}
	for _, f := range forms {
		if f.Code == code {
			return f, true
		}
	}
	return Form{}, false
}

// authorize checks that an observer sending for a station is assigned to
// it in this election.
func (s *Submitter) authorize(ctx context.Context, electionID int64, station string, from Sender) error {
	if from.EnteredBy != 0 {
		return nil
	}
	if from.ObserverID == 0 {
		return baqylau.Errorf(baqylau.EFORBIDDEN, "only an accredited observer or the desk may report")
	}
	s.caches()
	assigned, err := s.assignments.Get(assignmentKey{electionID, from.ObserverID, station}, func() (bool, error) {
		_, n, err := s.People.Assignments(ctx, people.AssignmentQuery{ElectionID: electionID, ObserverID: from.ObserverID, StationCode: station, Limit: 1})
		return n > 0, err
	})
	if err != nil {
		return err
	}
	if !assigned {
		return baqylau.Errorf(baqylau.EFORBIDDEN, "you are not assigned to station %s", station)
	}
	return nil
}

func (s *Submitter) station(ctx context.Context, electionID int64, code string) (*election.Election, *election.Station, error) {
	s.caches()
	e, err := s.elections.Get(electionID, func() (*election.Election, error) {
		e, err := s.Elections.Election(ctx, electionID)
		return &e, err
	})
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, nil, baqylau.Errorf(baqylau.EINVALID, "station is required")
	}
	st, err := s.stations.Get(stationKey{e.ID, code}, func() (*election.Station, error) {
		st, err := s.Elections.Station(ctx, e.ID, code)
		return &st, err
	})
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		err = baqylau.Errorf(baqylau.EINVALID, "no station %q in this election", code)
	}
	return e, st, err
}

// Report checks a report and hands it to the ingester; it returns once
// the report is durable. Doubtful data is flagged, not refused.
func (s *Submitter) Report(ctx context.Context, electionID int64, from Sender, in ReportInput) (Ack, error) {
	if err := ValidClientID(in.ClientID); err != nil {
		return Ack{}, err
	}
	e, st, err := s.station(ctx, electionID, in.Station)
	if err != nil {
		return Ack{}, err
	}
	code := FormCode(in.Form)
	isReportForm := false
	for _, f := range ReportForms {
		isReportForm = isReportForm || f == code
	}
	f, ok := s.Form(code)
	if !isReportForm || !ok {
		return Ack{}, baqylau.Errorf(baqylau.EINVALID, "form must be opening, turnout, closing or count")
	}
	if in.ObservedAt.IsZero() {
		return Ack{}, baqylau.Errorf(baqylau.EINVALID, "observed_at is required (RFC 3339)")
	}
	if in.ObservedAt.After(time.Now().Add(10 * time.Minute)) {
		return Ack{}, baqylau.Errorf(baqylau.EINVALID, "observed_at is in the future")
	}
	if err := s.authorize(ctx, e.ID, st.Code, from); err != nil {
		return Ack{}, err
	}
	var contest *election.Contest
	if code == Count {
		if contest, err = contestOf(*e, *st, in.Answers); err != nil {
			return Ack{}, err
		}
	}
	flags, err := CheckAnswers(f, in.Answers, contest)
	if err != nil {
		return Ack{}, err
	}
	rep := Report{ClientID: strings.ToLower(in.ClientID), ElectionID: e.ID, StationCode: st.Code, Form: code, FormVersion: f.Version,
		ObserverID: from.ObserverID, EnteredBy: from.EnteredBy, Channel: from.Channel, ObservedAt: in.ObservedAt.UTC(), Answers: in.Answers}
	var known *stationCounts
	var earlier []StationCount
	if code == Turnout || code == Closing { // the only forms checked against earlier reports
		key := stationKey{e.ID, st.Code}
		if known, err = s.counts.Get(key, func() (*stationCounts, error) {
			list, err := s.Reports.StationCounts(ctx, e.ID, st.Code)
			return &stationCounts{list: list}, err
		}); err != nil {
			return Ack{}, err
		}
		earlier = known.snapshot()
	}
	rep.Flags = append(flags, CheckReportCounts(rep, *st, *e, earlier)...)
	ack, err := s.Ingest.SubmitReport(ctx, rep)
	if err != nil {
		return Ack{}, err
	}
	if !ack.Duplicate {
		ack.Flags = rep.Flags
		if c, ok := CountOf(rep); ok && known != nil {
			c.ID = ack.ID
			known.add(c)
		}
	}
	return ack, nil
}

// stationCounts is what this node knows of a station's cumulative counts:
// read from the database when first needed (and again when it expires,
// which brings in other nodes' reports), then kept up to date with this
// node's own acknowledged reports.
type stationCounts struct {
	mu   sync.Mutex
	list []StationCount
}

// snapshot returns the counts known now. The list only ever grows by
// append, so the elements a snapshot covers never change: it shares them,
// with its capacity cut to its length so that nothing appends into it.
func (c *stationCounts) snapshot() []StationCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.list[:len(c.list):len(c.list)]
}

func (c *stationCounts) add(r StationCount) {
	c.mu.Lock()
	c.list = append(c.list, r)
	c.mu.Unlock()
}

// contestOf finds the contest a count protocol is for.
func contestOf(e election.Election, st election.Station, answers map[string]json.RawMessage) (*election.Contest, error) {
	var id int64
	if err := json.Unmarshal(answers["contest"], &id); err != nil || id == 0 {
		return nil, baqylau.Errorf(baqylau.EINVALID, "a count protocol names its contest: answers.contest is a contest id")
	}
	for i, c := range e.Contests {
		if c.ID == id {
			if !c.Serves(st) {
				return nil, baqylau.Errorf(baqylau.EINVALID, "contest %d is not decided at station %s", id, st.Code)
			}
			return &e.Contests[i], nil
		}
	}
	return nil, baqylau.Errorf(baqylau.EINVALID, "contest %d is not a contest of this election", id)
}

// Incident checks an incident and hands it to the ingester; the incident
// is routed to the HQ of the station's region (or the queue abroad).
func (s *Submitter) Incident(ctx context.Context, electionID int64, from Sender, in IncidentInput) (IncidentReport, Ack, error) {
	if err := ValidClientID(in.ClientID); err != nil {
		return IncidentReport{}, Ack{}, err
	}
	e, st, err := s.station(ctx, electionID, in.Station)
	if err != nil {
		return IncidentReport{}, Ack{}, err
	}
	if err := s.authorize(ctx, e.ID, st.Code, from); err != nil {
		return IncidentReport{}, Ack{}, err
	}
	if in.ObservedAt.IsZero() {
		in.ObservedAt = time.Now()
	}
	inc := IncidentReport{ClientID: strings.ToLower(in.ClientID), ElectionID: e.ID, StationCode: st.Code, Region: st.Region,
		Category: in.Category, Severity: Severity(in.Severity), Description: in.Description, ObserverID: from.ObserverID,
		EnteredBy: from.EnteredBy, Channel: from.Channel, ObservedAt: in.ObservedAt.UTC(), Status: StatusNew}
	if st.Abroad() {
		inc.Region = RegionAbroad
	}
	if err := CheckIncident(&inc); err != nil {
		return inc, Ack{}, err
	}
	ack, err := s.Ingest.SubmitIncident(ctx, inc)
	return inc, ack, err
}
