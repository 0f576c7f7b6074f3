package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// TestThrottleRecovers: an address that used up its failures may try once
// more every interval, and is forgotten once its bucket is full again.
func TestThrottleRecovers(t *testing.T) {
	th := newThrottle(10*time.Second, 3)
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "203.0.113.9:4000"
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	for i := range 3 {
		if blocked, _ := th.blocked(r, now); blocked {
			t.Fatalf("blocked after %d failures, burst is 3", i)
		}
		th.fail(r, now)
	}
	blocked, wait := th.blocked(r, now)
	if !blocked || wait < 10*time.Second || wait > 11*time.Second {
		t.Fatalf("after 3 failures: blocked %v, wait %v; want blocked about 10 s", blocked, wait)
	}
	if blocked, _ := th.blocked(r, now.Add(10*time.Second)); blocked {
		t.Error("still blocked after one interval")
	}
	th.fail(r, now.Add(10*time.Second))
	if blocked, _ := th.blocked(r, now.Add(11*time.Second)); !blocked {
		t.Error("a failure right after the wait should block again")
	}
	// Another address is unaffected; an hour later the first is forgotten.
	other := httptest.NewRequest("POST", "/login", nil)
	other.RemoteAddr = "[2001:db8::1]:443"
	th.fail(other, now.Add(time.Hour))
	if _, ok := th.byAddr[mustAddr(t, "203.0.113.9")]; ok {
		t.Error("an address idle for an hour is still remembered")
	}
}

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
