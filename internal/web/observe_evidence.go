package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/imaging"
	"github.com/baqylau/baqylau/internal/report"
)

// maxEvidencePixels bounds a photo's size in pixels before it is decoded
// (a 48-megapixel phone camera stays under it; its decoded pixels take
// about 200 MB).
const maxEvidencePixels = 50_000_000

// storeEvidence stores a photo as evidence of an incident after
// re-encoding it without its metadata (GPS positions among them). The same
// photo sent again (a retry from a device's outbox) is stored once.
func (s *Server) storeEvidence(ctx context.Context, incidentID int64, data []byte) (report.Evidence, error) {
	sum := sha256.Sum256(data)
	orig := hex.EncodeToString(sum[:])
	list, err := s.cfg.Reports.EvidenceList(ctx, incidentID)
	if err != nil {
		return report.Evidence{}, err
	}
	for _, e := range list {
		if e.OriginalHash == orig {
			return e, nil
		}
	}
	clean, ct, err := imaging.Sanitize(data, maxEvidencePixels)
	if err != nil {
		return report.Evidence{}, err
	}
	e := report.Evidence{IncidentID: incidentID, ContentType: ct, OriginalHash: orig}
	if err := s.cfg.Reports.AddEvidence(ctx, &e, clean); err != nil {
		return report.Evidence{}, err
	}
	return e, nil
}

// wantsJSON reports whether the client (observe.js) asked for JSON.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// readPhoto reads the "photo" part of a multipart upload.
func readPhoto(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxEvidenceBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "send the photo as multipart/form-data in a field named photo")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, baqylau.Errorf(baqylau.EINVALID, "no photo was sent")
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, baqylau.Errorf(baqylau.EINVALID, "a photo may be at most 15 MB")
		}
		if err != nil {
			return nil, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read")
		}
		if part.FormName() != fieldPhoto {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxEvidenceBytes+1))
		switch {
		case errors.As(err, &mbe) || len(data) > maxEvidenceBytes:
			return nil, baqylau.Errorf(baqylau.EINVALID, "a photo may be at most 15 MB")
		case err != nil:
			return nil, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read")
		case len(data) == 0:
			return nil, baqylau.Errorf(baqylau.EINVALID, "the photo is empty")
		}
		return data, nil
	}
}

// addIncidentEvidence takes a photo of an incident from the observer who
// reported it or from the desk: as JSON for observe.js, else back to the
// station page with a message.
func (s *Server) addIncidentEvidence(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		if wantsJSON(r) {
			s.apiError(w, r, err)
		} else {
			s.pageError(w, r, err)
		}
	}
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		fail(err)
		return
	}
	inc, err := s.cfg.Reports.Incident(ctx, id)
	if err != nil {
		fail(err)
		return
	}
	u := currentUser(ctx)
	if u.Role == auth.Observer && (u.ObserverID == 0 || inc.ObserverID != u.ObserverID) {
		fail(baqylau.Errorf(baqylau.EFORBIDDEN, "only the observer who reported the incident may add evidence"))
		return
	}
	data, err := readPhoto(w, r)
	if err != nil {
		fail(err)
		return
	}
	e, err := s.storeEvidence(ctx, inc.ID, data)
	if err != nil {
		fail(fmt.Errorf("web: evidence of incident %d: %w", inc.ID, err))
		return
	}
	if wantsJSON(r) {
		s.writeJSON(w, http.StatusCreated, map[string]any{"id": e.ID, "incident": inc.ID, "content_type": e.ContentType, "sha256": e.SHA256})
		return
	}
	s.flash(r, "observe.photo_stored")
	http.Redirect(w, r, "/observe/"+strconv.FormatInt(inc.ElectionID, 10)+"/"+inc.StationCode, http.StatusSeeOther)
}
