package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestForwardedFromTrustedProxiesOnly(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.5, ::1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8,proxy.local"); err == nil {
		t.Error("a host name accepted as a trusted proxy")
	}
	for _, c := range []struct {
		name, peer, xff, proto string
		wantIP, wantScheme     string
	}{
		{"direct client", "203.0.113.7:5555", "", "", "203.0.113.7", ""},
		{"untrusted peer forges headers", "203.0.113.7:5555", "1.2.3.4", "https", "203.0.113.7", ""},
		{"trusted proxy", "10.1.2.3:40000", "198.51.100.9", "https", "198.51.100.9", "https"},
		{"two trusted proxies", "10.1.2.3:40000", "198.51.100.9, 192.168.1.5", "http", "198.51.100.9", "http"},
		{"client forges a left-most entry", "10.1.2.3:40000", "6.6.6.6, 198.51.100.9", "", "198.51.100.9", ""},
		{"header given twice", "10.1.2.3:40000", "", "", "198.51.100.9", ""},
		{"garbage in the chain", "10.1.2.3:40000", "nonsense", "", "10.1.2.3", ""},
		{"IPv6 proxy", "[::1]:40000", "2001:db8::1", "", "2001:db8::1", ""},
		{"odd proto ignored", "10.1.2.3:40000", "198.51.100.9", "gopher", "198.51.100.9", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{cfg: Config{TrustedProxies: proxies}}
			var gotIP, gotScheme, gotXFF string
			h := s.forwarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ip, _ := ClientIP(r)
				gotIP, gotScheme, gotXFF = ip.String(), r.URL.Scheme, r.Header.Get("X-Forwarded-For")
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if c.name == "header given twice" {
				r.Header.Add("X-Forwarded-For", "6.6.6.6")
				r.Header.Add("X-Forwarded-For", "198.51.100.9")
			}
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if gotIP != c.wantIP || gotScheme != c.wantScheme {
				t.Errorf("client %s scheme %q, want %s %q", gotIP, gotScheme, c.wantIP, c.wantScheme)
			}
			if c.name == "untrusted peer forges headers" && gotXFF != "" {
				t.Errorf("a forged X-Forwarded-For reached the handlers: %q", gotXFF)
			}
		})
	}
	// Without trusted proxies the headers never reach the handlers.
	s := &Server{}
	h := s.forwarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Forwarded-For") != "" || r.URL.Scheme != "" {
			t.Errorf("forwarded headers believed with no trusted proxy")
		}
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	r.Header.Set("X-Forwarded-Proto", "https")
	h.ServeHTTP(httptest.NewRecorder(), r)
}
