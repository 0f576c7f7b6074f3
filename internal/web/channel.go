package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/channel"
	"github.com/baqylau/baqylau/internal/report"
)

// Webhooks of the SMS gateway and the Telegram bot. They are public
// routes: no cookie or token, but the gateway's signature (Twilio) or the
// webhook's secret (Telegram); a browser never posts to them, and the
// cross-origin protection lets a request without Origin or Sec-Fetch-Site
// through.
const (
	maxSMSWebhookBytes      = 64 << 10
	maxTelegramWebhookBytes = 1 << 20
)

// channels holds the channel services, built once with the routes.
type channels struct {
	s   *Server
	svc *channel.Service // nil without a channel store
	tg  *channel.Telegram
}

func (s *Server) channelRoutes() []route {
	c := &channels{s: s}
	store := s.cfg.Channels
	if store == nil {
		store, _ = s.cfg.People.(channel.Store)
	}
	if store != nil {
		c.svc = &channel.Service{Submit: s.submit, Store: store}
	}
	if c.svc != nil && s.cfg.TelegramToken != "" {
		b, err := channel.NewBot(s.cfg.TelegramToken, s.cfg.TelegramAPIURL)
		if err != nil {
			s.log.Error("telegram: the webhook is off", "err", err)
		} else {
			c.tg = &channel.Telegram{Bot: b, Service: c.svc, Log: s.log,
				LinkURL: strings.TrimSuffix(s.cfg.PublicURL, "/") + "/telegram/link"}
		}
	}
	return []route{
		{pattern: "POST /webhooks/sms/twilio", roles: public, h: c.twilioWebhook},
		{pattern: "POST /webhooks/telegram", roles: public, h: c.telegramWebhook},
		{pattern: "GET /telegram/link", roles: []auth.Role{auth.Observer}, h: c.showTelegramLink},
	}
}

// twilioWebhook receives an SMS from Twilio and answers with TwiML.
func (c *channels) twilioWebhook(w http.ResponseWriter, r *http.Request) {
	s := c.s
	if c.svc == nil || s.cfg.SMSSecret == "" {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSMSWebhookBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	fullURL := s.baseURL(r) + r.URL.RequestURI()
	if !channel.ValidTwilioSignature(s.cfg.SMSSecret, fullURL, r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		http.Error(w, "bad or missing X-Twilio-Signature", http.StatusForbidden)
		return
	}
	from, sid := r.PostForm.Get("From"), r.PostForm.Get("MessageSid")
	if from == "" || sid == "" {
		http.Error(w, "From and MessageSid are required", http.StatusBadRequest)
		return
	}
	reply, err := c.sms(r, from, sid, r.PostForm.Get("Body"))
	if err != nil {
		s.log.Error("sms webhook", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if _, err := w.Write(channel.TwiML(reply)); err != nil {
		s.log.Warn("sms webhook: write", "err", err)
	}
}

// sms handles one SMS and returns the reply.
func (c *channels) sms(r *http.Request, from, id, body string) (string, error) {
	o, err := c.svc.ObserverByPhone(r.Context(), from)
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		return channel.Say("ru", "unknown_sender"), nil
	}
	if err != nil {
		return "", err
	}
	res, err := c.svc.Receive(r.Context(), o, channel.Message{Channel: report.SMS, ID: id, Text: body})
	return res.Reply, err
}

// telegramWebhook receives an update of the Bot API.
func (c *channels) telegramWebhook(w http.ResponseWriter, r *http.Request) {
	s := c.s
	if c.tg == nil {
		http.NotFound(w, r)
		return
	}
	secret := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if s.cfg.TelegramSecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.TelegramSecret)) != 1 {
		http.Error(w, "bad or missing X-Telegram-Bot-Api-Secret-Token", http.StatusForbidden)
		return
	}
	var u models.Update
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxTelegramWebhookBytes))
	if err := dec.Decode(&u); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "not a Bot API update", http.StatusBadRequest)
		return
	}
	if err := c.tg.HandleUpdate(r.Context(), &u); err != nil {
		// Telegram sends the update again; the retry is safe.
		s.log.Error("telegram webhook", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// showTelegramLink issues a one-time code for the signed-in observer.
func (c *channels) showTelegramLink(w http.ResponseWriter, r *http.Request) {
	s := c.s
	u := currentUser(r.Context())
	if u.ObserverID == 0 {
		s.pageError(w, r, baqylau.Errorf(baqylau.EFORBIDDEN, "this account is not an accredited observer"))
		return
	}
	if c.tg == nil {
		s.pageError(w, r, baqylau.Errorf(baqylau.ENOTFOUND, "Telegram is not set up"))
		return
	}
	code, _, err := c.svc.IssueTelegramCode(r.Context(), u.ObserverID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := telegramLink{Code: code, Bot: s.cfg.TelegramBot}
	if s.cfg.TelegramBot != "" {
		data.Deep = template.URL("https://t.me/" + urlPathEscape(s.cfg.TelegramBot) + "?start=" + code)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "telegram_link", s.newView(r, "telegram.title", data))
}

// telegramLink is what the link page shows: the one-time code, and a deep
// link into the bot when its name is known.
type telegramLink struct {
	Code, Bot string
	Deep      template.URL
}

// urlPathEscape keeps a bot's username to the characters Telegram allows.
func urlPathEscape(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return -1
	}, strings.TrimPrefix(s, "@"))
}
