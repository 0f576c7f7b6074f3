package report

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baqylau/baqylau"
)

// Category is one kind of incident in the standard taxonomy, drawn from
// the incident lists of OSCE/ODIHR, NDI and GNDEM observer missions.
type Category struct {
	Code  string
	Label Text
	// DefaultSeverity is used when the observer gives none.
	DefaultSeverity Severity
	// SMS is the category's code after "!" in the SMS grammar.
	SMS string
}

// Category codes the rest of the code refers to.
const (
	CategoryOther = "other"
)

var categories = []Category{
	{"obstruction_of_observers", Text{
		"kk": "Бақылаушыларға кедергі келтіру",
		"ru": "Препятствование работе наблюдателей",
		"en": "Obstruction of observers"}, High, "1"},
	{"ballot_stuffing", Text{
		"kk": "Бюллетеньдерді жәшікке заңсыз салу (вброс)",
		"ru": "Вброс бюллетеней",
		"en": "Ballot stuffing"}, Critical, "2"},
	{"multiple_voting", Text{
		"kk": "Бір адамның бірнеше рет дауыс беруі",
		"ru": "Многократное голосование",
		"en": "Multiple voting"}, High, "3"},
	{"carousel", Text{
		"kk": "«Карусель» (топтың бірнеше учаскеде дауыс беруі)",
		"ru": "«Карусель» (организованное голосование группы на нескольких участках)",
		"en": "Carousel voting (a group voting at several stations)"}, Critical, "4"},
	{"pressure_on_voters", Text{
		"kk": "Сайлаушыларға қысым көрсету",
		"ru": "Давление на избирателей",
		"en": "Pressure on voters"}, High, "5"},
	{"vote_buying", Text{
		"kk": "Дауыс сатып алу",
		"ru": "Подкуп избирателей",
		"en": "Vote buying"}, High, "6"},
	{"campaigning_on_election_day", Text{
		"kk": "Сайлау күні үгіт жүргізу",
		"ru": "Агитация в день выборов",
		"en": "Campaigning on election day"}, Medium, "7"},
	{"secrecy_of_vote", Text{
		"kk": "Дауыс беру құпиялылығының бұзылуы",
		"ru": "Нарушение тайны голосования",
		"en": "Secrecy of the vote violated"}, High, "8"},
	{"unauthorized_persons", Text{
		"kk": "Учаскеде бөгде адамдардың болуы",
		"ru": "Присутствие посторонних лиц на участке",
		"en": "Unauthorised persons at the station"}, Medium, "9"},
	{"voter_list_problems", Text{
		"kk": "Сайлаушылар тізіміндегі кемшіліктер",
		"ru": "Проблемы со списками избирателей",
		"en": "Voter list problems"}, Medium, "10"},
	{"count_irregularities", Text{
		"kk": "Дауыс санау кезіндегі бұзушылықтар",
		"ru": "Нарушения при подсчёте голосов",
		"en": "Count irregularities"}, Critical, "11"},
	{"protocol_not_posted", Text{
		"kk": "Хаттама жария етілмеді",
		"ru": "Протокол не вывешен для всеобщего ознакомления",
		"en": "Protocol not posted publicly"}, High, "12"},
	{"violence_or_threats", Text{
		"kk": "Зорлық-зомбылық немесе қорқыту",
		"ru": "Насилие или угрозы",
		"en": "Violence or threats"}, Critical, "13"},
	{CategoryOther, Text{
		"kk": "Басқа",
		"ru": "Другое",
		"en": "Other"}, Medium, "0"},
}

// Categories returns the incident taxonomy in display order.
func Categories() []Category {
	out := make([]Category, len(categories))
	for i, c := range categories {
		c.Label = cloneText(c.Label)
		out[i] = c
	}
	return out
}

