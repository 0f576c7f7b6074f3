package people

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/sheet"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

const goodFile = "testdata/observers_good.csv"

// goodObservers is what testdata/observers_good.csv holds, checked.
var goodObservers = []ObserverRow{
	{Row: 2, FullName: "Иванов Сергей Петрович", Organization: "CIS Observer Mission", OrganizationKind: InternationalOrganization, Country: "RU", Email: "s.ivanov@cis.minsk.by", Phone: "+7 (495) 123-45-67", Languages: []string{"ru", "en"}, Mission: "CIS Mission 2024"},
	{Row: 3, FullName: "Абдуллаев Рустам", Organization: "CIS Observer Mission", OrganizationKind: InternationalOrganization, Country: "UZ", Email: "r.abdullaev@cis.minsk.by", Languages: []string{"ru", "uz"}, Mission: "CIS Mission 2024"},
	{Row: 4, FullName: "Anna Schmidt", Organization: "OSCE/ODIHR", OrganizationKind: InternationalOrganization, Country: "DE", Email: "anna.schmidt@odihr.pl", Phone: "+48 22 520 06 00", Languages: []string{"en", "de", "ru"}, Mission: "ODIHR EOM Kazakhstan 2024"},
	{Row: 5, FullName: "Jean-Pierre Dubois", Organization: "OSCE/ODIHR", OrganizationKind: InternationalOrganization, Country: "FR", Email: "jp.dubois@odihr.pl", Languages: []string{"fr", "en"}, Mission: "ODIHR EOM Kazakhstan 2024"},
	{Row: 6, FullName: "Бакыт Токтогулов", Organization: "Central Election Commission of the Kyrgyz Republic", OrganizationKind: ElectionBody, Country: "KG", Email: "b.toktogulov@shailoo.gov.kg", Phone: "+996 312 62 00 00", Languages: []string{"ky", "ru"}},
	{Row: 7, FullName: "Mehmet Yılmaz", Organization: "Republic of Türkiye", OrganizationKind: ForeignState, Country: "TR", Phone: "+90 312 000 00 00", Languages: []string{"tr", "en"}},
	{Row: 8, FullName: "Нұрлан Серікбаев", Organization: "Адал сайлау", OrganizationKind: DomesticNGO, Country: "KZ", Email: "nurlan.serikbaev@example.kz", Phone: "8 701 123 45 67", Languages: []string{"kk", "ru"}, Region: "KZ-35"},
	{Row: 9, FullName: "Әйгерім Қасымова", Organization: "Адал сайлау", OrganizationKind: DomesticNGO, Country: "KZ", Email: "aigerim.k@example.kz", Phone: "+7 702 555 12 34", Languages: []string{"kk"}, Region: "KZ-75"},
	{Row: 10, FullName: "Ольга Ким", Organization: "Адал сайлау", OrganizationKind: DomesticNGO, Country: "KZ", Phone: "+7 (705) 111-22-33", Languages: []string{"ru", "kk", "ko"}, Region: "KZ-11"},
	{Row: 11, FullName: "Ержан Оспанов", Organization: "Федерация профсоюзов Республики Казахстан", OrganizationKind: TradeUnion, Country: "KZ", Email: "e.ospanov@fprk.kz", Languages: []string{"kk", "ru"}, Region: "KZ-71"},
	{Row: 12, FullName: "Айгүл Мұратқызы", Organization: "Khabar Agency", OrganizationKind: Media, Country: "KZ", Email: "a.muratkyzy@khabar.kz", Phone: "+7 (717) 255 00 00", Languages: []string{"kk", "ru", "en"}, Region: "KZ-71"},
	{Row: 13, FullName: "Дмитрий Волков", Organization: "Amanat", OrganizationKind: PoliticalParty, Country: "KZ", Email: "d.volkov@amanat.kz", Phone: "+7 777 000 11 22", Languages: []string{"ru"}, Region: "KZ-79"},
}

