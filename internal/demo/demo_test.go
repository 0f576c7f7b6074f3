package demo

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
)

var update = flag.Bool("update", false, "rewrite docs/samples/stations-abroad.csv")

// samplePath is the committed sample stations file of the stations abroad.
var samplePath = filepath.Join("..", "..", "docs", "samples", "stations-abroad.csv")

func generate(t testing.TB, opts Options) []election.Station {
	t.Helper()
	stations, err := Stations(opts)
	if err != nil {
		t.Fatal(err)
	}
	return stations
}

func split(stations []election.Station) (home, abroad []election.Station) {
	for _, s := range stations {
		if s.Abroad() {
			abroad = append(abroad, s)
		} else {
			home = append(home, s)
		}
	}
	return home, abroad
}

func TestAbroadMatchesTheReport(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40} {
		_, abroad := split(generate(t, Options{Seed: seed}))
		if len(abroad) != AbroadStations {
			t.Errorf("seed %d: %d stations abroad, want %d", seed, len(abroad), AbroadStations)
		}
		countries := map[string]int{}
		total := 0
		for _, s := range abroad {
			countries[s.Country]++
			total += s.RegisteredVoters
			if s.RegisteredVoters <= 0 {
				t.Errorf("seed %d: %s has %d registered voters", seed, s.Code, s.RegisteredVoters)
			}
			if s.Region != "" || s.TimeZone == "" || s.City == "" {
				t.Errorf("seed %d: %s: region %q, zone %q, city %q", seed, s.Code, s.Region, s.TimeZone, s.City)
			}
			if s.Opens != election.DefaultOpens || s.Closes != election.DefaultCloses {
				t.Errorf("seed %d: %s votes %s–%s", seed, s.Code, s.Opens, s.Closes)
			}
		}
		if len(countries) != AbroadCountries {
			t.Errorf("seed %d: stations in %d countries, want %d", seed, len(countries), AbroadCountries)
		}
		if total != RegisteredAbroad {
			t.Errorf("seed %d: %d registered abroad, want %d", seed, total, RegisteredAbroad)
		}
		if countries["RU"] < 2 || countries["US"] != 3 {
			t.Errorf("seed %d: %d stations in Russia, %d in the US", seed, countries["RU"], countries["US"])
		}
	}
}

