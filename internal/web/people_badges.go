package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/badge"
	"github.com/baqylau/baqylau/internal/imaging"
	"github.com/baqylau/baqylau/internal/people"
)

// maxBadges bounds one batch PDF.
const maxBadges = 2000

func (s *Server) observerBadge(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	o, err := s.cfg.People.Observer(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.writeBadges(w, r, []people.Observer{o}, o.Number+".pdf")
}

// batchBadges prints the badges of every valid accreditation matching the
// list filters (organisation, mission, …) on A4 sheets.
func (s *Server) batchBadges(w http.ResponseWriter, r *http.Request) {
	_, q, err := observerQuery(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var list []people.Observer
	for _, st := range []people.Status{people.Accredited, people.Deployed} {
		if q.Status != "" && q.Status != st {
			continue
		}
		q := q
		q.Status, q.Limit = st, maxBadges
		page, _, err := s.cfg.People.Observers(r.Context(), q)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		list = append(list, page...)
	}
	if len(list) == 0 {
		s.pageError(w, r, baqylau.Errorf(baqylau.ENOTFOUND, "no accredited observers match"))
		return
	}
	if len(list) > maxBadges {
		list = list[:maxBadges]
	}
	s.writeBadges(w, r, list, "badges.pdf")
}

func (s *Server) writeBadges(w http.ResponseWriter, r *http.Request, list []people.Observer, filename string) {
	ctx := r.Context()
	p := s.printer(r)
	orgs := map[int64]people.Organization{}
	missions := map[int64]people.Mission{}
	cards := make([]badge.Card, 0, len(list))
	for _, o := range list {
		if !o.BadgeValid(time.Now()) {
			s.pageError(w, r, baqylau.Errorf(baqylau.EINVALID, "observer %s is %s: only a valid accreditation gets a badge", o.Number, o.Status))
			return
		}
		org, ok := orgs[o.OrganizationID]
		if !ok {
			var err error
			if org, err = s.cfg.People.Organization(ctx, o.OrganizationID); err != nil {
				s.pageError(w, r, err)
				return
			}
			orgs[o.OrganizationID] = org
		}
		card := badge.Card{Name: o.FullName, Organization: org.Name, Number: o.Number, Kind: string(o.Kind), Lang: p.Lang}
		if o.MissionID != 0 {
			m, ok := missions[o.MissionID]
			if !ok {
				var err error
				if m, err = s.cfg.People.Mission(ctx, o.MissionID); err != nil {
					s.pageError(w, r, err)
					return
				}
				missions[o.MissionID] = m
			}
			card.Mission = m.Name
		}
		if !o.ValidUntil.IsZero() {
			card.ValidUntil = p.Date(o.ValidUntil)
		}
		if _, photo, err := s.cfg.People.ObserverPhoto(ctx, o.ID); err == nil {
			card.Photo = photo
		} else if baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
		c, err := s.credentials(ctx, o.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		card.VerifyURL = s.baseURL(r) + "/v/" + c.VerifyToken
		cards = append(cards, card)
	}
	var buf bytes.Buffer
	if err := badge.Render(&buf, cards); err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// verification is what the public may see of an accreditation: enough for
// a polling-station chair to check a badge, and nothing personal.
type verification struct {
	Token        string `json:"-"`
	Name         string `json:"name"`
	Number       string `json:"number"`
	Kind         string `json:"kind"`
	Organization string `json:"organization"`
	Valid        bool   `json:"valid"`
	Status       string `json:"status"`
	ValidUntil   string `json:"valid_until,omitempty"`
	Error        string `json:"-"`
}

func (s *Server) verification(ctx context.Context, token string) (verification, error) {
	if token == "" || len(token) > 100 {
		return verification{}, baqylau.Errorf(baqylau.ENOTFOUND, "unknown badge")
	}
	o, err := s.cfg.People.ObserverByVerifyToken(ctx, token)
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "unknown badge")
		}
		return verification{}, err
	}
	org, err := s.cfg.People.Organization(ctx, o.OrganizationID)
	if err != nil {
		return verification{}, err
	}
	v := verification{Token: token, Name: o.FullName, Number: o.Number, Kind: string(o.Kind), Organization: org.Name, Valid: o.BadgeValid(time.Now())}
	v.Status = "valid"
	if !v.Valid {
		v.Status = "revoked"
	}
	if !o.ValidUntil.IsZero() {
		v.ValidUntil = o.ValidUntil.Format("2006-01-02")
	}
	return v, nil
}

func (s *Server) verifyBadge(w http.ResponseWriter, r *http.Request) {
	v, err := s.verification(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, http.StatusOK, "verify", s.newView(r, "verify.title", v))
}

func (s *Server) apiVerifyBadge(w http.ResponseWriter, r *http.Request) {
	v, err := s.verification(r.Context(), r.PathValue("token"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, http.StatusOK, v)
}

// maxPINFailures locks PIN sign-in until the desk issues a new PIN.
const maxPINFailures = 5

const sessionObserverID = "observer_id"

// observerPINSignIn signs an observer in with the badge's QR and a PIN.
func (s *Server) observerPINSignIn(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	if blocked, wait := s.signins.blocked(r, time.Now()); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		s.pageError(w, r, baqylau.Errorf(baqylau.ETOOMANY, "too many failed sign-ins from your address: try again in %d seconds", int(wait.Seconds())))
		return
	}
	v, err := s.verification(ctx, r.PathValue("token"))
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			s.signins.fail(r, time.Now()) // guessing badge tokens
		}
		s.pageError(w, r, err)
		return
	}
	fail := func(status int, msgID string) {
		v.Error = s.printer(r).T(msgID)
		s.render(w, r, status, "verify", s.newView(r, "verify.title", v))
	}
	o, err := s.cfg.People.ObserverByVerifyToken(ctx, v.Token)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if !o.BadgeValid(time.Now()) {
		fail(http.StatusForbidden, "verify.signin.invalid")
		return
	}
	c, err := s.cfg.People.ObserverCredentials(ctx, o.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	failures, err := s.cfg.People.RecordPINFailure(ctx, o.ID) // counted first: no race lets a guess through
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if failures > maxPINFailures || c.PINHash == "" {
		fail(http.StatusTooManyRequests, "verify.signin.locked")
		return
	}
	ok, err := auth.CheckPassword(c.PINHash, strings.TrimSpace(r.PostForm.Get("pin")))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if !ok {
		s.signins.fail(r, time.Now())
		fail(http.StatusUnauthorized, "verify.signin.failed")
		return
	}
	if err := s.cfg.People.ResetPINFailures(ctx, o.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.signInObserver(w, r, o.ID)
}

// observerLinkSignIn signs an observer in with a personal link.
func (s *Server) observerLinkSignIn(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	o, err := s.cfg.People.ObserverByLoginHash(r.Context(), auth.TokenHash(token))
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "unknown or replaced sign-in link")
		}
		s.pageError(w, r, err)
		return
	}
	if !o.BadgeValid(time.Now()) {
		s.pageError(w, r, baqylau.Errorf(baqylau.EFORBIDDEN, "this accreditation is not valid"))
		return
	}
	s.signInObserver(w, r, o.ID)
}

