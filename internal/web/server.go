// Package web serves Baqylau over HTTP: server-rendered pages in Kazakh,
// Russian and English, and the JSON API under /api/v1.
package web

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/channel"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/locale"
	"github.com/baqylau/baqylau/internal/memo"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// Config is what the web layer needs from the rest of the program.
type Config struct {
	Elections election.Store
	Users     auth.Store
	People    people.Store
	Reports   report.Store
	// Ingest commits reports and incidents in batches and acknowledges
	// each once it is durable.
	Ingest interface {
		SubmitReport(ctx context.Context, r report.Report) (report.Ack, error)
		SubmitIncident(ctx context.Context, i report.IncidentReport) (report.Ack, error)
	}
	// Sessions keeps session data; the store package provides one on the
	// product's own database.
	Sessions scs.Store
	// Ready reports whether the database answers (for /healthz).
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	// SecureCookies marks cookies Secure (set when served over HTTPS).
	SecureCookies bool
	// PublicURL is the address users reach this server at, for sign-in
	// links and badge QR codes (default: the request's own host).
	PublicURL string
	// MaxUploadBytes bounds an uploaded import file (default 50 MiB).
	MaxUploadBytes int64
	// Channels keeps the phone lookup and the Telegram links of the SMS
	// and Telegram channels (default: People, when it implements it).
	Channels channel.Store
	// SMSSecret is the Twilio auth token that signs the SMS webhook
	// (empty: the webhook is off).
	SMSSecret string
	// TelegramToken is the bot's token (empty: the Telegram webhook is
	// off); TelegramSecret the secret_token given to setWebhook, required
	// in every update's X-Telegram-Bot-Api-Secret-Token; TelegramBot the
	// bot's username, for the deep link that links a chat.
	TelegramToken  string
	TelegramSecret string
	TelegramBot    string
	// TelegramAPIURL is the Bot API server (default Telegram's own).
	TelegramAPIURL string
	// Live carries incident events to the HQ pages' live stream, on this
	// node and (on PostgreSQL) the others; nil turns the stream off. New
	// incidents reach it when Ingest is wrapped in a triage.Notifying on
	// the same broker.
	Live triage.Broker
	// Triage keeps decisions, complaints and the audit trail (default:
	// Reports, when it implements triage.Store).
	Triage triage.Store
	// StreamsDone, once closed, ends the live streams, so that a graceful
	// shutdown need not wait for them (nil: they end with their clients).
	StreamsDone <-chan struct{}
	// Metrics gathers the figures of /metrics (nil: New makes its own;
	// Server.Metrics returns them for the rest of the program to feed).
	Metrics *Metrics
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; from anyone else they are ignored.
	TrustedProxies []netip.Prefix
}

// Server holds the dependencies of every handler.
type Server struct {
	cfg      Config
	log      *slog.Logger
	sessions *scs.SessionManager
	cat      *locale.Catalog
	pages    *pages
	mux      *http.ServeMux
	submit   *report.Submitter
	// tokens remembers API tokens for a few seconds: a revoked token
	// stops working within tokenTTL.
	tokens *memo.Cache[[sha256.Size]byte, auth.User]
	// signins throttles failed sign-ins per client address (throttle.go).
	signins *throttle
	// metrics feed /metrics; draining makes /readyz refuse during a
	// graceful shutdown.
	metrics  *Metrics
	draining atomic.Bool
}

const tokenTTL = 10 * time.Second

// New builds a server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = 50 << 20
	}
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	sm := scs.New()
	sm.Store = cfg.Sessions
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 4 * time.Hour
	sm.Cookie.Name = "baqylau_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookies
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.Ingest != nil {
		cfg.Ingest = countingIngest{next: cfg.Ingest, m: cfg.Metrics}
	}
	s := &Server{cfg: cfg, metrics: cfg.Metrics, log: cfg.Log, sessions: sm, cat: cat, pages: pg, mux: http.NewServeMux(),
		submit: &report.Submitter{Elections: cfg.Elections, People: cfg.People, Reports: cfg.Reports, Ingest: cfg.Ingest, Stored: formStore(cfg.Reports),
			CountsTTL: countsTTL(cfg.Reports)},
		tokens: memo.New[[sha256.Size]byte, auth.User](tokenTTL, 100_000), signins: newThrottle(signInEvery, signInBurst)}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, instrument(rt.pattern, s.guard(rt)))
	}
	return s, nil
}

// Handler returns the whole HTTP surface with its middleware.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.mux
	h = s.authenticate(h)
	h = s.browserSessions(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.observe(h)
	h = s.forwarded(h)
	return h
}

// browserSessions loads and saves the session of the request's cookie,
// except for API calls with a bearer token: authenticate takes the token
// and never the cookie, and API handlers keep nothing in a session, so
// that loading one (and a Vary: Cookie on the answer) would be work for
// every report of election day with nothing to show for it.
func (s *Server) browserSessions(next http.Handler) http.Handler {
	withSession := s.sessions.LoadAndSave(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") && r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		withSession.ServeHTTP(w, r)
	})
}

// countsTTL is how long the submitter keeps a station's earlier counts.
// On SQLite this server is the database's only writer and every report
// passes its submitter, which adds each one it acknowledges: the counts it
// keeps stay complete, and reading them again every few seconds (a query
// for nearly every report, since a station reports every few minutes)
// would find nothing new. Nodes sharing PostgreSQL read them again soon,
// to see each other's reports.
func countsTTL(r report.Store) time.Duration {
	if d, ok := r.(interface{ Dialect() string }); ok && d.Dialect() == "sqlite" {
		return 15 * time.Minute
	}
	return 0 // the submitter's default
}

// formStore is where adjusted forms are kept: the report store, when it
// keeps them.
func formStore(r report.Store) report.FormStore {
	if fs, ok := r.(report.FormStore); ok {
		return fs
	}
	return nil
}

// securityHeaders sets the headers every response carries: pages get the
// full set; API calls (JSON for programs, never rendered by a browser) a
// content policy that forbids everything, nosniff and no framing, which
// is what a browser could act on. The values are shared, read-only
// slices: a response's header map takes them without allocating (a
// handler that adds a value appends to a copy, since each has no spare
// capacity).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h["Content-Security-Policy"] = apiCSP
		} else {
			h["Content-Security-Policy"] = pageCSP
			h["Referrer-Policy"] = sameOrigin
			h["Cross-Origin-Opener-Policy"] = sameOrigin
			h["Permissions-Policy"] = noDevices
		}
		h["X-Content-Type-Options"] = nosniff
		h["X-Frame-Options"] = deny
		next.ServeHTTP(w, r)
	})
}

// The headers' values, each with no room to append in place (a slice
// literal's capacity is its length).
var (
	pageCSP    = []string{"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"}
	apiCSP     = []string{"default-src 'none'; frame-ancestors 'none'"}
	sameOrigin = []string{"same-origin"}
	noDevices  = []string{"camera=(), microphone=(), geolocation=()"}
	nosniff    = []string{"nosniff"}
	deny       = []string{"DENY"}
)

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	// sse, if set, counts the response while it lasts if it is a live
	// stream (text/event-stream); stream says whether it was.
	sse    prometheus.Gauge
	stream bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if w.sse != nil && strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
			w.stream = true
			w.sse.Inc()
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverPanics turns a panic into a 500 and a log line with the stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "route", requestRoute(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
