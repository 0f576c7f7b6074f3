package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
)

// Role groups of the Charter of impartial observation.
var (
	// charterEditors publish the charter and record organisations'
	// signatures.
	charterEditors = []auth.Role{auth.Admin, auth.Coordinator}
	// charterDesk record an observer's signature (the regional ones for
	// observers of their region).
	charterDesk = []auth.Role{auth.Admin, auth.Coordinator, auth.RegionalCoordinator, auth.Trainer}
	// charterSigners may reach the observer signature routes: the desk,
	// and observers signing for themselves.
	charterSigners = append(slices.Clone(charterDesk), auth.Observer)
)

// charterRoutes: the Charter of impartial observation and its signatures.
func (s *Server) charterRoutes() []route {
	return []route{
		{pattern: "GET /charter", roles: public, h: s.showCharter},
		{pattern: "POST /charter", roles: charterEditors, h: s.publishCharter},
		{pattern: "POST /charter/default", roles: charterEditors, h: s.publishDefaultCharter},
		{pattern: "POST /charter/signatures", roles: charterEditors, h: s.signCharterForOrganization},
		{pattern: "POST /organizations/{id}/charter-signature", roles: charterEditors, h: s.signCharterForOrganization},
		{pattern: "POST /observers/{id}/charter-signature", roles: charterSigners, h: s.signCharterForObserver},

		{pattern: "GET /api/v1/charter", roles: public, api: true, h: s.apiGetCharter},
		{pattern: "POST /api/v1/charter", roles: charterEditors, api: true, h: s.apiPublishCharter},
		{pattern: "POST /api/v1/charter/signatures", roles: charterSigners, api: true, h: s.apiSignCharter},
	}
}

// The default Charter of impartial and honest observation, which an
// administrator may publish with one button when none exists (source 003
// of MISSION.md): short, so that every observer reads it to the end.
const (
	defaultCharterKK = `Осы Хартияға қол қойған біз, байқаушылар мен ұйымдар, мына міндеттемелерді аламыз.
1. Тәуелсіздік. Мемлекеттік органдардың, партиялардың, кандидаттардың немесе демеушілердің нұсқауынсыз, өз пайымымызбен байқау жүргіземіз.
2. Саяси бейтараптық. Байқау кезінде ешбір партияға немесе кандидатқа бүйрек бұрмаймыз: ешқандай рәміз, белгі немесе үгіт мәлімдемесі жоқ.
3. Араласпау. Сайлау комиссияларына нұсқау бермейміз, олардың жұмысына кедергі келтірмейміз және мүшелерінің орнын баспаймыз; бұзушылықтар туралы тек заңда көзделген тәртіппен хабарлаймыз.
4. Дәлдік. Тек өзіміз көрген немесе тексерген жайтты уақыты мен орнын көрсетіп хабарлаймыз; нені көрмегенімізді ашық айтамыз.
5. Заңды құрметтеу. «Қазақстан Республикасындағы сайлау туралы» Конституциялық заңды, байқаушының құқықтары мен міндеттерін білеміз және сақтаймыз.
6. Дауыс беру құпиясы. Дауыс беру кабиналарына жақындамаймыз, сайлаушылардың бюллетеньдеріне қарамаймыз, толтырылған бюллетеньді суретке түсірмейміз және сайлаушылардың дербес деректерін құрметтейміз.
7. Адалдық. Қателігімізді ашық түзетеміз және тексерілмеген қорытындыны жарияламаймыз.`
	defaultCharterRU = `Мы, наблюдатели и организации, подписавшие эту Хартию, обязуемся:
1. Независимость. Наблюдать по собственному суждению, не выполняя указаний государственных органов, партий, кандидатов или спонсоров.
2. Политическая нейтральность. Во время наблюдения не выражать предпочтений ни одной партии или кандидату: никакой символики, значков и агитационных заявлений.
3. Невмешательство. Не давать указаний избирательным комиссиям, не препятствовать их работе и не подменять их членов; сообщать о нарушениях только в порядке, предусмотренном законом.
4. Точность. Сообщать только то, что видели или проверили сами, с указанием времени и места; прямо говорить о том, чего не видели.
5. Уважение к закону. Знать и соблюдать Конституционный закон «О выборах в Республике Казахстан», права и обязанности наблюдателя.
6. Тайна голосования. Не подходить к кабинам для голосования, не заглядывать в бюллетени избирателей, не фотографировать заполненные бюллетени, уважать персональные данные избирателей.
7. Честность. Открыто исправлять свои ошибки и не публиковать непроверенных выводов.`
	defaultCharterEN = `We, the observers and organisations who sign this Charter, undertake:
1. Independence. To observe on our own judgement, taking no instructions from state bodies, parties, candidates or sponsors.
2. Political neutrality. To show no preference for any party or candidate while observing: no symbols, badges or campaign statements.
3. Non-interference. Never to give instructions to election commissions, hinder their work or take the place of their members; to raise violations only in the ways the law provides.
4. Accuracy. To report only what we saw or checked ourselves, with the time and place, and to say plainly what we did not see.
5. Respect for the law. To know and respect the Constitutional Law "On Elections in the Republic of Kazakhstan" and the rights and duties of an observer.
6. Secrecy of the vote. Never to approach a voting booth, look at a voter's ballot or photograph a marked ballot, and to respect voters' personal data.
7. Honesty. To correct our mistakes openly and never to publish unchecked conclusions.`
)

