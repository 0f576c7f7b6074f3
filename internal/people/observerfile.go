package people

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/sheet"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// observerColumns are the columns of the observers file (a fixed contract:
// it changes only by adding).
var observerColumns = []string{
	"full_name", "organization", "organization_kind", "country", "email", "phone",
	"languages", "region", "mission",
}

// requiredObserverColumns must be in every observers file.
var requiredObserverColumns = []string{"full_name", "organization", "organization_kind"}

// ObserverColumns returns the columns an observers file may have, in the
// documented order.
func ObserverColumns() []string { return append([]string(nil), observerColumns...) }

// Limits of an observers file.
const (
	// MaxNameChars bounds a person's full name, an organisation's name and
	// a mission's name, in characters.
	MaxNameChars = 300
	// maxEmailChars is the longest address SMTP delivers (RFC 5321).
	maxEmailChars = 254
	// maxPhoneDigits is the longest international number (E.164).
	maxPhoneDigits = 15
	// minPhoneDigits is the shortest number accepted.
	minPhoneDigits = 6
	// maxCellChars bounds the other cells.
	maxCellChars = 1000
)

// columnHints maps header names met in real files to the column meant.
var columnHints = map[string]string{
	"name": "full_name", "fullname": "full_name", "full_names": "full_name", "fio": "full_name",
	"observer": "full_name", "person": "full_name",
	"organisation": "organization", "org": "organization", "organizations": "organization",
	"kind": "organization_kind", "type": "organization_kind", "organization_type": "organization_kind",
	"org_kind": "organization_kind", "org_type": "organization_kind", "organisation_kind": "organization_kind",
	"e_mail": "email", "mail": "email", "email_address": "email", "emails": "email",
	"telephone": "phone", "tel": "phone", "phone_number": "phone", "mobile": "phone", "phones": "phone",
	"language": "languages", "langs": "languages", "lang": "languages",
	"citizenship": "country", "nationality": "country", "country_code": "country",
	"oblast": "region", "oblys": "region", "region_code": "region",
	"mission_name": "mission",
}

