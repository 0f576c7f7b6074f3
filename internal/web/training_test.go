package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// trainingWorld is an organisation with observers in two regions, its
// staff and a session of someone else's organisation.
type trainingWorld struct {
	org, other people.Organization
	// east are the observers of East Kazakhstan (KZ-63), south the one of
	// Almaty city (KZ-75, the region of the fixture's regional staff).
	east     []people.Observer
	south    people.Observer
	stranger people.Observer // of the other organisation
}

func newTrainingWorld(t *testing.T, db *store.DB) trainingWorld {
	t.Helper()
	ctx := context.Background()
	var w trainingWorld
	w.org = people.Organization{Name: "Республиканская сеть независимых наблюдателей", Kind: people.DomesticNGO, Country: "KZ"}
	w.other = people.Organization{Name: "Federation of Trade Unions", Kind: people.TradeUnion, Country: "KZ"}
	for _, o := range []*people.Organization{&w.org, &w.other} {
		if err := db.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	add := func(name, region string, org int64, n int) people.Observer {
		o := people.Observer{Kind: people.KindObserver, FullName: name, OrganizationID: org, Country: "KZ", Region: region,
			Status: people.Applied, Personal: people.Personal{Email: fmt.Sprintf("person%d@example.org", n), Phone: fmt.Sprintf("+7 701 555 00 0%d", n)}}
		if err := db.CreateObserver(ctx, &o, 0); err != nil {
			t.Fatal(err)
		}
		return o
	}
	w.east = []people.Observer{add("Айгерім Сәрсенова", "KZ-63", w.org.ID, 1), add("Boris Kim", "KZ-63", w.org.ID, 2)}
	w.south = add("Dana Nurlanqyzy", "KZ-75", w.org.ID, 3)
	w.stranger = add("Serik Akhmetov", "KZ-63", w.other.ID, 4)
	return w
}

// submit posts a form like post, and unescapes the page it lands on.
func (b *browser) submit(path string, form url.Values) (int, string) {
	b.t.Helper()
	code, body := b.post(path, form)
	return code, html.UnescapeString(body)
}

type apiSession struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Mode     string `json:"mode"`
	StartsAt string `json:"starts_at"`
	Region   string `json:"region"`
}

func (f *fixture) newSession(token, body string) apiSession {
	f.t.Helper()
	resp := f.do("POST", "/api/v1/training/sessions", token, "application/json", strings.NewReader(body))
	if resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("create session %s: %d %s", body, resp.StatusCode, readAll(f.t, resp.Body))
	}
	return decode[apiSession](f.t, resp)
}

func (f *fixture) absent(token string, sessionID int64) (int, []string) {
	f.t.Helper()
	resp := f.do("GET", "/api/v1/training/sessions/"+itoa(sessionID)+"/absent", token, "", nil)
	if resp.StatusCode != 200 {
		f.t.Fatalf("absent: %d %s", resp.StatusCode, readAll(f.t, resp.Body))
	}
	got := decode[struct {
		Total     int
		Observers []struct {
			ID       int64  `json:"id"`
			FullName string `json:"full_name"`
		}
	}](f.t, resp)
	var names []string
	for _, o := range got.Observers {
		names = append(names, o.FullName)
	}
	return got.Total, names
}

type attendanceAnswer struct {
	Status        string `json:"status"`
	BecameTrained bool   `json:"became_trained"`
}

func (f *fixture) attend(token string, sessionID int64, body string, want int) attendanceAnswer {
	f.t.Helper()
	resp := f.do("POST", "/api/v1/training/sessions/"+itoa(sessionID)+"/attendance", token, "application/json", strings.NewReader(body))
	if resp.StatusCode != want {
		f.t.Fatalf("attendance %s: %d %s, want %d", body, resp.StatusCode, readAll(f.t, resp.Body), want)
	}
	if want != 200 {
		return attendanceAnswer{}
	}
	return decode[attendanceAnswer](f.t, resp)
}

func TestTrainingAPIScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		trainer := f.user(auth.Trainer, "trainer@example.org") // region KZ-75
		w := newTrainingWorld(t, db)
		adminUser, err := db.UserByToken(ctx, auth.TokenHash(admin))
		if err != nil {
			t.Fatal(err)
		}
		org := itoa(w.org.ID)

		// The programme: two sessions for everyone, one for Almaty city.
		rights := f.newSession(admin, `{"organization_id":`+org+`,"title":"Rights and duties of an observer","mode":"video","starts_at":"2021-07-20T10:00:00+06:00","mandatory":true}`)
		count := f.newSession(admin, `{"organization_id":`+org+`,"title":"The count","mode":"messenger","starts_at":"2021-07-22T04:00:00Z","region":"East Kazakhstan"}`)
		local := f.newSession(trainer, `{"organization_id":`+org+`,"title":"Almaty: practice","mode":"in_person","starts_at":"2021-07-21T18:00:00+06:00"}`)
		if rights.StartsAt != "2021-07-20T10:00:00+06:00" || count.StartsAt != "2021-07-22T10:00:00+06:00" {
			t.Errorf("starts_at not in Astana time: %q, %q", rights.StartsAt, count.StartsAt)
		}
		if count.Region != "KZ-63" || local.Region != "KZ-75" {
			t.Errorf("regions: %q (by name), %q (the trainer's own), want KZ-63, KZ-75", count.Region, local.Region)
		}
		resp := f.do("GET", "/api/v1/training/sessions?organization="+org, trainer, "", nil)
		list := decode[struct{ Sessions []apiSession }](t, resp)
		if len(list.Sessions) != 3 || list.Sessions[0].Title != rights.Title || list.Sessions[2].Title != count.Title {
			t.Errorf("programme = %+v, want three sessions in time order", list.Sessions)
		}

		// A regional trainer plans and sees only their own region.
		resp = f.do("POST", "/api/v1/training/sessions", trainer, "application/json",
			strings.NewReader(`{"organization_id":`+org+`,"title":"x","mode":"video","starts_at":"2021-07-20T10:00:00+06:00","region":"KZ-63"}`))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("trainer planning another region: %d, want 403", resp.StatusCode)
		}
		if resp := f.do("GET", "/api/v1/training/sessions/"+itoa(count.ID)+"/absent", trainer, "", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("trainer reading another region's absentees: %d, want 403", resp.StatusCode)
		}

		// Who is missing: the whole organisation for a national session,
		// the region for a regional one; never another organisation.
		if total, names := f.absent(admin, rights.ID); total != 3 || strings.Contains(strings.Join(names, ","), w.stranger.FullName) {
			t.Errorf("absent from the first session: %d %v, want the organisation's 3", total, names)
		}
		if total, names := f.absent(trainer, local.ID); total != 1 || names[0] != w.south.FullName {
			t.Errorf("absent from the Almaty session: %d %v", total, names)
		}
		resp = f.do("GET", "/api/v1/training/sessions/"+itoa(rights.ID)+"/absent?limit=1&offset=1", admin, "", nil)
		if page := decode[struct {
			Total     int
			Observers []map[string]any
		}](t, resp); page.Total != 3 || len(page.Observers) != 1 {
			t.Errorf("paginated absentees: total %d, %d on the page", page.Total, len(page.Observers))
		}

		// No rule yet: attendance never makes anyone trained.
		east := w.east[0]
		if got := f.attend(admin, rights.ID, fmt.Sprintf(`{"observer_id":%d,"attended":true}`, east.ID), 200); got.BecameTrained || got.Status != "applied" {
			t.Errorf("without a rule: %+v", got)
		}
		if total, _ := f.absent(admin, rights.ID); total != 2 {
			t.Errorf("absent after one attendance: %d, want 2", total)
		}

		// The rule: every mandatory session, two sessions and a score of 70.
		w.org.Training = people.TrainingRule{AllMandatory: true, MinSessions: 2, MinScore: 70}
		if err := db.UpdateOrganization(ctx, w.org); err != nil {
			t.Fatal(err)
		}
		if got := f.attend(admin, count.ID, fmt.Sprintf(`{"observer_id":%d,"attended":true,"score":60}`, east.ID), 200); got.BecameTrained {
			t.Errorf("score 60 of 70 made the observer trained: %+v", got)
		}
		got := f.attend(admin, count.ID, fmt.Sprintf(`{"observer_id":%d,"attended":true,"score":85}`, east.ID), 200)
		if !got.BecameTrained || got.Status != "trained" {
			t.Errorf("two sessions and 85 points: %+v, want trained", got)
		}
		trs, err := db.Transitions(ctx, east.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := trs[len(trs)-1]
		if last.From != people.Applied || last.To != people.Trained || last.Reason != "training rule" || last.ByUserID != adminUser.ID {
			t.Errorf("last transition = %+v, want applied → trained by the admin for the training rule", last)
		}
		// Once trained, more attendance changes nothing.
		if got := f.attend(admin, count.ID, fmt.Sprintf(`{"observer_id":%d,"attended":true,"score":90}`, east.ID), 200); got.BecameTrained || got.Status != "trained" {
			t.Errorf("attendance of a trained observer: %+v", got)
		}
		if trs2, err := db.Transitions(ctx, east.ID); err != nil || len(trs2) != len(trs) {
			t.Errorf("a second transition was recorded: %v %v", trs2, err)
		}
		// Two sessions without the mandatory one is not enough.
		other := w.east[1]
		f.attend(admin, count.ID, fmt.Sprintf(`{"observer_id":%d,"attended":true,"score":95}`, other.ID), 200)
		resp = f.do("POST", "/api/v1/training/sessions", admin, "application/json",
			strings.NewReader(`{"organization_id":`+org+`,"title":"Complaints","mode":"video","starts_at":"2021-07-23T10:00:00+06:00"}`))
		extra := decode[apiSession](t, resp)
		if got := f.attend(admin, extra.ID, fmt.Sprintf(`{"observer_id":%d,"attended":true}`, other.ID), 200); got.BecameTrained {
			t.Errorf("trained without the mandatory session: %+v", got)
		}

		// Refusals with a clear message.
		for _, c := range []struct {
			name, body, want string
		}{
			{"another organisation's observer", fmt.Sprintf(`{"observer_id":%d,"attended":true}`, w.stranger.ID), "not a member"},
			{"score above 100", fmt.Sprintf(`{"observer_id":%d,"attended":true,"score":101}`, other.ID), "0 to 100"},
			{"no such observer", `{"observer_id":999999,"attended":true}`, "no observer"},
			{"attended missing", fmt.Sprintf(`{"observer_id":%d}`, other.ID), "attended is required"},
			{"no observer", `{"attended":true}`, "observer_id is required"},
		} {
			resp := f.do("POST", "/api/v1/training/sessions/"+itoa(rights.ID)+"/attendance", admin, "application/json", strings.NewReader(c.body))
			body := readAll(t, resp.Body)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
				t.Errorf("%s: %d %s, want 422 mentioning %q", c.name, resp.StatusCode, body, c.want)
			}
		}
		for _, c := range []struct{ name, body, want string }{
			{"no title", `{"organization_id":` + org + `,"mode":"video","starts_at":"2021-07-20T10:00:00+06:00"}`, "title is required"},
			{"bad mode", `{"organization_id":` + org + `,"title":"x","mode":"telepathy","starts_at":"2021-07-20T10:00:00+06:00"}`, "telepathy"},
			{"bad time", `{"organization_id":` + org + `,"title":"x","mode":"video","starts_at":"20.07.2021 10:00"}`, "RFC 3339"},
			{"no time", `{"organization_id":` + org + `,"title":"x","mode":"video"}`, "start time is required"},
			{"no organisation", `{"title":"x","mode":"video","starts_at":"2021-07-20T10:00:00+06:00"}`, "organization_id is required"},
			{"unknown organisation", `{"organization_id":999999,"title":"x","mode":"video","starts_at":"2021-07-20T10:00:00+06:00"}`, "no organisation"},
			{"bad region", `{"organization_id":` + org + `,"title":"x","mode":"video","starts_at":"2021-07-20T10:00:00+06:00","region":"Atlantis"}`, "Atlantis"},
		} {
			resp := f.do("POST", "/api/v1/training/sessions", admin, "application/json", strings.NewReader(c.body))
			body := readAll(t, resp.Body)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
				t.Errorf("%s: %d %s, want 422 mentioning %q", c.name, resp.StatusCode, body, c.want)
			}
		}
		for _, q := range []string{"", "?organization=abc"} {
			if resp := f.do("GET", "/api/v1/training/sessions"+q, admin, "", nil); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("sessions%s: %d, want 422", q, resp.StatusCode)
			}
		}
		if resp := f.do("GET", "/api/v1/training/sessions/"+itoa(rights.ID)+"/absent?limit=5000", admin, "", nil); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("limit 5000: %d, want 422", resp.StatusCode)
		}

		// The absentee list carries no personal data.
		resp = f.do("GET", "/api/v1/training/sessions/"+itoa(extra.ID)+"/absent", admin, "", nil)
		if body := readAll(t, resp.Body); strings.Contains(body, "@example.org") || strings.Contains(body, "+7 701") {
			t.Errorf("absentees carry personal data: %s", body)
		}
	})
}

func TestTrainingPagesScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.user(auth.Admin, "admin@example.org")
		f.user(auth.Trainer, "trainer@example.org")
		w := newTrainingWorld(t, db)
		org := itoa(w.org.ID)

		b := newBrowser(t, f)
		if code, _ := b.submit("/login", url.Values{"email": {"admin@example.org"}, "password": {testPassword}}); code != 200 {
			t.Fatalf("sign in: %d", code)
		}
		b.get("/lang/en?next=/")

		// The picker lists the organisations; picking one shows its programme.
		code, body := b.get("/training")
		if code != 200 || !strings.Contains(body, w.org.Name) || !strings.Contains(body, w.other.Name) {
			t.Fatalf("picker: %d", code)
		}
		code, body = b.get("/training?organization=" + org)
		if code != 200 || !strings.Contains(body, "This organisation has no sessions yet") || !strings.Contains(body, `name="starts_at"`) {
			t.Fatalf("empty programme: %d", code)
		}

		// A refused session keeps what was typed and says why.
		code, body = b.submit("/training/sessions", url.Values{"organization_id": {org}, "title": {"Rights and duties"}, "mode": {"video"}, "starts_at": {"tomorrow"}})
		if code != 422 || !strings.Contains(body, "Rights and duties") || !strings.Contains(body, "is not a date and time") {
			t.Errorf("bad start time: %d", code)
		}
		code, body = b.submit("/training/sessions", url.Values{"organization_id": {org}, "title": {"Rights and duties"}, "mode": {"video"},
			"starts_at": {"2021-07-20T10:00"}, "mandatory": {"true"}})
		if code != 200 || !strings.Contains(body, "Session “Rights and duties” added") || !strings.Contains(body, "20 July 2021, 10:00 (UTC+06:00)") ||
			!strings.Contains(body, "Video-conference") {
			t.Fatalf("create session: %d\n%s", code, body)
		}
		code, body = b.submit("/training/sessions", url.Values{"organization_id": {org}, "title": {"The count"}, "mode": {"messenger"},
			"starts_at": {"2021-07-22T10:00"}, "region": {"KZ-63"}})
		if code != 200 || !strings.Contains(body, "East Kazakhstan") {
			t.Fatalf("create regional session: %d", code)
		}
		list, err := db.TrainingSessions(ctx, w.org.ID)
		if err != nil || len(list) != 2 || !list[0].Mandatory || list[1].Region != "KZ-63" {
			t.Fatalf("sessions = %+v, %v", list, err)
		}
		rights, count := itoa(list[0].ID), itoa(list[1].ID)

		// The rule form; a bad rule is refused with a message.
		code, body = b.submit("/organizations/"+org+"/training-rule", url.Values{"min_sessions": {"2"}, "min_score": {"150"}})
		if code != 422 || !strings.Contains(body, "score 0–100") || !strings.Contains(body, "150") {
			t.Errorf("score 150: %d", code)
		}
		code, body = b.submit("/organizations/"+org+"/training-rule", url.Values{"all_mandatory": {"true"}, "min_sessions": {"2"}, "min_score": {""}})
		if code != 200 || !strings.Contains(body, "Training rule of "+w.org.Name+" saved") {
			t.Errorf("save rule: %d", code)
		}
		if got, err := db.Organization(ctx, w.org.ID); err != nil || got.Training != (people.TrainingRule{AllMandatory: true, MinSessions: 2}) {
			t.Errorf("rule = %+v, %v", got.Training, err)
		}

		// Who is missing shrinks as attendance is recorded.
		code, body = b.get("/training/sessions/" + rights)
		if code != 200 || !strings.Contains(body, "3 observers have not attended") || !strings.Contains(body, w.south.FullName) {
			t.Fatalf("session page: %d\n%s", code, body)
		}
		if strings.Contains(body, "person1@example.org") || strings.Contains(body, "+7 701") {
			t.Errorf("the session page shows personal data")
		}
		east := w.east[0]
		code, body = b.submit("/training/sessions/"+rights+"/attendance", url.Values{"observer_id": {itoa(east.ID)}, "attended": {"true"}, "score": {"88"}})
		if code != 200 || !strings.Contains(body, "2 observers have not attended") || strings.Contains(body, "is now trained") {
			t.Errorf("after one attendance: %d", code)
		}
		code, body = b.submit("/training/sessions/"+rights+"/attendance", url.Values{"observer_id": {itoa(east.ID)}, "score": {"abc"}})
		if code != 422 || !strings.Contains(body, "0 to 100") {
			t.Errorf("bad score: %d", code)
		}
		code, body = b.submit("/training/sessions/"+count+"/attendance", url.Values{"observer_id": {itoa(east.ID)}, "attended": {"on"}})
		if code != 200 || !strings.Contains(body, east.FullName+" is now trained") {
			t.Errorf("second session: %d\n%s", code, body)
		}
		if o, err := db.Observer(ctx, east.ID); err != nil || o.Status != people.Trained {
			t.Errorf("observer status %q, %v", o.Status, err)
		}

		// Kazakh and Russian.
		for _, c := range []struct{ lang, want string }{{"kk", "Бейнеконференция"}, {"ru", "Видеоконференция"}} {
			code, body := b.get("/lang/" + c.lang + "?next=/training?organization=" + org)
			if code != 200 || !strings.Contains(body, c.want) {
				t.Errorf("training page in %s: %d, lacks %q", c.lang, code, c.want)
			}
		}

		// A regional trainer opens only sessions of their region.
		tb := newBrowser(t, f)
		if code, _ := tb.submit("/login", url.Values{"email": {"trainer@example.org"}, "password": {testPassword}}); code != 200 {
			t.Fatalf("trainer sign in: %d", code)
		}
		if code, _ := tb.get("/training/sessions/" + count); code != 403 {
			t.Errorf("trainer of KZ-75 opening a KZ-63 session: %d, want 403", code)
		}
		if code, _ := tb.submit("/organizations/"+org+"/training-rule", url.Values{"min_sessions": {"1"}}); code != 403 {
			t.Errorf("trainer setting the rule: %d, want 403", code)
		}
	})
}
