package people

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/baqylau/baqylau/internal/election"
)

// FuzzParseObservers checks that no file makes ParseObservers panic, that
// a refused file is always an *election.ImportError (the reader never
// fails here), and that what it accepts keeps the file's promises.
func FuzzParseObservers(f *testing.F) {
	good, err := os.ReadFile(goodFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, false)
	f.Add(writeCSV(f, goodRecords(f), ';'), false)
	f.Add(writeXLSX(f, f.TempDir(), goodRecords(f)[:4]), true)
	f.Add([]byte(header+row(nil)+row(nil)), false)
	f.Add([]byte(header+row(map[string]string{"phone": "8 (701) 123-45-67", "languages": "kk;ru", "region": "Жетісу облысы"})), false)
	f.Add([]byte("full name,organisation,kind\nA,B,Domestic NGO\n"), false)
	f.Add([]byte(generated(20, 3, 5)), false)
	f.Add([]byte(""), false)
	f.Add([]byte("\xEF\xBB\xBF"+header), false)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "observers.csv"
		if xlsx {
			name = "observers.xlsx"
		}
		rows, err := ParseObservers(bytes.NewReader(data), name)
		if err != nil {
			var ie *election.ImportError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 || len(ie.Problems) > election.MaxProblems {
				t.Fatalf("error %v (%T) is not an import error with problems", err, err)
			}
			if rows != nil {
				t.Fatalf("rows and an error")
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		keys := map[string]bool{}
		for _, o := range rows {
			if o.FullName == "" || o.Organization == "" || !o.OrganizationKind.Valid() {
				t.Fatalf("row %d lacks a required value: %+v", o.Row, o)
			}
			if utf8.RuneCountInString(o.FullName) > MaxNameChars || !utf8.ValidString(o.FullName) {
				t.Fatalf("row %d: name %q", o.Row, o.FullName)
			}
			if _, bad := badRune(o.FullName + o.Organization + o.Mission); bad {
				t.Fatalf("row %d keeps a control character", o.Row)
			}
			if o.Country != "" && !election.ValidCountry(o.Country) {
				t.Fatalf("row %d: country %q", o.Row, o.Country)
			}
			if o.Region != "" {
				if _, ok := election.RegionByCode(o.Region); !ok {
					t.Fatalf("row %d: region %q", o.Row, o.Region)
				}
			}
			for _, l := range o.Languages {
				if !isLanguage(l) || l != strings.ToLower(l) {
					t.Fatalf("row %d: language %q", o.Row, l)
				}
			}
			if o.Phone != "" && NormalizePhone(o.Phone) == "" {
				t.Fatalf("row %d: phone %q has no digits", o.Row, o.Phone)
			}
			for _, k := range DuplicateKeys(o.FullName, Personal{Email: o.Email, Phone: o.Phone}) {
				if keys[k] {
					t.Fatalf("row %d: duplicate key %q accepted", o.Row, k)
				}
				keys[k] = true
			}
		}
	})
}

// FuzzNormalizeName checks that the name skeleton is stable: folding a
// skeleton again changes nothing, and word order never matters.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Иванов Иван", "Şyñğys Äbenov", "Ol'ga", "Mariya Sergeyevna", "", "ЩЩ x y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if NormalizeName(n) != n {
			t.Fatalf("NormalizeName(%q) = %q, but folds again to %q", s, n, NormalizeName(n))
		}
		words := strings.Fields(s)
		for i, j := 0, len(words)-1; i < j; i, j = i+1, j-1 {
			words[i], words[j] = words[j], words[i]
		}
		if r := NormalizeName(strings.Join(words, " ")); r != n {
			t.Fatalf("%q folds to %q, reversed to %q", s, n, r)
		}
	})
}
