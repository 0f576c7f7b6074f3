package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
)

// DaySummary tells what LoadDay sent: Reports and Incidents count the
// whole demo day (the same on every run); StoredReports and
// StoredIncidents count what this run stored anew (none on a second run).
type DaySummary struct {
	Reports           int
	Incidents         int
	StationsReporting int
	StoredReports     int
	StoredIncidents   int
}

// DayIncidents is how many incidents the demo day holds.
const DayIncidents = 60

// dayBatch bounds one SaveReports or SaveIncidents call.
const dayBatch = 500

// dayNamespace is the namespace of the demo day's client ids.
var dayNamespace = uuid.MustParse("6f1f3c2a-2d2b-5e8a-9c3e-19032023baf0")

// Checkpoints of the turnout form (local times) and the share of a
// station's final ballots cast at each, before noise.
var dayCheckpoints = []struct {
	hour  int
	share float64
}{{10, 0.16}, {12, 0.36}, {14, 0.56}, {16, 0.73}, {18, 0.88}}

// LoadDay fills the demo election's day: at every station with an
// assigned observer (the first assigned is the one who reports), turnout
// reports at the checkpoints with rising ballots cast, a closing report
// at 20:00 local and, when the party-list contest (the election's first)
// has options, a count protocol — consistent but at a handful of
// stations; and DayIncidents incidents across regions and abroad. Data are
// drawn from Options' seed and client ids derive from fixed keys, so a
// second run stores nothing new.
func LoadDay(ctx context.Context, es election.Store, ps people.Store, rs report.Store, electionID int64, opts Options) (DaySummary, error) {
	e, err := es.Election(ctx, electionID)
	if err != nil {
		return DaySummary{}, fmt.Errorf("demo day: %w", err)
	}
	observers, err := firstObservers(ctx, ps, electionID)
	if err != nil {
		return DaySummary{}, err
	}
	stations, err := assignedStations(ctx, es, electionID, observers)
	if err != nil {
		return DaySummary{}, err
	}
	countForm, _ := report.DefaultForm(report.Count)
	var contest *election.Contest
	if len(e.Contests) > 0 && len(e.Contests[0].Options) > 0 {
		contest = &e.Contests[0]
	}

	rng := rand.New(rand.NewPCG(opts.seed(), 7))
	// A base turnout per region (and one abroad), drawn in code order.
	var regions []string
	seenRegion := map[string]bool{}
	for _, st := range stations {
		if !seenRegion[st.Region] {
			seenRegion[st.Region] = true
			regions = append(regions, st.Region)
		}
	}
	sort.Strings(regions)
	base := map[string]float64{}
	for _, r := range regions {
		if r == "" {
			base[r] = 0.30 + 0.15*rng.Float64() // abroad
		} else {
			base[r] = 0.55 + 0.15*rng.Float64()
		}
	}

	id := func(parts ...any) string {
		key := fmt.Sprint(append([]any{"demo-day", electionID}, parts...)...)
		return uuid.NewSHA1(dayNamespace, []byte(key)).String()
	}
	var sum DaySummary
	var reports []report.Report
	for _, st := range stations {
		loc, err := election.LoadZone(st.TimeZone)
		if err != nil {
			return DaySummary{}, fmt.Errorf("demo day: station %s: %w", st.Code, err)
		}
		y, m, d := e.Date.Date()
		at := func(h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
		_, closes, err := st.Hours(e.Date)
		if err != nil {
			return DaySummary{}, fmt.Errorf("demo day: station %s: %w", st.Code, err)
		}
		final := base[st.Region] + 0.05*rng.NormFloat64()
		final = max(0.2, min(0.9, final))
		reg := st.RegisteredVoters
		cast := int(math.Round(final * float64(reg)))
		observer := observers[st.Code]
		mk := func(form report.FormCode, key string, t time.Time, answers map[string]any) report.Report {
			r := report.Report{
				ClientID: id(st.Code, form, key), ElectionID: electionID, StationCode: st.Code,
				Form: form, FormVersion: 1, ObserverID: observer, Channel: report.Web,
				ObservedAt: t, ReceivedAt: t.Add(time.Minute), Answers: map[string]json.RawMessage{},
			}
			for k, v := range answers {
				b, _ := json.Marshal(v)
				r.Answers[k] = b
			}
			return r
		}
		prev := 0
		for _, cp := range dayCheckpoints {
			share := cp.share * (1 + 0.08*rng.NormFloat64())
			n := max(prev, min(cast, int(math.Round(share*float64(cast)))))
			prev = n
			late := rng.IntN(25)
			if rng.Float64() < 0.04 { // a checkpoint missed now and then
				continue
			}
			cpName := fmt.Sprintf("%02d:00", cp.hour)
			reports = append(reports, mk(report.Turnout, cpName, at(cp.hour, 1+late),
				map[string]any{report.QCheckpoint: cpName, report.QBallotsCast: n}))
		}
		closedAt := closes.Add(time.Duration(5+rng.IntN(25)) * time.Minute)
		reports = append(reports, mk(report.Closing, "", closedAt, map[string]any{
			"closed_on_time":    rng.Float64() < 0.97,
			"queue_at_closing":  rng.Float64() < 0.05,
			report.QBallotsCast: cast,
		}))
		sum.StationsReporting++
		if contest == nil {
			continue
		}
		r := mk(report.Count, fmt.Sprint(contest.ID), closes.Add(time.Duration(90+rng.IntN(150))*time.Minute),
			countAnswers(rng, contest, reg, cast))
		flags, err := report.CheckAnswers(countForm, r.Answers, contest)
		if err != nil {
			return DaySummary{}, fmt.Errorf("demo day: count protocol of %s: %w", st.Code, err)
		}
		r.Flags = flags
		reports = append(reports, r)
	}
	incidents := dayIncidents(rng, e.Date, stations, observers, id)
	sum.Reports, sum.Incidents = len(reports), len(incidents)

	for start := 0; start < len(reports); start += dayBatch {
		acks, err := rs.SaveReports(ctx, reports[start:min(start+dayBatch, len(reports))])
		if err != nil {
			return DaySummary{}, fmt.Errorf("demo day: save reports: %w", err)
		}
		for _, a := range acks {
			if !a.Duplicate {
				sum.StoredReports++
			}
		}
	}
	for start := 0; start < len(incidents); start += dayBatch {
		acks, err := rs.SaveIncidents(ctx, incidents[start:min(start+dayBatch, len(incidents))])
		if err != nil {
			return DaySummary{}, fmt.Errorf("demo day: save incidents: %w", err)
		}
		for _, a := range acks {
			if !a.Duplicate {
				sum.StoredIncidents++
			}
		}
	}
	return sum, nil
}

// countAnswers fills a count protocol: consistent, but at about one
// station in 120 a line that does not add up.
func countAnswers(rng *rand.Rand, c *election.Contest, reg, cast int) map[string]any {
	received := reg + reg/50 + rng.IntN(10)
	issued := cast + rng.IntN(3)
	issued = min(issued, reg)
	cast = min(cast, issued)
	spoiled := rng.IntN(max(1, reg/300) + 1)
	unused := received - issued - spoiled
	invalid := int(math.Round(float64(cast) * (0.005 + 0.02*rng.Float64())))
	valid := cast - invalid
	weights := make([]float64, len(c.Options))
	for i := range weights {
		weights[i] = math.Exp(1.2*rng.NormFloat64()) / float64(i+1)
	}
	votes := map[string]int{}
	shares := apportion(valid, weights, 0)
	for i, o := range c.Options {
		votes[o] = shares[i]
	}
	if rng.Float64() < 1.0/120 {
		switch rng.IntN(3) {
		case 0:
			valid += 5 + rng.IntN(40) // valid + invalid ≠ cast, votes ≠ valid
		case 1:
			unused -= 10 + rng.IntN(50) // received ≠ issued + spoiled + unused
		default:
			cast = issued + 5 + rng.IntN(30) // more in the boxes than issued
		}
	}
	return map[string]any{
		report.QContest: c.ID, report.QRegistered: reg, report.QReceived: received, report.QIssued: issued,
		report.QCast: cast, report.QSpoiled: spoiled, report.QUnused: unused, report.QValid: valid,
		report.QInvalid: invalid, report.QVotes: votes,
		"count_transparent": rng.Float64() < 0.95,
		"protocol_posted":   rng.Float64() < 0.93,
		"copy_received":     rng.Float64() < 0.9,
	}
}

// dayIncident is a kind of incident with what observers write about it.
type dayIncident struct {
	category string
	weight   float64
	// afterClose is true for what happens at the count.
	afterClose   bool
	descriptions []string
}

var dayIncidentKinds = []dayIncident{
	{"obstruction_of_observers", 8, false, []string{
		"Председатель УИК не разрешил наблюдателю вести фотосъёмку и требовал покинуть участок.",
		"Бақылаушыға сайлаушылар тізімімен танысуға рұқсат берілмеді.",
		"Наблюдателя посадили в угол, откуда не видно урну и стол выдачи бюллетеней.",
	}},
	{"ballot_stuffing", 2, false, []string{
		"Член комиссии опустил в урну пачку сложенных бюллетеней, есть видео.",
		"Жәшікке бірнеше бюллетень бірге салынғаны байқалды.",
	}},
	{"multiple_voting", 4, false, []string{
		"Один и тот же избиратель проголосовал повторно по другому паспорту.",
		"Бір сайлаушы екі рет дауыс берді, тізімде екі қолы бар.",
	}},
	{"carousel", 2, false, []string{
		"Группа из 15 человек подъехала на автобусе, все с открепительными удостоверениями.",
		"Бір автобуспен келген топ бірнеше учаскеде дауыс берді.",
	}},
	{"pressure_on_voters", 6, false, []string{
		"Сотрудников бюджетной организации обязали сфотографировать заполненный бюллетень.",
		"Мекеме басшысы қызметкерлерден учаскеге келгенін растауды талап етті.",
	}},
	{"vote_buying", 4, false, []string{
		"У входа раздавали продуктовые наборы в обмен на обещание проголосовать.",
		"Учаске маңында сайлаушыларға ақша ұсынылды.",
	}},
	{"campaigning_on_election_day", 7, false, []string{
		"У входа на участок висит агитационный плакат партии.",
		"Учаске ғимаратында партияның үгіт парақшалары таратылды.",
	}},
	{"secrecy_of_vote", 6, false, []string{
		"Кабины без шторок, заполнение бюллетеня видно со стола комиссии.",
		"Сайлаушылар бюллетеньді кабинадан тыс толтырды.",
	}},
	{"unauthorized_persons", 6, false, []string{
		"На участке весь день находятся посторонние лица, не представившиеся комиссии.",
		"Учаскеде өкілеттігі жоқ адамдар сайлаушыларға нұсқау берді.",
	}},
	{"voter_list_problems", 9, false, []string{
		"Несколько избирателей не нашли себя в списках, хотя живут по адресу много лет.",
		"Тізімде қайтыс болған адамдар бар.",
		"В дополнительный список вносят без проверки регистрации.",
	}},
	{"count_irregularities", 4, true, []string{
		"Бюллетени считали без оглашения, наблюдателей не подпускали к столу.",
		"Дауыс санау кезінде жарамсыз бюллетеньдер бөлек есептелмеді.",
	}},
	{"protocol_not_posted", 3, true, []string{
		"Увеличенная форма протокола не вывешена, копию наблюдателю не выдали.",
		"Хаттама учаскеде ілінбеді.",
	}},
	{"violence_or_threats", 1, false, []string{
		"Наблюдателю угрожали расправой, вызвана полиция.",
	}},
	{"other", 3, false, []string{
		"Участок открылся с опозданием на 20 минут.",
		"Учаскеде пандус жоқ, мүгедектігі бар сайлаушылар кіре алмады.",
	}},
}

// dayIncidents draws DayIncidents incidents at assigned stations, a few of
// them abroad, observed during voting hours (or the count, for count
// problems).
func dayIncidents(rng *rand.Rand, day time.Time, stations []election.Station, observers map[string]int64, id func(...any) string) []report.IncidentReport {
	if len(stations) == 0 {
		return nil
	}
	var home, abroad []election.Station
	for _, st := range stations {
		if st.Abroad() {
			abroad = append(abroad, st)
		} else {
			home = append(home, st)
		}
	}
	weights := make([]float64, len(dayIncidentKinds))
	for i, k := range dayIncidentKinds {
		weights[i] = k.weight
	}
	sevShift := []report.Severity{report.Low, report.Medium, report.High, report.Critical}
	out := make([]report.IncidentReport, 0, DayIncidents)
	for i := 0; i < DayIncidents; i++ {
		pool := home
		if len(abroad) > 0 && (len(home) == 0 || i%12 == 5) {
			pool = abroad
		}
		st := pool[rng.IntN(len(pool))]
		kind := dayIncidentKinds[pick(rng, weights)]
		cat, _ := report.LookupCategory(kind.category)
		sev := cat.DefaultSeverity
		if rng.Float64() < 0.3 {
			j := max(0, min(len(sevShift)-1, slicesIndex(sevShift, sev)+rng.IntN(3)-1))
			sev = sevShift[j]
		}
		opens, closes, err := st.Hours(day)
		if err != nil {
			continue
		}
		t := opens.Add(time.Duration(15+rng.IntN(int(closes.Sub(opens).Minutes())-30)) * time.Minute)
		if kind.afterClose {
			t = closes.Add(time.Duration(30+rng.IntN(150)) * time.Minute)
		}
		region := st.Region
		if st.Abroad() {
			region = report.RegionAbroad
		}
		out = append(out, report.IncidentReport{
			ClientID: id("incident", i), ElectionID: st.ElectionID, StationCode: st.Code, Region: region,
			Category: cat.Code, Severity: sev, Description: kind.descriptions[rng.IntN(len(kind.descriptions))],
			ObserverID: observers[st.Code], Channel: report.Web, ObservedAt: t, ReceivedAt: t.Add(time.Minute),
			Status: report.StatusNew,
		})
	}
	return out
}

func slicesIndex(list []report.Severity, s report.Severity) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return 1
}

