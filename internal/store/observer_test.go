package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// testCountries are 41 states observers come from.
var testCountries = strings.Fields("RU BY KG UZ TJ AZ AM GE MD UA TR CN JP KR MN IN PK IR AE SA " +
	"DE FR GB IT ES PL CZ AT CH NL BE SE NO FI DK US CA BR AR ZA EG")

// testOrgs are 12 organisations of every kind; the last is a media outlet.
var testOrgs = []struct {
	name string
	kind people.OrgKind
}{
	{"ОБСЕ/БДИПЧ", people.InternationalOrganization},
	{"Миссия СНГ", people.InternationalOrganization},
	{"ШОС", people.InternationalOrganization},
	{"Central Election Commission of Kyrgyzstan", people.ElectionBody},
	{"Embassy of Germany", people.ForeignState},
	{"Embassy of Japan", people.ForeignState},
	{"Адал Сайлау", people.DomesticNGO},
	{"Ar.Rukh.Hak", people.DomesticNGO},
	{"Amanat", people.PoliticalParty},
	{"Ak Zhol", people.PoliticalParty},
	{"Федерация профсоюзов", people.TradeUnion},
	{"Хабар 24", people.Media},
}

var testRegions = []string{"KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-71", "KZ-75", "KZ-79"}

var firstNames = []string{"Айгерим", "Нурлан", "Асель", "Ержан", "Динара", "Марат", "Anna", "John", "Yuki", "Hans"}
var lastNames = []string{"Сапарова", "Иванов", "Ким", "Smith", "Tanaka", "Müller", "Ахметов", "Petrov"}

// observerRows generates n distinct observers, numbered from first, of
// the test organisations, from 41 states; one in five of each
// organisation's in its mission. Names repeat, e-mails and phones never do.
func observerRows(first, n int) []people.ObserverRow {
	rows := make([]people.ObserverRow, n)
	for i := range rows {
		k := first + i
		org := testOrgs[k%len(testOrgs)]
		r := people.ObserverRow{
			Row:              i + 2,
			FullName:         fmt.Sprintf("%s %s %d", lastNames[k%len(lastNames)], firstNames[(k/3)%len(firstNames)], k),
			Organization:     org.name,
			OrganizationKind: org.kind,
			Country:          testCountries[k%len(testCountries)],
			Email:            fmt.Sprintf("person%d@example.org", k),
			Phone:            fmt.Sprintf("+7 701 %07d", k),
			Languages:        []string{"ru", "en"},
		}
		if !org.kind.International() {
			r.Country = "KZ"
			r.Region = testRegions[k%len(testRegions)]
		}
		if (k/len(testOrgs))%5 == 0 {
			r.Mission = "Mission of " + org.name
		}
		rows[i] = r
	}
	return rows
}

var numberRE = regexp.MustCompile(`^(OBS|JRN)-\d{6,}$`)

