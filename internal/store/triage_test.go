package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/triage"
)

// triageFixture stores incidents at A-001 (KZ-75, high, from an observer
// by SMS), A-002 (KZ-75, critical) and abroad (low).
func triageFixture(t *testing.T, db *store.DB) (ids []int64, staff, observer int64) {
	t.Helper()
	e := reportFixture(t, db)
	staff = mustUser(t, db, "lawyer@example.org")
	org := mustOrg(t, db, "Observers", people.DomesticNGO)
	o := mustObserver(t, db, people.Observer{Kind: people.KindObserver, FullName: "Айгүл", OrganizationID: org.ID, Status: people.Applied})
	at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	acks, err := db.SaveIncidents(context.Background(), []report.IncidentReport{
		{ClientID: "i-1", ElectionID: e.ID, StationCode: "A-001", Category: "carousel", Severity: report.High, ObserverID: o.ID, Channel: report.SMS, ObservedAt: at, ReceivedAt: at},
		{ClientID: "i-2", ElectionID: e.ID, StationCode: "A-002", Category: "ballot_stuffing", Severity: report.Critical, Channel: report.Web, ObservedAt: at, ReceivedAt: at.Add(time.Minute)},
		{ClientID: "i-3", ElectionID: e.ID, StationCode: "Z-US1", Category: "other", Severity: report.Low, Channel: report.Web, ObservedAt: at, ReceivedAt: at.Add(2 * time.Minute)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acks {
		ids = append(ids, a.ID)
	}
	return ids, staff, o.ID
}

func TestTriageCases(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ids, staff, observer := triageFixture(t, db)
		c, err := db.Case(ctx, ids[0])
		if err != nil || c.Version != 1 || c.Status != triage.StatusNew || c.ClaimedBy != 0 || !c.FirstResponseAt.IsZero() || c.Region != "KZ-75" {
			t.Fatalf("new case = %+v, %v", c, err)
		}
		if _, err := db.Case(ctx, 999999); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("missing case: %v", err)
		}
		list, total, err := db.Cases(ctx, triage.Query{Region: "KZ-75"})
		if err != nil || total != 2 || list[0].ID != ids[1] {
			t.Errorf("KZ-75 queue (critical first) = %v, %d, %v", list, total, err)
		}
		if _, total, _ := db.Cases(ctx, triage.Query{Severity: report.Low}); total != 1 {
			t.Errorf("low: %d", total)
		}

		// Claim, then advise the observer: the decision, the outbox and
		// the audit trail are written with the new state.
		ch, err := triage.Claim(c, staff, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Apply(ctx, &ch); err != nil {
			t.Fatal(err)
		}
		if ch.After.Version != 2 || ch.After.ChangedAt.IsZero() {
			t.Errorf("after claim: %+v", ch.After)
		}
		c, _ = db.Case(ctx, ids[0])
		if c.Status != triage.StatusClaimed || c.ClaimedBy != staff || c.FirstResponseAt.IsZero() || c.Version != 2 {
			t.Errorf("claimed case = %+v", c)
		}
		ch, err = triage.Decide(c, triage.Decision{Action: triage.AdviseObserver, Note: "ask for the list", Message: "Попросите список избирателей", By: staff}, 0, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Apply(ctx, &ch); err != nil {
			t.Fatal(err)
		}
		msgs, err := db.ObserverMessages(ctx, ids[0])
		if err != nil || len(msgs) != 1 || msgs[0].ObserverID != observer || msgs[0].Channel != report.SMS || !msgs[0].DeliveredAt.IsZero() {
			t.Errorf("outbox = %+v, %v", msgs, err)
		}
		ds, err := db.Decisions(ctx, ids[0])
		if err != nil || len(ds) != 1 || ds[0].Action != triage.AdviseObserver || ds[0].By != staff || ds[0].ID != ch.Decision.ID {
			t.Errorf("decisions = %+v, %v", ds, err)
		}
		audit, err := db.Audit(ctx, ids[0])
		if err != nil || len(audit) != 2 || audit[0].Action != "claim" || audit[1].Action != "decide:advise_observer" || audit[1].UserID != staff {
			t.Fatalf("audit = %+v, %v", audit, err)
		}
		var before, after triage.State
		if err := json.Unmarshal(audit[1].Before, &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(audit[1].After, &after); err != nil {
			t.Fatal(err)
		}
		if before.Status != triage.StatusClaimed || after.Status != triage.StatusDecided || after.Version != 3 {
			t.Errorf("audit before %+v after %+v", before, after)
		}

		// Changed since, for catching up.
		changed, err := db.ChangedSince(ctx, time.Now().Add(-time.Hour), "", 10)
		if err != nil || len(changed) != 1 || changed[0].ID != ids[0] {
			t.Errorf("changed since an hour ago = %v, %v", changed, err)
		}
		changed, err = db.ChangedSince(ctx, time.Date(2026, 3, 15, 5, 0, 30, 0, time.UTC), "abroad", 10)
		if err != nil || len(changed) != 1 || changed[0].ID != ids[2] {
			t.Errorf("changed abroad = %v, %v", changed, err)
		}

		// Response times: one answered in KZ-75, others waiting.
		rt, err := db.ResponseTimes(ctx, 0)
		if err != nil || len(rt["KZ-75"].Responded) != 1 || len(rt["KZ-75"].Waiting) != 1 || len(rt["abroad"].Waiting) != 1 {
			t.Errorf("response times = %+v, %v", rt, err)
		}
	})
}

// TestTriageConcurrentDecisions: two staff decide the same incident at
// once; one wins, the other gets a conflict naming what happened, and the
// audit trail holds only the winner's change.
func TestTriageConcurrentDecisions(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ids, staff, _ := triageFixture(t, db)
		other := mustUser(t, db, "second@example.org")
		c, err := db.Case(ctx, ids[1])
		if err != nil {
			t.Fatal(err)
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, d := range []triage.Decision{
			{Action: triage.Escalate, Note: "national HQ must see this", By: staff},
			{Action: triage.NotAViolation, Note: "the box was sealed", By: other},
		} {
			wg.Go(func() {
				ch, err := triage.Decide(c, d, c.Version, nil, time.Now())
				if err == nil {
					err = db.Apply(ctx, &ch)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		var ce *triage.ConflictError
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				winner = i
			case errors.As(err, &ce):
				if baqylau.ErrorCode(err) != baqylau.ECONFLICT || ce.Current.Version != 2 {
					t.Errorf("loser: %v (%+v)", err, ce.Current)
				}
			default:
				t.Errorf("decision %d: %v", i, err)
			}
		}
		if winner < 0 || errs[1-winner] == nil {
			t.Fatalf("want one winner and one conflict: %v", errs)
		}
		audit, err := db.Audit(ctx, ids[1])
		if err != nil || len(audit) != 1 {
			t.Fatalf("audit = %+v, %v", audit, err)
		}
		if want := []string{"decide:escalate", "decide:not_a_violation"}[winner]; audit[0].Action != want {
			t.Errorf("audit holds %s, want the winner's %s", audit[0].Action, want)
		}
	})
}

// TestTriageAuditIsAppendOnly: the database itself refuses to edit or
// delete the audit trail.
func TestTriageAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ids, staff, _ := triageFixture(t, db)
		c, err := db.Case(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		ch, err := triage.Claim(c, staff, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Apply(ctx, &ch); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"UPDATE incident_audit SET action = 'nothing happened'",
			"DELETE FROM incident_audit",
		} {
			if err := db.ExecRaw(ctx, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if db.Dialect() == store.Postgres {
			if err := db.ExecRaw(ctx, "TRUNCATE incident_audit"); err == nil {
				t.Error("TRUNCATE accepted")
			}
		}
		if audit, err := db.Audit(ctx, ids[0]); err != nil || len(audit) != 1 || audit[0].Action != "claim" {
			t.Errorf("audit after the attempts = %+v, %v", audit, err)
		}
	})
}

func TestComplaints(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ids, staff, _ := triageFixture(t, db)
		c := triage.Complaint{IncidentID: ids[0], Lang: "kk", Commission: "Алматы қалалық сайлау комиссиясы", Facts: "Бақылаушы кіргізілмеді",
			Articles: []string{"art20"}, CreatedBy: staff}
		if err := db.CreateComplaint(ctx, &c); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.Version != 1 {
			t.Errorf("created %+v", c)
		}
		up := c
		up.FiledOn = "2026-03-15"
		if err := db.UpdateComplaint(ctx, &up, staff); err != nil || up.Version != 2 {
			t.Fatalf("file: %+v %v", up, err)
		}
		stale := c
		stale.FiledOn = "2026-03-16"
		if err := db.UpdateComplaint(ctx, &stale, staff); baqylau.ErrorCode(err) != baqylau.ECONFLICT {
			t.Errorf("stale update: %v", err)
		}
		got, err := db.Complaint(ctx, c.ID)
		if err != nil || got.FiledOn != "2026-03-15" || got.Articles[0] != "art20" || got.Commission != c.Commission {
			t.Errorf("complaint = %+v, %v", got, err)
		}
		list, err := db.Complaints(ctx, ids[0])
		if err != nil || len(list) != 1 {
			t.Errorf("complaints = %v, %v", list, err)
		}
		audit, err := db.Audit(ctx, ids[0])
		if err != nil || len(audit) != 2 || audit[0].Action != "complaint:create" || audit[1].Action != "complaint:update" {
			t.Errorf("audit = %+v, %v", audit, err)
		}
		if err := db.CreateComplaint(ctx, &triage.Complaint{IncidentID: 999999, Lang: "ru", Articles: []string{}, CreatedBy: staff}); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("complaint on a missing incident: %v", err)
		}
	})
}

// TestListenerAcrossConnections: events published on one database handle
// reach a listener opened on another (as two nodes would), and a listener
// whose connection is cut catches up on what it missed.
func TestListenerAcrossConnections(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		})
		return db
	}
	a, b := open(), open()
	ids, _, _ := triageFixture(t, a)
	la, err := a.Listen(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer la.Close()
	lb, err := b.Listen(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	sub := lb.Subscribe()
	defer sub.Close()
	if err := la.Publish(ctx, triage.Event{ID: ids[0], Region: "KZ-75", Kind: triage.EventNew}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-sub.C:
		if e.ID != ids[0] || e.Region != "KZ-75" {
			t.Errorf("event %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event across connections within 5 s")
	}

	// Cut b's listening connection; change an incident while it is away
	// without any notification: b catches up after reconnecting.
	if err := a.ExecRaw(ctx, "SELECT pg_terminate_backend($1)", int64(lb.BackendPID())); err != nil {
		t.Fatal(err)
	}
	c, err := a.Case(ctx, ids[2])
	if err != nil {
		t.Fatal(err)
	}
	ch, err := triage.Claim(c, 0, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(ctx, &ch); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-sub.C:
			if e.ID == ids[2] && e.Kind == triage.EventChanged {
				if lb.Connections() < 2 {
					t.Errorf("caught up without reconnecting?")
				}
				return
			}
		case <-deadline:
			t.Fatalf("no catch-up event after the connection was cut (connections %d)", lb.Connections())
		}
	}
}
