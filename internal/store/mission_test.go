package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/mission"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
)

// missionFixture is an election with three stations and a mission with a
// head, two delegation heads and a member.
type missionFixture struct {
	e                    int64
	m                    people.Mission
	head, d1, d2, member people.Observer
	outsider, otherHead  people.Observer
	otherMission         people.Mission
}

func newMissionFixture(t *testing.T, db *store.DB) missionFixture {
	t.Helper()
	ctx := context.Background()
	e := reportFixture(t, db)
	cis := mustOrg(t, db, "CIS", people.InternationalOrganization)
	f := missionFixture{e: e.ID, m: people.Mission{OrganizationID: cis.ID, ElectionID: e.ID, Name: "CIS mission",
		Principles: "Non-interference; political neutrality."}}
	if err := db.CreateMission(ctx, &f.m); err != nil {
		t.Fatal(err)
	}
	f.otherMission = people.Mission{OrganizationID: cis.ID, ElectionID: e.ID, Name: "Other mission"}
	if err := db.CreateMission(ctx, &f.otherMission); err != nil {
		t.Fatal(err)
	}
	in := func(name string, m people.Mission, role people.MissionRole) people.Observer {
		o := mustObserver(t, db, people.Observer{FullName: name, OrganizationID: cis.ID})
		if err := db.SetObserverMission(ctx, o.ID, m.ID, string(role)); err != nil {
			t.Fatal(err)
		}
		o.MissionID, o.MissionRole = m.ID, role
		return o
	}
	f.head = in("Head", f.m, people.MissionHead)
	f.d1 = in("Delegation head 1", f.m, people.DelegationHead)
	f.d2 = in("Delegation head 2", f.m, people.DelegationHead)
	f.member = in("Member", f.m, people.MissionMember)
	f.otherHead = in("Other head", f.otherMission, people.DelegationHead)
	f.outsider = mustObserver(t, db, people.Observer{FullName: "Outsider", OrganizationID: cis.ID})
	return f
}

func TestMeetings(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newMissionFixture(t, db)
		at := time.Date(2024, 3, 14, 10, 0, 0, 0, time.UTC)
		desk := mission.MeetingRecord{ElectionID: f.e, Kind: mission.Briefing, HeldAt: at, Place: "ЦИК, Астана",
			Participants: []string{"ODIHR", "CIS", "ЦИК Кыргызстана"}, Agenda: "Preparations",
			Questions: []mission.Question{
				{Topic: mission.TopicForeignMedia, AskedBy: "ODIHR", Question: "How are foreign media accredited?", Answer: "Through the MFA."},
				{Topic: mission.TopicCampaigning, Question: "Онлайн үгіт?", Answer: "Рұқсат."},
			}}
		if err := db.CreateMeeting(ctx, &desk); err != nil {
			t.Fatal(err)
		}
		if desk.ID == 0 || desk.Questions[1].ID == 0 {
			t.Fatalf("ids not set: %+v", desk)
		}
		q := mission.Question{Topic: mission.TopicObservers, Question: "Can observers film?", Answer: "Outside booths."}
		if err := db.AddQuestion(ctx, desk.ID, &q); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.AddQuestion(ctx, 9999, &q), baqylau.ENOTFOUND)
		wantCode(t, db.AddQuestion(ctx, desk.ID, &mission.Question{Topic: "weather", Question: "?"}), baqylau.EINVALID)

		body := mission.MeetingRecord{ElectionID: f.e, MissionID: f.m.ID, Kind: mission.StateBody, HeldAt: at.Add(time.Hour),
			Place: "Supreme Court", Counterpart: "Supreme Court", Notes: "Electoral disputes", FollowUp: "Ask for statistics"}
		if err := db.CreateMeeting(ctx, &body); err != nil {
			t.Fatal(err)
		}
		bad := body
		bad.MissionID = 9999
		wantCode(t, db.CreateMeeting(ctx, &bad), baqylau.EINVALID)

		got, err := db.Meeting(ctx, desk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Questions) != 3 || got.Questions[2].Topic != mission.TopicObservers || got.Participants[2] != "ЦИК Кыргызстана" ||
			!got.HeldAt.Equal(at) || got.MissionID != 0 {
			t.Errorf("Meeting() = %+v", got)
		}
		deskList, err := db.Meetings(ctx, f.e, 0)
		if err != nil || len(deskList) != 1 || len(deskList[0].Questions) != 3 {
			t.Fatalf("desk meetings = %+v, %v", deskList, err)
		}
		if err := db.UpdateMeetingNotes(ctx, body.ID, " Disputes ", "Statistics received"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.UpdateMeetingNotes(ctx, 9999, "", ""), baqylau.ENOTFOUND)
		wantCode(t, db.UpdateMeetingNotes(ctx, body.ID, strings.Repeat("x", 20001), ""), baqylau.EINVALID)
		missionList, err := db.Meetings(ctx, f.e, f.m.ID)
		if err != nil || len(missionList) != 1 || missionList[0].Counterpart != "Supreme Court" || len(missionList[0].Questions) != 0 ||
			missionList[0].Notes != "Disputes" || missionList[0].FollowUp != "Statistics received" {
			t.Fatalf("mission meetings = %+v, %v", missionList, err)
		}

		ps := publish.Statement{Title: publish.Text{KK: "Брифинг", RU: "Брифинг", EN: "Briefing"}, Body: publish.Text{EN: "Minutes"}}
		if err := db.PublishMinutes(ctx, desk.ID, &ps); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.PublishMinutes(ctx, desk.ID, &ps), baqylau.ECONFLICT)
		if got, _ := db.Meeting(ctx, desk.ID); got.PressStatementID != ps.ID {
			t.Errorf("press statement %d not recorded: %d", ps.ID, got.PressStatementID)
		}
		if pub, err := db.Statement(ctx, ps.ID); err != nil || pub.Body.EN != "Minutes" {
			t.Errorf("published minutes = %+v, %v", pub, err)
		}
	})
}

