package election

import (
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
)

func TestElectionValidate(t *testing.T) {
	almaty, err := LoadZone("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	e := Election{
		Name: "  Mazhilis 2023 ",
		Kind: Mazhilis,
		// Late evening in Almaty: the calendar date is the one written.
		Date: time.Date(2023, 3, 19, 23, 30, 0, 0, almaty),
		Contests: []Contest{
			{Name: "Party lists"},
			{Name: " Maslikhat of Almaty Region ", Region: "Almaty oblysy"},
			{Name: "Maslikhat of Almaty", Region: "almaty"},
		},
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if e.Name != "Mazhilis 2023" || e.TimeZone != DefaultTimeZone || DefaultTimeZone != "Asia/Almaty" {
		t.Errorf("name %q zone %q", e.Name, e.TimeZone)
	}
	if want := time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC); !e.Date.Equal(want) || e.Date.Location() != time.UTC {
		t.Errorf("date %v, want %v", e.Date, want)
	}
	if e.Location().String() != "Asia/Almaty" {
		t.Errorf("Location() = %v", e.Location())
	}
	if got := []string{e.Contests[0].Region, e.Contests[1].Region, e.Contests[2].Region}; got[0] != "" || got[1] != "KZ-19" || got[2] != "KZ-75" {
		t.Errorf("contest regions %q, want \"\", KZ-19, KZ-75", got)
	}
	if e.Contests[1].Name != "Maslikhat of Almaty Region" {
		t.Errorf("contest name %q not trimmed", e.Contests[1].Name)
	}

	abroad := Election{Name: "Referendum", Kind: Referendum, Date: mustDate(t, "2022-06-05"), TimeZone: "Asia/Aqtau"}
	if err := abroad.Validate(); err != nil || abroad.TimeZone != "Asia/Aqtau" {
		t.Errorf("a zone given is kept: %v, %q", err, abroad.TimeZone)
	}
}

func TestElectionValidateErrors(t *testing.T) {
	valid := func() Election {
		return Election{Name: "Presidential 2022", Kind: Presidential, Date: time.Date(2022, 11, 20, 0, 0, 0, 0, time.UTC)}
	}
	tests := []struct {
		name string
		edit func(e *Election)
		says string
	}{
		{"name required", func(e *Election) { e.Name = " \t" }, "election name is required"},
		{"name too long", func(e *Election) { e.Name = strings.Repeat("ы", 151) }, "longer than 300 bytes"},
		{"kind", func(e *Election) { e.Kind = "local" }, `election kind "local" is not one of presidential, mazhilis, maslikhat, akim, referendum`},
		{"kind empty", func(e *Election) { e.Kind = "" }, "is not one of"},
		{"date", func(e *Election) { e.Date = time.Time{} }, "election date is required"},
		{"zone", func(e *Election) { e.TimeZone = "Asia/Astana" }, `time zone "Asia/Astana" is not an IANA zone name`},
		{"local zone", func(e *Election) { e.TimeZone = "Local" }, `time zone "Local"`},
		{"contest name", func(e *Election) { e.Contests = []Contest{{Name: " "}} }, "contest name is required"},
		{"contest region", func(e *Election) { e.Contests = []Contest{{Name: "X", Region: "Atlantis"}} }, `contest region "Atlantis" is not a region of Kazakhstan`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			tt.edit(&e)
			err := e.Validate()
			if baqylau.ErrorCode(err) != baqylau.EINVALID || !strings.Contains(baqylau.ErrorMessage(err), tt.says) {
				t.Errorf("Validate() = %v, want EINVALID saying %q", err, tt.says)
			}
		})
	}
}

func TestKind(t *testing.T) {
	if len(Kinds) != 5 {
		t.Errorf("%d kinds, want 5", len(Kinds))
	}
	for _, k := range Kinds {
		if !k.Valid() {
			t.Errorf("%q not valid", k)
		}
	}
	for _, k := range []Kind{"", "Presidential", "local", "akim "} {
		if k.Valid() {
			t.Errorf("%q valid", k)
		}
	}
}

func TestContestServes(t *testing.T) {
	almatyCity := Station{Region: "KZ-75"}
	abroad := Station{Country: "US"}
	tests := []struct {
		c    Contest
		s    Station
		want bool
	}{
		{Contest{Name: "Party lists"}, almatyCity, true},
		{Contest{Name: "Party lists"}, abroad, true},
		{Contest{Name: "Maslikhat", Region: "KZ-75"}, almatyCity, true},
		{Contest{Name: "Maslikhat", Region: "KZ-19"}, almatyCity, false},
		{Contest{Name: "Maslikhat", Region: "KZ-75"}, abroad, false},
	}
	for _, tt := range tests {
		if got := tt.c.Serves(tt.s); got != tt.want {
			t.Errorf("%+v serves %+v = %v, want %v", tt.c, tt.s, got, tt.want)
		}
	}
}

func TestLocationFallback(t *testing.T) {
	if loc := (Election{TimeZone: "Not/AZone"}).Location(); loc != time.UTC {
		t.Errorf("Location() of an unknown zone = %v, want UTC", loc)
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate(" 2023-03-19 ")
	if err != nil || !d.Equal(time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	for _, s := range []string{"", "19.03.2023", "2023-3-19", "2023-02-30", "2023-03-19T00:00:00Z", "tomorrow"} {
		if _, err := ParseDate(s); baqylau.ErrorCode(err) != baqylau.EINVALID || !strings.Contains(err.Error(), "is not YYYY-MM-DD") {
			t.Errorf("ParseDate(%q) = %v, want EINVALID", s, err)
		}
	}
}
