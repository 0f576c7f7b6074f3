package election

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
)

func TestParseClock(t *testing.T) {
	valid := map[string]Clock{
		"07:00": 7 * 60, "7:00": 7 * 60, "00:00": 0, "0:00": 0, "23:59": 23*60 + 59,
		"20:00": 20 * 60, " 20:00 ": 20 * 60, "09:05": 9*60 + 5, "12:30": 12*60 + 30,
	}
	for in, want := range valid {
		got, err := ParseClock(in)
		if err != nil || got != want {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	invalid := []string{
		"", " ", "7", "700", "0700", ":00", "07:", "24:00", "23:60", "99:99", "7:5", "07:5",
		"007:00", "07:000", "+7:00", "-0:00", "7:+5", "7:-0", "1:1x", "x1:10", "7 :00", "7: 00",
		"07.00", "7h00", "ab:cd", "07:00:00", "7:00 AM", "０７:００", "7:0\u0660", "12:3\x00",
	}
	for _, in := range invalid {
		if got, err := ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "is not HH:MM") {
			t.Errorf("ParseClock(%q) error %q does not say what was expected", in, err)
		}
	}
}

func TestClockString(t *testing.T) {
	for c, want := range map[Clock]string{0: "00:00", 7 * 60: "07:00", 20 * 60: "20:00", 23*60 + 59: "23:59", 9*60 + 5: "09:05"} {
		if got := c.String(); got != want {
			t.Errorf("Clock(%d).String() = %q, want %q", int(c), got, want)
		}
		if back, err := ParseClock(c.String()); err != nil || back != c {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", c.String(), back, err, c)
		}
	}
}

// station is a valid station at home, for tests to change.
func station() Station {
	return Station{Code: "001", Name: "School No. 1", Country: "KZ", Region: "Almaty", RegisteredVoters: 1200, Opens: DefaultOpens, Closes: DefaultCloses}
}

func TestStationValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(s *Station)
		field string // "" when valid
		says  string
		check func(t *testing.T, s Station)
	}{
		{"home derives the time zone from the region", func(s *Station) { s.Region, s.Country = "Mangistau", " kz " }, "", "",
			func(t *testing.T, s Station) {
				if s.Region != "KZ-47" || s.TimeZone != "Asia/Aqtau" || s.Country != "KZ" || s.Abroad() {
					t.Errorf("got region %s zone %s country %s", s.Region, s.TimeZone, s.Country)
				}
			}},
		{"home keeps a time zone given", func(s *Station) { s.TimeZone = "Asia/Qostanay" }, "", "",
			func(t *testing.T, s Station) {
				if s.Region != "KZ-75" || s.TimeZone != "Asia/Qostanay" {
					t.Errorf("got region %s zone %s", s.Region, s.TimeZone)
				}
			}},
		{"code and name are trimmed", func(s *Station) { s.Code, s.Name = "  42 ", "\tA\n" }, "", "",
			func(t *testing.T, s Station) {
				if s.Code != "42" || s.Name != "A" {
					t.Errorf("got code %q name %q", s.Code, s.Name)
				}
			}},
		{"abroad", func(s *Station) { s.Country, s.Region, s.TimeZone = "US", "", "America/Los_Angeles" }, "", "",
			func(t *testing.T, s Station) {
				if !s.Abroad() || s.Region != "" || s.TimeZone != "America/Los_Angeles" {
					t.Errorf("got %+v", s)
				}
			}},
		{"coordinates at the limits", func(s *Station) { lat, lon := -90.0, 180.0; s.Latitude, s.Longitude = &lat, &lon }, "", "", nil},
		{"abroad requires a time zone", func(s *Station) { s.Country, s.Region = "DE", "" }, "timezone", "is required for a station abroad", nil},
		{"abroad refuses a region", func(s *Station) { s.Country, s.TimeZone = "DE", "Europe/Berlin" }, "region", "must be empty for a station abroad", nil},
		{"home requires a region", func(s *Station) { s.Region = "" }, "region", "is required for a station in Kazakhstan", nil},
		{"unknown region", func(s *Station) { s.Region = "Atlantis" }, "region", `"Atlantis" is not a region of Kazakhstan`, nil},
		{"unknown zone", func(s *Station) { s.TimeZone = "Asia/Nowhere" }, "timezone", `"Asia/Nowhere" is not an IANA time zone`, nil},
		{"local zone refused", func(s *Station) { s.Country, s.Region, s.TimeZone = "FR", "", "Local" }, "timezone", `"Local" is not an IANA time zone`, nil},
		{"code required", func(s *Station) { s.Code = " " }, "code", "is required", nil},
		{"code too long", func(s *Station) { s.Code = strings.Repeat("1", 65) }, "code", "is longer than 64 characters", nil},
		{"name required", func(s *Station) { s.Name = "" }, "name", "is required", nil},
		{"country", func(s *Station) { s.Country = "KAZ" }, "country", `"KAZ" is not an ISO 3166-1 alpha-2 country code`, nil},
		{"negative voters", func(s *Station) { s.RegisteredVoters = -1 }, "registered_voters", "must not be negative", nil},
		{"closes before opens", func(s *Station) { s.Opens, s.Closes = 20*60, 7*60 }, "closes_local", "07:00 is not after opens_local 20:00", nil},
		{"closes when it opens", func(s *Station) { s.Opens, s.Closes = 8*60, 8*60 }, "closes_local", "08:00 is not after opens_local 08:00", nil},
		{"latitude", func(s *Station) { lat, lon := 90.5, 0.0; s.Latitude, s.Longitude = &lat, &lon }, "latitude", "must be between -90 and 90", nil},
		{"latitude NaN", func(s *Station) { lat := math.NaN(); s.Latitude = &lat }, "latitude", "must be between -90 and 90", nil},
		{"longitude", func(s *Station) { lon := -180.5; s.Longitude = &lon }, "longitude", "must be between -180 and 180", nil},
		{"longitude infinite", func(s *Station) { lon := math.Inf(1); s.Longitude = &lon }, "longitude", "must be between -180 and 180", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := station()
			tt.edit(&s)
			err := s.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if tt.check != nil {
					tt.check(t, s)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Problem, tt.says) {
				t.Errorf("error %q, want field %s and %q", err, tt.field, tt.says)
			}
			if err.Error() != fe.Field+" "+fe.Problem {
				t.Errorf("Error() = %q", err)
			}
			if baqylau.ErrorCode(err) != baqylau.EINVALID || baqylau.ErrorMessage(err) != err.Error() {
				t.Errorf("code %q message %q, want EINVALID and the field's message", baqylau.ErrorCode(err), baqylau.ErrorMessage(err))
			}
		})
	}
}

