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

func TestCharter(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		_, err := db.CurrentCharter(ctx)
		wantCode(t, err, baqylau.ENOTFOUND)
		wantCode(t, db.Sign(ctx, &people.Signature{OrganizationID: 1}), baqylau.ENOTFOUND)

		v1 := people.CharterVersion{TextKK: "Хартия", TextRU: "Хартия", TextEN: "Charter",
			PublishedAt: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}
		if err := db.PublishCharter(ctx, &v1); err != nil {
			t.Fatal(err)
		}
		v2 := people.CharterVersion{TextKK: "Хартия 2", TextRU: "Хартия 2", TextEN: "Charter 2"}
		if err := db.PublishCharter(ctx, &v2); err != nil {
			t.Fatal(err)
		}
		if v1.Version != 1 || v2.Version != 2 || v2.PublishedAt.IsZero() {
			t.Fatalf("versions %+v, %+v", v1, v2)
		}
		if cur, err := db.CurrentCharter(ctx); err != nil || !reflect.DeepEqual(cur, v2) {
			t.Errorf("CurrentCharter() = %+v, %v; want %+v", cur, err, v2)
		}
		wantCode(t, db.PublishCharter(ctx, &people.CharterVersion{TextKK: "x", TextEN: "x"}), baqylau.EINVALID)

		user := mustUser(t, db, "desk@example.kz")
		zhol := mustOrg(t, db, "Ak Zhol", people.PoliticalParty)
		adal := mustOrg(t, db, "Адал Сайлау", people.DomesticNGO)
		mustOrg(t, db, "Never signed", people.TradeUnion)
		obs := mustObserver(t, db, people.Observer{FullName: "A", OrganizationID: adal.ID})

		at := time.Date(2023, 5, 1, 12, 0, 0, 0, time.UTC)
		old := people.Signature{OrganizationID: adal.ID, Version: 1, SignedAt: at, ByUserID: user}
		if err := db.Sign(ctx, &old); err != nil {
			t.Fatal(err)
		}
		if old.ID == 0 || old.CharterVersionID != v1.ID || old.Version != 1 {
			t.Fatalf("after Sign: %+v", old)
		}
		latest := people.Signature{OrganizationID: adal.ID, ByUserID: user, SignedAt: at.Add(time.Hour)} // the current version
		if err := db.Sign(ctx, &latest); err != nil {
			t.Fatal(err)
		}
		zholSig := people.Signature{OrganizationID: zhol.ID, CharterVersionID: v1.ID, SignedAt: at}
		if err := db.Sign(ctx, &zholSig); err != nil {
			t.Fatal(err)
		}
		again := people.Signature{OrganizationID: zhol.ID, Version: 1}
		wantCode(t, db.Sign(ctx, &again), baqylau.ECONFLICT)
		wantCode(t, db.Sign(ctx, &people.Signature{OrganizationID: zhol.ID, ObserverID: obs.ID}), baqylau.EINVALID)
		wantCode(t, db.Sign(ctx, &people.Signature{}), baqylau.EINVALID)
		wantCode(t, db.Sign(ctx, &people.Signature{OrganizationID: 999}), baqylau.ENOTFOUND)
		wantCode(t, db.Sign(ctx, &people.Signature{OrganizationID: zhol.ID, Version: 7}), baqylau.ENOTFOUND)

		sigs, err := db.Signatories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []people.Signature{zholSig, latest}; !reflect.DeepEqual(sigs, want) {
			t.Errorf("Signatories() =\n%+v\nwant\n%+v", sigs, want)
		}

		_, err = db.ObserverSignature(ctx, obs.ID)
		wantCode(t, err, baqylau.ENOTFOUND)
		os := people.Signature{ObserverID: obs.ID, SignedAt: at}
		if err := db.Sign(ctx, &os); err != nil {
			t.Fatal(err)
		}
		if got, err := db.ObserverSignature(ctx, obs.ID); err != nil || got != os || got.Version != 2 {
			t.Errorf("ObserverSignature() = %+v, %v; want %+v", got, err, os)
		}
		if sigs, _ := db.Signatories(ctx); len(sigs) != 2 {
			t.Errorf("an observer's signature made %d signatories", len(sigs))
		}
	})
}
