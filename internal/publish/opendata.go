package publish

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/baqylau/baqylau/internal/report"
)

// Licence is the licence of every open data file.
const Licence = "CC BY 4.0"

// LicenceURL is where the licence's text is.
const LicenceURL = "https://creativecommons.org/licenses/by/4.0/"

// StationFigure is one station's published turnout: its registered voters
// and its latest cumulative count of ballots cast (latest by observation
// time), the basis of every turnout figure.
type StationFigure struct {
	Station          string `json:"station"`
	Region           string `json:"region"`  // region code; empty abroad
	Country          string `json:"country"` // ISO alpha-2
	RegisteredVoters int64  `json:"registered_voters"`
	// BallotsCast is nil while no turnout or closing report has a count.
	BallotsCast    *int64     `json:"ballots_cast"`
	TurnoutPercent *float64   `json:"turnout_percent"`
	CountedAt      *time.Time `json:"counted_at"` // observation time of the count
	Closed         bool       `json:"closed"`
}

// PublicReport is an anonymised report: no observer, no channel, no free
// text; only the answers that are numbers, yes/no, choices, times or votes.
type PublicReport struct {
	ID         int64                      `json:"id"`
	Station    string                     `json:"station"`
	Region     string                     `json:"region"`
	Country    string                     `json:"country"`
	Form       string                     `json:"form"`
	ObservedAt time.Time                  `json:"observed_at"`
	Answers    map[string]json.RawMessage `json:"answers"`
}

// PublicIncident is an anonymised incident. Description is empty unless a
// staff member marked it publishable.
type PublicIncident struct {
	ID          int64     `json:"id"`
	Station     string    `json:"station"`
	Region      string    `json:"region"` // region code, or "abroad"
	Country     string    `json:"country"`
	Category    string    `json:"category"`
	Severity    string    `json:"severity"`
	Status      string    `json:"status"`
	ObservedAt  time.Time `json:"observed_at"`
	Description string    `json:"description"`
}

// DataStore reads what the open data files publish, ordered so that the
// same database gives the same bytes. The store package implements it.
type DataStore interface {
	// StationFigures lists an election's stations with their latest
	// count, by station code.
	StationFigures(ctx context.Context, electionID int64) ([]StationFigure, error)
	// PublicReports lists an election's reports by id, without who sent
	// them; answers as stored (Anonymise drops the rest).
	PublicReports(ctx context.Context, electionID int64) ([]PublicReport, error)
	// PublicIncidents lists an election's incidents by id, with the
	// description only where it was marked publishable.
	PublicIncidents(ctx context.Context, electionID int64) ([]PublicIncident, error)
}

// publicKinds are the answer kinds that identify no one.
var publicKinds = map[report.QuestionKind]bool{report.KindYesNo: true, report.KindNumber: true,
	report.KindChoice: true, report.KindTime: true, report.KindVotes: true}

// Anonymise keeps only the answers of a report that identify no one:
// questions of the shipped form whose kind is a number, yes/no, choice,
// time or votes. Free text and questions the shipped form does not know
// are dropped. Times are cut to the minute.
func Anonymise(r PublicReport) PublicReport {
	f, _ := report.DefaultForm(report.FormCode(r.Form))
	out := make(map[string]json.RawMessage, len(r.Answers))
	for id, v := range r.Answers {
		q, ok := f.Question(id)
		if ok && publicKinds[q.Kind] {
			out[id] = v
		}
	}
	r.Answers = out
	r.ObservedAt = r.ObservedAt.UTC().Truncate(time.Minute)
	return r
}

// FillPercent computes each figure's turnout percentage from its count.
func FillPercent(list []StationFigure) {
	for i := range list {
		if list[i].BallotsCast == nil {
			continue
		}
		if p, ok := percent(*list[i].BallotsCast, list[i].RegisteredVoters); ok {
			list[i].TurnoutPercent = &p
		}
	}
}

func percent(ballots, registered int64) (float64, bool) {
	if registered <= 0 {
		return 0, false
	}
	return float64((ballots*2000+registered)/(2*registered)) / 10, true
}

// Table is a data set as rows of text cells, for CSV.
type Table struct {
	Columns []string
	Rows    [][]string
}

