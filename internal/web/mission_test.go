package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/web"
)

// missionWorld is an election with a mission (a head, two delegation
// heads, a member), another mission with its own delegation head, the
// desk and a journalist, each with an API token.
type missionWorld struct {
	f                                      *fixture
	election, mission, other               int64
	admin, head, d1, d2, member, otherHead string
	journalist                             string
	headObs, d1Obs, d2Obs, memberObs       people.Observer
}

func (f *fixture) account(role auth.Role, email string) (string, int64) {
	f.t.Helper()
	token := f.user(role, email)
	u, err := f.db.UserByEmail(context.Background(), email)
	if err != nil {
		f.t.Fatal(err)
	}
	return token, u.ID
}

func newMissionWorld(t *testing.T) *missionWorld {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, storetest.Open(t, store.SQLite))
	w := &missionWorld{f: f}
	w.admin, _ = f.account(auth.Admin, "desk@example.org")
	w.journalist, _ = f.account(auth.Journalist, "press@example.org")
	w.election = f.newElection(w.admin)
	org := people.Organization{Name: "CIS", Kind: people.InternationalOrganization}
	if err := f.db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	m := people.Mission{OrganizationID: org.ID, ElectionID: w.election, Name: "CIS Observer Mission",
		Principles: "Невмешательство; политическая нейтральность. Араласпау; саяси бейтараптық."}
	other := people.Mission{OrganizationID: org.ID, ElectionID: w.election, Name: "Other Mission"}
	for _, mm := range []*people.Mission{&m, &other} {
		if err := f.db.CreateMission(ctx, mm); err != nil {
			t.Fatal(err)
		}
	}
	w.mission, w.other = m.ID, other.ID
	// Each person: an observer record in a mission and an account linked
	// to it through the API, as the desk does.
	person := func(name string, mission int64, mrole people.MissionRole, role auth.Role, email string) (string, people.Observer) {
		o := people.Observer{FullName: name, OrganizationID: org.ID}
		if err := f.db.CreateObserver(ctx, &o, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetObserverMission(ctx, o.ID, mission, string(mrole)); err != nil {
			t.Fatal(err)
		}
		o.MissionID, o.MissionRole = mission, mrole
		token, _ := f.account(role, email)
		resp := f.do("POST", "/api/v1/missions/"+itoa(mission)+"/accounts", w.admin, "application/json",
			strings.NewReader(`{"email":"`+email+`","observer_id":`+itoa(o.ID)+`}`))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("link %s: %d %s", email, resp.StatusCode, readAll(t, resp.Body))
		}
		resp.Body.Close()
		return token, o
	}
	w.head, w.headObs = person("Сергей Лебедев", w.mission, people.MissionHead, auth.MissionHead, "head@cis.example.org")
	w.d1, w.d1Obs = person("Delegation Head One", w.mission, people.DelegationHead, auth.DelegationHead, "d1@cis.example.org")
	w.d2, w.d2Obs = person("Delegation Head Two", w.mission, people.DelegationHead, auth.DelegationHead, "d2@cis.example.org")
	w.member, w.memberObs = person("Member", w.mission, people.MissionMember, auth.Observer, "member@cis.example.org")
	w.otherHead, _ = person("Other Head", w.other, people.DelegationHead, auth.DelegationHead, "head@other.example.org")
	return w
}

