package triage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/report"
)

var t0 = time.Date(2023, 3, 19, 8, 0, 0, 0, time.UTC)

func newCase() Case {
	return Case{IncidentReport: report.IncidentReport{ID: 7, ElectionID: 1, StationCode: "001", Region: "KZ-75", Severity: report.High,
		Status: StatusNew, ObserverID: 3, Channel: report.SMS, ReceivedAt: t0}, Version: 1}
}

func TestClaimAndDecide(t *testing.T) {
	c := newCase()
	ch, err := Claim(c, 10, false, t0.Add(time.Minute))
	if err != nil || ch.After.Status != StatusClaimed || ch.After.ClaimedBy != 10 || !ch.After.FirstResponseAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claim: %+v %v", ch.After, err)
	}
	claimed := ch.After
	claimed.Version = 2
	if _, err := Claim(claimed, 11, false, t0); baqylau.ErrorCode(err) != baqylau.ECONFLICT {
		t.Errorf("second claim: %v", err)
	}
	for _, c := range []struct {
		name   string
		d      Decision
		seen   int
		status report.IncidentStatus
		code   string
	}{
		{"advice", Decision{Action: AdviseObserver, Note: "n", Message: "Ask for the register", By: 10}, 0, StatusDecided, ""},
		{"advice without message", Decision{Action: AdviseObserver, Note: "n", By: 10}, 0, "", baqylau.EINVALID},
		{"no note", Decision{Action: CallChair, By: 10}, 0, "", baqylau.EINVALID},
		{"unknown", Decision{Action: "shrug", Note: "n"}, 0, "", baqylau.EINVALID},
		{"escalate", Decision{Action: Escalate, Note: "n"}, 0, StatusEscalated, ""},
		{"not a violation", Decision{Action: NotAViolation, Note: "n"}, 2, StatusClosed, ""},
		{"stale version", Decision{Action: NotAViolation, Note: "n"}, 1, "", baqylau.ECONFLICT},
	} {
		ch, err := Decide(claimed, c.d, c.seen, nil, t0.Add(2*time.Minute))
		if baqylau.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %q", c.name, err, c.code)
			continue
		}
		if err == nil && ch.After.Status != c.status {
			t.Errorf("%s: status %s, want %s", c.name, ch.After.Status, c.status)
		}
	}
	ch, err = Decide(claimed, Decision{Action: AdviseObserver, Note: "n", Message: "m", By: 10}, 0, nil, t0)
	if err != nil || ch.Message == nil || ch.Message.Channel != report.SMS || ch.Message.ObserverID != 3 {
		t.Errorf("advice outbox: %+v %v", ch.Message, err)
	}
	decided := ch.After
	decided.Version = 3
	_, err = Decide(decided, Decision{Action: FileComplaint, Note: "n"}, 0, nil, t0)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Current.Status != StatusDecided || !strings.Contains(baqylau.ErrorMessage(err), "version") {
		t.Errorf("decision without version on a decided incident: %v", err)
	}
	if _, err := Decide(decided, Decision{Action: FileComplaint, Note: "n"}, 3, nil, t0); err != nil {
		t.Errorf("a further decision with the version seen: %v", err)
	}

	// Duplicates merge within one region.
	other := newCase()
	other.ID = 8
	if ch, err := Decide(claimed, Decision{Action: DuplicateOf, Note: "n", DuplicateOf: 8}, 0, &other, t0); err != nil || ch.After.DuplicateOf != 8 || ch.After.Status != StatusClosed {
		t.Errorf("duplicate: %+v %v", ch.After, err)
	}
	other.Region = "KZ-35"
	if _, err := Decide(claimed, Decision{Action: DuplicateOf, Note: "n", DuplicateOf: 8}, 0, &other, t0); baqylau.ErrorCode(err) != baqylau.EINVALID {
		t.Errorf("duplicate across regions: %v", err)
	}
}

func TestDeadlines(t *testing.T) {
	c := newCase()
	c.Severity = report.Critical
	if c.Overdue(t0.Add(14*time.Minute)) || !c.Overdue(t0.Add(16*time.Minute)) {
		t.Error("critical incidents are due in 15 minutes")
	}
	c.FirstResponseAt = t0.Add(20 * time.Minute)
	if c.Overdue(t0.Add(time.Hour)) {
		t.Error("an answered incident is not overdue")
	}
	raw := map[string]RegionTimes{
		"KZ-75": {Responded: []time.Duration{5 * time.Minute, time.Minute, 3 * time.Minute, 2 * time.Minute, 4 * time.Minute,
			6 * time.Minute, 7 * time.Minute, 8 * time.Minute, 9 * time.Minute, 10 * time.Minute}},
		"abroad": {Waiting: []Waiting{{report.Low, t0}, {report.Critical, t0}}},
	}
	got := Summarize(raw, t0.Add(time.Hour))
	if len(got) != 2 || got[0].Region != "KZ-75" || got[0].Median != 5*time.Minute || got[0].P90 != 9*time.Minute {
		t.Errorf("summary = %+v", got)
	}
	if got[1].Waiting != 2 || got[1].Overdue != 1 {
		t.Errorf("abroad = %+v", got[1])
	}
}

