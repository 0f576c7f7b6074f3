package channel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/channel"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/triage"
)

var _ channel.Outbox = (*store.DB)(nil)

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "twilio-token-for-tests"
	twilioFrom  = "+15005550006"
	botToken    = "123456:DELIVERY-test"
)

// fakeTwilio is a local Twilio REST API that checks the documented
// request of Messages.json and records each message it accepts. fail,
// when set, answers a request instead (status and body).
type fakeTwilio struct {
	t     *testing.T
	mu    sync.Mutex
	sent  []twilioMessage // accepted messages
	calls int
	fail  func(call int) (int, string)
	// block, when set, holds each request until it is closed.
	block   chan struct{}
	arrived chan struct{}
}

// twilioMessage is a message Twilio accepted.
type twilioMessage struct{ To, From, Body string }

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.t
	f.mu.Lock()
	block, arrived := f.block, f.arrived
	f.mu.Unlock()
	if arrived != nil {
		arrived <- struct{}{}
	}
	if block != nil {
		<-block
	}
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" {
		t.Errorf("twilio: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		t.Errorf("twilio: Content-Type %q", r.Header.Get("Content-Type"))
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != twilioSID || pass != twilioToken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`)
		t.Errorf("twilio: basic auth %q %q %v", user, pass, ok)
		return
	}
	if err := r.ParseForm(); err != nil {
		t.Errorf("twilio: %v", err)
	}
	m := twilioMessage{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body")}
	if !strings.HasPrefix(m.To, "+") || m.From != twilioFrom || m.Body == "" || len([]rune(m.Body)) > 1600 {
		t.Errorf("twilio: message %+v", m)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	w.Header().Set("Content-Type", "application/json")
	if f.fail != nil {
		if status, body := f.fail(f.calls); status != 0 {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
	}
	f.sent = append(f.sent, m)
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"sid":"SM%032d","status":"queued","to":%q,"body":%q}`, len(f.sent), m.To, m.Body)
}

// setFail sets how the fake fails (nil: never).
func (f *fakeTwilio) setFail(fail func(call int) (int, string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

// setBlock makes the fake hold each request until block is closed, and
// say on arrived when one arrives.
func (f *fakeTwilio) setBlock(block, arrived chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.block, f.arrived = block, arrived
}

// callCount is the number of requests that reached Messages.json.
func (f *fakeTwilio) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeTwilio) messages() []twilioMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]twilioMessage(nil), f.sent...)
}

// fakeBot is a local Bot API that records sendMessage calls (sent as
// multipart/form-data by go-telegram/bot) and answers in Telegram's
// documented JSON.
type fakeBot struct {
	t    *testing.T
	mu   sync.Mutex
	sent []map[string]string
	fail func(call int) (int, string)
	n    int
}

func (b *fakeBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/bot"+botToken+"/sendMessage" {
		b.t.Errorf("bot: %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		b.t.Errorf("bot: %v", err)
	}
	p := map[string]string{}
	for k, v := range r.MultipartForm.Value {
		p[k] = v[0]
	}
	if p["chat_id"] == "" || p["text"] == "" {
		b.t.Errorf("bot: sendMessage %v", p)
	}
	b.n++
	if b.fail != nil {
		if status, body := b.fail(b.n); status != 0 {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
	}
	b.sent = append(b.sent, p)
	fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":0,"chat":{"id":%s,"type":"private"},"text":%q}}`, b.n, p["chat_id"], p["text"])
}

// setFail sets how the fake fails (nil: never).
func (b *fakeBot) setFail(fail func(call int) (int, string)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail = fail
}

func (b *fakeBot) messages() []map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]map[string]string(nil), b.sent...)
}

// deliveryFixture is a database with an election, a station and an HQ
// user, and the fakes of Twilio and the Bot API.
type deliveryFixture struct {
	db      *store.DB
	twilio  *fakeTwilio
	bot     *fakeBot
	twURL   string
	botURL  string
	e       election.Election
	staff   int64
	clients int
}

