package election

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/sheet"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func ptr(f float64) *float64 { return &f }

// goodStations is what testdata/stations_good.csv holds, validated.
var goodStations = []Station{
	{Code: "001", Name: "Школа-гимназия № 1", Region: "KZ-35", District: "Бухар-Жырауский район", Country: "KZ", City: "Ботакара", Address: "ул. Абая, 12", TimeZone: "Asia/Almaty", RegisteredVoters: 1250, Opens: DefaultOpens, Closes: DefaultCloses, Latitude: ptr(49.8047), Longitude: ptr(73.1094)},
	{Code: "002", Name: "Mektep No. 5", Region: "KZ-19", District: "Карасайский район", Country: "KZ", City: "Каскелен", Address: "ул. Тауелсиздик, 20", TimeZone: "Asia/Almaty", RegisteredVoters: 987, Opens: 7 * 60, Closes: 20 * 60, Latitude: ptr(43.2009), Longitude: ptr(76.6228)},
	{Code: "003", Name: "Lyceum No. 8", Region: "KZ-75", District: "Бостандыкский район", Country: "KZ", City: "Алматы", Address: "пр. Аль-Фараби, 77", TimeZone: "Asia/Almaty", RegisteredVoters: 2300, Opens: DefaultOpens, Closes: DefaultCloses, Latitude: ptr(43.2220), Longitude: ptr(76.8512)},
	{Code: "004", Name: "Мектеп № 14", Region: "KZ-61", District: "Сайрамский район", Country: "KZ", City: "Аксукент", TimeZone: "Asia/Almaty", RegisteredVoters: 1800, Opens: 8 * 60, Closes: 21 * 60},
	{Code: "005", Name: "Дворец школьников", Region: "KZ-71", District: "Есильский район", Country: "KZ", City: "Астана", Address: "пр. Мангилик Ел, 10", TimeZone: "Asia/Almaty", RegisteredVoters: 3100, Opens: DefaultOpens, Closes: DefaultCloses, Latitude: ptr(51.0909), Longitude: ptr(71.4187)},
	{Code: "006", Name: "Ауылдық клуб", Region: "KZ-33", District: "Ескельдинский район", Country: "KZ", City: "Карабулак", TimeZone: "Asia/Almaty", RegisteredVoters: 430, Opens: DefaultOpens, Closes: DefaultCloses},
	{Code: "007", Name: "Школа № 3", Region: "KZ-10", Country: "KZ", City: "Семей", TimeZone: "Asia/Almaty", RegisteredVoters: 1550, Opens: DefaultOpens, Closes: DefaultCloses},
	{Code: "008", Name: "Mektep 9", Region: "KZ-47", Country: "KZ", City: "Актау", TimeZone: "Asia/Aqtau", RegisteredVoters: 1200, Opens: DefaultOpens, Closes: DefaultCloses},
	{Code: "101", Name: "Consulate General in San Francisco", Country: "US", City: "San Francisco", Address: "3777 Stevens Creek Blvd, Santa Clara, CA", TimeZone: "America/Los_Angeles", RegisteredVoters: 412, Opens: DefaultOpens, Closes: DefaultCloses, Latitude: ptr(37.3236), Longitude: ptr(-121.9738)},
	{Code: "102", Name: "Embassy in Berlin", Country: "DE", City: "Berlin", Address: "Nordsternstraße 3, 10825 Berlin", TimeZone: "Europe/Berlin", RegisteredVoters: 1890, Opens: DefaultOpens, Closes: DefaultCloses, Latitude: ptr(52.4895), Longitude: ptr(13.3295)},
	{Code: "103", Name: "Consulate General in Istanbul", Country: "TR", City: "Istanbul", TimeZone: "Europe/Istanbul", RegisteredVoters: 2050, Opens: 8 * 60, Closes: 20 * 60},
	{Code: "104", Name: "Embassy in Moscow", Country: "RU", City: "Moscow", Address: "Chistoprudny Blvd, 3A", TimeZone: "Europe/Moscow", RegisteredVoters: 5120, Opens: DefaultOpens, Closes: DefaultCloses, Latitude: ptr(55.7616), Longitude: ptr(37.6432)},
	{Code: "105", Name: "Embassy in Seoul", Country: "KR", City: "Seoul", TimeZone: "Asia/Seoul", RegisteredVoters: 640, Opens: DefaultOpens, Closes: DefaultCloses},
}