func TestImportObservers800(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		user := mustUser(t, db, "coordinator@example.kz")
		rows := observerRows(0, 800)
		start := time.Now()
		sum, err := db.ImportObservers(ctx, e.ID, rows, user)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("imported 800 observers in %v", took)
		if want := (people.ObserverImportSummary{Observers: 800, Organizations: 12, Missions: 12}); sum != want {
			t.Errorf("summary = %+v, want %+v", sum, want)
		}
		list, total, err := db.Observers(ctx, people.ObserverQuery{Limit: 1000})
		if err != nil || total != 800 || len(list) != 800 {
			t.Fatalf("Observers() = %d of %d, %v", len(list), total, err)
		}
		countries := map[string]bool{}
		numbers := map[string]bool{}
		for i, o := range list {
			countries[o.Country] = true
			numbers[o.Number] = true
			if !numberRE.MatchString(o.Number) || (o.Kind == people.KindJournalist) != strings.HasPrefix(o.Number, "JRN-") {
				t.Fatalf("observer %+v has number %q", o, o.Number)
			}
			if i > 0 && (list[i-1].FullName > o.FullName || list[i-1].FullName == o.FullName && list[i-1].ID > o.ID) {
				t.Fatalf("not ordered by name: %q before %q", list[i-1].FullName, o.FullName)
			}
			if o.Status != people.Applied || !reflect.DeepEqual(o.Languages, []string{"ru", "en"}) {
				t.Fatalf("observer %+v", o)
			}
		}
		if len(countries) != 41+1 || len(numbers) != 800 {
			t.Errorf("%d countries (want 41 and KZ), %d distinct numbers", len(countries), len(numbers))
		}

		// The organisations and missions were created with the rows' kinds.
		orgs, n, err := db.Organizations(ctx, people.OrgQuery{})
		if err != nil || n != 12 {
			t.Fatalf("Organizations() = %d, %v", n, err)
		}
		for _, o := range orgs {
			_, members, err := db.Observers(ctx, people.ObserverQuery{OrganizationID: o.ID})
			if err != nil || members < 66 {
				t.Errorf("organisation %q has %d observers, %v", o.Name, members, err)
			}
			if o.Kind == people.Media {
				if _, js, _ := db.Observers(ctx, people.ObserverQuery{OrganizationID: o.ID, Kind: people.KindJournalist}); js != members {
					t.Errorf("media organisation has %d journalists of %d", js, members)
				}
			}
			if o.Kind == people.DomesticNGO && o.Country != "KZ" || o.Kind == people.ForeignState && o.Country == "" {
				t.Errorf("organisation %+v: country not derived", o)
			}
		}
		missions, err := db.Missions(ctx, e.ID)
		if err != nil || len(missions) != 12 {
			t.Fatalf("Missions() = %+v, %v", missions, err)
		}
		for _, m := range missions {
			if m.Members == 0 {
				t.Errorf("mission %q has no members", m.Name)
			}
		}

		// Each observer got an applied transition by the importing user.
		o := list[123]
		tr, err := db.Transitions(ctx, o.ID)
		if err != nil || len(tr) != 1 || tr[0].From != "" || tr[0].To != people.Applied || tr[0].ByUserID != user || tr[0].ObserverID != o.ID {
			t.Errorf("Transitions() = %+v, %v", tr, err)
		}
		if got, err := db.ObserverByNumber(ctx, strings.ToLower(o.Number)); err != nil || got.ID != o.ID {
			t.Errorf("ObserverByNumber(%q) = %+v, %v", o.Number, got, err)
		}

		// A second file adds to the same organisations and missions.
		sum, err = db.ImportObservers(ctx, e.ID, observerRows(800, 24), 0)
		if err != nil || sum != (people.ObserverImportSummary{Observers: 24}) {
			t.Errorf("second import = %+v, %v", sum, err)
		}
	})
}

func TestImportObserversRefusesDuplicates(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		first := []people.ObserverRow{
			{Row: 2, FullName: "Ivanov Ivan", Organization: "Адал Сайлау", OrganizationKind: people.DomesticNGO,
				Email: "ivan@example.kz", Country: "KZ"},
			{Row: 3, FullName: "Петрова Анна", Organization: "Адал Сайлау", OrganizationKind: people.DomesticNGO,
				Phone: "8 701 555 44 33", Country: "KZ"},
		}
		if _, err := db.ImportObservers(ctx, e.ID, first, 0); err != nil {
			t.Fatal(err)
		}
		ivan, err := db.ObserverByNumber(ctx, "OBS-000001")
		if err != nil || ivan.FullName != "Ivanov Ivan" {
			t.Fatalf("first observer = %+v, %v", ivan, err)
		}

		second := []people.ObserverRow{
			{Row: 2, FullName: "Новый Человек", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Email: "new@example.kz"},
			{Row: 3, FullName: "Another One", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Email: "x@example.kz"},
			{Row: 4, FullName: "Someone Else", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Email: "y@example.kz"},
			{Row: 5, FullName: "Other", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Email: "z@example.kz"},
			{Row: 6, FullName: "Five", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Email: "f@example.kz"},
			{Row: 7, FullName: "IVAN  IVANOV", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Email: " IVAN@example.KZ"},
			{Row: 8, FullName: "анна петрова", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Phone: "+7 (701) 555-44-33"},
			{Row: 9, FullName: "Новый  человек", Organization: "New NGO", OrganizationKind: people.DomesticNGO, Email: "NEW@example.kz"},
		}
		_, err = db.ImportObservers(ctx, e.ID, second, 0)
		wantCode(t, err, baqylau.EINVALID)
		msg := baqylau.ErrorMessage(err)
		for _, want := range []string{
			"row 7: the same person as observer OBS-000001 (same name and e-mail)",
			"row 8: the same person as observer OBS-000002 (same name and phone)",
			"row 9: the same person as row 2 (same name and e-mail)",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		// Nothing was written: no observer, no organisation.
		if _, n, _ := db.Observers(ctx, people.ObserverQuery{}); n != 2 {
			t.Errorf("%d observers after a refused import, want 2", n)
		}
		_, err = db.OrganizationByName(ctx, "New NGO")
		wantCode(t, err, baqylau.ENOTFOUND)

		// FindDuplicates answers the same question before a CreateObserver.
		keys := people.DuplicateKeys("IVANOV, ivan", people.Personal{Email: "Ivan@Example.kz", Phone: "+7 701 000 00 00"})
		found, err := db.FindDuplicates(ctx, keys)
		if err != nil || len(found) != 1 || found[keys[0]].ID != ivan.ID {
			t.Errorf("FindDuplicates() = %+v, %v", found, err)
		}
		if found, err := db.FindDuplicates(ctx, nil); err != nil || len(found) != 0 {
			t.Errorf("FindDuplicates(nil) = %v, %v", found, err)
		}
	})
}

