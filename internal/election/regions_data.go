package election

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// since2022 is when Abai, Zhetisu and Ulytau regions were formed (Semey
// moved from East Kazakhstan to Abai).
var since2022 = day("2022-06-08")

// since2018 is when Shymkent became a city of republican significance and
// South Kazakhstan region was renamed Turkistan.
var since2018 = day("2018-06-19")

// regions is the reference list: 17 regions and 3 cities of republican
// significance, with the region renamed in 2018 kept for old files.
var regions = []Region{
	{Code: "KZ-10", NameKK: "Абай облысы", NameRU: "Абайская область", NameEN: "Abai Region", TimeZone: "Asia/Almaty", ValidFrom: since2022,
		Aliases: []string{"Abai", "Abay", "Абай", "область Абай", "Abai oblysy"}},
	{Code: "KZ-11", NameKK: "Ақмола облысы", NameRU: "Акмолинская область", NameEN: "Akmola Region", TimeZone: "Asia/Almaty",
		Aliases: []string{"Akmola", "Aqmola", "Акмола", "Ақмола", "Akmolinskaya"}},
	{Code: "KZ-15", NameKK: "Ақтөбе облысы", NameRU: "Актюбинская область", NameEN: "Aktobe Region", TimeZone: "Asia/Aqtobe",
		Aliases: []string{"Aktobe", "Aqtobe", "Aktyubinsk", "Актобе", "Ақтөбе", "Aktyubinskaya"}},
	{Code: "KZ-19", NameKK: "Алматы облысы", NameRU: "Алматинская область", NameEN: "Almaty Region", TimeZone: "Asia/Almaty",
		Aliases: []string{"Almatinskaya"}},
	{Code: "KZ-23", NameKK: "Атырау облысы", NameRU: "Атырауская область", NameEN: "Atyrau Region", TimeZone: "Asia/Atyrau",
		Aliases: []string{"Atyrau", "Атырау", "Atyrauskaya"}},
	{Code: "KZ-27", NameKK: "Батыс Қазақстан облысы", NameRU: "Западно-Казахстанская область", NameEN: "West Kazakhstan Region", TimeZone: "Asia/Oral",
		Aliases: []string{"West Kazakhstan", "Batys Kazakhstan", "Batys Qazaqstan", "ЗКО", "WKO", "Западно-Казахстанская", "Zapadno-Kazakhstanskaya"}},
	{Code: "KZ-31", NameKK: "Жамбыл облысы", NameRU: "Жамбылская область", NameEN: "Zhambyl Region", TimeZone: "Asia/Almaty",
		Aliases: []string{"Zhambyl", "Jambyl", "Жамбыл", "Zhambylskaya"}},
	{Code: "KZ-33", NameKK: "Жетісу облысы", NameRU: "Жетысуская область", NameEN: "Zhetisu Region", TimeZone: "Asia/Almaty", ValidFrom: since2022,
		Aliases: []string{"Zhetisu", "Jetisu", "Zhetysu", "Jetysu", "Жетісу", "Жетысу", "область Жетісу", "область Жетысу"}},
	{Code: "KZ-35", NameKK: "Қарағанды облысы", NameRU: "Карагандинская область", NameEN: "Karaganda Region", TimeZone: "Asia/Almaty",
		Aliases: []string{"Karaganda", "Karagandy", "Qaraghandy", "Qaragandy", "Караганда", "Қарағанды", "Karagandinskaya"}},
	{Code: "KZ-39", NameKK: "Қостанай облысы", NameRU: "Костанайская область", NameEN: "Kostanay Region", TimeZone: "Asia/Qostanay",
		Aliases: []string{"Kostanay", "Kostanai", "Qostanay", "Qostanai", "Костанай", "Қостанай", "Kostanayskaya"}},
	{Code: "KZ-43", NameKK: "Қызылорда облысы", NameRU: "Кызылординская область", NameEN: "Kyzylorda Region", TimeZone: "Asia/Qyzylorda",
		Aliases: []string{"Kyzylorda", "Qyzylorda", "Kzyl-Orda", "Кызылорда", "Қызылорда", "Kyzylordinskaya"}},
	{Code: "KZ-47", NameKK: "Маңғыстау облысы", NameRU: "Мангистауская область", NameEN: "Mangystau Region", TimeZone: "Asia/Aqtau",
		Aliases: []string{"Mangystau", "Mangistau", "Mangghystau", "Мангистау", "Мангыстау", "Маңғыстау", "Mangistauskaya"}},
	{Code: "KZ-55", NameKK: "Павлодар облысы", NameRU: "Павлодарская область", NameEN: "Pavlodar Region", TimeZone: "Asia/Almaty",
		Aliases: []string{"Pavlodar", "Павлодар", "Pavlodarskaya"}},
	{Code: "KZ-59", NameKK: "Солтүстік Қазақстан облысы", NameRU: "Северо-Казахстанская область", NameEN: "North Kazakhstan Region", TimeZone: "Asia/Almaty",
		Aliases: []string{"North Kazakhstan", "Soltustik Kazakhstan", "Soltustik Qazaqstan", "СКО", "NKO", "Северо-Казахстанская", "Severo-Kazakhstanskaya"}},
	{Code: "KZ-61", NameKK: "Түркістан облысы", NameRU: "Туркестанская область", NameEN: "Turkistan Region", TimeZone: "Asia/Almaty", ValidFrom: since2018,
		Aliases: []string{"Turkistan", "Turkestan", "Туркестан", "Түркістан", "Turkestanskaya"}},
	{Code: "KZ-62", NameKK: "Ұлытау облысы", NameRU: "Улытауская область", NameEN: "Ulytau Region", TimeZone: "Asia/Almaty", ValidFrom: since2022,
		Aliases: []string{"Ulytau", "Ulutau", "Улытау", "Ұлытау", "область Ұлытау", "область Улытау"}},
	{Code: "KZ-63", NameKK: "Шығыс Қазақстан облысы", NameRU: "Восточно-Казахстанская область", NameEN: "East Kazakhstan Region", TimeZone: "Asia/Almaty",
		Aliases: []string{"East Kazakhstan", "Shygys Kazakhstan", "Shygys Qazaqstan", "ВКО", "EKO", "Восточно-Казахстанская", "Vostochno-Kazakhstanskaya"}},
	{Code: "KZ-71", NameKK: "Астана", NameRU: "Астана", NameEN: "Astana", City: true, TimeZone: "Asia/Almaty",
		Aliases: []string{"Nur-Sultan", "Нур-Султан", "Нұр-Сұлтан", "Astana city", "город Астана", "Астана қаласы"}},
	{Code: "KZ-75", NameKK: "Алматы", NameRU: "Алматы", NameEN: "Almaty", City: true, TimeZone: "Asia/Almaty",
		Aliases: []string{"Almaty city", "город Алматы", "г. Алматы", "Алматы қаласы", "Alma-Ata", "Алма-Ата"}},
	{Code: "KZ-79", NameKK: "Шымкент", NameRU: "Шымкент", NameEN: "Shymkent", City: true, TimeZone: "Asia/Almaty", ValidFrom: since2018,
		Aliases: []string{"Shymkent city", "Chimkent", "Шымкент қаласы", "город Шымкент", "г. Шымкент"}},
	// Renamed to Turkistan on 19 June 2018; kept so that older files load.
	{Code: "KZ-61", NameKK: "Оңтүстік Қазақстан облысы", NameRU: "Южно-Казахстанская область", NameEN: "South Kazakhstan Region", TimeZone: "Asia/Almaty", ValidTo: since2018,
		Aliases: []string{"South Kazakhstan", "Ontustik Kazakhstan", "ЮКО", "Южно-Казахстанская"}},
}

