package mission

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/publish"
)

func TestMeetingValidate(t *testing.T) {
	at := time.Date(2024, 3, 14, 10, 0, 0, 0, time.UTC)
	ok := func() MeetingRecord {
		return MeetingRecord{ElectionID: 1, Kind: Briefing, HeldAt: at, Place: " ЦИК, Астана ",
			Participants: []string{" ODIHR ", "", "CIS"}, Questions: []Question{{Topic: TopicForeignMedia, Question: "Accreditation?", Answer: "Yes"}}}
	}
	m := ok()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.Place != "ЦИК, Астана" || len(m.Participants) != 2 {
		t.Errorf("not trimmed: %q %q", m.Place, m.Participants)
	}
	tests := []struct {
		name string
		edit func(*MeetingRecord)
		want string
	}{
		{"no election", func(m *MeetingRecord) { m.ElectionID = 0 }, "needs an election"},
		{"bad kind", func(m *MeetingRecord) { m.Kind = "party" }, `kind "party"`},
		{"state body of the desk", func(m *MeetingRecord) { m.Kind = StateBody; m.Counterpart = "Supreme Court" }, "give the mission"},
		{"state body unnamed", func(m *MeetingRecord) { m.Kind = StateBody; m.MissionID = 3 }, "counterpart"},
		{"no time", func(m *MeetingRecord) { m.HeldAt = time.Time{} }, "held_at"},
		{"no place", func(m *MeetingRecord) { m.Place = " " }, "place is required"},
		{"bad topic", func(m *MeetingRecord) { m.Questions[0].Topic = "weather" }, `question 1: topic "weather"`},
		{"empty question", func(m *MeetingRecord) { m.Questions[0].Question = "" }, "question 1: question is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok()
			tt.edit(&m)
			err := m.Validate()
			if baqylau.ErrorCode(err) != baqylau.EINVALID || !strings.Contains(baqylau.ErrorMessage(err), tt.want) {
				t.Errorf("got %v, want EINVALID with %q", err, tt.want)
			}
		})
	}
}

func TestVersionValidateFigures(t *testing.T) {
	v := Version{Title: publish.Text{EN: "Preliminary statement"},
		Sections: []Section{{Body: publish.Text{EN: "We observed {{stations_observed}} stations ({{ stations_observed_share }})."}}}}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := v.Used(); strings.Join(got, ",") != "stations_observed,stations_observed_share" {
		t.Errorf("used = %v", got)
	}
	v.Sections[0].Body.RU = "{{votes_stolen}}"
	if err := v.Validate(); err == nil || !strings.Contains(err.Error(), "unknown figure {{votes_stolen}}") {
		t.Errorf("unknown figure accepted: %v", err)
	}
}

func TestCountsFiguresAndText(t *testing.T) {
	at := time.Date(2024, 3, 17, 15, 0, 0, 0, time.UTC)
	c := Counts{MissionID: 4, ElectionID: 2, StationsTotal: 8, StationsHome: 6, StationsAbroad: 2, StationsObserved: 3,
		CoveredHome: 2, CoveredAbroad: 1, IncidentsByCategory: map[string]int{"ballot_stuffing": 1, "campaigning": 2},
		IncidentsByRegion: map[string]int{"KZ-75": 3}, BallotsCast: 500, RegisteredVoters: 3000, StationsCounted: 2, At: at}
	figs := c.Figures()
	want := map[string]string{"stations_observed": "3", "stations_observed_share": "37.5%", "incidents_total": "3",
		"incidents_by_category": "campaigning 2, ballot_stuffing 1", "coverage_home": "2 / 6", "coverage_abroad": "1 / 2",
		"turnout_observed": "16.7%"}
	for _, f := range figs {
		if w, ok := want[f.Name]; ok && f.Value != w {
			t.Errorf("%s = %q, want %q", f.Name, f.Value, w)
		}
		if f.Query != "GET /api/v1/missions/4/figures?at=2024-03-17T15:00:00Z#"+f.Name || f.Basis == "" || !f.ComputedAt.Equal(at) || f.Params["election"] != "2" {
			t.Errorf("%s: not traceable: %+v", f.Name, f)
		}
	}
	v := Version{Title: publish.Text{KK: "Алдын ала мәлімдеме", EN: "Preliminary"},
		Sections: []Section{{Heading: publish.Text{EN: "Voting day"}, Body: publish.Text{EN: "We observed {{stations_observed}} stations."}}}}
	title, body := v.Text("en", figs)
	if title != "Preliminary" || !strings.Contains(body, "We observed 3 stations.") ||
		!strings.Contains(body, "[1] stations_observed = 3: stations with at least one report") ||
		!strings.Contains(body, "as of 2024-03-17 15:00 UTC; GET /api/v1/missions/4/figures?at=2024-03-17T15:00:00Z#stations_observed") {
		t.Errorf("text:\n%s", body)
	}
	if title, _ := v.Text("kk", figs); title != "Алдын ала мәлімдеме" {
		t.Errorf("kk title %q", title)
	}
	// Breakdowns name categories and regions in the reader's language.
	v.Sections[0].Body.RU = "Нарушения: {{incidents_by_category}}; {{incidents_by_region}}."
	if _, body := v.Text("ru", figs); !strings.Contains(body, "Нарушения: ") || !strings.Contains(body, "Вброс бюллетеней 1") ||
		!strings.Contains(body, "; Алматы 3.") {
		t.Errorf("ru breakdowns:\n%s", body)
	}
	if got := Render("{{turnout_observed}} and {{coverage_abroad}}", "en", nil); got != "{{turnout_observed}} and {{coverage_abroad}}" {
		t.Errorf("render without figures = %q", got)
	}
}

