package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// MaxCount bounds every number answer: no station has a billion voters,
// and the bound keeps sums far from overflowing.
const MaxCount = 1_000_000_000

// maxVoteLines bounds the lines of a votes answer when no contest is
// given to check them against.
const maxVoteLines = 1000

// CheckAnswers checks a report's answers against its form and, for the
// count protocol, the contest it is for (c may be nil: then the votes'
// options and the contest id are not checked).
//
// An error (EINVALID, naming the question) means the answers cannot be
// stored: an unknown question, a value of the wrong JSON type, a number
// that is not a whole number or is out of bounds (negative counts), an
// unknown choice or option, a malformed time, a text that is too long or
// not valid UTF-8. Text answers are cleaned in place as CleanText does.
//
// Flags mean the report is stored but doubtful: a required answer is
// missing, or the count protocol's lines do not add up (received = issued
// + spoiled + unused; cast ≤ issued ≤ registered; valid + invalid = cast;
// the votes add up to valid). A JSON null counts as no answer.
func CheckAnswers(f Form, answers map[string]json.RawMessage, c *election.Contest) ([]Flag, error) {
	ids := make([]string, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var nums = map[string]int64{}
	var votes map[string]int64
	for _, id := range ids {
		q, ok := f.Question(id)
		if !ok {
			return nil, answerErr(id, "is not a question of the %s form (version %d)", f.Code, f.Version)
		}
		raw := bytes.TrimSpace(answers[id])
		if isNull(raw) {
			continue
		}
		if !utf8.Valid(raw) {
			return nil, answerErr(id, "is not valid UTF-8")
		}
		switch q.Kind {
		case KindYesNo:
			if string(raw) != "true" && string(raw) != "false" {
				return nil, answerErr(id, "must be true or false, not %s", shorten(raw))
			}
		case KindNumber:
			n, err := parseCount(raw, q)
			if err != nil {
				return nil, answerErr(id, "%v", err)
			}
			if id == QContest && c != nil && n != c.ID {
				return nil, answerErr(id, "is contest %d, but the protocol was checked against contest %d", n, c.ID)
			}
			nums[id] = n
		case KindText:
			s, err := jsonString(raw)
			if err != nil {
				return nil, answerErr(id, "must be a text (a JSON string), not %s", shorten(raw))
			}
			clean, err := CleanText(s)
			if err != nil {
				return nil, answerErr(id, "%v", err)
			}
			if clean != s {
				b, err := json.Marshal(clean)
				if err != nil {
					return nil, fmt.Errorf("report: re-encode answer %q: %w", id, err)
				}
				answers[id] = b
			}
		case KindChoice:
			s, err := jsonString(raw)
			if err != nil || !q.HasChoice(s) {
				return nil, answerErr(id, "must be one of %s, not %s", choiceCodes(q), shorten(raw))
			}
		case KindTime:
			s, err := jsonString(raw)
			if err == nil {
				_, err = election.ParseClock(s)
			}
			if err != nil {
				return nil, answerErr(id, "must be a local time \"HH:MM\", not %s", shorten(raw))
			}
		case KindVotes:
			v, err := parseVotes(raw, q, c)
			if err != nil {
				return nil, answerErr(id, "%v", err)
			}
			votes = v
		default:
			return nil, answerErr(id, "has an unknown kind %q in the form definition", q.Kind)
		}
	}
	var flags []Flag
	for _, q := range f.Questions {
		if q.Required && isNull(bytes.TrimSpace(answers[q.ID])) {
			flags = append(flags, Flag{FlagMissingAnswer, fmt.Sprintf("%q (%s) is not answered", q.ID, q.Label.In("en"))})
		}
	}
	if f.Code == Count {
		if votes != nil && c != nil {
			for _, o := range c.Options {
				if _, ok := votes[o]; !ok {
					flags = append(flags, Flag{FlagMissingAnswer, fmt.Sprintf("votes for %q are not given", o)})
				}
			}
		}
		flags = append(flags, protocolFlags(nums, votes)...)
	}
	return flags, nil
}

// protocolFlags checks the relations between the lines of a count
// protocol; each is checked only when all its numbers are given.
func protocolFlags(n map[string]int64, votes map[string]int64) []Flag {
	has := func(ids ...string) bool {
		for _, id := range ids {
			if _, ok := n[id]; !ok {
				return false
			}
		}
		return true
	}
	var flags []Flag
	add := func(format string, args ...any) {
		flags = append(flags, Flag{FlagArithmetic, fmt.Sprintf(format, args...)})
	}
	if has(QReceived, QIssued, QSpoiled, QUnused) {
		if sum := n[QIssued] + n[QSpoiled] + n[QUnused]; sum != n[QReceived] {
			add("issued %d + spoiled %d + unused %d = %d, but received is %d", n[QIssued], n[QSpoiled], n[QUnused], sum, n[QReceived])
		}
	}
	if has(QIssued, QRegistered) && n[QIssued] > n[QRegistered] {
		add("issued %d is more than registered %d", n[QIssued], n[QRegistered])
	}
	if has(QCast, QIssued) && n[QCast] > n[QIssued] {
		add("cast %d is more than issued %d", n[QCast], n[QIssued])
	}
	if has(QCast, QRegistered) && n[QCast] > n[QRegistered] {
		add("cast %d is more than registered %d", n[QCast], n[QRegistered])
	}
	if has(QValid, QInvalid, QCast) {
		if sum := n[QValid] + n[QInvalid]; sum != n[QCast] {
			add("valid %d + invalid %d = %d, but cast is %d", n[QValid], n[QInvalid], sum, n[QCast])
		}
	}
	if has(QValid) && votes != nil {
		var sum int64
		for _, v := range votes {
			sum += v
		}
		if sum != n[QValid] {
			add("the votes add up to %d, but valid is %d", sum, n[QValid])
		}
	}
	return flags
}

func answerErr(id, format string, args ...any) error {
	return baqylau.Errorf(baqylau.EINVALID, "answer %q %s", id, fmt.Sprintf(format, args...))
}

func isNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// shorten quotes at most 40 bytes of a raw value for an error message.
func shorten(raw []byte) string {
	s := string(raw)
	if len(s) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func jsonString(raw []byte) (string, error) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", errors.New("not a string")
	}
	if s, ok := plainJSONString(raw); ok {
		return s, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

// plainJSONString reads a JSON string that has no escapes and no control
// characters and is valid UTF-8 (a checkpoint, a choice code, most
// comments) as what it holds, without encoding/json; false for any other,
// which json.Unmarshal then reads.
func plainJSONString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

func choiceCodes(q Question) string {
	codes := make([]string, len(q.Choices))
	for i, c := range q.Choices {
		codes[i] = strconv.Quote(c.Code)
	}
	return strings.Join(codes, ", ")
}

// parseCount reads a whole number written as a JSON integer literal
// (no fraction, no exponent) and checks it against the question's bounds.
func parseCount(raw []byte, q Question) (int64, error) {
	s := string(raw)
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" || (len(digits) > 1 && digits[0] == '0') {
		if len(raw) > 0 && raw[0] == '"' {
			return 0, fmt.Errorf("must be a number, not the text %s", shorten(raw))
		}
		return 0, fmt.Errorf("must be a whole number, not %s", shorten(raw))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > MaxCount || n < -MaxCount {
		return 0, fmt.Errorf("%s is implausibly large (at most %d)", shorten(raw), MaxCount)
	}
	if q.Min != nil && n < int64(*q.Min) {
		if *q.Min == 0 {
			return 0, fmt.Errorf("must not be negative, not %d", n)
		}
		return 0, fmt.Errorf("must be at least %d, not %d", *q.Min, n)
	}
	if q.Max != nil && n > int64(*q.Max) {
		return 0, fmt.Errorf("must be at most %d, not %d", *q.Max, n)
	}
	return n, nil
}

// parseVotes reads {"option": count, ...}, refusing options given twice
// and, when c is given, options the contest does not have.
func parseVotes(raw []byte, q Question, c *election.Contest) (map[string]int64, error) {
	if raw[0] != '{' {
		return nil, fmt.Errorf("must be an object of votes by option, not %s", shorten(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("is broken JSON: %v", err)
	}
	votes := map[string]int64{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("is broken JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("is broken JSON")
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("is broken JSON: %v", err)
		}
		if _, dup := votes[key]; dup {
			return nil, fmt.Errorf("gives votes for %q twice", key)
		}
		if c != nil {
			if !slices.Contains(c.Options, key) {
				return nil, fmt.Errorf("names %q, which is not an option of contest %q", shorten([]byte(key)), c.Name)
			}
		} else {
			if k, err := CleanText(key); err != nil || k != key || strings.TrimSpace(key) == "" || len(key) > 300 {
				return nil, fmt.Errorf("has an option name that is empty, too long or has control characters: %q", shorten([]byte(key)))
			}
			if len(votes) >= maxVoteLines {
				return nil, fmt.Errorf("has more than %d options", maxVoteLines)
			}
		}
		n, err := parseCount(bytes.TrimSpace(val), q)
		if err != nil {
			return nil, fmt.Errorf("for %q %v", shorten([]byte(key)), err)
		}
		votes[key] = n
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, fmt.Errorf("is broken JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("has data after the object")
	}
	return votes, nil
}

// IntAnswer returns a whole-number answer (ballots_cast, a protocol line),
// or false when it is absent or not a whole number.
func IntAnswer(answers map[string]json.RawMessage, id string) (int64, bool) {
	raw := bytes.TrimSpace(answers[id])
	if isNull(raw) {
		return 0, false
	}
	n, err := parseCount(raw, Question{})
	return n, err == nil
}

// StringAnswer returns a text, choice or time answer, or false when it is
// absent or not a string.
func StringAnswer(answers map[string]json.RawMessage, id string) (string, bool) {
	s, err := jsonString(bytes.TrimSpace(answers[id]))
	return s, err == nil
}
