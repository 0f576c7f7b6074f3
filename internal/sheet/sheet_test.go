package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/baqylau/baqylau"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func mustEncode(t *testing.T, enc interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestReadCSV(t *testing.T) {
	russian := "Код;Название\r\n001;Школа №1\r\n002;Гимназия\r\n"
	tests := []struct {
		name     string
		data     []byte
		file     string
		enc      string
		delim    rune
		header   []string
		rows     [][]string
		numbers  []int
		hdrRowNo int
	}{
		{
			name: "comma", file: "s.csv", data: []byte("code,name\n1,A\n2,B\n"),
			enc: EncodingUTF8, delim: ',', header: []string{"code", "name"},
			rows: [][]string{{"1", "A"}, {"2", "B"}}, numbers: []int{2, 3}, hdrRowNo: 1,
		},
		{
			name: "CRLF, BOM, spaced and capitalised header", file: "S.CSV",
			data: []byte("\xEF\xBB\xBF Code , NAME\r\n1, A \r\n"),
			enc:  EncodingUTF8BOM, delim: ',', header: []string{"code", "name"},
			rows: [][]string{{"1", " A "}}, numbers: []int{2}, hdrRowNo: 1,
		},
		{
			name: "semicolon from ru-locale Excel, Windows-1251", file: "s.csv",
			data: mustEncode(t, charmap.Windows1251.NewEncoder(), russian),
			enc:  EncodingWindows1251, delim: ';', header: []string{"код", "название"},
			rows: [][]string{{"001", "Школа №1"}, {"002", "Гимназия"}}, numbers: []int{2, 3}, hdrRowNo: 1,
		},
		{
			name: "Excel Unicode text: UTF-16LE with BOM and tabs", file: "s.txt",
			data: mustEncode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), "code\tname\r\n1\tҚарағанды\r\n"),
			enc:  EncodingUTF16LE, delim: '\t', header: []string{"code", "name"},
			rows: [][]string{{"1", "Қарағанды"}}, numbers: []int{2}, hdrRowNo: 1,
		},
		{
			name: "UTF-16BE with BOM", file: "s.txt",
			data: mustEncode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder(), "code;name\n1;Жетісу\n"),
			enc:  EncodingUTF16BE, delim: ';', header: []string{"code", "name"},
			rows: [][]string{{"1", "Жетісу"}}, numbers: []int{2}, hdrRowNo: 1,
		},
		{
			name: "blank rows count, quoted line breaks do not", file: "s.csv",
			data: []byte("\ncode,address\n1,\"line one\nline two\"\n\n , \n2,\"a, b\"\n"),
			enc:  EncodingUTF8, delim: ',', header: []string{"code", "address"},
			rows: [][]string{{"1", "line one\nline two"}, {"2", "a, b"}}, numbers: []int{3, 6}, hdrRowNo: 2,
		},
		{
			// Excel writes trailing separators for unnamed columns.
			name: "trailing unnamed columns and empty trailing fields", file: "s.csv",
			data: []byte("code;name;;\n1;A;;\n2;B; ;\n"),
			enc:  EncodingUTF8, delim: ';', header: []string{"code", "name"},
			rows: [][]string{{"1", "A"}, {"2", "B"}}, numbers: []int{2, 3}, hdrRowNo: 1,
		},
		{
			name: "bare CR line ends", file: "s.csv", data: []byte("code,name\r1,A\r2,B\r"),
			enc: EncodingUTF8, delim: ',', header: []string{"code", "name"},
			rows: [][]string{{"1", "A"}, {"2", "B"}}, numbers: []int{2, 3}, hdrRowNo: 1,
		},
		{
			// A letter pair that is also UTF-8 (Ђ is 0x80) does not fool it.
			name: "Windows-1251 with a valid UTF-8 pair", file: "s.csv",
			data: mustEncode(t, charmap.Windows1251.NewEncoder(), "код;имя\n1;ВЂ Школа\n"),
			enc:  EncodingWindows1251, delim: ';', header: []string{"код", "имя"},
			rows: [][]string{{"1", "ВЂ Школа"}}, numbers: []int{2}, hdrRowNo: 1,
		},
		{
			name: "single column", file: "s.csv", data: []byte("email\na@example.org\n"),
			enc: EncodingUTF8, delim: ',', header: []string{"email"},
			rows: [][]string{{"a@example.org"}}, numbers: []int{2}, hdrRowNo: 1,
		},
		{
			name: "header only", file: "s.csv", data: []byte("code,name\r\n"),
			enc: EncodingUTF8, delim: ',', header: []string{"code", "name"}, hdrRowNo: 1,
		},
		{
			name: "more commas than semicolons wins", file: "s.csv", data: []byte("a,b,c;d\n1,2,3;4\n"),
			enc: EncodingUTF8, delim: ',', header: []string{"a", "b", "c;d"},
			rows: [][]string{{"1", "2", "3;4"}}, numbers: []int{2}, hdrRowNo: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := Read(bytes.NewReader(tt.data), tt.file, Options{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if tb.Format != FormatCSV || tb.Encoding != tt.enc || tb.Delimiter != tt.delim || tb.HeaderRow != tt.hdrRowNo {
				t.Errorf("format %q encoding %q delimiter %q header row %d; want csv %q %q %d", tb.Format, tb.Encoding, tb.Delimiter, tb.HeaderRow, tt.enc, tt.delim, tt.hdrRowNo)
			}
			if !reflect.DeepEqual(tb.Header, tt.header) {
				t.Errorf("header %q, want %q", tb.Header, tt.header)
			}
			var rows [][]string
			var numbers []int
			for _, r := range tb.Rows {
				rows = append(rows, r.Cells)
				numbers = append(numbers, r.Number)
			}
			if !reflect.DeepEqual(rows, tt.rows) || !reflect.DeepEqual(numbers, tt.numbers) {
				t.Errorf("rows %q numbered %v, want %q numbered %v", rows, numbers, tt.rows, tt.numbers)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	zipped := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create("a.txt")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	tests := []struct {
		name string
		file string
		data string
		row  int
		want string // a part of the message
	}{
		{"field count", "s.csv", "a,b,c\n1,2,3\n\n1,2\n", 4, "row 4: has 2 fields, the header has 3"},
		{"one field", "s.csv", "a,b\n1\n", 2, "row 2: has 1 field, the header has 2"},
		{"too many fields", "s.csv", "a,b\n1,2,3\n", 2, "row 2: has 3 fields, the header has 2"},
		{"pipe separated", "s.csv", "code|name\n1|A\n", 1, `separated by "|": expected a comma, a semicolon or a tab`},
		{"bare quote", "s.csv", "a,b\n1,2\n3,4 \"x\n", 3, `row 3: has a double quote`},
		{"unclosed quote", "s.csv", "a,b\n1,\"2\n3,4\n", 2, "row 2: has a quoted cell that is not closed"},
		{"duplicate column", "s.csv", "code,name,Code\n", 1, `column "code" appears twice in the header (columns 1 and 3)`},
		{"unnamed column", "s.csv", "code,,name\n", 1, "column 2 (B) of the header has no name"},
		{"damaged UTF-8", "s.csv", "код,имя\n1,Школа\n2,Гимна\xffзия\n3,Лицей\n", 3, "row 3: is not valid UTF-8, though the rest of the file is"},
		{"NUL byte", "s.csv", "a,b\n1,\x002\n", 2, "NUL character"},
		{"empty", "s.csv", "", 0, "the file is empty"},
		{"blank only", "s.csv", "\n \n", 0, "no header row"},
		{"zip named csv", "s.csv", string(zipped), 0, "is a zip archive, probably an Excel workbook"},
		{"xls named csv", "s.csv", string(oleMagic) + "xxxxxxxx", 0, "Excel 97–2003 workbook (.xls)"},
		{"text named xlsx", "s.xlsx", "code,name\n", 0, "not an Excel workbook"},
		{"xls named xlsx", "s.xlsx", string(oleMagic), 0, "password-protected"},
		{"zip that is no workbook", "s.xlsx", string(zipped), 0, "no xl/workbook.xml"},
		{"damaged zip", "s.xlsx", "PK\x03\x04garbage", 0, "zip archive is damaged"},
		{"xls extension", "s.xls", "x", 0, "Excel 97–2003 workbooks (.xls) are not read"},
		{"other extension", "s.pdf", "x", 0, "files of type .pdf are not read: expected a .csv, .txt or .xlsx file"},
		{"no extension", "stations", "x", 0, "has no extension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.data), tt.file, Options{})
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("Read error %v (%T), want *Error", err, err)
			}
			if se.Row != tt.row || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q (row %d), want row %d and %q", err, se.Row, tt.row, tt.want)
			}
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				t.Errorf("code %q, want %q", baqylau.ErrorCode(err), baqylau.EINVALID)
			}
		})
	}
}

