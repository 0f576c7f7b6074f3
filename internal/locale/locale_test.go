package locale

import (
	"testing"
	"time"
)

// TestCataloguesComplete fails when a message is missing in one language.
func TestCataloguesComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range Languages {
		for _, b := range Languages {
			for id := range c.IDs(a) {
				if !c.IDs(b)[id] {
					t.Errorf("message %q is in %s but not in %s", id, a, b)
				}
			}
		}
	}
}

func TestPrinter(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2023, 3, 19, 0, 0, 0, 0, time.UTC)
	almaty, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2023, 3, 20, 9, 0, 0, 0, almaty)
	for _, tc := range []struct {
		lang, number, date, datetime string
		one, few, many               string
	}{
		{"en", "12,016", "19 March 2023", "20 March 2023, 09:00 (UTC+06:00)", "1 station found", "3 stations found", "5 stations found"},
		{"ru", "12\u00a0016", "19 марта 2023 г.", "20 марта 2023 г., 09:00 (UTC+06:00)", "Найден 1 участок", "Найдено 3 участка", "Найдено 5 участков"},
		{"kk", "12\u00a0016", "2023 ж. 19 наурыз", "2023 ж. 20 наурыз, 09:00 (UTC+06:00)", "1 учаске табылды", "3 учаске табылды", "5 учаске табылды"},
	} {
		p := c.Printer(tc.lang)
		if got := p.N(12016); got != tc.number {
			t.Errorf("%s: N(12016) = %q, want %q", tc.lang, got, tc.number)
		}
		if got := p.Date(day); got != tc.date {
			t.Errorf("%s: Date = %q, want %q", tc.lang, got, tc.date)
		}
		if got := p.DateTime(at); got != tc.datetime {
			t.Errorf("%s: DateTime = %q, want %q", tc.lang, got, tc.datetime)
		}
		for n, want := range map[int]string{1: tc.one, 3: tc.few, 5: tc.many} {
			if got := p.T("stations.found", "Count", n); got != want {
				t.Errorf("%s: stations.found(%d) = %q, want %q", tc.lang, n, got, want)
			}
		}
	}
	if got := c.Printer("en").T("no.such.message"); got != "no.such.message" {
		t.Errorf("missing message shows %q, want its id", got)
	}
}

func TestMatch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ choice, accept, want string }{
		{"kk", "en-US", "kk"},
		{"", "kk-KZ,ru;q=0.8", "kk"},
		{"", "en-GB,en;q=0.9", "en"},
		{"", "de-DE", Default},
		{"xx", "", Default},
		{"", "ru-RU", "ru"},
	} {
		if got := c.Match(tc.choice, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.choice, tc.accept, got, tc.want)
		}
	}
}
