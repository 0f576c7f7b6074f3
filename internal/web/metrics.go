package web

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/report"
)

// Metrics are the figures /metrics shows in Prometheus's text format. Each
// server has its own registry (not Prometheus's global one), so that
// several servers in one process, as in tests, keep apart.
//
// Labels are route patterns, methods, status codes, channels and incident
// states: never a path, a query or anything a user typed, so that no
// personal data or secret reaches a metric.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	sse       prometheus.Gauge
	batches   prometheus.Histogram
	reports   *prometheus.CounterVec
	incidents *prometheus.CounterVec
}

// NewMetrics returns the metrics of one server, with the Go runtime's and
// the process's own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baqylau_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "baqylau_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern (live streams excluded).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "baqylau_http_requests_in_flight", Help: "HTTP requests being answered now, live streams included.",
		}),
		sse: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "baqylau_sse_clients", Help: "Clients connected to a live stream (server-sent events) now.",
		}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "baqylau_ingest_batch_size", Help: "Reports and incidents committed together in one batch (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baqylau_reports_total", Help: "Reports acknowledged as stored by this node (retries not counted), by channel.",
		}, []string{"channel"}),
		incidents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baqylau_incidents_received_total", Help: "Incidents acknowledged as stored by this node (retries not counted), by channel.",
		}, []string{"channel"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.sse, m.batches, m.reports, m.incidents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where the metrics are registered, for other parts of the
// program to add their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveBatch records the size of a batch the ingester committed; give it
// to report.IngestOptions.OnBatch.
func (m *Metrics) ObserveBatch(items, _ int) { m.batches.Observe(float64(items)) }

// WatchIngest shows the ingester's queue depth and totals, read at each
// scrape.
func (m *Metrics) WatchIngest(stats func() report.IngestStats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "baqylau_ingest_queue_depth", Help: "Reports and incidents waiting for the ingest writer."},
			func() float64 { return float64(stats().Queued) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "baqylau_ingest_batches_total", Help: "Batches the ingest writer handed to the database."},
			func() float64 { return float64(stats().Batches) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "baqylau_ingest_items_total", Help: "Reports and incidents in those batches."},
			func() float64 { return float64(stats().Items) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "baqylau_ingest_failed_total", Help: "Reports and incidents whose batch failed (not acknowledged)."},
			func() float64 { return float64(stats().Failed) }),
	)
}

// WatchPool shows a database connection pool (name: "write" or "read"),
// read at each scrape.
func (m *Metrics) WatchPool(name string, stats func() sql.DBStats) {
	l := prometheus.Labels{"pool": name}
	gauge := func(n, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "baqylau_db_" + n, Help: help, ConstLabels: l},
			func() float64 { return f(stats()) })
	}
	counter := func(n, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "baqylau_db_" + n, Help: help, ConstLabels: l},
			func() float64 { return f(stats()) })
	}
	m.reg.MustRegister(
		gauge("max_open_connections", "Most connections the pool may open.", func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }),
		gauge("open_connections", "Connections open now.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) }),
		gauge("in_use_connections", "Connections in use now.", func(s sql.DBStats) float64 { return float64(s.InUse) }),
		gauge("idle_connections", "Idle connections now.", func(s sql.DBStats) float64 { return float64(s.Idle) }),
		counter("wait_count_total", "Times a query waited for a free connection.", func(s sql.DBStats) float64 { return float64(s.WaitCount) }),
		counter("wait_duration_seconds_total", "Time spent waiting for a free connection.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }),
	)
}

// WatchIncidents shows the incidents in each state, counted by the
// database (across every node) at most every few seconds.
func (m *Metrics) WatchIncidents(count func(ctx context.Context) (map[string]int, error)) {
	m.reg.MustRegister(&incidentStates{count: count,
		desc: prometheus.NewDesc("baqylau_incidents", "Incidents in the database, by state.", []string{"state"}, nil)})
}

type incidentStates struct {
	count func(ctx context.Context) (map[string]int, error)
	desc  *prometheus.Desc
}