// signatory is an organisation that signed the charter, as the public
// page and API show it: no personal data.
type signatory struct {
	OrganizationID int64
	Name           string
	Kind           people.OrgKind
	Country        string
	Version        int
	SignedAt       time.Time
}

// signatories lists the organisations that signed a version of the charter.
func (s *Server) signatories(ctx context.Context) ([]signatory, error) {
	sigs, err := s.cfg.People.Signatories(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]signatory, 0, len(sigs))
	for _, sig := range sigs {
		if sig.OrganizationID == 0 {
			continue
		}
		org, err := s.cfg.People.Organization(ctx, sig.OrganizationID)
		if err != nil {
			return nil, err
		}
		out = append(out, signatory{OrganizationID: org.ID, Name: org.Name, Kind: org.Kind, Country: org.Country, Version: sig.Version,
			SignedAt: sig.SignedAt.In(trainingZone)})
	}
	return out, nil
}

// charterToSign is the charter in force, or ECONFLICT for a signature
// asked for before any was published.
func (s *Server) charterToSign(ctx context.Context) (people.CharterVersion, error) {
	c, err := s.cfg.People.CurrentCharter(ctx)
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		return c, baqylau.Errorf(baqylau.ECONFLICT, "no charter has been published yet")
	}
	return c, err
}

// signForOrganization records that an organisation signed the current
// version; signed reports false when it already had.
func (s *Server) signForOrganization(ctx context.Context, u *auth.User, orgID int64) (people.Signature, people.Organization, bool, error) {
	org, err := s.cfg.People.Organization(ctx, orgID)
	if err != nil {
		return people.Signature{}, org, false, err
	}
	c, err := s.charterToSign(ctx)
	if err != nil {
		return people.Signature{}, org, false, err
	}
	sigs, err := s.cfg.People.Signatories(ctx)
	if err != nil {
		return people.Signature{}, org, false, err
	}
	for _, sig := range sigs {
		if sig.OrganizationID == org.ID && sig.CharterVersionID == c.ID {
			return sig, org, false, nil
		}
	}
	sig := people.Signature{CharterVersionID: c.ID, Version: c.Version, OrganizationID: org.ID, ByUserID: u.ID}
	if err := s.cfg.People.Sign(ctx, &sig); err != nil {
		return sig, org, false, err
	}
	return sig, org, true, nil
}