// firstObservers maps each station of the election with an assignment to
// its first assigned observer (the assignment with the lowest id).
func firstObservers(ctx context.Context, ps people.Store, electionID int64) (map[string]int64, error) {
	out := map[string]int64{}
	firstID := map[string]int64{}
	q := people.AssignmentQuery{ElectionID: electionID, Limit: 1000}
	for {
		page, total, err := ps.Assignments(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("demo day: assignments: %w", err)
		}
		for _, a := range page {
			if id, ok := firstID[a.StationCode]; !ok || a.ID < id {
				out[a.StationCode] = a.ObserverID
				firstID[a.StationCode] = a.ID
			}
		}
		q.Offset += len(page)
		if len(page) == 0 || q.Offset >= total {
			break
		}
	}
	return out, nil
}

// assignedStations lists the election's stations that have an observer,
// in code order.
func assignedStations(ctx context.Context, es election.Store, electionID int64, observers map[string]int64) ([]election.Station, error) {
	var out []election.Station
	q := election.StationQuery{ElectionID: electionID, Limit: 1000}
	for {
		page, err := es.Stations(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("demo day: stations: %w", err)
		}
		for _, st := range page.Stations {
			if _, ok := observers[st.Code]; ok {
				st.ElectionID = electionID
				out = append(out, st)
			}
		}
		q.Offset += len(page.Stations)
		if len(page.Stations) == 0 || q.Offset >= page.Total {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}