func TestImportObserversProblems(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		mustOrg(t, db, "Amanat", people.PoliticalParty)
		osce := mustOrg(t, db, "OSCE", people.InternationalOrganization)
		m := people.Mission{OrganizationID: osce.ID, ElectionID: e.ID, Name: "EOM"}
		if err := db.CreateMission(ctx, &m); err != nil {
			t.Fatal(err)
		}
		rows := []people.ObserverRow{
			{Row: 2, FullName: "A", Organization: "AMANAT", OrganizationKind: people.DomesticNGO},
			{Row: 3, FullName: "B", Organization: "Amanat", OrganizationKind: people.PoliticalParty, Mission: "eom"},
			{Row: 4, FullName: "C", Organization: "New", OrganizationKind: "club"},
			{Row: 5, FullName: " ", Organization: "Amanat", OrganizationKind: people.PoliticalParty},
		}
		_, err := db.ImportObservers(ctx, e.ID, rows, 0)
		wantCode(t, err, baqylau.EINVALID)
		msg := baqylau.ErrorMessage(err)
		for _, want := range []string{"row 2: organisation \"Amanat\" is political_party, not domestic_ngo",
			"row 3: mission \"EOM\" belongs to another organisation", "row 4: organisation kind \"club\"", "row 5: full_name is required"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		_, err = db.ImportObservers(ctx, 999, []people.ObserverRow{{Row: 2, FullName: "D", Organization: "Amanat", Mission: "M"}}, 0)
		wantCode(t, err, baqylau.ENOTFOUND)
		// Without missions, no election is needed.
		sum, err := db.ImportObservers(ctx, 0, []people.ObserverRow{{Row: 2, FullName: "D", Organization: "amanat"}}, 0)
		if err != nil || sum != (people.ObserverImportSummary{Observers: 1}) {
			t.Errorf("import without an election = %+v, %v", sum, err)
		}
	})
}

