package election

import (
	"strings"
	"testing"
	"time"
)

func TestLookupRegion(t *testing.T) {
	tests := []struct {
		in   string
		want string // code; "" when the spelling must not resolve
	}{
		// Almaty the city, and Almaty Region, kept apart.
		{"Almaty", "KZ-75"},
		{"almaty", "KZ-75"},
		{"ALMATY CITY", "KZ-75"},
		{"Алматы", "KZ-75"},
		{"г. Алматы", "KZ-75"},
		{"город Алматы", "KZ-75"},
		{"Алматы қаласы", "KZ-75"},
		{"Alma-Ata", "KZ-75"},
		{"Almaty Region", "KZ-19"},
		{"Almaty oblysy", "KZ-19"},
		{"Almaty Oblast", "KZ-19"},
		{"Алматинская область", "KZ-19"},
		{"Алматинская обл.", "KZ-19"},
		{"Алматы облысы", "KZ-19"},
		{"Almatinskaya", "KZ-19"},
		// Karaganda in its many spellings.
		{"Karaganda", "KZ-35"},
		{"Karagandy", "KZ-35"},
		{"Qaraghandy", "KZ-35"},
		{"Qaragandy", "KZ-35"},
		{"Karagandy oblysy", "KZ-35"},
		{"Karaganda Region", "KZ-35"},
		{"Карагандинская обл.", "KZ-35"},
		{"Карагандинская область", "KZ-35"},
		{"Қарағанды облысы", "KZ-35"},
		{"  karaganda   region ", "KZ-35"},
		// Turkistan, and the South Kazakhstan it was until 2018.
		{"Turkistan", "KZ-61"},
		{"Turkestan", "KZ-61"},
		{"Туркестанская область", "KZ-61"},
		{"Түркістан облысы", "KZ-61"},
		{"South Kazakhstan", "KZ-61"},
		{"ЮКО", "KZ-61"},
		// The regions of 2022.
		{"Zhetisu", "KZ-33"},
		{"Jetisu", "KZ-33"},
		{"Zhetysu", "KZ-33"},
		{"Жетісу", "KZ-33"},
		{"Жетысу", "KZ-33"},
		{"Zhetisu oblysy", "KZ-33"},
		{"Zhetisu Region", "KZ-33"},
		{"область Жетісу", "KZ-33"},
		{"Abai", "KZ-10"},
		{"Abay", "KZ-10"},
		{"Abai Region", "KZ-10"},
		{"Абайская область", "KZ-10"},
		{"Ulytau", "KZ-62"},
		{"Ұлытау облысы", "KZ-62"},
		// Others.
		{"Astana", "KZ-71"},
		{"Nur-Sultan", "KZ-71"},
		{"Нұр-Сұлтан", "KZ-71"},
		{"Shymkent", "KZ-79"},
		{"Chimkent", "KZ-79"},
		{"ВКО", "KZ-63"},
		{"East Kazakhstan Region", "KZ-63"},
		{"Западно-Казахстанская область", "KZ-27"},
		{"Mangistau", "KZ-47"},
		{"Kyzylorda", "KZ-43"},
		{"Qyzylorda", "KZ-43"},
		{"Kostanai", "KZ-39"},
		{"Aqtobe", "KZ-15"},
		{"Jambyl", "KZ-31"},
		// Codes, with and without the country.
		{"KZ-75", "KZ-75"},
		{"kz-75", "KZ-75"},
		{"75", "KZ-75"},
		{"KZ-19", "KZ-19"},
		{"19", "KZ-19"},
		{"KZ-71", "KZ-71"},
		{"KZ-61", "KZ-61"},
		// Not regions.
		{"", ""},
		{"   ", ""},
		{"oblysy", ""},
		{"Region", ""},
		{"г.", ""},
		{"Qaragandyy", ""},
		{"Moscow", ""},
		{"KZ-99", ""},
		{"99", ""},
		{"KZ", ""},
		{"Astana Region", ""},   // a city of republican significance is no region
		{"Shymkent oblysy", ""}, // idem
		{"Almaty Region City", "KZ-19"},
	}
	for _, tt := range tests {
		r, ok := LookupRegion(tt.in)
		if got := map[bool]string{true: r.Code}[ok]; got != tt.want {
			t.Errorf("LookupRegion(%q) = %q, %v; want %q", tt.in, r.Code, ok, tt.want)
		}
		if ok && !r.ValidTo.IsZero() {
			t.Errorf("LookupRegion(%q) gave the former %s", tt.in, r.NameEN)
		}
	}
}

