package people

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DuplicateKeys returns the keys under which two records are the same
// person: the normalised name with the e-mail, and with the phone. Two
// observers sharing any key are duplicates.
func DuplicateKeys(fullName string, p Personal) []string {
	name := NormalizeName(fullName)
	if name == "" {
		return nil
	}
	var keys []string
	if e := strings.ToLower(strings.TrimSpace(p.Email)); e != "" {
		keys = append(keys, name+"|e:"+e)
	}
	if ph := NormalizePhone(p.Phone); ph != "" {
		keys = append(keys, name+"|p:"+ph)
	}
	return keys
}

// NormalizeName folds a person's name for comparison: case, accents,
// punctuation and word order are ignored ("Ivanov Ivan" = "IVAN  IVANOV").
func NormalizeName(s string) string {
	s = norm.NFKD.String(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	words := strings.Fields(b.String())
	slices.Sort(words)
	return strings.Join(words, " ")
}

// NormalizePhone keeps the digits of a phone number, reading a Kazakh
// number written 8 7xx… as +7 7xx….
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) == 11 && d[0] == '8' {
		d = "7" + d[1:]
	}
	if len(d) < 6 {
		return ""
	}
	return d
}
