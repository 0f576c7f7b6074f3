package election

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
)

func FuzzParseStations(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", "stations_good.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, s := range []string{
		header + "1,A,Almaty,KZ,,10,,,,\n",
		header + "1,A,Qaragandyy,KZ,,-5,25:00,7:00,NaN,1e3\n1,B,,US,,x,,,,\n",
		"code;name;country;registered_voters\r\n1;A;US;1\r\n",
		"code,name\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		stations, err := ParseStations(bytes.NewReader(data), "stations.csv")
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 || len(ie.Problems) > MaxProblems {
				t.Fatalf("error %v (%T) is not an ImportError with 1 to %d problems", err, err, MaxProblems)
			}
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			if stations != nil {
				t.Fatal("stations returned with an error")
			}
			return
		}
		if len(stations) == 0 {
			t.Fatal("no stations and no error")
		}
		codes := map[string]bool{}
		for _, s := range stations {
			if codes[s.Code] {
				t.Fatalf("code %q twice", s.Code)
			}
			codes[s.Code] = true
			// What was accepted stays valid, and its hours can be computed.
			again := s
			if err := again.Validate(); err != nil {
				t.Fatalf("accepted station %+v fails Validate: %v", s, err)
			}
			if _, _, err := s.Hours(time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatalf("accepted station %+v has no hours: %v", s, err)
			}
		}
	})
}

func FuzzLookupRegion(f *testing.F) {
	for _, s := range []string{"Almaty", "Almaty oblysy", "Алматинская обл.", "KZ-75", "75", "Zhetisu Region", "г. Алматы", "oblysy", "", "Ұлытау облысы"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := LookupRegion(s)
		if !ok {
			if r.Code != "" {
				t.Fatalf("LookupRegion(%q) = %+v, false", s, r)
			}
			return
		}
		if !r.ValidTo.IsZero() {
			t.Fatalf("LookupRegion(%q) gave the former %s", s, r.NameEN)
		}
		if _, ok := RegionByCode(r.Code); !ok {
			t.Fatalf("LookupRegion(%q) gave %s, unknown to RegionByCode", s, r.Code)
		}
		// The canonical code always finds the same unit again.
		if again, ok := LookupRegion(r.Code); !ok || again.Code != r.Code {
			t.Fatalf("LookupRegion(%q) = %s, but its code finds %s", s, r.Code, again.Code)
		}
	})
}
