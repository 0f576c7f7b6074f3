package web

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/memo"
	"github.com/baqylau/baqylau/internal/mission"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
)

// Role groups of missions at work.
var (
	// missionMembers are the roles a mission's members sign in with: heads
	// by e-mail and password (an account linked to their observer record),
	// members by badge. Which mission they belong to is checked by the
	// handlers.
	missionMembers = []auth.Role{auth.MissionHead, auth.DelegationHead, auth.Observer}
	// meetingKeepers record meetings: the commission's observer desk
	// (admins, coordinators) and the missions' members.
	meetingKeepers = append(slices.Clone(editors), missionMembers...)
)

// missions serves meetings, principles and mission statements.
type missions struct {
	s  *Server
	st mission.Store // nil when the store keeps no missions' work
	// figures keeps each mission's live figures for a second: a draft
	// open in several browsers costs one count (each figure says when it
	// was computed).
	figures *memo.Cache[int64, []mission.Figure]
}

// missionRoutes: meetings, principles, statements and their release.
func (s *Server) missionRoutes() []route {
	m := &missions{s: s, figures: memo.New[int64, []mission.Figure](time.Second, 1024)}
	m.st, _ = s.cfg.Reports.(mission.Store)
	return []route{
		{pattern: "GET /missions/mine", roles: missionMembers, h: m.mine},
		{pattern: "GET /missions/{mid}/work", roles: missionMembers, h: m.showWork},
		{pattern: "POST /missions/{mid}/acknowledgement", roles: missionMembers, h: m.acknowledge},
		{pattern: "GET /missions/{mid}/statements/{sid}", roles: missionMembers, h: m.showStatement},
		{pattern: "POST /missions/{mid}/statements/{sid}/decision", roles: missionMembers, h: m.decide},
		{pattern: "POST /missions/{mid}/meetings", roles: missionMembers, h: m.recordMissionMeeting},
		{pattern: "POST /missions/{mid}/statements", roles: missionMembers, h: m.createStatement},
		{pattern: "POST /missions/{mid}/statements/{sid}/versions", roles: missionMembers, h: m.saveVersion},
		{pattern: "POST /missions/{mid}/statements/{sid}/freeze", roles: missionMembers, h: m.freeze},
		{pattern: "POST /missions/{mid}/statements/{sid}/reopen", roles: missionMembers, h: m.reopen},
		{pattern: "GET /elections/{id}/meetings", roles: editors, h: m.showDesk},
		{pattern: "POST /elections/{id}/meetings", roles: editors, h: m.recordDeskMeeting},
		{pattern: "POST /elections/{id}/results-announcement", roles: editors, h: m.announceResults},
		{pattern: "POST /elections/{id}/mission-accounts", roles: editors, h: m.linkAccount},
		{pattern: "POST /meetings/{mtid}/publication", roles: meetingKeepers, h: m.publishMinutes},
		{pattern: "POST /meetings/{mtid}/notes", roles: meetingKeepers, h: m.updateNotes},
		{pattern: "GET /press/statements/{sid}/pdf", roles: public, h: m.pressPDF},

		{pattern: "POST /api/v1/elections/{id}/meetings", roles: meetingKeepers, api: true, h: m.apiCreateMeeting},
		{pattern: "GET /api/v1/elections/{id}/meetings", roles: meetingKeepers, api: true, h: m.apiListMeetings},
		{pattern: "GET /api/v1/meetings/{mtid}", roles: meetingKeepers, api: true, h: m.apiGetMeeting},
		{pattern: "POST /api/v1/meetings/{mtid}/questions", roles: meetingKeepers, api: true, h: m.apiAddQuestion},
		{pattern: "POST /api/v1/meetings/{mtid}/publication", roles: meetingKeepers, api: true, h: m.apiPublishMinutes},
		{pattern: "POST /api/v1/meetings/{mtid}/notes", roles: meetingKeepers, api: true, h: m.apiUpdateNotes},
		{pattern: "POST /api/v1/elections/{id}/results-announcement", roles: editors, api: true, h: m.apiAnnounceResults},

		{pattern: "POST /api/v1/missions/{mid}/accounts", roles: editors, api: true, h: m.apiLinkAccount},
		{pattern: "GET /api/v1/missions/{mid}/acknowledgements", roles: meetingKeepers, api: true, h: m.apiAcknowledgements},
		{pattern: "POST /api/v1/missions/{mid}/acknowledgements", roles: meetingKeepers, api: true, h: m.apiAcknowledge},
		{pattern: "GET /api/v1/missions/{mid}/figures", roles: missionMembers, api: true, h: m.apiFigures},
		{pattern: "GET /api/v1/missions/{mid}/statements", roles: missionMembers, api: true, h: m.apiListStatements},
		{pattern: "POST /api/v1/missions/{mid}/statements", roles: missionMembers, api: true, h: m.apiCreateStatement},
		{pattern: "GET /api/v1/missions/{mid}/statements/{sid}", roles: missionMembers, api: true, h: m.apiGetStatement},
		{pattern: "POST /api/v1/missions/{mid}/statements/{sid}/versions", roles: missionMembers, api: true, h: m.apiSaveVersion},
		{pattern: "GET /api/v1/missions/{mid}/statements/{sid}/diff", roles: missionMembers, api: true, h: m.apiDiff},
		{pattern: "POST /api/v1/missions/{mid}/statements/{sid}/freeze", roles: missionMembers, api: true, h: m.apiFreeze},
		{pattern: "POST /api/v1/missions/{mid}/statements/{sid}/reopen", roles: missionMembers, api: true, h: m.apiReopen},
		{pattern: "POST /api/v1/missions/{mid}/statements/{sid}/decisions", roles: missionMembers, api: true, h: m.apiDecide},
		{pattern: "GET /api/v1/missions/{mid}/statements/{sid}/pdf", roles: missionMembers, api: true, h: m.apiDraftPDF},
	}
}