func TestSanFranciscoClosesLast(t *testing.T) {
	e := Election()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	astana, err := election.LoadZone("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2023, time.March, 20, 9, 0, 0, 0, astana)
	var last election.Station
	var lastClose time.Time
	for _, s := range generate(t, Options{}) {
		_, closes, err := s.Hours(e.Date)
		if err != nil {
			t.Fatalf("%s: %v", s.Code, err)
		}
		if closes.After(lastClose) {
			last, lastClose = s, closes
		}
	}
	if last.City != "San Francisco" || last.TimeZone != "America/Los_Angeles" || last.Country != "US" {
		t.Errorf("last to close is %s (%s, %s)", last.Code, last.City, last.TimeZone)
	}
	if !lastClose.Equal(want) {
		t.Errorf("last station closes at %s, want %s", lastClose.In(astana), want)
	}
	if got := lastClose.In(e.Location()).Format("2006-01-02 15:04"); got != "2023-03-20 09:00" {
		t.Errorf("in the election's zone the last station closes at %s", got)
	}
}

func TestEveryStationIsValid(t *testing.T) {
	stations := generate(t, Options{})
	codes := map[string]bool{}
	for _, s := range stations {
		if codes[s.Code] {
			t.Errorf("code %s twice", s.Code)
		}
		codes[s.Code] = true
		v := s
		if err := v.Validate(); err != nil {
			t.Errorf("%s: %v", s.Code, err)
		}
		if !reflect.DeepEqual(v, s) {
			t.Errorf("%s changes when validated again: %+v", s.Code, v)
		}
		if s.Latitude == nil || s.Longitude == nil {
			t.Errorf("%s has no coordinates", s.Code)
		}
	}
}

func TestHomeStations(t *testing.T) {
	home, _ := split(generate(t, Options{}))
	if len(home) != DefaultHomeStations {
		t.Fatalf("%d stations at home, want %d", len(home), DefaultHomeStations)
	}
	day := time.Date(2023, time.March, 19, 0, 0, 0, 0, time.UTC)
	per := map[string]int{}
	districts := map[string]bool{}
	var registered int64
	for _, s := range home {
		per[s.Region]++
		districts[s.Region+"/"+s.District] = true
		registered += int64(s.RegisteredVoters)
		if s.RegisteredVoters < 50 || s.RegisteredVoters > 3000 {
			t.Errorf("%s has %d registered voters", s.Code, s.RegisteredVoters)
		}
		if s.Opens != election.DefaultOpens || s.Closes != election.DefaultCloses {
			t.Errorf("%s votes %s–%s", s.Code, s.Opens, s.Closes)
		}
		r, ok := election.RegionByCode(s.Region)
		if !ok || s.TimeZone != r.TimeZone {
			t.Errorf("%s in %s has zone %q", s.Code, s.Region, s.TimeZone)
		}
		if *s.Latitude < 40.5 || *s.Latitude > 55.5 || *s.Longitude < 46.4 || *s.Longitude > 87.4 {
			t.Errorf("%s at %v,%v is outside Kazakhstan", s.Code, *s.Latitude, *s.Longitude)
		}
		if s.City == "" || s.District == "" || s.Address == "" {
			t.Errorf("%s: city %q, district %q, address %q", s.Code, s.City, s.District, s.Address)
		}
	}
	for _, r := range election.Regions(day) {
		if per[r.Code] == 0 {
			t.Errorf("no station in %s (%s)", r.Code, r.NameEN)
		}
	}
	if len(per) != 20 {
		t.Errorf("stations in %d units, want 20", len(per))
	}
	// Roughly by population: the big five are big and Ulytau is small.
	for _, big := range []string{"KZ-75", "KZ-71", "KZ-79", "KZ-61", "KZ-19"} {
		if per[big] < 500 {
			t.Errorf("%s has only %d stations", big, per[big])
		}
	}
	if per["KZ-62"] > 200 {
		t.Errorf("Ulytau has %d stations", per["KZ-62"])
	}
	for _, d := range []string{"Almaly", "Auezov", "Bostandyk", "Medeu", "Alatau", "Zhetysu", "Nauryzbay", "Turksib"} {
		if !districts["KZ-75/"+d+" District"] {
			t.Errorf("Almaty city has no station in %s District", d)
		}
	}
	// About 12 million voters were registered in 2023.
	if registered < 10_000_000 || registered > 14_000_000 {
		t.Errorf("%d voters registered at home", registered)
	}
	if first := home[0]; first.Code != "KZ-10-0001" {
		t.Errorf("first home station is %s", first.Code)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := generate(t, Options{}), generate(t, Options{Seed: DefaultSeed})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two generations with the same seed differ")
	}
	c := generate(t, Options{Seed: 7})
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed gives the same stations")
	}
	// The number of stations at home leaves the stations abroad alone.
	_, abroadA := split(a)
	_, abroadD := split(generate(t, Options{HomeStations: 300}))
	if !reflect.DeepEqual(abroadA, abroadD) {
		t.Fatal("stations abroad depend on the number of stations at home")
	}
}

func TestHomeStationsOption(t *testing.T) {
	for _, tc := range []struct {
		opt, want, units int
	}{
		{-1, 0, 0},
		{5, 5, -1},
		{20, 20, 20},
		{137, 137, 20},
	} {
		home, abroad := split(generate(t, Options{HomeStations: tc.opt}))
		if len(home) != tc.want || len(abroad) != AbroadStations {
			t.Errorf("HomeStations %d: %d at home, %d abroad", tc.opt, len(home), len(abroad))
		}
		per := map[string]bool{}
		for _, s := range home {
			per[s.Region] = true
		}
		if tc.units >= 0 && len(per) != tc.units {
			t.Errorf("HomeStations %d: stations in %d units, want %d", tc.opt, len(per), tc.units)
		}
	}
}