// call sends JSON and checks the status, returning the decoded body.
func (w *missionWorld) call(method, path, token, body string, want int) map[string]any {
	w.f.t.Helper()
	var resp *http.Response
	if body == "" {
		resp = w.f.do(method, path, token, "", nil)
	} else {
		resp = w.f.do(method, path, token, "application/json", strings.NewReader(body))
	}
	text := readAll(w.f.t, resp.Body)
	if resp.StatusCode != want {
		w.f.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, text)
	}
	out := map[string]any{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(text), &out); err != nil {
			w.f.t.Fatalf("%s %s: %v: %s", method, path, err, text)
		}
	}
	return out
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestMeetingsAndMinutes(t *testing.T) {
	w := newMissionWorld(t)
	e := itoa(w.election)
	meeting := w.call("POST", "/api/v1/elections/"+e+"/meetings", w.admin, `{"kind":"briefing","held_at":"2024-03-14T10:00:00+05:00",
		"place":"ЦИК, Астана","participants":["ОБСЕ/БДИПЧ","CEC of Kyrgyzstan"],"agenda":"Preparations",
		"questions":[{"topic":"foreign_media","asked_by":"ОБСЕ/БДИПЧ","question":"How are foreign journalists accredited?","answer":"By the Ministry of Foreign Affairs."},
		{"topic":"campaigning","question":"Is online campaigning allowed?","answer":"Yes, within the law."}]}`, http.StatusCreated)
	mt := itoa(num(meeting["id"]))
	w.call("POST", "/api/v1/meetings/"+mt+"/questions", w.admin, `{"topic":"international_observers","question":"May observers film the count?","answer":"Yes."}`, http.StatusCreated)
	w.call("POST", "/api/v1/meetings/"+mt+"/questions", w.admin, `{"topic":"weather","question":"?"}`, http.StatusUnprocessableEntity)
	w.call("POST", "/api/v1/elections/"+e+"/meetings", w.admin, `{"kind":"briefing","place":"x"}`, http.StatusUnprocessableEntity)
	// The desk's meetings are the commission's: a mission's member does not see them.
	w.call("GET", "/api/v1/meetings/"+mt, w.head, "", http.StatusNotFound)
	w.call("POST", "/api/v1/elections/"+e+"/meetings", w.head, `{"kind":"briefing","held_at":"2024-03-14T10:00:00Z","place":"x"}`, http.StatusNotFound)
	got := w.call("GET", "/api/v1/meetings/"+mt, w.admin, "", http.StatusOK)
	if qs := got["questions"].([]any); len(qs) != 3 || qs[2].(map[string]any)["topic"] != "international_observers" {
		t.Errorf("questions = %v", got["questions"])
	}

	// The mission's long-term work: a meeting with a state body, its own.
	mid := itoa(w.mission)
	body := w.call("POST", "/api/v1/elections/"+e+"/meetings", w.member, `{"mission_id":`+mid+`,"kind":"state_body","held_at":"2024-02-20T11:00:00+05:00",
		"place":"Supreme Court, Astana","counterpart":"Supreme Court","notes":"Electoral disputes in 2023","follow_up":"Request the statistics"}`, http.StatusCreated)
	w.call("GET", "/api/v1/meetings/"+itoa(num(body["id"])), w.otherHead, "", http.StatusNotFound)
	w.call("GET", "/api/v1/meetings/"+itoa(num(body["id"])), w.admin, "", http.StatusNotFound)
	list := w.call("GET", "/api/v1/elections/"+e+"/meetings?mission="+mid, w.d1, "", http.StatusOK)
	if ms := list["meetings"].([]any); len(ms) != 1 || ms[0].(map[string]any)["counterpart"] != "Supreme Court" {
		t.Errorf("mission meetings = %v", list)
	}
	w.call("GET", "/api/v1/elections/"+e+"/meetings?mission="+mid, w.otherHead, "", http.StatusNotFound)
	upd := w.call("POST", "/api/v1/meetings/"+itoa(num(body["id"]))+"/notes", w.d1, `{"notes":"Electoral disputes in 2023","follow_up":"Statistics received on 1 March"}`, http.StatusOK)
	if upd["follow_up"] != "Statistics received on 1 March" {
		t.Errorf("follow-up not updated: %v", upd)
	}
	w.call("POST", "/api/v1/meetings/"+itoa(num(body["id"]))+"/notes", w.otherHead, `{"notes":"x"}`, http.StatusNotFound)
	// Only the mission's leads publish its minutes.
	w.call("POST", "/api/v1/meetings/"+itoa(num(body["id"]))+"/publication", w.member, `{"title":{"en":"x"}}`, http.StatusForbidden)

	pub := w.call("POST", "/api/v1/meetings/"+mt+"/publication", w.admin,
		`{"title":{"kk":"ОСК брифингі","ru":"Брифинг ЦИК","en":"CEC briefing"}}`, http.StatusCreated)
	w.call("POST", "/api/v1/meetings/"+mt+"/publication", w.admin, `{"title":{"en":"again"}}`, http.StatusConflict)
	for lang, want := range map[string][]string{
		"kk": {"ОСК брифингі", "Шетелдік БАҚ", "How are foreign journalists accredited?", "Жауап:"},
		"ru": {"Брифинг ЦИК", "Иностранные СМИ", "Участники: ОБСЕ/БДИПЧ; CEC of Kyrgyzstan"},
		"en": {"CEC briefing", "[Campaigning] Is online campaigning allowed?", "Answer: Yes, within the law."},
	} {
		req, _ := http.NewRequest("GET", w.f.srv.URL+pub["url"].(string), nil)
		req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page := htmlText(readAll(t, resp.Body))
		for _, s := range want {
			if !strings.Contains(page, s) {
				t.Errorf("published minutes in %s lack %q", lang, s)
			}
		}
	}
}