// signForObserver records that an observer signed the current version:
// the observers themselves, or the desk (regional staff for observers of
// their region). Anyone else is told there is no such observer.
func (s *Server) signForObserver(ctx context.Context, u *auth.User, observerID int64) (people.Signature, people.Observer, bool, error) {
	o, err := s.cfg.People.Observer(ctx, observerID)
	if err != nil {
		return people.Signature{}, o, false, err
	}
	self := u.ObserverID != 0 && u.ObserverID == o.ID
	if !self {
		if !slices.Contains(charterDesk, u.Role) {
			return people.Signature{}, o, false, baqylau.Errorf(baqylau.ENOTFOUND, "no observer %d", observerID)
		}
		if u.Role.Regional() && o.Region != u.Region {
			return people.Signature{}, o, false, baqylau.Errorf(baqylau.EFORBIDDEN, "this observer works in another region")
		}
	}
	c, err := s.charterToSign(ctx)
	if err != nil {
		return people.Signature{}, o, false, err
	}
	prev, err := s.cfg.People.ObserverSignature(ctx, o.ID)
	switch {
	case err == nil && prev.CharterVersionID == c.ID:
		return prev, o, false, nil
	case err != nil && baqylau.ErrorCode(err) != baqylau.ENOTFOUND:
		return prev, o, false, err
	}
	sig := people.Signature{CharterVersionID: c.ID, Version: c.Version, ObserverID: o.ID, ByUserID: u.ID}
	if err := s.cfg.People.Sign(ctx, &sig); err != nil {
		return sig, o, false, err
	}
	return sig, o, true, nil
}

// Pages.

type charterForm struct{ KK, RU, EN string }

type charterData struct {
	Charter     *people.CharterVersion // nil before the first publication
	Paragraphs  []string               // the text in the page's language
	Published   time.Time              // in Astana time
	Signatories []signatory
	CanPublish  bool
	Form        charterForm
	Error       string
	// Organizations is the choice of the signature form (editors only).
	Organizations []people.Organization
	// ObserverID is the signed-in observer's own id (0 for others), and
	// Signed whether they signed the current version.
	ObserverID int64
	Signed     bool
}

