package web

import "github.com/baqylau/baqylau/internal/auth"

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
