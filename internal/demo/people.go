package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/mission"
	"github.com/baqylau/baqylau/internal/people"
)

// PeopleSummary tells what the demo's observer desk holds: the
// organisations LoadPeople creates and their people, whatever has
// happened to them since.
type PeopleSummary struct {
	// Organizations counts the demo's organisations, of which
	// InternationalOrganizations are international organisations.
	Organizations              int
	InternationalOrganizations int
	// Missions counts their missions to the election.
	Missions int
	// Observers counts their people, journalists included.
	Observers int
	// International counts the observers of international organisations,
	// foreign states and election bodies; Countries their citizenships.
	International int
	Countries     int
	// Accredited counts those holding a valid accreditation (accredited or
	// deployed); Deployed those deployed to a station.
	Accredited int
	Deployed   int
	// Journalists counts the media's people.
	Journalists int
	// Assignments counts the assignments to stations of the election.
	Assignments int
}

// importChunk bounds one ImportObservers call (one transaction).
const importChunk = 500

// LoadPeople fills the observer desk of the demo election electionID
// (stored by Load, with its stations) from the source reports: 793
// international observers of 12 international organisations and of
// foreign states' bodies, 41 citizenships in all, the CIS mission of 144;
// the Centre for non-partisan observation with a network in every unit
// (about 300 in East Kazakhstan), the trade unions' observers and two
// media's journalists. Everyone is imported with ImportObservers (heads
// of mission with CreateObserver, which alone sets a mission role), then
// most are moved through the workflow: the Centre's programme of four
// sessions with attendance and an all-mandatory training rule, trained,
// accredited, a few revoked, and a share deployed, so that some units are
// about 60% covered and others far less, and a few stations abroad have
// an observer. The Charter is published unless one is, and signed by the
// Centre, the trade unions, the civic alliance and the media.
//
// Everything is drawn from opts' seed, so two loads into empty databases
// give the same people. LoadPeople is idempotent: when the Centre exists
// it only counts what is there. A load that failed part-way is not
// resumed; start from a new database.
//
// Names, e-mails (…@observers.example) and phone numbers are made up.
func LoadPeople(ctx context.Context, es election.Store, ps people.Store, electionID int64, opts Options) (PeopleSummary, error) {
	if _, err := es.Election(ctx, electionID); err != nil {
		return PeopleSummary{}, fmt.Errorf("demo: people: %w", err)
	}
	_, err := ps.OrganizationByName(ctx, CentreName)
	switch {
	case err == nil:
		return SummarizePeople(ctx, ps, electionID)
	case baqylau.ErrorCode(err) != baqylau.ENOTFOUND:
		return PeopleSummary{}, fmt.Errorf("demo: people: %w", err)
	}
	l := &peopleLoader{es: es, ps: ps, electionID: electionID, plan: planPeople(opts.seed()),
		rng: rand.New(rand.NewPCG(opts.seed(), 4))}
	steps := []func(context.Context) error{
		l.createInternational, l.importAll, l.fetchObservers, l.train, l.accredit, l.deploy, l.sign,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return PeopleSummary{}, fmt.Errorf("demo: people: %w", err)
		}
	}
	return SummarizePeople(ctx, ps, electionID)
}

// planned is one person of the demo, before the store has seen them.
type planned struct {
	org  *orgSpec
	row  people.ObserverRow
	role people.MissionRole // head or delegation head: created one by one
	// final is the status the workflow brings them to (before deployment);
	// revoke, when set, then revokes them with this reason.
	final  people.Status
	revoke string
	// attended lists the indices of the Centre's sessions attended.
	attended []int
}

// peoplePlan is everyone the demo loads, in import order: international
// observers, the trade unions and the media, the Centre last.
type peoplePlan struct {
	orgs   []*orgSpec
	people []*planned
}

var (
	intlRevocations = []string{
		"Left Kazakhstan before election day",
		"Accreditation withdrawn at the request of the sending organisation",
		"Replaced by another member of the delegation",
	}
	domesticRevocations = []string{
		"Close relative of a candidate in the same district: conflict of interest",
		"Breach of the Charter of impartial and honest observation",
	}
)

