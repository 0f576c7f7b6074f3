package channel

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
)

// Limits of a message: an SMS of ten parts, or a Telegram message, fits.
const (
	// MaxMessageBytes bounds a whole message, comment included.
	MaxMessageBytes = 8000
	// MaxCodeBytes bounds the coded part before "@".
	MaxCodeBytes = 1000
	// maxTokens bounds the words of the coded part.
	maxTokens = 200
)

// Parsed is a message read by the grammar (docs/sms.md): a report or an
// incident, not yet checked against a station, a contest or the sender's
// assignments.
type Parsed struct {
	// Station is the code after "#", folded (FoldCode); "" when the
	// message leaves it to the sender's one assignment.
	Station string
	// Form is a report form, or report.Incident.
	Form report.FormCode
	// Answers are a report's answers by question id, as the report
	// contract writes them. The contest and votes of a count are apart.
	Answers map[string]json.RawMessage
	// Contest is the contest id a count names (0: not named).
	Contest int64
	// Votes are a count's votes by option number, from 1 in ballot order.
	Votes map[int]int64
	// Category is an incident's taxonomy code.
	Category string
	// Severity is an incident's severity ("" for the category's default).
	Severity report.Severity
	// Comment is the free text after "@", as typed; for an incident also
	// the words before "@" that are not codes.
	Comment string
}

// Problem is why a message could not be read. Code says which, for a
// reply in the sender's language; Arg is the offending part as typed (or
// as folded) and Hint, when set, what would have been right.
type Problem struct {
	Code string
	Arg  string
	Hint string
}

// Problem codes.
const (
	ProblemEmpty             = "empty"
	ProblemTooLong           = "too_long"
	ProblemNotText           = "not_text"
	ProblemUnknownForm       = "unknown_form"
	ProblemUnknownWord       = "unknown_word"
	ProblemBadValue          = "bad_value"
	ProblemTwice             = "twice"
	ProblemExtra             = "extra"
	ProblemNoStation         = "no_station"
	ProblemNoCategory        = "no_category"
	ProblemUnknownCategory   = "unknown_category"
	ProblemAmbiguousCategory = "ambiguous_category"
)

func (p *Problem) Error() string {
	s := "channel: " + p.Code
	if p.Arg != "" {
		s += " " + strconv.Quote(p.Arg)
	}
	if p.Hint != "" {
		s += " (" + p.Hint + ")"
	}
	return s
}

func problem(code, arg, hint string) *Problem { return &Problem{Code: code, Arg: arg, Hint: hint} }

// lookalikes are the Cyrillic capitals that look like Latin ones: an
// observer's phone may type either, and the grammar reads them as Latin.
var lookalikes = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O',
	'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'У': 'Y', 'І': 'I', 'Ё': 'E',
}

// Fold writes a word of the grammar in one way: compatibility forms
// (full-width digits, ligatures) as plain characters, upper case, and the
// Cyrillic letters that look like Latin ones (А В Е К М Н О Р С Т Х У І,
// and their lower case) as those Latin letters. Other letters stay.
func Fold(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		r = unicode.ToUpper(r)
		if l, ok := lookalikes[r]; ok {
			return l
		}
		return r
	}, s)
}

// Yes and no, folded: Latin, Russian (да / нет, "Н" reading as H) and
// Kazakh (иә / жоқ), and + / -. Digits 1 and 0 are read by the question.
var (
	yesWords = []string{"Y", "YES", "Д", "ДA", "+", "И", "ИӘ", "ИЯ", "OK"}
	noWords  = []string{"N", "NO", "H", "HET", "-", "Ж", "ЖOҚ", "ЖOK"}
)

func yesNo(s string) (bool, bool) {
	switch {
	case slices.Contains(yesWords, s), s == "1":
		return true, true
	case slices.Contains(noWords, s), s == "0":
		return false, true
	}
	return false, false
}

var (
	digits    = regexp.MustCompile(`^[0-9]{1,18}$`)
	clockLike = regexp.MustCompile(`^([0-9]{1,2})(?:[:.\-H]?([0-9]{2}))?$`)
	votesLine = regexp.MustCompile(`^([A-Z]{1,3})([0-9]{1,4})[=:]([0-9]{1,18})$`)
	timeToken = regexp.MustCompile(`^[0-9]{1,2}[:.\-H][0-9]{2}$`)
)

// plain reports whether a word is a bare value (yes, no, a number, a
// time) rather than a question's code with its value.
func plain(s string) bool {
	_, yn := yesNo(s)
	return yn || digits.MatchString(s) || timeToken.MatchString(s)
}