func newDeliveryFixture(t *testing.T, db *store.DB) *deliveryFixture {
	t.Helper()
	ctx := context.Background()
	f := &deliveryFixture{db: db, twilio: &fakeTwilio{t: t}, bot: &fakeBot{t: t}}
	tw := httptest.NewServer(f.twilio)
	t.Cleanup(tw.Close)
	bs := httptest.NewServer(f.bot)
	t.Cleanup(bs.Close)
	f.twURL, f.botURL = tw.URL, bs.URL
	day, err := election.ParseDate("2026-03-15")
	if err != nil {
		t.Fatal(err)
	}
	f.e = election.Election{Name: "Выборы", Kind: election.Presidential, Date: day}
	if err := db.CreateElection(ctx, &f.e); err != nil {
		t.Fatal(err)
	}
	_, err = db.ImportStations(ctx, f.e.ID, []election.Station{{Code: "A-001", Name: "Школа №1", Region: "KZ-75", District: "Бостандыкский",
		Country: "KZ", City: "Алматы", Address: "ул. Абая, 1", TimeZone: "Asia/Almaty", RegisteredVoters: 1000,
		Opens: election.DefaultOpens, Closes: election.DefaultCloses}})
	if err != nil {
		t.Fatal(err)
	}
	u := auth.User{Email: "lawyer@example.org", Role: auth.Admin, PasswordHash: "h"}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	f.staff = u.ID
	return f
}