func TestLookupRegionEveryName(t *testing.T) {
	// Every name and alias of a current unit finds that unit, and so does
	// each name with a word for region after it (for regions, not cities).
	for _, r := range Regions(time.Time{}) {
		for _, name := range append([]string{r.Code, strings.TrimPrefix(r.Code, "KZ-"), r.NameKK, r.NameRU, r.NameEN}, r.Aliases...) {
			if got, ok := LookupRegion(name); !ok || got.Code != r.Code {
				t.Errorf("LookupRegion(%q) = %q, %v; want %s", name, got.Code, ok, r.Code)
			}
			if r.City || strings.HasPrefix(name, "KZ-") || strings.TrimLeft(name, "0123456789") == "" {
				continue
			}
			for _, word := range []string{" Region", " oblysy", " область", " облысы"} {
				if got, ok := LookupRegion(name + word); !ok || got.Code != r.Code {
					t.Errorf("LookupRegion(%q) = %q, %v; want %s", name+word, got.Code, ok, r.Code)
				}
			}
		}
	}
}

func TestRegions(t *testing.T) {
	tests := []struct {
		day            string
		units, cities  int
		has, hasNot    []string // English names
		turkistanNamed string
	}{
		// The presidential election of 2022 was on 20 November, after the
		// new regions; the Mazhilis election of 2023 too.
		{"2023-03-19", 20, 3, []string{"Abai Region", "Zhetisu Region", "Ulytau Region", "Shymkent"}, []string{"South Kazakhstan Region"}, "Turkistan Region"},
		{"2022-06-08", 20, 3, []string{"Abai Region"}, nil, "Turkistan Region"},
		{"2022-06-07", 17, 3, nil, []string{"Abai Region", "Zhetisu Region", "Ulytau Region"}, "Turkistan Region"},
		// The Mazhilis election of 2021: 14 regions and 3 cities.
		{"2021-01-10", 17, 3, []string{"Shymkent", "Turkistan Region"}, []string{"Abai Region", "Zhetisu Region", "Ulytau Region", "South Kazakhstan Region"}, "Turkistan Region"},
		{"2018-06-19", 17, 3, []string{"Shymkent"}, []string{"South Kazakhstan Region"}, "Turkistan Region"},
		// Before Shymkent left South Kazakhstan: 14 regions and 2 cities.
		{"2018-06-18", 16, 2, []string{"South Kazakhstan Region"}, []string{"Shymkent", "Turkistan Region"}, "South Kazakhstan Region"},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			d, err := ParseDate(tt.day)
			if err != nil {
				t.Fatal(err)
			}
			rs := Regions(d)
			names := map[string]bool{}
			cities := 0
			for i, r := range rs {
				names[r.NameEN] = true
				if r.City {
					cities++
				}
				if i > 0 && rs[i-1].Code >= r.Code {
					t.Errorf("not ordered by code: %s before %s", rs[i-1].Code, r.Code)
				}
				if r.Code == "KZ-61" && r.NameEN != tt.turkistanNamed {
					t.Errorf("KZ-61 is %s, want %s", r.NameEN, tt.turkistanNamed)
				}
			}
			if len(rs) != tt.units || cities != tt.cities {
				t.Errorf("%d units, %d cities; want %d and %d", len(rs), cities, tt.units, tt.cities)
			}
			for _, n := range tt.has {
				if !names[n] {
					t.Errorf("%s missing", n)
				}
			}
			for _, n := range tt.hasNot {
				if names[n] {
					t.Errorf("%s should not exist yet or any more", n)
				}
			}
		})
	}
	if n := len(Regions(time.Time{})); n != 20 {
		t.Errorf("today's units: %d, want 20", n)
	}
}

