// Package people holds the observer desk's registry: organisations of every
// kind, missions, observers and journalists with their accreditation
// workflow, training, the Charter of impartial observation, and the
// deployment of observers to polling stations.
package people

import (
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// OrgKind is the kind of an organisation that sends observers.
type OrgKind string

// The kinds of organisation (the observers file's organization_kind).
const (
	InternationalOrganization OrgKind = "international_organization"
	ForeignState              OrgKind = "foreign_state"
	ElectionBody              OrgKind = "election_body"
	DomesticNGO               OrgKind = "domestic_ngo"
	PoliticalParty            OrgKind = "political_party"
	TradeUnion                OrgKind = "trade_union"
	Media                     OrgKind = "media"
)

// OrgKinds lists every kind in display order.
var OrgKinds = []OrgKind{InternationalOrganization, ForeignState, ElectionBody, DomesticNGO, PoliticalParty, TradeUnion, Media}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	for _, v := range OrgKinds {
		if k == v {
			return true
		}
	}
	return false
}

// International reports whether observers of this kind come from abroad.
func (k OrgKind) International() bool {
	return k == InternationalOrganization || k == ForeignState || k == ElectionBody
}

// Organization sends observers (or, for media, journalists).
type Organization struct {
	ID   int64
	Name string
	Kind OrgKind
	// Country is the ISO alpha-2 code of a foreign state or election body,
	// or the seat of an organisation; KZ for domestic ones; may be empty.
	Country string
	// Training is the organisation's rule for "trained".
	Training  TrainingRule
	CreatedAt time.Time
}

// TrainingRule says when an observer of an organisation counts as trained.
type TrainingRule struct {
	// AllMandatory requires attendance at every mandatory session of the
	// organisation's programme.
	AllMandatory bool
	// MinSessions requires at least this many sessions attended (0: none).
	MinSessions int
	// MinScore requires a test score of at least this (0–100; 0: no test).
	MinScore int
}

// Validate checks an organisation before it is stored.
func (o *Organization) Validate() error {
	o.Name = strings.TrimSpace(o.Name)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	if o.Name == "" {
		return baqylau.Errorf(baqylau.EINVALID, "organisation name is required")
	}
	if len(o.Name) > 300 {
		return baqylau.Errorf(baqylau.EINVALID, "organisation name is longer than 300 bytes")
	}
	if !o.Kind.Valid() {
		return baqylau.Errorf(baqylau.EINVALID, "organisation kind %q is not one of %s", o.Kind, kindList())
	}
	if o.Country != "" && !election.ValidCountry(o.Country) {
		return baqylau.Errorf(baqylau.EINVALID, "country %q is not an ISO 3166-1 alpha-2 code", o.Country)
	}
	r := o.Training
	if r.MinSessions < 0 || r.MinScore < 0 || r.MinScore > 100 {
		return baqylau.Errorf(baqylau.EINVALID, "training rule: sessions must be ≥ 0 and the score 0–100")
	}
	return nil
}

func kindList() string {
	s := make([]string, len(OrgKinds))
	for i, k := range OrgKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Mission is an organisation's mission to one election.
type Mission struct {
	ID             int64
	OrganizationID int64
	ElectionID     int64
	Name           string
	StartDate      time.Time // zero if not known
	// Principles is the text each member acknowledges before deployment
	// (non-interference, political neutrality); empty for none.
	Principles string
	CreatedAt  time.Time
}

// Validate checks a mission before it is stored.
func (m *Mission) Validate() error {
	m.Name = strings.TrimSpace(m.Name)
	if m.Name == "" {
		return baqylau.Errorf(baqylau.EINVALID, "mission name is required")
	}
	if m.OrganizationID <= 0 || m.ElectionID <= 0 {
		return baqylau.Errorf(baqylau.EINVALID, "a mission needs an organisation and an election")
	}
	return nil
}

// MissionRole is an observer's place in a mission.
type MissionRole string

// Mission roles.
const (
	MissionMember  MissionRole = "member"
	MissionHead    MissionRole = "head"
	DelegationHead MissionRole = "delegation_head"
)

// Valid reports whether r is a known mission role ("" counts as member).
func (r MissionRole) Valid() bool {
	return r == "" || r == MissionMember || r == MissionHead || r == DelegationHead
}

// Kind tells observers from journalists; both are accredited.
type Kind string

// Person kinds.
const (
	KindObserver   Kind = "observer"
	KindJournalist Kind = "journalist"
)

// Observer is an accredited (or would-be) observer or journalist.
type Observer struct {
	ID int64
	// Number is the accreditation number printed on the badge.
	Number         string
	Kind           Kind
	FullName       string
	OrganizationID int64
	// Country is the observer's citizenship (ISO alpha-2).
	Country   string
	Languages []string // ISO 639-1 codes
	// Region is where a domestic observer works (a region code), if set.
	Region      string
	MissionID   int64 // 0: no mission
	MissionRole MissionRole
	Status      Status
	// ValidUntil ends the accreditation (zero: the election's end).
	ValidUntil time.Time
	Personal   Personal
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Personal is an observer's personal data: shown only to roles that need
// it, never on public pages, in public exports or in logs.
type Personal struct {
	Email      string
	Phone      string
	NationalID string
	BirthDate  time.Time // zero if not given
}

// Status is a step of the accreditation workflow.
type Status string

// The workflow: applied → trained → accredited → deployed; any step can be
// revoked (with a reason) and a revoked accreditation reinstated to applied.
const (
	Applied    Status = "applied"
	Trained    Status = "trained"
	Accredited Status = "accredited"
	Deployed   Status = "deployed"
	Revoked    Status = "revoked"
)

// Statuses lists the statuses in workflow order.
var Statuses = []Status{Applied, Trained, Accredited, Deployed, Revoked}

// Transition is one recorded step of an observer's workflow.
type Transition struct {
	ID         int64
	ObserverID int64
	From, To   Status
	Reason     string
	ByUserID   int64 // 0: the system (an import, a rule)
	At         time.Time
}

// Badge is valid while the accreditation is accredited or deployed.
func (o Observer) BadgeValid(now time.Time) bool {
	if o.Status != Accredited && o.Status != Deployed {
		return false
	}
	return o.ValidUntil.IsZero() || now.Before(o.ValidUntil)
}
