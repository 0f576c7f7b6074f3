package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

const stationsPerPage = 50

type stationsData struct {
	Election election.Election
	Facets   election.Facets
	Query    stationQuery
	Page     election.StationPage
	PageNo   int
	Pages    int
	PrevURL  string
	NextURL  string
}

// stationQuery is the filter form of the station list, as the user typed it.
type stationQuery struct {
	Search, Region, District, Country, Where string
}

func parseStationQuery(r *http.Request, electionID int64) (stationQuery, election.StationQuery, int) {
	q := r.URL.Query()
	f := stationQuery{Search: strings.TrimSpace(q.Get("q")), Region: q.Get("region"), District: strings.TrimSpace(q.Get("district")),
		Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))), Where: q.Get("where")}
	sq := election.StationQuery{ElectionID: electionID, Search: f.Search, Region: f.Region, District: f.District, Country: f.Country}
	switch f.Where {
	case "home":
		sq.Abroad = new(bool)
	case "abroad":
		t := true
		sq.Abroad = &t
	}
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return f, sq, page
}

func (s *Server) listStations(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, sq, page := parseStationQuery(r, e.ID)
	sq.Limit, sq.Offset = stationsPerPage, (page-1)*stationsPerPage
	res, err := s.cfg.Elections.Stations(r.Context(), sq)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	facets, err := s.cfg.Elections.StationFacets(r.Context(), e.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := stationsData{Election: e, Facets: facets, Query: f, Page: res, PageNo: page, Pages: (res.Total + stationsPerPage - 1) / stationsPerPage}
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		d.PrevURL = link(page - 1)
	}
	if page < d.Pages {
		d.NextURL = link(page + 1)
	}
	v := s.newView(r, "stations.title", d)
	s.render(w, r, http.StatusOK, "stations", v)
}

// stationView is a station with its hours worked out for display.
type stationView struct {
	Election                election.Election
	Station                 election.Station
	OpensLocal, ClosesLocal time.Time
	OpensRef, ClosesRef     time.Time
	Contests                []election.Contest
}

func stationTimes(e election.Election, st election.Station) (stationView, error) {
	opens, closes, err := st.Hours(e.Date)
	if err != nil {
		return stationView{}, err
	}
	ref := e.Location()
	v := stationView{Election: e, Station: st, OpensLocal: opens, ClosesLocal: closes, OpensRef: opens.In(ref), ClosesRef: closes.In(ref)}
	for _, c := range e.Contests {
		if c.Serves(st) {
			v.Contests = append(v.Contests, c)
		}
	}
	return v, nil
}

func (s *Server) showStation(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	st, err := s.cfg.Elections.Station(r.Context(), e.ID, r.PathValue("code"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := stationTimes(e, st)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "", d)
	v.Title = v.T("station.title", "Code", st.Code)
	s.render(w, r, http.StatusOK, "station", v)
}

// importStations takes a stations file from a form upload. The file is
// streamed to the parser, never buffered whole; a bad file changes nothing.
func (s *Server) importStations(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sum, err := s.importUpload(w, r, e.ID)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.pageError(w, r, err)
			return
		}
		s.renderElection(w, r, statusOf(err), s.publicMessage(r, err))
		return
	}
	s.sessions.Put(r.Context(), "flash", s.printer(r).T("import.done", "Created", sum.Created, "Updated", sum.Updated))
	http.Redirect(w, r, fmt.Sprintf("/elections/%d/stations", e.ID), http.StatusSeeOther)
}

// importUpload reads the "file" part of a multipart form, or a whole
// request body of type text/csv or XLSX, and imports its stations.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, electionID int64) (election.ImportSummary, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+1<<20)
	var (
		body io.Reader
		name string
	)
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		part, err := filePart(r)
		if err != nil {
			return election.ImportSummary{}, err
		}
		defer part.Close()
		body, name = part, part.FileName()
	case strings.HasPrefix(ct, "text/csv"):
		body, name = r.Body, "upload.csv"
	case strings.HasPrefix(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
		body, name = r.Body, "upload.xlsx"
	default:
		return election.ImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "send the stations file as multipart/form-data (field \"file\"), text/csv or XLSX")
	}
	stations, err := election.ParseStations(body, name)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return election.ImportSummary{}, baqylau.Errorf(baqylau.EINVALID, "file is larger than %d MB", s.cfg.MaxUploadBytes>>20)
		}
		return election.ImportSummary{}, err
	}
	return s.cfg.Elections.ImportStations(r.Context(), electionID, stations)
}

func filePart(r *http.Request) (*multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, baqylau.Errorf(baqylau.EINVALID, "choose a stations file (.csv or .xlsx) to import")
		}
		if err != nil {
			return nil, baqylau.Errorf(baqylau.EINVALID, "the upload could not be read: %v", err)
		}
		if part.FormName() == "file" && part.FileName() != "" {
			return part, nil
		}
		_ = part.Close()
	}
}

// stationsURL builds a link to a filtered station list.
func stationsURL(electionID int64, key, value string) string {
	return fmt.Sprintf("/elections/%d/stations?%s=%s", electionID, key, url.QueryEscape(value))
}