func checkStations(t *testing.T, got []Station) {
	t.Helper()
	if len(got) != len(goodStations) {
		t.Fatalf("got %d stations, want %d", len(got), len(goodStations))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], goodStations[i]) {
			t.Errorf("station %d:\n got %s\nwant %s", i, show(got[i]), show(goodStations[i]))
		}
	}
}

func show(s Station) string {
	f := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	return fmt.Sprintf("%+v lat=%s lon=%s", s, f(s.Latitude), f(s.Longitude))
}

func readGood(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "stations_good.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseStationsCSV(t *testing.T) {
	good := readGood(t)
	crlf := bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n"))
	variants := map[string][]byte{
		"as committed":        good,
		"BOM and CRLF":        append([]byte("\xEF\xBB\xBF"), crlf...),
		"semicolons and tabs": semicolons(t, good, ';'),
		"tabs":                semicolons(t, good, '\t'),
	}
	for name, data := range variants {
		t.Run(name, func(t *testing.T) {
			got, err := ParseStations(bytes.NewReader(data), "stations.csv")
			if err != nil {
				t.Fatal(err)
			}
			checkStations(t, got)
		})
	}
}

// semicolons rewrites a CSV file with another separator, as Excel in a
// Russian locale does.
func semicolons(t *testing.T, data []byte, sep rune) []byte {
	t.Helper()
	tb, err := sheet.Read(bytes.NewReader(data), "s.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	write := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteRune(sep)
			}
			if strings.ContainsAny(c, ";\t\"") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	write(tb.Header)
	for _, r := range tb.Rows {
		write(r.Cells)
	}
	return []byte(b.String())
}