func (m *missions) store() (mission.Store, error) {
	if m.st == nil {
		return nil, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no missions' work")
	}
	return m.st, nil
}

// member is the observer a request acts for: the observer signed in by
// badge, or the one a user account is linked to. ENOTFOUND for anyone
// else, so that the existence of a mission's work is not revealed.
func (m *missions) member(ctx context.Context) (people.Observer, error) {
	st, err := m.store()
	if err != nil {
		return people.Observer{}, err
	}
	u := currentUser(ctx)
	id := u.ObserverID
	if id == 0 {
		if id, err = st.MissionAccount(ctx, u.ID); baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			return people.Observer{}, baqylau.Errorf(baqylau.ENOTFOUND, "you are not a member of a mission")
		} else if err != nil {
			return people.Observer{}, err
		}
	}
	o, err := m.s.cfg.People.Observer(ctx, id)
	if err != nil {
		return o, err
	}
	if o.MissionID == 0 || o.Status == people.Revoked {
		return o, baqylau.Errorf(baqylau.ENOTFOUND, "you are not a member of a mission")
	}
	return o, nil
}

// inMission is the member acting in mission missionID, or ENOTFOUND when
// the request does not come from one of its members: drafts are the
// mission's own.
func (m *missions) inMission(ctx context.Context, missionID int64) (people.Observer, error) {
	o, err := m.member(ctx)
	if err != nil {
		return o, err
	}
	if o.MissionID != missionID {
		return o, baqylau.Errorf(baqylau.ENOTFOUND, "no mission %d among yours", missionID)
	}
	return o, nil
}

// leads reports whether a member may freeze, reopen and publish: the head
// and the delegation heads.
func leads(o people.Observer) bool {
	return o.MissionRole == people.MissionHead || o.MissionRole == people.DelegationHead
}

// isDesk reports whether the user is on the commission's observer desk.
func isDesk(ctx context.Context) bool {
	u := currentUser(ctx)
	return u != nil && slices.Contains(editors, u.Role)
}

// statementOf reads statement sid of mission mid for one of its members.
func (m *missions) statementOf(r *http.Request) (mission.Statement, people.Observer, error) {
	mid, err := pathID(r, "mid")
	if err != nil {
		return mission.Statement{}, people.Observer{}, err
	}
	o, err := m.inMission(r.Context(), mid)
	if err != nil {
		return mission.Statement{}, o, err
	}
	sid, err := pathID(r, "sid")
	if err != nil {
		return mission.Statement{}, o, err
	}
	s, err := m.st.MissionStatement(r.Context(), sid)
	if err == nil && s.MissionID != mid {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "statement %d not found", sid)
	}
	return s, o, err
}

// liveFigures computes a mission's figures now.
func (m *missions) liveFigures(ctx context.Context, missionID int64) ([]mission.Figure, error) {
	return m.figures.Get(missionID, func() ([]mission.Figure, error) {
		c, err := m.st.MissionCounts(ctx, missionID, time.Time{})
		if err != nil {
			return nil, err
		}
		return c.Figures(), nil
	})
}

