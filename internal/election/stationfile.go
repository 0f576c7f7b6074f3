package election

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/sheet"
)

// stationColumns are the columns of the stations file (a fixed contract:
// it changes only by adding).
var stationColumns = []string{
	"code", "name", "region", "district", "country", "city", "address", "timezone",
	"registered_voters", "opens_local", "closes_local", "latitude", "longitude",
}

// requiredStationColumns must be in every stations file.
var requiredStationColumns = []string{"code", "name", "country", "registered_voters"}

// StationColumns returns the columns a stations file may have, in the
// documented order.
func StationColumns() []string { return append([]string(nil), stationColumns...) }

// Limits of a stations import.
const (
	// MaxProblems is how many problems an import collects before it stops
	// looking: enough to fix a file in one go, bounded for a hostile one.
	MaxProblems = 1000
	// MaxRegisteredVoters is the most voters one station may have; larger
	// numbers are typing mistakes (the whole country has about 12 million).
	MaxRegisteredVoters = 10_000_000
	// maxCellChars bounds every text cell of the stations file.
	maxCellChars = 1000
	// shownProblems is how many problems ImportError.Error lists.
	shownProblems = 20
)

// Problem is one thing wrong in an imported file.
type Problem struct {
	// Row is the 1-based row number as a spreadsheet shows it (the header
	// is row 1); 0 when the problem is the whole file.
	Row int
	// Column is the header name of the column at fault, "" when none.
	Column string
	// Message says what is wrong and what was expected.
	Message string
}

// String writes the problem as `row 7, column "region": message`.
func (p Problem) String() string {
	return (&sheet.Error{Row: p.Row, Column: p.Column, Message: p.Message}).Error()
}

// ImportError lists every problem found in an imported file (up to
// MaxProblems). Imports are all or nothing: when there is an ImportError,
// nothing was imported. It is a baqylau EINVALID error.
type ImportError struct {
	Problems []Problem
	// Truncated is set when checking stopped after MaxProblems problems.
	Truncated bool
	cause     error // what the file reader said, such as sheet.ErrTooLarge
}

