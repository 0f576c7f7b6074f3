package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/baqylau/baqylau/internal/channel"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
	"github.com/baqylau/baqylau/internal/web"
)

func (e env) serve(ctx context.Context, args []string) error {
	fs, dsn := e.flags("serve")
	addr := fs.String("addr", envOr("BAQYLAU_ADDR", "127.0.0.1:8080"), "address to listen on (env BAQYLAU_ADDR)")
	withDemo := fs.Bool("demo", false, "load the demo election and a demo administrator first")
	publicURL := fs.String("public-url", os.Getenv("BAQYLAU_PUBLIC_URL"), "address users reach this server at, for sign-in links and badge QR codes (env BAQYLAU_PUBLIC_URL)")
	ledgerKey := fs.String("ledger-key", os.Getenv("BAQYLAU_LEDGER_KEY"), "the log's Ed25519 signing key file, created 0600 on first start (env BAQYLAU_LEDGER_KEY; default baqylau-ledger.key next to the SQLite file or in the working directory)")
	telegramBot := fs.String("telegram-bot", os.Getenv("BAQYLAU_TELEGRAM_BOT"), "the Telegram bot's username, for the link that connects an observer's chat (env BAQYLAU_TELEGRAM_BOT; the token and webhook secret come from BAQYLAU_TELEGRAM_TOKEN and BAQYLAU_TELEGRAM_SECRET, the Twilio auth token from BAQYLAU_TWILIO_AUTH_TOKEN)")
	ops := addOpsFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := ops.check(); err != nil {
		return err
	}
	log := ops.logger(e.stderr)
	// Listen at once: while the schema migrates (and the demo loads),
	// /healthz and /readyz answer 503, so that a load balancer waits.
	front := &startingHandler{}
	ln, err := ops.listen(*addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           front,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of large station files on slow links
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	defer hs.Close() // a failed start; after Shutdown it does nothing
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	stopSigning, err := e.startLedger(ctx, db, *dsn, *ledgerKey, log) // tamper-evident log (ledger.go)
	if err != nil {
		return err
	}
	defer stopSigning()
	if *withDemo {
		if err := e.loadDemo(ctx, db); err != nil {
			return err
		}
	}
	// The ingester outlives the HTTP server's drain: reports in flight at
	// shutdown are committed and acknowledged before the database closes.
	metrics := web.NewMetrics()
	ingest := report.NewIngester(db, report.IngestOptions{OnBatch: metrics.ObserveBatch})
	ingest.Start(context.Background())
	defer func() {
		drainCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := ingest.Shutdown(drainCtx); err != nil {
			log.Error("ingester shutdown", "err", err)
		}
	}()
	// Live HQ queues: every incident acknowledged as durable, from any
	// channel, is published at once; on PostgreSQL through LISTEN/NOTIFY,
	// so that it reaches the HQ pages of every node.
	live, stopLive, err := db.Broker(ctx, *dsn, log)
	if err != nil {
		return err
	}
	defer stopLive()
	// HQ's advice reaches observers through the channel they used; the
	// worker outlives the HTTP drain like the ingester.
	deliver, err := deliverer(log)
	if err != nil {
		return err
	}
	deliver.Outbox = db
	deliver.Start(context.Background())
	defer func() {
		drainCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := deliver.Shutdown(drainCtx); err != nil {
			log.Error("delivery shutdown", "err", err)
		}
	}()
	srv, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db,
		Ingest: triage.Notifying{Ingester: ingest, Broker: live, Log: log}, Live: live, StreamsDone: ctx.Done(),
		Sessions: db.Sessions(), Ready: db.Ping, Log: log, PublicURL: *publicURL,
		// Channel secrets come from the environment only: flags show in ps.
		Channels: db, SMSSecret: os.Getenv("BAQYLAU_TWILIO_AUTH_TOKEN"),
		TelegramToken: os.Getenv("BAQYLAU_TELEGRAM_TOKEN"), TelegramSecret: os.Getenv("BAQYLAU_TELEGRAM_SECRET"),
		TelegramBot: *telegramBot, Metrics: metrics, TrustedProxies: ops.proxies, SecureCookies: ops.secureCookies()})
	if err != nil {
		return err
	}
	watchMetrics(metrics, db, ingest)
	stopMetrics, err := ops.serveMetrics(metrics, log, e.stdout)
	if err != nil {
		return err
	}
	defer stopMetrics()
	cleanupDone := db.Sessions().StartCleanup(ctx, 10*time.Minute)
	front.ready(srv.Handler())
	fmt.Fprintf(e.stdout, "Baqylau is running on %s database %s: open %s://%s/\n", db.Dialect(), redactDSN(*dsn), ops.scheme(), ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// /readyz refuses from now on; a load balancer that polls it stops
	// sending new requests during --drain-delay.
	srv.Drain()
	ops.waitDrainDelay()
	// Drain requests in flight before the database closes.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	<-cleanupDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// deliverer configures the delivery of HQ's advice from the environment
// only (secrets do not belong in flags, which show in ps):
// BAQYLAU_TELEGRAM_TOKEN for Telegram; BAQYLAU_TWILIO_ACCOUNT_SID,
// BAQYLAU_TWILIO_AUTH_TOKEN and BAQYLAU_TWILIO_FROM (or
// BAQYLAU_TWILIO_MESSAGING_SERVICE_SID) for SMS; BAQYLAU_TELEGRAM_API_URL
// and BAQYLAU_TWILIO_API_URL point at other servers (tests, proxies).
// Without them a channel is off and its messages wait for a node that has
// it; advice read on the web is marked delivered in any case.
func deliverer(log *slog.Logger) (*channel.Deliverer, error) {
	d := &channel.Deliverer{Log: log}
	if token := os.Getenv("BAQYLAU_TELEGRAM_TOKEN"); token != "" {
		b, err := channel.NewBot(token, os.Getenv("BAQYLAU_TELEGRAM_API_URL"))
		if err != nil {
			return nil, err
		}
		d.Bot = b
	}
	sid, token := os.Getenv("BAQYLAU_TWILIO_ACCOUNT_SID"), os.Getenv("BAQYLAU_TWILIO_AUTH_TOKEN")
	from, service := os.Getenv("BAQYLAU_TWILIO_FROM"), os.Getenv("BAQYLAU_TWILIO_MESSAGING_SERVICE_SID")
	if sid != "" && token != "" && (from != "" || service != "") {
		d.SMS = &channel.Twilio{AccountSID: sid, AuthToken: token, From: from, MessagingServiceSID: service,
			BaseURL: os.Getenv("BAQYLAU_TWILIO_API_URL")}
	} else if sid != "" {
		log.Warn("delivery: SMS is off: BAQYLAU_TWILIO_ACCOUNT_SID needs BAQYLAU_TWILIO_AUTH_TOKEN and BAQYLAU_TWILIO_FROM or BAQYLAU_TWILIO_MESSAGING_SERVICE_SID")
	}
	return d, nil
}
