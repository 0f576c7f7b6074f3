package people

import (
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
)

func TestCheckTransition(t *testing.T) {
	allowed := map[Status][]Status{
		Applied:    {Trained, Revoked},
		Trained:    {Accredited, Revoked},
		Accredited: {Deployed, Revoked},
		Deployed:   {Accredited, Revoked},
		Revoked:    {Applied},
	}
	for _, kind := range []Kind{KindObserver, KindJournalist} {
		for _, from := range Statuses {
			for _, to := range Statuses {
				ok := false
				for _, s := range allowed[from] {
					ok = ok || s == to
				}
				if kind == KindJournalist && from == Applied && to == Accredited {
					ok = true // journalists need no training
				}
				err := CheckTransition(Observer{Kind: kind, Status: from}, to, "broke the charter")
				switch {
				case ok && err != nil:
					t.Errorf("%s %s → %s: refused: %v", kind, from, to, err)
				case !ok && err == nil:
					t.Errorf("%s %s → %s: allowed", kind, from, to)
				case !ok && baqylau.ErrorCode(err) != baqylau.ECONFLICT:
					t.Errorf("%s %s → %s: code %s, want %s", kind, from, to, baqylau.ErrorCode(err), baqylau.ECONFLICT)
				}
			}
		}
	}
}

func TestCheckTransitionRevocationNeedsReason(t *testing.T) {
	for _, from := range []Status{Applied, Trained, Accredited, Deployed} {
		for _, reason := range []string{"", "  \t"} {
			err := CheckTransition(Observer{Kind: KindObserver, Status: from}, Revoked, reason)
			if baqylau.ErrorCode(err) != baqylau.EINVALID || !strings.Contains(err.Error(), "reason") {
				t.Errorf("%s → revoked with reason %q: got %v, want an invalid error asking for a reason", from, reason, err)
			}
		}
		if err := CheckTransition(Observer{Kind: KindJournalist, Status: from}, Revoked, "campaigned at the station"); err != nil {
			t.Errorf("%s → revoked with a reason: %v", from, err)
		}
	}
}

func TestIsTrained(t *testing.T) {
	programme := []TrainingSession{
		{ID: 1, Mandatory: true},
		{ID: 2, Mandatory: true},
		{ID: 3},
		{ID: 4},
	}
	att := func(ids ...int64) []Attendance {
		var a []Attendance
		for _, id := range ids {
			a = append(a, Attendance{SessionID: id, Attended: true, Score: -1})
		}
		return a
	}
	scored := func(a []Attendance, score int) []Attendance {
		return append(a, Attendance{SessionID: 4, Attended: false, Score: score})
	}
	tests := []struct {
		name string
		rule TrainingRule
		att  []Attendance
		want bool
	}{
		{"empty rule never trains", TrainingRule{}, att(1, 2, 3, 4), false},
		{"empty rule, nothing attended", TrainingRule{}, nil, false},
		{"all mandatory attended", TrainingRule{AllMandatory: true}, att(1, 2), true},
		{"one mandatory missed", TrainingRule{AllMandatory: true}, att(1, 3, 4), false},
		{"mandatory registered but absent", TrainingRule{AllMandatory: true}, append(att(1), Attendance{SessionID: 2, Score: -1}), false},
		{"mandatory not required", TrainingRule{MinSessions: 2}, att(3, 4), true},
		{"too few sessions", TrainingRule{MinSessions: 3}, att(1, 2), false},
		{"exactly the minimum", TrainingRule{MinSessions: 3}, att(1, 2, 3), true},
		{"sessions outside the programme do not count", TrainingRule{MinSessions: 2}, att(1, 99), false},
		{"score reached", TrainingRule{MinScore: 70}, scored(nil, 70), true},
		{"score missed", TrainingRule{MinScore: 70}, scored(nil, 69), false},
		{"no test taken", TrainingRule{MinScore: 70}, att(1, 2, 3, 4), false},
		{"best score counts", TrainingRule{MinScore: 70}, scored(scored(nil, 40), 85), true},
		{"all three met", TrainingRule{AllMandatory: true, MinSessions: 3, MinScore: 60}, scored(att(1, 2, 3), 60), true},
		{"all three, score missed", TrainingRule{AllMandatory: true, MinSessions: 3, MinScore: 60}, scored(att(1, 2, 3), 59), false},
		{"all three, sessions missed", TrainingRule{AllMandatory: true, MinSessions: 3, MinScore: 60}, scored(att(1, 2), 90), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTrained(tt.rule, programme, tt.att); got != tt.want {
				t.Errorf("IsTrained(%+v) = %v, want %v", tt.rule, got, tt.want)
			}
		})
	}
}

