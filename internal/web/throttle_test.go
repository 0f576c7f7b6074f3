package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/web"
)

// TestSignInThrottle: failed sign-ins from one address are throttled —
// after twenty, even the right password waits (429 with Retry-After) —
// while another address, and successful sign-ins from the same office,
// are not held back.
func TestSignInThrottle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		hash, err := auth.HashPassword(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(context.Background(), &auth.User{Email: "hq@example.org", Role: auth.Coordinator, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db, Sessions: db.Sessions(), Ready: db.Ping,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		web.SlowSignInRefill(s)
		h := s.Handler()
		login := func(from, password string) *httptest.ResponseRecorder {
			form := url.Values{"email": {"hq@example.org"}, "password": {password}}
			r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Accept-Language", "en")
			r.RemoteAddr = from
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		const office, attacker, other = "198.51.100.7:5000", "203.0.113.9:4000", "192.0.2.44:3000"
		// A busy office signs in many times: successes do not count.
		for i := range 30 {
			if w := login(office, testPassword); w.Code != http.StatusSeeOther {
				t.Fatalf("sign-in %d from the office: %d", i+1, w.Code)
			}
		}
		for i := range 20 {
			if w := login(attacker, "guess "+strconv.Itoa(i)); w.Code != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d, want 401", i+1, w.Code)
			}
		}
		w := login(attacker, testPassword)
		if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Too many failed sign-ins") {
			t.Fatalf("right password after twenty wrong ones: %d %q, want 429", w.Code, w.Body.String())
		}
		// One attempt comes back per refill interval (an hour here, see
		// SlowSignInRefill): Retry-After says when.
		if after, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || after < 3000 || after > 3600 {
			t.Errorf("Retry-After %q, want the rest of the hour", w.Header().Get("Retry-After"))
		}
		if w := login(other, testPassword); w.Code != http.StatusSeeOther {
			t.Errorf("another address: %d, want a sign-in", w.Code)
		}
		if w := login(office, testPassword); w.Code != http.StatusSeeOther {
			t.Errorf("the office after the attack: %d, want a sign-in", w.Code)
		}
	})
}