func TestParseStationsXLSX(t *testing.T) {
	tb, err := sheet.Read(bytes.NewReader(readGood(t)), "s.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	// Capitalised header, as people type it; numbers as numbers, hours as
	// text, and the columns in the file's order.
	header := make([]any, len(tb.Header))
	for i, h := range tb.Header {
		header[i] = strings.ToUpper(h[:1]) + h[1:]
	}
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		t.Fatal(err)
	}
	for i, r := range tb.Rows {
		row := make([]any, len(r.Cells))
		for j, c := range r.Cells {
			row[j] = c
			switch tb.Header[j] {
			case "registered_voters":
				n, err := strconv.Atoi(c)
				if err != nil {
					t.Fatal(err)
				}
				row[j] = n
			case "latitude", "longitude":
				if c != "" {
					x, err := strconv.ParseFloat(strings.ReplaceAll(c, ",", "."), 64)
					if err != nil {
						t.Fatal(err)
					}
					row[j] = x
				}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "stations.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	got, err := ParseStations(file, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	checkStations(t, got)
}

func TestParseStationsWindows1251(t *testing.T) {
	// Excel in a Russian locale: Windows-1251, semicolons, decimal commas.
	text := "Code;Name;Country;Region;City;Registered_Voters;Latitude;Longitude\r\n" +
		"201;Школа № 7;KZ;Карагандинская обл.;Караганда;1100;49,80;73,10\r\n" +
		"202;Гимназия;KZ;Восточно-Казахстанская область;Усть-Каменогорск;2000;;\r\n"
	data, err := charmap.Windows1251.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(data, []byte(text)) {
		t.Fatal("the test file is not Windows-1251")
	}
	got, err := ParseStations(bytes.NewReader(data), "stations.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Station{
		{Code: "201", Name: "Школа № 7", Region: "KZ-35", Country: "KZ", City: "Караганда", TimeZone: "Asia/Almaty", RegisteredVoters: 1100, Opens: DefaultOpens, Closes: DefaultCloses, Latitude: ptr(49.80), Longitude: ptr(73.10)},
		{Code: "202", Name: "Гимназия", Region: "KZ-63", Country: "KZ", City: "Усть-Каменогорск", TimeZone: "Asia/Almaty", RegisteredVoters: 2000, Opens: DefaultOpens, Closes: DefaultCloses},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
}

// problem is an expected problem: its row and column, and a part of its
// message.
type problem struct {
	row    int
	column string
	says   string
}

const header = "code,name,region,country,timezone,registered_voters,opens_local,closes_local,latitude,longitude\n"

func TestParseStationsProblems(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		want []problem
	}{
		{"wrong separator", "s.csv", "code|name|country|registered_voters\n1|A|KZ|10\n",
			[]problem{{1, "", `separated by "|": expected a comma, a semicolon or a tab`}}},
		{"missing required column", "s.csv", "code,name,region\n1,A,Almaty\n",
			[]problem{
				{1, "country", "the required column is missing: every stations file has the columns code, name, country, registered_voters"},
				{1, "registered_voters", "the required column is missing"},
			}},
		{"unknown columns", "s.csv", "code,name,country,registered voters,registered_voters,phone\n",
			[]problem{
				{1, "registered voters", `is not a column of the stations file (did you mean "registered_voters"?): the allowed columns are code, name, region, district, country, city, address, timezone, registered_voters, opens_local, closes_local, latitude, longitude`},
				{1, "phone", "is not a column of the stations file: the allowed columns are code, name"},
			}},
		{"header only", "s.csv", header, []problem{{0, "", "no stations in file"}}},
		{"empty file", "s.csv", "", []problem{{0, "", "the file is empty"}}},
		{"field count", "s.csv", header + "1,A,Almaty,KZ,,10,,,,\n2,B,Almaty,KZ,,10\n",
			[]problem{{3, "", "has 6 fields, the header has 10"}}},
		{"duplicate code", "s.csv", header + "7,A,Almaty,KZ,,10,,,,\n8,B,Almaty,KZ,,10,,,,\n 7 ,C,Almaty,KZ,,10,,,,\n",
			[]problem{{4, "code", `"7" is used twice: by rows 2 and 4`}}},
		{"unknown region", "s.csv", header + "1,A,Qaragandyy,KZ,,10,,,,\n",
			[]problem{{2, "region", `"Qaragandyy" is not a region of Kazakhstan (expected a code such as KZ-75 or a kk/ru/en name)`}}},
		{"region missing at home", "s.csv", header + "1,A,,KZ,,10,,,,\n",
			[]problem{{2, "region", "is required for a station in Kazakhstan"}}},
		{"region abroad", "s.csv", header + "1,A,Almaty,US,America/New_York,10,,,,\n",
			[]problem{{2, "region", "must be empty for a station abroad"}}},
		{"unknown time zone", "s.csv", header + "1,A,,US,America/San_Francisco,10,,,,\n",
			[]problem{{2, "timezone", `"America/San_Francisco" is not an IANA time zone such as Asia/Almaty`}}},
		{"abroad without time zone", "s.csv", header + "1,A,,US,,10,,,,\n",
			[]problem{{2, "timezone", "is required for a station abroad (an IANA zone such as America/Los_Angeles)"}}},
		{"voters", "s.csv", header +
			"1,A,Almaty,KZ,,-5,,,,\n" +
			"2,A,Almaty,KZ,,abc,,,,\n" +
			"3,A,Almaty,KZ,,1.5,,,,\n" +
			"4,A,Almaty,KZ,,1 234,,,,\n" +
			"5,A,Almaty,KZ,,,,,,\n" +
			"6,A,Almaty,KZ,,99999999999999999999,,,,\n",
			[]problem{
				{2, "registered_voters", `"-5" is negative: expected a whole number of voters, 0 or more, such as 1250`},
				{3, "registered_voters", `"abc" is not a whole number of voters: expected digits only`},
				{4, "registered_voters", `"1.5" is not a whole number of voters`},
				{5, "registered_voters", `"1 234" is not a whole number of voters`},
				{6, "registered_voters", "is empty: expected a whole number of voters"},
				{7, "registered_voters", "is more voters than a station has: expected at most 10000000"},
			}},
		{"country", "s.csv", header + "1,A,,,Europe/Paris,1,,,,\n2,A,,FRA,Europe/Paris,1,,,,\n3,A,,UK,Europe/London,1,,,,\n",
			[]problem{
				{2, "country", "is empty: expected an ISO 3166-1 alpha-2 code"},
				{3, "country", `"FRA" is not an ISO 3166-1 alpha-2 country code such as KZ or US`},
				{4, "country", `"UK" is not an ISO 3166-1 alpha-2 country code`},
			}},
		{"hours", "s.csv", header +
			"1,A,Almaty,KZ,,1,7.00,,,\n" +
			"2,A,Almaty,KZ,,1,20:00,07:00,,\n" +
			"3,A,Almaty,KZ,,1,24:00,25:00,,\n",
			[]problem{
				{2, "opens_local", `"7.00" is not a time of day: expected HH:MM on the 24-hour clock, such as 07:00 or 20:00`},
				{3, "closes_local", "07:00 is not after opens_local 20:00"},
				{4, "opens_local", `"24:00" is not a time of day`},
				{4, "closes_local", `"25:00" is not a time of day`},
			}},
		{"coordinates", "s.csv", header +
			"1,A,Almaty,KZ,,1,,,north,76.9\n" +
			"2,A,Almaty,KZ,,1,,,43.2,\n" +
			"3,A,Almaty,KZ,,1,,,95,76.9\n" +
			"4,A,Almaty,KZ,,1,,,NaN,1e3\n" +
			"5,A,Almaty,KZ,,1,,,43.2,-190\n",
			[]problem{
				{2, "latitude", `"north" is not a decimal number: expected degrees such as 43.2389 or -122.4194`},
				{3, "longitude", "is empty but latitude is given: expected both or neither"},
				{4, "latitude", "must be between -90 and 90"},
				{5, "latitude", `"NaN" is not a decimal number`},
				{5, "longitude", `"1e3" is not a decimal number`},
				{6, "longitude", "must be between -180 and 180"},
			}},
		{"several problems in one row", "s.csv", header + "1,A,Nowhere,KZ,,many,7am,,,\n",
			[]problem{
				{2, "registered_voters", `"many" is not a whole number`},
				{2, "opens_local", `"7am" is not a time of day`},
				{2, "region", `"Nowhere" is not a region of Kazakhstan`},
			}},
		{"code and name", "s.csv", header + " ,A,Almaty,KZ,,1,,,,\n2, ,Almaty,KZ,,1,,,,\n" + strings.Repeat("x", 65) + ",A,Almaty,KZ,,1,,,,\n",
			[]problem{
				{2, "code", "is required"},
				{3, "name", "is required"},
				{4, "code", "is longer than 64 characters"},
			}},
		{"long cell", "s.csv", header + "1," + strings.Repeat("я", 1001) + ",Almaty,KZ,,1,,,,\n",
			[]problem{{2, "name", "is longer than 1000 characters"}}},
		{"zip named .csv", "s.csv", "PK\x03\x04rest", []problem{{0, "", "is a zip archive"}}},
		{"unsupported type", "stations.ods", "x", []problem{{0, "", "expected a .csv, .txt or .xlsx file"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStations(strings.NewReader(tt.data), tt.file)
			if err == nil {
				t.Fatalf("no error; stations %+v", got)
			}
			if got != nil {
				t.Errorf("stations returned with an error: %+v", got)
			}
			checkProblems(t, err, tt.want)
		})
	}
}

func checkProblems(t *testing.T, err error, want []problem) {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *ImportError", err, err)
	}
	if code := baqylau.ErrorCode(err); code != baqylau.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", code, baqylau.EINVALID)
	}
	if msg := baqylau.ErrorMessage(err); msg != err.Error() {
		t.Errorf("ErrorMessage = %q, want the whole error %q", msg, err.Error())
	}
	ok := len(ie.Problems) == len(want)
	for i := 0; ok && i < len(want); i++ {
		p := ie.Problems[i]
		ok = p.Row == want[i].row && p.Column == want[i].column && strings.Contains(p.Message, want[i].says)
	}
	if !ok {
		t.Errorf("problems:\n%s\nwant %+v", err, want)
	}
}

func TestParseStationsTooLarge(t *testing.T) {
	row := "100,A school with a rather long name to fill the file,Almaty,KZ,,1200,,,43.2,76.9\n"
	var b bytes.Buffer
	b.WriteString(header)
	for b.Len() <= sheet.DefaultMaxBytes {
		b.WriteString(row)
	}
	_, err := ParseStations(&b, "big.csv")
	checkProblems(t, err, []problem{{0, "", "file is larger than 50 MB"}})
	if !errors.Is(err, sheet.ErrTooLarge) {
		t.Errorf("error %v is not sheet.ErrTooLarge", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseStationsReadFailure(t *testing.T) {
	_, err := ParseStations(failingReader{}, "s.csv")
	var ie *ImportError
	if err == nil || errors.As(err, &ie) || baqylau.ErrorCode(err) != baqylau.EINTERNAL {
		t.Fatalf("error %v, want an internal error, not a problem with the file", err)
	}
}

func TestImportErrorMessage(t *testing.T) {
	var data strings.Builder
	data.WriteString(header)
	for i := range 25 {
		fmt.Fprintf(&data, "%d,A,Almaty,KZ,,x%d,,,,\n", i, i)
	}
	_, err := ParseStations(strings.NewReader(data.String()), "s.csv")
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 22 || lines[0] != "the file has 25 problems:" ||
		lines[1] != `row 2, column "registered_voters": "x0" is not a whole number of voters: expected digits only, without spaces, separators or decimals, such as 1250` ||
		lines[21] != "and 5 more" {
		t.Errorf("message:\n%s", err)
	}

	one := (&ImportError{Problems: []Problem{{Row: 7, Column: "region", Message: "x"}}}).Error()
	if one != `row 7, column "region": x` {
		t.Errorf("one problem: %q", one)
	}
}

func TestImportErrorCap(t *testing.T) {
	var data strings.Builder
	data.WriteString(header)
	for i := range MaxProblems + 100 {
		fmt.Fprintf(&data, "%d,A,Almaty,KZ,,-1,,,,\n", i)
	}
	_, err := ParseStations(strings.NewReader(data.String()), "s.csv")
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != MaxProblems || !ie.Truncated {
		t.Fatalf("error %T with %d problems, want %d and Truncated", err, len(ie.Problems), MaxProblems)
	}
	if !strings.HasPrefix(err.Error(), "the file has more than 1000 problems:") ||
		!strings.HasSuffix(err.Error(), "\nand 980 more (checking stopped there)") {
		t.Errorf("message:\n%s", err)
	}
}

func TestStationColumns(t *testing.T) {
	want := "code,name,region,district,country,city,address,timezone,registered_voters,opens_local,closes_local,latitude,longitude"
	cols := StationColumns()
	if strings.Join(cols, ",") != want {
		t.Errorf("StationColumns() = %v, want the fixed contract %s", cols, want)
	}
	cols[0] = "changed"
	if StationColumns()[0] != "code" {
		t.Error("StationColumns returns the package's own slice")
	}
}