// planPeople draws the demo's people from a seed.
func planPeople(seed uint64) *peoplePlan {
	rng := rand.New(rand.NewPCG(seed, 3))
	p := &peoplePlan{}
	n := 0
	add := func(o *orgSpec, country, region string, role people.MissionRole) *planned {
		n++
		pool := poolOf(country)
		if country == "KZ" && rng.IntN(10) < 3 {
			pool = "ru" // Kazakhstan's Russian speakers
		}
		pl := &planned{org: o, role: role, row: people.ObserverRow{
			FullName: fullName(rng, pool), Organization: o.Name, OrganizationKind: o.Kind, Country: country,
			Email: fmt.Sprintf("observer%04d@observers.example", n), Languages: languagesOf(country),
			Region: region, Mission: o.Mission,
		}}
		if country == "KZ" {
			pl.row.Phone = fmt.Sprintf("+7 700 000 %02d %02d", n/100%100, n%100)
		}
		p.people = append(p.people, pl)
		return pl
	}

	// International observers: everyone's citizenship once, then drawn.
	var intl []*planned
	for _, list := range [][]orgSpec{internationalOrgs, foreignOrgs} {
		for i := range list {
			o := &list[i]
			p.orgs = append(p.orgs, o)
			citizens := append([]string(nil), o.Citizens...)
			for len(citizens) < o.Size {
				citizens = append(citizens, o.Citizens[rng.IntN(len(o.Citizens))])
			}
			seen := map[string]bool{}
			for k, c := range citizens {
				role := people.MissionMember
				switch {
				case k == 0:
					role = people.MissionHead
				case o.DelegationHeads && !seen[c]:
					role = people.DelegationHead
				}
				seen[c] = true
				intl = append(intl, add(o, c, "", role))
			}
		}
	}
	for _, pl := range intl {
		switch x := rng.Float64(); {
		case pl.role != people.MissionMember:
			pl.final = people.Accredited
		case x < 0.03:
			pl.final = people.Applied // applied late
		case x < 0.05:
			pl.final = people.Trained
		default:
			pl.final = people.Accredited
		}
	}
	revokeSome(rng, intl, intlRevocations, func(pl *planned) bool { return pl.org.Name != CISOrgName })

	// The trade unions and the media.
	centre, unions := domesticSizes()
	tu := &orgSpec{Name: TradeUnionsName, Kind: people.TradeUnion, Country: "KZ"}
	p.orgs = append(p.orgs, tu)
	for _, u := range units {
		for range unions[u.Code] {
			pl := add(tu, "KZ", u.Code, "")
			switch x := rng.Float64(); {
			case x < 0.12:
				pl.final = people.Applied
			case x < 0.2:
				pl.final = people.Trained
			default:
				pl.final = people.Accredited
			}
		}
	}
	for i := range mediaOrgs {
		o := &mediaOrgs[i]
		p.orgs = append(p.orgs, o)
		for range o.Size {
			pl := add(o, "KZ", "", "")
			pl.final = people.Accredited
			if rng.IntN(10) == 0 {
				pl.final = people.Applied
			}
		}
	}

	// The Centre: a network in every unit, and a few observers for the
	// stations abroad, who work from no unit.
	c := &orgSpec{Name: CentreName, Kind: people.DomesticNGO, Country: "KZ"}
	p.orgs = append(p.orgs, c)
	var domestic []*planned
	for _, u := range append(append([]unit(nil), units...), unit{Code: ""}) {
		size, rate := centre[u.Code], 0.55
		switch u.Code {
		case EastKazakhstan:
			rate = 0.9
		case Ulytau:
			rate = 0.85
		case "":
			size, rate = abroadObservers, 1
		}
		for range size {
			pl := add(c, "KZ", u.Code, "")
			domestic = append(domestic, pl)
			pl.final = people.Applied
			if rng.Float64() >= rate {
				if rng.IntN(5) == 0 {
					pl.attended = []int{0} // came once, missed the rest
				}
				continue
			}
			pl.attended = []int{0, 1}
			if rng.Float64() < 0.3 {
				pl.attended = append(pl.attended, 2)
			}
			if u.Code == EastKazakhstan && rng.Float64() < 0.6 {
				pl.attended = append(pl.attended, 3)
			}
			pl.final = people.Accredited
			if rng.IntN(10) == 0 {
				pl.final = people.Trained
			}
		}
	}
	revokeSome(rng, domestic, domesticRevocations, func(pl *planned) bool { return pl.row.Region != "" })
	return p
}

// abroadObservers is how many of the Centre's observers watch stations
// abroad.
const abroadObservers = 8

