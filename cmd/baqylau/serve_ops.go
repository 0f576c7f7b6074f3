package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/web"
)

// opsFlags are the serve flags of the people who run the server: logs,
// metrics, reverse proxies, TLS and the drain at shutdown.
type opsFlags struct {
	logFormat, logLevel *string
	metricsAddr         *string
	trustedProxies      *string
	tlsCert, tlsKey     *string
	drainDelay          *time.Duration
	proxies             []netip.Prefix
	level               slog.Level
	metricsToken        string
}

func addOpsFlags(fs *flag.FlagSet) *opsFlags {
	o := &opsFlags{}
	o.logFormat = fs.String("log-format", envOr("BAQYLAU_LOG_FORMAT", "text"), "log format: text or json (env BAQYLAU_LOG_FORMAT)")
	o.logLevel = fs.String("log-level", envOr("BAQYLAU_LOG_LEVEL", "info"), "least level logged: debug, info, warn or error (env BAQYLAU_LOG_LEVEL)")
	o.metricsAddr = fs.String("metrics-addr", os.Getenv("BAQYLAU_METRICS_ADDR"), "also serve /metrics alone on this address, for Prometheus (env BAQYLAU_METRICS_ADDR; BAQYLAU_METRICS_TOKEN, if set, is the bearer token it requires)")
	o.trustedProxies = fs.String("trusted-proxies", os.Getenv("BAQYLAU_TRUSTED_PROXIES"), "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (env BAQYLAU_TRUSTED_PROXIES)")
	o.tlsCert = fs.String("tls-cert", os.Getenv("BAQYLAU_TLS_CERT"), "serve HTTPS with this PEM certificate (chain) file (env BAQYLAU_TLS_CERT)")
	o.tlsKey = fs.String("tls-key", os.Getenv("BAQYLAU_TLS_KEY"), "the PEM private key of --tls-cert (env BAQYLAU_TLS_KEY)")
	delay, _ := time.ParseDuration(os.Getenv("BAQYLAU_DRAIN_DELAY"))
	o.drainDelay = fs.Duration("drain-delay", delay, "at shutdown, answer /readyz with 503 this long before closing the listener, so that a load balancer stops sending requests first (env BAQYLAU_DRAIN_DELAY, such as 5s)")
	return o
}

// check validates the flags once parsed.
func (o *opsFlags) check() error {
	switch *o.logFormat {
	case "text", "json":
	default:
		return usagef("--log-format must be text or json, not %q", *o.logFormat)
	}
	if err := o.level.UnmarshalText([]byte(*o.logLevel)); err != nil {
		return usagef("--log-level must be debug, info, warn or error, not %q", *o.logLevel)
	}
	p, err := web.ParseTrustedProxies(*o.trustedProxies)
	if err != nil {
		return usagef("--trusted-proxies: %v", err)
	}
	o.proxies = p
	if (*o.tlsCert == "") != (*o.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	o.metricsToken = os.Getenv("BAQYLAU_METRICS_TOKEN")
	return nil
}

// logger writes structured logs, as text or as one JSON object a line.
func (o *opsFlags) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: o.level}
	if *o.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// listen opens the main listener, with TLS when a certificate is given.
// The certificate is loaded at once, so that a wrong file stops the start
// rather than every handshake.
func (o *opsFlags) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if *o.tlsCert == "" {
		return ln, nil
	}
	cert, err := tls.LoadX509KeyPair(*o.tlsCert, *o.tlsKey)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("--tls-cert/--tls-key: %w", err), ln.Close())
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	return tls.NewListener(ln, cfg), nil
}

func (o *opsFlags) scheme() string {
	if *o.tlsCert != "" {
		return "https"
	}
	return "http"
}

// secureCookies says whether cookies should be marked Secure: when this
// server speaks TLS itself. Behind a proxy that ends TLS, set
// BAQYLAU_SECURE_COOKIES=1.
func (o *opsFlags) secureCookies() bool {
	return *o.tlsCert != "" || os.Getenv("BAQYLAU_SECURE_COOKIES") == "1"
}

func (o *opsFlags) waitDrainDelay() {
	if *o.drainDelay > 0 {
		time.Sleep(*o.drainDelay)
	}
}

// serveMetrics serves /metrics on a listener of its own when
// --metrics-addr is given; the returned function stops it.
func (o *opsFlags) serveMetrics(m *web.Metrics, log *slog.Logger, out io.Writer) (stop func(), err error) {
	if *o.metricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", *o.metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(o.metricsToken))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "err", err)
		}
	}()
	fmt.Fprintf(out, "metrics on http://%s/metrics (bearer token required: %t)\n", ln.Addr(), o.metricsToken != "")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

// watchMetrics feeds the metrics from the database and the ingester.
func watchMetrics(m *web.Metrics, db *store.DB, in *report.Ingester) {
	m.WatchIngest(in.Stats)
	m.WatchPool("write", db.WriteStats)
	if db.Dialect() == store.SQLite {
		m.WatchPool("read", db.ReadStats)
	}
	m.WatchIncidents(db.IncidentStates)
}

// loadSecretFiles lets every BAQYLAU_NAME variable come from a file named
// by BAQYLAU_NAME_FILE instead (Docker and systemd credentials), so that
// secrets need not sit in the environment. The file's content, less one
// trailing newline, becomes BAQYLAU_NAME; giving both is refused.
func loadSecretFiles() error {
	for _, kv := range os.Environ() {
		k, file, _ := strings.Cut(kv, "=")
		name, ok := strings.CutSuffix(k, "_FILE")
		if !ok || !strings.HasPrefix(name, "BAQYLAU_") || file == "" {
			continue
		}
		if os.Getenv(name) != "" {
			return fmt.Errorf("both %s and %s are set: give one", name, k)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if v == "" {
			return fmt.Errorf("%s: %s is empty", k, file)
		}
		if err := os.Setenv(name, v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// startingHandler answers until the server is ready: 503 with Retry-After
// to everything, /healthz and /readyz included; then it hands every
// request to the real handler.
type startingHandler struct{ h atomic.Pointer[http.Handler] }

func (s *startingHandler) ready(h http.Handler) { s.h.Store(&h) }

func (s *startingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Retry-After", "5")
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "starting: the database is being opened and migrated", http.StatusServiceUnavailable)
}