// clock reads a local time of day written 7, 07, 0705, 7:05, 7.05, 7-05 or 7H05.
func clock(s string) (string, bool) {
	m := clockLike.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	h, m2 := m[1], m[2]
	if m2 == "" {
		if len(h) > 2 {
			return "", false
		}
		m2 = "00"
	}
	c, err := election.ParseClock(zeroPad(h) + ":" + m2)
	if err != nil {
		return "", false
	}
	return c.String(), true
}

func zeroPad(h string) string {
	if len(h) == 1 {
		return "0" + h
	}
	return h
}

// value reads the answer to question q written as s (folded), or says it
// does not fit.
func value(q report.Question, s string) (json.RawMessage, bool) {
	switch q.Kind {
	case report.KindYesNo:
		if b, ok := yesNo(s); ok {
			return json.RawMessage(strconv.FormatBool(b)), true
		}
	case report.KindNumber:
		if !digits.MatchString(s) {
			return nil, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > report.MaxCount {
			return nil, false
		}
		return json.RawMessage(strconv.FormatInt(n, 10)), true
	case report.KindTime:
		if c, ok := clock(s); ok {
			return quote(c), true
		}
	case report.KindChoice:
		if q.HasChoice(s) {
			return quote(s), true
		}
		for _, c := range q.Choices {
			if Fold(c.Code) == s {
				return quote(c.Code), true
			}
		}
		// Checkpoints are times: 12, 1200 and 12.00 all mean "12:00".
		if c, ok := clock(s); ok && q.HasChoice(c) {
			return quote(c), true
		}
	}
	return nil, false
}

func quote(s string) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Go string always encodes
	}
	return b
}

// formWords name the report forms, folded; a single letter is the usual.
var formWords = map[string]report.FormCode{
	"O": report.Opening, "OPEN": report.Opening, "OPENING": report.Opening,
	"T": report.Turnout, "TURNOUT": report.Turnout,
	"C": report.Closing, "CLOSE": report.Closing, "CLOSING": report.Closing,
	"P": report.Count, "COUNT": report.Count, "PROTOCOL": report.Count,
}

// token is one word of the coded part, as typed and folded.
type token struct{ raw, f string }

// tokenize splits the coded part into words: commas, semicolons and any
// spaces separate them, and "=" or ":" with spaces around joins a code to
// its value ("R = 1200" is "R=1200").
func tokenize(s string) []token {
	s = strings.Map(func(r rune) rune {
		if r == ',' || r == ';' {
			return ' '
		}
		return r
	}, s)
	fields := strings.Fields(s)
	var out []string
	for i := 0; i < len(fields); i++ {
		w := fields[i]
		for {
			joinNext := strings.HasSuffix(w, "=") || (strings.HasSuffix(w, ":") && len(w) <= 4)
			if i+1 < len(fields) && (joinNext || fields[i+1] == "=" || strings.HasPrefix(fields[i+1], "=")) {
				w += fields[i+1]
				i++
				continue
			}
			break
		}
		out = append(out, w)
	}
	toks := make([]token, len(out))
	for i, w := range out {
		toks[i] = token{raw: w, f: Fold(w)}
	}
	return toks
}

