package demo

import "github.com/baqylau/baqylau/internal/people"

// orgSpec is an organisation of the demo and the people it sends.
type orgSpec struct {
	Name string
	Kind people.OrgKind
	// Country is the seat of an international organisation, the state of
	// a foreign state's body or election body, KZ for a domestic one.
	Country string
	// Mission is the name of its mission to the demo election ("": none).
	Mission string
	// Size is how many observers it sends, the mission's head and
	// delegation heads included; domestic organisations have them by
	// region instead (see domesticSizes).
	Size int
	// Citizens lists the citizenships of its observers; each occurs at
	// least once (Size must allow it).
	Citizens []string
	// DelegationHeads gives each citizenship a delegation head.
	DelegationHeads bool
}

// Names of the demo's domestic organisations. LoadPeople finds an earlier
// load by CentreName.
const (
	CentreName      = "Centre for Non-Partisan Observation"
	TradeUnionsName = "Federation of Trade Unions of Kazakhstan"
	AllianceName    = "Civic Alliance of Kazakhstan"
	CISOrgName      = "CIS Executive Committee"
	CISMissionName  = "CIS Observer Mission 2023"
	CISMissionSize  = 144
)

// Figures on international observers that source 000 gives.
const (
	InternationalObservers     = 793
	InternationalOrganizations = 12
	ObserverStates             = 41
)

// internationalOrgs are the 12 international organisations of source 000
// with missions to the demo election. The CIS mission has the 144 members
// of source 002; the sizes of the others are made up to add up, with the
// states below, to the 793 invited observers.
var internationalOrgs = []orgSpec{
	{CISOrgName, people.InternationalOrganization, "BY", CISMissionName, CISMissionSize,
		[]string{"RU", "BY", "AM", "AZ", "KG", "TJ", "UZ", "MD", "TM"}, true},
	{"CIS Inter-Parliamentary Assembly", people.InternationalOrganization, "RU", "CIS IPA Observer Mission 2023", 48,
		[]string{"RU", "BY", "AM", "KG", "TJ", "MD", "AZ"}, false},
	{"OSCE Office for Democratic Institutions and Human Rights", people.InternationalOrganization, "PL", "OSCE/ODIHR Election Observation Mission 2023", 280,
		[]string{"DE", "FR", "GB", "US", "IT", "PL", "ES", "SE", "NO", "FI", "AT", "CH", "NL", "CZ", "LT", "RO", "HU", "SK", "DK", "IE", "BE", "GR", "BG", "GE", "MD", "AM", "TR"}, false},
	{"OSCE Parliamentary Assembly", people.InternationalOrganization, "DK", "OSCE PA Short-Term Observers 2023", 56,
		[]string{"DE", "FR", "GB", "US", "IT", "PL", "SE", "NO", "FI", "AT", "CH", "NL", "DK", "BE", "GR"}, false},
	{"Shanghai Cooperation Organisation", people.InternationalOrganization, "CN", "SCO Observer Mission 2023", 34,
		[]string{"CN", "IN", "PK", "RU", "KG", "TJ", "UZ"}, false},
	{"Parliamentary Assembly of Turkic States (TurkPA)", people.InternationalOrganization, "AZ", "TurkPA Observer Mission 2023", 16,
		[]string{"AZ", "TR", "KG"}, false},
	{"Organization of Turkic States", people.InternationalOrganization, "TR", "OTS Observer Mission 2023", 24,
		[]string{"AZ", "TR", "KG", "UZ", "HU"}, false},
	{"Conference on Interaction and Confidence-Building Measures in Asia (CICA)", people.InternationalOrganization, "KZ", "CICA Observer Mission 2023", 18,
		[]string{"CN", "IN", "PK", "IR", "MN", "KR", "AZ", "TR"}, false},
	{"Organisation of Islamic Cooperation", people.InternationalOrganization, "SA", "OIC Observer Mission 2023", 20,
		[]string{"SA", "PK", "TR", "AZ", "IR", "UZ", "TJ", "KG"}, false},
	{"Parliamentary Assembly of the Union State of Belarus and Russia", people.InternationalOrganization, "BY", "Union State Parliamentary Assembly Observers 2023", 12,
		[]string{"BY", "RU"}, false},
	{"Parliamentary Assembly of the Council of Europe", people.InternationalOrganization, "FR", "PACE Election Observation Delegation 2023", 22,
		[]string{"DE", "FR", "GB", "IT", "PL", "ES", "SE", "NO", "AT", "CH", "NL", "LT", "RO", "GE"}, false},
	{"Association of World Election Bodies (A-WEB)", people.InternationalOrganization, "KR", "A-WEB Observer Mission 2023", 14,
		[]string{"KR", "MN", "RO", "MD", "GE", "KG"}, false},
}

