package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// The OpenAPI document is assembled from one file per area of the API:
// each adds paths and schemas to 00-base.json.
//
//go:embed openapi/*.json
var openAPIFS embed.FS

var openAPI = sync.OnceValues(func() ([]byte, error) {
	names, err := fs.Glob(openAPIFS, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	for _, name := range names { // sorted: 00-base.json first
		b, err := openAPIFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		if doc == nil {
			doc = part
			continue
		}
		for _, key := range []string{"paths", "components.schemas"} {
			dst, src := section(doc, key), section(part, key)
			for k, v := range src {
				if _, dup := dst[k]; dup {
					return nil, fmt.Errorf("web: %s: %s %q is defined twice", name, key, k)
				}
				dst[k] = v
			}
		}
	}
	return json.MarshalIndent(doc, "", " ")
})

// section returns the object at a dotted key, creating it if missing.
func section(doc map[string]any, key string) map[string]any {
	m := doc
	for _, k := range strings.Split(key, ".") {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return m
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	b, err := openAPI()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.apiError(w, r, baqylau.Errorf(baqylau.ENOTFOUND, "no such API route: %s %s", r.Method, r.URL.Path))
}

// writeJSON writes v with a status.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.log.Warn("write json", "err", err)
	}
}

type apiErrorBody struct {
	Error struct {
		Code     string       `json:"code"`
		Message  string       `json:"message"`
		Problems []apiProblem `json:"problems,omitempty"`
	} `json:"error"`
}

type apiProblem struct {
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var body apiErrorBody
	body.Error.Code = baqylau.ErrorCode(err)
	body.Error.Message = s.publicMessage(r, err)
	if body.Error.Message == "" {
		body.Error.Message = "internal error"
	}
	var ie *election.ImportError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			body.Error.Problems = append(body.Error.Problems, apiProblem{Row: p.Row, Column: p.Column, Message: p.Message})
		}
	}
	if body.Error.Code == baqylau.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="baqylau"`)
	}
	s.writeJSON(w, statusOf(err), body)
}

// decodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown
// fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return baqylau.Errorf(baqylau.EINVALID, "request body is larger than 1 MiB")
		}
		return baqylau.Errorf(baqylau.EINVALID, "request body is not valid JSON for this call: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return baqylau.Errorf(baqylau.EINVALID, "request body has data after the JSON object")
	}
	return nil
}

type apiContest struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
}

type apiElection struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	Kind      string       `json:"kind"`
	Date      string       `json:"date"`
	TimeZone  string       `json:"time_zone"`
	Contests  []apiContest `json:"contests"`
	CreatedAt time.Time    `json:"created_at"`
}

func toAPIElection(e election.Election) apiElection {
	a := apiElection{ID: e.ID, Name: e.Name, Kind: string(e.Kind), Date: e.Date.Format(election.DateLayout), TimeZone: e.TimeZone,
		Contests: []apiContest{}, CreatedAt: e.CreatedAt.UTC()}
	for _, c := range e.Contests {
		a.Contests = append(a.Contests, apiContest{ID: c.ID, Name: c.Name, Region: c.Region})
	}
	return a
}

func (s *Server) apiListElections(w http.ResponseWriter, r *http.Request) {
	list, err := s.cfg.Elections.Elections(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := []apiElection{}
	for _, e := range list {
		out = append(out, toAPIElection(e))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"elections": out})
}

type apiNewElection struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Date     string `json:"date"`
	TimeZone string `json:"time_zone"`
	Contests []struct {
		Name   string `json:"name"`
		Region string `json:"region"`
	} `json:"contests"`
}

func (s *Server) apiCreateElection(w http.ResponseWriter, r *http.Request) {
	var in apiNewElection
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	e := election.Election{Name: in.Name, Kind: election.Kind(in.Kind), TimeZone: in.TimeZone}
	for _, c := range in.Contests {
		e.Contests = append(e.Contests, election.Contest{Name: c.Name, Region: c.Region})
	}
	var err error
	if e.Date, err = election.ParseDate(in.Date); err == nil {
		if err = e.Validate(); err == nil {
			err = s.cfg.Elections.CreateElection(r.Context(), &e)
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/elections/"+strconv.FormatInt(e.ID, 10))
	s.writeJSON(w, http.StatusCreated, toAPIElection(e))
}

func (s *Server) apiGetElection(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPIElection(e))
}

func (s *Server) apiCreateContest(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Name   string `json:"name"`
		Region string `json:"region"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c := election.Contest{ElectionID: e.ID, Name: in.Name, Region: in.Region}
	if err = c.Validate(); err == nil {
		err = s.cfg.Elections.AddContest(r.Context(), &c)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, apiContest{ID: c.ID, Name: c.Name, Region: c.Region})
}