// Parse reads a message by the grammar of docs/sms.md against the form
// definitions (forms must hold the report forms; their SMS codes name
// the answers). A message it cannot read gives a *Problem.
func Parse(text string, forms []report.Form) (Parsed, error) {
	if !utf8.ValidString(text) {
		return Parsed{}, problem(ProblemNotText, "", "")
	}
	if len(text) > MaxMessageBytes {
		return Parsed{}, problem(ProblemTooLong, strconv.Itoa(len(text)), strconv.Itoa(MaxMessageBytes))
	}
	code, comment, _ := strings.Cut(text, "@")
	comment = strings.TrimSpace(comment)
	if len(code) > MaxCodeBytes {
		return Parsed{}, problem(ProblemTooLong, strconv.Itoa(len(code)), strconv.Itoa(MaxCodeBytes))
	}
	toks := tokenize(code)
	if len(toks) > maxTokens {
		return Parsed{}, problem(ProblemTooLong, strconv.Itoa(len(toks)), strconv.Itoa(maxTokens))
	}
	var p Parsed
	// The station, "#123" or "# 123", anywhere before "@".
	for i := 0; i < len(toks); i++ {
		st, ok := strings.CutPrefix(toks[i].f, "#")
		if !ok {
			continue
		}
		n := 1
		if st == "" && i+1 < len(toks) {
			st, n = toks[i+1].f, 2
		}
		if st == "" || p.Station != "" {
			return Parsed{}, problem(ProblemNoStation, toks[i].raw, "")
		}
		p.Station = st
		toks = slices.Delete(toks, i, i+n)
		i--
	}
	if len(toks) == 0 {
		if comment != "" {
			return Parsed{}, problem(ProblemUnknownForm, "@", "")
		}
		return Parsed{}, problem(ProblemEmpty, "", "")
	}
	first := toks[0]
	if rest, ok := strings.CutPrefix(first.f, "!"); ok {
		p.Form = report.Incident
		toks = toks[1:]
		if rest != "" {
			toks = append([]token{{raw: strings.TrimPrefix(first.raw, "!"), f: rest}}, toks...)
		}
		return p, parseIncident(&p, toks, comment)
	}
	form, ok := formWords[first.f]
	toks = toks[1:]
	if !ok && len(first.f) > 1 && formWords[first.f[:1]] != "" && first.f[1] >= '0' && first.f[1] <= '9' {
		// "T12 345": the form letter written against its first value.
		form = formWords[first.f[:1]]
		toks = append([]token{{raw: first.f[1:], f: first.f[1:]}}, toks...)
		ok = true
	}
	if !ok {
		return Parsed{}, problem(ProblemUnknownForm, first.raw, "")
	}
	var def report.Form
	for _, f := range forms {
		if f.Code == form {
			def = f
		}
	}
	if def.Code == "" {
		return Parsed{}, problem(ProblemUnknownForm, first.raw, "")
	}
	p.Form = form
	return p, parseAnswers(&p, def, toks, comment)
}

// parseAnswers reads a report's answers: each word is either a bare value
// for the next unanswered question in the form's order ("Y", "345",
// "07:05"), or a question's SMS code with its value ("AY", "R=1200",
// "B 07:05"), or a line of votes ("G1=400"; "V1=400" too).
func parseAnswers(p *Parsed, f report.Form, toks []token, comment string) error {
	p.Answers = map[string]json.RawMessage{}
	var positional []report.Question
	codes := map[string]report.Question{}
	ids := map[string]report.Question{}
	var votes, text report.Question
	for _, q := range f.Questions {
		ids[strings.ToUpper(q.ID)] = q
		if q.SMS != "" {
			codes[q.SMS] = q
		}
		switch {
		case q.Kind == report.KindVotes:
			votes = q
		case q.Kind == report.KindText:
			if text.ID == "" {
				text = q
			}
		case q.ID == report.QContest:
		default:
			positional = append(positional, q)
		}
	}
	answered, skipped := map[string]bool{}, map[string]bool{}
	set := func(q report.Question, v json.RawMessage, raw string) error {
		if answered[q.ID] {
			return problem(ProblemTwice, raw, smsName(q))
		}
		answered[q.ID] = true
		if q.ID == report.QContest {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return problem(ProblemBadValue, raw, smsName(q))
			}
			p.Contest = n
			return nil
		}
		p.Answers[q.ID] = v
		return nil
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if plain(t.f) {
			placed := false
			for _, q := range positional {
				if answered[q.ID] || skipped[q.ID] {
					continue
				}
				if v, ok := value(q, t.f); ok {
					if err := set(q, v, t.raw); err != nil {
						return err
					}
					placed = true
					break
				}
				if q.Required && fits(q, t.f) {
					return problem(ProblemBadValue, t.raw, smsName(q))
				}
				// A value of another kind: the question was left out (a
				// required one is then reported missing).
				skipped[q.ID] = true
			}
			if !placed {
				return problem(ProblemExtra, t.raw, "")
			}
			continue
		}
		if m := votesLine.FindStringSubmatch(t.f); m != nil && votes.ID != "" && (m[1] == votes.SMS || m[1] == "V") {
			opt, err1 := strconv.Atoi(m[2])
			n, err2 := strconv.ParseInt(m[3], 10, 64)
			if err1 != nil || err2 != nil || opt < 1 || n > report.MaxCount {
				return problem(ProblemBadValue, t.raw, smsName(votes))
			}
			if p.Votes == nil {
				p.Votes = map[int]int64{}
			}
			if _, dup := p.Votes[opt]; dup {
				return problem(ProblemTwice, t.raw, m[1]+m[2])
			}
			p.Votes[opt] = n
			continue
		}
		q, rest, ok := coded(t.f, codes, ids)
		if !ok || q.Kind == report.KindText || q.Kind == report.KindVotes {
			return problem(ProblemUnknownWord, t.raw, "")
		}
		rest = strings.TrimLeft(rest, "=:")
		if rest == "" && i+1 < len(toks) && plain(toks[i+1].f) {
			// "B 07:05": the code, then its value.
			i++
			rest = toks[i].f
		}
		v, ok := value(q, rest)
		if !ok {
			return problem(ProblemBadValue, t.raw, smsName(q))
		}
		if err := set(q, v, t.raw); err != nil {
			return err
		}
	}
	if comment != "" && text.ID != "" {
		p.Answers[text.ID] = quote(comment)
	}
	return nil
}

