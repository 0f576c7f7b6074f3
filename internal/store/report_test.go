package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// reportFixture is an election with stations at home (A-001, A-002 in
// KZ-75) and abroad (Z-US1).
func reportFixture(t testing.TB, db *store.DB) election.Election {
	t.Helper()
	e := mustElection(t, db, "Выборы", "2026-03-15")
	_, err := db.ImportStations(context.Background(), e.ID, []election.Station{
		homeStation("A-001", "Школа №1", "KZ-75", "Бостандыкский", "Алматы"),
		homeStation("A-002", "Школа №2", "KZ-75", "Бостандыкский", "Алматы"),
		abroadStation("Z-US1", "US", "San Francisco", "America/Los_Angeles"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// turnoutReport returns a turnout report of ballots cast at a station.
func turnoutReport(electionID int64, clientID, station string, at time.Time, ballots int) report.Report {
	return report.Report{ClientID: clientID, ElectionID: electionID, StationCode: station, Form: report.Turnout,
		FormVersion: 1, Channel: report.Web, ObservedAt: at,
		Answers: map[string]json.RawMessage{"ballots_cast": json.RawMessage(fmt.Sprint(ballots))}}
}

func TestSaveReports(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		staff := mustUser(t, db, "hq@example.org")
		at := time.Date(2026, 3, 15, 5, 0, 0, 123456789, time.UTC)
		r1 := turnoutReport(e.ID, "c-1", "A-001", at.Add(time.Hour), 120)
		r1.Answers["note"] = json.RawMessage(` { "text" : "<b>очередь</b>" } `)
		r1.Flags = []report.Flag{{Code: report.FlagOutsideHours, Message: "before opening"}}
		r2 := turnoutReport(e.ID, "c-2", "A-001", at, 50)
		r2.EnteredBy, r2.Channel = staff, report.Phone
		r3 := turnoutReport(e.ID, "c-3", "A-002", at, 10)
		r3.Answers = nil

		acks, err := db.SaveReports(ctx, []report.Report{r1, r2, r1, r3})
		if err != nil {
			t.Fatal(err)
		}
		if len(acks) != 4 || acks[0].ID == 0 || acks[1].ID <= acks[0].ID || acks[3].ID <= acks[1].ID {
			t.Fatalf("acks = %+v", acks)
		}
		if acks[0].Duplicate || acks[1].Duplicate || !acks[2].Duplicate || acks[3].Duplicate {
			t.Errorf("duplicates = %+v", acks)
		}
		if acks[2].ID != acks[0].ID || acks[2].Receipt != acks[0].Receipt || !reflect.DeepEqual(acks[0].Flags, r1.Flags) {
			t.Errorf("the duplicate in the batch: %+v, first %+v", acks[2], acks[0])
		}

		got, err := db.Report(ctx, acks[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := r1
		want.ID, want.Receipt, want.ObservedAt = acks[0].ID, acks[0].Receipt, at.Add(time.Hour).Truncate(time.Microsecond)
		want.ReceivedAt = got.ReceivedAt
		want.Answers = map[string]json.RawMessage{"ballots_cast": json.RawMessage("120"),
			"note": json.RawMessage(`{"text":"<b>очередь</b>"}`)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Report() =\n%+v\nwant\n%+v", got, want)
		}
		if time.Since(got.ReceivedAt) > time.Minute {
			t.Errorf("received at %v", got.ReceivedAt)
		}
		// The receipt is computed again from what was stored.
		if receipt, _, err := report.ReportReceipt(got); err != nil || receipt != got.Receipt || len(receipt) != 64 {
			t.Errorf("receipt %q, computed again %q, %v", got.Receipt, receipt, err)
		}
		if got, err := db.Report(ctx, acks[1].ID); err != nil || got.EnteredBy != staff || got.Channel != report.Phone || got.ObserverID != 0 {
			t.Errorf("phoned-in report = %+v, %v", got, err)
		}
		if got, err := db.Report(ctx, acks[3].ID); err != nil || got.Answers != nil || got.Flags != nil {
			t.Errorf("report without answers = %+v, %v", got, err)
		}

		// A retry of a stored report, with a new one.
		r4 := turnoutReport(e.ID, "c-4", "A-001", at.Add(30*time.Minute), 80)
		retry := r2
		retry.Answers = map[string]json.RawMessage{"ballots_cast": json.RawMessage("999")}
		again, err := db.SaveReports(ctx, []report.Report{retry, r4})
		if err != nil {
			t.Fatal(err)
		}
		if !again[0].Duplicate || again[0].ID != acks[1].ID || again[0].Receipt != acks[1].Receipt || again[1].Duplicate {
			t.Errorf("retry acks = %+v, first %+v", again, acks)
		}
		list, err := db.StationReports(ctx, e.ID, "A-001")
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, r := range list {
			order = append(order, r.ClientID)
		}
		if !reflect.DeepEqual(order, []string{"c-2", "c-4", "c-1"}) || string(list[0].Answers["ballots_cast"]) != "50" {
			t.Errorf("StationReports() order = %v (%+v)", order, list)
		}
		if list, err := db.StationReports(ctx, e.ID, "Z-US1"); err != nil || len(list) != 0 {
			t.Errorf("StationReports() of a quiet station = %+v, %v", list, err)
		}

		_, err = db.Report(ctx, 999999)
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.SaveReports(ctx, []report.Report{r4, turnoutReport(e.ID, "", "A-001", at, 1)})
		wantCode(t, err, baqylau.EINVALID)
		bad := turnoutReport(e.ID, "c-bad", "A-001", at, 1)
		bad.Answers["x"] = json.RawMessage("{")
		_, err = db.SaveReports(ctx, []report.Report{bad})
		wantCode(t, err, baqylau.EINVALID)
		if acks, err := db.SaveReports(ctx, nil); err != nil || len(acks) != 0 {
			t.Errorf("SaveReports(nil) = %v, %v", acks, err)
		}

		// A report for a station that does not exist fails the whole batch.
		_, err = db.SaveReports(ctx, []report.Report{turnoutReport(e.ID, "c-5", "A-001", at, 1),
			turnoutReport(e.ID, "c-6", "NOPE", at, 1)})
		if err == nil {
			t.Fatal("a report for an unknown station was stored")
		}
		if list, err := db.StationReports(ctx, e.ID, "A-001"); err != nil || len(list) != 3 {
			t.Errorf("after a failed batch: %d reports, %v", len(list), err)
		}
	})
}

func TestSaveReportsLargeBatch(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
		// More than one INSERT's worth, every other one stored before: each
		// ack must name the row of its own client id, stored or new.
		var batch, even []report.Report
		for i := range 700 {
			batch = append(batch, turnoutReport(e.ID, fmt.Sprintf("big-%04d", i), "A-002", at.Add(time.Duration(i)*time.Second), i))
			if i%2 == 0 {
				even = append(even, batch[i])
			}
		}
		before, err := db.SaveReports(ctx, even)
		if err != nil {
			t.Fatal(err)
		}
		acks, err := db.SaveReports(ctx, append(batch, batch[0]))
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range acks[:700] {
			r, err := db.Report(ctx, a.ID)
			stored := i%2 == 0
			if err != nil || r.ClientID != batch[i].ClientID || a.Duplicate != stored ||
				(stored && !reflect.DeepEqual(a, report.Ack{ID: before[i/2].ID, Receipt: before[i/2].Receipt, Duplicate: true})) {
				t.Fatalf("ack %d = %+v; report %+v, %v", i, a, r, err)
			}
		}
		if a := acks[700]; a.ID != acks[0].ID || !a.Duplicate {
			t.Errorf("last ack = %+v", a)
		}
	})
}

func TestSaveReportsConcurrentRetries(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		r := turnoutReport(e.ID, "7b0f5f0e-0f5e-4c1e-9d6a-3f0c5b1e2a77", "A-001", time.Now(), 5)
		var wg sync.WaitGroup
		acks := make([]report.Ack, 50)
		errs := make([]error, 50)
		for i := range 50 {
			wg.Go(func() {
				var a []report.Ack
				a, errs[i] = db.SaveReports(ctx, []report.Report{r})
				if errs[i] == nil {
					acks[i] = a[0]
				}
			})
		}
		wg.Wait()
		fresh := 0
		for i, a := range acks {
			if errs[i] != nil || a.ID != acks[0].ID || a.Receipt != acks[0].Receipt {
				t.Fatalf("save %d = %+v, %v; first %+v", i, a, errs[i], acks[0])
			}
			if !a.Duplicate {
				fresh++
			}
		}
		if fresh != 1 {
			t.Errorf("%d saves stored the report", fresh)
		}
		if list, err := db.StationReports(ctx, e.ID, "A-001"); err != nil || len(list) != 1 {
			t.Errorf("%d reports stored, %v", len(list), err)
		}
	})
}