func TestHub(t *testing.T) {
	h := NewHub()
	a, b := h.Subscribe(), h.Subscribe()
	if err := h.Publish(context.Background(), Event{ID: 1, Region: "KZ-75"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{a, b} {
		if e := <-s.C; e.ID != 1 {
			t.Errorf("event %+v", e)
		}
	}
	b.Close()
	for i := range subscriptionBuffer + 1 {
		h.Deliver(Event{ID: int64(i)})
	}
	select {
	case <-a.Lagged:
	default:
		t.Error("a full subscriber is not told it lagged")
	}
	if h.Subscribers() != 1 {
		t.Errorf("subscribers = %d", h.Subscribers())
	}
}

type fakeIngest struct{ ack report.Ack }

func (f fakeIngest) SubmitReport(context.Context, report.Report) (report.Ack, error) {
	return f.ack, nil
}
func (f fakeIngest) SubmitIncident(context.Context, report.IncidentReport) (report.Ack, error) {
	return f.ack, nil
}

func TestNotifyingPublishesOnlyNewIncidents(t *testing.T) {
	h := NewHub()
	s := h.Subscribe()
	defer s.Close()
	n := Notifying{Ingester: fakeIngest{report.Ack{ID: 5}}, Broker: h}
	if _, err := n.SubmitIncident(context.Background(), report.IncidentReport{Region: "abroad"}); err != nil {
		t.Fatal(err)
	}
	if e := <-s.C; e.ID != 5 || e.Region != "abroad" || e.Kind != EventNew {
		t.Errorf("event %+v", e)
	}
	n.Ingester = fakeIngest{report.Ack{ID: 5, Duplicate: true}}
	if _, err := n.SubmitIncident(context.Background(), report.IncidentReport{Region: "abroad"}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-s.C:
		t.Errorf("a retry was published: %+v", e)
	default:
	}
}

func TestComplaintChecks(t *testing.T) {
	c := Complaint{Lang: "kk", Commission: " ЦИК ", Facts: "x", Articles: []string{"art20"}}
	if err := CheckComplaint(&c); err != nil || c.Commission != "ЦИК" {
		t.Errorf("good complaint: %v", err)
	}
	for _, bad := range []Complaint{
		{Lang: "en", Commission: "c", Facts: "f", Articles: []string{"art20"}},
		{Lang: "ru", Facts: "f", Articles: []string{"art20"}},
		{Lang: "ru", Commission: "c", Facts: "f"},
		{Lang: "ru", Commission: "c", Facts: "f", Articles: []string{"art999"}},
	} {
		if err := CheckComplaint(&bad); baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	for _, p := range []struct {
		c  Complaint
		ok bool
	}{
		{Complaint{FiledOn: "2023-03-20"}, true},
		{Complaint{FiledOn: "2023-03-20", AnsweredOn: "2023-03-25", Outcome: "upheld"}, true},
		{Complaint{AnsweredOn: "2023-03-25"}, false},
		{Complaint{FiledOn: "2023-03-20", AnsweredOn: "2023-03-19"}, false},
		{Complaint{FiledOn: "20.03.2023"}, false},
		{Complaint{FiledOn: "2023-03-20", Outcome: "x"}, false},
	} {
		if err := CheckProgress(&p.c); (err == nil) != p.ok {
			t.Errorf("%+v: %v", p.c, err)
		}
	}
}

// TestComplaintPDFHasKazakhLetters renders complaints in kk and ru and
// reads the text back with pdftotext (skipped without it, except in CI).
func TestComplaintPDFHasKazakhLetters(t *testing.T) {
	for _, lang := range ComplaintLangs {
		var buf bytes.Buffer
		d := ComplaintDoc{Complaint: Complaint{ID: 1, Lang: lang, Commission: "Алматы қалалық сайлау комиссиясы",
			Facts: "Бақылаушыға хаттаманың көшірмесі берілмеді: ӘҒҚҢӨҰҮҺІ әғқңөұүһі", Articles: []string{"art20", "art44"}},
			IncidentID: 7, Election: "Mazhilis 2023", StationCode: "001", StationName: "Мектеп № 1", ObservedAt: "19.03.2023 11:00", Today: "19.03.2023"}
		if err := RenderComplaint(&buf, d); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
			t.Fatalf("%s: not a PDF", lang)
		}
		text := pdfText(t, buf.Bytes())
		for _, want := range []string{"ӘҒҚҢӨҰҮҺІ әғқңөұүһі", "Алматы қалалық сайлау комиссиясы", "Мектеп № 1"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the PDF's text lacks %q:\n%s", lang, want, text)
			}
		}
		if lang == "kk" && !strings.Contains(text, "ШАҒЫМ") || lang == "ru" && !strings.Contains(text, "ЖАЛОБА") {
			t.Errorf("%s: title missing:\n%s", lang, text)
		}
	}
	if err := RenderComplaint(&bytes.Buffer{}, ComplaintDoc{Complaint: Complaint{Lang: "en"}}); err == nil {
		t.Error("a complaint in English rendered")
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not found: install Debian package poppler-utils")
		}
		t.Skip("pdftotext not found (Debian package poppler-utils): skipping")
	}
	in := filepath.Join(t.TempDir(), "complaint.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}