// at parses a time in RFC 3339.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestStationHours(t *testing.T) {
	abroad := func(zone string) Station {
		s := station()
		s.Country, s.Region, s.TimeZone = "XX", "", zone
		return s
	}
	tests := []struct {
		name         string
		s            Station
		day          string
		opens        string // RFC 3339, in UTC
		closes       string
		closesAlmaty string // the closing in the election's reference zone
	}{
		// The check from DESIGN.md: DST began in the US on 12 March 2023,
		// so 20:00 in San Francisco is 03:00 UTC, 09:00 in Astana (UTC+6).
		{"San Francisco, PDT", abroad("America/Los_Angeles"), "2023-03-19",
			"2023-03-19T14:00:00Z", "2023-03-20T03:00:00Z", "2023-03-20T09:00:00+06:00"},
		{"San Francisco, still PST", abroad("America/Los_Angeles"), "2023-03-11",
			"2023-03-11T15:00:00Z", "2023-03-12T04:00:00Z", "2023-03-12T10:00:00+06:00"},
		// The EU changed to summer time on 26 March 2023.
		{"Berlin, CET", abroad("Europe/Berlin"), "2023-03-19",
			"2023-03-19T06:00:00Z", "2023-03-19T19:00:00Z", "2023-03-20T01:00:00+06:00"},
		{"Berlin, CEST", abroad("Europe/Berlin"), "2023-03-26",
			"2023-03-26T05:00:00Z", "2023-03-26T18:00:00Z", "2023-03-27T00:00:00+06:00"},
		{"Moscow", abroad("Europe/Moscow"), "2023-03-19",
			"2023-03-19T04:00:00Z", "2023-03-19T17:00:00Z", "2023-03-19T23:00:00+06:00"},
		{"Seoul closes before Almaty opens its count", abroad("Asia/Seoul"), "2023-03-19",
			"2023-03-18T22:00:00Z", "2023-03-19T11:00:00Z", "2023-03-19T17:00:00+06:00"},
		// Kazakhstan moved from UTC+6 to UTC+5 on 1 March 2024.
		{"Almaty in 2023", abroad("Asia/Almaty"), "2023-03-19",
			"2023-03-19T01:00:00Z", "2023-03-19T14:00:00Z", "2023-03-19T20:00:00+06:00"},
		{"Almaty in 2024", abroad("Asia/Almaty"), "2024-03-02",
			"2024-03-02T02:00:00Z", "2024-03-02T15:00:00Z", "2024-03-02T20:00:00+05:00"},
		{"Aqtau was already UTC+5", abroad("Asia/Aqtau"), "2023-03-19",
			"2023-03-19T02:00:00Z", "2023-03-19T15:00:00Z", "2023-03-19T21:00:00+06:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Election{Name: "Mazhilis", Kind: Mazhilis, Date: mustDate(t, tt.day)}
			if err := e.Validate(); err != nil {
				t.Fatal(err)
			}
			opens, closes, err := tt.s.Hours(e.Date)
			if err != nil {
				t.Fatal(err)
			}
			if !opens.Equal(at(t, tt.opens)) || !closes.Equal(at(t, tt.closes)) {
				t.Errorf("hours %s – %s, want %s – %s", opens.UTC().Format(time.RFC3339), closes.UTC().Format(time.RFC3339), tt.opens, tt.closes)
			}
			if got := closes.In(e.Location()).Format(time.RFC3339); got != tt.closesAlmaty {
				t.Errorf("closes at %s in %s, want %s", got, e.TimeZone, tt.closesAlmaty)
			}
			// Hours are the station's local hours on the day, whatever the
			// location of the day given.
			if local := closes.In(opens.Location()); local.Hour() != 20 || local.Format(DateLayout) != tt.day {
				t.Errorf("closes at %v local", local)
			}
		})
	}
}