func htmlText(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
}

func TestPrinciplesAcknowledged(t *testing.T) {
	w := newMissionWorld(t)
	mid := itoa(w.mission)
	a := w.call("POST", "/api/v1/missions/"+mid+"/acknowledgements", w.member, `{}`, http.StatusCreated)
	if num(a["observer_id"]) != w.memberObs.ID || !strings.Contains(a["principles"].(string), "Невмешательство") {
		t.Errorf("acknowledgement = %v", a)
	}
	w.call("POST", "/api/v1/missions/"+mid+"/acknowledgements", w.member, `{}`, http.StatusConflict)
	// A member acknowledges only for themselves; the head and the desk record a paper one.
	w.call("POST", "/api/v1/missions/"+mid+"/acknowledgements", w.d1, `{"observer_id":`+itoa(w.d2Obs.ID)+`}`, http.StatusForbidden)
	w.call("POST", "/api/v1/missions/"+mid+"/acknowledgements", w.head, `{"observer_id":`+itoa(w.d2Obs.ID)+`}`, http.StatusCreated)
	w.call("POST", "/api/v1/missions/"+mid+"/acknowledgements", w.admin, `{"observer_id":`+itoa(w.d1Obs.ID)+`}`, http.StatusCreated)
	w.call("POST", "/api/v1/missions/"+mid+"/acknowledgements", w.otherHead, `{}`, http.StatusNotFound)
	list := w.call("GET", "/api/v1/missions/"+mid+"/acknowledgements", w.head, "", http.StatusOK)
	if n := len(list["acknowledgements"].([]any)); n != 3 {
		t.Errorf("%d acknowledgements, want 3", n)
	}
}

// openDataLink finds the links to open-data files on /press/data.
var openDataLink = regexp.MustCompile(`/press/data/[0-9]+/[a-z-]+\.(csv|json)`)

// marker is a word that appears only in the embargoed statement.
const marker = "Zanzibarquux"

// statementJSON is a statement with the marker and live figures.
const statementJSON = `{"kind":"preliminary","rule":"majority","release":"results",
	"press_conference":{"starts_at":"2030-03-20T11:00:00+05:00","place":"Rixos President Hotel, Astana","lang":"en"},
	"title":{"kk":"Алдын ала мәлімдеме","ru":"Предварительное заявление","en":"Preliminary statement ` + marker + `"},
	"sections":[{"heading":{"en":"Voting day","kk":"Дауыс беру күні"},
		"body":{"en":"The mission observed {{stations_observed}} of {{stations_total}} stations. ` + marker + `",
			"kk":"Миссия {{stations_total}} учаскенің {{stations_observed}} учаскесін байқады. Әділ, ғылыми, Өскемен, Ұлытау, Үкімет, Іле, ң. ` + marker + `",
			"ru":"Миссия наблюдала на {{stations_observed}} участках. ` + marker + `"}}]}`

