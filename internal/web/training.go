package web

// trainingRoutes: the training programme, sessions and attendance.
func (s *Server) trainingRoutes() []route { return nil }
