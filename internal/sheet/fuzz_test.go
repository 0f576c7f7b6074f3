package sheet

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"
)

func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"code,name\n1,A\n",
		"\xEF\xBB\xBFcode;name\r\n1;\"a;b\"\r\n\r\n2;\"x\ny\"\r\n",
		"\xFF\xFEc\x00\t\x00n\x00\n\x001\x00\t\x002\x00",
		"\xca\xee\xe4;\xcd\xe0\xe7\xe2\xe0\xed\xe8\xe5\n1;\xd8\xea\xee\xeb\xe0\n",
		"a,b\n1,\"2\n",
		"a|b\n1|2\n",
		"a,,b\n",
		"a,a\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Add(workbook(f, func(x *excelize.File) {
		setRow(f, x, "Sheet1", "A1", "code", "name", "registered_voters")
		setRow(f, x, "Sheet1", "A2", "001", "Школа", 1200)
		setRow(f, x, "Sheet1", "A4", "002", "Gymnasium", 3.5)
	}), true)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "f.csv"
		if xlsx {
			name = "f.xlsx"
		}
		tb, err := Read(bytes.NewReader(data), name, Options{MaxBytes: 1 << 20, MaxUnzippedBytes: 8 << 20})
		if err != nil {
			// The input is in memory: every failure is the file's fault.
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			return
		}
		if len(tb.Header) == 0 || tb.HeaderRow < 1 {
			t.Fatalf("empty header %q at row %d", tb.Header, tb.HeaderRow)
		}
		seen := map[string]bool{}
		for _, h := range tb.Header {
			if h == "" || seen[h] || h != normalizeName(h) {
				t.Fatalf("header %q: empty, repeated or not normalised name %q", tb.Header, h)
			}
			seen[h] = true
		}
		last := tb.HeaderRow
		for _, r := range tb.Rows {
			if r.Number <= last {
				t.Fatalf("row %d after row %d", r.Number, last)
			}
			last = r.Number
			if len(r.Cells) != len(tb.Header) || blank(r.Cells) {
				t.Fatalf("row %d has %d cells (blank %v), header %d", r.Number, len(r.Cells), blank(r.Cells), len(tb.Header))
			}
		}
	})
}