func TestStatementAdoptionEmbargoAndRelease(t *testing.T) {
	w := newMissionWorld(t)
	mid, e := itoa(w.mission), itoa(w.election)
	base := "/api/v1/missions/" + mid + "/statements"
	created := w.call("POST", base, w.head, statementJSON, http.StatusCreated)
	sid := itoa(num(created["id"]))
	st := base + "/" + sid

	// Only the mission's own members see its drafts.
	w.call("GET", st, w.otherHead, "", http.StatusNotFound)
	w.call("GET", base, w.otherHead, "", http.StatusNotFound)
	w.call("GET", "/missions/"+mid+"/statements/"+sid, w.otherHead, "", http.StatusNotFound)
	w.call("GET", st, w.admin, "", http.StatusForbidden)
	w.call("GET", st, w.journalist, "", http.StatusForbidden)
	w.call("GET", st, "", "", http.StatusUnauthorized)

	// The draft renders live figures, traced to their query.
	draft := w.call("GET", st+"?lang=en", w.member, "", http.StatusOK)
	if draft["figures_live"] != true || !strings.Contains(draft["text"].(string), "observed 0 of 3 stations") ||
		!regexp.MustCompile(`GET /api/v1/missions/`+mid+`/figures\?at=[0-9T:.Z-]+#stations_observed`).MatchString(draft["text"].(string)) {
		t.Errorf("draft = %v", draft["text"])
	}
	figs := w.call("GET", "/api/v1/missions/"+mid+"/figures", w.member, "", http.StatusOK)
	if f := figs["figures"].([]any)[0].(map[string]any); f["name"] != "stations_observed" || f["basis"] == "" || f["params"].(map[string]any)["mission"] != mid {
		t.Errorf("figure = %v", f)
	}

	// Members get the draft as a PDF; others do not.
	if resp := w.f.do("GET", st+"/pdf?lang=kk", w.member, "", nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(pdfToText(t, []byte(readAll(t, resp.Body))), "Миссия 3 учаскенің 0 учаскесін байқады") {
		t.Errorf("draft PDF: %d", resp.StatusCode)
	}
	w.call("GET", st+"/pdf?lang=kk", w.otherHead, "", http.StatusNotFound)

	// Members edit; every version is kept and the diff shows the change.
	edited := strings.Replace(statementJSON[strings.Index(statementJSON, `"title"`)-1:], "The mission observed", "The mission watched", 1)
	edited = "{" + edited[1:]
	w.call("POST", st+"/versions", w.member, edited, http.StatusCreated)
	diff := w.call("GET", st+"/diff?lang=en", w.member, "", http.StatusOK)
	var minus, plus bool
	for _, l := range diff["lines"].([]any) {
		line := l.(map[string]any)
		minus = minus || (line["op"] == "-" && strings.Contains(line["text"].(string), "The mission observed"))
		plus = plus || (line["op"] == "+" && strings.Contains(line["text"].(string), "The mission watched"))
	}
	if !minus || !plus || num(diff["from"]) != 1 || num(diff["to"]) != 2 {
		t.Errorf("diff = %v", diff)
	}
	w.call("GET", st+"/diff?from=1&to=9", w.member, "", http.StatusNotFound)
	w.call("GET", st+"/diff?lang=fr", w.member, "", http.StatusUnprocessableEntity)
	w.call("GET", st+"?lang=fr", w.member, "", http.StatusUnprocessableEntity)

	// Freezing is for the leads; deciding for the delegation heads only.
	w.call("POST", st+"/freeze", w.member, "", http.StatusForbidden)
	w.call("POST", st+"/decisions", w.d1, `{"approve":true}`, http.StatusConflict) // not frozen yet
	frozen := w.call("POST", st+"/freeze", w.head, "", http.StatusOK)
	if num(frozen["number"]) != 3 || len(frozen["figures"].([]any)) == 0 {
		t.Errorf("frozen = %v", frozen)
	}
	w.call("POST", st+"/versions", w.member, edited, http.StatusConflict)
	// Each fixed figure's query gives the same value again.
	for _, fv := range frozen["figures"].([]any) {
		fig := fv.(map[string]any)
		query, _ := strings.CutPrefix(fig["query"].(string), "GET ")
		query, name, _ := strings.Cut(query, "#")
		for _, gv := range w.call("GET", query, w.member, "", http.StatusOK)["figures"].([]any) {
			if g := gv.(map[string]any); g["name"] == name && (g["value"] != fig["value"] || g["basis"] != fig["basis"]) {
				t.Errorf("%s: fixed %v (%v), query gives %v (%v)", name, fig["value"], fig["basis"], g["value"], g["basis"])
			}
		}
	}
	w.call("GET", "/api/v1/missions/"+mid+"/figures?at=yesterday", w.member, "", http.StatusUnprocessableEntity)
	w.call("POST", st+"/decisions", w.member, `{"approve":true}`, http.StatusForbidden)
	w.call("POST", st+"/decisions", w.head, `{"approve":true}`, http.StatusForbidden)
	w.call("POST", st+"/decisions", w.otherHead, `{"approve":true}`, http.StatusNotFound)
	w.call("POST", st+"/decisions", w.d1, `{}`, http.StatusUnprocessableEntity)
	s := w.call("POST", st+"/decisions", w.d1, `{"approve":false,"comment":"Say more about abroad"}`, http.StatusOK)
	if s["status"] != "frozen" {
		t.Fatalf("after an objection: %v", s)
	}
	w.call("POST", st+"/decisions", w.d2, `{"approve":true}`, http.StatusOK)
	s = w.call("POST", st+"/decisions", w.d1, `{"approve":true,"comment":"Agreed"}`, http.StatusOK)
	if s["status"] != "adopted" || s["released"] != false || num(s["press_statement_id"]) == 0 {
		t.Fatalf("after both approve: %v", s)
	}
	press := itoa(num(s["press_statement_id"]))
	record := w.call("GET", st, w.member, "", http.StatusOK)
	if ds := record["decisions"].([]any); len(ds) != 3 || ds[0].(map[string]any)["comment"] != "Say more about abroad" ||
		ds[2].(map[string]any)["name"] != "Delegation Head One" {
		t.Errorf("decisions = %v", ds)
	}

	// Embargoed: nothing public shows it, to anyone outside the mission.
	checked := map[string]bool{}
	leaks := func() []string {
		var found []string
		for _, rt := range web.RouteRoles() {
			method, pattern, _ := strings.Cut(rt.Pattern, " ")
			if method != "GET" || strings.Contains(pattern, "{hash}") {
				continue
			}
			paths := []string{strings.NewReplacer("{id}", e, "{sid}", press, "{code}", "001", "{lang}", "en", "{$}", "", "{name}", "y").Replace(pattern)}
			if strings.Contains(pattern, "{file}") { // every open-data file the open-data page links to
				paths = openDataLink.FindAllString(readAll(t, w.f.do("GET", "/press/data", "", "", nil).Body), -1)
			}
			for _, path := range paths {
				if strings.Contains(path, "{") {
					continue // a route of someone's own record
				}
				checked[path] = true
				for _, who := range []string{"", w.journalist} {
					resp := w.f.do("GET", path, who, "", nil)
					text := readAll(t, resp.Body)
					if strings.Contains(text, marker) || (strings.HasSuffix(path, "/pdf") && resp.StatusCode == http.StatusOK) {
						found = append(found, path)
					}
				}
			}
		}
		return found
	}
	if found := leaks(); len(found) > 0 {
		t.Fatalf("the embargoed statement leaks at %v", found)
	}
	for _, p := range []string{"/press", "/press/statements/" + press, "/press/statements/" + press + "/pdf", "/api/v1/press/statements",
		"/api/v1/press/briefings", "/api/v1/press/figures", "/", "/press/data/" + e + "/incidents.csv", "/press/data/" + e + "/reports.json"} {
		if !checked[p] {
			t.Errorf("the leak check did not fetch %s (checked %v)", p, checked)
		}
	}
	// The press conference is announced, without the statement's text.
	briefings := readAll(t, w.f.do("GET", "/api/v1/press/briefings", "", "", nil).Body)
	if !strings.Contains(briefings, "CIS Observer Mission: press conference, preliminary statement") {
		t.Errorf("press conference not scheduled: %s", briefings)
	}

	// The results are announced: the statement is released.
	w.call("POST", "/api/v1/elections/"+e+"/results-announcement", w.d1, `{}`, http.StatusForbidden)
	w.call("POST", "/api/v1/elections/"+e+"/results-announcement", w.admin, `{"at":"2099-01-01T00:00:00Z"}`, http.StatusUnprocessableEntity)
	w.call("POST", "/api/v1/elections/"+e+"/results-announcement", w.admin, `{}`, http.StatusCreated)
	w.call("POST", "/api/v1/elections/"+e+"/results-announcement", w.admin, `{}`, http.StatusConflict)
	page := readAll(t, w.f.do("GET", "/press/statements/"+press, "", "", nil).Body)
	if !strings.Contains(page, marker) || !strings.Contains(page, "watched 0 of 3 stations") {
		t.Errorf("released statement page lacks its text: %s", page)
	}
	// The press centre's front page and API keep their content a second.
	deadline := time.Now().Add(5 * time.Second)
	for {
		api := readAll(t, w.f.do("GET", "/api/v1/press/statements", "", "", nil).Body)
		if strings.Contains(api, marker) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the released statement is not listed: %s", api)
		}
		time.Sleep(200 * time.Millisecond)
	}
	resp := w.f.do("GET", "/press/statements/"+press+"/pdf?lang=kk", "", "", nil)
	pdf := readAll(t, resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text := pdfToText(t, []byte(pdf))
	for _, want := range []string{"Алдын ала мәлімдеме", "Миссия 3 учаскенің 0 учаскесін байқады", "Әділ", "ғылыми", "Өскемен", "Ұлытау", "Үкімет", "Іле", marker, "Сандар қалай есептелді"} {
		if !strings.Contains(text, want) {
			t.Errorf("kk PDF lacks %q:\n%s", want, text)
		}
	}
	w.call("GET", "/press/statements/"+press+"/pdf?lang=de", "", "", http.StatusUnprocessableEntity)
}

func TestStatementPages(t *testing.T) {
	w := newMissionWorld(t)
	mid := itoa(w.mission)
	created := w.call("POST", "/api/v1/missions/"+mid+"/statements", w.head, statementJSON, http.StatusCreated)
	sid := itoa(num(created["id"]))
	w.call("POST", "/api/v1/missions/"+mid+"/statements/"+sid+"/freeze", w.head, "", http.StatusOK)

	b := newBrowser(t, w.f)
	code, _ := b.post("/login", map[string][]string{"email": {"d1@cis.example.org"}, "password": {testPassword}})
	if code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}
	code, page := b.get("/missions/" + mid + "/work")
	if code != http.StatusOK || !strings.Contains(page, "CIS Observer Mission") || !strings.Contains(page, "Preliminary statement") ||
		!strings.Contains(page, "I have read these principles") {
		t.Fatalf("work page: %d %s", code, page)
	}
	if code, _ := b.post("/missions/"+mid+"/acknowledgement", nil); code != http.StatusOK {
		t.Errorf("acknowledge: %d", code)
	}
	_, page = b.get("/missions/" + mid + "/work")
	if !strings.Contains(page, "You have acknowledged these principles.") {
		t.Errorf("acknowledgement not shown")
	}
	// The leads see who has not acknowledged yet.
	if !regexp.MustCompile(`Delegation Head One <small>[^<]*</small></td><td>Head of delegation</td><td>yes</td>`).MatchString(page) ||
		!regexp.MustCompile(`Member <small>[^<]*</small></td><td>Member</td><td><strong>no</strong>`).MatchString(page) {
		t.Errorf("members' acknowledgements not listed:\n%s", page)
	}
	code, page = b.get("/missions/" + mid + "/statements/" + sid + "?from=1&to=2")
	if code != http.StatusOK || !strings.Contains(page, "How the figures were computed") || !strings.Contains(page, "GET /api/v1/missions/"+mid+"/figures?at=") ||
		!strings.Contains(page, "Approve") {
		t.Fatalf("statement page: %d %s", code, page)
	}
	if code, page := b.post("/missions/"+mid+"/statements/"+sid+"/decision", map[string][]string{"approve": {"0"}, "comment": {"Needs a section on media"}}); code != http.StatusOK ||
		!strings.Contains(page, "Needs a section on media") {
		t.Errorf("decision: %d", code)
	}
}

