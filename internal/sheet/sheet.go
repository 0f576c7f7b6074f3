// Package sheet reads a table — a header row and data rows — from a CSV or
// XLSX file that a user uploads, for every file import of Baqylau (stations,
// observers). It knows nothing of what the columns mean: callers look the
// columns up by name and check the cells themselves.
//
// What real files look like shapes the rules: Excel in a Russian locale
// writes CSV in Windows-1251 with ";" between fields, "Unicode text" is
// UTF-16 with tabs, a UTF-8 file may start with a byte-order mark, and a
// workbook may be renamed to .csv. Every problem is reported as an *Error
// that names the row (and the column when known) and says what was expected.
package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
)

// Limits applied when Options leaves them zero.
const (
	DefaultMaxBytes         = 50 << 20  // 50 MiB of uploaded file
	DefaultMaxRows          = 1_000_000 // data rows
	DefaultMaxUnzippedBytes = 512 << 20 // an XLSX's unpacked parts, together
)

// Internal caps that no legitimate import reaches; they keep a hostile file
// from turning a bounded upload into unbounded memory.
const (
	maxColumns  = 16384 // Excel's own limit
	maxCells    = 10_000_000
	maxZipFiles = 10_000
)

// Formats of a Table.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Encodings a CSV file may be in (Table.Encoding).
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF8BOM     = "UTF-8 with BOM"
	EncodingWindows1251 = "Windows-1251"
	EncodingUTF16LE     = "UTF-16LE"
	EncodingUTF16BE     = "UTF-16BE"
)

// Options bound what Read accepts. Zero fields take the defaults.
type Options struct {
	// MaxBytes is the largest file accepted (DefaultMaxBytes if 0). Read
	// never reads more than MaxBytes+1 bytes from its reader.
	MaxBytes int64
	// MaxRows is the most data rows accepted (DefaultMaxRows if 0).
	MaxRows int
	// MaxUnzippedBytes bounds the unpacked size of an XLSX workbook, so
	// that a zip bomb fails cleanly (DefaultMaxUnzippedBytes if 0).
	MaxUnzippedBytes int64
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxUnzippedBytes <= 0 {
		o.MaxUnzippedBytes = DefaultMaxUnzippedBytes
	}
	return o
}

// Table is what a file holds: its header and its non-blank data rows.
type Table struct {
	// Header holds the column names, trimmed of spaces and lower-cased,
	// without trailing unnamed columns. Names are unique and non-empty.
	Header []string
	// HeaderRow is the row number of the header: 1 unless the file starts
	// with blank rows.
	HeaderRow int
	// Rows are the data rows in file order. Rows whose cells are all blank
	// are left out.
	Rows []Row
	// Format is FormatCSV or FormatXLSX.
	Format string
	// Encoding is the character encoding a CSV file was decoded from (one
	// of the Encoding constants); empty for XLSX.
	Encoding string
	// Delimiter is the field separator of a CSV file (',', ';' or '\t');
	// zero for XLSX.
	Delimiter rune
	// Sheet is the name of the worksheet read from an XLSX workbook.
	Sheet string
}

// Row is one data row.
type Row struct {
	// Number is the row's 1-based number as a spreadsheet program shows it
	// (the header is row 1 in most files): blank rows count, and a quoted
	// CSV cell spanning several lines keeps the row one row.
	Number int
	// Cells holds the row's values in header order, exactly as written (not
	// trimmed); len(Cells) == len(Header). XLSX numbers and dates are given
	// as Excel displays them.
	Cells []string
}

// Index returns the position of a column in the header (names are
// compared after trimming and lower-casing), or -1 if there is none.
func (t *Table) Index(name string) int {
	name = normalizeName(name)
	for i, h := range t.Header {
		if h == name {
			return i
		}
	}
	return -1
}

// ErrTooLarge is in the chain of the error Read returns for a file over
// Options.MaxBytes (or an XLSX that unpacks to more than
// Options.MaxUnzippedBytes), so that a caller can answer 413.
var ErrTooLarge = errors.New("sheet: file too large")

// Error is a problem with the file itself, caused by whoever made it. It
// names the row (and the column when known) and says what was expected. It
// is also a baqylau EINVALID error.
type Error struct {
	// Row is the 1-based row number; 0 when the problem is the whole file.
	Row int
	// Column is the header name of the column at fault, "" when unknown.
	Column string
	// Message says what is wrong and what was expected.
	Message string
	cause   error // a sentinel such as ErrTooLarge, or nil
}

// Error writes the problem as `row 5, column "code": message`.
func (e *Error) Error() string {
	switch {
	case e.Row > 0 && e.Column != "":
		return fmt.Sprintf("row %d, column %q: %s", e.Row, e.Column, e.Message)
	case e.Row > 0:
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	case e.Column != "":
		return fmt.Sprintf("column %q: %s", e.Column, e.Message)
	}
	return e.Message
}