func TestCreateObserver(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ngo := mustOrg(t, db, "Адал Сайлау", people.DomesticNGO)
		media := mustOrg(t, db, "Хабар", people.Media)
		user := mustUser(t, db, "a@example.kz")
		o := people.Observer{FullName: " Айгерим Сапарова ", OrganizationID: ngo.ID, Country: "kz", Languages: []string{"kk", "ru"},
			Region: "KZ-75", ValidUntil: time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC),
			Personal: people.Personal{Email: "a@example.kz", Phone: "+7 701 111 22 33", NationalID: "900101400123",
				BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)}}
		before := time.Now().Add(-time.Millisecond)
		if err := db.CreateObserver(ctx, &o, user); err != nil {
			t.Fatal(err)
		}
		if o.ID == 0 || o.Number != fmt.Sprintf("OBS-%06d", o.ID) || o.Kind != people.KindObserver || o.Status != people.Applied ||
			o.FullName != "Айгерим Сапарова" || o.Country != "KZ" || o.CreatedAt.Before(before) || !o.UpdatedAt.Equal(o.CreatedAt) {
			t.Fatalf("after create: %+v", o)
		}
		got, err := db.Observer(ctx, o.ID)
		if err != nil || !reflect.DeepEqual(got, o) {
			t.Errorf("Observer() =\n%+v, %v\nwant\n%+v", got, err, o)
		}
		j := mustObserver(t, db, people.Observer{FullName: "Reporter", OrganizationID: media.ID, Status: people.Accredited})
		if j.Kind != people.KindJournalist || j.Number != fmt.Sprintf("JRN-%06d", j.ID) {
			t.Errorf("journalist = %+v", j)
		}
		if tr, err := db.Transitions(ctx, j.ID); err != nil || len(tr) != 1 || tr[0].To != people.Accredited || tr[0].ByUserID != 0 {
			t.Errorf("journalist transitions = %+v, %v", tr, err)
		}
		wantCode(t, db.CreateObserver(ctx, &people.Observer{FullName: "X", OrganizationID: 999}, 0), baqylau.ENOTFOUND)
		wantCode(t, db.CreateObserver(ctx, &people.Observer{FullName: "X", OrganizationID: ngo.ID, MissionID: 999}, 0), baqylau.ENOTFOUND)
		wantCode(t, db.CreateObserver(ctx, &people.Observer{FullName: "", OrganizationID: ngo.ID}, 0), baqylau.EINVALID)
		wantCode(t, db.CreateObserver(ctx, &people.Observer{FullName: "X", OrganizationID: ngo.ID, Status: "gone"}, 0), baqylau.EINVALID)
		_, err = db.Observer(ctx, 999)
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.ObserverByNumber(ctx, "OBS-999999")
		wantCode(t, err, baqylau.ENOTFOUND)

		// CreateObserver records the keys that FindDuplicates looks up.
		keys := people.DuplicateKeys("САПАРОВА айгерим", people.Personal{Phone: "87011112233"})
		if found, err := db.FindDuplicates(ctx, keys); err != nil || found[keys[0]].ID != o.ID {
			t.Errorf("FindDuplicates() = %+v, %v", found, err)
		}
	})
}

func TestObserversSearchAndPages(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		rows := observerRows(0, 120)
		inDE, inKZ10 := 0, 0
		for _, r := range rows {
			if r.Country == "DE" {
				inDE++
			}
			if r.Region == "KZ-10" {
				inKZ10++
			}
		}
		if inDE == 0 || inKZ10 == 0 {
			t.Fatalf("%d from DE, %d in KZ-10: test data cannot test filters", inDE, inKZ10)
		}
		if _, err := db.ImportObservers(ctx, e.ID, rows, 0); err != nil {
			t.Fatal(err)
		}
		ngo, err := db.OrganizationByName(ctx, "Адал Сайлау")
		if err != nil {
			t.Fatal(err)
		}
		aigerim := mustObserver(t, db, people.Observer{FullName: "Айгерим Нурланқызы", OrganizationID: ngo.ID, Region: "KZ-75",
			Personal: people.Personal{Email: "secret@example.kz", Phone: "+7 777 000 11 22", NationalID: "123456789012"}})
		tests := []struct {
			q    people.ObserverQuery
			want int
		}{
			{people.ObserverQuery{}, 121},
			{people.ObserverQuery{Search: "АЙГЕРИМ"}, 13},
			{people.ObserverQuery{Search: "нурланқызы"}, 1},
			{people.ObserverQuery{Search: "ҚЫЗЫ"}, 1},
			{people.ObserverQuery{Search: strings.ToLower(aigerim.Number)}, 1},
			{people.ObserverQuery{Search: "адал сай"}, 11},
			{people.ObserverQuery{Search: "хабар"}, 10},
			{people.ObserverQuery{Search: "secret"}, 0},
			{people.ObserverQuery{Search: "777"}, 0},
			{people.ObserverQuery{Search: "1234567890"}, 0},
			{people.ObserverQuery{Search: "_"}, 0},
			{people.ObserverQuery{OrganizationID: ngo.ID}, 11},
			{people.ObserverQuery{OrganizationID: ngo.ID, Region: "KZ-75", Search: "айгерим"}, 1},
			{people.ObserverQuery{Kind: people.KindJournalist}, 10},
			{people.ObserverQuery{Country: "de"}, inDE},
			{people.ObserverQuery{Region: "KZ-10"}, inKZ10},
			{people.ObserverQuery{Status: people.Applied}, 121},
			{people.ObserverQuery{Status: people.Revoked}, 0},
		}
		for _, tt := range tests {
			list, total, err := db.Observers(ctx, tt.q)
			if err != nil || total != tt.want || len(list) != min(tt.want, 50) {
				t.Errorf("Observers(%+v) = %d of %d, %v; want %d", tt.q, len(list), total, err, tt.want)
			}
		}

		all, _, err := db.Observers(ctx, people.ObserverQuery{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var paged []people.Observer
		for off := 0; ; off += 50 {
			list, total, err := db.Observers(ctx, people.ObserverQuery{Offset: off})
			if err != nil || total != 121 {
				t.Fatalf("page at %d: total %d, %v", off, total, err)
			}
			if len(list) == 0 {
				break
			}
			paged = append(paged, list...)
		}
		if !reflect.DeepEqual(paged, all) {
			t.Errorf("pages of 50 differ from one page of all")
		}
		if list, total, err := db.Observers(ctx, people.ObserverQuery{Limit: 10, Offset: 115}); err != nil || total != 121 || len(list) != 6 {
			t.Errorf("last page = %d of %d, %v", len(list), total, err)
		}
		if list, total, err := db.Observers(ctx, people.ObserverQuery{Offset: 500}); err != nil || total != 121 || len(list) != 0 || list == nil {
			t.Errorf("past the end = %v of %d, %v; want an empty list", list, total, err)
		}
	})
}

