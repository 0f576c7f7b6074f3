package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/tally"
)

// figures are what an election publishes and computes: they must not move
// when personal data is erased.
type figures struct {
	Groups    []tally.Group
	Stations  any
	Reports   any
	Incidents []string // id, station, category, severity, status of each
}

func electionFigures(t *testing.T, db *store.DB, electionID int64) figures {
	t.Helper()
	ctx := context.Background()
	var f figures
	var err error
	if f.Groups, err = db.TallyGroups(ctx, electionID); err != nil {
		t.Fatal(err)
	}
	if f.Stations, err = db.StationFigures(ctx, electionID); err != nil {
		t.Fatal(err)
	}
	reps, err := db.PublicReports(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	var anon []publish.PublicReport
	for _, r := range reps {
		anon = append(anon, publish.Anonymise(r)) // as open data publishes them
	}
	f.Reports = anon
	list, _, err := db.Incidents(ctx, report.IncidentQuery{ElectionID: electionID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range list {
		f.Incidents = append(f.Incidents, strings.Join([]string{i.StationCode, i.Category, string(i.Severity), string(i.Status), i.Receipt}, "|"))
	}
	return f
}

func TestErasure(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		staff := mustUser(t, db, "hq@example.org")
		org := mustOrg(t, db, "Open Elections KZ", people.DomesticNGO)
		zhanar := mustObserver(t, db, people.Observer{FullName: "Zhanar Abdildayeva", OrganizationID: org.ID, Status: people.Accredited,
			Personal: people.Personal{Email: "zhanar.abd@example.org", Phone: "+7 701 555 1234", NationalID: "900101400123"}})
		erlan := mustObserver(t, db, people.Observer{FullName: "Erlan Dzhaksybekov", OrganizationID: org.ID, Status: people.Accredited,
			Personal: people.Personal{Email: "erlan@example.org", Phone: "+7 702 000 1111"}})
		for _, a := range []people.Assignment{{ElectionID: e.ID, StationCode: "A-001", ObserverID: zhanar.ID}, {ElectionID: e.ID, StationCode: "A-002", ObserverID: erlan.ID}} {
			if err := db.Assign(ctx, &a); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetObserverPhoto(ctx, zhanar.ID, "image/jpeg", []byte("jpeg")); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateTelegramCode(ctx, zhanar.ID, []byte("code-hash"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RedeemTelegramCode(ctx, []byte("code-hash"), 777, time.Now()); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
		r1 := turnoutReport(e.ID, "r-1", "A-001", at, 300)
		r1.ObserverID = zhanar.ID
		r1.Answers["comments"] = json.RawMessage(`"queue long; ask Zhanar Abdildayeva"`)
		r1.Answers["checkpoint"] = json.RawMessage(`"10:00"`)
		r2 := turnoutReport(e.ID, "r-2", "A-002", at, 200)
		r2.ObserverID = erlan.ID
		r2.Answers["comments"] = json.RawMessage(`"voter Marat Ospanov complained"`)
		if _, err := db.SaveReports(ctx, []report.Report{r1, r2}); err != nil {
			t.Fatal(err)
		}
		inc := func(id, station, desc string, by int64) report.IncidentReport {
			return report.IncidentReport{ClientID: id, ElectionID: e.ID, StationCode: station, Category: "carousel", Severity: report.High,
				Description: desc, ObserverID: by, Channel: report.Web, ObservedAt: at, ReceivedAt: at}
		}
		acks, err := db.SaveIncidents(ctx, []report.IncidentReport{
			inc("i-1", "A-001", "Observer ABDILDAYEVA was pushed out; call her on 8 (701) 555-12-34", zhanar.ID),
			inc("i-2", "A-002", "Voter Marat Ospanov was handed two ballots", erlan.ID),
			inc("i-3", "A-002", "Carousel bus at the gate", erlan.ID),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetIncidentPublishable(ctx, acks[2].ID, true, staff); err != nil {
			t.Fatal(err)
		}
		before := electionFigures(t, db, e.ID)

		// One person's request, found by e-mail.
		id, err := db.FindObserverForErasure(ctx, "Zhanar.Abd@example.org")
		if err != nil || id != zhanar.ID {
			t.Fatalf("find by e-mail: %d, %v", id, err)
		}
		if _, err := db.FindObserverForErasure(ctx, "nobody@example.org"); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("find an unknown e-mail: %v", err)
		}
		rec, err := db.ErasePerson(ctx, id, "data protection officer")
		if err != nil {
			t.Fatal(err)
		}
		o, err := db.Observer(ctx, zhanar.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.FullName != people.ErasedName(zhanar.Number) || o.Personal != (people.Personal{}) || o.BadgeValid(time.Now()) {
			t.Errorf("erased observer: %+v", o)
		}
		if found, err := db.ObserversByPhone(ctx, "+77015551234"); err != nil || len(found) != 0 {
			t.Errorf("the phone lookup still finds %d observers, %v", len(found), err)
		}
		if _, err := db.TelegramObserver(ctx, 777); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("the Telegram link survives: %v", err)
		}
		if _, _, err := db.ObserverPhoto(ctx, zhanar.ID); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("the photo survives: %v", err)
		}
		i1, err := db.Incident(ctx, acks[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := strings.ToLower(i1.Description); strings.Contains(d, "abdildayeva") || strings.Contains(d, "555") || !strings.Contains(d, people.ErasedMark) || !strings.Contains(d, "pushed out") {
			t.Errorf("mentions left: %q", i1.Description)
		}
		if got := comments(t, db, e.ID, "A-001"); got != "queue long; ask [erased]" {
			t.Errorf("report comment after the person's erasure: %q", got)
		}
		if got := comments(t, db, e.ID, "A-002"); got != "voter Marat Ospanov complained" {
			t.Errorf("another report's comment: %q", got)
		}
		if other, _ := db.Observer(ctx, erlan.ID); other.Personal.Email != "erlan@example.org" {
			t.Errorf("another observer was touched: %+v", other)
		}
		if rec.Counts["observers"] != 1 || rec.Counts["incidents"] != 1 || rec.Counts["reports"] != 1 || rec.Counts["telegram_links"] != 1 || rec.Counts["observer_photos"] != 1 {
			t.Errorf("erasure counts %v", rec.Counts)
		}
		if after := electionFigures(t, db, e.ID); !reflect.DeepEqual(before, after) {
			t.Errorf("figures moved:\nbefore %+v\nafter  %+v", before, after)
		}

		// The end of the election's retention period.
		if _, err := db.EraseElection(ctx, e.ID, 10*365*24*time.Hour, "ops"); baqylau.ErrorCode(err) != baqylau.ECONFLICT {
			t.Errorf("erase within retention: %v, want a conflict", err)
		}
		publicBefore, err := db.PublicIncidents(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		rec2, err := db.EraseElection(ctx, e.ID, 30*24*time.Hour, "ops")
		if err != nil {
			t.Fatal(err)
		}
		if got := comments(t, db, e.ID, "A-002"); got != people.ErasedMark {
			t.Errorf("report comment after the election's erasure: %q", got)
		}
		if rec2.Counts["observers"] != 1 || rec2.Counts["incidents"] != 2 || rec2.Counts["reports"] != 2 {
			t.Errorf("election erasure counts %v, want 1 observer (the other is erased already) and 2 unpublished incidents", rec2.Counts)
		}
		if o, _ := db.Observer(ctx, erlan.ID); o.Personal != (people.Personal{}) || strings.Contains(o.FullName, "Erlan") {
			t.Errorf("observer of the election kept: %+v", o)
		}
		for n, want := range []string{people.ErasedMark, people.ErasedMark, "Carousel bus at the gate"} {
			if i, _ := db.Incident(ctx, acks[n].ID); i.Description != want {
				t.Errorf("incident %d: %q, want %q", n+1, i.Description, want)
			}
		}
		if after := electionFigures(t, db, e.ID); !reflect.DeepEqual(before, after) {
			t.Errorf("figures moved:\nbefore %+v\nafter  %+v", before, after)
		}
		if publicAfter, _ := db.PublicIncidents(ctx, e.ID); !reflect.DeepEqual(publicBefore, publicAfter) {
			t.Errorf("the public record moved:\nbefore %+v\nafter  %+v", publicBefore, publicAfter)
		}
		// Again: nothing left to erase, and still recorded.
		if again, err := db.EraseElection(ctx, e.ID, 0, "ops"); err != nil || again.Counts["observers"] != 0 || again.Counts["incidents"] != 0 {
			t.Errorf("second sweep: %v %v", again.Counts, err)
		}

		// The record: who, when, what scope, never the data.
		log, err := db.Erasures(ctx, 10)
		if err != nil || len(log) != 3 {
			t.Fatalf("erasures = %+v, %v", log, err)
		}
		if log[2].Scope != people.ScopePerson || log[2].ObserverID != zhanar.ID || log[2].By != "data protection officer" || log[2].At.IsZero() {
			t.Errorf("person erasure record %+v", log[2])
		}
		if log[1].Scope != people.ScopeElection || log[1].ElectionID != e.ID {
			t.Errorf("election erasure record %+v", log[1])
		}
		for _, l := range log {
			s := strings.ToLower(strings.Join([]string{l.By, string(l.Scope)}, " ")) + strings.ToLower(toString(l.Counts))
			for _, pii := range []string{"zhanar", "abdildayeva", "erlan", "555", "example.org"} {
				if strings.Contains(s, pii) {
					t.Errorf("the erasure record carries %q: %+v", pii, l)
				}
			}
		}
	})
}

// comments returns the comment of the only report of a station.
func comments(t *testing.T, db *store.DB, electionID int64, station string) string {
	t.Helper()
	rs, err := db.StationReports(context.Background(), electionID, station)
	if err != nil || len(rs) != 1 {
		t.Fatalf("reports of %s: %v, %v", station, rs, err)
	}
	var c string
	if err := json.Unmarshal(rs[0].Answers["comments"], &c); err != nil {
		t.Fatal(err)
	}
	if string(rs[0].Answers["ballots_cast"]) == "" {
		t.Errorf("the count of %s is gone", station)
	}
	return c
}

func toString(m map[string]int) string {
	var b strings.Builder
	for k := range m {
		b.WriteString(k + " ")
	}
	return b.String()
}
