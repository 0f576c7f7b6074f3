package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/channel"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/web"
)

const (
	twilioToken    = "twilio-auth-token-for-tests"
	botToken       = "123456:TEST-token"
	telegramSecret = "webhook-secret-for-tests"
)

// fakeBotAPI is a local Bot API server: it records the methods called and
// serves one photo, answering in Telegram's documented JSON
// ({"ok": true, "result": …}).
type fakeBotAPI struct {
	mu    sync.Mutex
	sent  []map[string]string // sendMessage parameters
	files []string            // getFile file_ids
	photo []byte
}

func (b *fakeBotAPI) params(r *http.Request) map[string]string {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err == nil {
			for k, v := range m {
				out[k] = fmt.Sprint(v)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err == nil {
			for k, v := range r.MultipartForm.Value {
				out[k] = v[0]
			}
		}
	default:
		if err := r.ParseForm(); err == nil {
			for k, v := range r.PostForm {
				out[k] = v[0]
			}
		}
	}
	return out
}

func (b *fakeBotAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ok := func(result string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"result":%s}`, result)
	}
	switch r.URL.Path {
	case "/bot" + botToken + "/sendMessage":
		p := b.params(r)
		b.sent = append(b.sent, p)
		ok(`{"message_id":1,"date":0,"chat":{"id":` + p["chat_id"] + `,"type":"private"},"text":"ok"}`)
	case "/bot" + botToken + "/getFile":
		p := b.params(r)
		b.files = append(b.files, p["file_id"])
		ok(fmt.Sprintf(`{"file_id":%q,"file_unique_id":"u1","file_size":%d,"file_path":"photos/file_1.jpg"}`, p["file_id"], len(b.photo)))
	case "/file/bot" + botToken + "/photos/file_1.jpg":
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(b.photo)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
	}
}

// lastReply returns the text of the last sendMessage to chat.
func (b *fakeBotAPI) lastReply(t *testing.T, chat int64) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.sent) - 1; i >= 0; i-- {
		if b.sent[i]["chat_id"] == fmt.Sprint(chat) {
			return b.sent[i]["text"]
		}
	}
	t.Fatalf("no message sent to chat %d", chat)
	return ""
}

// newChannelFixture is newFixture with the SMS and Telegram channels on.
func newChannelFixture(t *testing.T, db *store.DB, api *fakeBotAPI) *fixture {
	t.Helper()
	logs := &bytes.Buffer{}
	ingest := report.NewIngester(db, report.IngestOptions{})
	ingest.Start(context.Background())
	t.Cleanup(func() {
		if err := ingest.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db, Ingest: ingest, Sessions: db.Sessions(), Ready: db.Ping,
		Log: slog.New(slog.NewTextHandler(logs, nil)), Channels: db, SMSSecret: twilioToken,
		TelegramToken: botToken, TelegramSecret: telegramSecret, TelegramBot: "baqylau_test_bot", TelegramAPIURL: apiSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, srv: httptest.NewServer(s.Handler()), tokens: map[auth.Role]string{}, logs: logs}
	t.Cleanup(f.srv.Close)
	return f
}

// phoneObserver registers an accredited observer with a phone, assigned
// to a station and signed in.
func (f *fixture) phoneObserver(t *testing.T, admin string, electionID int64, station, phone string, langs ...string) (*browser, people.Observer) {
	t.Helper()
	return f.deployed(admin, electionID, station, people.Observer{FullName: "Observer " + phone, Languages: langs, Personal: people.Personal{Phone: phone}})
}

// sms posts an SMS as Twilio does; sign is false to leave the signature
// out, or the signature is computed with key.
func (f *fixture) sms(key, from, sid, body string) (int, string) {
	f.t.Helper()
	form := url.Values{"From": {from}, "To": {"+77000000000"}, "Body": {body}, "MessageSid": {sid}, "AccountSid": {"AC1"}}
	req, err := http.NewRequest("POST", f.srv.URL+"/webhooks/sms/twilio", strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if key != "" {
		req.Header.Set("X-Twilio-Signature", channel.TwilioSignature(key, f.srv.URL+"/webhooks/sms/twilio", form))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readAll(f.t, resp.Body)
}

var twimlMessage = regexp.MustCompile(`(?s)^<\?xml[^>]*\?>\s*<Response><Message>(.*)</Message></Response>$`)

func twimlReply(t *testing.T, body string) string {
	t.Helper()
	m := twimlMessage.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("not a TwiML message: %s", body)
	}
	return m[1]
}

func TestTwilioSignatureVector(t *testing.T) {
	// The example of Twilio's security documentation.
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}}
	got := channel.TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form)
	if got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Errorf("signature %s", got)
	}
}

func TestSMSWebhook(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newChannelFixture(t, db, &fakeBotAPI{})
		admin := f.user(auth.Admin, "admin@example.org")
		eid := f.newElection(admin)
		_, o := f.phoneObserver(t, admin, eid, "001", "8 (701) 123-45-67")
		ctx := context.Background()
		count := func() (reports, incidents int) {
			rs, err := db.StationReports(ctx, eid, "001")
			if err != nil {
				t.Fatal(err)
			}
			_, n, err := db.Incidents(ctx, report.IncidentQuery{ElectionID: eid})
			if err != nil {
				t.Fatal(err)
			}
			return len(rs), n
		}

		// Signatures: missing, wrong key, tampered body.
		if code, _ := f.sms("", "+77011234567", "SM1", "T 12 345"); code != http.StatusForbidden {
			t.Errorf("no signature: %d", code)
		}
		if code, _ := f.sms("wrong", "+77011234567", "SM1", "T 12 345"); code != http.StatusForbidden {
			t.Errorf("bad signature: %d", code)
		}
		if r, i := count(); r+i != 0 {
			t.Fatalf("refused requests stored %d reports, %d incidents", r, i)
		}

		// A turnout figure in Cyrillic look-alikes, and its retry.
		code, body := f.sms(twilioToken, "+77011234567", "SM1", "Т 12 345")
		reply := twimlReply(t, body)
		if code != 200 || !strings.Contains(reply, "Принято") || !strings.Contains(reply, "001") {
			t.Fatalf("turnout: %d %s", code, reply)
		}
		rs, err := db.StationReports(ctx, eid, "001")
		if err != nil || len(rs) != 1 {
			t.Fatalf("stored: %v %v", rs, err)
		}
		if rs[0].Channel != report.SMS || rs[0].ObserverID != o.ID || string(rs[0].Answers["ballots_cast"]) != "345" || !strings.Contains(reply, rs[0].Receipt[:8]) {
			t.Errorf("stored report %+v, reply %q", rs[0], reply)
		}
		if _, again := f.sms(twilioToken, "+77011234567", "SM1", "Т 12 345"); twimlReply(t, again) != reply {
			t.Errorf("retry replied %q, want %q", twimlReply(t, again), reply)
		}
		if r, _ := count(); r != 1 {
			t.Errorf("a retried message stored %d reports", r)
		}

		// An incident, with the category by its SMS code.
		_, body = f.sms(twilioToken, "87011234567", "SM2", "!4 h @автобус с людьми <script>")
		if reply := twimlReply(t, body); !strings.Contains(reply, "Карусель") || strings.Contains(reply, "<script>") {
			t.Errorf("incident reply %q", reply)
		}
		incs, _, err := db.Incidents(ctx, report.IncidentQuery{ElectionID: eid})
		if err != nil || len(incs) != 1 || incs[0].Category != "carousel" || incs[0].Severity != report.High ||
			incs[0].Description != "автобус с людьми <script>" || incs[0].Channel != report.SMS {
			t.Errorf("incident %+v %v", incs, err)
		}

		// What the observer can fix is a reply; nothing is stored.
		for _, c := range []struct{ body, want string }{
			{"#002 T 12 10", "не назначены на участок 002"},
			{"T 12", "Не хватает: B"},
			{"hello", "Не понял"},
			{"\xff\xfe T 12 1", "не читается"},
			{strings.Repeat("Y ", 10000), "длинное"},
			{"!99", "Нет такого кода"},
		} {
			code, body := f.sms(twilioToken, "+77011234567", "SM-"+c.body[:2], c.body)
			if reply := twimlReply(t, body); code != 200 || !strings.Contains(reply, c.want) {
				t.Errorf("%.20q: %d %q, want %q", c.body, code, reply, c.want)
			}
		}
		if r, i := count(); r != 2 || i != 1 { // "T 12" is kept, flagged as missing B
			t.Errorf("after the refusals: %d reports, %d incidents", r, i)
		}

		// An unknown phone gets a polite reply and stores nothing.
		_, body = f.sms(twilioToken, "+77770000000", "SM9", "T 12 999")
		if reply := twimlReply(t, body); !strings.Contains(reply, "не зарегистрирован") {
			t.Errorf("unknown phone: %q", reply)
		}
		// A huge body is refused before it is read.
		huge := url.Values{"From": {"+77011234567"}, "MessageSid": {"SM10"}, "Body": {strings.Repeat("x", 100<<10)}}
		req, err := http.NewRequest("POST", f.srv.URL+"/webhooks/sms/twilio", strings.NewReader(huge.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("huge body: %d", resp.StatusCode)
		}
		if r, i := count(); r != 2 || i != 1 {
			t.Errorf("at the end: %d reports, %d incidents", r, i)
		}
	})
}

func testJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		for y := 0; y < 30; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// update posts a Bot API update with a secret ("" for none).
func (f *fixture) update(secret, body string) int {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+"/webhooks/telegram", strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func textUpdate(updateID, messageID int, chat int64, text string) string {
	b, err := json.Marshal(text)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1700000000,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"A","language_code":"ru"},"text":%s}}`,
		updateID, messageID, chat, chat, b)
}

