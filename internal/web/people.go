package web

// peopleRoutes: organisations, missions, observers, badges, deployment.
func (s *Server) peopleRoutes() []route { return nil }
