package publish

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
)

func TestWriteCSVEscapesFormulas(t *testing.T) {
	var buf bytes.Buffer
	err := WriteCSV(&buf, Table{Columns: []string{"a", "b"}, Rows: [][]string{{"=HYPERLINK(\"x\")", "+1"}, {"-2", "@SUM(A1)"}, {"Алматы", "ok, fine"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFa,b\n\"'=HYPERLINK(\"\"x\"\")\",'+1\n'-2,'@SUM(A1)\nАлматы,\"ok, fine\"\n"
	if buf.String() != want {
		t.Errorf("csv =\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestAnonymiseDropsFreeText(t *testing.T) {
	r := Anonymise(PublicReport{Form: "count", ObservedAt: time.Date(2023, 3, 19, 20, 31, 45, 0, time.UTC), Answers: map[string]json.RawMessage{
		"cast": json.RawMessage("100"), "votes": json.RawMessage(`{"A":1}`), "notes": json.RawMessage(`"call Aigerim at +7 701"`),
		"unknown": json.RawMessage(`"x"`)}})
	if len(r.Answers) != 2 || r.Answers["cast"] == nil || r.Answers["votes"] == nil {
		t.Errorf("answers = %v", r.Answers)
	}
	if r.ObservedAt.Second() != 0 {
		t.Errorf("observed_at not cut to the minute: %v", r.ObservedAt)
	}
}

func TestValidate(t *testing.T) {
	good := AccreditationRequest{FullName: "A B", Outlet: "Daily", Email: "a@example.org", Phone: "+7 (701) 123-45-67"}
	if err := good.Validate(); err != nil || good.Status != Pending {
		t.Errorf("good request: %v", err)
	}
	for _, bad := range []AccreditationRequest{
		{Outlet: "x", Email: "a@example.org", Phone: "+77011234567"},
		{FullName: "x", Outlet: "x", Email: "not an address", Phone: "+77011234567"},
		{FullName: "x", Outlet: "x", Email: "a@example.org", Phone: "call me"},
		{FullName: "x", Outlet: "x", Email: "Name <a@example.org>", Phone: "+77011234567"},
		{FullName: strings.Repeat("я", 201), Outlet: "x", Email: "a@example.org", Phone: "+77011234567"},
	} {
		if err := bad.Validate(); baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", bad, err)
		}
	}
	if err := (&Statement{Title: Text{KK: "x"}}).Validate(); err == nil {
		t.Error("a statement without a body")
	}
	if got := (Text{EN: "e", RU: "р"}).In("kk"); got != "р" {
		t.Errorf("fallback = %q", got)
	}
}