// LookupCategory finds a category by its code or its SMS code.
func LookupCategory(code string) (Category, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	for _, c := range categories {
		if c.Code == code || c.SMS == code {
			c.Label = cloneText(c.Label)
			return c, true
		}
	}
	return Category{}, false
}

var severityLabels = map[Severity]Text{
	Low:      {"kk": "Төмен", "ru": "Низкая", "en": "Low"},
	Medium:   {"kk": "Орташа", "ru": "Средняя", "en": "Medium"},
	High:     {"kk": "Жоғары", "ru": "Высокая", "en": "High"},
	Critical: {"kk": "Аса маңызды", "ru": "Критическая", "en": "Critical"},
}

// Valid reports whether s is one of the severities.
func (s Severity) Valid() bool {
	_, ok := severityLabels[s]
	return ok
}

// Label names the severity in kk, ru and en.
func (s Severity) Label() Text { return cloneText(severityLabels[s]) }

// MaxClockSkew is how far ahead of its arrival an observation may claim to
// be: phones' clocks drift, but not by more.
const MaxClockSkew = 10 * time.Minute

// CheckIncident checks an incident before it is stored and normalises it:
// the category must be in the taxonomy (its SMS code is accepted too), an
// empty severity takes the category's default, and the description must be
// valid UTF-8 of at most MaxTextRunes characters; control characters are
// removed from it (line ends become "\n") and nothing else is changed —
// escaping for HTML is the web layer's job. observed_at is required and
// may not be more than MaxClockSkew after ReceivedAt (or now, when
// ReceivedAt is not set). Errors are EINVALID.
func CheckIncident(i *IncidentReport) error {
	c, ok := LookupCategory(i.Category)
	if !ok {
		return baqylau.Errorf(baqylau.EINVALID, "category %q is not in the incident taxonomy (%s)", i.Category, categoryCodes())
	}
	i.Category = c.Code
	i.Severity = Severity(strings.ToLower(strings.TrimSpace(string(i.Severity))))
	if i.Severity == "" {
		i.Severity = c.DefaultSeverity
	}
	if !i.Severity.Valid() {
		return baqylau.Errorf(baqylau.EINVALID, "severity %q is not one of low, medium, high, critical", i.Severity)
	}
	d, err := CleanText(i.Description)
	if err != nil {
		return baqylau.Errorf(baqylau.EINVALID, "description %s", err.Error())
	}
	i.Description = d
	if i.ObservedAt.IsZero() {
		return baqylau.Errorf(baqylau.EINVALID, "observed_at is required")
	}
	ref := i.ReceivedAt
	if ref.IsZero() {
		ref = time.Now()
	}
	if i.ObservedAt.After(ref.Add(MaxClockSkew)) {
		return baqylau.Errorf(baqylau.EINVALID, "observed_at %s is in the future (more than %d minutes after %s)",
			i.ObservedAt.UTC().Format(time.RFC3339), int(MaxClockSkew/time.Minute), ref.UTC().Format(time.RFC3339))
	}
	return nil
}

func categoryCodes() string {
	codes := make([]string, len(categories))
	for i, c := range categories {
		codes[i] = c.Code
	}
	return strings.Join(codes, ", ")
}

// textError is why a free text was refused; its message completes a
// sentence that starts with the field's name.
type textError string

func (e textError) Error() string { return string(e) }

// CleanText checks a free text (valid UTF-8, at most MaxTextRunes
// characters) and removes its control characters, keeping line ends as
// "\n". It changes nothing else: markup stays as typed, to be escaped
// where it is shown.
func CleanText(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", textError("is not valid UTF-8")
	}
	clean := strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r < 0x20 || (r >= 0x7F && r < 0xA0) {
			return -1
		}
		return r
	}, strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	if n := utf8.RuneCountInString(clean); n > MaxTextRunes {
		return "", textError("is " + strconv.Itoa(n) + " characters long, at most " + strconv.Itoa(MaxTextRunes) + " allowed")
	}
	return clean, nil
}