func TestAcknowledgePrinciples(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newMissionFixture(t, db)
		a := mission.Acknowledgement{MissionID: f.m.ID, ObserverID: f.member.ID}
		if err := db.Acknowledge(ctx, &a); err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 || a.Principles != f.m.Principles || a.AcknowledgedAt.IsZero() {
			t.Errorf("after Acknowledge: %+v", a)
		}
		wantCode(t, db.Acknowledge(ctx, &mission.Acknowledgement{MissionID: f.m.ID, ObserverID: f.member.ID}), baqylau.ECONFLICT)
		wantCode(t, db.Acknowledge(ctx, &mission.Acknowledgement{MissionID: f.m.ID, ObserverID: f.outsider.ID}), baqylau.EINVALID)
		wantCode(t, db.Acknowledge(ctx, &mission.Acknowledgement{MissionID: f.otherMission.ID, ObserverID: f.otherHead.ID}), baqylau.ECONFLICT)
		list, err := db.Acknowledgements(ctx, f.m.ID)
		if err != nil || len(list) != 1 || list[0].ObserverID != f.member.ID {
			t.Errorf("Acknowledgements() = %+v, %v", list, err)
		}
	})
}

func draftVersion(word string) mission.Version {
	return mission.Version{Title: publish.Text{EN: "Preliminary statement " + word, RU: "Предварительное заявление"},
		Sections: []mission.Section{
			{Heading: publish.Text{EN: "Voting day"}, Body: publish.Text{EN: "We observed {{stations_observed}} stations ({{stations_observed_share}}). " + word}},
			{Body: publish.Text{EN: "Turnout where observed: {{turnout_observed}}.", KK: "Байқалған жерде: {{turnout_observed}}."}},
		}}
}

