package web

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/report"
)

var (
	// reporters send reports and incidents: observers for their stations,
	// the desk for any station on someone's behalf.
	reporters = []auth.Role{auth.Admin, auth.Coordinator, auth.Observer}
	// hqStaff read incident queues: national HQ sees all, regional staff
	// their own region.
	hqStaff = []auth.Role{auth.Admin, auth.Coordinator, auth.RegionalCoordinator, auth.Lawyer, auth.Trainer}
)

func (s *Server) reportRoutes() []route {
	return []route{
		{pattern: "POST /api/v1/elections/{id}/reports", roles: reporters, api: true, h: s.apiSubmitReport},
		{pattern: "POST /api/v1/elections/{id}/incidents", roles: reporters, api: true, h: s.apiSubmitIncident},
		{pattern: "GET /api/v1/forms", roles: anyUser, api: true, h: s.apiForms},
		{pattern: "POST /api/v1/forms", roles: []auth.Role{auth.Admin}, api: true, h: s.apiSaveForm},
		{pattern: "GET /api/v1/incident-categories", roles: anyUser, api: true, h: s.apiIncidentCategories},
	}
}

// reportIn is the fixed report contract of DESIGN.md, plus the optional
// observer a desk user enters a phoned-in report for.
type reportIn struct {
	report.ReportInput
	Observer string `json:"observer,omitempty"`
}

type incidentIn struct {
	report.IncidentInput
	Observer string `json:"observer,omitempty"`
}

// sender works out who sends: a signed-in observer, or a desk user
// entering a report (for an observer named by accreditation number, if
// given), on record as having entered it.
func (s *Server) sender(ctx context.Context, observer string) (report.Sender, error) {
	u := currentUser(ctx)
	if u.Role == auth.Observer {
		if u.ObserverID == 0 {
			return report.Sender{}, baqylau.Errorf(baqylau.EFORBIDDEN, "this account is not an accredited observer")
		}
		return report.Sender{ObserverID: u.ObserverID, Channel: report.Web}, nil
	}
	from := report.Sender{EnteredBy: u.ID, Channel: report.Phone}
	if observer = strings.TrimSpace(observer); observer != "" {
		o, err := s.cfg.People.ObserverByNumber(ctx, strings.ToUpper(observer))
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			return from, baqylau.Errorf(baqylau.EINVALID, "no observer %q", observer)
		}
		if err != nil {
			return from, err
		}
		from.ObserverID = o.ID
	}
	return from, nil
}

func (s *Server) apiSubmitReport(w http.ResponseWriter, r *http.Request) {
	var in reportIn
	if err := decodeIngest(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	eid, err := pathID(r, "id") // the submitter loads (and caches) the election
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	from, err := s.sender(r.Context(), in.Observer)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ack, err := s.submit.Report(r.Context(), eid, from, in.ReportInput)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusCreated
	if ack.Duplicate {
		status = http.StatusOK
	}
	flags := ack.Flags
	if flags == nil {
		flags = []report.Flag{}
	}
	s.writeAck(w, status, reportAck{Flags: flags, ID: ack.ID, Receipt: ack.Receipt})
}

// writeAck is writeJSON for an ack. Most acks carry no flag and a hex
// receipt: those are written as encoding/json would write them, without
// it (ack_internal_test.go compares the two).
func (s *Server) writeAck(w http.ResponseWriter, status int, ack reportAck) {
	if len(ack.Flags) > 0 || !isHex(ack.Receipt) {
		s.writeJSON(w, status, ack)
		return
	}
	var room [160]byte
	b := append(room[:0], `{"flags":[],"id":`...)
	b = strconv.AppendInt(b, ack.ID, 10)
	b = append(b, `,"receipt":"`...)
	b = append(b, ack.Receipt...)
	b = append(b, "\"}\n"...)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if _, err := w.Write(b); err != nil {
		s.log.Warn("write json", "err", err)
	}
}

// isHex reports whether s is lower-case hexadecimal digits only.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// reportAck is the answer to a report: a struct rather than a map, since
// it is written for every report (fields in the order a map's keys had).
type reportAck struct {
	Flags   []report.Flag `json:"flags"`
	ID      int64         `json:"id"`
	Receipt string        `json:"receipt"`
}

func (s *Server) apiSubmitIncident(w http.ResponseWriter, r *http.Request) {
	var in incidentIn
	if err := decodeIngest(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	eid, err := pathID(r, "id") // the submitter loads (and caches) the election
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	from, err := s.sender(r.Context(), in.Observer)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	inc, ack, err := s.submit.Incident(r.Context(), eid, from, in.IncidentInput)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusCreated
	if ack.Duplicate {
		status = http.StatusOK
	}
	s.writeJSON(w, status, map[string]any{"id": ack.ID, "receipt": ack.Receipt, "region": inc.Region, "status": string(report.StatusNew)})
}

// queueScope is the incident queue a user may read: everything for the
// national HQ, one region (or abroad) for regional staff.
func queueScope(u *auth.User, asked string) (string, error) {
	if !u.Role.Regional() {
		return asked, nil
	}
	if asked != "" && asked != u.Region {
		return "", baqylau.Errorf(baqylau.EFORBIDDEN, "you see only the queue of %s", u.Region)
	}
	return u.Region, nil
}

type apiIncident struct {
	ID          int64         `json:"id"`
	Station     string        `json:"station"`
	Region      string        `json:"region"`
	Category    string        `json:"category"`
	Severity    string        `json:"severity"`
	Description string        `json:"description"`
	Status      string        `json:"status"`
	Channel     string        `json:"channel"`
	ObservedAt  time.Time     `json:"observed_at"`
	ReceivedAt  time.Time     `json:"received_at"`
	Flags       []report.Flag `json:"flags"`
}

func (s *Server) apiForms(w http.ResponseWriter, r *http.Request) {
	forms, err := s.submit.CurrentForms(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"forms": forms})
}

// apiSaveForm takes an adjusted form definition (JSON, as GET /forms gives
// it) and puts it in use as the form's next version; reports keep the
// version they were filled in.
func (s *Server) apiSaveForm(w http.ResponseWriter, r *http.Request) {
	if s.submit.Stored == nil {
		s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "this server keeps no adjusted forms"))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, report.MaxFormBytes))
	if err != nil {
		s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "the definition is larger than %d bytes", report.MaxFormBytes))
		return
	}
	f, err := report.ParseForm(data)
	if err == nil {
		err = s.submit.Stored.SaveForm(r.Context(), &f, userID(r))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.submit.FormsChanged()
	s.writeJSON(w, http.StatusCreated, f)
}

func (s *Server) apiIncidentCategories(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, map[string]any{"categories": report.Categories(), "severities": report.Severities})
}