func TestTransition(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		org := mustOrg(t, db, "NGO", people.DomesticNGO)
		o := mustObserver(t, db, people.Observer{FullName: "A", OrganizationID: org.ID})
		user := mustUser(t, db, "u@example.kz")
		at := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
		if err := db.Transition(ctx, people.Transition{ObserverID: o.ID, From: people.Applied, To: people.Trained, ByUserID: user, At: at}); err != nil {
			t.Fatal(err)
		}
		// Someone else moved it first: it is no longer applied.
		err := db.Transition(ctx, people.Transition{ObserverID: o.ID, From: people.Applied, To: people.Revoked, Reason: "x"})
		wantCode(t, err, baqylau.ECONFLICT)
		if !strings.Contains(baqylau.ErrorMessage(err), "changed meanwhile") {
			t.Errorf("message %q", baqylau.ErrorMessage(err))
		}
		wantCode(t, db.Transition(ctx, people.Transition{ObserverID: 999, From: people.Applied, To: people.Trained}), baqylau.ENOTFOUND)
		got, err := db.Observer(ctx, o.ID)
		if err != nil || got.Status != people.Trained || !got.UpdatedAt.Equal(at) {
			t.Errorf("after transition: %+v, %v", got, err)
		}
		tr, err := db.Transitions(ctx, o.ID)
		if err != nil || len(tr) != 2 {
			t.Fatalf("Transitions() = %+v, %v", tr, err)
		}
		want := people.Transition{ID: tr[1].ID, ObserverID: o.ID, From: people.Applied, To: people.Trained, ByUserID: user, At: at}
		if tr[1] != want {
			t.Errorf("transition = %+v, want %+v", tr[1], want)
		}
		if tr, err := db.Transitions(ctx, 999); err != nil || len(tr) != 0 {
			t.Errorf("Transitions(999) = %v, %v", tr, err)
		}

		// Of concurrent identical steps exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Transition(ctx, people.Transition{ObserverID: o.ID, From: people.Trained, To: people.Accredited})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if baqylau.ErrorCode(err) != baqylau.ECONFLICT {
				t.Errorf("concurrent transition: %v", err)
			}
		}
		if tr, _ := db.Transitions(ctx, o.ID); ok != 1 || len(tr) != 3 {
			t.Errorf("%d concurrent transitions succeeded, %d recorded; want 1 and 3", ok, len(tr))
		}
	})
}