func TestMissionStatementLifecycle(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newMissionFixture(t, db)
		// Members report and are assigned: the figures count them.
		at := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
		r1 := turnoutReport(f.e, "m-1", "A-001", at, 100)
		r1.ObserverID = f.member.ID
		r2 := turnoutReport(f.e, "m-2", "A-001", at.Add(time.Hour), 300)
		r2.ObserverID = f.d1.ID
		r3 := turnoutReport(f.e, "o-1", "A-002", at, 50) // not the mission's
		r3.ObserverID = f.outsider.ID
		if _, err := db.SaveReports(ctx, []report.Report{r1, r2, r3}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveIncidents(ctx, []report.IncidentReport{{ClientID: "mi-1", ElectionID: f.e, StationCode: "Z-US1",
			Category: "ballot_stuffing", Severity: report.High, Channel: report.Web, ObservedAt: at, ReceivedAt: at, ObserverID: f.member.ID}}); err != nil {
			t.Fatal(err)
		}
		// A member is deployed only once they have acknowledged the
		// mission's principles.
		assign := &people.Assignment{ElectionID: f.e, StationCode: "Z-US1", ObserverID: f.member.ID}
		if err := db.Assign(ctx, assign); baqylau.ErrorCode(err) != baqylau.EINVALID {
			t.Fatalf("Assign before acknowledging the principles: %v, want EINVALID", err)
		}
		if err := db.Acknowledge(ctx, &mission.Acknowledgement{MissionID: f.m.ID, ObserverID: f.member.ID}); err != nil {
			t.Fatal(err)
		}
		if err := db.Assign(ctx, assign); err != nil {
			t.Fatal(err)
		}
		c, err := db.MissionCounts(ctx, f.m.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if c.StationsTotal != 3 || c.StationsHome != 2 || c.StationsObserved != 1 || c.CoveredAbroad != 1 || c.CoveredHome != 0 ||
			c.IncidentsByCategory["ballot_stuffing"] != 1 || c.IncidentsByRegion["abroad"] != 1 ||
			c.BallotsCast != 300 || c.StationsCounted != 1 || c.ElectionID != f.e {
			t.Errorf("MissionCounts() = %+v", c)
		}

		// As of a moment: what had been received by then.
		again, err := db.MissionCounts(ctx, f.m.ID, c.At)
		if err != nil || again.StationsObserved != 1 || again.BallotsCast != 300 || !again.At.Equal(c.At) {
			t.Errorf("counts again as of %v: %+v, %v", c.At, again, err)
		}
		late := turnoutReport(f.e, "m-3", "A-002", at, 700)
		late.ObserverID, late.ReceivedAt = f.d2.ID, c.At.Add(time.Hour)
		if _, err := db.SaveReports(ctx, []report.Report{late}); err != nil {
			t.Fatal(err)
		}
		if again, err = db.MissionCounts(ctx, f.m.ID, c.At); err != nil || again.StationsObserved != 1 || again.BallotsCast != 300 {
			t.Errorf("a report received later changed the counts as of %v: %+v, %v", c.At, again, err)
		}
		if early, err := db.MissionCounts(ctx, f.m.ID, at.Add(-24*time.Hour)); err != nil || early.StationsObserved != 0 || early.CoveredAbroad != 0 {
			t.Errorf("counts before anything was received: %+v, %v", early, err)
		}
		s := mission.Statement{MissionID: f.m.ID, Kind: mission.Preliminary, Rule: mission.Majority, Release: mission.AfterResults,
			Conference: &mission.Conference{StartsAt: at.Add(48 * time.Hour), Place: "Rixos, Astana", Lang: "ru"}}
		v1 := draftVersion("zebra")
		if err := db.CreateMissionStatement(ctx, &s, &v1); err != nil {
			t.Fatal(err)
		}
		if s.ID == 0 || v1.Number != 1 || s.ElectionID != f.e {
			t.Fatalf("after create: %+v %+v", s, v1)
		}
		v2 := draftVersion("quagga")
		v2.StatementID = s.ID
		if err := db.SaveMissionVersion(ctx, &v2); err != nil || v2.Number != 2 {
			t.Fatalf("second version: %+v, %v", v2, err)
		}
		// Heads decide only on a frozen text.
		_, err = db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: f.d1.ID, Approve: true})
		wantCode(t, err, baqylau.ECONFLICT)
		frozen, err := db.FreezeMissionStatement(ctx, s.ID, c.Figures(), 0, f.head.ID)
		if err != nil || frozen.Number != 3 || !frozen.Frozen() {
			t.Fatalf("freeze: %+v, %v", frozen, err)
		}
		v3 := draftVersion("x")
		v3.StatementID = s.ID
		wantCode(t, db.SaveMissionVersion(ctx, &v3), baqylau.ECONFLICT)
		versions, err := db.MissionVersions(ctx, s.ID)
		if err != nil || len(versions) != 3 || versions[0].Frozen() || !strings.Contains(versions[2].Sections[0].Body.EN, "quagga") {
			t.Fatalf("versions = %+v, %v", versions, err)
		}

		for _, o := range []people.Observer{f.member, f.head, f.otherHead, f.outsider} {
			_, err := db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: o.ID, Approve: true})
			wantCode(t, err, baqylau.EFORBIDDEN)
		}
		got, err := db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: f.d1.ID, Approve: false, Comment: "too soft"})
		if err != nil || got.Status() != "frozen" {
			t.Fatalf("objection: %+v, %v", got, err)
		}
		if got, err = db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: f.d2.ID, Approve: true}); err != nil || got.Status() != "frozen" {
			t.Fatalf("one of two approves: %+v, %v", got, err)
		}
		if got, err = db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: f.d1.ID, Approve: true}); err != nil || got.Status() != "adopted" {
			t.Fatalf("both approve (majority): %+v, %v", got, err)
		}
		decisions, err := db.MissionDecisions(ctx, s.ID)
		if err != nil || len(decisions) != 3 || decisions[0].Comment != "too soft" || decisions[0].Name != "Delegation head 1" || decisions[2].Version != 3 {
			t.Errorf("decisions = %+v, %v", decisions, err)
		}
		_, err = db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: f.d2.ID, Approve: false})
		wantCode(t, err, baqylau.ECONFLICT)
		wantCode(t, db.ReopenMissionStatement(ctx, s.ID), baqylau.ECONFLICT)

		// Adopted, waiting for the results: not in the press centre.
		_, err = db.Statement(ctx, got.PressStatementID)
		wantCode(t, err, baqylau.ENOTFOUND)
		pressList := func() string {
			list, err := db.Statements(ctx, 50)
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, p := range list {
				all.WriteString(p.Title.EN + p.Body.EN)
			}
			return all.String()
		}
		if strings.Contains(pressList(), "quagga") {
			t.Fatal("embargoed statement listed in the press centre")
		}
		briefings, err := db.Briefings(ctx, at, 10)
		if err != nil || len(briefings) != 1 || briefings[0].Title != "CIS mission: пресс-конференция, предварительное заявление" || strings.Contains(briefings[0].Title, "quagga") {
			t.Errorf("press conference = %+v, %v", briefings, err)
		}

		announced := time.Now().Add(-time.Minute)
		if err := db.AnnounceResults(ctx, f.e, announced, 0); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.AnnounceResults(ctx, f.e, announced, 0), baqylau.ECONFLICT)
		if a, err := db.ResultsAnnounced(ctx, f.e); err != nil || !a.Equal(announced.UTC().Truncate(time.Microsecond)) {
			t.Errorf("ResultsAnnounced() = %v, %v", a, err)
		}
		pub, err := db.Statement(ctx, got.PressStatementID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pub.Body.EN, "We observed 1 stations (33.3%). quagga") || !strings.Contains(pub.Body.EN, "GET /api/v1/missions/") ||
			!strings.Contains(pub.Body.KK, "Байқалған жерде: 30.0%.") || !strings.Contains(pressList(), "quagga") {
			t.Errorf("released statement:\n%s\n%s", pub.Body.EN, pub.Body.KK)
		}
	})
}