// endless yields bytes forever and counts how many were read.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
		if i%80 == 79 {
			p[i] = '\n'
		}
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestTooLarge(t *testing.T) {
	for _, file := range []string{"big.csv", "big.xlsx"} {
		t.Run(file, func(t *testing.T) {
			src := &endless{}
			var r io.Reader = src
			if strings.HasSuffix(file, ".xlsx") {
				r = io.MultiReader(strings.NewReader("PK\x03\x04"), src)
			}
			_, err := Read(r, file, Options{})
			if !errors.Is(err, ErrTooLarge) || err.Error() != "file is larger than 50 MB" {
				t.Fatalf("error %v, want ErrTooLarge saying file is larger than 50 MB", err)
			}
			// bufio reads ahead at most one buffer beyond the limit.
			if src.n > DefaultMaxBytes+1+4096 {
				t.Errorf("read %d bytes, want at most about %d", src.n, DefaultMaxBytes+1)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		data := append([]byte("a\n"), bytes.Repeat([]byte("b\n"), 49)...)
		tb, err := Read(bytes.NewReader(data), "s.csv", Options{MaxBytes: int64(len(data))})
		if err != nil || len(tb.Rows) != 49 {
			t.Fatalf("Read at the limit: %v", err)
		}
		_, err = Read(bytes.NewReader(data), "s.csv", Options{MaxBytes: int64(len(data) - 1)})
		if !errors.Is(err, ErrTooLarge) || err.Error() != "file is larger than 99 bytes" {
			t.Fatalf("error %v, want file is larger than 99 bytes", err)
		}
	})
	t.Run("rows", func(t *testing.T) {
		_, err := Read(strings.NewReader("a\n1\n2\n3\n"), "s.csv", Options{MaxRows: 2})
		if err == nil || err.Error() != "row 4: the file has more than 2 rows" {
			t.Fatalf("error %v, want too many rows at row 4", err)
		}
	})
}

type readFailure struct{}

func (readFailure) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReaderFailure(t *testing.T) {
	_, err := Read(io.MultiReader(strings.NewReader("a,b\n"), readFailure{}), "s.csv", Options{})
	var se *Error
	if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("error %v, want the reader's own error, not a file problem", err)
	}
}

// workbook builds an XLSX in memory; each sheet is a list of rows written
// from cell A of the row number given by its key order.
func workbook(t testing.TB, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	build(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setRow(t testing.TB, f *excelize.File, sheet, cell string, values ...any) {
	t.Helper()
	if err := f.SetSheetRow(sheet, cell, &values); err != nil {
		t.Fatal(err)
	}
}

func TestReadXLSX(t *testing.T) {
	data := workbook(t, func(f *excelize.File) {
		setRow(t, f, "Sheet1", "A1", " Code ", "Registered_Voters", "Latitude", "Opens_Local", "")
		setRow(t, f, "Sheet1", "A2", "001", 1234, 43.238949, "07:00")
		// Row 3 is absent, row 4 blank, row 5 only partly filled.
		setRow(t, f, "Sheet1", "A4", "", "  ")
		setRow(t, f, "Sheet1", "A5", "002")
		if _, err := f.NewSheet("Other"); err != nil {
			t.Fatal(err)
		}
		setRow(t, f, "Other", "A1", "not", "read")
	})
	tb, err := Read(bytes.NewReader(data), "stations.XLSX", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{
		Header:    []string{"code", "registered_voters", "latitude", "opens_local"},
		HeaderRow: 1,
		Rows: []Row{
			{Number: 2, Cells: []string{"001", "1234", "43.238949", "07:00"}},
			{Number: 5, Cells: []string{"002", "", "", ""}},
		},
		Format: FormatXLSX,
		Sheet:  "Sheet1",
	}
	if !reflect.DeepEqual(tb, want) {
		t.Errorf("got  %+v\nwant %+v", tb, want)
	}
	if i := tb.Index(" Opens_local"); i != 3 {
		t.Errorf("Index(opens_local) = %d, want 3", i)
	}
	if i := tb.Index("closes_local"); i != -1 {
		t.Errorf("Index(closes_local) = %d, want -1", i)
	}
}

func TestReadXLSXHiddenFirstSheet(t *testing.T) {
	data := workbook(t, func(f *excelize.File) {
		setRow(t, f, "Sheet1", "A1", "notes")
		if _, err := f.NewSheet("Stations"); err != nil {
			t.Fatal(err)
		}
		setRow(t, f, "Stations", "A1", "code")
		setRow(t, f, "Stations", "A2", "7")
		f.SetActiveSheet(1)
		if err := f.SetSheetVisible("Sheet1", false); err != nil {
			t.Fatal(err)
		}
	})
	tb, err := Read(bytes.NewReader(data), "s.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tb.Sheet != "Stations" || len(tb.Rows) != 1 || tb.Rows[0].Cells[0] != "7" {
		t.Errorf("read sheet %q rows %+v, want the visible sheet Stations", tb.Sheet, tb.Rows)
	}
}

func TestReadXLSXErrors(t *testing.T) {
	beyond := workbook(t, func(f *excelize.File) {
		setRow(t, f, "Sheet1", "A1", "code", "name")
		setRow(t, f, "Sheet1", "A2", "1", "A")
		setRow(t, f, "Sheet1", "A3", "2", "B", "", "stray")
	})
	_, err := Read(bytes.NewReader(beyond), "s.xlsx", Options{})
	if err == nil || err.Error() != "row 3: has a value in column 4 (D), to the right of the header's 2 columns" {
		t.Errorf("error %v, want the stray cell named", err)
	}

	big := workbook(t, func(f *excelize.File) {
		setRow(t, f, "Sheet1", "A1", "code", "name")
		for i := 2; i < 3000; i++ {
			cell, err := excelize.CoordinatesToCellName(1, i)
			if err != nil {
				t.Fatal(err)
			}
			setRow(t, f, "Sheet1", cell, i, fmt.Sprint(i, strings.Repeat("x", 500)))
		}
	})
	_, err = Read(bytes.NewReader(big), "s.xlsx", Options{MaxUnzippedBytes: 1 << 20})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "the workbook unpacks to more than 1 MB" {
		t.Errorf("error %v, want ErrTooLarge for the unpacked size", err)
	}
	if _, err := Read(bytes.NewReader(big), "s.xlsx", Options{}); err != nil {
		t.Errorf("the same workbook under the default limit: %v", err)
	}
}

// bomb builds an archive whose entry declares a size (declared) and holds
// deflated zeros of another size (actual).
func bomb(t *testing.T, declared uint64, actual int) []byte {
	t.Helper()
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(make([]byte, actual)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"xl/workbook.xml", "xl/worksheets/sheet1.xml"} {
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: name, Method: zip.Deflate,
			CompressedSize64: uint64(deflated.Len()), UncompressedSize64: declared,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(deflated.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipBomb(t *testing.T) {
	// Honest sizes: refused before anything is inflated.
	_, err := Read(bytes.NewReader(bomb(t, 4<<30, 1<<20)), "s.xlsx", Options{})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "the workbook unpacks to more than 512 MB" {
		t.Errorf("declared 4 GB: error %v, want ErrTooLarge", err)
	}
	// Lying sizes: inflating stops at the declared size.
	_, err = Read(bytes.NewReader(bomb(t, 100, 8<<20)), "s.xlsx", Options{})
	var se *Error
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("declared 100 bytes, holds 8 MB: error %v, want a refused workbook", err)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Row: 3, Column: "registered_voters", Message: "x"}, `row 3, column "registered_voters": x`},
		{&Error{Row: 5, Message: "has 9 fields, the header has 13"}, "row 5: has 9 fields, the header has 13"},
		{&Error{Column: "code", Message: "x"}, `column "code": x`},
		{&Error{Message: "the file is empty"}, "the file is empty"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestColumnLetters(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := columnLetters(i); got != want {
			t.Errorf("columnLetters(%d) = %q, want %q", i, got, want)
		}
	}
}