func TestObserverCredentials(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		org := mustOrg(t, db, "NGO", people.DomesticNGO)
		a := mustObserver(t, db, people.Observer{FullName: "A", OrganizationID: org.ID})
		b := mustObserver(t, db, people.Observer{FullName: "B", OrganizationID: org.ID})
		if cr, err := db.ObserverCredentials(ctx, a.ID); err != nil || !reflect.DeepEqual(cr, people.Credentials{}) {
			t.Errorf("credentials before any = %+v, %v", cr, err)
		}
		h := sha256.Sum256([]byte("link token"))
		cr := people.Credentials{LoginHash: h[:], PINHash: "$argon2id$v=19$x", VerifyToken: "vt-a",
			UpdatedAt: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}
		if err := db.SetObserverCredentials(ctx, a.ID, cr); err != nil {
			t.Fatal(err)
		}
		if got, err := db.ObserverCredentials(ctx, a.ID); err != nil || !reflect.DeepEqual(got, cr) {
			t.Errorf("ObserverCredentials() = %+v, %v; want %+v", got, err, cr)
		}
		if got, err := db.ObserverByLoginHash(ctx, h[:]); err != nil || got.ID != a.ID {
			t.Errorf("ObserverByLoginHash() = %+v, %v", got, err)
		}
		if got, err := db.ObserverByVerifyToken(ctx, "vt-a"); err != nil || got.ID != a.ID {
			t.Errorf("ObserverByVerifyToken() = %+v, %v", got, err)
		}
		other := sha256.Sum256([]byte("other"))
		_, err := db.ObserverByLoginHash(ctx, other[:])
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.ObserverByLoginHash(ctx, nil)
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.ObserverByVerifyToken(ctx, "nope")
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.ObserverByVerifyToken(ctx, "")
		wantCode(t, err, baqylau.ENOTFOUND)

		// B has only a verification token; its empty login hash is none.
		if err := db.SetObserverCredentials(ctx, b.ID, people.Credentials{VerifyToken: "vt-b"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.SetObserverCredentials(ctx, b.ID, people.Credentials{VerifyToken: "vt-a"}), baqylau.ECONFLICT)
		wantCode(t, db.SetObserverCredentials(ctx, b.ID, people.Credentials{LoginHash: h[:]}), baqylau.ECONFLICT)
		wantCode(t, db.SetObserverCredentials(ctx, 999, cr), baqylau.ENOTFOUND)
		_, err = db.ObserverCredentials(ctx, 999)
		wantCode(t, err, baqylau.ENOTFOUND)

		for want := 1; want <= 3; want++ {
			if n, err := db.RecordPINFailure(ctx, a.ID); err != nil || n != want {
				t.Errorf("RecordPINFailure() = %d, %v; want %d", n, err, want)
			}
		}
		if err := db.ResetPINFailures(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		// Concurrent failures all count.
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.RecordPINFailure(ctx, a.ID); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n, err := db.RecordPINFailure(ctx, a.ID); err != nil || n != 11 {
			t.Errorf("after 10 concurrent failures, RecordPINFailure() = %d, %v; want 11", n, err)
		}
		// New credentials start a new count.
		if err := db.SetObserverCredentials(ctx, a.ID, cr); err != nil {
			t.Fatal(err)
		}
		if n, err := db.RecordPINFailure(ctx, a.ID); err != nil || n != 1 {
			t.Errorf("after new credentials RecordPINFailure() = %d, %v", n, err)
		}
		_, err = db.RecordPINFailure(ctx, 999)
		wantCode(t, err, baqylau.ENOTFOUND)
		wantCode(t, db.ResetPINFailures(ctx, 999), baqylau.ENOTFOUND)
	})
}

// TestDuplicateKeysRecomputed checks that keys stored under other folding
// rules (an older release) are computed again before they are used.
func TestDuplicateKeysRecomputed(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			org := mustOrg(t, db, "NGO", people.DomesticNGO)
			o := mustObserver(t, db, people.Observer{FullName: "Иванов Иван", OrganizationID: org.ID,
				Personal: people.Personal{Email: "ivan@example.kz"}})
			driver := map[string]string{store.SQLite: "sqlite", store.Postgres: "pgx"}[engine]
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			for _, q := range []string{"UPDATE observer_dup_keys SET key = 'old rules'", "UPDATE observer_dup_keys_version SET fingerprint = 'old'"} {
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			keys := people.DuplicateKeys("IVAN ivanov", people.Personal{Email: "Ivan@example.kz"})
			found, err := db.FindDuplicates(ctx, keys)
			if err != nil || found[keys[0]].ID != o.ID {
				t.Errorf("FindDuplicates() after a change of rules = %+v, %v", found, err)
			}
			var n int
			if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM observer_dup_keys WHERE key = 'old rules'").Scan(&n); err != nil || n != 0 {
				t.Errorf("%d stale keys left, %v", n, err)
			}
		})
	}
}
