package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// Ways a message is delivered (store: delivered_via).
const (
	ViaTelegram = "telegram"
	ViaSMS      = "sms"
	ViaWeb      = "web"
)

// Outbox is what the Deliverer needs of the store (store.DB implements
// it).
type Outbox interface {
	// ClaimObserverMessages claims up to limit messages of channels due
	// at time at, oldest first, each until at + lease.
	ClaimObserverMessages(ctx context.Context, at time.Time, lease time.Duration, limit int, channels ...report.Channel) ([]triage.ObserverMessage, error)
	// MarkDelivered records a delivery via one of the Via… ways.
	MarkDelivered(ctx context.Context, id int64, via string, at time.Time) error
	// MarkFailed counts a failed attempt and asks retry when to try
	// again (zero: never); it returns the attempts made.
	MarkFailed(ctx context.Context, id int64, at time.Time, reason string, retry func(attempts int) time.Time) (int, error)
	// ReleaseObserverMessage hands back a claimed message unsent.
	ReleaseObserverMessage(ctx context.Context, id int64) error
	// TelegramChat returns the chat linked to an observer (ENOTFOUND).
	TelegramChat(ctx context.Context, observerID int64) (int64, error)
	// Observer returns an observer (for the phone and the language).
	Observer(ctx context.Context, id int64) (people.Observer, error)
}

// SMSSender sends one text message to a phone number.
type SMSSender interface {
	SendSMS(ctx context.Context, to, body string) (id string, err error)
}

// Defaults of a Deliverer.
const (
	DefaultDeliveryInterval = 5 * time.Second
	DefaultDeliveryLease    = time.Minute
	DefaultMaxAttempts      = 8
	DefaultMinBackoff       = 30 * time.Second
	DefaultMaxBackoff       = time.Hour
	// DefaultMaxSMSChars is the longest body Twilio takes.
	DefaultMaxSMSChars = 1600
	// maxTelegramChars is the longest text of sendMessage.
	maxTelegramChars = 4096
)

// Deliverer is the background worker that delivers HQ's advice to
// observers (triage.ObserverMessage) through the channel the observer
// reported by:
//
//   - telegram: sendMessage to the chat most recently linked to the
//     observer. With no chat linked (the observer unlinked since) it
//     goes by SMS when SMS is set up and the observer has a phone;
//     otherwise the attempt fails and is retried, since the observer may
//     link again.
//   - sms: one message through Twilio to the observer's phone; Twilio
//     splits it into segments that the phone joins again. A body over
//     MaxSMSChars is cut at a word with "…" (the whole advice stays on
//     the observer's pages). An observer without a phone cannot be
//     reached by SMS: given up at once.
//   - web, api and phone (entered by HQ for the observer): the observer
//     reads the advice on their station page, the channel they use, so
//     the message is marked delivered at once, via "web", without
//     sending anything.
//
// Delivery is at least once: a message is claimed for Lease, sent and
// then marked delivered. Should the node stop between the send and the
// mark, the lease runs out and the message is sent again; on the happy
// path it is sent once, and two nodes never claim the same message. A
// failed attempt is retried after a backoff doubling from MinBackoff to
// MaxBackoff; after MaxAttempts, or at once when a retry cannot help (an
// invalid number, a bot blocked by the user), the message is given up:
// it stays undelivered, shown as pending to HQ, who can phone instead,
// and the observer still sees it on their pages. A node claims only the
// channels it can serve: a message for Telegram waits for a node with the
// bot (or with SMS, its fallback).
//
// Set its fields, then Start it; Shutdown stops it. The zero values of
// the durations and counts take the defaults above.
type Deliverer struct {
	Outbox Outbox
	// Bot sends Telegram messages (nil: no Telegram).
	Bot *bot.Bot
	// SMS sends SMS (nil: no SMS).
	SMS SMSSender
	// Interval is the pause between polls of the outbox; Nudge ends it
	// early.
	Interval time.Duration
	// Lease is how long a claimed message is kept from other workers;
	// SendTimeout (default Lease/2) bounds one send, so that a send ends
	// well before its lease.
	Lease       time.Duration
	SendTimeout time.Duration
	// Batch is how many messages one claim takes (default 5).
	Batch                  int
	MaxAttempts            int
	MinBackoff, MaxBackoff time.Duration
	MaxSMSChars            int
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *slog.Logger

	start    sync.Once
	stopOnce sync.Once
	nudge    chan struct{}
	stop     chan struct{} // closed by Shutdown: finish the send in flight, then return
	done     chan struct{} // closed when the worker has returned
	cancel   context.CancelFunc
}