// observer registers an observer with a phone ("" for none) and, when
// chat is not 0, a linked Telegram chat.
func (f *deliveryFixture) observer(t *testing.T, phone string, chat int64, langs ...string) people.Observer {
	t.Helper()
	ctx := context.Background()
	org := people.Organization{Name: "Org " + phone + fmt.Sprint(chat, f.clients), Kind: people.DomesticNGO}
	if err := f.db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	o := people.Observer{Kind: people.KindObserver, FullName: "Наблюдатель " + phone, OrganizationID: org.ID, Status: people.Applied,
		Languages: langs, Personal: people.Personal{Phone: phone}}
	if err := f.db.CreateObserver(ctx, &o, 0); err != nil {
		t.Fatal(err)
	}
	if chat != 0 {
		_, hash, err := channel.NewLinkCode()
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.CreateTelegramCode(ctx, o.ID, hash, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.RedeemTelegramCode(ctx, hash, chat, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f.clients++
	return o
}

// advise records an incident by o through ch and HQ's advice on it, and
// returns the message.
func (f *deliveryFixture) advise(t *testing.T, o people.Observer, ch report.Channel, text string) triage.ObserverMessage {
	t.Helper()
	ctx := context.Background()
	f.clients++
	at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	acks, err := f.db.SaveIncidents(ctx, []report.IncidentReport{{ClientID: fmt.Sprintf("inc-%d", f.clients), ElectionID: f.e.ID,
		StationCode: "A-001", Category: "carousel", Severity: report.High, ObserverID: o.ID, Channel: ch, ObservedAt: at, ReceivedAt: at}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.db.Case(ctx, acks[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	change, err := triage.Decide(c, triage.Decision{Action: triage.AdviseObserver, Note: "advice", Message: text, By: f.staff}, 0, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Apply(ctx, &change); err != nil {
		t.Fatal(err)
	}
	return *change.Message
}

// deliverer returns a Deliverer on db with Twilio and the bot as asked,
// on the clock now.
func (f *deliveryFixture) deliverer(t *testing.T, db *store.DB, sms, telegram bool, now func() time.Time) *channel.Deliverer {
	t.Helper()
	d := &channel.Deliverer{Outbox: db, Now: now, Interval: 20 * time.Millisecond, MaxAttempts: 3,
		MinBackoff: 30 * time.Second, MaxBackoff: time.Hour}
	if sms {
		d.SMS = &channel.Twilio{AccountSID: twilioSID, AuthToken: twilioToken, From: twilioFrom, BaseURL: f.twURL}
	}
	if telegram {
		b, err := channel.NewBot(botToken, f.botURL)
		if err != nil {
			t.Fatal(err)
		}
		d.Bot = b
	}
	return d
}

func delivery(t *testing.T, db *store.DB, id int64) store.Delivery {
	t.Helper()
	d, err := db.ObserverMessageDelivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeliverByChannel(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newDeliveryFixture(t, db)
		byPhone := f.observer(t, "8 (701) 123-45-67", 0, "kk")
		byChat := f.observer(t, "+7 702 000 00 00", 4242, "en")
		unlinked := f.observer(t, "+7 703 000 00 00", 0)
		noPhone := f.observer(t, "", 0)
		sms := f.advise(t, byPhone, report.SMS, "Сұраңыз: сайлаушылар тізімін көрсетсін.")
		tg := f.advise(t, byChat, report.Telegram, "Ask the chair for the register.")
		fallback := f.advise(t, unlinked, report.Telegram, "Попросите список избирателей.")
		web := f.advise(t, noPhone, report.Web, "Сфотографируйте урну.")
		phoned := f.advise(t, noPhone, report.Phone, "Оставайтесь на участке.")
		lost := f.advise(t, noPhone, report.SMS, "Нет телефона.")

		d := f.deliverer(t, db, true, true, nil)
		n, err := d.DeliverDue(ctx)
		if err != nil || n != 6 {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		got := f.twilio.messages()
		if len(got) != 2 || got[0].To != "+77011234567" || got[1].To != "+77030000000" ||
			got[0].Body != fmt.Sprintf("Baqylau, штаб — №%d бұзушылық бойынша: %s", sms.IncidentID, sms.Body) ||
			!strings.HasSuffix(got[1].Body, fallback.Body) {
			t.Errorf("SMS sent = %+v", got)
		}
		tgs := f.bot.messages()
		if len(tgs) != 1 || tgs[0]["chat_id"] != "4242" || tgs[0]["text"] != fmt.Sprintf("Baqylau HQ on incident %d: %s", tg.IncidentID, tg.Body) {
			t.Errorf("Telegram sent = %v", tgs)
		}
		for _, c := range []struct {
			id  int64
			via string
		}{{sms.ID, channel.ViaSMS}, {tg.ID, channel.ViaTelegram}, {fallback.ID, channel.ViaSMS}, {web.ID, channel.ViaWeb}, {phoned.ID, channel.ViaWeb}} {
			if got := delivery(t, db, c.id); got.Via != c.via || got.DeliveredAt.IsZero() || got.Attempts != 0 {
				t.Errorf("message %d: %+v, want delivered via %s", c.id, got, c.via)
			}
		}
		if got := delivery(t, db, lost.ID); got.Attempts != 1 || got.GivenUpAt.IsZero() || !got.DeliveredAt.IsZero() ||
			!strings.Contains(got.LastError, "no phone") {
			t.Errorf("SMS to an observer without a phone: %+v", got)
		}
		msgs, err := db.ObserverMessages(ctx, sms.IncidentID)
		if err != nil || len(msgs) != 1 || msgs[0].DeliveredAt.IsZero() {
			t.Errorf("the incident's outbox = %+v, %v", msgs, err)
		}
		// Nothing is sent twice.
		if n, err := d.DeliverDue(ctx); err != nil || n != 0 || len(f.twilio.messages()) != 2 || len(f.bot.messages()) != 1 {
			t.Errorf("second pass = %d, %v", n, err)
		}
	})
}

// TestDeliverOnlyWhatItServes: a node without SMS or Telegram leaves
// those messages for another node and delivers the web ones.
func TestDeliverOnlyWhatItServes(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newDeliveryFixture(t, db)
		o := f.observer(t, "+7 701 123 45 67", 77)
		sms := f.advise(t, o, report.SMS, "SMS")
		tg := f.advise(t, o, report.Telegram, "Telegram")
		web := f.advise(t, o, report.API, "API")
		if n, err := f.deliverer(t, db, false, false, nil).DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue without channels = %d, %v", n, err)
		}
		if delivery(t, db, web.ID).Via != channel.ViaWeb || delivery(t, db, sms.ID).Attempts != 0 || delivery(t, db, tg.ID).Attempts != 0 {
			t.Errorf("web %+v sms %+v telegram %+v", delivery(t, db, web.ID), delivery(t, db, sms.ID), delivery(t, db, tg.ID))
		}
		if n, err := f.deliverer(t, db, false, true, nil).DeliverDue(ctx); err != nil || n != 1 || delivery(t, db, tg.ID).Via != channel.ViaTelegram {
			t.Errorf("DeliverDue with the bot = %d, %v; %+v", n, err, delivery(t, db, tg.ID))
		}
		if n, err := f.deliverer(t, db, true, false, nil).DeliverDue(ctx); err != nil || n != 1 || delivery(t, db, sms.ID).Via != channel.ViaSMS {
			t.Errorf("DeliverDue with SMS = %d, %v; %+v", n, err, delivery(t, db, sms.ID))
		}
	})
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestDeliverRetries(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newDeliveryFixture(t, db)
		o := f.observer(t, "+7 701 123 45 67", 0)
		m := f.advise(t, o, report.SMS, "Совет")
		// Twilio fails twice with 500, then takes the message.
		f.twilio.setFail(func(call int) (int, string) {
			if call <= 2 {
				return http.StatusInternalServerError, `{"code":20500,"message":"Internal Server Error","status":500}`
			}
			return 0, ""
		})
		c := &clock{t: time.Now().UTC().Truncate(time.Second)}
		d := f.deliverer(t, db, true, false, c.now)
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("first attempt = %d, %v", n, err)
		}
		got := delivery(t, db, m.ID)
		if got.Attempts != 1 || !got.NextAttemptAt.Equal(c.now().Add(30*time.Second)) || !strings.Contains(got.LastError, "20500") {
			t.Fatalf("after a 500: %+v", got)
		}
		// Not before it is due.
		c.add(29 * time.Second)
		if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("before due = %d, %v", n, err)
		}
		c.add(time.Second)
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("second attempt = %d, %v", n, err)
		}
		if got := delivery(t, db, m.ID); got.Attempts != 2 || !got.NextAttemptAt.Equal(c.now().Add(time.Minute)) {
			t.Fatalf("after a second 500 (the backoff doubles): %+v", got)
		}
		c.add(time.Minute)
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("third attempt = %d, %v", n, err)
		}
		if got := delivery(t, db, m.ID); got.Via != channel.ViaSMS || got.DeliveredAt.IsZero() || got.Attempts != 2 {
			t.Errorf("after the third attempt: %+v", got)
		}
		if len(f.twilio.messages()) != 1 || f.twilio.callCount() != 3 {
			t.Errorf("Twilio took %d messages in %d calls", len(f.twilio.messages()), f.twilio.callCount())
		}
	})
}

