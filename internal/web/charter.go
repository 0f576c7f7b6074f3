package web

// charterRoutes: the Charter of impartial observation and its signatures.
func (s *Server) charterRoutes() []route { return nil }
