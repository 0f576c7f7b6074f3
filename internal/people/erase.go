package people

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Erasure is the record of one erasure of personal data: who ran it, when,
// on what scope, and how many rows of each table it changed. It carries no
// personal data: the person is named by the observer's id only.
type Erasure struct {
	ID         int64
	Scope      ErasureScope
	ObserverID int64 // ScopePerson
	ElectionID int64 // ScopeElection
	By         string
	Counts     map[string]int
	At         time.Time
}

// ErasureScope says what an erasure covered.
type ErasureScope string

// Scopes of erasures.
const (
	// ScopePerson honours one person's request: their personal data and
	// the mentions of them are erased.
	ScopePerson ErasureScope = "person"
	// ScopeElection ends an election's retention period: the personal data
	// of its observers and the free text of its incidents are erased.
	ScopeElection ErasureScope = "election"
)

// ErasedMark replaces erased text, so that a reader sees something was
// there.
const ErasedMark = "[erased]"

// ErasedName is the pseudonym an erased observer keeps: their number,
// which reports, incidents and the public record refer to.
func ErasedName(number string) string { return "[erased " + number + "]" }

// Mentions finds the mentions of a person in free text: their full name,
// each part of it of four letters or more (a surname alone), their e-mail,
// and their phone number however it is spaced or punctuated (its last ten
// digits: the national number, without the country code or trunk prefix).
type Mentions struct {
	re *regexp.Regexp
	// needles are literal strings one of which every mention contains,
	// in several cases, for a cheap first search in the database.
	needles []string
}

// NewMentions returns the mentions of a person; nil when nothing can be
// looked for.
func NewMentions(fullName, email, phone string) *Mentions {
	var alts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			alts = append(alts, regexp.QuoteMeta(s))
		}
	}
	add(fullName)
	for _, part := range strings.Fields(fullName) {
		if len([]rune(part)) >= 4 {
			add(part)
		}
	}
	add(email)
	var digits []string
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			digits = append(digits, string(r))
		}
	}
	var needles []string
	for _, a := range alts {
		lit := strings.ReplaceAll(a, `\`, "") // QuoteMeta's escapes
		needles = append(needles, lit, strings.ToLower(lit), strings.ToUpper(lit), titleCase(lit))
	}
	if len(digits) >= 7 {
		digits = digits[max(0, len(digits)-10):]
		alts = append(alts, strings.Join(digits, `[\s\-().]*`))
		needles = append(needles, strings.Join(digits[len(digits)-2:], ""))
	}
	if len(alts) == 0 {
		return nil
	}
	// Longest first, so that the full name wins over its parts.
	slices.SortStableFunc(alts, func(a, b string) int { return len(b) - len(a) })
	slices.Sort(needles)
	return &Mentions{re: regexp.MustCompile(`(?i)` + strings.Join(alts, "|")), needles: slices.Compact(needles)}
}

// Needles returns literal strings one of which every mention contains
// (in the case written, lower, upper or title case), for a first search
// with LIKE before Scrub reads the candidates.
func (m *Mentions) Needles() []string { return m.needles }

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r := []rune(w)
		words[i] = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	return strings.Join(words, " ")
}

// Scrub replaces every mention in s with ErasedMark and reports whether
// there was any.
func (m *Mentions) Scrub(s string) (string, bool) {
	if m == nil || !m.re.MatchString(s) {
		return s, false
	}
	return m.re.ReplaceAllLiteralString(s, ErasedMark), true
}
