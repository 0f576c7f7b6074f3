package web

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed sign-ins are throttled per client address: each address may fail
// signInBurst times at once and then once every signInEvery, so that
// guessing passwords or PINs from one address is slow, while an HQ whose
// staff all come from one office address (one NAT) signs in freely: only
// failures count. The limits are per node (a load balancer spreading one
// address over n nodes allows n times as much); the PIN's lockout per
// observer is kept in the database and holds across nodes. Behind a
// reverse proxy the address is the client's only when the proxy is
// trusted (--trusted-proxies; see forwarded).
const (
	signInBurst = 20
	signInEvery = 10 * time.Second
	// throttleKeep is how long an address that stopped failing is
	// remembered (its bucket is full again by then).
	throttleKeep = signInBurst * signInEvery
)

// throttle counts failures per client address.
type throttle struct {
	mu     sync.Mutex
	every  time.Duration
	burst  int
	byAddr map[netip.Addr]*throttleEntry
	swept  time.Time
}

type throttleEntry struct {
	lim  *rate.Limiter
	last time.Time
}

func newThrottle(every time.Duration, burst int) *throttle {
	return &throttle{every: every, burst: burst, byAddr: map[netip.Addr]*throttleEntry{}}
}

// blocked reports whether the client of r has used up its failures, and
// if so how long until it may try again.
func (t *throttle) blocked(r *http.Request, now time.Time) (bool, time.Duration) {
	addr, ok := ClientIP(r)
	if !ok {
		return false, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byAddr[addr]
	if e == nil || e.lim.TokensAt(now) >= 1 {
		return false, 0
	}
	wait := time.Duration((1 - e.lim.TokensAt(now)) * float64(t.every))
	return true, wait.Round(time.Second) + time.Second
}

// fail records a failure of the client of r.
func (t *throttle) fail(r *http.Request, now time.Time) {
	addr, ok := ClientIP(r)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.swept) > throttleKeep {
		for a, e := range t.byAddr {
			if now.Sub(e.last) > throttleKeep {
				delete(t.byAddr, a)
			}
		}
		t.swept = now
	}
	e := t.byAddr[addr]
	if e == nil {
		e = &throttleEntry{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.byAddr[addr] = e
	}
	e.last = now
	e.lim.AllowN(now, 1)
}