func TestAdopted(t *testing.T) {
	heads := []int64{1, 2, 3}
	d := func(obs int64, v int, ok bool) Decision { return Decision{ObserverID: obs, Version: v, Approve: ok} }
	tests := []struct {
		name string
		rule Rule
		ds   []Decision
		want bool
	}{
		{"none", All, nil, false},
		{"all approve", All, []Decision{d(1, 2, true), d(2, 2, true), d(3, 2, true)}, true},
		{"one objects", All, []Decision{d(1, 2, true), d(2, 2, true), d(3, 2, false)}, false},
		{"objection withdrawn", All, []Decision{d(3, 2, false), d(1, 2, true), d(2, 2, true), d(3, 2, true)}, true},
		{"approval of another version", All, []Decision{d(1, 2, true), d(2, 2, true), d(3, 1, true)}, false},
		{"non-head approval", All, []Decision{d(1, 2, true), d(2, 2, true), d(9, 2, true)}, false},
		{"majority two of three", Majority, []Decision{d(1, 2, true), d(2, 2, true), d(3, 2, false)}, true},
		{"majority one of three", Majority, []Decision{d(1, 2, true), d(2, 2, false)}, false},
		{"approval retracted", Majority, []Decision{d(1, 2, true), d(2, 2, true), d(2, 2, false)}, false},
	}
	for _, tt := range tests {
		if got := Adopted(tt.rule, 2, heads, tt.ds); got != tt.want {
			t.Errorf("%s: adopted = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Adopted(Majority, 1, nil, []Decision{d(1, 1, true)}) {
		t.Error("adopted with no heads")
	}
}

func TestReleased(t *testing.T) {
	adopted := time.Date(2024, 3, 18, 8, 0, 0, 0, time.UTC)
	at := adopted.Add(4 * time.Hour)
	timed := Statement{Release: AtTime, ReleaseAt: at, AdoptedAt: adopted}
	if timed.Released(at.Add(-time.Second), time.Time{}) || !timed.Released(at, time.Time{}) {
		t.Error("a timed release is public exactly from its time")
	}
	draft := timed
	draft.AdoptedAt = time.Time{}
	if draft.Released(at.Add(time.Hour), time.Time{}) {
		t.Error("a statement not adopted was released")
	}
	results := Statement{Release: AfterResults, AdoptedAt: adopted}
	if results.Released(at, time.Time{}) {
		t.Error("released before results were announced")
	}
	if results.Released(adopted.Add(-time.Hour), adopted.Add(-2*time.Hour)) {
		t.Error("released before its adoption")
	}
	if !results.Released(at, adopted.Add(time.Hour)) {
		t.Error("not released after the results")
	}
}

func TestDiff(t *testing.T) {
	a := strings.Split("title\nwe saw 3\nend", "\n")
	b := strings.Split("title\nwe saw 4\nnew\nend", "\n")
	var got []string
	for _, l := range Diff(a, b) {
		got = append(got, string(l.Op)+l.Text)
	}
	want := " title|-we saw 3|+we saw 4|+new| end"
	if strings.Join(got, "|") != want {
		t.Errorf("diff = %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestRenderPDFKazakh(t *testing.T) {
	var buf bytes.Buffer
	kk := "ТМД миссиясының қорытындысы: Әділ, ғылыми, Қазақстан, Өскемен, Ұлытау, Үкімет, Һ, Іле, ңң, ұғым"
	if err := RenderPDF(&buf, Document{Title: "Қорытынды мәлімдеме", Published: "2024-03-20", Body: kk + "\n\nSecond paragraph."}); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	for _, want := range []string{"Қорытынды мәлімдеме", "Әділ", "ғылыми", "Өскемен", "Ұлытау", "Үкімет", "Һ", "Іле", "ңң", "ұғым"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
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
	in := filepath.Join(t.TempDir(), "statement.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// TestFigureBasesInEveryLanguage: each figure says what it counts in
// Kazakh, Russian and English, with its numbers, and BasisIn falls back
// to English.
func TestFigureBasesInEveryLanguage(t *testing.T) {
	c := Counts{MissionID: 1, ElectionID: 2, StationsTotal: 10066, StationsObserved: 212, BallotsCast: 1500,
		RegisteredVoters: 2400, StationsCounted: 3, At: time.Date(2023, 3, 19, 15, 0, 0, 0, time.UTC)}
	figs := c.Figures()
	if len(figs) != len(FigureNames) {
		t.Fatalf("%d figures, want %d", len(figs), len(FigureNames))
	}
	for _, f := range figs {
		for _, lang := range []string{"kk", "ru", "en"} {
			b := f.BasisIn(lang)
			if b == "" || strings.Contains(b, "%!") {
				t.Errorf("%s in %s: basis %q", f.Name, lang, b)
			}
		}
		if f.BasisIn("kk") == f.BasisIn("en") {
			t.Errorf("%s: the Kazakh basis is the English one: %q", f.Name, f.Basis)
		}
		if f.Basis != f.BasisIn("en") || f.BasisIn("de") != f.Basis {
			t.Errorf("%s: Basis %q, English %q, fallback %q", f.Name, f.Basis, f.BasisIn("en"), f.BasisIn("de"))
		}
	}
	turnout := figs[len(figs)-1]
	if turnout.Name != "turnout_observed" || !strings.Contains(turnout.BasisIn("ru"), "1500 бюллетеней") || !strings.Contains(turnout.BasisIn("kk"), "3 учаскеде") {
		t.Errorf("turnout basis: ru %q, kk %q", turnout.BasisIn("ru"), turnout.BasisIn("kk"))
	}
}