func checkRows(t *testing.T, got, want []ObserverRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// goodRecords reads the good file's cells, header first.
func goodRecords(t testing.TB) [][]string {
	t.Helper()
	data, err := os.ReadFile(goodFile)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// writeCSV writes records as CSV with a separator.
func writeCSV(t testing.TB, recs [][]string, comma rune) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	w.UseCRLF = true
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeXLSX writes records to a workbook in dir and returns its bytes.
func writeXLSX(t testing.TB, dir string, recs [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	sheetName := f.GetSheetName(0)
	for i, rec := range recs {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		row := make([]any, len(rec))
		for j, v := range rec {
			row[j] = v
		}
		if err := f.SetSheetRow(sheetName, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "observers.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseObserversGood(t *testing.T) {
	data, err := os.ReadFile(goodFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseObservers(bytes.NewReader(data), "observers.csv")
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, got, goodObservers)
	kinds := map[OrgKind]bool{}
	for _, o := range got {
		kinds[o.OrganizationKind] = true
	}
	if len(kinds) != len(OrgKinds) {
		t.Errorf("the good file has %d kinds of organisation, want all %d", len(kinds), len(OrgKinds))
	}
}

func TestParseObserversXLSX(t *testing.T) {
	data := writeXLSX(t, t.TempDir(), goodRecords(t))
	got, err := ParseObservers(bytes.NewReader(data), "observers.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, got, goodObservers)

	// A problem in a workbook names its row as Excel shows it.
	recs := goodRecords(t)
	recs[4][4] = "not an address"
	data = writeXLSX(t, t.TempDir(), recs)
	_, err = ParseObservers(bytes.NewReader(data), "observers.xlsx")
	wantProblems(t, err, []want{{5, "email", "not an e-mail address"}})
}

func TestParseObserversSemicolon(t *testing.T) {
	data := writeCSV(t, goodRecords(t), ';')
	got, err := ParseObservers(bytes.NewReader(data), "observers.csv")
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, got, goodObservers)
}

// TestParseObserversWindows1251 reads what Excel in a Russian locale
// writes: Windows-1251, ";" between fields. Kazakh letters and Turkish
// ones have no place in that code page, so only the other rows are kept.
func TestParseObserversWindows1251(t *testing.T) {
	recs := goodRecords(t)
	enc := charmap.Windows1251.NewEncoder()
	kept := [][]string{recs[0]}
	var want []ObserverRow
	for i, rec := range recs[1:] {
		if _, err := enc.String(strings.Join(rec, "")); err != nil {
			continue
		}
		kept = append(kept, rec)
		o := goodObservers[i]
		o.Row = len(kept)
		want = append(want, o)
	}
	if len(want) < 8 {
		t.Fatalf("only %d rows fit Windows-1251", len(want))
	}
	data, err := charmap.Windows1251.NewEncoder().Bytes(writeCSV(t, kept, ';'))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseObservers(bytes.NewReader(data), "observers.csv")
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, got, want)
}

func TestParseObserversNormalises(t *testing.T) {
	file := "Full_Name , ORGANIZATION,organization_kind,country,languages,region,email,phone,mission\n" +
		"  Ivan   Ivanov ,  Адал   сайлау ,Domestic NGO,kz,\"kk, KK; ru;\",Almaty region, ivan@example.kz ,  +7 701  000 00 01 , Mission  1 \n" +
		"Пётр Петров,Адал сайлау,DOMESTIC-NGO,,,Almaty,,,\n" +
		"Anna Schmidt,OSCE/ODIHR,International Organisation,de,en,,,,\n" +
		"Amir Karimov,Non-profit,domestic non-governmental organisation,,,,,,\n"
	got, err := ParseObservers(strings.NewReader(file), "o.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []ObserverRow{
		{Row: 2, FullName: "Ivan Ivanov", Organization: "Адал сайлау", OrganizationKind: DomesticNGO, Country: "KZ", Email: "ivan@example.kz", Phone: "+7 701 000 00 01", Languages: []string{"kk", "ru"}, Region: "KZ-19", Mission: "Mission 1"},
		{Row: 3, FullName: "Пётр Петров", Organization: "Адал сайлау", OrganizationKind: DomesticNGO, Region: "KZ-75"},
		{Row: 4, FullName: "Anna Schmidt", Organization: "OSCE/ODIHR", OrganizationKind: InternationalOrganization, Country: "DE", Languages: []string{"en"}},
		{Row: 5, FullName: "Amir Karimov", Organization: "Non-profit", OrganizationKind: DomesticNGO},
	}
	checkRows(t, got, want)
}

// want is one expected problem: its row, its column and part of its
// message.
type want struct {
	row    int
	column string
	text   string
}

// wantProblems checks that err is an *election.ImportError (and an
// EINVALID error) with exactly the wanted problems, in order.
func wantProblems(t *testing.T, err error, wants []want) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted, want problems")
	}
	var ie *election.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *election.ImportError", err, err)
	}
	if code := baqylau.ErrorCode(err); code != baqylau.EINVALID {
		t.Errorf("code %s, want %s", code, baqylau.EINVALID)
	}
	if len(ie.Problems) != len(wants) {
		t.Errorf("%d problems, want %d:\n%v", len(ie.Problems), len(wants), err)
	}
	for i, w := range wants {
		if i >= len(ie.Problems) {
			break
		}
		p := ie.Problems[i]
		if p.Row != w.row || p.Column != w.column || !strings.Contains(p.Message, w.text) {
			t.Errorf("problem %d = %s\nwant row %d, column %q, containing %q", i, p, w.row, w.column, w.text)
		}
	}
}

const header = "full_name,organization,organization_kind,country,email,phone,languages,region,mission\n"

// row builds a valid row with some cells replaced (by column name).
func row(cells map[string]string) string {
	values := map[string]string{
		"full_name": "Ivan Ivanov", "organization": "Адал сайлау", "organization_kind": "domestic_ngo",
		"country": "KZ", "email": "ivan@example.kz", "phone": "+7 701 000 00 01",
		"languages": "kk", "region": "KZ-75", "mission": "",
	}
	for k, v := range cells {
		values[k] = v
	}
	rec := make([]string, len(observerColumns))
	for i, c := range observerColumns {
		rec[i] = values[c]
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(rec); err != nil {
		panic(err)
	}
	w.Flush()
	return b.String()
}

func TestParseObserversProblems(t *testing.T) {
	other := map[string]string{"full_name": "Anna Schmidt", "email": "anna@example.de", "phone": "+49 30 1234567"}
	tests := []struct {
		name  string
		file  string
		wants []want
	}{
		{"unknown column with a near miss", "full_name,organisation,organization_kind\nA,B,media\n", []want{
			{1, "organisation", `did you mean "organization"?`},
			{1, "organization", "required column is missing"},
		}},
		{"unknown columns listed with the allowed ones", "full name,organization,organization_kind,e-mail,telephone,notes\nA,B,media,,,\n", []want{
			{1, "full name", `did you mean "full_name"?): the allowed columns are full_name, organization, organization_kind, country, email, phone, languages, region, mission`},
			{1, "e-mail", `did you mean "email"?`},
			{1, "telephone", `did you mean "phone"?`},
			{1, "notes", "is not a column of the observers file: the allowed"},
			{1, "full_name", "required column is missing"},
		}},
		{"misspelt column", "full_name,organization,organization_kind,langauges\nA,B,media,kk\n", []want{
			{1, "langauges", `did you mean "languages"?`},
		}},
		{"missing required column", "full_name,organization\nA,B\n", []want{
			{1, "organization_kind", "required column is missing: every observers file has the columns full_name, organization, organization_kind"},
		}},
		{"missing every required column", "email\na@b.kz\n", []want{
			{1, "full_name", "required column is missing"},
			{1, "organization", "required column is missing"},
			{1, "organization_kind", "required column is missing"},
		}},
		{"bad kind", header + row(nil) + row(map[string]string{"full_name": "B", "organization": "Fund", "organization_kind": "charity"}), []want{
			{3, "organization_kind", `"charity" is not a kind of organisation: expected one of international_organization, foreign_state, election_body, domestic_ngo, political_party, trade_union, media`},
		}},
		{"empty kind", header + row(map[string]string{"organization_kind": " "}), []want{
			{2, "organization_kind", "is empty: expected one of international_organization"},
		}},
		{"one organisation, two kinds", header + row(nil) + row(map[string]string{"full_name": "B", "email": "", "phone": "", "organization": "адал САЙЛАУ", "organization_kind": "media"}), []want{
			{3, "organization_kind", `is media, but row 2 gives "адал САЙЛАУ" the kind domestic_ngo`},
		}},
		{"empty name and organisation", header + row(map[string]string{"full_name": "  ", "organization": ""}), []want{
			{2, "full_name", "is empty: expected the observer's full name"},
			{2, "organization", "is empty: expected the name of the organisation"},
		}},
		{"bad e-mail", header +
			row(map[string]string{"email": "ivan.example.kz"}) +
			row(map[string]string{"full_name": "B", "email": "Ivan <ivan@example.kz>"}) +
			row(map[string]string{"full_name": "C", "email": "ivan@localhost"}) +
			row(map[string]string{"full_name": "D", "email": "a@b@c.kz"}), []want{
			{2, "email", `"ivan.example.kz" is not an e-mail address`},
			{3, "email", "without a name or angle brackets"},
			{4, "email", "must be a domain"},
			{5, "email", "is not an e-mail address"},
		}},
		{"e-mail too long", header + row(map[string]string{"email": strings.Repeat("a", 250) + "@b.kz"}), []want{
			{2, "email", "at most 254"},
		}},
		{"bad phone", header +
			row(map[string]string{"phone": "call me"}) +
			row(map[string]string{"full_name": "B", "phone": "12-34"}) +
			row(map[string]string{"full_name": "C", "phone": "7+701 000 00 01"}) +
			row(map[string]string{"full_name": "D", "phone": "+7 701 000 00 01 00 00 00"}) +
			row(map[string]string{"full_name": "E", "phone": "+7 701 000 00 01 ext. 5"}), []want{
			{2, "phone", `"call me" is not a phone number`},
			{3, "phone", "at least 6 digits"},
			{4, "phone", "is not a phone number"},
			{5, "phone", "at most 15 digits"},
			{6, "phone", "is not a phone number"},
		}},
		{"bad country", header +
			row(map[string]string{"country": "Kazakhstan"}) +
			row(map[string]string{"full_name": "B", "country": "UK"}) +
			row(map[string]string{"full_name": "C", "country": "su"}), []want{
			{2, "country", `"Kazakhstan" is not a country code: expected an ISO 3166-1 alpha-2 code`},
			{3, "country", `"UK" is not a country code`},
			{4, "country", `"su" is not a country code`},
		}},
		{"bad language", header +
			row(map[string]string{"languages": "kk, russian"}) +
			row(map[string]string{"full_name": "B", "languages": "xx;en"}) +
			row(map[string]string{"full_name": "C", "languages": "eng, kaz"}), []want{
			{2, "languages", `"russian" is not a language code (did you mean "ru"?): expected two-letter ISO 639-1 codes`},
			{3, "languages", `"xx" is not a language code:`},
			{4, "languages", `"eng" is not a language code (did you mean "en"?); "kaz" is not a language code (did you mean "kk"?)`},
		}},
		{"unknown region", header + row(map[string]string{"region": "Atlantis"}), []want{
			{2, "region", `"Atlantis" is not a region of Kazakhstan`},
		}},
		{"duplicate by e-mail", header + row(nil) + row(other) + row(map[string]string{"full_name": "IVANOV Ivan", "email": "IVAN@example.kz", "phone": ""}), []want{
			{4, "email", "the same person as row 2 (same name and e-mail)"},
		}},
		{"duplicate by phone, Cyrillic and Latin", header +
			row(map[string]string{"full_name": "Нұрлан Серікбаев", "email": "", "phone": "8 701 123 45 67"}) +
			row(other) +
			row(map[string]string{"full_name": "Serikbaev Nurlan", "email": "nurlan@example.kz", "phone": "+7 (701) 123-45-67"}), []want{
			{4, "phone", "the same person as row 2 (same name and phone)"},
		}},
		{"duplicate by both, told once", header + row(nil) + row(nil), []want{
			{3, "email", "the same person as row 2 (same name and e-mail)"},
		}},
		{"duplicate of two rows", header + row(map[string]string{"phone": ""}) + row(map[string]string{"email": ""}) + row(nil), []want{
			{4, "email", "the same person as row 2"},
			{4, "phone", "the same person as row 3"},
		}},
		{"too-long name", header + row(map[string]string{"full_name": strings.Repeat("Ә", 301)}), []want{
			{2, "full_name", "is 301 characters long: at most 300 are allowed"},
		}},
		{"too-long organisation and mission", header + row(map[string]string{"organization": strings.Repeat("o", 301), "mission": strings.Repeat("m", 400)}), []want{
			{2, "organization", "at most 300"},
			{2, "mission", "at most 300"},
		}},
		{"control characters", header +
			row(map[string]string{"full_name": "Ivan\tIvanov"}) +
			row(map[string]string{"full_name": "Anna\nSchmidt", "email": "a@b.kz"}) +
			row(map[string]string{"full_name": "Jean", "email": "j@b.kz", "organization": "Fund\u202Eevil"}) +
			row(map[string]string{"full_name": "Bell\a", "email": "c@b.kz", "mission": "M\x1b"}), []want{
			{2, "full_name", "control character U+0009"},
			{3, "full_name", "control character U+000A"},
			{4, "organization", "control character U+202E"},
			{5, "full_name", "control character U+0007"},
			{5, "mission", "control character U+001B"},
		}},
		{"every problem of a row", header + row(map[string]string{"organization_kind": "club", "country": "XX", "email": "no", "phone": "no", "languages": "zz", "region": "no"}), []want{
			{2, "organization_kind", "not a kind"},
			{2, "country", "not a country code"},
			{2, "email", "not an e-mail address"},
			{2, "phone", "not a phone number"},
			{2, "languages", "not a language code"},
			{2, "region", "not a region"},
		}},
		{"header only", header, []want{{0, "", "no observers in file"}}},
		{"header and blank rows", header + ",,,,,,,,\n\n", []want{{0, "", "no observers in file"}}},
		{"empty file", "", []want{{0, "", "no observers in file"}}},
		{"blank file", "\xEF\xBB\xBF \r\n\n", []want{{0, "", "no observers in file"}}},
		{"file the reader refuses", header + "a,b\n", []want{{2, "", "has 2 fields, the header has 9"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseObservers(strings.NewReader(tt.file), "observers.csv")
			wantProblems(t, err, tt.wants)
		})
	}
}

func TestParseObserversFileErrors(t *testing.T) {
	_, err := ParseObservers(strings.NewReader("PK\x03\x04 not really"), "observers.csv")
	wantProblems(t, err, []want{{0, "", "zip archive"}})
	_, err = ParseObservers(strings.NewReader(header), "observers.xls")
	wantProblems(t, err, []want{{0, "", "Excel 97–2003"}})
	_, err = ParseObservers(bytes.NewReader(append([]byte(header), bytes.Repeat([]byte("x"), 5000)...)), "observers.pdf")
	wantProblems(t, err, []want{{0, "", "are not read"}})

	// A file too large is an import error that a caller can tell (413).
	_, err = ParseObservers(endless{}, "observers.csv")
	wantProblems(t, err, []want{{0, "", "larger than"}})
	if !errors.Is(err, sheet.ErrTooLarge) {
		t.Errorf("too large: %v is not sheet.ErrTooLarge", err)
	}

	// A failure to read is the reader's, not the file's.
	boom := errors.New("disk on fire")
	_, err = ParseObservers(iotest.ErrReader(boom), "observers.csv")
	var ie *election.ImportError
	if !errors.Is(err, boom) || errors.As(err, &ie) {
		t.Errorf("read failure: got %v, want %v wrapped, not an import error", err, boom)
	}
	_, err = ParseObservers(&failAfter{s: header + row(nil), err: boom}, "observers.csv")
	if !errors.Is(err, boom) {
		t.Errorf("late read failure: got %v, want %v wrapped", err, boom)
	}
}

// failAfter is a reader that gives s and then fails with err.
type failAfter struct {
	s   string
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.s == "" {
		return 0, f.err
	}
	n := copy(p, f.s)
	f.s = f.s[n:]
	return n, nil
}

// endless is a CSV file that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "a,b\n"[i%4]
	}
	return len(p), nil
}

func TestParseObserversProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < election.MaxProblems; i++ {
		fmt.Fprintf(&b, "Person %d,Org,nonsense,ZZ,,,,,\n", i)
	}
	_, err := ParseObservers(strings.NewReader(b.String()), "o.csv")
	var ie *election.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	if len(ie.Problems) != election.MaxProblems || !ie.Truncated {
		t.Errorf("%d problems, truncated %v; want %d, truncated", len(ie.Problems), ie.Truncated, election.MaxProblems)
	}
	if !strings.Contains(err.Error(), "more than 1000 problems") {
		t.Errorf("message %q does not say it stopped", err.Error()[:80])
	}
}