// foreignOrgs are the election bodies of source 001 and the delegations
// of other states' parliaments, 105 observers in all.
var foreignOrgs = []orgSpec{
	electionBody("Supreme Election Council of Türkiye", "TR"),
	electionBody("Central Election Commission of the Republic of Uzbekistan", "UZ"),
	electionBody("Central Election Commission of Bulgaria", "BG"),
	electionBody("Central Electoral Commission of the Republic of Moldova", "MD"),
	electionBody("Central Commission for Elections and Referendums of Turkmenistan", "TM"),
	electionBody("Central Election Commission of the Republic of Azerbaijan", "AZ"),
	electionBody("Central Commission of the Republic of Belarus on Elections and Republican Referendums", "BY"),
	electionBody("Central Election Commission of the Russian Federation", "RU"),
	electionBody("Central Electoral Commission of the Republic of Armenia", "AM"),
	electionBody("Central Election Commission of Georgia", "GE"),
	electionBody("Central Commission for Elections and Referendums of the Kyrgyz Republic", "KG"),
	electionBody("Central Commission for Elections and Referendums of the Republic of Tajikistan", "TJ"),
	state("State Duma of the Russian Federation", "RU", 10),
	state("State Great Khural of Mongolia", "MN", 6),
	state("Islamic Consultative Assembly of Iran", "IR", 5),
	state("Grand National Assembly of Türkiye", "TR", 6),
	state("Oliy Majlis of the Republic of Uzbekistan", "UZ", 6),
}

// electionBody is a foreign central election body's delegation of six.
func electionBody(name, country string) orgSpec {
	return orgSpec{name, people.ElectionBody, country, "Delegation of the " + name + ", 2023", 6, []string{country}, false}
}

// state is a foreign state's parliamentary delegation.
func state(name, country string, size int) orgSpec {
	return orgSpec{name, people.ForeignState, country, "Delegation of the " + name + ", 2023", size, []string{country}, false}
}

// mediaOrgs are the demo's (made-up) media; their people are journalists.
var mediaOrgs = []orgSpec{
	{Name: "Steppe Herald", Kind: people.Media, Country: "KZ", Size: 24},
	{Name: "Dala Info Radio", Kind: people.Media, Country: "KZ", Size: 16},
}

// missionPrinciples is what each international mission's members
// acknowledge (source 002).
const missionPrinciples = "Non-interference in the electoral process and political neutrality. " +
	"Members observe, record and report; they do not instruct election commissions or voters."

// domesticSizes returns how many observers the Centre and the trade
// unions have in each unit: the Centre more in populous units, about 300
// in East Kazakhstan (source 004) and a strong branch in Ulytau; the
// trade unions fewer, by population.
func domesticSizes() (centre, unions map[string]int) {
	centre, unions = map[string]int{}, map[string]int{}
	for _, u := range units {
		centre[u.Code] = 12 + u.Population/45
		unions[u.Code] = 4 + u.Population/250
	}
	centre[EastKazakhstan] = 310
	centre[Ulytau] = 70
	return centre, unions
}

// Units the demo's people favour.
const (
	EastKazakhstan = "KZ-63"
	Ulytau         = "KZ-62"
)

// charter is the demo's Charter of impartial and honest observation
// (source 003), in Kazakh, Russian and English.
var charter = people.CharterVersion{
	TextKK: "Біз, сайлау байқаушылары, бейтарап әрі адал байқау жүргізуге міндеттенеміз. " +
		"Заңды бұзбаймыз және сайлау комиссияларының жұмысына араласпаймыз. " +
		"Учаскеде көрген бұзушылық туралы дереу өңірлік штабқа хабарлаймыз. " +
		"Өз көзімізбен көрген және құжатпен расталған фактілерді ғана жариялаймыз. " +
		"Сайлаудың барлық қатысушыларына бірдей құрметпен қараймыз.",
	TextRU: "Мы, наблюдатели, обязуемся вести наблюдение беспристрастно и честно. " +
		"Мы соблюдаем закон и не вмешиваемся в работу избирательных комиссий. " +
		"О нарушении, замеченном на участке, мы сразу сообщаем в региональный штаб. " +
		"Мы сообщаем только о фактах, которые видели сами и можем подтвердить документами. " +
		"Мы одинаково уважительно относимся ко всем участникам выборов.",
	TextEN: "We, the observers, undertake to observe impartially and honestly. " +
		"We keep to the law and do not interfere in the work of election commissions. " +
		"We report a violation seen at a station at once to the regional headquarters. " +
		"We make public only facts we have seen ourselves and can support with documents. " +
		"We treat every participant in the election with equal respect.",
}

// trainingProgramme is the Centre's programme (sources 003 and 004): the
// first two sessions are mandatory; the fourth is for the East
// Kazakhstan branch only.
var trainingProgramme = []people.TrainingSession{
	{Title: "Rights and duties of an observer under the Constitutional Law on Elections", Mode: people.InPerson, Mandatory: true},
	{Title: "Election day step by step: opening, voting, the count and the protocol", Mode: people.Video, Mandatory: true},
	{Title: "Reporting a violation at once: the regional headquarters and its lawyers", Mode: people.Messenger},
	{Title: "East Kazakhstan branch: questions from the stations", Mode: people.Video, Region: EastKazakhstan},
}