type apiStation struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	Region           string   `json:"region,omitempty"`
	District         string   `json:"district,omitempty"`
	Country          string   `json:"country"`
	City             string   `json:"city,omitempty"`
	Address          string   `json:"address,omitempty"`
	TimeZone         string   `json:"timezone"`
	RegisteredVoters int      `json:"registered_voters"`
	OpensLocal       string   `json:"opens_local"`
	ClosesLocal      string   `json:"closes_local"`
	OpensAt          string   `json:"opens_at"`
	ClosesAt         string   `json:"closes_at"`
	Latitude         *float64 `json:"latitude,omitempty"`
	Longitude        *float64 `json:"longitude,omitempty"`
	Contests         []int64  `json:"contests"`
}

// toAPIStation writes a station with opens_at and closes_at in the
// election's reference zone (DESIGN.md contract).
func toAPIStation(e election.Election, st election.Station) (apiStation, error) {
	v, err := stationTimes(e, st)
	if err != nil {
		return apiStation{}, err
	}
	a := apiStation{Code: st.Code, Name: st.Name, Region: st.Region, District: st.District, Country: st.Country, City: st.City,
		Address: st.Address, TimeZone: st.TimeZone, RegisteredVoters: st.RegisteredVoters, OpensLocal: st.Opens.String(),
		ClosesLocal: st.Closes.String(), OpensAt: v.OpensRef.Format(time.RFC3339), ClosesAt: v.ClosesRef.Format(time.RFC3339),
		Latitude: st.Latitude, Longitude: st.Longitude, Contests: []int64{}}
	for _, c := range v.Contests {
		a.Contests = append(a.Contests, c.ID)
	}
	return a, nil
}

func (s *Server) apiListStations(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	_, sq, _ := parseStationQuery(r, e.ID)
	q := r.URL.Query()
	if v := q.Get("abroad"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "abroad must be true or false"))
			return
		}
		sq.Abroad = &b
	}
	if sq.Limit, sq.Offset, err = apiLimits(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	if sq.Region != "" {
		reg, ok := election.LookupRegion(sq.Region)
		if !ok {
			s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "region %q is not a region of Kazakhstan", sq.Region))
			return
		}
		sq.Region = reg.Code
	}
	page, err := s.cfg.Elections.Stations(r.Context(), sq)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiStation, 0, len(page.Stations))
	for _, st := range page.Stations {
		a, err := toAPIStation(e, st)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		out = append(out, a)
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"total": page.Total, "stations": out})
}

func (s *Server) apiGetStation(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.cfg.Elections.Station(r.Context(), e.ID, r.PathValue("code"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := toAPIStation(e, st)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiImportStations(w http.ResponseWriter, r *http.Request) {
	e, err := s.electionByPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sum, err := s.importUpload(w, r, e.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]int{"created": sum.Created, "updated": sum.Updated})
}

type apiRegion struct {
	Code      string `json:"code"`
	NameKK    string `json:"name_kk"`
	NameRU    string `json:"name_ru"`
	NameEN    string `json:"name_en"`
	City      bool   `json:"city"`
	TimeZone  string `json:"timezone"`
	ValidFrom string `json:"valid_from,omitempty"`
}

func (s *Server) apiRegions(w http.ResponseWriter, r *http.Request) {
	var on time.Time
	if d := r.URL.Query().Get("date"); d != "" {
		var err error
		if on, err = election.ParseDate(d); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	out := []apiRegion{}
	for _, reg := range election.Regions(on) {
		a := apiRegion{Code: reg.Code, NameKK: reg.NameKK, NameRU: reg.NameRU, NameEN: reg.NameEN, City: reg.City, TimeZone: reg.TimeZone}
		if !reg.ValidFrom.IsZero() {
			a.ValidFrom = reg.ValidFrom.Format(election.DateLayout)
		}
		out = append(out, a)
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"regions": out})
}