func TestIncidents(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
		base := time.Date(2026, 3, 15, 6, 0, 0, 0, time.UTC)
		inc := func(id, station string, minute int) report.IncidentReport {
			return report.IncidentReport{ClientID: id, ElectionID: e.ID, StationCode: station, Category: "ballot_stuffing",
				Severity: report.High, Description: "<script>alert(1)</script> урна", Channel: report.Telegram,
				ObservedAt: at, ReceivedAt: base.Add(time.Duration(minute) * time.Minute)}
		}
		routed := inc("i-0", "A-001", 0)
		routed.Region, routed.Status = "KZ-71", "escalated"
		batch := []report.IncidentReport{inc("i-1", "A-001", 1), inc("i-2", "Z-US1", 2), inc("i-3", "A-002", 3), inc("i-1", "A-001", 4), routed}
		acks, err := db.SaveIncidents(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if !acks[3].Duplicate || acks[3].ID != acks[0].ID || acks[0].Duplicate || len(acks[0].Receipt) != 64 {
			t.Errorf("acks = %+v", acks)
		}
		got, err := db.Incident(ctx, acks[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := batch[0]
		want.ID, want.Region, want.Status, want.Receipt = acks[0].ID, "KZ-75", report.StatusNew, acks[0].Receipt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Incident() =\n%+v\nwant\n%+v", got, want)
		}
		if report.IncidentReceipt(got) != got.Receipt {
			t.Errorf("the receipt does not compute again")
		}
		if got, err := db.Incident(ctx, acks[1].ID); err != nil || got.Region != report.RegionAbroad {
			t.Errorf("incident abroad = %+v, %v", got, err)
		}
		if got, err := db.Incident(ctx, acks[4].ID); err != nil || got.Region != "KZ-71" || got.Status != "escalated" {
			t.Errorf("routed incident = %+v, %v", got, err)
		}
		_, err = db.Incident(ctx, 999999)
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.SaveIncidents(ctx, []report.IncidentReport{inc("i-9", "NOPE", 9)})
		wantCode(t, err, baqylau.ENOTFOUND)

		ids := func(list []report.IncidentReport) []string {
			var s []string
			for _, in := range list {
				s = append(s, in.ClientID)
			}
			return s
		}
		for _, tc := range []struct {
			q     report.IncidentQuery
			want  []string
			total int
		}{
			{report.IncidentQuery{}, []string{"i-3", "i-2", "i-1", "i-0"}, 4},
			{report.IncidentQuery{ElectionID: e.ID, Region: "KZ-75"}, []string{"i-3", "i-1"}, 2},
			{report.IncidentQuery{Region: "KZ-75", Status: report.StatusNew, Limit: 1}, []string{"i-3"}, 2},
			{report.IncidentQuery{Region: "KZ-75", Limit: 1, Offset: 1}, []string{"i-1"}, 2},
			{report.IncidentQuery{Region: report.RegionAbroad}, []string{"i-2"}, 1},
			{report.IncidentQuery{Station: "A-001"}, []string{"i-1", "i-0"}, 2},
			{report.IncidentQuery{Status: "escalated"}, []string{"i-0"}, 1},
			{report.IncidentQuery{ElectionID: e.ID + 1}, nil, 0},
		} {
			list, total, err := db.Incidents(ctx, tc.q)
			if err != nil || total != tc.total || !reflect.DeepEqual(ids(list), tc.want) {
				t.Errorf("Incidents(%+v) = %v, %d, %v; want %v, %d", tc.q, ids(list), total, err, tc.want, tc.total)
			}
		}
	})
}

