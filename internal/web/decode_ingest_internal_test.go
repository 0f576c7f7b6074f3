package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
)

// TestDecodeIngestAsDecodeJSON decodes report bodies with decodeIngest
// and decodeJSON: where encoding/json accepts a body, both must give the
// same report; the bodies decodeIngest alone refuses are the ones it
// documents (invalid UTF-8, a name given twice), with a clear message.
func TestDecodeIngestAsDecodeJSON(t *testing.T) {
	decode := func(f func(w *httptest.ResponseRecorder, body string, v *reportIn) error, body string) (reportIn, error) {
		var in reportIn
		err := f(httptest.NewRecorder(), body, &in)
		return in, err
	}
	v1 := func(w *httptest.ResponseRecorder, body string, v *reportIn) error {
		return decodeJSON(w, httptest.NewRequest("POST", "/", strings.NewReader(body)), v)
	}
	v2 := func(w *httptest.ResponseRecorder, body string, v *reportIn) error {
		return decodeIngest(w, httptest.NewRequest("POST", "/", strings.NewReader(body)), v)
	}
	same := []string{
		`{"client_id":"0190f5c2-7b1e-7cc3-8f00-aa00bb11cc22","station":"S0042","form":"turnout","observed_at":"2023-03-19T12:05:01.23+06:00","answers":{"checkpoint":"12:00","ballots_cast":1234}}`,
		` {"Client_ID":"x","STATION":"S1","answers":{"a":[1, 2 ,{"b":null}],"c":"\u0041\n"},"observer":"KZ-1"} `,
		`{"answers":null}`, `{}`, `{"answers":{}}`, `{"observed_at":"2023-03-19T12:05:01Z","answers":{"ballots_cast":1e400}}`,
	}
	for _, body := range same {
		want, err := decode(v1, body)
		if err != nil {
			t.Fatalf("encoding/json refuses %s: %v", body, err)
		}
		got, err := decode(v2, body)
		if err != nil {
			t.Errorf("decodeIngest(%s): %v", body, err)
			continue
		}
		if !got.ObservedAt.Equal(want.ObservedAt) {
			t.Errorf("decodeIngest(%s): observed at %v, want %v", body, got.ObservedAt, want.ObservedAt)
		}
		got.ObservedAt, want.ObservedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeIngest(%s) = %+v, want %+v", body, got, want)
		}
	}
	for body, msg := range map[string]string{
		`{"client_id":"x","colour":"red"}`:    `unknown field at /colour`,
		`{"client_id":"x"} {"client_id":"y"}`: "not valid JSON",
		`{"client_id":"x"`:                    "not valid JSON",
		``:                                    "not valid JSON",
		`{"answers":{"a":1,"a":2}}`:           "not valid JSON",
		"{\"station\":\"S\xff\"}":             "not valid JSON",
		`{"observed_at":"yesterday"}`:         "not valid JSON",
		`{"answers":[1]}`:                     "not valid JSON",
		`{"client_id":"` + strings.Repeat("x", 1<<20) + `"}`: "larger than 1 MiB",
	} {
		_, err := decode(v2, body)
		if baqylau.ErrorCode(err) != baqylau.EINVALID || !strings.Contains(err.Error(), msg) {
			t.Errorf("decodeIngest(%.60q) = %v, want EINVALID saying %q", body, err, msg)
		}
	}
}

// TestDecodeIngestCopies decodes from a pooled buffer: nothing decoded may
// share its bytes, or the next body read into it would change an answer
// already queued.
func TestDecodeIngestCopies(t *testing.T) {
	body := `{"client_id":"first","station":"S1","answers":{"ballots_cast":111}}`
	var first reportIn
	if err := decodeIngest(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body)), &first); err != nil {
		t.Fatal(err)
	}
	for range 10 { // the pool hands the buffer back
		var other reportIn
		if err := decodeIngest(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(strings.NewReplacer("first", "xxxxx", "S1", "S9", "111", "999").Replace(body))), &other); err != nil {
			t.Fatal(err)
		}
	}
	if first.ClientID != "first" || first.Station != "S1" || string(first.Answers["ballots_cast"]) != "111" {
		t.Errorf("decoded report changed after later bodies: %+v", first)
	}
}

// BenchmarkDecodeIngest compares decodeIngest with decodeJSON on a
// turnout report's body (docs/benchmarks.md):
//
//	go test -run '^$' -bench 'DecodeIngest' -benchmem ./internal/web/
func BenchmarkDecodeIngest(b *testing.B) {
	const body = `{"client_id":"0190f5c2-7b1e-7cc3-8f00-aa00bb11cc22","station":"S0042","form":"turnout","observed_at":"2023-03-19T12:05:01.23+06:00","answers":{"checkpoint":"12:00","ballots_cast":1234}}`
	for name, decode := range map[string]func(w http.ResponseWriter, r *http.Request, v any) error{
		"encoding-json": decodeJSON, "json-v2": decodeIngest,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/", nil)
			rd := strings.NewReader(body)
			for b.Loop() {
				rd.Reset(body)
				r.Body = io.NopCloser(rd)
				var in reportIn
				if err := decode(w, r, &in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