func TestElection(t *testing.T) {
	e := Election()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if e.Name != ElectionName || e.Kind != election.Mazhilis || e.Date.Format(election.DateLayout) != ElectionDate || e.TimeZone != "Asia/Almaty" {
		t.Errorf("election %+v", e)
	}
	regional := map[string]bool{}
	nationwide := 0
	for _, c := range e.Contests {
		if c.Region == "" {
			nationwide++
		} else {
			regional[c.Region] = true
		}
	}
	if nationwide != 2 || len(regional) != 20 || len(e.Contests) != 22 {
		t.Errorf("%d nationwide contests, maslikhats in %d units, %d contests", nationwide, len(regional), len(e.Contests))
	}
	// Every station is served by both Mazhilis contests and exactly one
	// maslikhat (none abroad).
	for _, s := range generate(t, Options{HomeStations: 40}) {
		n := 0
		for _, c := range e.Contests {
			if c.Serves(s) {
				n++
			}
		}
		want := 3
		if s.Abroad() {
			want = 2
		}
		if n != want {
			t.Errorf("%s is served by %d contests, want %d", s.Code, n, want)
		}
	}
}

func TestApportion(t *testing.T) {
	for _, tc := range []struct {
		total   int
		weights []float64
		minimum int
		want    []int
	}{
		{10, []float64{1, 1, 1}, 0, []int{4, 3, 3}},
		{10, []float64{8, 1, 1}, 1, []int{6, 2, 2}},
		{7, []float64{0.5, 0.25, 0.25}, 0, []int{3, 2, 2}},
		{9, []float64{0.5, 0.25, 0.25}, 2, []int{3, 3, 3}},
		{100, []float64{99, 1}, 5, []int{94, 6}},
		{0, []float64{1, 2}, 0, []int{0, 0}},
	} {
		got := apportion(tc.total, tc.weights, tc.minimum)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("apportion(%d, %v, %d) = %v, want %v", tc.total, tc.weights, tc.minimum, got, tc.want)
		}
	}
}

func TestStationsCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := StationsCSV(&buf, Options{HomeStations: 500}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "code,name,region,district,country,city,address,timezone,registered_voters,opens_local,closes_local,latitude,longitude"
	if got := strings.Join(rows[0], ","); got != want {
		t.Fatalf("header %s", got)
	}
	if len(rows) != 1+500+AbroadStations {
		t.Fatalf("%d rows", len(rows))
	}
	var sf string
	for _, row := range rows {
		if row[0] == "US-03" {
			sf = strings.Join(row, ",")
		}
	}
	if !strings.HasPrefix(sf, "US-03,Polling station at the Consulate General in San Francisco,,,US,San Francisco,") ||
		!strings.Contains(sf, ",America/Los_Angeles,") || !strings.Contains(sf, ",07:00,20:00,") {
		t.Errorf("San Francisco row %s", sf)
	}
}

// TestSampleFile keeps docs/samples/stations-abroad.csv equal to the
// stations abroad of the default demo; `go test ./internal/demo -update`
// rewrites it.
func TestSampleFile(t *testing.T) {
	var buf bytes.Buffer
	if err := StationsCSV(&buf, Options{HomeStations: -1}); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(samplePath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/demo -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("%s is out of date: run go test ./internal/demo -update", samplePath)
	}
}

// TestImportable: what StationsCSV writes, the sample file included, is
// read back by the importer of `baqylau import stations` as the very
// stations Load stores.
func TestImportable(t *testing.T) {
	if want := strings.Join(election.StationColumns(), ","); strings.Join(header, ",") != want {
		t.Errorf("header %v, want %s", header, want)
	}
	for _, opts := range []Options{{HomeStations: -1}, {HomeStations: 300, Seed: 3}} {
		var buf bytes.Buffer
		if err := StationsCSV(&buf, opts); err != nil {
			t.Fatal(err)
		}
		got, err := election.ParseStations(&buf, "stations.csv")
		if err != nil {
			t.Fatal(err)
		}
		if want := generate(t, opts); !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: imported stations differ from generated ones", opts)
		}
	}
	sample, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := election.ParseStations(bytes.NewReader(sample), filepath.Base(samplePath))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != AbroadStations {
		t.Errorf("%d stations in %s", len(got), samplePath)
	}
}