func (c *incidentStates) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *incidentStates) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	states, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for state, n := range states {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
}

// Handler serves the metrics. A non-empty token must come as
// "Authorization: Bearer TOKEN" (for a listener of its own, see
// MetricsHandler).
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token set in BAQYLAU_METRICS_TOKEN", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// countingIngest counts what the ingester acknowledges, by channel.
type countingIngest struct {
	next interface {
		SubmitReport(ctx context.Context, r report.Report) (report.Ack, error)
		SubmitIncident(ctx context.Context, i report.IncidentReport) (report.Ack, error)
	}
	m *Metrics
}

func (c countingIngest) SubmitReport(ctx context.Context, r report.Report) (report.Ack, error) {
	ack, err := c.next.SubmitReport(ctx, r)
	if err == nil && !ack.Duplicate {
		c.m.reports.WithLabelValues(channelLabel(r.Channel)).Inc()
	}
	return ack, err
}

func (c countingIngest) SubmitIncident(ctx context.Context, i report.IncidentReport) (report.Ack, error) {
	ack, err := c.next.SubmitIncident(ctx, i)
	if err == nil && !ack.Duplicate {
		c.m.incidents.WithLabelValues(channelLabel(i.Channel)).Inc()
	}
	return ack, err
}

// channelLabel keeps the label's values to the known channels.
func channelLabel(c report.Channel) string {
	switch c {
	case report.Web, report.API, report.SMS, report.Telegram, report.Phone:
		return string(c)
	}
	return "other"
}

// routeKey carries the request's record (see observe) from the outer
// middleware to the route that answers, which writes its pattern there,
// and to authenticate, which writes the user of an API call there rather
// than copy the request once more for a context value of its own.
type routeKey struct{}

// recordOf returns the record observe keeps of the request of ctx, or nil.
func recordOf(ctx context.Context) *requestRecord {
	rec, _ := ctx.Value(routeKey{}).(*requestRecord)
	return rec
}

// instrument tells the outer middleware which route answers a request.
func instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec := recordOf(r.Context()); rec != nil {
			rec.route.Store(&pattern)
		}
		next.ServeHTTP(w, r)
	})
}

// routeOf returns the pattern of the route that answered (see instrument),
// or fallback when none did.
func routeOf(p *atomic.Pointer[string], fallback string) string {
	if s := p.Load(); s != nil {
		return *s
	}
	return fallback
}

// observe counts requests and their durations by route pattern and the
// clients of live streams, and logs each request: method, route (the
// pattern, not the path: a path may carry a sign-in token; never the
// query, which may carry search terms with names), status, size and
// duration; never bodies or credentials. One record per request carries
// all it needs (see instrument).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &requestRecord{statusWriter: statusWriter{ResponseWriter: w, sse: s.metrics.sse}}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, rec))
		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			if rec.stream {
				s.metrics.sse.Dec()
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			rt := routeOf(&rec.route, "unmatched")
			s.metrics.requests.WithLabelValues(rt, methodLabel(r.Method), strconv.Itoa(status)).Inc()
			if !rec.stream {
				s.metrics.latency.WithLabelValues(rt).Observe(elapsed.Seconds())
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method), slog.String("route", routeOf(&rec.route, r.URL.Path)),
				slog.Int("status", status), slog.Int("bytes", rec.bytes), slog.Int64("ms", elapsed.Milliseconds()))
		}()
		next.ServeHTTP(&rec.statusWriter, r)
	})
}

// requestRecord is what observe keeps of a request: its status and size
// as written, the pattern of the route that answered, and the user of an
// API call with a bearer token (see currentUser), written by authenticate
// before the handler runs and only read after.
type requestRecord struct {
	statusWriter
	route   atomic.Pointer[string]
	user    auth.User
	hasUser bool
}

// methodLabel keeps the label's values to the methods routes use.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// metrics serves /metrics to administrators on the main listener.
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) {
	s.metrics.Handler("").ServeHTTP(w, r)
}