// Unwrap makes an Error a baqylau EINVALID error, and ErrTooLarge when the
// file is too large.
func (e *Error) Unwrap() []error {
	errs := []error{baqylau.Errorf(baqylau.EINVALID, "%s", e.Error())}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

func fileErr(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

func rowErr(row int, format string, args ...any) *Error {
	return &Error{Row: row, Message: fmt.Sprintf(format, args...)}
}

// Magic numbers at the start of files.
var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") // .xls, or an encrypted .xlsx
)

// Read reads a table from r. The format follows filename's extension —
// .csv or .txt for delimited text, .xlsx for an Excel workbook — and is
// checked against the content, so that a workbook renamed to .csv is
// refused clearly. Problems with the file are *Error values; an error
// reading r itself is returned wrapped as it is.
func Read(r io.Reader, filename string, opts Options) (*Table, error) {
	opts = opts.withDefaults()
	ext := strings.ToLower(filepath.Ext(filename))
	br := bufio.NewReader(r)
	head, err := br.Peek(len(oleMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("sheet: read %s: %w", filename, err)
	}
	if len(head) == 0 {
		return nil, fileErr("the file is empty: expected a header row and one row per record")
	}
	isZip, isOLE := bytes.HasPrefix(head, zipMagic), bytes.HasPrefix(head, oleMagic)
	switch ext {
	case ".csv", ".txt":
		if isZip {
			return nil, fileErr("the file is named %s but is a zip archive, probably an Excel workbook: upload it with the .xlsx extension, or save it from Excel as CSV", ext)
		}
		if isOLE {
			return nil, fileErr("the file is named %s but is an Excel 97–2003 workbook (.xls): save it from Excel as CSV or as .xlsx", ext)
		}
		data, err := readLimited(br, opts.MaxBytes, filename)
		if err != nil {
			return nil, err
		}
		return readCSV(data, opts)
	case ".xlsx":
		if isOLE {
			return nil, fileErr("the file is an Excel 97–2003 workbook or a password-protected one: save it as .xlsx (Excel Workbook) without a password")
		}
		if !isZip {
			return nil, fileErr("the file is named .xlsx but is not an Excel workbook (an .xlsx file is a zip archive); if it is CSV text, name it .csv")
		}
		data, err := readLimited(br, opts.MaxBytes, filename)
		if err != nil {
			return nil, err
		}
		return readXLSX(data, opts)
	case ".xls":
		return nil, fileErr("Excel 97–2003 workbooks (.xls) are not read: save the file as .xlsx (Excel Workbook) or as CSV")
	case "":
		return nil, fileErr("the file name %q has no extension: expected a .csv, .txt or .xlsx file", filepath.Base(filename))
	}
	return nil, fileErr("files of type %s are not read: expected a .csv, .txt or .xlsx file", ext)
}

// readLimited reads all of r, refusing (after at most max+1 bytes) a file
// larger than max.
func readLimited(r io.Reader, max int64, filename string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("sheet: read %s: %w", filename, err)
	}
	if int64(len(data)) > max {
		return nil, &Error{Message: "file is larger than " + sizeString(max), cause: ErrTooLarge}
	}
	return data, nil
}

// sizeString writes a byte count the way a user reads it.
func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func normalizeName(s string) string {
	return strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "\uFEFF", "")))
}

// columnLetters returns Excel's name of a 0-based column: A, B, …, Z, AA.
func columnLetters(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// header checks and normalises the header row.
func header(row int, cells []string) ([]string, error) {
	h := make([]string, len(cells))
	for i, c := range cells {
		h[i] = normalizeName(c)
	}
	for len(h) > 0 && h[len(h)-1] == "" {
		h = h[:len(h)-1]
	}
	if len(h) == 0 {
		return nil, rowErr(row, "the header row is empty: expected column names")
	}
	if len(h) > maxColumns {
		return nil, rowErr(row, "the header has %d columns; at most %d are read", len(h), maxColumns)
	}
	seen := make(map[string]int, len(h))
	for i, name := range h {
		if name == "" {
			return nil, rowErr(row, "column %d (%s) of the header has no name: every column needs one", i+1, columnLetters(i))
		}
		if j, dup := seen[name]; dup {
			return nil, rowErr(row, "column %q appears twice in the header (columns %d and %d)", name, j+1, i+1)
		}
		seen[name] = i
	}
	return h, nil
}

// blank reports whether every cell is empty or spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// builder collects rows under the limits.
type builder struct {
	t     *Table
	opts  Options
	cells int
}

// add appends a data row, fitting it to the header: extra cells must be
// blank, and a CSV row must have as many fields as the header (padShort:
// a worksheet row simply ends at its last value).
func (b *builder) add(number int, cells []string, padShort bool) error {
	if blank(cells) {
		return nil
	}
	if b.t.Header == nil {
		h, err := header(number, cells)
		if err != nil {
			return err
		}
		b.t.Header, b.t.HeaderRow = h, number
		return nil
	}
	n := len(b.t.Header)
	if len(cells) > n {
		if !blank(cells[n:]) {
			if !padShort {
				return fieldCount(number, len(cells), n)
			}
			for i := n; i < len(cells); i++ {
				if strings.TrimSpace(cells[i]) != "" {
					return rowErr(number, "has a value in column %d (%s), to the right of the header's %d columns", i+1, columnLetters(i), n)
				}
			}
		}
		cells = cells[:n:n]
	}
	if len(cells) < n {
		if !padShort {
			return fieldCount(number, len(cells), n)
		}
		cells = append(cells, make([]string, n-len(cells))...)
	}
	if len(b.t.Rows) >= b.opts.MaxRows {
		return rowErr(number, "the file has more than %d rows", b.opts.MaxRows)
	}
	if b.cells += n; b.cells > maxCells {
		return rowErr(number, "the file has more than %d cells", maxCells)
	}
	b.t.Rows = append(b.t.Rows, Row{Number: number, Cells: cells})
	return nil
}

func fieldCount(row, got, want int) *Error {
	unit := "fields"
	if got == 1 {
		unit = "field"
	}
	return rowErr(row, "has %d %s, the header has %d", got, unit, want)
}

func (b *builder) table() (*Table, error) {
	if b.t.Header == nil {
		return nil, fileErr("the file has no header row: expected column names in the first row")
	}
	return b.t, nil
}
