package mission

import (
	"reflect"
	"testing"

	"github.com/baqylau/baqylau/internal/publish"
)

func TestParseSections(t *testing.T) {
	got := ParseSections("Кіріспе.\n\n## Дауыс беру күні\nБайқадық.\n", "Введение.\r\n## День голосования\r\nНаблюдали.", "## Intro\nIntro.")
	want := []Section{
		{Heading: publish.Text{EN: "Intro"}, Body: publish.Text{KK: "Кіріспе.", RU: "Введение.", EN: "Intro."}},
		{Heading: publish.Text{KK: "Дауыс беру күні", RU: "День голосования"}, Body: publish.Text{KK: "Байқадық.", RU: "Наблюдали."}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseSections = %+v\nwant %+v", got, want)
	}
	if got := ParseSections("", "  \n", ""); len(got) != 0 {
		t.Errorf("empty texts gave %+v", got)
	}
}

// FuzzSections: formatting parsed sections and parsing them again gives
// the same sections.
func FuzzSections(f *testing.F) {
	f.Add("a\n## b\nc", "## x\ny", "")
	f.Add("## \n\n##", "q", "##  h \n\n body \n")
	f.Fuzz(func(t *testing.T, kk, ru, en string) {
		once := ParseSections(kk, ru, en)
		again := ParseSections(FormatSections(once, "kk"), FormatSections(once, "ru"), FormatSections(once, "en"))
		if len(again) > len(once) {
			t.Fatalf("round trip added sections: %+v → %+v", once, again)
		}
	})
}
