package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
)

type apiCharter struct {
	ID          int64  `json:"id"`
	Version     int    `json:"version"`
	TextKK      string `json:"text_kk"`
	TextRU      string `json:"text_ru"`
	TextEN      string `json:"text_en"`
	PublishedAt string `json:"published_at"`
}

func toAPICharter(c people.CharterVersion) apiCharter {
	return apiCharter{ID: c.ID, Version: c.Version, TextKK: c.TextKK, TextRU: c.TextRU, TextEN: c.TextEN,
		PublishedAt: c.PublishedAt.In(trainingZone).Format(time.RFC3339)}
}

// apiSignatory is an organisation that signed: public, no personal data.
type apiSignatory struct {
	OrganizationID int64  `json:"organization_id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Country        string `json:"country,omitempty"`
	Version        int    `json:"version"`
	SignedAt       string `json:"signed_at"`
}

// apiSignature is one recorded signature.
type apiSignature struct {
	ID             int64  `json:"id"`
	Version        int    `json:"version"`
	OrganizationID int64  `json:"organization_id,omitempty"`
	ObserverID     int64  `json:"observer_id,omitempty"`
	SignedAt       string `json:"signed_at"`
}

func toAPISignature(sig people.Signature) apiSignature {
	return apiSignature{ID: sig.ID, Version: sig.Version, OrganizationID: sig.OrganizationID, ObserverID: sig.ObserverID,
		SignedAt: sig.SignedAt.In(trainingZone).Format(time.RFC3339)}
}

func (s *Server) apiGetCharter(w http.ResponseWriter, r *http.Request) {
	c, err := s.cfg.People.CurrentCharter(r.Context())
	if err != nil {
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			err = baqylau.Errorf(baqylau.ENOTFOUND, "no charter has been published yet")
		}
		s.apiError(w, r, err)
		return
	}
	list, err := s.signatories(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiSignatory, 0, len(list))
	for _, sg := range list {
		out = append(out, apiSignatory{OrganizationID: sg.OrganizationID, Name: sg.Name, Kind: string(sg.Kind), Country: sg.Country,
			Version: sg.Version, SignedAt: sg.SignedAt.Format(time.RFC3339)})
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"charter": toAPICharter(c), "signatories": out})
}

func (s *Server) apiPublishCharter(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TextKK string `json:"text_kk"`
		TextRU string `json:"text_ru"`
		TextEN string `json:"text_en"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c := people.CharterVersion{TextKK: in.TextKK, TextRU: in.TextRU, TextEN: in.TextEN}
	err := c.Validate()
	if err == nil {
		err = s.cfg.People.PublishCharter(r.Context(), &c)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/charter")
	s.writeJSON(w, http.StatusCreated, toAPICharter(c))
}

// apiSignCharter records a signature of the current version: an
// organisation's (charter editors) or an observer's (the desk, or the
// observer). A signature already made answers 200 with it.
func (s *Server) apiSignCharter(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OrganizationID int64 `json:"organization_id"`
		ObserverID     int64 `json:"observer_id"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx := r.Context()
	u := currentUser(ctx)
	var sig people.Signature
	var signed bool
	var err error
	switch {
	case (in.OrganizationID == 0) == (in.ObserverID == 0), in.OrganizationID < 0, in.ObserverID < 0:
		err = baqylau.Errorf(baqylau.EINVALID, "give either organization_id or observer_id (a positive id), not both")
	case in.OrganizationID != 0:
		if !slices.Contains(charterEditors, u.Role) {
			err = baqylau.Errorf(baqylau.EFORBIDDEN, "only administrators and coordinators record an organisation's signature")
			break
		}
		sig, _, signed, err = s.signForOrganization(ctx, u, in.OrganizationID)
	default:
		sig, _, signed, err = s.signForObserver(ctx, u, in.ObserverID)
	}
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		// The id came in the body: the call exists, its data is wrong.
		err = baqylau.Errorf(baqylau.EINVALID, "%s", baqylau.ErrorMessage(err))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !signed {
		status = http.StatusOK
	}
	s.writeJSON(w, status, toAPISignature(sig))
}