// statementView is a statement with what its page and API show.
type statementView struct {
	Statement mission.Statement
	Versions  []mission.Version
	Current   mission.Version  // the frozen version, else the latest
	Figures   []mission.Figure // fixed when frozen, else live
	Live      bool
	Decisions []mission.Decision
	Heads     []people.Observer
	Announced time.Time
	Released  bool
}

func (m *missions) loadStatement(ctx context.Context, s mission.Statement) (statementView, error) {
	d := statementView{Statement: s}
	var err error
	if d.Versions, err = m.st.MissionVersions(ctx, s.ID); err != nil {
		return d, err
	}
	if len(d.Versions) == 0 {
		return d, baqylau.Errorf(baqylau.EINTERNAL, "statement %d has no version", s.ID)
	}
	d.Current = d.Versions[len(d.Versions)-1]
	for _, v := range d.Versions {
		if v.Number == s.FrozenVersion {
			d.Current = v
		}
	}
	if s.FrozenVersion != 0 {
		d.Figures = d.Current.Figures
	} else if d.Figures, err = m.liveFigures(ctx, s.MissionID); err != nil {
		return d, err
	} else {
		d.Live = true
	}
	if d.Decisions, err = m.st.MissionDecisions(ctx, s.ID); err != nil {
		return d, err
	}
	if d.Heads, err = m.st.MissionHeads(ctx, s.MissionID); err != nil {
		return d, err
	}
	if d.Announced, err = m.st.ResultsAnnounced(ctx, s.ElectionID); err != nil {
		return d, err
	}
	d.Released = s.Released(time.Now(), d.Announced)
	return d, nil
}

// versionLines is a version's text in a language, line by line, with the
// figures as placeholders: what changed between versions is the text.
func versionLines(v mission.Version, lang string) []string {
	_, body := v.Text(lang, nil)
	title, _ := v.Text(lang, nil)
	return append([]string{title, ""}, splitLines(body)...)
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// versionByNumber finds a version, or ENOTFOUND.
func versionByNumber(list []mission.Version, n int) (mission.Version, error) {
	for _, v := range list {
		if v.Number == n {
			return v, nil
		}
	}
	return mission.Version{}, baqylau.Errorf(baqylau.ENOTFOUND, "no version %d", n)
}

// diffParams reads ?from=&to= (default: the two latest versions).
func diffParams(r *http.Request, list []mission.Version) (from, to mission.Version, err error) {
	n := len(list)
	f, t := max(list[0].Number, list[n-1].Number-1), list[n-1].Number
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		into *int
	}{{"from", &f}, {"to", &t}} {
		if v := q.Get(p.name); v != "" {
			if *p.into, err = strconv.Atoi(v); err != nil {
				return from, to, baqylau.Errorf(baqylau.EINVALID, "%s=%q is not a version number", p.name, v)
			}
		}
	}
	if from, err = versionByNumber(list, f); err != nil {
		return from, to, err
	}
	to, err = versionByNumber(list, t)
	return from, to, err
}

// pressPDF serves a press-centre statement as a PDF in a language, only
// once it is public: the same rule as the statement's page.
func (m *missions) pressPDF(w http.ResponseWriter, r *http.Request) {
	st, ok := m.s.cfg.Reports.(publish.Store)
	if !ok {
		m.s.pageError(w, r, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no press centre"))
		return
	}
	id, err := pathID(r, "sid")
	var ps publish.Statement
	if err == nil {
		ps, err = st.Statement(r.Context(), id)
	}
	lang := r.URL.Query().Get("lang")
	if err == nil && lang != "" && !slices.Contains(publish.Languages, lang) {
		err = baqylau.Errorf(baqylau.EINVALID, "lang %q is not kk, ru or en", lang)
	}
	if err != nil {
		m.s.pageError(w, r, err)
		return
	}
	if lang == "" {
		lang = m.s.printer(r).Lang
	}
	cacheHeaders(w, r)
	m.writePDF(w, r, ps.Title.In(lang), m.s.cat.Printer(lang).T("mission.pdf.published", "Time",
		ps.PublishedAt.In(refZone()).Format("2006-01-02 15:04")), ps.Body.In(lang), "statement-"+strconv.FormatInt(ps.ID, 10)+"-"+lang)
}

func (m *missions) writePDF(w http.ResponseWriter, r *http.Request, title, published, body, name string) {
	// Render to memory first: an error gives an error page, not half a file.
	var buf bytes.Buffer
	if err := mission.RenderPDF(&buf, mission.Document{Title: title, Published: published, Body: body}); err != nil {
		m.s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`.pdf"`)
	_, _ = w.Write(buf.Bytes())
}