func TestDeliverGivesUp(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newDeliveryFixture(t, db)
		o := f.observer(t, "+7 701 123 45 67", 0)
		c := &clock{t: time.Now().UTC().Truncate(time.Second)}
		d := f.deliverer(t, db, true, false, c.now) // MaxAttempts 3

		f.twilio.setFail(func(int) (int, string) {
			return http.StatusServiceUnavailable, `{"code":20503,"message":"Service Unavailable","status":503}`
		})
		m := f.advise(t, o, report.SMS, "Совет")
		for i := range 3 {
			if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
				t.Fatalf("attempt %d = %d, %v", i+1, n, err)
			}
			c.add(time.Hour)
		}
		got := delivery(t, db, m.ID)
		if got.Attempts != 3 || got.GivenUpAt.IsZero() || !got.DeliveredAt.IsZero() {
			t.Fatalf("after 3 attempts: %+v", got)
		}
		f.twilio.setFail(nil)
		c.add(24 * time.Hour)
		if n, err := d.DeliverDue(ctx); err != nil || n != 0 || f.twilio.callCount() != 3 {
			t.Errorf("after giving up = %d, %v (%d calls)", n, err, f.twilio.callCount())
		}
		// The observer still sees the advice; HQ sees it pending.
		if msgs, err := db.ObserverMessages(ctx, m.IncidentID); err != nil || len(msgs) != 1 || !msgs[0].DeliveredAt.IsZero() {
			t.Errorf("outbox = %+v, %v", msgs, err)
		}

		// A 400 (an invalid number) is given up at once.
		f.twilio.setFail(func(int) (int, string) {
			return http.StatusBadRequest, `{"code":21211,"message":"The 'To' number is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`
		})
		m = f.advise(t, o, report.SMS, "Совет 2")
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("invalid number = %d, %v", n, err)
		}
		if got := delivery(t, db, m.ID); got.Attempts != 1 || got.GivenUpAt.IsZero() || !strings.Contains(got.LastError, "21211") {
			t.Errorf("after a 400: %+v", got)
		}

		// A bot blocked by the observer (403) is given up at once; a 429
		// waits as long as Telegram asks.
		chatty := f.observer(t, "", 99, "ru")
		f.bot.setFail(func(call int) (int, string) {
			if call == 1 {
				return http.StatusForbidden, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`
			}
			return http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7200","parameters":{"retry_after":7200}}`
		})
		d = f.deliverer(t, db, true, true, c.now)
		blocked := f.advise(t, chatty, report.Telegram, "Совет 3")
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("blocked = %d, %v", n, err)
		}
		if got := delivery(t, db, blocked.ID); got.Attempts != 1 || got.GivenUpAt.IsZero() {
			t.Errorf("after a 403: %+v", got)
		}
		limited := f.advise(t, chatty, report.Telegram, "Совет 4")
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("rate limited = %d, %v", n, err)
		}
		if got := delivery(t, db, limited.ID); got.Attempts != 1 || !got.NextAttemptAt.Equal(c.now().Add(2*time.Hour)) {
			t.Errorf("after a 429 asking for 2 h: %+v", got)
		}
	})
}