func TestMissionStatementTimedRelease(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newMissionFixture(t, db)
		s := mission.Statement{MissionID: f.m.ID, Kind: mission.Final, Rule: mission.All, Release: mission.AtTime,
			ReleaseAt: time.Now().Add(time.Hour)}
		v := draftVersion("okapi")
		if err := db.CreateMissionStatement(ctx, &s, &v); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FreezeMissionStatement(ctx, s.ID, nil, 0, f.head.ID); err != nil {
			t.Fatal(err)
		}
		// An objection, then the statement reopens and is frozen again.
		if _, err := db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: f.d1.ID, Approve: false}); err != nil {
			t.Fatal(err)
		}
		if err := db.ReopenMissionStatement(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FreezeMissionStatement(ctx, s.ID, nil, 0, f.head.ID); err != nil {
			t.Fatal(err)
		}
		for _, o := range []people.Observer{f.d1, f.d2} {
			got, err := db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: o.ID, Approve: true})
			if err != nil {
				t.Fatal(err)
			}
			s = got
		}
		if s.Status() != "adopted" || s.FrozenVersion != 3 {
			t.Fatalf("after both approve: %+v", s)
		}
		_, err := db.Statement(ctx, s.PressStatementID)
		wantCode(t, err, baqylau.ENOTFOUND) // released in an hour
	})
}

// TestMissionStatementConcurrentApprovals: two heads approving at the
// same moment adopt the statement (each sees the other's decision).
func TestMissionStatementConcurrentApprovals(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newMissionFixture(t, db)
		for round := range 5 {
			s := mission.Statement{MissionID: f.m.ID, Kind: mission.Final, Rule: mission.All, Release: mission.AfterResults}
			v := draftVersion(fmt.Sprint("round", round))
			if err := db.CreateMissionStatement(ctx, &s, &v); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FreezeMissionStatement(ctx, s.ID, nil, 0, f.head.ID); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for _, o := range []people.Observer{f.d1, f.d2} {
				wg.Go(func() {
					_, err := db.DecideMissionStatement(ctx, &mission.Decision{StatementID: s.ID, ObserverID: o.ID, Approve: true})
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.MissionStatement(ctx, s.ID)
			if err != nil || got.Status() != "adopted" {
				t.Fatalf("round %d: both approved at once, statement %+v, %v", round, got, err)
			}
		}
	})
}