func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not found: install Debian package poppler-utils")
		}
		t.Skip("pdftotext not found (Debian package poppler-utils): skipping")
	}
	in := filepath.Join(t.TempDir(), "statement.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func TestMissionForms(t *testing.T) {
	w := newMissionWorld(t)
	mid, e := itoa(w.mission), itoa(w.election)
	login := func(email string) *browser {
		b := newBrowser(t, w.f)
		if code, _ := b.post("/login", map[string][]string{"email": {email}, "password": {testPassword}}); code != http.StatusOK {
			t.Fatalf("login %s: %d", email, code)
		}
		return b
	}
	head := login("head@cis.example.org")
	if code, page := head.get("/missions/mine"); code != http.StatusOK || !strings.Contains(page, "CIS Observer Mission") || !strings.Contains(page, `href="/missions/mine"`) {
		t.Fatalf("my mission: %d %s", code, page)
	}
	code, page := head.post("/missions/"+mid+"/meetings", map[string][]string{"kind": {"state_body"}, "held_at": {"2024-02-20T11:00"},
		"place": {"Astana"}, "counterpart": {"Prosecutor General's Office"}, "participants": {"CIS\r\nSCO"}, "follow_up": {"Send a letter"},
		"topic0": {"complaints"}, "question0": {"How many complaints?"}, "answer0": {"Twelve."}, "topic1": {"other"}})
	if code != http.StatusOK || !strings.Contains(htmlText(page), "Prosecutor General's Office") || !strings.Contains(page, "How many complaints?") ||
		!strings.Contains(page, "Complaints and disputes") {
		t.Fatalf("mission meeting: %d %s", code, page)
	}
	mtid := regexp.MustCompile(`/meetings/([0-9]+)/notes`).FindStringSubmatch(page)[1]
	if code, page := head.post("/meetings/"+mtid+"/notes", map[string][]string{"notes": {"Met the deputy"}, "follow_up": {"Letter sent 3 March"}}); code != http.StatusOK ||
		!strings.Contains(page, "Letter sent 3 March") {
		t.Errorf("update notes: %d", code)
	}
	code, page = head.post("/missions/"+mid+"/statements", map[string][]string{"kind": {"final"}, "rule": {"all"}, "release": {"time"},
		"release_at": {"2020-01-01T10:00"}, "title_en": {"Final conclusion"}, "title_kk": {"Қорытынды"},
		"text_en": {"Intro {{incidents_total}}.\n## Abroad\nCoverage {{coverage_abroad}}."}, "text_kk": {"Кіріспе.\n## Шетелде\nҚамту {{coverage_abroad}}."}})
	if code != http.StatusOK || !strings.Contains(page, "Coverage 0 / 1.") || !strings.Contains(page, "## Abroad") || !strings.Contains(page, "Freeze for adoption") ||
		!strings.Contains(htmlText(page), `Insert figures as {{stations_observed}}.`) {
		t.Fatalf("new statement: %d %s", code, page)
	}
	sid := regexp.MustCompile(`/missions/[0-9]+/statements/([0-9]+)/versions`).FindStringSubmatch(page)[1]
	st := "/missions/" + mid + "/statements/" + sid
	if code, page = head.post(st+"/versions", map[string][]string{"title_en": {"Final conclusion"}, "text_en": {"Intro {{incidents_total}} incidents.\n## Abroad\nCoverage {{coverage_abroad}}."}}); code != http.StatusOK ||
		!strings.Contains(page, "Intro 0 incidents.") || !strings.Contains(page, "<ins>+ Intro {{incidents_total}} incidents.</ins>") {
		t.Fatalf("new version: %d %s", code, page)
	}
	if code, page = head.post(st+"/freeze", nil); code != http.StatusOK || !strings.Contains(page, "Return to draft") {
		t.Fatalf("freeze: %d", code)
	}
	for _, email := range []string{"d1@cis.example.org", "d2@cis.example.org"} {
		if code, _ := login(email).post(st+"/decision", map[string][]string{"approve": {"1"}}); code != http.StatusOK {
			t.Fatalf("approve by %s: %d", email, code)
		}
	}
	// Released at a time already past: public as soon as adopted.
	if _, page = head.get(st); !strings.Contains(page, "In the press centre") {
		t.Fatalf("adopted statement not released: %s", page)
	}
	press := regexp.MustCompile(`/press/statements/([0-9]+)`).FindStringSubmatch(page)[1]
	if code, page := newBrowser(t, w.f).get("/press/statements/" + press); code != http.StatusOK || !strings.Contains(page, "Intro 0 incidents.") {
		t.Errorf("released statement: %d %s", code, page)
	}

	desk := login("desk@example.org")
	code, page = desk.post("/elections/"+e+"/meetings", map[string][]string{"kind": {"briefing"}, "held_at": {"2024-03-14T10:00"},
		"place": {"CEC"}, "participants": {"ODIHR"}, "topic0": {"foreign_media"}, "question0": {"Visas?"}, "answer0": {"Free."}})
	if code != http.StatusOK || !strings.Contains(page, "Visas?") || !strings.Contains(page, "The results are announced") {
		t.Fatalf("desk meeting: %d %s", code, page)
	}
	mt := regexp.MustCompile(`/meetings/([0-9]+)/publication`).FindStringSubmatch(page)[1]
	if code, page = desk.post("/meetings/"+mt+"/publication", map[string][]string{"title_en": {"CEC briefing for observers"}}); code != http.StatusOK ||
		!strings.Contains(page, "[Foreign media] Visas?") {
		t.Fatalf("publish minutes: %d %s", code, page)
	}
	if code, page = desk.post("/elections/"+e+"/results-announcement", nil); code != http.StatusOK || !strings.Contains(page, "Results announced") {
		t.Errorf("announce results: %d", code)
	}
	// The desk links a new delegation head's account by accreditation number.
	w.f.user(auth.DelegationHead, "new-head@cis.example.org")
	if code, page := desk.post("/elections/"+e+"/mission-accounts", map[string][]string{"mission": {mid}, "email": {"new-head@cis.example.org"},
		"number": {w.d2Obs.Number}}); code != http.StatusOK || !strings.Contains(page, "The account is linked.") {
		t.Errorf("link account: %d %s", code, page)
	}
	if code, _ := login("new-head@cis.example.org").get("/missions/" + mid + "/work"); code != http.StatusOK {
		t.Errorf("the linked account's mission page: %d", code)
	}
	if code, _ := desk.post("/elections/"+e+"/mission-accounts", map[string][]string{"mission": {itoa(w.other)}, "email": {"new-head@cis.example.org"},
		"number": {w.d2Obs.Number}}); code != http.StatusUnprocessableEntity {
		t.Errorf("link to another mission's member: %d, want 422", code)
	}
	// Members of the mission do not reach the desk's page.
	if code, _ := head.get("/elections/" + e + "/meetings"); code != http.StatusForbidden {
		t.Errorf("desk page for a mission head: %d", code)
	}
}

