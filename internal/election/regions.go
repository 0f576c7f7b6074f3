package election

import (
	"strings"
	"time"
)

// Region is a first-level unit of Kazakhstan: a region (oblys) or a city
// of republican significance.
type Region struct {
	Code   string // ISO 3166-2:KZ
	NameKK string
	NameRU string
	NameEN string
	City   bool // a city of republican significance
	// TimeZone is the IANA zone of the region's stations.
	TimeZone string
	// ValidFrom and ValidTo bound the region's existence; zero means open.
	ValidFrom, ValidTo time.Time
	// Aliases are other spellings met in real files.
	Aliases []string
}

// Name returns the region's name in a language (kk, ru, en).
func (r Region) Name(lang string) string {
	switch lang {
	case "kk":
		return r.NameKK
	case "ru":
		return r.NameRU
	}
	return r.NameEN
}

// ValidOn reports whether the region existed on a day: the calendar date
// of day in its own location, whatever the time of day.
func (r Region) ValidOn(day time.Time) bool {
	y, m, d := day.Date()
	day = time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // as ValidFrom and ValidTo
	if !r.ValidFrom.IsZero() && day.Before(r.ValidFrom) {
		return false
	}
	return r.ValidTo.IsZero() || day.Before(r.ValidTo)
}

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 country code
// in upper case: one of the 249 assigned codes, not a withdrawn (SU, YU)
// or reserved one (UK, EU, UN).
func ValidCountry(code string) bool {
	return len(code) == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z' &&
		strings.Contains(isoCountries, " "+code+" ")
}

// isoCountries lists the assigned ISO 3166-1 alpha-2 codes, space-separated
// with a space at each end.
const isoCountries = " " +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"YE YT " +
	"ZA ZM ZW "

func day(s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err) // reference data is fixed at build time
	}
	return t
}
