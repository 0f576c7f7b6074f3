package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
)

type apiTrainingRule struct {
	AllMandatory bool `json:"all_mandatory"`
	MinSessions  int  `json:"min_sessions"`
	MinScore     int  `json:"min_score"`
}

type apiTrainingSession struct {
	ID             int64  `json:"id"`
	OrganizationID int64  `json:"organization_id"`
	Title          string `json:"title"`
	Mode           string `json:"mode"`
	StartsAt       string `json:"starts_at"`
	Mandatory      bool   `json:"mandatory"`
	Region         string `json:"region,omitempty"`
}

// toAPITrainingSession writes a session with its start in Astana time.
func toAPITrainingSession(ts people.TrainingSession) apiTrainingSession {
	return apiTrainingSession{ID: ts.ID, OrganizationID: ts.OrganizationID, Title: ts.Title, Mode: string(ts.Mode),
		StartsAt: ts.StartsAt.In(trainingZone).Format(time.RFC3339), Mandatory: ts.Mandatory, Region: ts.Region}
}

// apiAbsentObserver is an observer who missed a session: no personal data.
type apiAbsentObserver struct {
	ID       int64  `json:"id"`
	Number   string `json:"number,omitempty"`
	FullName string `json:"full_name"`
	Region   string `json:"region,omitempty"`
	Status   string `json:"status"`
}

func (s *Server) apiListTrainingSessions(w http.ResponseWriter, r *http.Request) {
	orgID, err := trainingOrgParam(r.URL.Query())
	if err == nil && orgID == 0 {
		err = baqylau.Errorf(baqylau.EINVALID, "organization is required: the id of an organisation")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	org, err := s.cfg.People.Organization(r.Context(), orgID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.cfg.People.TrainingSessions(r.Context(), org.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiTrainingSession, 0, len(list))
	for _, ts := range list {
		out = append(out, toAPITrainingSession(ts))
	}
	rule := apiTrainingRule{AllMandatory: org.Training.AllMandatory, MinSessions: org.Training.MinSessions, MinScore: org.Training.MinScore}
	s.writeJSON(w, http.StatusOK, map[string]any{"organization_id": org.ID, "training_rule": rule, "sessions": out})
}

type apiNewTrainingSession struct {
	OrganizationID int64  `json:"organization_id"`
	Title          string `json:"title"`
	Mode           string `json:"mode"`
	StartsAt       string `json:"starts_at"`
	Mandatory      bool   `json:"mandatory"`
	Region         string `json:"region"`
}

func (s *Server) apiCreateTrainingSession(w http.ResponseWriter, r *http.Request) {
	var in apiNewTrainingSession
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.OrganizationID <= 0 {
		s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "organization_id is required"))
		return
	}
	si := trainingSessionInput{OrganizationID: in.OrganizationID, Title: in.Title, Mode: people.Mode(in.Mode), Mandatory: in.Mandatory, Region: in.Region}
	if in.StartsAt != "" {
		t, err := time.Parse(time.RFC3339, in.StartsAt)
		if err != nil {
			s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "starts_at %q is not an RFC 3339 time such as 2021-07-20T10:00:00+06:00", in.StartsAt))
			return
		}
		si.StartsAt = t
	}
	ts, err := s.newTrainingSession(r.Context(), currentUser(r.Context()), si)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/training/sessions/"+strconv.FormatInt(ts.ID, 10))
	s.writeJSON(w, http.StatusCreated, toAPITrainingSession(ts))
}

func (s *Server) apiTrainingAbsent(w http.ResponseWriter, r *http.Request) {
	ts, err := s.trainingSessionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit, offset := absentPerPage, 0
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"limit", &limit, 1000}, {"offset", &offset, 0}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (p.max > 0 && n > p.max) {
				s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "%s must be a whole number ≥ 0 (limit at most 1000)", p.name))
				return
			}
			*p.dst = n
		}
	}
	if limit == 0 {
		limit = absentPerPage
	}
	list, total, err := s.cfg.People.Absent(r.Context(), ts.ID, limit, offset)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiAbsentObserver, 0, len(list))
	for _, o := range list {
		out = append(out, apiAbsentObserver{ID: o.ID, Number: o.Number, FullName: o.FullName, Region: o.Region, Status: string(o.Status)})
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"session_id": ts.ID, "total": total, "observers": out})
}

type apiAttendanceInput struct {
	ObserverID int64 `json:"observer_id"`
	Attended   *bool `json:"attended"`
	Score      *int  `json:"score"`
}

type apiAttendanceResult struct {
	SessionID  int64  `json:"session_id"`
	ObserverID int64  `json:"observer_id"`
	Attended   bool   `json:"attended"`
	Score      *int   `json:"score,omitempty"`
	Status     string `json:"status"`
	// BecameTrained is set when this attendance made the observer trained.
	BecameTrained bool `json:"became_trained"`
}

func (s *Server) apiRecordTrainingAttendance(w http.ResponseWriter, r *http.Request) {
	ts, err := s.trainingSessionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in apiAttendanceInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.Attended == nil {
		s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "attended is required: true or false"))
		return
	}
	a := people.Attendance{ObserverID: in.ObserverID, Attended: *in.Attended, Score: -1}
	if in.Score != nil {
		if *in.Score < 0 || *in.Score > 100 {
			s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "score must be a whole number from 0 to 100"))
			return
		}
		a.Score = *in.Score
	}
	res, err := s.recordAttendance(r.Context(), currentUser(r.Context()), ts, a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, apiAttendanceResult{SessionID: ts.ID, ObserverID: a.ObserverID, Attended: a.Attended, Score: in.Score,
		Status: string(res.Observer.Status), BecameTrained: res.Trained})
}