func TestRegionValidOnCalendarDay(t *testing.T) {
	abai, ok := RegionByCode("KZ-10")
	if !ok {
		t.Fatal("no KZ-10")
	}
	almaty, err := LoadZone("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	// Midnight of 8 June 2022 in Kazakhstan is still 7 June in UTC.
	if !abai.ValidOn(time.Date(2022, 6, 8, 0, 0, 0, 0, almaty)) {
		t.Error("Abai Region not valid on 8 June 2022 given in Asia/Almaty")
	}
	if abai.ValidOn(time.Date(2022, 6, 7, 23, 59, 0, 0, almaty)) {
		t.Error("Abai Region valid on 7 June 2022")
	}
	la, err := LoadZone("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	sk := regions[len(regions)-1]
	if sk.NameEN != "South Kazakhstan Region" {
		t.Fatalf("last reference unit is %s", sk.NameEN)
	}
	if !sk.ValidOn(time.Date(2018, 6, 18, 23, 0, 0, 0, la)) || sk.ValidOn(time.Date(2018, 6, 19, 0, 0, 0, 0, la)) {
		t.Error("South Kazakhstan's last day is not 18 June 2018 in every zone")
	}
}

func TestRegionReferenceData(t *testing.T) {
	codes := map[string]int{}
	for _, r := range regions {
		codes[r.Code]++
		if r.NameKK == "" || r.NameRU == "" || r.NameEN == "" {
			t.Errorf("%s lacks a name: %+v", r.Code, r)
		}
		if _, err := LoadZone(r.TimeZone); err != nil {
			t.Errorf("%s: time zone %q: %v", r.Code, r.TimeZone, err)
		}
		if !strings.HasPrefix(r.Code, "KZ-") || len(r.Code) != 5 {
			t.Errorf("code %q is not ISO 3166-2:KZ", r.Code)
		}
		if !r.ValidFrom.IsZero() && !r.ValidTo.IsZero() && !r.ValidFrom.Before(r.ValidTo) {
			t.Errorf("%s: valid from %v to %v", r.Code, r.ValidFrom, r.ValidTo)
		}
		for _, lang := range []string{"kk", "ru", "en"} {
			if r.Name(lang) == "" {
				t.Errorf("%s has no %s name", r.Code, lang)
			}
		}
		if r.Name("kk") != r.NameKK || r.Name("ru") != r.NameRU || r.Name("en") != r.NameEN || r.Name("de") != r.NameEN {
			t.Errorf("%s: Name picks the wrong language", r.Code)
		}
	}
	for code, n := range codes {
		if n > 1 && code != "KZ-61" {
			t.Errorf("code %s used %d times", code, n)
		}
	}
	for _, c := range []struct {
		code   string
		nameEN string
		city   bool
	}{
		{"KZ-10", "Abai Region", false}, {"KZ-33", "Zhetisu Region", false}, {"KZ-62", "Ulytau Region", false},
		{"KZ-71", "Astana", true}, {"KZ-75", "Almaty", true}, {"KZ-79", "Shymkent", true},
		{"KZ-19", "Almaty Region", false}, {"KZ-61", "Turkistan Region", false},
	} {
		r, ok := RegionByCode(c.code)
		if !ok || r.NameEN != c.nameEN || r.City != c.city {
			t.Errorf("RegionByCode(%s) = %s city=%v, %v; want %s city=%v", c.code, r.NameEN, r.City, ok, c.nameEN, c.city)
		}
	}
	if _, ok := RegionByCode("KZ-99"); ok {
		t.Error("RegionByCode(KZ-99) found something")
	}
	// The 2022 regions start on 8 June 2022.
	for _, code := range []string{"KZ-10", "KZ-33", "KZ-62"} {
		r, _ := RegionByCode(code)
		if got := r.ValidFrom.Format(DateLayout); got != "2022-06-08" {
			t.Errorf("%s valid from %s, want 2022-06-08", code, got)
		}
	}
	for _, code := range []string{"KZ-61", "KZ-79"} {
		r, _ := RegionByCode(code)
		if got := r.ValidFrom.Format(DateLayout); got != "2018-06-19" {
			t.Errorf("%s valid from %s, want 2018-06-19", code, got)
		}
	}
}

func TestValidCountry(t *testing.T) {
	for code, want := range map[string]bool{
		"KZ": true, "US": true, "DE": true, "TR": true, "RU": true, "GB": true, "KR": true,
		"AE": true, "CN": true, "UZ": true, "KG": true, "SS": true, "BQ": true, "AQ": true,
		"kz": false, "Kz": false, "": false, "K": false, "KAZ": false, "398": false,
		"UK": false, "EU": false, "UN": false, "SU": false, "YU": false, "CS": false,
		"ZZ": false, "XK": false, "AA": false, "QO": false, "001": false, "K\u0417": false,
	} {
		if got := ValidCountry(code); got != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
		}
	}
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if ValidCountry(string([]rune{a, b})) {
				n++
			}
		}
	}
	if n != 249 {
		t.Errorf("%d valid codes, want the 249 of ISO 3166-1", n)
	}
}
