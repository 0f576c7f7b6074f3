package demo

import (
	"math/rand/v2"
	"strings"
)

// namePool is a set of names of one language or country, in the script
// its people write them in. Surnames are in their masculine form;
// feminine turns one into the feminine form where the language has one.
type namePool struct {
	male, female, surnames []string
	// familyFirst writes the surname first (Chinese, Korean).
	familyFirst bool
	feminine    func(string) string
}

// words splits a space-separated list.
func words(s string) []string { return strings.Fields(s) }

// slavicFeminine makes Russian and Kazakh surnames feminine: Иванов →
// Иванова, Жуковский → Жуковская, Нұрланұлы → Нұрланқызы.
func slavicFeminine(s string) string {
	switch {
	case strings.HasSuffix(s, "ұлы"):
		return strings.TrimSuffix(s, "ұлы") + "қызы"
	case strings.HasSuffix(s, "ский"):
		return strings.TrimSuffix(s, "ий") + "ая"
	case strings.HasSuffix(s, "ов"), strings.HasSuffix(s, "ев"), strings.HasSuffix(s, "ёв"), strings.HasSuffix(s, "ин"):
		return s + "а"
	}
	return s
}

// latinFeminine makes Latin-script Turkic and Central Asian surnames
// feminine: Karimov → Karimova, Aliyev → Aliyeva.
func latinFeminine(s string) string {
	if strings.HasSuffix(s, "ov") || strings.HasSuffix(s, "ev") || strings.HasSuffix(s, "in") {
		return s + "a"
	}
	return s
}

func same(s string) string { return s }

// pools holds the name pools by key; poolOf says which one a country uses.
var pools = map[string]namePool{
	"kk": {
		male:     words("Айбек Асхат Ерлан Қайрат Нұрлан Дәурен Ғалым Серік Бауыржан Мұрат Ержан Талғат Әлібек Ілияс Жанболат Өмірзақ Әділет Ұлан Сұлтан Есен Нұржан Бекзат Қанат Темірлан"),
		female:   words("Әлия Гүлнар Айгерім Жанар Динара Сәуле Меруерт Ақмарал Гүлжан Нұргүл Әсел Қарлығаш Іңкәр Ләззат Райхан Аружан Ұлжан Шұғыла Зәуре Мөлдір Балжан Күләш"),
		surnames: words("Сәрсенбаев Жұмабаев Әбдірахманов Нұрпейісов Қасымов Оспанов Төлегенов Ермеков Бекмұхамбетов Ілиясов Өтепов Үсенов Шаһмарданов Мұхтаров Ғабдуллин Қуанышев Сейітқазиев Нұрланұлы Қайратұлы Серікұлы Әміржанұлы Бақытжанұлы Тәжібаев Құдайбергенов Исабеков"),
		feminine: slavicFeminine,
	},
	"ru": {
		male:     words("Александр Сергей Дмитрий Андрей Алексей Игорь Владимир Николай Павел Евгений Олег Виктор Михаил Константин Юрий Роман"),
		female:   words("Елена Ольга Наталья Татьяна Ирина Анна Светлана Мария Екатерина Юлия Людмила Галина Вера Оксана"),
		surnames: words("Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Лебедев Козлов Степанов Никитин Орлов Белов Жуковский Шевченко Ковальчук Гребенщиков"),
		feminine: slavicFeminine,
	},
	"tr": {
		male:     words("Mehmet Ahmet Mustafa Emre Burak Oğuz Hakan Serkan Murat Kerem Çağrı İsmail"),
		female:   words("Ayşe Elif Zeynep Fatma Merve Şule Gülay Büşra Derya Özlem İpek"),
		surnames: words("Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Arslan Doğan Koç Kılıç Güneş Erdoğdu"),
		feminine: same,
	},
	"az": {
		male:     words("Elvin Rashad Orkhan Tural Farid Ilgar Vugar Kamran"),
		female:   words("Aynur Leyla Gunel Nigar Sevinj Narmin Aysel"),
		surnames: words("Mammadov Aliyev Hasanov Guliyev Huseynov Ismayilov Karimov Jafarov"),
		feminine: latinFeminine,
	},
	"ca": { // Uzbek, Kyrgyz, Tajik and Turkmen names in Latin script
		male:     words("Dilshod Sherzod Jasur Bekzod Otabek Azamat Oʻtkir Firuz Merdan Bakyt Rustam Temur Ulugʻbek"),
		female:   words("Dilnoza Malika Gulnora Nodira Zarina Shahnoza Aigul Mehri Nilufar Gʻuncha"),
		surnames: words("Karimov Rakhimov Yusupov Tursunov Abdullayev Ismoilov Nazarov Sadikov Gʻulomov Toktogulov Atayev Rahmonov Oʻrinov"),
		feminine: latinFeminine,
	},
	"en": {
		male:     words("James John Michael David Thomas Peter Daniel Mark Richard Andrew Patrick William"),
		female:   words("Sarah Emma Laura Claire Helen Julia Sophie Katherine Rachel Fiona Grace"),
		surnames: words("Smith Johnson Brown Taylor Wilson Clarke Walker Hughes Evans Murphy O'Neill Bennett Fletcher"),
		feminine: same,
	},
	"eu": { // other European names, written as their bearers write them
		male:     words("Jan Luca Pierre Lars Tomasz Miguel Stefan Matteo Jonas Petr Mikkel Bálint Andrei Dimitris"),
		female:   words("Anna Marie Elena Ingrid Katarzyna Lucía Sofia Eva Hanna Agnès Ilona Ioana Maria"),
		surnames: words("Müller Dubois Rossi Nowak Novák Jansen Andersson Fischer García Nagy Popescu Papadopoulos Virtanen Hansen Lefèvre Kovács"),
		feminine: same,
	},
	"hy": {
		male:     words("Armen Davit Tigran Aram Hayk Gor"),
		female:   words("Ani Lilit Anahit Mariam Narine"),
		surnames: words("Hakobyan Petrosyan Sargsyan Grigoryan Harutyunyan Vardanyan"),
		feminine: same,
	},
	"ka": {
		male:     words("Giorgi Levan Davit Irakli Nikoloz"),
		female:   words("Nino Tamar Mariam Ketevan Salome"),
		surnames: words("Beridze Kapanadze Gelashvili Maisuradze Lomidze Tsiklauri"),
		feminine: same,
	},
	"zh": {
		male:        words("Wei Jun Hao Lei Qiang"),
		female:      words("Na Min Li Fang Jing"),
		surnames:    words("Wang Li Zhang Liu Chen Yang"),
		familyFirst: true,
		feminine:    same,
	},
	"ko": {
		male:        words("Min-jun Seo-jun Ji-ho Hyun-woo"),
		female:      words("Ji-eun Seo-yeon Min-ji Soo-ah"),
		surnames:    words("Kim Lee Park Choi Jung"),
		familyFirst: true,
		feminine:    same,
	},
	"mn": {
		male:     words("Batbayar Ganbold Temuulen Erdene"),
		female:   words("Enkhjargal Oyunchimeg Solongo Altantsetseg"),
		surnames: words("Dorj Bat-Erdene Tsogt Ganzorig"),
		feminine: same,
	},
	"hi": {
		male:     words("Arjun Rahul Vikram Sanjay Amit"),
		female:   words("Priya Anjali Kavita Meera"),
		surnames: words("Sharma Verma Gupta Iyer Nair Reddy"),
		feminine: same,
	},
	"pk": {
		male:     words("Ahmed Imran Bilal Usman Faisal"),
		female:   words("Ayesha Sana Fatima Hina"),
		surnames: words("Khan Qureshi Malik Chaudhry Siddiqui"),
		feminine: same,
	},
	"ar": {
		male:     words("Abdullah Faisal Khalid Saud Omar"),
		female:   words("Noura Reem Sara Huda"),
		surnames: words("Al-Harbi Al-Qahtani Al-Ghamdi Al-Otaibi Al-Shehri"),
		feminine: same,
	},
	"fa": {
		male:     words("Reza Ali Hossein Mehdi Amir"),
		female:   words("Maryam Zahra Narges Leila"),
		surnames: words("Ahmadi Hosseini Karimi Rezaei Moradi"),
		feminine: same,
	},
}