// WriteCSV writes t as CSV for spreadsheets: UTF-8 with a byte-order mark
// (so that Excel reads Cyrillic and Kazakh letters), a header row, and
// cells that start with = + - @ (or a tab or carriage return) prefixed
// with an apostrophe, so that no spreadsheet runs them as formulas.
func WriteCSV(w io.Writer, t Table) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return fmt.Errorf("publish: write csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(t.Columns); err != nil {
		return fmt.Errorf("publish: write csv: %w", err)
	}
	row := make([]string, len(t.Columns))
	for _, r := range t.Rows {
		for i, c := range r {
			row[i] = EscapeCell(c)
		}
		if err := cw.Write(row[:len(r)]); err != nil {
			return fmt.Errorf("publish: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("publish: write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("publish: write csv: %w", err)
	}
	return nil
}

// EscapeCell neutralises a cell a spreadsheet would read as a formula.
func EscapeCell(c string) string {
	if c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@' || c[0] == '\t' || c[0] == '\r') {
		return "'" + c
	}
	return c
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func optI64(n *int64) string {
	if n == nil {
		return ""
	}
	return i64(*n)
}

func optF(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// StationTable is the stations' turnout as a table.
func StationTable(list []StationFigure) Table {
	t := Table{Columns: []string{"station", "region", "country", "registered_voters", "ballots_cast", "turnout_percent", "counted_at", "closed"}}
	for _, s := range list {
		at := ""
		if s.CountedAt != nil {
			at = stamp(*s.CountedAt)
		}
		t.Rows = append(t.Rows, []string{s.Station, s.Region, s.Country, i64(s.RegisteredVoters), optI64(s.BallotsCast),
			optF(s.TurnoutPercent), at, strconv.FormatBool(s.Closed)})
	}
	return t
}

// ReportTable is the anonymised reports as a table; answers are one JSON
// object per row, keys sorted.
func ReportTable(list []PublicReport) (Table, error) {
	t := Table{Columns: []string{"id", "station", "region", "country", "form", "observed_at", "answers"}}
	for _, r := range list {
		b, err := json.Marshal(r.Answers) // map keys come out sorted
		if err != nil {
			return Table{}, fmt.Errorf("publish: report %d: %w", r.ID, err)
		}
		t.Rows = append(t.Rows, []string{i64(r.ID), r.Station, r.Region, r.Country, r.Form, stamp(r.ObservedAt), string(b)})
	}
	return t, nil
}

// IncidentTable is the anonymised incidents as a table.
func IncidentTable(list []PublicIncident) Table {
	t := Table{Columns: []string{"id", "station", "region", "country", "category", "severity", "status", "observed_at", "description"}}
	for _, i := range list {
		t.Rows = append(t.Rows, []string{i64(i.ID), i.Station, i.Region, i.Country, i.Category, i.Severity, i.Status,
			stamp(i.ObservedAt), i.Description})
	}
	return t
}

// AreaFigure is the published turnout of a region or a country.
type AreaFigure struct {
	Code                      string   `json:"code"`
	RegisteredVoters          int64    `json:"registered_voters"`
	ReportingRegisteredVoters int64    `json:"reporting_registered_voters"`
	BallotsCast               int64    `json:"ballots_cast"`
	TurnoutPercent            *float64 `json:"turnout_percent"`
	StationsTotal             int64    `json:"stations_total"`
	StationsReporting         int64    `json:"stations_reporting"`
	StationsClosed            int64    `json:"stations_closed"`
}

// AreaTable is regions' or countries' turnout as a table, by code; key
// names the first column (region or country).
func AreaTable(key string, list []AreaFigure) Table {
	sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
	t := Table{Columns: []string{key, "registered_voters", "reporting_registered_voters", "ballots_cast", "turnout_percent",
		"stations_total", "stations_reporting", "stations_closed"}}
	for _, a := range list {
		t.Rows = append(t.Rows, []string{a.Code, i64(a.RegisteredVoters), i64(a.ReportingRegisteredVoters), i64(a.BallotsCast),
			optF(a.TurnoutPercent), i64(a.StationsTotal), i64(a.StationsReporting), i64(a.StationsClosed)})
	}
	return t
}