// revokeSome revokes one accredited person per reason, drawn among those
// ok accepts.
func revokeSome(rng *rand.Rand, list []*planned, reasons []string, ok func(*planned) bool) {
	for _, reason := range reasons {
		start := rng.IntN(len(list))
		for i := range list {
			pl := list[(start+i)%len(list)]
			if pl.final == people.Accredited && pl.revoke == "" && (pl.role == people.MissionMember || pl.role == "") && ok(pl) {
				pl.revoke = reason
				break
			}
		}
	}
}

// peopleLoader carries a load's state from step to step.
type peopleLoader struct {
	es         election.Store
	ps         people.Store
	electionID int64
	plan       *peoplePlan
	rng        *rand.Rand // for deployment

	orgs     map[string]people.Organization // by name
	missions map[string]people.Mission      // by name
	// stored holds each planned person's observer, by e-mail.
	stored map[string]*people.Observer
}

// createInternational creates the international organisations and
// foreign bodies with their missions, so that the seat, the start date
// and the principles are set; an import would leave them empty.
func (l *peopleLoader) createInternational(ctx context.Context) error {
	l.orgs, l.missions = map[string]people.Organization{}, map[string]people.Mission{}
	have, err := l.ps.Missions(ctx, l.electionID)
	if err != nil {
		return err
	}
	for _, m := range have {
		l.missions[m.Name] = m.Mission
	}
	for _, spec := range l.plan.orgs {
		if !spec.Kind.International() {
			continue
		}
		o, err := l.ps.OrganizationByName(ctx, spec.Name)
		if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
			o = people.Organization{Name: spec.Name, Kind: spec.Kind, Country: spec.Country}
			err = l.ps.CreateOrganization(ctx, &o)
		}
		if err != nil {
			return err
		}
		l.orgs[spec.Name] = o
		if _, ok := l.missions[spec.Mission]; ok {
			continue
		}
		m := people.Mission{OrganizationID: o.ID, ElectionID: l.electionID, Name: spec.Mission,
			StartDate: missionStart(spec), Principles: missionPrinciples}
		if err := l.ps.CreateMission(ctx, &m); err != nil {
			return err
		}
		l.missions[m.Name] = m
	}
	return nil
}

