package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

const observersCSV = "full_name,organization,organization_kind,country,email,phone,languages,region,mission\n" +
	"Әлихан Бөкейханов,Республиканская сеть независимых наблюдателей,domestic_ngo,KZ,alikhan@example.org,+7 701 111 2233,\"kk,ru\",Almaty,\n" +
	"Ivan Petrov,CIS Observer Mission,international_organization,RU,ivan@example.org,,ru,,CIS mission 2023\n" +
	"Ayşe Yılmaz,Supreme Election Council of Türkiye,election_body,TR,ayse@example.org,,tr,,\n" +
	"Dana Nurlanqyzy,Kazinform,media,KZ,dana@example.org,,\"kk,ru,en\",Astana,\n"

func TestObserversScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		lawyer := f.user(auth.Lawyer, "lawyer@example.org")
		eid := f.newElection(admin)
		ctx := context.Background()

		// Import: four people, four organisations, one mission.
		resp := f.do("POST", "/api/v1/observers/import?election="+itoa(eid), admin, "text/csv", strings.NewReader(observersCSV))
		if resp.StatusCode != 200 {
			t.Fatalf("import: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		if got := decode[map[string]int](t, resp); got["observers"] != 4 || got["organizations_created"] != 4 || got["missions_created"] != 1 {
			t.Errorf("import = %v", got)
		}
		// The same person again, written differently, is refused; nothing changes.
		again := "full_name,organization,organization_kind,email\nIVAN  PETROV,CIS Observer Mission,international_organization,Ivan@Example.org\n"
		resp = f.do("POST", "/api/v1/observers/import", admin, "text/csv", strings.NewReader(again))
		if body := readAll(t, resp.Body); resp.StatusCode != 422 || !strings.Contains(body, "row 2") {
			t.Errorf("duplicate import: %d %s", resp.StatusCode, body)
		}
		list := decode[struct {
			Total     int
			Observers []map[string]any
		}](t, f.do("GET", "/api/v1/observers?q=petrov", admin, "", nil))
		if list.Total != 1 || list.Observers[0]["email"] != "ivan@example.org" {
			t.Fatalf("search petrov as admin: %+v", list)
		}
		id := int64(list.Observers[0]["id"].(float64))
		number := list.Observers[0]["number"].(string)
		// A lawyer sees the observer but not the personal data.
		resp = f.do("GET", "/api/v1/observers/"+itoa(id), lawyer, "", nil)
		if body := readAll(t, resp.Body); resp.StatusCode != 200 || strings.Contains(body, "example.org") {
			t.Errorf("lawyer sees personal data: %s", body)
		}
		if got := decode[struct{ Total int }](t, f.do("GET", "/api/v1/observers?q=бөкейхан", admin, "", nil)); got.Total != 1 {
			t.Errorf("Kazakh search found %d", got.Total)
		}

		// The workflow, on the record; wrong steps refused.
		step := func(status, reason string, want int) {
			t.Helper()
			body := `{"status":"` + status + `","reason":"` + reason + `"}`
			resp := f.do("POST", "/api/v1/observers/"+itoa(id)+"/status", admin, "application/json", strings.NewReader(body))
			if resp.StatusCode != want {
				t.Errorf("→ %s: %d %s, want %d", status, resp.StatusCode, readAll(t, resp.Body), want)
			}
		}
		step("accredited", "", 409) // not trained yet
		step("trained", "", 200)
		step("accredited", "", 200)
		tr := decode[struct{ Transitions []map[string]any }](t, f.do("GET", "/api/v1/observers/"+itoa(id)+"/transitions", admin, "", nil))
		if len(tr.Transitions) != 3 || tr.Transitions[2]["to"] != "accredited" || tr.Transitions[2]["by_user_id"] == nil {
			t.Errorf("transitions = %v", tr.Transitions)
		}

		// Badge and the public check behind its QR code.
		resp = f.do("GET", "/observers/"+itoa(id)+"/badge.pdf", admin, "", nil)
		if body := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.HasPrefix(body, "%PDF") {
			t.Fatalf("badge: %d %.40q", resp.StatusCode, body)
		}
		creds, err := db.ObserverCredentials(ctx, id)
		if err != nil || creds.VerifyToken == "" {
			t.Fatalf("no verification token after printing a badge: %v", err)
		}
		resp = f.do("GET", "/v/"+creds.VerifyToken, "", "", nil)
		page := readAll(t, resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(page, "Ivan Petrov") || !strings.Contains(page, "CIS Observer Mission") || !strings.Contains(page, "VALID") {
			t.Errorf("verification page: %d", resp.StatusCode)
		}
		if strings.Contains(page, "example.org") || strings.Contains(page, "701") {
			t.Errorf("verification page shows personal data")
		}
		if resp := f.do("GET", "/badges.pdf?organization=999999", admin, "", nil); resp.StatusCode != 404 {
			t.Errorf("batch of nobody: %d", resp.StatusCode)
		}
		applied := decode[struct{ Observers []map[string]any }](t, f.do("GET", "/api/v1/observers?q=dana", admin, "", nil)).Observers[0]
		if resp := f.do("GET", "/observers/"+itoa(int64(applied["id"].(float64)))+"/badge.pdf", admin, "", nil); resp.StatusCode != 422 {
			t.Errorf("badge of an applicant: %d, want 422", resp.StatusCode)
		}

		// Deployment: assign to a station, coverage counts it, unassign.
		resp = f.do("POST", "/api/v1/elections/"+itoa(eid)+"/assignments", admin, "application/json", strings.NewReader(`{"observer":"`+number+`","station":"SF-1"}`))
		if resp.StatusCode != 201 {
			t.Fatalf("assign: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		asg := decode[struct{ ID int64 }](t, resp)
		if o, _ := db.Observer(ctx, id); o.Status != people.Deployed {
			t.Errorf("after assignment the observer is %s", o.Status)
		}
		resp = f.do("POST", "/api/v1/elections/"+itoa(eid)+"/assignments", admin, "application/json", strings.NewReader(`{"observer":"`+number+`","station":"SF-1"}`))
		if resp.StatusCode != 409 {
			t.Errorf("second identical assignment: %d", resp.StatusCode)
		}
		cov := decode[struct {
			ByCountry []struct {
				Country           string
				Stations, Covered int
			} `json:"by_country"`
		}](t, f.do("GET", "/api/v1/elections/"+itoa(eid)+"/coverage", admin, "", nil))
		if len(cov.ByCountry) != 1 || cov.ByCountry[0].Covered != 1 {
			t.Errorf("coverage abroad = %+v", cov.ByCountry)
		}

		// The observer signs in with the badge QR and a PIN and sees the station.
		b := newBrowser(t, f)
		if code, _ := b.post("/login", url.Values{"email": {"admin@example.org"}, "password": {testPassword}}); code != 200 {
			t.Fatalf("admin sign-in: %d", code)
		}
		code, body := b.post("/observers/"+itoa(id)+"/credentials", nil)
		pin := regexp.MustCompile(`id="signin-pin">(\d{6})<`).FindStringSubmatch(body)
		link := regexp.MustCompile(`id="signin-link">[^<]*(/o/[A-Za-z0-9_-]+)<`).FindStringSubmatch(body)
		if code != 200 || pin == nil || link == nil {
			t.Fatalf("credentials page: %d", code)
		}
		ob := newBrowser(t, f)
		if code, body := ob.post("/v/"+creds.VerifyToken+"/signin", url.Values{"pin": {"000000x"}}); code != 401 || !strings.Contains(body, "Wrong PIN") {
			t.Errorf("wrong PIN: %d", code)
		}
		code, body = ob.post("/v/"+creds.VerifyToken+"/signin", url.Values{"pin": {pin[1]}})
		if code != 200 || !strings.Contains(body, "SF-1") || !strings.Contains(body, "Consulate General in San Francisco") {
			t.Errorf("observer's stations after PIN sign-in: %d", code)
		}
		if code, _ := ob.get("/observers"); code != 403 {
			t.Errorf("an observer opens the registry: %d", code)
		}
		lb := newBrowser(t, f)
		if code, body := lb.get(link[1]); code != 200 || !strings.Contains(body, "SF-1") {
			t.Errorf("personal link sign-in: %d", code)
		}

		// Unassign: back to accredited. Revoke: the badge and the sessions stop.
		if resp := f.do("DELETE", "/api/v1/assignments/"+itoa(asg.ID), admin, "", nil); resp.StatusCode != 204 {
			t.Errorf("unassign: %d", resp.StatusCode)
		}
		if o, _ := db.Observer(ctx, id); o.Status != people.Accredited {
			t.Errorf("after unassignment the observer is %s", o.Status)
		}
		step("revoked", "", 422)
		step("revoked", "left the mission", 200)
		if _, body := f.get(t, "/v/"+creds.VerifyToken); !strings.Contains(body, "NOT VALID") {
			t.Errorf("a revoked badge still checks as valid")
		}
		if code, body := ob.get("/my"); code != 200 || !strings.Contains(body, `name="password"`) {
			t.Errorf("a revoked observer keeps the session: %d", code)
		}
		for i := 0; i < 7; i++ {
			_, _ = lb.post("/v/"+creds.VerifyToken+"/signin", url.Values{"pin": {pin[1]}})
		}
		if strings.Contains(f.logs.String(), pin[1]) || strings.Contains(f.logs.String(), "ivan@example.org") {
			t.Errorf("logs carry a PIN or an e-mail")
		}
	})
}

// TestPINLockout: after five wrong PINs even the right one is refused.
func TestPINLockout(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	admin := f.user(auth.Admin, "admin@example.org")
	ctx := context.Background()
	org := people.Organization{Name: "Org", Kind: people.DomesticNGO}
	if err := db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	o := people.Observer{Kind: people.KindObserver, FullName: "A B", OrganizationID: org.ID, Status: people.Applied}
	if err := db.CreateObserver(ctx, &o, 0); err != nil {
		t.Fatal(err)
	}
	for _, st := range []people.Status{people.Trained, people.Accredited} {
		resp := f.do("POST", "/api/v1/observers/"+itoa(o.ID)+"/status", admin, "application/json", strings.NewReader(`{"status":"`+string(st)+`"}`))
		if resp.StatusCode != 200 {
			t.Fatalf("→ %s: %d", st, resp.StatusCode)
		}
	}
	hash, err := auth.HashPIN("123456")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetObserverCredentials(ctx, o.ID, people.Credentials{PINHash: hash, VerifyToken: "tok-123"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f)
	for i := 0; i < 5; i++ {
		if code, _ := b.post("/v/tok-123/signin", url.Values{"pin": {"654321"}}); code != 401 {
			t.Fatalf("wrong PIN %d: %d", i, code)
		}
	}
	if code, body := b.post("/v/tok-123/signin", url.Values{"pin": {"123456"}}); code != 429 || !strings.Contains(body, "Too many") {
		t.Errorf("right PIN after five wrong ones: %d, want 429", code)
	}
}

func (f *fixture) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp := f.do("GET", path, "", "", nil)
	return resp.StatusCode, readAll(t, resp.Body)
}