func TestTelegramWebhook(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		api := &fakeBotAPI{photo: testJPEG(t)}
		f := newChannelFixture(t, db, api)
		admin := f.user(auth.Admin, "admin@example.org")
		eid := f.newElection(admin)
		obs, o := f.phoneObserver(t, admin, eid, "001", "", "en")
		ctx := context.Background()
		const chat = 5550001

		// The secret: missing or wrong is refused before anything happens.
		for _, secret := range []string{"", "wrong"} {
			if code := f.update(secret, textUpdate(1, 1, chat, "T 12 1")); code != http.StatusForbidden {
				t.Errorf("secret %q: %d", secret, code)
			}
		}
		// Hostile bodies.
		if code := f.update(telegramSecret, `{"update_id":`); code != http.StatusBadRequest {
			t.Errorf("broken JSON: %d", code)
		}
		if code := f.update(telegramSecret, `{"update_id":1,"message":{"text":"`+strings.Repeat("x", 2<<20)+`"}}`); code != http.StatusRequestEntityTooLarge {
			t.Errorf("huge update: %d", code)
		}

		// An unlinked chat is told how to link.
		if code := f.update(telegramSecret, textUpdate(2, 2, chat, "T 12 1")); code != 200 {
			t.Fatalf("unlinked: %d", code)
		}
		if reply := api.lastReply(t, chat); !strings.Contains(reply, "/telegram/link") {
			t.Errorf("unlinked reply %q", reply)
		}

		// The observer gets a one-time code on the web and sends /start CODE.
		code, page := obs.get("/telegram/link")
		m := regexp.MustCompile(`id="telegram-code"[^>]*><strong>([A-Z0-9]+)</strong>`).FindStringSubmatch(page)
		if code != 200 || m == nil || !strings.Contains(page, "https://t.me/baqylau_test_bot?start="+m[1]) {
			t.Fatalf("link page: %d %s", code, page)
		}
		f.update(telegramSecret, textUpdate(3, 3, chat, "/start "+strings.ToLower(m[1])))
		if reply := api.lastReply(t, chat); !strings.Contains(reply, o.Number) {
			t.Fatalf("link reply %q", reply)
		}
		f.update(telegramSecret, textUpdate(4, 4, 777, "/start "+m[1]))
		if reply := api.lastReply(t, 777); !strings.Contains(reply, "неверен") {
			t.Errorf("a used code: %q", reply)
		}

		// Reports in the SMS grammar; the reply is in the observer's language.
		f.update(telegramSecret, textUpdate(5, 5, chat, "t 12, 400"))
		reply := api.lastReply(t, chat)
		rs, err := db.StationReports(ctx, eid, "001")
		if err != nil || len(rs) != 1 || rs[0].Channel != report.Telegram || rs[0].ObserverID != o.ID || !strings.Contains(reply, "Recorded") || !strings.Contains(reply, rs[0].Receipt[:8]) {
			t.Fatalf("telegram report %v %v, reply %q", rs, err, reply)
		}

		// A captioned photo is an incident with evidence, stored once
		// however often Telegram sends the update.
		photo := fmt.Sprintf(`{"update_id":6,"message":{"message_id":6,"date":1700000000,"chat":{"id":%d,"type":"private"},"caption":"!2 C @stuffing seen","photo":[{"file_id":"small","file_unique_id":"s","width":90,"height":60},{"file_id":"big","file_unique_id":"b","width":1280,"height":960,"file_size":%d}]}}`, chat, len(api.photo))
		for range 2 {
			if code := f.update(telegramSecret, photo); code != 200 {
				t.Fatalf("photo: %d", code)
			}
		}
		if reply := api.lastReply(t, chat); !strings.Contains(reply, "Photo saved") {
			t.Errorf("photo reply %q", reply)
		}
		incs, _, err := db.Incidents(ctx, report.IncidentQuery{ElectionID: eid})
		if err != nil || len(incs) != 1 || incs[0].Category != "ballot_stuffing" || incs[0].Channel != report.Telegram {
			t.Fatalf("incidents %+v %v", incs, err)
		}
		ev, err := db.EvidenceList(ctx, incs[0].ID)
		if err != nil || len(ev) != 1 || ev[0].ContentType != "image/jpeg" || ev[0].SHA256 == "" || ev[0].OriginalHash == "" {
			t.Fatalf("evidence %+v %v", ev, err)
		}
		api.mu.Lock()
		files := append([]string(nil), api.files...)
		api.mu.Unlock()
		if len(files) == 0 || files[0] != "big" {
			t.Errorf("getFile calls %v, want the largest size", files)
		}

		// Hostile text: 10,000 words and invalid UTF-8 get a reply.
		f.update(telegramSecret, textUpdate(7, 7, chat, strings.Repeat("Y ", 10000)))
		if reply := api.lastReply(t, chat); !strings.Contains(reply, "too long") {
			t.Errorf("10,000 words: %q", reply)
		}
		if code := f.update(telegramSecret, "{\"update_id\":8,\"message\":{\"message_id\":8,\"date\":1,\"chat\":{\"id\":5550001,\"type\":\"private\"},\"text\":\"T \xff 12\"}}"); code != 200 {
			t.Errorf("invalid UTF-8: %d", code)
		}

		// /stop unlinks.
		f.update(telegramSecret, textUpdate(9, 9, chat, "/stop"))
		if _, err := db.TelegramObserver(ctx, chat); err == nil {
			t.Error("/stop left the chat linked")
		}
	})
}
