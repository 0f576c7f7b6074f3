package people

import (
	"slices"
	"testing"
)

func TestNormalizeNameMatches(t *testing.T) {
	same := [][]string{
		{"Ivanov Ivan", "IVAN  IVANOV", "ivan, ivanov", "  Ivanov\tIvan "},
		{"Иванов Иван", "Ivanov Ivan", "ИВАН ИВАНОВ"},
		{"Renée Müller", "MÜLLER Renée", "Muller Renee"},
		{"Ol'ga Kim", "Olga Kim", "Ольга Ким", "Ol’ga Kim"},
		{"Қайрат Нұрланұлы", "Qairat Nurlanuly", "Kayrat Nurlanuly", "Кайрат Нурланулы", "Kairat Nurlanuly"},
		{"Шыңғыс Әбенов", "Şyñğys Äbenov", "Shyngys Abenov", "Шынгыс Абенов"},
		{"Жанар Ғалымова", "Zhanar Galymova", "Janar Ghalymova", "Жанар Галымова"},
		{"Мария Сергеевна", "Mariya Sergeyevna", "Maria Sergeevna"},
		{"Евгений Хасенов", "Yevgeniy Khasenov", "Evgenii Hasenov", "Evgeniy Khassenov"},
		{"Наталья Щербакова", "Natalya Shcherbakova", "Natalia Sherbakova"},
		{"Алексей Цой", "Aleksey Tsoy", "Alexei Tsoi", "Alexey Tsoy"},
		{"Юлия Әлиева", "Yuliya Aliyeva", "Iulia Alieva"},
		{"Әйгерім Үсенова", "Aigerim Usenova", "Aygerim Üsenova"},
		{"Jean-Pierre Dubois", "Jean Pierre Dubois", "DUBOIS Jean-Pierre"},
		{"Mehmet Yılmaz", "Mehmet Yilmaz", "Мехмет Йылмаз"},
		{"Дмитрий Волков", "Dmitry Volkov", "Dmitriy Volkov", "Dmitrii Volkov"},
	}
	for _, group := range same {
		want := NormalizeName(group[0])
		if want == "" {
			t.Errorf("NormalizeName(%q) is empty", group[0])
		}
		for _, s := range group[1:] {
			if got := NormalizeName(s); got != want {
				t.Errorf("NormalizeName(%q) = %q, want %q as for %q", s, got, want, group[0])
			}
		}
	}
}

func TestNormalizeNameDiffers(t *testing.T) {
	differ := [][2]string{
		{"Ivanov Ivan", "Ivanova Ivanna"},
		{"Иван Иванов", "Пётр Иванов"},
		{"Айгүл Мұратқызы", "Айгүл Мұратова"},
		{"Anna Schmidt", "Anna Schmitt"},
		{"Ivan Ivanov", "Ivan Ivanov Petrovich"},
	}
	for _, d := range differ {
		if a, b := NormalizeName(d[0]), NormalizeName(d[1]); a == b {
			t.Errorf("%q and %q both fold to %q", d[0], d[1], a)
		}
	}
	for _, s := range []string{"", "   ", "--", "'", "\t\n"} {
		if got := NormalizeName(s); got != "" {
			t.Errorf("NormalizeName(%q) = %q, want empty", s, got)
		}
	}
}

func TestNormalizeNameDeterministic(t *testing.T) {
	// Sorted words: the key does not depend on the order written.
	a := NormalizeName("Серікбаев Нұрлан Асқарұлы")
	b := NormalizeName("Асқарұлы Нұрлан Серікбаев")
	if a != b || a != "askaruli nurlan serikbaev" {
		t.Errorf("got %q and %q, want both %q", a, b, "askaruli nurlan serikbaev")
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+7 701 123 45 67", "77011234567"},
		{"8 701 123 45 67", "77011234567"},
		{"8 (701) 123-45-67", "77011234567"},
		{"+7 (701) 123-45-67", "77011234567"},
		{"007 701 123 45 67", "77011234567"},
		{"77011234567", "77011234567"},
		{"+49 30 1234567", "49301234567"},
		{"0049 30 1234567", "49301234567"},
		{"123456", "123456"},
		{"12345", ""},
		{"", ""},
		{"none", ""},
		{"8 10 49", ""},
	}
	for _, tt := range tests {
		if got := NormalizePhone(tt.in); got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDuplicateKeys(t *testing.T) {
	tests := []struct {
		name     string
		fullName string
		p        Personal
		want     []string
	}{
		{"name and e-mail", "Ivan Ivanov", Personal{Email: " Ivan@Example.KZ "}, []string{"ivan ivanov|e:ivan@example.kz"}},
		{"name and phone", "Ivanov Ivan", Personal{Phone: "8 701 123 45 67"}, []string{"ivan ivanov|p:77011234567"}},
		{"both", "Иван Иванов", Personal{Email: "i@x.kz", Phone: "+77011234567"}, []string{"ivan ivanov|e:i@x.kz", "ivan ivanov|p:77011234567"}},
		{"no contact", "Ivan Ivanov", Personal{NationalID: "123456789012"}, nil},
		{"no name", " ", Personal{Email: "i@x.kz"}, nil},
		{"short phone ignored", "Ivan Ivanov", Personal{Phone: "123"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DuplicateKeys(tt.fullName, tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("DuplicateKeys = %q, want %q", got, tt.want)
			}
		})
	}
	// The same person written two ways shares a key.
	a := DuplicateKeys("Нұрлан Серікбаев", Personal{Phone: "8 701 123 45 67"})
	b := DuplicateKeys("SERIKBAEV Nurlan", Personal{Phone: "+7 (701) 123-45-67", Email: "n@example.kz"})
	if len(a) != 1 || !slices.Contains(b, a[0]) {
		t.Errorf("keys %q and %q share nothing", a, b)
	}
	// A family sharing a phone are different people.
	c := DuplicateKeys("Серікбаева Әйгерім", Personal{Phone: "8 701 123 45 67"})
	if slices.Equal(a, c) {
		t.Errorf("two people share keys %q", a)
	}
}