func (s *Server) signInObserver(w http.ResponseWriter, r *http.Request, id int64) {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.sessions.Remove(r.Context(), sessionUserID)
	s.sessions.Put(r.Context(), sessionObserverID, id)
	http.Redirect(w, r, "/my", http.StatusSeeOther)
}

// observerUser is the user of an observer's session; ok is false when
// the observer is gone or the accreditation is no longer valid.
func (s *Server) observerUser(ctx context.Context, id int64) (u *auth.User, ok bool, err error) {
	o, err := s.cfg.People.Observer(ctx, id)
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if !o.BadgeValid(time.Now()) {
		return nil, false, nil
	}
	return &auth.User{Role: auth.Observer, ObserverID: o.ID, Email: o.Number}, true, nil
}

// maxPhotoBytes bounds an uploaded badge photo.
const maxPhotoBytes = 10 << 20

// uploadObserverPhoto takes a badge photo (multipart field "photo"). The
// image is decoded within limits and re-encoded, which drops its metadata
// (GPS and all) before anyone else sees it.
func (s *Server) uploadObserverPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPhotoBytes+64<<10)
	data, err := readBadgePhoto(r)
	if err == nil {
		var clean []byte
		var ctype string
		if clean, ctype, err = imaging.Sanitize(data, 40_000_000); err == nil {
			err = s.cfg.People.SetObserverPhoto(r.Context(), id, ctype, clean)
		}
	}
	if err != nil {
		if code := baqylau.ErrorCode(err); code == baqylau.EINVALID {
			s.renderObserver(w, r, http.StatusUnprocessableEntity, nil, s.publicMessage(r, err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "observer.photo.saved")
	http.Redirect(w, r, "/observers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// readBadgePhoto reads the "photo" part of a multipart form.
func readBadgePhoto(r *http.Request) ([]byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "send the photo as a form upload")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, baqylau.Errorf(baqylau.EINVALID, "choose a photo to upload")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, baqylau.Errorf(baqylau.EINVALID, "the photo is larger than %d MB", maxPhotoBytes>>20)
			}
			return nil, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read: %v", err)
		}
		if part.FormName() != "photo" {
			_ = part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxPhotoBytes+1))
		if err != nil {
			return nil, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read: %v", err)
		}
		if len(data) > maxPhotoBytes {
			return nil, baqylau.Errorf(baqylau.EINVALID, "the photo is larger than %d MB", maxPhotoBytes>>20)
		}
		return data, nil
	}
}

// observerPhoto serves a badge photo to staff (never publicly).
func (s *Server) observerPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctype, data, err := s.cfg.People.ObserverPhoto(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}
