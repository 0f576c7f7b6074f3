package web

import (
	"time"

	"github.com/baqylau/baqylau/internal/auth"
)

// RouteInfo is a route's pattern and the roles it allows (nil: anyone).
type RouteInfo struct {
	Pattern string
	Roles   []auth.Role
}

// RouteRoles exposes the route table to the tests.
func RouteRoles() []RouteInfo {
	var out []RouteInfo
	for _, rt := range (&Server{}).routes() {
		out = append(out, RouteInfo{Pattern: rt.pattern, Roles: rt.roles})
	}
	return out
}

// SlowSignInRefill makes s give a throttled address one more sign-in
// attempt an hour (not every signInEvery), so that a test whose twenty
// failed sign-ins take longer than signInEvery on a slow machine (argon2
// under the race detector) still finds the address throttled.
// TestThrottleRecovers checks the refill itself, on a clock of its own.
func SlowSignInRefill(s *Server) { s.signins = newThrottle(time.Hour, signInBurst) }