func (d *Deliverer) init() {
	d.start.Do(func() {
		d.nudge = make(chan struct{}, 1)
		d.stop = make(chan struct{})
		d.done = make(chan struct{})
	})
}

// Start runs the worker until ctx ends or Shutdown is called. Cancelling
// ctx stops it at once, a send in flight included; Shutdown lets that
// send finish. Start may be called once.
func (d *Deliverer) Start(ctx context.Context) {
	d.init()
	ctx, d.cancel = context.WithCancel(ctx)
	go d.run(ctx)
}

// Nudge asks the worker to look at the outbox now, for instance right
// after HQ has written to it. It never blocks.
func (d *Deliverer) Nudge() {
	d.init()
	select {
	case d.nudge <- struct{}{}:
	default:
	}
}

// Shutdown stops the worker and waits until the send in flight, if any,
// is done and recorded. When ctx ends first, the send is cancelled and
// Shutdown returns ctx's error once the worker has returned. Messages
// claimed but not yet sent are handed back.
func (d *Deliverer) Shutdown(ctx context.Context) error {
	d.init()
	d.stopOnce.Do(func() { close(d.stop) })
	if d.cancel == nil {
		return nil // never started
	}
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		d.cancel()
		<-d.done
		return ctx.Err()
	}
}

func (d *Deliverer) run(ctx context.Context) {
	defer close(d.done)
	defer d.cancel()
	interval := d.Interval
	if interval <= 0 {
		interval = DefaultDeliveryInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := d.deliverDue(ctx); err != nil && ctx.Err() == nil {
			d.log().Error("delivery: outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-d.stop:
			return
		case <-tick.C:
		case <-d.nudge:
		}
	}
}

// DeliverDue delivers the messages due now, batch after batch, until
// none is left, and returns how many it handled (delivered or failed).
// The worker calls it on every poll; tests call it directly.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	d.init()
	return d.deliverDue(ctx)
}

func (d *Deliverer) deliverDue(ctx context.Context) (int, error) {
	channels := d.channels()
	batch := d.Batch
	if batch <= 0 {
		batch = 5
	}
	n := 0
	for {
		if d.stopping(ctx) {
			return n, nil
		}
		list, err := d.Outbox.ClaimObserverMessages(ctx, d.now(), d.lease(), batch, channels...)
		if err != nil {
			return n, err
		}
		for i, m := range list {
			if d.stopping(ctx) {
				d.release(ctx, list[i:])
				return n, nil
			}
			if err := d.deliver(ctx, m); err != nil {
				d.release(ctx, list[i+1:])
				return n, err
			}
			n++
		}
		if len(list) < batch {
			return n, nil
		}
	}
}

// stopping reports whether the worker should stop before the next send.
func (d *Deliverer) stopping(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

// release hands back claimed messages that were not sent.
func (d *Deliverer) release(ctx context.Context, list []triage.ObserverMessage) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, m := range list {
		if err := d.Outbox.ReleaseObserverMessage(ctx, m.ID); err != nil {
			d.log().Warn("delivery: release", "message", m.ID, "err", err)
		}
	}
}

// channels lists the channels this worker can serve.
func (d *Deliverer) channels() []report.Channel {
	list := []report.Channel{report.Web, report.API, report.Phone}
	if d.Bot != nil || d.SMS != nil {
		list = append(list, report.Telegram)
	}
	if d.SMS != nil {
		list = append(list, report.SMS)
	}
	return list
}