// TestDeliverTwoNodes runs two workers on two handles of one database,
// as two nodes would: each message is sent exactly once.
func TestDeliverTwoNodes(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			var nodes []*store.DB
			for range 2 {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if err := db.Close(); err != nil {
						t.Error(err)
					}
				})
				nodes = append(nodes, db)
			}
			f := newDeliveryFixture(t, nodes[0])
			o := f.observer(t, "+7 701 123 45 67", 0)
			var want []triage.ObserverMessage
			for i := range 40 {
				want = append(want, f.advise(t, o, report.SMS, fmt.Sprintf("Совет %d", i)))
			}
			var workers []*channel.Deliverer
			for _, db := range nodes {
				d := f.deliverer(t, db, true, false, nil)
				d.Batch = 2
				d.Start(ctx)
				d.Nudge()
				workers = append(workers, d)
			}
			deadline := time.Now().Add(30 * time.Second)
			for len(f.twilio.messages()) < len(want) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond) // a duplicate would arrive now
			for _, d := range workers {
				if err := d.Shutdown(ctx); err != nil {
					t.Error(err)
				}
			}
			count := map[string]int{}
			for _, m := range f.twilio.messages() {
				count[m.Body]++
			}
			for _, m := range want {
				if n := count[channel.AdviceText("ru", m)]; n != 1 {
					t.Errorf("message %d sent %d times", m.ID, n)
				}
				if got := delivery(t, nodes[1], m.ID); got.DeliveredAt.IsZero() {
					t.Errorf("message %d not marked delivered: %+v", m.ID, got)
				}
			}
		})
	}
}

// TestDeliverShutdownWaits: Shutdown lets the send in flight finish and
// be recorded; a Shutdown whose context ends first cancels it.
func TestDeliverShutdownWaits(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	f := newDeliveryFixture(t, db)
	o := f.observer(t, "+7 701 123 45 67", 0)
	m := f.advise(t, o, report.SMS, "Совет")
	block, arrived := make(chan struct{}), make(chan struct{}, 10)
	f.twilio.setBlock(block, arrived)
	d := f.deliverer(t, db, true, false, nil)
	d.Interval = time.Hour // only the first poll and nudges
	d.Start(ctx)
	<-arrived
	stopped := make(chan error, 1)
	go func() { stopped <- d.Shutdown(ctx) }()
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned during a send: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(block)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if got := delivery(t, db, m.ID); got.Via != channel.ViaSMS || got.DeliveredAt.IsZero() {
		t.Errorf("after Shutdown: %+v", got)
	}

	// A Shutdown out of time cancels the send; the message is handed back
	// uncounted.
	m = f.advise(t, o, report.SMS, "Совет 2")
	block = make(chan struct{})
	defer close(block)
	f.twilio.setBlock(block, arrived)
	d = f.deliverer(t, db, true, false, nil)
	d.Start(ctx)
	<-arrived
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := d.Shutdown(short); err != context.DeadlineExceeded {
		t.Errorf("Shutdown out of time = %v", err)
	}
	if got := delivery(t, db, m.ID); got.Attempts != 0 || !got.DeliveredAt.IsZero() || !got.ClaimedUntil.IsZero() {
		t.Errorf("after a cancelled send: %+v", got)
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"короткий", 10, "короткий"},
		{"ровно", 5, "ровно"},
		{"Попросите список избирателей", 20, "Попросите список…"},
		{"абвгдеёжзийклмн", 10, "абвгдеёжз…"},
		{"x", 0, "…"},
	} {
		if got := channel.Truncate(c.in, c.n); got != c.want || len([]rune(got)) > max(c.n, 1) {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	d := &channel.Deliverer{}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := d.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestE164(t *testing.T) {
	for in, want := range map[string]string{
		"8 (701) 123-45-67": "+77011234567",
		"+7 701 123 45 67":  "+77011234567",
		"7011234567":        "+77011234567",
		"00 49 30 1234567":  "+49301234567",
		"":                  "",
		"123":               "",
	} {
		if got := channel.E164(in); got != want {
			t.Errorf("E164(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTwilioErrorAnswer reads Twilio's documented error JSON.
func TestTwilioErrorAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		if err := json.NewEncoder(w).Encode(map[string]any{"code": 20429, "message": "Too Many Requests", "status": 429}); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	tw := &channel.Twilio{AccountSID: twilioSID, AuthToken: twilioToken, MessagingServiceSID: "MG123", BaseURL: srv.URL}
	_, err := tw.SendSMS(context.Background(), "+77011234567", "hi")
	te, ok := err.(*channel.TwilioError)
	if !ok || te.Status != 429 || te.Code != 20429 || te.Permanent() {
		t.Errorf("SendSMS = %#v", err)
	}
}
