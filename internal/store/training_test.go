package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
)

func TestTraining(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ngo := mustOrg(t, db, "Адал Сайлау", people.DomesticNGO)
		other := mustOrg(t, db, "Other", people.DomesticNGO)
		day := time.Date(2024, 2, 10, 9, 0, 0, 0, time.UTC)
		almaty := people.TrainingSession{OrganizationID: ngo.ID, Title: " Алматы: день выборов ", Mode: people.InPerson,
			StartsAt: day.Add(24 * time.Hour), Mandatory: true, Region: "KZ-75"}
		if err := db.CreateTrainingSession(ctx, &almaty); err != nil {
			t.Fatal(err)
		}
		video := people.TrainingSession{OrganizationID: ngo.ID, Title: "Online basics", Mode: people.Video, StartsAt: day}
		if err := db.CreateTrainingSession(ctx, &video); err != nil {
			t.Fatal(err)
		}
		if almaty.ID == 0 || almaty.Title != "Алматы: день выборов" {
			t.Fatalf("after create: %+v", almaty)
		}
		if got, err := db.TrainingSession(ctx, almaty.ID); err != nil || !reflect.DeepEqual(got, almaty) {
			t.Errorf("TrainingSession() = %+v, %v; want %+v", got, err, almaty)
		}
		list, err := db.TrainingSessions(ctx, ngo.ID)
		if err != nil || !reflect.DeepEqual(list, []people.TrainingSession{video, almaty}) {
			t.Errorf("TrainingSessions() = %+v, %v; want in time order", list, err)
		}
		if list, err := db.TrainingSessions(ctx, other.ID); err != nil || len(list) != 0 {
			t.Errorf("TrainingSessions(other) = %+v, %v", list, err)
		}
		wantCode(t, db.CreateTrainingSession(ctx, &people.TrainingSession{OrganizationID: 999, Title: "x", Mode: people.Video, StartsAt: day}), baqylau.ENOTFOUND)
		wantCode(t, db.CreateTrainingSession(ctx, &people.TrainingSession{OrganizationID: ngo.ID, Title: "x", Mode: "fax", StartsAt: day}), baqylau.EINVALID)
		_, err = db.TrainingSession(ctx, 999)
		wantCode(t, err, baqylau.ENOTFOUND)

		obs := func(name, region string) people.Observer {
			return mustObserver(t, db, people.Observer{FullName: name, OrganizationID: ngo.ID, Region: region})
		}
		came := obs("A came", "KZ-75")
		excused := obs("B excused", "KZ-75") // recorded as not attended
		away := obs("C away", "KZ-75")
		revoked := obs("D revoked", "KZ-75")
		elsewhere := obs("E elsewhere", "KZ-71")
		outsider := mustObserver(t, db, people.Observer{FullName: "F outsider", OrganizationID: other.ID, Region: "KZ-75"})
		if err := db.Transition(ctx, people.Transition{ObserverID: revoked.ID, From: people.Applied, To: people.Revoked, Reason: "left"}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []people.Attendance{
			{SessionID: almaty.ID, ObserverID: came.ID, Attended: false, Score: -1},
			{SessionID: almaty.ID, ObserverID: came.ID, Attended: true, Score: 85}, // corrected
			{SessionID: almaty.ID, ObserverID: excused.ID, Attended: false, Score: -1},
			{SessionID: video.ID, ObserverID: came.ID, Attended: true, Score: -1},
			{SessionID: video.ID, ObserverID: away.ID, Attended: true, Score: 40},
		} {
			if err := db.RecordAttendance(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, db.RecordAttendance(ctx, people.Attendance{SessionID: 999, ObserverID: came.ID, Attended: true}), baqylau.ENOTFOUND)
		wantCode(t, db.RecordAttendance(ctx, people.Attendance{SessionID: almaty.ID, ObserverID: 999, Attended: true}), baqylau.ENOTFOUND)
		wantCode(t, db.RecordAttendance(ctx, people.Attendance{SessionID: almaty.ID, ObserverID: outsider.ID, Attended: true}), baqylau.EINVALID)
		wantCode(t, db.RecordAttendance(ctx, people.Attendance{SessionID: almaty.ID, ObserverID: came.ID, Score: 101}), baqylau.EINVALID)

		att, err := db.Attendance(ctx, came.ID)
		want := []people.Attendance{
			{SessionID: video.ID, ObserverID: came.ID, Attended: true, Score: -1},
			{SessionID: almaty.ID, ObserverID: came.ID, Attended: true, Score: 85},
		}
		if err != nil || !reflect.DeepEqual(att, want) {
			t.Errorf("Attendance() = %+v, %v; want %+v", att, err, want)
		}
		rule := people.TrainingRule{AllMandatory: true, MinScore: 80}
		if !people.IsTrained(rule, list, att) {
			t.Errorf("stored attendance does not make %q trained", came.FullName)
		}

		// The Almaty session's absentees: its region, not revoked, not attended.
		absent, total, err := db.Absent(ctx, almaty.ID, 0, 0)
		if err != nil || total != 2 || len(absent) != 2 || absent[0].ID != excused.ID || absent[1].ID != away.ID {
			t.Errorf("Absent(almaty) = %+v, %d, %v; want excused and away", absent, total, err)
		}
		absent, total, err = db.Absent(ctx, almaty.ID, 1, 1)
		if err != nil || total != 2 || len(absent) != 1 || absent[0].ID != away.ID {
			t.Errorf("Absent(almaty) page 2 = %+v, %d, %v", absent, total, err)
		}
		// The video session is for everyone in the organisation.
		absent, total, err = db.Absent(ctx, video.ID, 0, 0)
		if err != nil || total != 2 || absent[0].ID != excused.ID || absent[1].ID != elsewhere.ID {
			t.Errorf("Absent(video) = %+v, %d, %v; want excused and elsewhere", absent, total, err)
		}
		_, _, err = db.Absent(ctx, 999, 0, 0)
		wantCode(t, err, baqylau.ENOTFOUND)
	})
}
