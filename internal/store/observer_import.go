package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
)

// maxImportProblems is how many row problems an import error lists.
const maxImportProblems = 20

// importProblems collects what is wrong with the rows of an import.
type importProblems []struct {
	row int
	msg string
}

func (p *importProblems) add(row int, format string, args ...any) {
	*p = append(*p, struct {
		row int
		msg string
	}{row, fmt.Sprintf(format, args...)})
}

// err returns nil when there are no problems, else one EINVALID naming
// the rows in order.
func (p importProblems) err() error {
	if len(p) == 0 {
		return nil
	}
	sort.SliceStable(p, func(i, j int) bool { return p[i].row < p[j].row })
	lines := make([]string, 0, maxImportProblems+1)
	for i, pr := range p {
		if i == maxImportProblems {
			lines = append(lines, fmt.Sprintf("and %d more", len(p)-i))
			break
		}
		lines = append(lines, fmt.Sprintf("row %d: %s", pr.row, pr.msg))
	}
	return baqylau.Errorf(baqylau.EINVALID, "%s", strings.Join(lines, "; "))
}

// sameBecause says which key made two records the same person.
func sameBecause(key string) string {
	if strings.Contains(key, "|p:") {
		return "same name and phone"
	}
	return "same name and e-mail"
}

// orgCountry is the country recorded for an organisation first met in an
// import: its observers' for a foreign state or election body, KZ for a
// domestic organisation, none for an international one.
func orgCountry(kind people.OrgKind, rowCountry string) string {
	switch {
	case kind == people.InternationalOrganization:
		return ""
	case kind.International():
		return strings.ToUpper(strings.TrimSpace(rowCountry))
	}
	return "KZ"
}

// ImportObservers stores the rows of an observers file in one transaction,
// all or nothing. It finds each row's organisation by name (without case),
// creating it with the row's kind if missing (EINVALID if it exists with
// another kind), and likewise the row's mission by name within the
// election (ENOTFOUND if the election does not exist; EINVALID if the
// mission belongs to another organisation). Each observer is stored as
// applied, a journalist for a media organisation, with an applied
// transition by byUserID. A row that is the same person as an existing
// observer or as an earlier row (people.DuplicateKeys) makes the import
// fail with EINVALID before anything is written; every problem found is
// listed by row (up to 20).
func (db *DB) ImportObservers(ctx context.Context, electionID int64, rows []people.ObserverRow, byUserID int64) (people.ObserverImportSummary, error) {
	var sum people.ObserverImportSummary
	err := db.inTx(ctx, func(c conn) error {
		sum = people.ObserverImportSummary{}
		if err := db.lockObservers(ctx, c); err != nil {
			return err
		}
		needElection := electionID != 0
		for _, r := range rows {
			needElection = needElection || strings.TrimSpace(r.Mission) != ""
		}
		if needElection {
			if err := electionExists(ctx, c, electionID, ""); err != nil {
				return err
			}
		}
		if err := db.ensureDupKeys(ctx, c); err != nil {
			return err
		}
		plan, problems, err := db.planImport(ctx, c, electionID, rows)
		if err != nil {
			return err
		}
		if err := problems.err(); err != nil {
			return err
		}
		return db.writeImport(ctx, c, plan, byUserID, &sum)
	})
	if err != nil {
		return people.ObserverImportSummary{}, fmt.Errorf("store: import observers: %w", err)
	}
	return sum, nil
}

// lockObservers makes imports run in turn until the transaction ends, so
// that two imports of the same person cannot both pass the duplicate
// check. SQLite's immediate transactions already exclude other writers.
func (db *DB) lockObservers(ctx context.Context, c conn) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := c.exec(ctx, "SELECT pg_advisory_xact_lock(7415002)")
	return err
}

// importPlan is what an import will write, worked out by reading only.
type importPlan struct {
	electionID int64
	rows       []people.ObserverRow
	keys       [][]string
	orgs       map[string]*people.Organization // by foldName; ID 0: to create
	missions   map[string]*people.Mission      // by foldName; ID 0: to create
	missionOrg map[string]string               // mission key → organisation key
}

