package demo

import (
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
)

// TestPlanMatchesTheReports checks the planned people against the
// figures of the source reports, for several seeds.
func TestPlanMatchesTheReports(t *testing.T) {
	for _, seed := range []uint64{DefaultSeed, 1, 42} {
		p := planPeople(seed)
		intl, cis, heads, revoked := 0, 0, 0, 0
		countries, orgs, emails := map[string]bool{}, map[string]bool{}, map[string]bool{}
		regions := map[string]int{}
		kazakh := false
		for _, pl := range p.people {
			r := pl.row
			if emails[r.Email] || !strings.HasSuffix(r.Email, "@observers.example") {
				t.Fatalf("seed %d: e-mail %q repeated or not made up", seed, r.Email)
			}
			emails[r.Email] = true
			if !election.ValidCountry(r.Country) || r.FullName == "" || len(r.Languages) == 0 {
				t.Errorf("seed %d: %+v", seed, r)
			}
			if r.Phone != "" && !strings.HasPrefix(r.Phone, "+7 700 000 ") {
				t.Errorf("seed %d: phone %q", seed, r.Phone)
			}
			kazakh = kazakh || strings.ContainsAny(r.FullName, "әғқңөұүһі")
			if pl.org.Kind.International() {
				intl++
				countries[r.Country] = true
				if pl.org.Kind == people.InternationalOrganization {
					orgs[pl.org.Name] = true
				}
				if pl.org.Mission == "" {
					t.Errorf("seed %d: %s has no mission", seed, pl.org.Name)
				}
				if pl.org.Name == CISOrgName {
					cis++
				}
				if pl.role != people.MissionMember {
					heads++
				}
			}
			if pl.org.Name == CentreName {
				regions[r.Region]++
			}
			if pl.revoke != "" {
				revoked++
			}
			if pl.revoke != "" && pl.org.Name == CISOrgName {
				t.Errorf("seed %d: a CIS member is revoked", seed)
			}
		}
		if intl != InternationalObservers || len(countries) != ObserverStates || len(orgs) != InternationalOrganizations || cis != CISMissionSize {
			t.Errorf("seed %d: %d international observers from %d organisations and %d states; CIS %d",
				seed, intl, len(orgs), len(countries), cis)
		}
		if heads != len(internationalOrgs)+len(foreignOrgs)+8 {
			t.Errorf("seed %d: %d heads", seed, heads)
		}
		if revoked != len(intlRevocations)+len(domesticRevocations) {
			t.Errorf("seed %d: %d revoked", seed, revoked)
		}
		if !kazakh {
			t.Errorf("seed %d: no Kazakh letters in any name", seed)
		}
		if len(regions) != len(units)+1 || regions[EastKazakhstan] < 300 || regions[""] != abroadObservers {
			t.Errorf("seed %d: the Centre by unit: %v", seed, regions)
		}
		if n := len(p.people); n < 1800 || n > 2200 {
			t.Errorf("seed %d: %d people", seed, n)
		}
	}
}

// TestPlanIsDeterministic: the same seed gives the same people.
func TestPlanIsDeterministic(t *testing.T) {
	a, b := planPeople(7), planPeople(7)
	for i := range a.people {
		x, y := a.people[i], b.people[i]
		if x.row.FullName != y.row.FullName || x.final != y.final || x.revoke != y.revoke || len(x.attended) != len(y.attended) {
			t.Fatalf("person %d differs: %+v, %+v", i, x, y)
		}
	}
}

func TestFeminine(t *testing.T) {
	for in, want := range map[string]string{"Иванов": "Иванова", "Жуковский": "Жуковская", "Нұрланұлы": "Нұрланқызы",
		"Ғабдуллин": "Ғабдуллина", "Шевченко": "Шевченко"} {
		if got := slavicFeminine(in); got != want {
			t.Errorf("slavicFeminine(%q) = %q, want %q", in, got, want)
		}
	}
	if got := latinFeminine("Aliyev"); got != "Aliyeva" {
		t.Errorf("latinFeminine(Aliyev) = %q", got)
	}
}