func TestStationHoursSanFranciscoToAstana(t *testing.T) {
	// The same check through a validated station, as an import makes it.
	s := Station{Code: "101", Name: "Consulate General in San Francisco", Country: "US", TimeZone: "America/Los_Angeles", RegisteredVoters: 412, Opens: DefaultOpens, Closes: DefaultCloses}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	_, closes, err := s.Hours(mustDate(t, "2023-03-19"))
	if err != nil {
		t.Fatal(err)
	}
	astana, err := LoadZone("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	if got := closes.In(astana).Format("2006-01-02 15:04"); got != "2023-03-20 09:00" {
		t.Errorf("San Francisco closes at %s Astana time, want 2023-03-20 09:00", got)
	}
	if name, offset := closes.Zone(); name != "PDT" || offset != -7*3600 {
		t.Errorf("San Francisco's zone at closing %s %d, want PDT -07:00", name, offset)
	}
}

func TestAlmatyOffset(t *testing.T) {
	almaty, err := LoadZone(DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]int{"2023-03-19": 6, "2024-02-29": 6, "2024-03-02": 5, "2025-01-01": 5} {
		d := mustDate(t, day)
		_, offset := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, almaty).Zone()
		if offset != want*3600 {
			t.Errorf("Asia/Almaty on %s is UTC%+d, want UTC+%d", day, offset/3600, want)
		}
	}
}

func TestStationHoursBadZone(t *testing.T) {
	s := station()
	s.TimeZone = "Nowhere/Else"
	if _, _, err := s.Hours(mustDate(t, "2023-03-19")); baqylau.ErrorCode(err) != baqylau.EINVALID {
		t.Errorf("Hours with an unknown zone: %v, want EINVALID", err)
	}
}

func TestLoadZone(t *testing.T) {
	for _, name := range []string{"Asia/Almaty", "Asia/Oral", "America/Los_Angeles", "Europe/Berlin", "UTC"} {
		if _, err := LoadZone(name); err != nil {
			t.Errorf("LoadZone(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "Local", "Asia/Almaty ", " UTC", "/etc/localtime", "/usr/share/zoneinfo/UTC", `..\UTC`, "../etc/passwd", "Mars/Olympus"} {
		if _, err := LoadZone(name); baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Errorf("LoadZone(%q) = %v, want EINVALID", name, err)
		}
	}
}
