package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

func TestCharterScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		coordinator := f.user(auth.Coordinator, "coordinator@example.org")
		trainer := f.user(auth.Trainer, "trainer@example.org") // region KZ-75
		w := newTrainingWorld(t, db)

		// Nothing published yet: a friendly 404, on the page and in the API.
		anon := newBrowser(t, f)
		if code, body := anon.get("/lang/en?next=/charter"); code != 404 || !strings.Contains(body, "The Charter has not been published yet") {
			t.Errorf("no charter: %d\n%s", code, body)
		}
		if resp := f.do("GET", "/api/v1/charter", "", "", nil); resp.StatusCode != 404 {
			t.Errorf("API without a charter: %d", resp.StatusCode)
		}
		resp := f.do("POST", "/api/v1/charter/signatures", admin, "application/json", strings.NewReader(fmt.Sprintf(`{"organization_id":%d}`, w.org.ID)))
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("signing before publication: %d, want 409", resp.StatusCode)
		}

		// The admin publishes the default text with one button.
		b := newBrowser(t, f)
		if code, _ := b.submit("/login", url.Values{"email": {"admin@example.org"}, "password": {testPassword}}); code != 200 {
			t.Fatalf("sign in: %d", code)
		}
		code, body := b.get("/lang/en?next=/charter")
		if code != 404 || !strings.Contains(body, "Publish the default text") {
			t.Fatalf("admin sees no default button: %d", code)
		}
		code, body = b.submit("/charter", url.Values{"text_kk": {"Мәтін"}, "text_ru": {"Текст"}})
		if code != 422 || !strings.Contains(body, "Kazakh, Russian and English") || !strings.Contains(body, "Текст") {
			t.Errorf("charter without English: %d", code)
		}
		code, body = b.submit("/charter/default", nil)
		if code != 200 || !strings.Contains(body, "Version 1 of the Charter published") || !strings.Contains(body, "Political neutrality") {
			t.Fatalf("publish default: %d\n%s", code, body)
		}
		if code, _ := b.submit("/charter/default", nil); code != http.StatusConflict {
			t.Errorf("default twice: %d, want 409", code)
		}

		// A new version through the API; the page follows the language.
		resp = f.do("POST", "/api/v1/charter", coordinator, "application/json",
			strings.NewReader(`{"text_kk":"Бейтараптық.\nАдалдық.","text_ru":"Беспристрастность.\nЧестность.","text_en":"Impartiality.\nHonesty."}`))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("publish v2: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		if v := decode[struct{ Version int }](t, resp); v.Version != 2 {
			t.Errorf("version %d, want 2", v.Version)
		}
		resp = f.do("POST", "/api/v1/charter", admin, "application/json", strings.NewReader(`{"text_kk":"a","text_ru":"b","text_en":"  "}`))
		if body := readAll(t, resp.Body); resp.StatusCode != 422 || !strings.Contains(body, "Kazakh, Russian and English") {
			t.Errorf("API charter without English: %d %s", resp.StatusCode, body)
		}

		// Organisations sign: by the API, the organisation page's button and
		// the charter page's form; a second signature changes nothing.
		resp = f.do("POST", "/api/v1/charter/signatures", coordinator, "application/json", strings.NewReader(fmt.Sprintf(`{"organization_id":%d}`, w.org.ID)))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("sign: %d %s", resp.StatusCode, readAll(t, resp.Body))
		}
		if sig := decode[struct{ Version int }](t, resp); sig.Version != 2 {
			t.Errorf("signed version %d, want 2", sig.Version)
		}
		resp = f.do("POST", "/api/v1/charter/signatures", admin, "application/json", strings.NewReader(fmt.Sprintf(`{"organization_id":%d}`, w.org.ID)))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("sign again: %d, want 200", resp.StatusCode)
		}
		if code, body := b.submit("/organizations/"+itoa(w.org.ID)+"/charter-signature", nil); code != 200 || !strings.Contains(body, "had already signed") {
			t.Errorf("sign again on the page: %d", code)
		}
		if code, body := b.submit("/charter/signatures", url.Values{"organization_id": {itoa(w.other.ID)}}); code != 200 || !strings.Contains(body, "Federation of Trade Unions has signed") {
			t.Errorf("sign with the form: %d", code)
		}
		if code, body := b.submit("/charter/signatures", url.Values{"organization_id": {"999999"}}); code != 422 || !strings.Contains(body, "no organisation") {
			t.Errorf("sign for no organisation: %d", code)
		}
		resp = f.do("POST", "/api/v1/charter/signatures", trainer, "application/json", strings.NewReader(fmt.Sprintf(`{"organization_id":%d}`, w.org.ID)))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("trainer signing for an organisation: %d, want 403", resp.StatusCode)
		}
		for _, body := range []string{`{}`, `{"organization_id":1,"observer_id":1}`, `{"organization_id":-1}`} {
			resp := f.do("POST", "/api/v1/charter/signatures", admin, "application/json", strings.NewReader(body))
			if text := readAll(t, resp.Body); resp.StatusCode != 422 || !strings.Contains(text, "either organization_id or observer_id") {
				t.Errorf("signature %s: %d %s", body, resp.StatusCode, text)
			}
		}

		// Observers sign: by the desk (the regional desk only in its
		// region), or themselves once signed in with their badge's PIN.
		east, south := w.east[0], w.south
		if resp := f.do("POST", "/api/v1/charter/signatures", admin, "application/json", strings.NewReader(fmt.Sprintf(`{"observer_id":%d}`, east.ID))); resp.StatusCode != 201 {
			t.Errorf("admin signing for an observer: %d", resp.StatusCode)
		}
		if resp := f.do("POST", "/api/v1/charter/signatures", trainer, "application/json", strings.NewReader(fmt.Sprintf(`{"observer_id":%d}`, w.east[1].ID))); resp.StatusCode != 403 {
			t.Errorf("trainer of KZ-75 signing for a KZ-63 observer: %d, want 403", resp.StatusCode)
		}
		for _, st := range []people.Status{people.Trained, people.Accredited} {
			o, err := db.Observer(ctx, south.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Transition(ctx, people.Transition{ObserverID: o.ID, From: o.Status, To: st, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		hash, err := auth.HashPIN("246810")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetObserverCredentials(ctx, south.ID, people.Credentials{PINHash: hash, VerifyToken: "tok-charter"}); err != nil {
			t.Fatal(err)
		}
		ob := newBrowser(t, f)
		ob.get("/lang/en?next=/")
		if code, _ := ob.submit("/v/tok-charter/signin", url.Values{"pin": {"246810"}}); code != 200 {
			t.Fatalf("observer sign-in: %d", code)
		}
		code, body = ob.get("/charter")
		if code != 200 || !strings.Contains(body, `action="/observers/`+itoa(south.ID)+`/charter-signature"`) {
			t.Fatalf("observer sees no sign button: %d\n%s", code, body)
		}
		if code, _ := ob.submit("/observers/"+itoa(east.ID)+"/charter-signature", nil); code != 404 {
			t.Errorf("observer signing for someone else: %d, want 404", code)
		}
		code, body = ob.submit("/observers/"+itoa(south.ID)+"/charter-signature", nil)
		if code != 200 || !strings.Contains(body, "You have signed version 2") {
			t.Errorf("observer signs: %d\n%s", code, body)
		}
		if sig, err := db.ObserverSignature(ctx, south.ID); err != nil || sig.Version != 2 {
			t.Errorf("observer signature = %+v, %v", sig, err)
		}

		// The public page and API: the text, its version and the
		// signatories in every language, and no personal data.
		for _, c := range []struct{ lang, text, kind, title string }{
			{"kk", "Бейтараптық.", "Кәсіподақ", "Бейтарап және адал байқау хартиясы"},
			{"ru", "Беспристрастность.", "Профсоюз", "Хартия беспристрастного и честного наблюдения"},
			{"en", "Impartiality.", "Trade union", "Charter of impartial and honest observation"},
		} {
			code, body := anon.get("/lang/" + c.lang + "?next=/charter")
			for _, want := range []string{c.text, c.kind, c.title, w.org.Name, w.other.Name} {
				if code != 200 || !strings.Contains(body, want) {
					t.Errorf("charter in %s: %d, lacks %q", c.lang, code, want)
				}
			}
			if strings.Contains(body, "@example.org") || strings.Contains(body, "+7 701") || strings.Contains(body, south.FullName) {
				t.Errorf("public charter page in %s carries personal data", c.lang)
			}
		}
		resp = f.do("GET", "/api/v1/charter", "", "", nil)
		text := readAll(t, resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(text, `"version":2`) || !strings.Contains(text, "Federation of Trade Unions") || !strings.Contains(text, `"kind":"trade_union"`) {
			t.Errorf("public API: %d %s", resp.StatusCode, text)
		}
		for _, private := range []string{"@example.org", "+7 701", south.FullName, "observer_id", "by_user"} {
			if strings.Contains(text, private) {
				t.Errorf("public API carries %q: %s", private, text)
			}
		}
	})
}