// Error lists the first problems, one a line.
func (e *ImportError) Error() string {
	if len(e.Problems) == 1 && !e.Truncated {
		return e.Problems[0].String()
	}
	var b strings.Builder
	if e.Truncated {
		fmt.Fprintf(&b, "the file has more than %d problems:", len(e.Problems))
	} else {
		fmt.Fprintf(&b, "the file has %d problems:", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i == shownProblems {
			fmt.Fprintf(&b, "\nand %d more", len(e.Problems)-shownProblems)
			if e.Truncated {
				b.WriteString(" (checking stopped there)")
			}
			break
		}
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap makes an ImportError a baqylau EINVALID error, and keeps what
// the file reader refused (sheet.ErrTooLarge for a file too large) in the
// chain.
func (e *ImportError) Unwrap() []error {
	errs := []error{baqylau.Errorf(baqylau.EINVALID, "%s", e.Error())}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// problems collects the problems of one import.
type problems struct{ ImportError }

// add records a problem and reports whether to go on looking.
func (ps *problems) add(row int, column, format string, args ...any) bool {
	if len(ps.Problems) >= MaxProblems {
		ps.Truncated = true
		return false
	}
	ps.Problems = append(ps.Problems, Problem{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
	return true
}

func (ps *problems) err() error {
	if len(ps.Problems) == 0 {
		return nil
	}
	return &ps.ImportError
}

// ParseStations reads a stations file (.csv, .txt or .xlsx, chosen by
// filename) in the fixed format: a header row naming some of the columns
// StationColumns lists, in any order, then one station per row. Every
// station is parsed and validated; the result is all the stations or an
// *ImportError that lists what is wrong, by row and column. A failure to
// read r itself is returned wrapped as it is.
func ParseStations(r io.Reader, filename string) ([]Station, error) {
	tb, err := sheet.Read(r, filename, sheet.Options{})
	if err != nil {
		var se *sheet.Error
		if errors.As(err, &se) {
			return nil, &ImportError{Problems: []Problem{{Row: se.Row, Column: se.Column, Message: se.Message}}, cause: err}
		}
		return nil, fmt.Errorf("election: read stations file: %w", err)
	}
	var ps problems
	cols := stationHeader(tb, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	if len(tb.Rows) == 0 {
		ps.add(0, "", "no stations in file: expected a header row and then one row per station")
		return nil, ps.err()
	}
	stations := make([]Station, 0, len(tb.Rows))
	firstRow := make(map[string]int, len(tb.Rows))
	for _, row := range tb.Rows {
		s, ok := parseStation(row, cols, &ps)
		if !ok {
			break
		}
		if s.Code != "" {
			if first, dup := firstRow[s.Code]; dup {
				if !ps.add(row.Number, "code", "%q is used twice: by rows %d and %d (each station needs its own code)", s.Code, first, row.Number) {
					break
				}
			} else {
				firstRow[s.Code] = row.Number
			}
		}
		stations = append(stations, s)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return stations, nil
}

// stationHeader checks the header and maps each column to its index (-1
// when absent).
func stationHeader(tb *sheet.Table, ps *problems) map[string]int {
	cols := make(map[string]int, len(stationColumns))
	for _, c := range stationColumns {
		cols[c] = tb.Index(c)
	}
	allowed := strings.Join(stationColumns, ", ")
	for _, h := range tb.Header {
		if _, ok := cols[h]; ok {
			continue
		}
		hint := ""
		if alt := strings.NewReplacer(" ", "_", "-", "_").Replace(h); alt != h {
			if _, ok := cols[alt]; ok {
				hint = fmt.Sprintf(" (did you mean %q?)", alt)
			}
		}
		ps.add(tb.HeaderRow, h, "is not a column of the stations file%s: the allowed columns are %s", hint, allowed)
	}
	for _, c := range requiredStationColumns {
		if cols[c] < 0 {
			ps.add(tb.HeaderRow, c, "the required column is missing: every stations file has the columns %s", strings.Join(requiredStationColumns, ", "))
		}
	}
	return cols
}

// parseStation turns one row into a validated station, recording its
// problems. It reports false when no more problems may be recorded.
func parseStation(row sheet.Row, cols map[string]int, ps *problems) (Station, bool) {
	more := true
	bad := map[string]bool{}
	fail := func(column, format string, args ...any) {
		bad[column] = true
		more = more && ps.add(row.Number, column, format, args...)
	}
	cell := func(column string) string {
		i := cols[column]
		if i < 0 {
			return ""
		}
		v := strings.TrimSpace(row.Cells[i])
		if utf8.RuneCountInString(v) > maxCellChars {
			fail(column, "is longer than %d characters", maxCellChars)
			return ""
		}
		return v
	}
	s := Station{
		Code:     cell("code"),
		Name:     cell("name"),
		Region:   cell("region"),
		District: cell("district"),
		Country:  cell("country"),
		City:     cell("city"),
		Address:  cell("address"),
		TimeZone: cell("timezone"),
		Opens:    DefaultOpens,
		Closes:   DefaultCloses,
	}
	if s.Country == "" && !bad["country"] {
		fail("country", "is empty: expected an ISO 3166-1 alpha-2 code, KZ for a station in Kazakhstan or such as US abroad")
	}
	if v := cell("registered_voters"); v == "" {
		if !bad["registered_voters"] {
			fail("registered_voters", "is empty: expected a whole number of voters such as 1250 (0 if not known yet)")
		}
	} else if n, err := parseVoters(v); err != nil {
		fail("registered_voters", "%s", err)
	} else {
		s.RegisteredVoters = n
	}
	for _, c := range []struct {
		column string
		to     *Clock
	}{{"opens_local", &s.Opens}, {"closes_local", &s.Closes}} {
		if v := cell(c.column); v != "" {
			if t, err := ParseClock(v); err != nil {
				fail(c.column, "%q is not a time of day: expected HH:MM on the 24-hour clock, such as 07:00 or 20:00", v)
			} else {
				*c.to = t
			}
		}
	}
	for _, c := range []struct {
		column string
		to     **float64
	}{{"latitude", &s.Latitude}, {"longitude", &s.Longitude}} {
		if v := cell(c.column); v != "" {
			if f, ok := parseDegrees(v); !ok {
				fail(c.column, "%q is not a decimal number: expected degrees such as 43.2389 or -122.4194", v)
			} else {
				*c.to = &f
			}
		}
	}
	if (s.Latitude == nil) != (s.Longitude == nil) && !bad["latitude"] && !bad["longitude"] {
		missing, given := "longitude", "latitude"
		if s.Latitude == nil {
			missing, given = given, missing
		}
		fail(missing, "is empty but %s is given: expected both or neither", given)
	}
	if err := s.Validate(); err != nil {
		var fe *FieldError
		switch {
		case !errors.As(err, &fe):
			fail("", "%s", err)
		// A cell already refused was left at its default; what Validate
		// says of it, or of the hours when one failed, adds nothing.
		case bad[fe.Field], fe.Field == "closes_local" && (bad["opens_local"] || bad["closes_local"]):
		default:
			fail(fe.Field, "%s", fe.Problem)
		}
	}
	return s, more
}

// parseVoters reads a count of voters: digits only.
func parseVoters(v string) (int, error) {
	if strings.HasPrefix(v, "-") && onlyDigits(v[1:]) {
		return 0, fmt.Errorf("%q is negative: expected a whole number of voters, 0 or more, such as 1250", v)
	}
	if !onlyDigits(v) {
		return 0, fmt.Errorf("%q is not a whole number of voters: expected digits only, without spaces, separators or decimals, such as 1250", v)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n > MaxRegisteredVoters {
		return 0, fmt.Errorf("%q is more voters than a station has: expected at most %d", v, MaxRegisteredVoters)
	}
	return n, nil
}

func onlyDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDegrees reads a plain decimal number, with a point or (as Excel
// writes it in a Russian locale) a comma: no exponents, no NaN.
func parseDegrees(v string) (float64, bool) {
	digits := strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
	whole, frac, hasSep := strings.Cut(strings.Replace(digits, ",", ".", 1), ".")
	if !onlyDigits(whole) || (hasSep && !onlyDigits(frac)) || len(v) > 40 {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	return f, err == nil
}