// planImport reads what an import needs and lists the rows' problems.
func (db *DB) planImport(ctx context.Context, c conn, electionID int64, rows []people.ObserverRow) (*importPlan, importProblems, error) {
	var problems importProblems
	plan := &importPlan{electionID: electionID, rows: rows, keys: make([][]string, len(rows)),
		orgs: map[string]*people.Organization{}, missions: map[string]*people.Mission{}, missionOrg: map[string]string{}}

	// Duplicates within the file, then against the database.
	firstRow := map[string]int{}
	var allKeys []string
	for i, r := range rows {
		if strings.TrimSpace(r.FullName) == "" {
			problems.add(r.Row, "full_name is required")
		}
		if strings.TrimSpace(r.Organization) == "" {
			problems.add(r.Row, "organization is required")
		}
		plan.keys[i] = people.DuplicateKeys(r.FullName, people.Personal{Email: r.Email, Phone: r.Phone})
		for _, k := range plan.keys[i] {
			if j, ok := firstRow[k]; ok {
				if j != r.Row {
					problems.add(r.Row, "the same person as row %d (%s)", j, sameBecause(k))
				}
				break
			}
		}
		for _, k := range plan.keys[i] {
			if _, ok := firstRow[k]; !ok {
				firstRow[k] = r.Row
				allKeys = append(allKeys, k)
			}
		}
	}
	dups, err := findDuplicates(ctx, c, allKeys)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rows {
		for _, k := range plan.keys[i] {
			if o, ok := dups[k]; ok && firstRow[k] == r.Row {
				problems.add(r.Row, "the same person as observer %s (%s)", o.Number, sameBecause(k))
				break
			}
		}
	}

	// Organisations: existing ones by name, new ones with the first row's kind.
	var names []string
	for _, r := range rows {
		k := foldName(r.Organization)
		if _, ok := plan.orgs[k]; !ok && k != "" {
			plan.orgs[k] = nil
			names = append(names, k)
		}
	}
	existing, err := lookupByKeys(ctx, c, scanOrg, "SELECT "+orgCols+" FROM organizations WHERE name_key IN ", names)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range existing {
		plan.orgs[foldName(o.Name)] = &o
	}
	for _, r := range rows {
		k := foldName(r.Organization)
		if k == "" {
			continue
		}
		org := plan.orgs[k]
		if org == nil {
			org = &people.Organization{Name: strings.TrimSpace(r.Organization), Kind: r.OrganizationKind,
				Country: orgCountry(r.OrganizationKind, r.Country)}
			if err := org.Validate(); err != nil {
				problems.add(r.Row, "%s", baqylau.ErrorMessage(err))
				continue
			}
			plan.orgs[k] = org
		} else if r.OrganizationKind != "" && r.OrganizationKind != org.Kind {
			problems.add(r.Row, "organisation %q is %s, not %s", org.Name, org.Kind, r.OrganizationKind)
		}
	}

	// Missions of the election, by name.
	names = names[:0]
	for _, r := range rows {
		k := foldName(r.Mission)
		if _, ok := plan.missions[k]; !ok && k != "" {
			plan.missions[k] = nil
			names = append(names, k)
		}
	}
	type missionRow struct {
		m   people.Mission
		org string
	}
	found, err := lookupByKeys(ctx, c, func(sc rowScanner) (missionRow, error) {
		var mr missionRow
		m, err := scanMission(sc, &mr.org)
		mr.m = m
		return mr, err
	}, "SELECT "+missionCols+", o.name_key FROM missions m JOIN organizations o ON o.id = m.organization_id WHERE m.election_id = $1 AND m.name_key IN ",
		names, electionID)
	if err != nil {
		return nil, nil, err
	}
	for _, mr := range found {
		k := foldName(mr.m.Name)
		plan.missions[k], plan.missionOrg[k] = &mr.m, mr.org
	}
	for _, r := range rows {
		k, orgKey := foldName(r.Mission), foldName(r.Organization)
		if k == "" || orgKey == "" {
			continue
		}
		if plan.missions[k] == nil {
			plan.missions[k] = &people.Mission{ElectionID: electionID, Name: strings.TrimSpace(r.Mission)}
			plan.missionOrg[k] = orgKey
		} else if plan.missionOrg[k] != orgKey {
			problems.add(r.Row, "mission %q belongs to another organisation", plan.missions[k].Name)
		}
	}
	return plan, problems, nil
}

// lookupByKeys runs query + "($n, …)" over keys, in batches; the query's
// own parameters $1… are lead.
func lookupByKeys[T any](ctx context.Context, c conn, scan func(rowScanner) (T, error), query string, keys []string, lead ...any) ([]T, error) {
	var all []T
	for start := 0; start < len(keys); start += dupKeyBatch {
		batch := keys[start:min(start+dupKeyBatch, len(keys))]
		args := append(params{}, lead...)
		in := make([]string, len(batch))
		for i, k := range batch {
			in[i] = args.add(k)
		}
		list, err := queryAll(ctx, c, scan, query+"("+strings.Join(in, ", ")+")", args...)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
	}
	return all, nil
}

// writeImport creates the missing organisations and missions and inserts
// the observers.
func (db *DB) writeImport(ctx context.Context, c conn, plan *importPlan, byUserID int64, sum *people.ObserverImportSummary) error {
	at := now()
	// Create in file order, so that IDs follow the file.
	for _, r := range plan.rows {
		org := plan.orgs[foldName(r.Organization)]
		if org.ID == 0 {
			org.CreatedAt = at
			if err := db.insertOrg(ctx, c, org); err != nil {
				return fmt.Errorf("row %d: %w", r.Row, err)
			}
			sum.Organizations++
		}
		k := foldName(r.Mission)
		if k == "" {
			continue
		}
		if m := plan.missions[k]; m.ID == 0 {
			m.OrganizationID, m.CreatedAt = org.ID, at
			if err := db.insertMission(ctx, c, m); err != nil {
				return fmt.Errorf("row %d: %w", r.Row, err)
			}
			sum.Missions++
		}
	}
	list := make([]newObserver, len(plan.rows))
	for i, r := range plan.rows {
		org := plan.orgs[foldName(r.Organization)]
		o := &people.Observer{Kind: people.KindObserver, FullName: strings.TrimSpace(r.FullName), OrganizationID: org.ID,
			Country: strings.ToUpper(strings.TrimSpace(r.Country)), Languages: r.Languages, Region: r.Region,
			Status: people.Applied, Personal: people.Personal{Email: strings.TrimSpace(r.Email), Phone: strings.TrimSpace(r.Phone)}}
		if org.Kind == people.Media {
			o.Kind = people.KindJournalist
		}
		if m := plan.missions[foldName(r.Mission)]; m != nil {
			o.MissionID, o.MissionRole = m.ID, people.MissionMember
		}
		list[i] = newObserver{o: o, orgName: org.Name, keys: plan.keys[i]}
	}
	if err := db.insertObservers(ctx, c, list, byUserID, at); err != nil {
		return err
	}
	sum.Observers = len(list)
	return nil
}