func TestEvidence(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := reportFixture(t, db)
		acks, err := db.SaveIncidents(ctx, []report.IncidentReport{{ClientID: "i-1", ElectionID: e.ID, StationCode: "A-001",
			Category: "carousel", Severity: report.Medium, ObservedAt: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		photo := []byte("\xff\xd8\xff\xe0 not really a JPEG")
		ev := report.Evidence{IncidentID: acks[0].ID, ContentType: "image/jpeg", OriginalHash: "ab12"}
		if err := db.AddEvidence(ctx, &ev, photo); err != nil {
			t.Fatal(err)
		}
		if ev.ID == 0 || ev.Size != int64(len(photo)) || len(ev.SHA256) != 64 || ev.OriginalHash != "ab12" || ev.CreatedAt.IsZero() {
			t.Errorf("after AddEvidence: %+v", ev)
		}
		doc := report.Evidence{IncidentID: acks[0].ID, ContentType: "text/plain"}
		if err := db.AddEvidence(ctx, &doc, []byte("протокол")); err != nil || doc.OriginalHash != doc.SHA256 {
			t.Fatalf("evidence kept as received: %+v, %v", doc, err)
		}
		list, err := db.EvidenceList(ctx, acks[0].ID)
		if err != nil || !reflect.DeepEqual(list, []report.Evidence{ev, doc}) {
			t.Errorf("EvidenceList() = %+v, %v", list, err)
		}
		got, data, err := db.EvidenceData(ctx, ev.ID)
		if err != nil || got != ev || string(data) != string(photo) {
			t.Errorf("EvidenceData() = %+v, %q, %v", got, data, err)
		}
		if _, data, err := db.EvidenceData(ctx, doc.ID); err != nil || string(data) != "протокол" {
			t.Errorf("EvidenceData(doc) = %q, %v", data, err)
		}
		wantCode(t, db.AddEvidence(ctx, &report.Evidence{IncidentID: acks[0].ID, ContentType: "image/png"}, nil), baqylau.EINVALID)
		_, _, err = db.EvidenceData(ctx, 999999)
		wantCode(t, err, baqylau.ENOTFOUND)
		wantCode(t, db.AddEvidence(ctx, &report.Evidence{IncidentID: 999999, ContentType: "image/png"}, photo), baqylau.ENOTFOUND)
		wantCode(t, db.AddEvidence(ctx, &report.Evidence{IncidentID: acks[0].ID, ContentType: "image/png", SHA256: "00"}, photo), baqylau.EINVALID)
		wantCode(t, db.AddEvidence(ctx, &report.Evidence{IncidentID: acks[0].ID}, photo), baqylau.EINVALID)
		if list, err := db.EvidenceList(ctx, 999999); err != nil || len(list) != 0 {
			t.Errorf("EvidenceList(none) = %+v, %v", list, err)
		}
	})
}

func TestContestOptions(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "Референдум", "2026-03-15",
			election.Contest{Name: "Вопрос 1", Options: []string{"Да", "Нет"}}, election.Contest{Name: "Президент"})
		ct := election.Contest{ElectionID: e.ID, Name: "Маслихат", Region: "KZ-75", Options: []string{"Amanat", "Ak Zhol", "Respublica"}}
		if err := db.AddContest(ctx, &ct); err != nil {
			t.Fatal(err)
		}
		got, err := db.Election(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := append(e.Contests, ct)
		if !reflect.DeepEqual(got.Contests, want) {
			t.Errorf("Election().Contests = %+v, want %+v", got.Contests, want)
		}
		list, err := db.Elections(ctx)
		if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0].Contests, want) {
			t.Errorf("Elections() = %+v, %v", list, err)
		}
	})
}

// BenchmarkSaveReportsBatch measures SaveReports by batch size: each
// operation stores one report, so ns/op is the cost of one report.
func BenchmarkSaveReportsBatch(b *testing.B) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(b) {
		for _, size := range []int{1, 16, 256} {
			b.Run(fmt.Sprintf("%s/batch=%d", engine, size), func(b *testing.B) {
				db := storetest.Open(b, engine)
				e := reportFixture(b, db)
				at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
				batch := make([]report.Report, size)
				n := 0
				b.ResetTimer()
				for done := 0; done < b.N; done += size {
					for i := range batch {
						n++
						batch[i] = turnoutReport(e.ID, fmt.Sprintf("bench-%09d", n), "A-001", at, n)
					}
					if _, err := db.SaveReports(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "reports/s")
			})
		}
	}
}
