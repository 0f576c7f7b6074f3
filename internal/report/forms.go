package report

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// Languages are the languages every label of a form is written in.
var Languages = []string{"kk", "ru", "en"}

// Text is one text in several languages, by language code.
type Text map[string]string

// In returns the text in lang, falling back to English, then Russian,
// then Kazakh, then "".
func (t Text) In(lang string) string {
	for _, l := range []string{lang, "en", "ru", "kk"} {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// QuestionKind says what an answer is and how it is written in JSON.
type QuestionKind string

// Question kinds.
const (
	KindYesNo  QuestionKind = "yesno"  // true or false
	KindNumber QuestionKind = "number" // an integer
	KindText   QuestionKind = "text"   // a string of at most MaxTextRunes characters
	KindChoice QuestionKind = "choice" // the code of one of the question's choices
	KindTime   QuestionKind = "time"   // local time of day, "HH:MM"
	KindVotes  QuestionKind = "votes"  // {"option": integer, ...} over the contest's options
)

// QuestionKinds lists the kinds.
var QuestionKinds = []QuestionKind{KindYesNo, KindNumber, KindText, KindChoice, KindTime, KindVotes}

// MaxTextRunes is the longest text answer or incident description, in
// characters.
const MaxTextRunes = 5000

// Question ids the rules rely on. A form that an admin adjusts keeps them.
const (
	QBallotsCast = "ballots_cast" // turnout and closing: cumulative ballots cast
	QCheckpoint  = "checkpoint"   // turnout: which checkpoint the figure is for
	QContest     = "contest"      // count: the contest id
	QRegistered  = "registered"   // count: voters on the lists
	QReceived    = "received"     // count: ballots received by the commission
	QIssued      = "issued"       // count: ballots issued to voters
	QCast        = "cast"         // count: ballots found in the boxes
	QSpoiled     = "spoiled"      // count: spoiled ballots
	QUnused      = "unused"       // count: unused (cancelled) ballots
	QValid       = "valid"        // count: valid ballots
	QInvalid     = "invalid"      // count: invalid ballots
	QVotes       = "votes"        // count: votes by option
	QCategory    = "category"     // incident: a taxonomy code
	QSeverity    = "severity"     // incident: a severity
	QDescription = "description"  // incident: free text
)

// Form is one version of a form definition: what observers are asked, in
// three languages. Definitions are data: the defaults ship embedded and an
// admin may upload adjusted ones (ParseForm), each with a higher version.
type Form struct {
	Code      FormCode   `json:"code"`
	Version   int        `json:"version"`
	Title     Text       `json:"title"`
	Questions []Question `json:"questions"`
	// Checkpoints are the local times ("HH:MM") at which turnout is
	// reported; the checkpoint question offers them as choices.
	Checkpoints []string `json:"checkpoints,omitempty"`
}

// Question is one question of a form.
type Question struct {
	ID       string       `json:"id"`
	Kind     QuestionKind `json:"kind"`
	Label    Text         `json:"label"`
	Help     Text         `json:"help,omitempty"`
	Required bool         `json:"required,omitempty"`
	Choices  []Choice     `json:"choices,omitempty"`
	// Min and Max bound a number (and each line of votes).
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
	// SMS is the question's short code in the SMS grammar, e.g. "A".
	SMS string `json:"sms,omitempty"`
}

// Choice is one answer of a choice question.
type Choice struct {
	Code  string `json:"code"`
	Label Text   `json:"label"`
}

// Question returns the question with the id.
func (f Form) Question(id string) (Question, bool) {
	for _, q := range f.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// HasChoice reports whether code is one of the question's choices.
func (q Question) HasChoice(code string) bool {
	for _, c := range q.Choices {
		if c.Code == code {
			return true
		}
	}
	return false
}

//go:embed forms/*.json
var formFiles embed.FS

// defaultForms are the embedded definitions, parsed once; a broken file
// is a bug that the tests catch.
var defaultForms = func() []Form {
	var forms []Form
	for _, code := range []FormCode{Opening, Turnout, Closing, Count, Incident} {
		data, err := formFiles.ReadFile("forms/" + string(code) + ".json")
		if err != nil {
			panic(fmt.Sprintf("report: embedded form %s: %v", code, err))
		}
		f, err := ParseForm(data)
		if err != nil {
			panic(fmt.Sprintf("report: embedded form %s: %v", code, err))
		}
		forms = append(forms, f)
	}
	return forms
}()

// DefaultForms returns the shipped definitions of the opening, turnout,
// closing, count and incident forms, drawn from the checklists of
// international observation missions (OSCE/ODIHR, NDI and GNDEM) and the
// lines of the Kazakh count protocol. The caller may change the copy.
func DefaultForms() []Form {
	out := make([]Form, len(defaultForms))
	for i, f := range defaultForms {
		out[i] = f.clone()
	}
	return out
}

// DefaultForm returns the shipped definition of one form.
func DefaultForm(code FormCode) (Form, bool) {
	for _, f := range defaultForms {
		if f.Code == code {
			return f.clone(), true
		}
	}
	return Form{}, false
}

func (f Form) clone() Form {
	f.Title = cloneText(f.Title)
	f.Checkpoints = slices.Clone(f.Checkpoints)
	qs := make([]Question, len(f.Questions))
	for i, q := range f.Questions {
		q.Label, q.Help = cloneText(q.Label), cloneText(q.Help)
		cs := make([]Choice, len(q.Choices))
		for j, c := range q.Choices {
			cs[j] = Choice{Code: c.Code, Label: cloneText(c.Label)}
		}
		if q.Choices == nil {
			cs = nil
		}
		if q.Min != nil {
			q.Min = intPtr(*q.Min)
		}
		if q.Max != nil {
			q.Max = intPtr(*q.Max)
		}
		q.Choices = cs
		qs[i] = q
	}
	f.Questions = qs
	return f
}

func cloneText(t Text) Text {
	if t == nil {
		return nil
	}
	out := make(Text, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

func intPtr(n int) *int { return &n }

// MaxFormBytes bounds an uploaded form definition.
const MaxFormBytes = 1 << 20

// ParseForm reads a form definition as an admin uploads it: JSON with the
// fields of Form, unknown fields refused. An incident form's category and
// severity questions may leave their choices out: they are filled from the
// taxonomy. Errors are EINVALID and say which question is wrong and how.
func ParseForm(data []byte) (Form, error) {
	if len(data) > MaxFormBytes {
		return Form{}, formErr("the definition is %d bytes, at most %d allowed", len(data), MaxFormBytes)
	}
	if !utf8.Valid(data) {
		return Form{}, formErr("the definition is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f Form
	if err := dec.Decode(&f); err != nil {
		return Form{}, formErr("%s", jsonProblem(data, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Form{}, formErr("unexpected data after the definition")
	}
	if f.Code == Incident {
		completeIncidentForm(&f)
	}
	if err := f.Validate(); err != nil {
		return Form{}, err
	}
	return f, nil
}

// jsonProblem turns a decoding error into a sentence with a line number.
func jsonProblem(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("broken JSON at line %d: %v", lineOf(data, se.Offset), se)
	case errors.As(err, &te):
		return fmt.Sprintf("%s at line %d must be a JSON %s, not %s", te.Field, lineOf(data, te.Offset), jsonTypeName(te.Type.Kind().String()), te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the definition is empty or cut short"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "true or false"
	case "slice":
		return "array"
	case "map", "struct":
		return "object"
	}
	return kind
}

func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func formErr(format string, args ...any) error {
	return baqylau.Errorf(baqylau.EINVALID, "form definition: "+format, args...)
}

var (
	idPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	smsPattern = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
)

// maxQuestions bounds a form, so that a definition stays something an
// observer can fill.
const maxQuestions = 200

// Validate checks a definition: a known code, a positive version, a title
// and labels in kk, ru and en, unique well-formed ids and SMS codes, known
// kinds, choices for choice questions, sane bounds, and the questions the
// rules rely on (ballots_cast for turnout and closing, the checkpoint, the
// count protocol lines, the incident fields).
func (f Form) Validate() error {
	known := slices.Contains(ReportForms, f.Code) || f.Code == Incident
	if !known {
		return formErr("code %q is not one of opening, turnout, closing, count, incident", f.Code)
	}
	if f.Version < 1 {
		return formErr("%s: version must be a positive number", f.Code)
	}
	if err := checkText(f.Title, false); err != nil {
		return formErr("%s: title %v", f.Code, err)
	}
	if len(f.Questions) == 0 || len(f.Questions) > maxQuestions {
		return formErr("%s: a form has 1 to %d questions, this one %d", f.Code, maxQuestions, len(f.Questions))
	}
	ids, sms := map[string]bool{}, map[string]string{}
	for i, q := range f.Questions {
		where := fmt.Sprintf("%s: question %d", f.Code, i+1)
		if q.ID != "" {
			where = fmt.Sprintf("%s: question %d (%q)", f.Code, i+1, q.ID)
		}
		if !idPattern.MatchString(q.ID) {
			return formErr("%s: id must be 1–40 lower-case letters, digits or _ starting with a letter", where)
		}
		if ids[q.ID] {
			return formErr("%s: id appears twice", where)
		}
		ids[q.ID] = true
		if err := q.validate(); err != nil {
			return formErr("%s: %v", where, err)
		}
		if q.SMS != "" {
			if other, dup := sms[q.SMS]; dup {
				return formErr("%s: SMS code %q is already used by %q", where, q.SMS, other)
			}
			sms[q.SMS] = q.ID
		}
	}
	return f.validateShape()
}

func (q Question) validate() error {
	if !slices.Contains(QuestionKinds, q.Kind) {
		return fmt.Errorf("kind %q is not one of yesno, number, text, choice, time, votes", q.Kind)
	}
	if err := checkText(q.Label, false); err != nil {
		return fmt.Errorf("label %v", err)
	}
	if err := checkText(q.Help, true); err != nil {
		return fmt.Errorf("help %v", err)
	}
	if q.SMS != "" && !smsPattern.MatchString(q.SMS) {
		return fmt.Errorf("SMS code %q must be 1–3 capital Latin letters or digits", q.SMS)
	}
	if q.Kind == KindChoice {
		if len(q.Choices) == 0 {
			return errors.New("a choice question needs choices")
		}
		seen := map[string]bool{}
		for j, c := range q.Choices {
			if c.Code == "" || len(c.Code) > 60 || !utf8.ValidString(c.Code) || strings.TrimSpace(c.Code) != c.Code {
				return fmt.Errorf("choice %d: code must be 1–60 bytes without surrounding spaces", j+1)
			}
			if seen[c.Code] {
				return fmt.Errorf("choice %q appears twice", c.Code)
			}
			seen[c.Code] = true
			if err := checkText(c.Label, false); err != nil {
				return fmt.Errorf("choice %q: label %v", c.Code, err)
			}
		}
	} else if len(q.Choices) > 0 {
		return fmt.Errorf("only choice questions have choices, this one is %s", q.Kind)
	}
	if (q.Min != nil || q.Max != nil) && q.Kind != KindNumber && q.Kind != KindVotes {
		return fmt.Errorf("min and max apply to number and votes questions, this one is %s", q.Kind)
	}
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		return fmt.Errorf("min %d is above max %d", *q.Min, *q.Max)
	}
	return nil
}

// checkText requires every language (or none, when optional) and bounds
// the length.
func checkText(t Text, optional bool) error {
	if optional && len(t) == 0 {
		return nil
	}
	for _, l := range Languages {
		s := strings.TrimSpace(t[l])
		if s == "" {
			return fmt.Errorf("is missing in %s (kk, ru and en are required)", l)
		}
		if len(s) > 2000 {
			return fmt.Errorf("in %s is longer than 2000 bytes", l)
		}
	}
	for l := range t {
		if !slices.Contains(Languages, l) {
			return fmt.Errorf("has an unknown language %q (kk, ru, en)", l)
		}
	}
	return nil
}

// validateShape checks the questions the rules and the fixed API rely on.
func (f Form) validateShape() error {
	need := func(id string, kind QuestionKind) error {
		q, ok := f.Question(id)
		if !ok {
			return formErr("%s: question %q is required in this form", f.Code, id)
		}
		if q.Kind != kind {
			return formErr("%s: question %q must be of kind %s, not %s", f.Code, id, kind, q.Kind)
		}
		return nil
	}
	var needs []string
	kinds := map[string]QuestionKind{}
	switch f.Code {
	case Turnout:
		needs = []string{QCheckpoint, QBallotsCast}
		kinds[QCheckpoint] = KindChoice
	case Closing:
		needs = []string{QBallotsCast}
	case Count:
		needs = []string{QContest, QRegistered, QReceived, QIssued, QCast, QSpoiled, QUnused, QValid, QInvalid, QVotes}
		kinds[QVotes] = KindVotes
	case Incident:
		needs = []string{QCategory, QSeverity, QDescription}
		kinds[QCategory], kinds[QSeverity], kinds[QDescription] = KindChoice, KindChoice, KindText
	}
	for _, id := range needs {
		k, ok := kinds[id]
		if !ok {
			k = KindNumber
		}
		if err := need(id, k); err != nil {
			return err
		}
	}
	if f.Code == Turnout {
		if len(f.Checkpoints) == 0 {
			return formErr("turnout: checkpoints are required (local times such as \"10:00\")")
		}
		q, _ := f.Question(QCheckpoint)
		prev := election.Clock(-1)
		for _, cp := range f.Checkpoints {
			c, err := election.ParseClock(cp)
			if err != nil || c.String() != cp {
				return formErr("turnout: checkpoint %q is not HH:MM", cp)
			}
			if c <= prev {
				return formErr("turnout: checkpoint %s is not after %s", cp, prev)
			}
			prev = c
			if !q.HasChoice(cp) {
				return formErr("turnout: question %q lacks the choice %q for checkpoint %s", QCheckpoint, cp, cp)
			}
		}
		if len(q.Choices) != len(f.Checkpoints) {
			return formErr("turnout: question %q has choices that are not checkpoints", QCheckpoint)
		}
	} else if len(f.Checkpoints) > 0 {
		return formErr("%s: only the turnout form has checkpoints", f.Code)
	}
	if f.Code == Incident {
		q, _ := f.Question(QCategory)
		for _, c := range q.Choices {
			if _, ok := LookupCategory(c.Code); !ok {
				return formErr("incident: question %q: choice %q is not a category of the taxonomy", QCategory, c.Code)
			}
		}
		q, _ = f.Question(QSeverity)
		for _, c := range q.Choices {
			if !Severity(c.Code).Valid() {
				return formErr("incident: question %q: choice %q is not one of low, medium, high, critical", QSeverity, c.Code)
			}
		}
	}
	return nil
}

// completeIncidentForm fills the choices of the category and severity
// questions from the taxonomy when the definition leaves them out, so
// that the taxonomy's codes and labels live in one place.
func completeIncidentForm(f *Form) {
	for i := range f.Questions {
		q := &f.Questions[i]
		if len(q.Choices) > 0 || q.Kind != KindChoice {
			continue
		}
		switch q.ID {
		case QCategory:
			for _, c := range Categories() {
				q.Choices = append(q.Choices, Choice{Code: c.Code, Label: c.Label})
			}
		case QSeverity:
			for _, s := range Severities {
				q.Choices = append(q.Choices, Choice{Code: string(s), Label: s.Label()})
			}
		}
	}
}