func TestParseOrgKind(t *testing.T) {
	tests := []struct {
		in   string
		want OrgKind
		ok   bool
	}{
		{"international_organization", InternationalOrganization, true},
		{"International Organisation", InternationalOrganization, true},
		{"Foreign State", ForeignState, true},
		{"election-body", ElectionBody, true},
		{"Domestic NGO", DomesticNGO, true},
		{" domestic  ngo ", DomesticNGO, true},
		{"Political Party", PoliticalParty, true},
		{"TRADE_UNION", TradeUnion, true},
		{"Media", Media, true},
		{"ngo", "", false},
		{"", "", false},
		{"mediа", "", false}, // Cyrillic а
	}
	for _, tt := range tests {
		if got, ok := ParseOrgKind(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseOrgKind(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestObserverColumns(t *testing.T) {
	cols := ObserverColumns()
	if strings.Join(cols, ",")+"\n" != header {
		t.Errorf("ObserverColumns() = %v, want the design's %s", cols, header)
	}
	cols[0] = "changed"
	if ObserverColumns()[0] != "full_name" {
		t.Error("ObserverColumns shares its slice")
	}
}

// generated writes an observers file of n rows from orgs organisations
// and states countries.
func generated(n, orgs, states int) string {
	countries := []string{"KZ", "RU", "KG", "UZ", "TJ", "TM", "AZ", "AM", "BY", "MD",
		"GE", "UA", "TR", "DE", "FR", "GB", "US", "PL", "IT", "ES", "NL", "BE", "AT",
		"CH", "SE", "NO", "FI", "DK", "CZ", "SK", "HU", "RO", "BG", "RS", "CN", "JP",
		"KR", "MN", "IN", "PK", "CA"}[:states]
	langs := []string{"kk, ru", "ru", "en; ru", "kk", "de, en", "tr", "uz;ru"}
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < n; i++ {
		org := i % orgs
		kind := OrgKinds[org%len(OrgKinds)]
		country := countries[i%len(countries)]
		region := ""
		if country == "KZ" {
			region = []string{"KZ-75", "Астана", "Karagandy oblysy", "Шымкент", "Abai"}[i%5]
		}
		name := []string{"Нұрлан", "Әйгерім", "Ivan", "Anna", "Бакыт", "Mehmet", "Ольга"}[i%7] + " " +
			[]string{"Серікбаев", "Қасымова", "Petrov", "Schmidt", "Токтогулов", "Yılmaz", "Ким"}[i/7%7] + " " + fmt.Sprint(i)
		fmt.Fprintf(&b, "%s,Organisation %d,%s,%s,observer%d@org%d.example.org,+7 701 %07d,\"%s\",%s,Mission %d\n",
			name, org, kind, strings.ToLower(country), i, org, i, langs[i%len(langs)], region, org)
	}
	return b.String()
}

func TestParseObserversMany(t *testing.T) {
	got, err := ParseObservers(strings.NewReader(generated(793, 12, 41)), "observers.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 793 {
		t.Fatalf("%d rows, want 793", len(got))
	}
	orgs, countries := map[string]bool{}, map[string]bool{}
	for _, o := range got {
		orgs[o.Organization], countries[o.Country] = true, true
	}
	if len(orgs) != 12 || len(countries) != 41 {
		t.Errorf("%d organisations and %d states, want 12 and 41", len(orgs), len(countries))
	}
	if got[792].Row != 794 {
		t.Errorf("last row is row %d, want 794", got[792].Row)
	}
}

func BenchmarkParseObservers(b *testing.B) {
	file := generated(793, 12, 41)
	for b.Loop() {
		if _, err := ParseObservers(strings.NewReader(file), "observers.csv"); err != nil {
			b.Fatal(err)
		}
	}
}
