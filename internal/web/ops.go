package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
)

// opsRoutes are for the people who run the server: readiness for load
// balancers and metrics for administrators (Prometheus scrapes them on a
// listener of its own, see cmd/baqylau serve --metrics-addr).
func (s *Server) opsRoutes() []route {
	return []route{
		{pattern: "GET /readyz", roles: public, h: s.readyz},
		{pattern: "GET /metrics", roles: []auth.Role{auth.Admin}, h: s.metricsPage},
	}
}

// Metrics returns the server's metrics, for the rest of the program to
// feed (ingester, database pools, incident counts).
func (s *Server) Metrics() *Metrics { return s.metrics }

// Drain marks the server as shutting down: /readyz answers 503 from now
// on, so that a load balancer stops sending new requests while those in
// flight finish. /healthz keeps answering.
func (s *Server) Drain() { s.draining.Store(true) }

// readyz says whether this node should get traffic: 503 while it drains
// for a shutdown or when the database does not answer. (While the schema
// is migrated at start, cmd/baqylau answers 503 before this server
// exists.) /healthz is the liveness check and keeps its fixed contract.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.draining.Load() {
		http.Error(w, "draining: shutting down", http.StatusServiceUnavailable)
		return
	}
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.Error("readyz", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}

// requestRoute names the route that answered r for logs: its pattern, or
// the path when no route matched.
func requestRoute(r *http.Request) string {
	if rec := recordOf(r.Context()); rec != nil {
		return routeOf(&rec.route, r.URL.Path)
	}
	return r.URL.Path
}

// forwarded believes X-Forwarded-For and X-Forwarded-Proto only from the
// trusted proxies: the client's address (r.RemoteAddr) is then the
// right-most address in X-Forwarded-For that is not itself a trusted
// proxy, and a request forwarded from HTTPS is marked as such (r.URL.Scheme
// "https"). From anyone else the headers are dropped, so that a client
// cannot choose the address that rate limits and lockouts key on.
func (s *Server) forwarded(next http.Handler) http.Handler {
	if len(s.cfg.TrustedProxies) == 0 {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Del("X-Forwarded-For")
			r.Header.Del("X-Forwarded-Proto")
			next.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := addrOf(r.RemoteAddr)
		if !ok || !s.trusted(peer) {
			r.Header.Del("X-Forwarded-For")
			r.Header.Del("X-Forwarded-Proto")
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		if client, ok := s.forwardedClient(r.Header.Values("X-Forwarded-For")); ok {
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
		}
		if proto := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); proto == "https" || proto == "http" {
			r2.URL.Scheme = proto
		}
		next.ServeHTTP(w, r2)
	})
}

// ClientIP returns the address of the client of r, after the trusted
// proxies have been accounted for.
func ClientIP(r *http.Request) (netip.Addr, bool) { return addrOf(r.RemoteAddr) }

func addrOf(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(remote)
	return a.Unmap(), err == nil
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedClient walks X-Forwarded-For from the right (the hop nearest
// us) past the trusted proxies; the first other address is the client.
// A malformed entry stops the walk: what lies left of it cannot be told
// from what the client wrote itself.
func (s *Server) forwardedClient(values []string) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false
		}
		a = a.Unmap()
		if !s.trusted(a) || i == 0 {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or
// single addresses ("10.0.0.0/8, 127.0.0.1").
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, badProxy(f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, badProxy(f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func badProxy(f string) error {
	return baqylau.Errorf(baqylau.EINVALID, "trusted proxies: %q is neither an address nor a CIDR prefix (such as 10.0.0.0/8)", f)
}