// missionStart is when a mission began work: long-term missions some
// weeks before election day, delegations a few days before.
func missionStart(o *orgSpec) time.Time {
	switch o.Name {
	case CISOrgName: // source 002: the CIS mission starts some weeks ahead
		return time.Date(2023, time.February, 27, 0, 0, 0, 0, time.UTC)
	case "OSCE Office for Democratic Institutions and Human Rights":
		return time.Date(2023, time.February, 14, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(2023, time.March, 15, 0, 0, 0, 0, time.UTC)
}

// importAll imports the planned people: members with ImportObservers in
// chunks, heads of mission with CreateObserver, the Centre last (its
// existence marks a finished import).
func (l *peopleLoader) importAll(ctx context.Context) error {
	var rows []people.ObserverRow
	flush := func() error {
		for start := 0; start < len(rows); start += importChunk {
			chunk := rows[start:min(start+importChunk, len(rows))]
			for i := range chunk {
				chunk[i].Row = i + 2
			}
			if _, err := l.ps.ImportObservers(ctx, l.electionID, chunk, 0); err != nil {
				return err
			}
		}
		rows = rows[:0]
		return nil
	}
	var centre []people.ObserverRow
	for _, pl := range l.plan.people {
		switch {
		case pl.org.Name == CentreName:
			centre = append(centre, pl.row)
		case pl.role == people.MissionMember || pl.role == "":
			rows = append(rows, pl.row)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for _, pl := range l.plan.people {
		if pl.role != people.MissionHead && pl.role != people.DelegationHead {
			continue
		}
		o := people.Observer{FullName: pl.row.FullName, OrganizationID: l.orgs[pl.org.Name].ID, Country: pl.row.Country,
			Languages: pl.row.Languages, MissionID: l.missions[pl.org.Mission].ID, MissionRole: pl.role,
			Personal: people.Personal{Email: pl.row.Email}}
		if err := l.ps.CreateObserver(ctx, &o, 0); err != nil {
			return err
		}
	}
	alliance := people.Organization{Name: AllianceName, Kind: people.DomesticNGO, Country: "KZ"}
	if err := l.ps.CreateOrganization(ctx, &alliance); err != nil && baqylau.ErrorCode(err) != baqylau.ECONFLICT {
		return err
	}
	// The Centre in one transaction, so that it exists with all its people
	// or not at all.
	if _, err := l.ps.ImportObservers(ctx, l.electionID, numbered(centre), 0); err != nil {
		return err
	}
	return nil
}

// numbered sets the rows' file row numbers.
func numbered(rows []people.ObserverRow) []people.ObserverRow {
	for i := range rows {
		rows[i].Row = i + 2
	}
	return rows
}

// fetchObservers reads back what was stored, to learn IDs.
func (l *peopleLoader) fetchObservers(ctx context.Context) error {
	orgs, err := demoOrganizations(ctx, l.ps)
	if err != nil {
		return err
	}
	list, err := observersOf(ctx, l.ps, orgs)
	if err != nil {
		return err
	}
	l.stored = make(map[string]*people.Observer, len(list))
	for i := range list {
		l.stored[strings.ToLower(list[i].Personal.Email)] = &list[i]
	}
	for _, o := range orgs {
		l.orgs[o.Name] = o
	}
	for _, pl := range l.plan.people {
		if l.stored[pl.row.Email] == nil {
			return fmt.Errorf("observer %s was not stored", pl.row.Email)
		}
	}
	return nil
}

// observer returns the stored observer of a planned person.
func (l *peopleLoader) observer(pl *planned) *people.Observer { return l.stored[pl.row.Email] }

// move takes an observer one step, if the workflow allows it.
func (l *peopleLoader) move(ctx context.Context, o *people.Observer, to people.Status, reason string) error {
	if err := people.CheckTransition(*o, to, reason); err != nil {
		return fmt.Errorf("observer %s: %w", o.Number, err)
	}
	if err := l.ps.Transition(ctx, people.Transition{ObserverID: o.ID, From: o.Status, To: to, Reason: reason}); err != nil {
		return err
	}
	o.Status = to
	return nil
}

// train creates the Centre's programme, sets its rule (every mandatory
// session) and records attendance.
func (l *peopleLoader) train(ctx context.Context) error {
	centre := l.orgs[CentreName]
	have, err := l.ps.TrainingSessions(ctx, centre.ID)
	if err != nil {
		return err
	}
	byTitle := map[string]people.TrainingSession{}
	for _, s := range have {
		byTitle[s.Title] = s
	}
	sessions := make([]people.TrainingSession, len(trainingProgramme))
	for i, s := range trainingProgramme {
		if got, ok := byTitle[s.Title]; ok {
			sessions[i] = got
			continue
		}
		s.OrganizationID = centre.ID
		// Saturdays before election day, 10:00 in Astana (UTC+6 then).
		s.StartsAt = time.Date(2023, time.February, 18+7*i, 4, 0, 0, 0, time.UTC)
		if err := l.ps.CreateTrainingSession(ctx, &s); err != nil {
			return err
		}
		sessions[i] = s
	}
	centre.Training = people.TrainingRule{AllMandatory: true}
	if err := l.ps.UpdateOrganization(ctx, centre); err != nil {
		return err
	}
	l.orgs[CentreName] = centre
	for _, pl := range l.plan.people {
		for _, k := range pl.attended {
			score := -1
			if k == 1 {
				score = 60 + l.rng.IntN(41) // the election-day session ends with a test
			}
			if err := l.ps.RecordAttendance(ctx, people.Attendance{SessionID: sessions[k].ID,
				ObserverID: l.observer(pl).ID, Attended: true, Score: score}); err != nil {
				return err
			}
		}
	}
	return nil
}

// accredit moves everyone to their planned status, then revokes some.
func (l *peopleLoader) accredit(ctx context.Context) error {
	for _, pl := range l.plan.people {
		o := l.observer(pl)
		var path []people.Status
		switch {
		case pl.final == people.Trained:
			path = []people.Status{people.Trained}
		case pl.final == people.Accredited && o.Kind == people.KindJournalist:
			path = []people.Status{people.Accredited}
		case pl.final == people.Accredited:
			path = []people.Status{people.Trained, people.Accredited}
		}
		for _, to := range path {
			if err := l.move(ctx, o, to, ""); err != nil {
				return err
			}
		}
		if pl.revoke != "" {
			if err := l.move(ctx, o, people.Revoked, pl.revoke); err != nil {
				return err
			}
		}
	}
	return nil
}

// Coverage the demo aims at: about 60% of the stations in East
// Kazakhstan and Ulytau, where the Centre's branches are strong, a few
// per cent to a tenth elsewhere.
var strongCoverage = map[string]float64{EastKazakhstan: 0.62, Ulytau: 0.6}

// deploy assigns accredited observers to stations and marks them
// deployed: the domestic networks in their own units (one observer
// covering up to three stations where the branch is strong, two
// elsewhere), the Centre's observers abroad to a station each, and mobile
// teams of two international observers in the three largest cities.
func (l *peopleLoader) deploy(ctx context.Context) error {
	byRegion := map[string][]*people.Observer{}
	var abroad []*people.Observer
	missionOf := map[string][]*people.Observer{}
	for _, pl := range l.plan.people {
		o := l.observer(pl)
		if o.Status != people.Accredited || o.Kind != people.KindObserver {
			continue
		}
		switch {
		case pl.org.Kind.International():
			if pl.role == people.MissionMember {
				missionOf[pl.org.Name] = append(missionOf[pl.org.Name], o)
			}
		case o.Region == "":
			abroad = append(abroad, o)
		default:
			byRegion[o.Region] = append(byRegion[o.Region], o)
		}
	}
	assigned := map[*people.Observer][]string{}
	team := map[*people.Observer]string{}
	var order []*people.Observer // deployment order, for stable IDs

	// At home, unit by unit.
	uncovered := map[string][]string{}
	for _, u := range units {
		codes, err := l.stationCodes(ctx, u.Code, false)
		if err != nil {
			return err
		}
		l.rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
		share, perObserver := strongCoverage[u.Code], 3
		if share == 0 {
			share, perObserver = 0.03+0.08*l.rng.Float64(), 2
		}
		need := int(math.Round(share * float64(len(codes))))
		cands := byRegion[u.Code]
		n := min(len(cands)*85/100, need)
		if n > 0 {
			need = min(need, n*perObserver)
			for k := range need {
				o := cands[k%n]
				if len(assigned[o]) == 0 {
					order = append(order, o)
				}
				assigned[o] = append(assigned[o], codes[k])
			}
		} else {
			need = 0
		}
		uncovered[u.Code] = codes[need:]
	}

	// Abroad, one station each.
	codes, err := l.stationCodes(ctx, "", true)
	if err != nil {
		return err
	}
	l.rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
	for k, o := range abroad[:min(len(abroad), len(codes))] {
		order = append(order, o)
		assigned[o] = []string{codes[k]}
	}

	// Mobile teams of two, three stations each, in Astana, Almaty and
	// Shymkent.
	teams := []struct {
		org, label string
		n          int
	}{{"OSCE Office for Democratic Institutions and Human Rights", "ODIHR", 12}, {CISOrgName, "CIS", 8}}
	cities := []string{"KZ-71", "KZ-75", "KZ-79"}
	next := 0
	for _, t := range teams {
		members := missionOf[t.org]
		for k := 0; k < t.n && 2*k+1 < len(members); k++ {
			city := cities[next%len(cities)]
			next++
			free := uncovered[city]
			if len(free) < 3 {
				continue
			}
			stations := free[:3]
			uncovered[city] = free[3:]
			for _, o := range members[2*k : 2*k+2] {
				order = append(order, o)
				assigned[o] = stations
				team[o] = fmt.Sprintf("%s team %02d", t.label, k+1)
			}
		}
	}

	ack, _ := l.ps.(interface {
		Acknowledge(ctx context.Context, a *mission.Acknowledgement) error
	})
	for _, o := range order {
		// Members of a mission acknowledge its principles before they are
		// deployed (the store refuses them otherwise).
		if o.MissionID != 0 && ack != nil {
			err := ack.Acknowledge(ctx, &mission.Acknowledgement{MissionID: o.MissionID, ObserverID: o.ID})
			if err != nil && baqylau.ErrorCode(err) != baqylau.ECONFLICT {
				return err
			}
		}
		for _, code := range assigned[o] {
			a := people.Assignment{ElectionID: l.electionID, StationCode: code, ObserverID: o.ID, Team: team[o]}
			if err := l.ps.Assign(ctx, &a); err != nil {
				return err
			}
		}
		if err := l.move(ctx, o, people.Deployed, ""); err != nil {
			return err
		}
	}
	return nil
}

// stationCodes lists the codes of the election's stations in a unit, or
// abroad, in code order.
func (l *peopleLoader) stationCodes(ctx context.Context, region string, abroad bool) ([]string, error) {
	q := election.StationQuery{ElectionID: l.electionID, Region: region, Limit: 1000}
	if abroad {
		q.Abroad = &abroad
	}
	var codes []string
	for {
		page, err := l.es.Stations(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, s := range page.Stations {
			codes = append(codes, s.Code)
		}
		q.Offset += len(page.Stations)
		if len(page.Stations) == 0 || q.Offset >= page.Total {
			break
		}
	}
	sort.Strings(codes)
	return codes, nil
}

// signatories are the organisations that sign the Charter.
var signatories = []string{CentreName, TradeUnionsName, AllianceName, "Steppe Herald", "Dala Info Radio"}

// sign publishes the Charter unless a version exists, and has the
// signatories sign the current version (a signature already there is
// kept).
func (l *peopleLoader) sign(ctx context.Context) error {
	_, err := l.ps.CurrentCharter(ctx)
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		cv := charter
		err = l.ps.PublishCharter(ctx, &cv)
	}
	if err != nil {
		return err
	}
	for _, name := range signatories {
		org, err := l.ps.OrganizationByName(ctx, name)
		if err != nil {
			return err
		}
		s := people.Signature{OrganizationID: org.ID}
		if err := l.ps.Sign(ctx, &s); err != nil && baqylau.ErrorCode(err) != baqylau.ECONFLICT {
			return err
		}
	}
	return nil
}

// demoOrganizations returns the demo's organisations that exist.
func demoOrganizations(ctx context.Context, ps people.Store) ([]people.Organization, error) {
	names := map[string]bool{strings.ToLower(CentreName): true, strings.ToLower(TradeUnionsName): true,
		strings.ToLower(AllianceName): true}
	for _, list := range [][]orgSpec{internationalOrgs, foreignOrgs, mediaOrgs} {
		for _, o := range list {
			names[strings.ToLower(o.Name)] = true
		}
	}
	var out []people.Organization
	for q := (people.OrgQuery{Limit: 1000}); ; {
		page, total, err := ps.Organizations(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			if names[strings.ToLower(o.Name)] {
				out = append(out, o)
			}
		}
		q.Offset += len(page)
		if len(page) == 0 || q.Offset >= total {
			return out, nil
		}
	}
}

// observersOf returns the people of the organisations.
func observersOf(ctx context.Context, ps people.Store, orgs []people.Organization) ([]people.Observer, error) {
	var out []people.Observer
	for _, org := range orgs {
		for q := (people.ObserverQuery{OrganizationID: org.ID, Limit: 1000}); ; {
			page, total, err := ps.Observers(ctx, q)
			if err != nil {
				return nil, err
			}
			out = append(out, page...)
			q.Offset += len(page)
			if len(page) == 0 || q.Offset >= total {
				break
			}
		}
	}
	return out, nil
}

// SummarizePeople counts what the store holds of the demo's observer desk
// for the election.
func SummarizePeople(ctx context.Context, ps people.Store, electionID int64) (PeopleSummary, error) {
	var sum PeopleSummary
	orgs, err := demoOrganizations(ctx, ps)
	if err != nil {
		return sum, fmt.Errorf("demo: people summary: %w", err)
	}
	kinds := map[int64]people.OrgKind{}
	for _, o := range orgs {
		kinds[o.ID] = o.Kind
		if o.Kind == people.InternationalOrganization {
			sum.InternationalOrganizations++
		}
	}
	sum.Organizations = len(orgs)
	missions, err := ps.Missions(ctx, electionID)
	if err != nil {
		return sum, fmt.Errorf("demo: people summary: %w", err)
	}
	for _, m := range missions {
		if _, ok := kinds[m.OrganizationID]; ok {
			sum.Missions++
		}
	}
	list, err := observersOf(ctx, ps, orgs)
	if err != nil {
		return sum, fmt.Errorf("demo: people summary: %w", err)
	}
	countries := map[string]bool{}
	for _, o := range list {
		sum.Observers++
		if kinds[o.OrganizationID].International() {
			sum.International++
			countries[o.Country] = true
		}
		switch o.Status {
		case people.Deployed:
			sum.Deployed++
			sum.Accredited++
		case people.Accredited:
			sum.Accredited++
		}
		if o.Kind == people.KindJournalist {
			sum.Journalists++
		}
	}
	sum.Countries = len(countries)
	_, sum.Assignments, err = ps.Assignments(ctx, people.AssignmentQuery{ElectionID: electionID, Limit: 1})
	if err != nil {
		return sum, fmt.Errorf("demo: people summary: %w", err)
	}
	return sum, nil
}