// paragraphs splits a text at its line ends, dropping blank lines.
func paragraphs(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func (s *Server) showCharter(w http.ResponseWriter, r *http.Request) {
	s.renderCharter(w, r, http.StatusOK, nil, "")
}

func (s *Server) renderCharter(w http.ResponseWriter, r *http.Request, status int, form *charterForm, msg string) {
	ctx := r.Context()
	u := currentUser(ctx)
	v := s.newView(r, "charter.title", nil)
	d := charterData{Error: msg, CanPublish: u != nil && slices.Contains(charterEditors, u.Role)}
	c, err := s.cfg.People.CurrentCharter(ctx)
	switch {
	case err == nil:
		d.Charter, d.Paragraphs, d.Published = &c, paragraphs(c.Text(v.Lang)), c.PublishedAt.In(trainingZone)
		d.Form = charterForm{KK: c.TextKK, RU: c.TextRU, EN: c.TextEN}
	case baqylau.ErrorCode(err) == baqylau.ENOTFOUND:
		if status == http.StatusOK {
			status = http.StatusNotFound
		}
	default:
		s.pageError(w, r, err)
		return
	}
	if form != nil {
		d.Form = *form
	}
	if d.Signatories, err = s.signatories(ctx); err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.CanPublish && d.Charter != nil {
		if d.Organizations, _, err = s.cfg.People.Organizations(ctx, people.OrgQuery{Limit: 1000}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if u != nil && u.ObserverID != 0 && d.Charter != nil {
		d.ObserverID = u.ObserverID
		sig, err := s.cfg.People.ObserverSignature(ctx, u.ObserverID)
		switch {
		case err == nil:
			d.Signed = sig.CharterVersionID == c.ID
		case baqylau.ErrorCode(err) != baqylau.ENOTFOUND:
			s.pageError(w, r, err)
			return
		}
	}
	v.Data = d
	s.render(w, r, status, "charter", v)
}

func (s *Server) publishCharter(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := charterForm{KK: r.PostForm.Get("text_kk"), RU: r.PostForm.Get("text_ru"), EN: r.PostForm.Get("text_en")}
	c := people.CharterVersion{TextKK: f.KK, TextRU: f.RU, TextEN: f.EN}
	err := c.Validate()
	if err == nil {
		err = s.cfg.People.PublishCharter(r.Context(), &c)
	}
	if err != nil {
		if baqylau.ErrorCode(err) != baqylau.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.renderCharter(w, r, http.StatusUnprocessableEntity, &f, s.publicMessage(r, err))
		return
	}
	s.sessions.Put(r.Context(), "flash", s.printer(r).T("charter.published", "Version", c.Version))
	http.Redirect(w, r, "/charter", http.StatusSeeOther)
}

func (s *Server) publishDefaultCharter(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_, err := s.cfg.People.CurrentCharter(ctx)
	switch {
	case err == nil:
		s.pageError(w, r, baqylau.Errorf(baqylau.ECONFLICT, "a charter is already published; publish a new version with the form instead"))
		return
	case baqylau.ErrorCode(err) != baqylau.ENOTFOUND:
		s.pageError(w, r, err)
		return
	}
	c := people.CharterVersion{TextKK: defaultCharterKK, TextRU: defaultCharterRU, TextEN: defaultCharterEN}
	if err := c.Validate(); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.cfg.People.PublishCharter(ctx, &c); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.sessions.Put(ctx, "flash", s.printer(r).T("charter.published", "Version", c.Version))
	http.Redirect(w, r, "/charter", http.StatusSeeOther)
}

// signCharterForOrganization serves both the signature form of the
// charter page (organization_id in the form) and the organisation page's
// button (the id in the path).
func (s *Server) signCharterForOrganization(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	var orgID int64
	var err error
	if p := r.PathValue("id"); p != "" {
		orgID, err = strconv.ParseInt(p, 10, 64)
		if err != nil || orgID <= 0 {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "no organisation %q", p)
		}
	} else if orgID, err = formID(r.PostForm.Get("organization_id"), "organization_id"); err == nil {
		if _, err = s.cfg.People.Organization(r.Context(), orgID); baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			err = baqylau.Errorf(baqylau.EINVALID, "there is no organisation %d", orgID)
		}
	}
	var org people.Organization
	var signed bool
	if err == nil {
		_, org, signed, err = s.signForOrganization(r.Context(), currentUser(r.Context()), orgID)
	}
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.EINVALID && r.PathValue("id") == "" {
			s.renderCharter(w, r, http.StatusUnprocessableEntity, nil, s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	key := "charter.org_signed"
	if !signed {
		key = "charter.org_already_signed"
	}
	s.sessions.Put(r.Context(), "flash", s.printer(r).T(key, "Name", org.Name))
	http.Redirect(w, r, nextOr(r.PostForm.Get("next"), "/charter"), http.StatusSeeOther)
}

func (s *Server) signCharterForObserver(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.pageError(w, r, baqylau.Errorf(baqylau.ENOTFOUND, "no observer %q", r.PathValue("id")))
		return
	}
	if err := readSmallForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	_, o, signed, err := s.signForObserver(r.Context(), currentUser(r.Context()), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	key := "charter.observer_signed"
	if !signed {
		key = "charter.observer_already_signed"
	}
	s.sessions.Put(r.Context(), "flash", s.printer(r).T(key, "Name", o.FullName))
	http.Redirect(w, r, nextOr(r.PostForm.Get("next"), "/charter"), http.StatusSeeOther)
}

// nextOr is a form's next path if it is a local one, else def.
func nextOr(next, def string) string {
	if p := localPath(next); p != "" {
		return p
	}
	return def
}