// poolOf returns the key of the name pool for a country's citizens.
func poolOf(country string) string {
	switch country {
	case "KZ":
		return "kk"
	case "RU", "BY":
		return "ru"
	case "TR":
		return "tr"
	case "AZ":
		return "az"
	case "UZ", "KG", "TJ", "TM":
		return "ca"
	case "GB", "US", "IE":
		return "en"
	case "AM":
		return "hy"
	case "GE":
		return "ka"
	case "CN":
		return "zh"
	case "KR":
		return "ko"
	case "MN":
		return "mn"
	case "IN":
		return "hi"
	case "PK":
		return "pk"
	case "SA":
		return "ar"
	case "IR":
		return "fa"
	}
	return "eu"
}

// languagesOf returns the ISO 639-1 languages an observer from a country
// works in: the country's own, then Russian or English.
func languagesOf(country string) []string {
	own := map[string]string{
		"KZ": "kk", "RU": "ru", "BY": "be", "TR": "tr", "AZ": "az", "UZ": "uz", "KG": "ky", "TJ": "tg", "TM": "tk",
		"GB": "en", "US": "en", "IE": "en", "AM": "hy", "GE": "ka", "CN": "zh", "KR": "ko", "MN": "mn", "IN": "hi",
		"PK": "ur", "SA": "ar", "IR": "fa", "MD": "ro", "RO": "ro", "BG": "bg", "DE": "de", "AT": "de", "CH": "de",
		"FR": "fr", "BE": "fr", "IT": "it", "ES": "es", "PL": "pl", "CZ": "cs", "SK": "sk", "HU": "hu", "LT": "lt",
		"SE": "sv", "NO": "no", "FI": "fi", "DK": "da", "NL": "nl", "GR": "el",
	}[country]
	switch {
	case country == "KZ":
		return []string{"kk", "ru"}
	case own == "en":
		return []string{"en"}
	case own == "ru":
		return []string{"ru", "en"}
	case poolOf(country) == "ca" || poolOf(country) == "az" || country == "BY" || country == "AM" || country == "MD":
		return []string{own, "ru"}
	case own == "":
		return []string{"en"}
	}
	return []string{own, "en"}
}

// fullName draws a name from a pool.
func fullName(rng *rand.Rand, pool string) string {
	p := pools[pool]
	surname := p.surnames[rng.IntN(len(p.surnames))]
	var first string
	if rng.IntN(2) == 0 {
		first = p.male[rng.IntN(len(p.male))]
	} else {
		first = p.female[rng.IntN(len(p.female))]
		surname = p.feminine(surname)
	}
	if p.familyFirst {
		return surname + " " + first
	}
	return first + " " + surname
}