func TestOrganizationValidate(t *testing.T) {
	tests := []struct {
		name    string
		org     Organization
		wantErr string // part of the message; "" for valid
		check   func(Organization) bool
	}{
		{"valid, trimmed and upper-cased", Organization{Name: "  OSCE/ODIHR ", Kind: InternationalOrganization, Country: " pl "}, "",
			func(o Organization) bool { return o.Name == "OSCE/ODIHR" && o.Country == "PL" }},
		{"no country", Organization{Name: "Адал сайлау", Kind: DomesticNGO}, "", nil},
		{"with a training rule", Organization{Name: "Khabar", Kind: Media, Training: TrainingRule{AllMandatory: true, MinSessions: 2, MinScore: 100}}, "", nil},
		{"empty name", Organization{Name: "   ", Kind: Media}, "name is required", nil},
		{"name too long", Organization{Name: strings.Repeat("ж", 151), Kind: Media}, "longer than 300", nil},
		{"name at the limit", Organization{Name: strings.Repeat("a", 300), Kind: Media}, "", nil},
		{"unknown kind", Organization{Name: "X", Kind: "charity"}, "domestic_ngo", nil},
		{"empty kind", Organization{Name: "X"}, "kind", nil},
		{"bad country", Organization{Name: "X", Kind: ForeignState, Country: "UK"}, "ISO 3166-1", nil},
		{"negative sessions", Organization{Name: "X", Kind: Media, Training: TrainingRule{MinSessions: -1}}, "training rule", nil},
		{"score over 100", Organization{Name: "X", Kind: Media, Training: TrainingRule{MinScore: 101}}, "training rule", nil},
		{"negative score", Organization{Name: "X", Kind: Media, Training: TrainingRule{MinScore: -5}}, "training rule", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.org
			err := o.Validate()
			checkValidate(t, err, tt.wantErr)
			if err == nil && tt.check != nil && !tt.check(o) {
				t.Errorf("not normalised: %+v", o)
			}
		})
	}
}

// checkValidate checks a Validate result: nil when want is "", else an
// EINVALID error whose message contains want.
func checkValidate(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("refused: %v", err)
	case want != "" && err == nil:
		t.Errorf("accepted, want an error containing %q", want)
	case want != "" && baqylau.ErrorCode(err) != baqylau.EINVALID:
		t.Errorf("code %s, want %s: %v", baqylau.ErrorCode(err), baqylau.EINVALID, err)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestOrgKind(t *testing.T) {
	for _, k := range OrgKinds {
		if !k.Valid() {
			t.Errorf("%s is not valid", k)
		}
	}
	if len(OrgKinds) != 7 {
		t.Errorf("%d kinds, want the 7 of the design", len(OrgKinds))
	}
	for _, k := range []OrgKind{"", "ngo", "Media", "media "} {
		if k.Valid() {
			t.Errorf("%q is valid", k)
		}
	}
	intl := map[OrgKind]bool{InternationalOrganization: true, ForeignState: true, ElectionBody: true}
	for _, k := range OrgKinds {
		if k.International() != intl[k] {
			t.Errorf("%s.International() = %v", k, k.International())
		}
	}
}

func TestMissionValidate(t *testing.T) {
	tests := []struct {
		name string
		m    Mission
		want string
	}{
		{"valid", Mission{Name: " ODIHR EOM ", OrganizationID: 1, ElectionID: 2}, ""},
		{"no name", Mission{Name: " ", OrganizationID: 1, ElectionID: 2}, "name is required"},
		{"no organisation", Mission{Name: "M", ElectionID: 2}, "organisation and an election"},
		{"no election", Mission{Name: "M", OrganizationID: 1}, "organisation and an election"},
		{"negative id", Mission{Name: "M", OrganizationID: -1, ElectionID: 2}, "organisation and an election"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			err := m.Validate()
			checkValidate(t, err, tt.want)
			if err == nil && m.Name != strings.TrimSpace(tt.m.Name) {
				t.Errorf("name %q not trimmed", m.Name)
			}
		})
	}
	for _, r := range []MissionRole{"", MissionMember, MissionHead, DelegationHead} {
		if !r.Valid() {
			t.Errorf("role %q is not valid", r)
		}
	}
	if MissionRole("observer").Valid() {
		t.Error(`role "observer" is valid`)
	}
}