// suggestColumn returns the column a near-miss header name probably
// means, or "".
func suggestColumn(h string) string {
	k := strings.Join(strings.FieldsFunc(h, func(r rune) bool {
		return r == ' ' || r == '-' || r == '_' || r == '.'
	}), "_")
	k = strings.ReplaceAll(k, "organisation", "organization")
	for _, c := range observerColumns {
		if k == c || strings.ReplaceAll(k, "_", "") == strings.ReplaceAll(c, "_", "") {
			return c
		}
	}
	if c, ok := columnHints[k]; ok {
		return c
	}
	best, bestDist := "", 3
	for _, c := range observerColumns {
		if d := editDistance(k, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings (the
// distance is capped: long names are simply far from every column).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 40 || len(rb) > 40 {
		return 99
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// problems collects the problems of one import, up to
// election.MaxProblems.
type problems struct{ election.ImportError }

// add records a problem and reports whether to go on looking.
func (ps *problems) add(row int, column, format string, args ...any) bool {
	if len(ps.Problems) >= election.MaxProblems {
		ps.Truncated = true
		return false
	}
	ps.Problems = append(ps.Problems, election.Problem{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
	return true
}

func (ps *problems) err() error {
	if len(ps.Problems) == 0 {
		return nil
	}
	return &ps.ImportError
}

// fileError is the *election.ImportError for a file the sheet reader
// refused, keeping the reader's error in the chain so that
// errors.Is(err, sheet.ErrTooLarge) holds for a file too large.
type fileError struct {
	*election.ImportError
	cause error
}

// Unwrap returns the import error and the reader's error.
func (e *fileError) Unwrap() []error { return []error{e.ImportError, e.cause} }

// ParseObservers reads an observers file (.csv, .txt or .xlsx, chosen by
// filename) in the fixed format: a header row naming some of the columns
// ObserverColumns lists, in any order (full_name, organization and
// organization_kind are required), then one observer per row.
//
// Every row is checked and normalised: names trimmed with their spaces
// collapsed, organization_kind read as one of OrgKinds whatever its case,
// spaces or hyphens, country and region turned into codes, languages into
// lower-case ISO 639-1 codes. Two rows that share a DuplicateKeys key are
// the same person and refused. The result is every row or an
// *election.ImportError (find it with errors.As) listing what is wrong by
// row and column, up to election.MaxProblems problems. A failure to read
// r itself is returned wrapped as it is.
func ParseObservers(r io.Reader, filename string) ([]ObserverRow, error) {
	// A file with nothing in it has no observers, whatever its format.
	br := bufio.NewReaderSize(r, emptyPeek)
	head, err := br.Peek(emptyPeek)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("people: read observers file: %w", err)
	}
	if len(head) < emptyPeek && len(bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")))) == 0 {
		return nil, noObservers()
	}
	tb, err := sheet.Read(br, filename, sheet.Options{})
	if err != nil {
		var se *sheet.Error
		if errors.As(err, &se) {
			ie := &election.ImportError{Problems: []election.Problem{{Row: se.Row, Column: se.Column, Message: se.Message}}}
			return nil, &fileError{ImportError: ie, cause: err}
		}
		return nil, fmt.Errorf("people: read observers file: %w", err)
	}
	var ps problems
	cols := observerHeader(tb, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	if len(tb.Rows) == 0 {
		return nil, noObservers()
	}
	out := make([]ObserverRow, 0, len(tb.Rows))
	seen := make(map[string]int, 2*len(tb.Rows)) // duplicate key → first row
	orgKind := make(map[string]orgSeen, 16)      // organisation name key → first kind
	for _, row := range tb.Rows {
		o, more := parseObserverRow(row, cols, &ps)
		if more {
			more = checkAcrossRows(o, seen, orgKind, &ps)
		}
		if !more {
			break
		}
		out = append(out, o)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// emptyPeek is how much of a file is looked at to tell an empty one.
const emptyPeek = 4096

func noObservers() error {
	return &election.ImportError{Problems: []election.Problem{{Message: "no observers in file: expected a header row and then one row per observer"}}}
}

// orgSeen is where an organisation was first given a kind.
type orgSeen struct {
	kind OrgKind
	row  int
}

// checkAcrossRows refuses a row that repeats a person of an earlier row,
// or gives an organisation another kind than an earlier row did. It
// reports false when no more problems may be recorded.
func checkAcrossRows(o ObserverRow, seen map[string]int, orgKind map[string]orgSeen, ps *problems) bool {
	more := true
	reported := map[int]bool{}
	for _, k := range DuplicateKeys(o.FullName, Personal{Email: o.Email, Phone: o.Phone}) {
		first, dup := seen[k]
		if !dup {
			seen[k] = o.Row
			continue
		}
		if reported[first] {
			continue
		}
		reported[first] = true
		column, what := "email", "same name and e-mail"
		if strings.Contains(k, "|p:") {
			column, what = "phone", "same name and phone"
		}
		more = more && ps.add(o.Row, column, "the same person as row %d (%s): each observer is listed once", first, what)
	}
	if o.Organization != "" && o.OrganizationKind != "" {
		k := strings.ToLower(o.Organization)
		if first, ok := orgKind[k]; !ok {
			orgKind[k] = orgSeen{o.OrganizationKind, o.Row}
		} else if first.kind != o.OrganizationKind {
			more = more && ps.add(o.Row, "organization_kind", "is %s, but row %d gives %q the kind %s: an organisation has one kind", o.OrganizationKind, first.row, o.Organization, first.kind)
		}
	}
	return more
}

// observerHeader checks the header and maps each column to its index (-1
// when absent).
func observerHeader(tb *sheet.Table, ps *problems) map[string]int {
	cols := make(map[string]int, len(observerColumns))
	for _, c := range observerColumns {
		cols[c] = tb.Index(c)
	}
	allowed := strings.Join(observerColumns, ", ")
	for _, h := range tb.Header {
		if _, ok := cols[h]; ok {
			continue
		}
		hint := ""
		if s := suggestColumn(h); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		ps.add(tb.HeaderRow, h, "is not a column of the observers file%s: the allowed columns are %s", hint, allowed)
	}
	for _, c := range requiredObserverColumns {
		if cols[c] < 0 {
			ps.add(tb.HeaderRow, c, "the required column is missing: every observers file has the columns %s", strings.Join(requiredObserverColumns, ", "))
		}
	}
	return cols
}

// parseObserverRow checks and normalises one row, recording its problems.
// It reports false when no more problems may be recorded.
func parseObserverRow(row sheet.Row, cols map[string]int, ps *problems) (ObserverRow, bool) {
	more := true
	fail := func(column, format string, args ...any) {
		more = more && ps.add(row.Number, column, format, args...)
	}
	cell := func(column string, max int) (string, bool) {
		i := cols[column]
		if i < 0 {
			return "", true
		}
		v := strings.TrimSpace(row.Cells[i])
		if n := utf8.RuneCountInString(v); n > max {
			fail(column, "is %d characters long: at most %d are allowed", n, max)
			return "", false
		}
		if r, ok := badRune(v); ok {
			fail(column, "contains the control character %U: expected plain text on one line", r)
			return "", false
		}
		return v, true
	}
	name := func(column, what string) string {
		v, ok := cell(column, MaxNameChars)
		if ok && v == "" {
			fail(column, "is empty: expected %s", what)
		}
		return strings.Join(strings.Fields(norm.NFC.String(v)), " ")
	}
	o := ObserverRow{Row: row.Number}
	o.FullName = name("full_name", "the observer's full name, such as Нұрлан Серікбаев or Anna Schmidt")
	o.Organization = name("organization", "the name of the organisation that sends the observer, such as OSCE/ODIHR")
	switch v, ok := cell("organization_kind", maxCellChars); {
	case !ok:
	case v == "":
		fail("organization_kind", "is empty: expected one of %s", kindList())
	default:
		if k, ok := ParseOrgKind(v); ok {
			o.OrganizationKind = k
		} else {
			fail("organization_kind", "%q is not a kind of organisation: expected one of %s", v, kindList())
		}
	}
	if v, _ := cell("country", maxCellChars); v != "" {
		if c := strings.ToUpper(v); election.ValidCountry(c) {
			o.Country = c
		} else {
			fail("country", "%q is not a country code: expected an ISO 3166-1 alpha-2 code such as KZ, RU or DE", v)
		}
	}
	if v, _ := cell("email", maxEmailChars); v != "" {
		if msg := checkEmail(v); msg != "" {
			fail("email", "%q %s", v, msg)
		} else {
			o.Email = v
		}
	}
	if v, _ := cell("phone", maxCellChars); v != "" {
		if msg := checkPhone(v); msg != "" {
			fail("phone", "%q %s", v, msg)
		} else {
			o.Phone = strings.Join(strings.Fields(v), " ")
		}
	}
	if v, _ := cell("languages", maxCellChars); v != "" {
		langs, msg := parseLanguages(v)
		if msg != "" {
			fail("languages", "%s", msg)
		} else {
			o.Languages = langs
		}
	}
	if v, _ := cell("region", maxCellChars); v != "" {
		if reg, ok := election.LookupRegion(v); ok {
			o.Region = reg.Code
		} else {
			fail("region", "%q is not a region of Kazakhstan: expected a code such as KZ-75 or a name such as Almaty, Қарағанды облысы or Акмолинская область", v)
		}
	}
	if v, ok := cell("mission", MaxNameChars); ok {
		o.Mission = strings.Join(strings.Fields(norm.NFC.String(v)), " ")
	}
	return o, more
}

// badRune finds a character a name or a cell must not hold: a control
// character (tab and line breaks included) or a bidirectional override,
// which can make a name display as another.
func badRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return r, true
		}
	}
	return 0, false
}

// kindWords rewrite, in turn, spellings of the words in kinds to the
// words used.
var kindWords = []*strings.Replacer{
	strings.NewReplacer("organisation", "organization"),
	strings.NewReplacer("non_governmental_organization", "ngo"),
}

// ParseOrgKind reads a kind of organisation as people write it: any case,
// with spaces or hyphens for underscores, and British spelling
// ("Domestic NGO", "international-organisation").
func ParseOrgKind(s string) (OrgKind, bool) {
	k := strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == '-' || r == '_' || unicode.IsSpace(r)
	}), "_")
	for _, r := range kindWords {
		k = r.Replace(k)
	}
	if kind := OrgKind(k); kind.Valid() {
		return kind, true
	}
	return "", false
}

// checkEmail says what is wrong with an e-mail address, or "".
func checkEmail(v string) string {
	const want = "is not an e-mail address: expected a plain address such as name@example.org, without a name or angle brackets"
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return want
	}
	at := strings.LastIndexByte(v, '@')
	domain := v[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") || strings.HasSuffix(domain, ".") {
		return "is not an e-mail address: the part after @ must be a domain such as example.org"
	}
	return ""
}

// checkPhone says what is wrong with a phone number, or "".
func checkPhone(v string) string {
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "is not a phone number: expected digits, with an optional + at the start and spaces, dashes or parentheses, such as +7 701 123 45 67"
		}
	}
	if digits < minPhoneDigits {
		return fmt.Sprintf("is too short for a phone number: expected at least %d digits, such as +7 701 123 45 67", minPhoneDigits)
	}
	if digits > maxPhoneDigits {
		return fmt.Sprintf("is too long for a phone number: expected at most %d digits", maxPhoneDigits)
	}
	return ""
}

