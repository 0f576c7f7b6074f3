package report

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/baqylau/baqylau"
)

func TestTextIn(t *testing.T) {
	full := Text{"kk": "Иә", "ru": "Да", "en": "Yes"}
	tests := []struct {
		t    Text
		lang string
		want string
	}{
		{full, "kk", "Иә"},
		{full, "ru", "Да"},
		{full, "de", "Yes"},
		{Text{"kk": "Иә", "ru": "Да"}, "en", "Да"},
		{Text{"kk": "Иә"}, "fr", "Иә"},
		{Text{"kk": "", "en": "Yes"}, "kk", "Yes"},
		{nil, "en", ""},
	}
	for _, tt := range tests {
		if got := tt.t.In(tt.lang); got != tt.want {
			t.Errorf("%v.In(%q) = %q, want %q", tt.t, tt.lang, got, tt.want)
		}
	}
}

func TestDefaultForms(t *testing.T) {
	forms := DefaultForms()
	var codes []FormCode
	for _, f := range forms {
		codes = append(codes, f.Code)
		if err := f.Validate(); err != nil {
			t.Errorf("%s: %v", f.Code, err)
		}
		if f.Version != 1 {
			t.Errorf("%s: version %d", f.Code, f.Version)
		}
		for _, q := range f.Questions {
			for _, l := range Languages {
				if q.Label[l] == "" {
					t.Errorf("%s/%s: no %s label", f.Code, q.ID, l)
				}
			}
			if q.SMS == "" {
				t.Errorf("%s/%s: no SMS code", f.Code, q.ID)
			}
		}
	}
	if !slices.Equal(codes, []FormCode{Opening, Turnout, Closing, Count, Incident}) {
		t.Errorf("codes %v", codes)
	}
	op, _ := DefaultForm(Opening)
	yesno := 0
	for _, q := range op.Questions {
		if q.Kind == KindYesNo {
			yesno++
		}
	}
	if yesno < 10 {
		t.Errorf("opening has %d yes/no items, want at least 10", yesno)
	}
	tu, _ := DefaultForm(Turnout)
	if !slices.Equal(tu.Checkpoints, []string{"10:00", "12:00", "14:00", "16:00", "18:00"}) {
		t.Errorf("checkpoints %v", tu.Checkpoints)
	}
	inc, _ := DefaultForm(Incident)
	q, _ := inc.Question(QCategory)
	if len(q.Choices) != len(Categories()) {
		t.Errorf("incident category has %d choices, taxonomy %d", len(q.Choices), len(Categories()))
	}
	q, _ = inc.Question(QSeverity)
	if len(q.Choices) != len(Severities) {
		t.Errorf("incident severity has %d choices", len(q.Choices))
	}
	if _, ok := DefaultForm("nope"); ok {
		t.Error("unknown form found")
	}
}

func TestDefaultFormsAreCopies(t *testing.T) {
	a := DefaultForms()
	a[0].Title["en"] = "changed"
	a[0].Questions[0].Label["en"] = "changed"
	*findQ(t, a[1], QBallotsCast).Min = 99
	b := DefaultForms()
	if b[0].Title["en"] == "changed" || b[0].Questions[0].Label["en"] == "changed" || *findQ(t, b[1], QBallotsCast).Min != 0 {
		t.Error("changing a copy changed the defaults")
	}
}

func findQ(t *testing.T, f Form, id string) *Question {
	t.Helper()
	for i := range f.Questions {
		if f.Questions[i].ID == id {
			return &f.Questions[i]
		}
	}
	t.Fatalf("%s has no question %s", f.Code, id)
	return nil
}

func TestParseFormRoundTrip(t *testing.T) {
	for _, f := range DefaultForms() {
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseForm(data)
		if err != nil {
			t.Fatalf("%s: %v", f.Code, err)
		}
		if len(g.Questions) != len(f.Questions) || g.Title.In("kk") != f.Title.In("kk") {
			t.Errorf("%s: round trip changed the form", f.Code)
		}
	}
}

