package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

var (
	bomUTF8    = []byte("\xEF\xBB\xBF")
	bomUTF16LE = []byte("\xFF\xFE")
	bomUTF16BE = []byte("\xFE\xFF")
)

// decode turns a CSV file's bytes into text, telling which encoding it was
// in: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
// mark (Excel's "Unicode text"), or else Windows-1251 (what Excel writes
// in a Russian or Kazakh locale).
func decode(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		data = data[len(bomUTF8):]
		if !utf8.Valid(data) {
			return "", "", fileErr("the file starts with a UTF-8 byte-order mark but is not valid UTF-8: save it again as \"CSV UTF-8\"")
		}
		return string(data), EncodingUTF8BOM, nil
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		order, name := unicode.LittleEndian, EncodingUTF16LE
		if bytes.HasPrefix(data, bomUTF16BE) {
			order, name = unicode.BigEndian, EncodingUTF16BE
		}
		text, err := unicode.UTF16(order, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", "", fileErr("the file starts as UTF-16 text but cannot be decoded: save it again as \"CSV UTF-8\"")
		}
		return string(text), name, nil
	case utf8.Valid(data):
		return string(data), EncodingUTF8, nil
	}
	// Windows-1251 letters almost never pair up into valid UTF-8, so text
	// with more valid multi-byte sequences than invalid bytes is damaged
	// UTF-8; decoding it as Windows-1251 would turn it into nonsense.
	if bad, damaged := damagedUTF8(data); damaged {
		return "", "", rowErr(bytes.Count(data[:bad], []byte("\n"))+1, "is not valid UTF-8, though the rest of the file is: save the file again as \"CSV UTF-8\"")
	}
	text, err := charmap.Windows1251.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", fileErr("the file is neither UTF-8 nor Windows-1251 text: save it again as \"CSV UTF-8\"")
	}
	return string(text), EncodingWindows1251, nil
}

// damagedUTF8 finds the first byte that is not UTF-8 and reports whether
// valid multi-byte sequences outnumber invalid bytes.
func damagedUTF8(data []byte) (first int, damaged bool) {
	multi, bad := 0, 0
	first = -1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			bad++
			if first < 0 {
				first = i
			}
		case size > 1:
			multi++
		}
		i += size
	}
	return first, multi > bad
}

// detectDelimiter picks the separator of the header line: the most
// frequent of ',', ';' and tab outside quotes (',' when the header has a
// single column).
func detectDelimiter(text string) (rune, error) {
	line, rest, number := "", text, 0
	for rest != "" {
		number++
		line, rest, _ = strings.Cut(rest, "\n")
		if strings.TrimSpace(line) != "" {
			break
		}
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t' || r == '|'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{',', ';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	if counts[best] == 0 && counts['|'] > 0 {
		return 0, rowErr(number, `the header's columns are separated by "|": expected a comma, a semicolon or a tab between column names`)
	}
	return best, nil
}

// readCSV parses delimited text.
func readCSV(data []byte, opts Options) (*Table, error) {
	text, enc, err := decode(data)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(text, "\n") {
		// Old Mac Excel ends lines with a bare CR.
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	delim, err := detectDelimiter(text)
	if err != nil {
		return nil, err
	}
	// A cheap count first, so that a file of nothing but separators cannot
	// make the CSV reader allocate far more than the file's size.
	if n := strings.Count(text, string(delim)) + strings.Count(text, "\n"); n > maxCells {
		return nil, fileErr("the file has more than %d cells", maxCells)
	}
	b := builder{t: &Table{Format: FormatCSV, Encoding: enc, Delimiter: delim}, opts: opts}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	// Row numbers count what a spreadsheet shows: a physical line, less the
	// line breaks inside quoted cells of earlier rows.
	inside := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, csvError(pe, inside)
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		number := line - inside
		for _, f := range rec {
			if strings.IndexByte(f, 0) >= 0 {
				return nil, rowErr(number, "contains a NUL character: the file is not CSV text")
			}
			inside += strings.Count(f, "\n")
		}
		if err := b.add(number, rec, false); err != nil {
			return nil, err
		}
	}
	return b.table()
}

func csvError(pe *csv.ParseError, inside int) *Error {
	row := pe.StartLine - inside
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return rowErr(row, `has a double quote (") inside a cell that does not start with one: put the whole cell in double quotes and double each quote inside it ("")`)
	case errors.Is(pe.Err, csv.ErrQuote):
		return rowErr(row, `has a quoted cell that is not closed properly: expected a closing double quote followed by the separator or the end of the line`)
	}
	return rowErr(row, "cannot be read as CSV: %v", pe.Err)
}