// parseLanguages reads a list of ISO 639-1 codes separated by commas or
// semicolons, lower-cased, without repeats; or says what is wrong.
func parseLanguages(v string) ([]string, string) {
	var langs []string
	var bad []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		code := strings.ToLower(strings.TrimSpace(f))
		if code == "" {
			continue
		}
		if !isLanguage(code) {
			if s := suggestLanguage(code); s != "" {
				bad = append(bad, fmt.Sprintf("%q is not a language code (did you mean %q?)", strings.TrimSpace(f), s))
			} else {
				bad = append(bad, fmt.Sprintf("%q is not a language code", strings.TrimSpace(f)))
			}
			continue
		}
		if !contains(langs, code) {
			langs = append(langs, code)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Sprintf("%s: expected two-letter ISO 639-1 codes separated by commas, such as kk, ru, en", strings.Join(bad, "; "))
	}
	return langs, ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// isLanguage reports whether code is a known two-letter language code.
func isLanguage(code string) bool {
	if len(code) != 2 || code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z' {
		return false
	}
	b, err := language.ParseBase(code)
	return err == nil && b.String() == code
}

// languageNames maps language names people write instead of codes.
var languageNames = map[string]string{
	"kazakh": "kk", "қазақ": "kk", "қазақша": "kk", "казахский": "kk", "kaz": "kk",
	"russian": "ru", "русский": "ru", "орыс": "ru", "rus": "ru",
	"english": "en", "английский": "en", "ағылшын": "en", "eng": "en",
}

// suggestLanguage returns the two-letter code a longer name or code
// probably means, or "".
func suggestLanguage(s string) string {
	if c, ok := languageNames[s]; ok {
		return c
	}
	if len(s) == 3 {
		if b, err := language.ParseBase(s); err == nil && isLanguage(b.String()) {
			return b.String()
		}
	}
	return ""
}