// Regions returns the units that existed on a day, ordered by code; a zero
// day returns today's.
func Regions(on time.Time) []Region {
	if on.IsZero() {
		on = time.Now()
	}
	var out []Region
	for _, r := range regions {
		if r.ValidOn(on) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// RegionByCode returns the current unit with an ISO code.
func RegionByCode(code string) (Region, bool) {
	for _, r := range regions {
		if r.Code == code && r.ValidTo.IsZero() {
			return r, true
		}
	}
	return Region{}, false
}

// regionIndex maps a spelling key to the index of its region.
var regionIndex = func() map[string]int {
	m := map[string]int{}
	add := func(s string, i int) {
		k := regionKey(s)
		if _, dup := m[k]; !dup {
			m[k] = i
		}
	}
	// Current units first so that a shared key resolves to them.
	for pass := 0; pass < 2; pass++ {
		for i, r := range regions {
			if (pass == 0) != r.ValidTo.IsZero() {
				continue
			}
			for _, s := range append([]string{r.Code, strings.TrimPrefix(r.Code, "KZ-"), r.NameKK, r.NameRU, r.NameEN}, r.Aliases...) {
				add(s, i)
			}
		}
	}
	return m
}()

// LookupRegion finds a region by code (KZ-75 or 75) or by a kk, ru or en
// name in any of the common spellings ("Karagandy", "Карагандинская обл.",
// "Zhetisu oblysy"). A bare "Almaty" is the city; the region needs a word
// such as Region, oblysy or область. A renamed region resolves to the
// region that replaced it.
func LookupRegion(s string) (Region, bool) {
	k := regionKey(s)
	i, ok := regionIndex[k]
	if !ok {
		// "Karagandy oblysy": the alias is listed without the word for
		// region; a word for region never makes a city, though.
		base, marked := strings.CutSuffix(k, "#region")
		if i, ok = regionIndex[base]; !ok || !marked || regions[i].City {
			return Region{}, false
		}
	}
	r := regions[i]
	if !r.ValidTo.IsZero() {
		return RegionByCode(r.Code)
	}
	return r, true
}

// regionWords are the words that say "region" (they are dropped, but they
// make a bare city name mean its region).
var regionWords = map[string]bool{
	"region": true, "oblast": true, "oblasty": true, "oblysy": true, "obl": true,
	"область": true, "обл": true, "облысы": true, "облыс": true,
}

// cityWords say "city" and are dropped.
var cityWords = map[string]bool{
	"city": true, "г": true, "город": true, "қаласы": true, "qalasy": true, "kalasy": true, "gorod": true,
}

// regionKey reduces a spelling to a key: lower case, Kazakh and Russian
// letters folded to one Latin skeleton, look-alike letters unified, and
// words for "region" or "city" turned into a marker.
func regionKey(s string) string {
	s = norm.NFC.String(strings.ToLower(strings.TrimSpace(s)))
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '.' || r == ',' || r == '-' || r == '_' || r == '(' || r == ')' || r == '\'' || r == '’'
	})
	var words []string
	isRegion := false
	for _, f := range fields {
		switch {
		case regionWords[f] || regionWords[translit(f)]:
			isRegion = true
		case cityWords[f] || cityWords[translit(f)]:
		default:
			words = append(words, translit(f))
		}
	}
	k := strings.Join(words, "")
	if isRegion {
		k += "#region"
	}
	return k
}

var translitTable = map[rune]string{
	'а': "a", 'ә': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "g", 'д': "d", 'е': "e", 'ё': "e",
	'ж': "j", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'қ': "k", 'л': "l", 'м': "m", 'н': "n",
	'ң': "n", 'о': "o", 'ө': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ұ': "u",
	'ү': "u", 'ф': "f", 'х': "h", 'һ': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sh",
	'ъ': "", 'ы': "i", 'і': "i", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
}

// translit folds one lower-case word to a Latin skeleton so that Cyrillic,
// Latin and the several Latin transliterations meet.
func translit(w string) string {
	var b strings.Builder
	for _, r := range w {
		if t, ok := translitTable[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	s := b.String()
	for _, p := range [][2]string{{"zh", "j"}, {"gh", "g"}, {"kh", "h"}, {"q", "k"}, {"y", "i"}, {"w", "u"}} {
		s = strings.ReplaceAll(s, p[0], p[1])
	}
	return s
}