// fits reports whether a bare value is of the kind q asks for, even if
// it is not a right answer (13 for a checkpoint is wrong, Y is off topic).
func fits(q report.Question, s string) bool {
	_, yn := yesNo(s)
	num := digits.MatchString(s)
	switch q.Kind {
	case report.KindYesNo:
		return yn
	case report.KindNumber:
		return num
	case report.KindTime, report.KindChoice:
		return num || timeToken.MatchString(s)
	}
	return false
}

// coded splits a word into a question's code and the rest: a question id
// followed by "=" or ":" ("REGISTERED=1200"), or an SMS code, the longest
// that fits ("R1200", "AY").
func coded(w string, codes, ids map[string]report.Question) (report.Question, string, bool) {
	if i := strings.IndexAny(w, "=:"); i > 0 {
		if q, ok := ids[w[:i]]; ok {
			return q, w[i:], true
		}
	}
	for n := min(3, len(w)); n >= 1; n-- {
		if q, ok := codes[w[:n]]; ok {
			return q, w[n:], true
		}
	}
	return report.Question{}, "", false
}

// smsName names a question in a reply: its SMS code, or its id.
func smsName(q report.Question) string {
	if q.SMS != "" {
		return q.SMS
	}
	return q.ID
}

// severityWords are severities as the grammar writes them, folded.
var severityWords = map[string]report.Severity{
	"L": report.Low, "LOW": report.Low,
	"M": report.Medium, "MED": report.Medium, "MEDIUM": report.Medium,
	"H": report.High, "HIGH": report.High,
	"C": report.Critical, "CRIT": report.Critical, "CRITICAL": report.Critical,
}

var categoryHead = regexp.MustCompile(`^([0-9]{1,3})([A-Z]*)$`)

// parseIncident reads "!CATEGORY [SEVERITY] [words] [@comment]": the
// category by its SMS code (a number) or its code or a unique beginning
// of it of at least three letters; the severity as L, M, H, C or a word;
// words that are neither become the start of the description.
func parseIncident(p *Parsed, toks []token, comment string) error {
	if len(toks) == 0 {
		return problem(ProblemNoCategory, "", "")
	}
	head := toks[0]
	toks = toks[1:]
	catWord := head.f
	if m := categoryHead.FindStringSubmatch(head.f); m != nil && m[2] != "" {
		// "!4H": the category number with its severity letter.
		sev, ok := severityWords[m[2]]
		if !ok {
			return problem(ProblemUnknownCategory, head.raw, "")
		}
		catWord, p.Severity = m[1], sev
	}
	c, err := category(catWord, head.raw)
	if err != nil {
		return err
	}
	p.Category = c.Code
	var words []string
	for _, t := range toks {
		if sev, ok := severityWords[t.f]; ok && p.Severity == "" && len(words) == 0 {
			p.Severity = sev
			continue
		}
		words = append(words, t.raw)
	}
	if comment != "" {
		words = append(words, comment)
	}
	p.Comment = strings.Join(words, " ")
	return nil
}

// category finds a category by SMS code, code, or unique prefix of a code.
func category(w, raw string) (report.Category, error) {
	if c, ok := report.LookupCategory(strings.ToLower(w)); ok {
		return c, nil
	}
	if len(w) >= 3 {
		var found []report.Category
		for _, c := range report.Categories() {
			if strings.HasPrefix(strings.ToUpper(c.Code), w) {
				found = append(found, c)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 {
			var hint []string
			for _, c := range found {
				hint = append(hint, c.SMS)
			}
			return report.Category{}, problem(ProblemAmbiguousCategory, raw, strings.Join(hint, ", "))
		}
	}
	return report.Category{}, problem(ProblemUnknownCategory, raw, "")
}