// TestMissionMemberByBadge: a member signed in by their personal link
// works in their mission, and their reports count in its figures.
func TestMissionMemberByBadge(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	admin := f.user(auth.Admin, "desk@example.org")
	eid := f.newElection(admin)
	obs, o := f.deployedObserver(admin, eid, "001")
	m := people.Mission{OrganizationID: o.OrganizationID, ElectionID: eid, Name: "Badge mission", Principles: "Neutrality."}
	if err := f.db.CreateMission(ctx, &m); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetObserverMission(ctx, o.ID, m.ID, string(people.MissionMember)); err != nil {
		t.Fatal(err)
	}
	mid := itoa(m.ID)
	if code, page := obs.get("/missions/" + mid + "/work"); code != http.StatusOK || !strings.Contains(page, "Badge mission") {
		t.Fatalf("work page by badge: %d", code)
	}
	if code, page := obs.post("/missions/"+mid+"/acknowledgement", nil); code != http.StatusOK || !strings.Contains(page, "You have acknowledged") {
		t.Errorf("acknowledge by badge: %d", code)
	}
	if code, _ := obs.get("/missions/" + itoa(m.ID+1) + "/work"); code != http.StatusNotFound {
		t.Errorf("another mission's page: %d, want 404", code)
	}
	resp, err := obs.c.Post(f.srv.URL+"/api/v1/elections/"+itoa(eid)+"/reports", "application/json", strings.NewReader(
		`{"client_id":"6f1c2f64-5b0e-4c55-9a3c-1f7f0d3c9a01","station":"001","form":"turnout","observed_at":"2023-03-19T06:00:00Z","answers":{"ballots_cast":600,"checkpoint":"12:00"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp.Body); resp.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", resp.StatusCode, body)
	}
	code, page := obs.get("/api/v1/missions/" + mid + "/figures")
	if code != http.StatusOK {
		t.Fatalf("figures: %d %s", code, page)
	}
	var figs struct {
		Figures []struct{ Name, Value, Basis string }
	}
	if err := json.Unmarshal([]byte(page), &figs); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"stations_observed": "1", "stations_observed_share": "33.3%", "turnout_observed": "40.0%", "coverage_home": "1 / 2"}
	for _, fg := range figs.Figures {
		if w, ok := want[fg.Name]; ok && fg.Value != w {
			t.Errorf("%s = %s (%s), want %s", fg.Name, fg.Value, fg.Basis, w)
		}
	}
}

// TestLongStatementForm: a statement of 40,000 Cyrillic characters a
// language goes through the form.
func TestLongStatementForm(t *testing.T) {
	w := newMissionWorld(t)
	mid := itoa(w.mission)
	b := newBrowser(t, w.f)
	if code, _ := b.post("/login", map[string][]string{"email": {"head@cis.example.org"}, "password": {testPassword}}); code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}
	long := strings.Repeat("Миссия байқады. ", 2500) // 40,000 characters, 75 KB
	code, page := b.post("/missions/"+mid+"/statements", map[string][]string{"kind": {"preliminary"}, "release": {"results"},
		"title_ru": {"Заявление"}, "text_kk": {long}, "text_ru": {long}})
	if code != http.StatusOK || !strings.Contains(page, "Миссия байқады.") {
		t.Fatalf("long statement: %d", code)
	}
}