// deliver sends one claimed message and records the outcome. Its error
// is the store's: a failed send is recorded, not returned.
func (d *Deliverer) deliver(ctx context.Context, m triage.ObserverMessage) error {
	via, sendErr := d.send(ctx, m)
	// The outcome is recorded even when ctx was cancelled meanwhile: a
	// message sent must not be sent again for want of a mark.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if sendErr == nil {
		if err := d.Outbox.MarkDelivered(rec, m.ID, via, d.now()); err != nil {
			return fmt.Errorf("delivery: message %d sent via %s: %w", m.ID, via, err)
		}
		return nil
	}
	if ctx.Err() != nil {
		// Stopped mid-send rather than failed: handed back uncounted.
		d.release(ctx, []triage.ObserverMessage{m})
		return nil
	}
	at := d.now()
	attempts, err := d.Outbox.MarkFailed(rec, m.ID, at, sendErr.Error(), func(attempts int) time.Time {
		return d.retryAt(at, attempts, sendErr)
	})
	if err != nil {
		return fmt.Errorf("delivery: message %d failed (%v): %w", m.ID, sendErr, err)
	}
	d.log().Warn("delivery: attempt failed", "message", m.ID, "incident", m.IncidentID, "channel", m.Channel,
		"attempts", attempts, "given_up", d.retryAt(at, attempts, sendErr).IsZero(), "err", sendErr)
	return nil
}

// retryAt is when to try again after attempts failed attempts, the last
// with err; zero: never.
func (d *Deliverer) retryAt(at time.Time, attempts int, err error) time.Time {
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if isPermanent(err) || attempts >= maxAttempts {
		return time.Time{}
	}
	wait := d.Backoff(attempts)
	var tooMany *bot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		wait = max(wait, time.Duration(tooMany.RetryAfter)*time.Second)
	}
	return at.Add(wait)
}

// Backoff is the wait after the given number of failed attempts:
// MinBackoff, doubling with each attempt, at most MaxBackoff.
func (d *Deliverer) Backoff(attempts int) time.Duration {
	lo, hi := d.MinBackoff, d.MaxBackoff
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	wait := lo
	for i := 1; i < attempts && wait < hi; i++ {
		wait *= 2
	}
	return min(wait, hi)
}

// send delivers one message and says how.
func (d *Deliverer) send(ctx context.Context, m triage.ObserverMessage) (string, error) {
	switch m.Channel {
	case report.Telegram, report.SMS:
	default:
		return ViaWeb, nil // read on the observer's pages
	}
	o, err := d.Outbox.Observer(ctx, m.ObserverID)
	if err != nil {
		return "", err
	}
	timeout := d.SendTimeout
	if timeout <= 0 {
		timeout = d.lease() / 2
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	text := AdviceText(Lang(o), m)
	if m.Channel == report.Telegram {
		chat, err := d.Outbox.TelegramChat(ctx, m.ObserverID)
		switch {
		case err == nil && d.Bot != nil:
			_, err := d.Bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: Truncate(text, maxTelegramChars)})
			if errors.Is(err, bot.ErrorForbidden) || errors.Is(err, bot.ErrorBadRequest) {
				err = permanent(err) // blocked by the observer, or no such chat
			}
			return ViaTelegram, err
		case err != nil && baqylau.ErrorCode(err) != baqylau.ENOTFOUND:
			return "", err
		case d.SMS == nil || E164(o.Personal.Phone) == "":
			return "", errors.New("no Telegram chat linked to the observer, and no SMS to fall back on")
		}
	}
	if d.SMS == nil {
		return "", errors.New("SMS is not set up")
	}
	if E164(o.Personal.Phone) == "" {
		return "", permanent(fmt.Errorf("observer %d has no phone number", o.ID))
	}
	maxChars := d.MaxSMSChars
	if maxChars <= 0 {
		maxChars = DefaultMaxSMSChars
	}
	_, err = d.SMS.SendSMS(ctx, o.Personal.Phone, Truncate(text, maxChars))
	return ViaSMS, err
}

// adviceHeads introduce the advice, by language.
var adviceHeads = map[string]string{
	"ru": "Baqylau, штаб — по нарушению №%d: ",
	"kk": "Baqylau, штаб — №%d бұзушылық бойынша: ",
	"en": "Baqylau HQ on incident %d: ",
}

// AdviceText is the text sent for a message, in the observer's language:
// which incident it answers, then HQ's words.
func AdviceText(lang string, m triage.ObserverMessage) string {
	head, ok := adviceHeads[lang]
	if !ok {
		head = adviceHeads["ru"]
	}
	return fmt.Sprintf(head, m.IncidentID) + m.Body
}

// Truncate cuts s to at most n characters, at a space when there is one
// in the last fifth, and marks the cut with "…".
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > 0 && utf8.RuneCountInString(cut[:i]) >= (n-1)*4/5 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ") + "…"
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return DefaultDeliveryLease
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}