func TestTrainingSessionValidate(t *testing.T) {
	at := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		s    TrainingSession
		want string
	}{
		{"valid", TrainingSession{OrganizationID: 1, Title: " Election day ", Mode: InPerson, StartsAt: at}, ""},
		{"video", TrainingSession{OrganizationID: 1, Title: "T", Mode: Video, StartsAt: at}, ""},
		{"messenger", TrainingSession{OrganizationID: 1, Title: "T", Mode: Messenger, StartsAt: at, Mandatory: true, Region: "KZ-75"}, ""},
		{"no title", TrainingSession{OrganizationID: 1, Title: "  ", Mode: Video, StartsAt: at}, "title is required"},
		{"bad mode", TrainingSession{OrganizationID: 1, Title: "T", Mode: "radio", StartsAt: at}, "in_person, video or messenger"},
		{"empty mode", TrainingSession{OrganizationID: 1, Title: "T", StartsAt: at}, "mode"},
		{"no start", TrainingSession{OrganizationID: 1, Title: "T", Mode: Video}, "start time"},
		{"no organisation", TrainingSession{Title: "T", Mode: Video, StartsAt: at}, "organisation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			checkValidate(t, s.Validate(), tt.want)
		})
	}
	if len(Modes) != 3 {
		t.Errorf("Modes = %v", Modes)
	}
}

func TestCharterVersion(t *testing.T) {
	tests := []struct {
		name string
		c    CharterVersion
		want string
	}{
		{"valid", CharterVersion{TextKK: " Хартия ", TextRU: "Хартия", TextEN: "Charter"}, ""},
		{"no Kazakh", CharterVersion{TextKK: " ", TextRU: "Хартия", TextEN: "Charter"}, "Kazakh, Russian and English"},
		{"no Russian", CharterVersion{TextKK: "Хартия", TextEN: "Charter"}, "Kazakh, Russian and English"},
		{"no English", CharterVersion{TextKK: "Хартия", TextRU: "Хартия", TextEN: "\n"}, "Kazakh, Russian and English"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			err := c.Validate()
			checkValidate(t, err, tt.want)
			if err == nil && c.TextKK != "Хартия" {
				t.Errorf("text not trimmed: %q", c.TextKK)
			}
		})
	}
	c := CharterVersion{TextKK: "kk", TextRU: "ru", TextEN: "en"}
	for lang, want := range map[string]string{"kk": "kk", "ru": "ru", "en": "en", "de": "en", "": "en"} {
		if got := c.Text(lang); got != want {
			t.Errorf("Text(%q) = %q, want %q", lang, got, want)
		}
	}
}

func TestBadgeValid(t *testing.T) {
	now := time.Date(2024, 3, 17, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		status Status
		until  time.Time
		want   bool
	}{
		{Applied, time.Time{}, false},
		{Trained, time.Time{}, false},
		{Accredited, time.Time{}, true},
		{Deployed, time.Time{}, true},
		{Revoked, time.Time{}, false},
		{Accredited, now.Add(time.Hour), true},
		{Deployed, now.Add(time.Nanosecond), true},
		{Accredited, now, false},
		{Deployed, now.Add(-time.Hour), false},
		{Revoked, now.Add(time.Hour), false},
		{Applied, now.Add(time.Hour), false},
	}
	for _, tt := range tests {
		o := Observer{Status: tt.status, ValidUntil: tt.until}
		if got := o.BadgeValid(now); got != tt.want {
			t.Errorf("%s until %v: BadgeValid = %v, want %v", tt.status, tt.until, got, tt.want)
		}
	}
}