// edited returns the default form code after edit changed it, as JSON.
func edited(t *testing.T, code FormCode, edit func(f *Form)) []byte {
	t.Helper()
	f, _ := DefaultForm(code)
	edit(&f)
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseFormErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"empty", nil, []string{"empty"}},
		{"broken json", []byte("{\n\"code\": \"opening\",\n\"version\": }"), []string{"line 3"}},
		{"trailing", append(edited(t, Opening, func(*Form) {}), []byte(" {}")...), []string{"after the definition"}},
		{"unknown field", []byte(`{"code":"opening","colour":"red"}`), []string{"colour"}},
		{"wrong type", []byte(`{"code":"opening","version":"1"}`), []string{"version", "number"}},
		{"bad utf-8", []byte("{\"code\":\"opening\xff\"}"), []string{"UTF-8"}},
		{"unknown code", edited(t, Opening, func(f *Form) { f.Code = "lunch" }), []string{`"lunch"`}},
		{"version 0", edited(t, Opening, func(f *Form) { f.Version = 0 }), []string{"version"}},
		{"title without kk", edited(t, Opening, func(f *Form) { delete(f.Title, "kk") }), []string{"title", "kk"}},
		{"label without ru", edited(t, Opening, func(f *Form) { f.Questions[2].Label["ru"] = " " }), []string{"question 3", `"boxes_empty_sealed"`, "label", "ru"}},
		{"unknown language", edited(t, Opening, func(f *Form) { f.Questions[0].Label["de"] = "Offen" }), []string{"question 1", `"de"`}},
		{"duplicate id", edited(t, Opening, func(f *Form) { f.Questions[1].ID = f.Questions[0].ID }), []string{"question 2", "twice"}},
		{"bad id", edited(t, Opening, func(f *Form) { f.Questions[0].ID = "Opened On Time" }), []string{"question 1", "lower-case"}},
		{"unknown kind", edited(t, Opening, func(f *Form) { f.Questions[0].Kind = "slider" }), []string{`"opened_on_time"`, `"slider"`}},
		{"choice without choices", edited(t, Opening, func(f *Form) { f.Questions[0].Kind = KindChoice }), []string{`"opened_on_time"`, "needs choices"}},
		{"choices on yes/no", edited(t, Opening, func(f *Form) {
			f.Questions[0].Choices = []Choice{{"a", Text{"kk": "a", "ru": "a", "en": "a"}}}
		}), []string{"only choice questions"}},
		{"duplicate choice", edited(t, Turnout, func(f *Form) { f.Questions[0].Choices[1].Code = "10:00" }), []string{`"10:00"`, "twice"}},
		{"choice label missing", edited(t, Turnout, func(f *Form) { delete(f.Questions[0].Choices[0].Label, "en") }), []string{`choice "10:00"`, "en"}},
		{"duplicate sms", edited(t, Opening, func(f *Form) { f.Questions[1].SMS = "A" }), []string{"SMS code", `"opened_on_time"`}},
		{"bad sms", edited(t, Opening, func(f *Form) { f.Questions[1].SMS = "a b" }), []string{"SMS code"}},
		{"min above max", edited(t, Turnout, func(f *Form) { findQ(t, *f, QBallotsCast).Max = intPtr(-1) }), []string{"min 0 is above max -1"}},
		{"min on text", edited(t, Opening, func(f *Form) { findQ(t, *f, "comments").Min = intPtr(1) }), []string{`"comments"`, "min and max"}},
		{"no questions", edited(t, Opening, func(f *Form) { f.Questions = nil }), []string{"questions"}},
		{"turnout without ballots_cast", edited(t, Turnout, func(f *Form) { findQ(t, *f, QBallotsCast).ID = "voted" }), []string{`"ballots_cast"`, "required"}},
		{"ballots_cast as text", edited(t, Closing, func(f *Form) { q := findQ(t, *f, QBallotsCast); q.Kind, q.Min = KindText, nil }), []string{`"ballots_cast"`, "number"}},
		{"count without votes", edited(t, Count, func(f *Form) { findQ(t, *f, QVotes).Kind = KindNumber }), []string{`"votes"`, "votes"}},
		{"checkpoint unordered", edited(t, Turnout, func(f *Form) { f.Checkpoints[0], f.Checkpoints[1] = f.Checkpoints[1], f.Checkpoints[0] }), []string{"10:00", "not after"}},
		{"checkpoint not a time", edited(t, Turnout, func(f *Form) { f.Checkpoints[0] = "10h" }), []string{`"10h"`}},
		{"checkpoint without choice", edited(t, Turnout, func(f *Form) { f.Checkpoints = append(f.Checkpoints, "19:00") }), []string{`"19:00"`}},
		{"stray checkpoint choice", edited(t, Turnout, func(f *Form) { f.Checkpoints = f.Checkpoints[:4] }), []string{"not checkpoints"}},
		{"checkpoints on opening", edited(t, Opening, func(f *Form) { f.Checkpoints = []string{"10:00"} }), []string{"only the turnout"}},
		{"unknown category", edited(t, Incident, func(f *Form) { findQ(t, *f, QCategory).Choices[0].Code = "rudeness" }), []string{`"rudeness"`, "taxonomy"}},
		{"unknown severity", edited(t, Incident, func(f *Form) { findQ(t, *f, QSeverity).Choices[0].Code = "meh" }), []string{`"meh"`}},
		{"too big", []byte(`{"code":"opening","x":"` + strings.Repeat("a", MaxFormBytes) + `"}`), []string{"at most"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseForm(tt.data)
			if err == nil {
				t.Fatal("accepted")
			}
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				t.Errorf("code %q", baqylau.ErrorCode(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseFormAdjusted(t *testing.T) {
	// An admin adds a question and bumps the version.
	data := edited(t, Opening, func(f *Form) {
		f.Version = 2
		f.Questions = append(f.Questions, Question{ID: "cameras_working", Kind: KindYesNo, SMS: "W",
			Label: Text{"kk": "Бейнекамералар жұмыс істеді ме?", "ru": "Работали ли видеокамеры?", "en": "Were the video cameras working?"}})
	})
	f, err := ParseForm(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Question("cameras_working"); !ok || f.Version != 2 {
		t.Error("added question lost")
	}
	// An incident form without explicit choices takes the taxonomy's.
	inc := []byte(`{"code":"incident","version":3,"title":{"kk":"Оқиға","ru":"Инцидент","en":"Incident"},"questions":[
	{"id":"category","kind":"choice","label":{"kk":"Түрі","ru":"Вид","en":"Kind"},"required":true},
	{"id":"severity","kind":"choice","label":{"kk":"Деңгей","ru":"Уровень","en":"Level"}},
	{"id":"description","kind":"text","label":{"kk":"Сипаттама","ru":"Описание","en":"Description"}}]}`)
	f, err = ParseForm(inc)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := f.Question(QCategory)
	if !q.HasChoice("carousel") || q.HasChoice("lunch") {
		t.Errorf("category choices %v", q.Choices)
	}
}

func FuzzParseForm(f *testing.F) {
	for _, form := range DefaultForms() {
		data, err := json.Marshal(form)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"code":"turnout","version":1,"checkpoints":["25:00"]}`))
	f.Add([]byte(`{"code":"incident","questions":[{"id":"category","kind":"choice"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := ParseForm(data)
		if err != nil {
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if err := form.Validate(); err != nil {
			t.Fatalf("parsed form does not validate: %v", err)
		}
		// What was accepted can be answered without a panic.
		answers := map[string]json.RawMessage{}
		for _, q := range form.Questions {
			answers[q.ID] = json.RawMessage(`1`)
		}
		if _, err := CheckAnswers(form, answers, nil); err != nil && baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Fatalf("answers: %v", err)
		}
	})
}
