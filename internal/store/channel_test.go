package store_test

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
)

func TestObserversByPhone(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		org := mustOrg(t, db, "NGO", people.DomesticNGO)
		var ids []int64
		for i, phone := range []string{"8 (701) 123-45-67", "+7 701 123 45 67", "00 49 30 1234567", "+7.701.999.00.00", "", "7011234567"} {
			o := mustObserver(t, db, people.Observer{Kind: people.KindObserver, FullName: "Obs " + string(rune('A'+i)),
				OrganizationID: org.ID, Status: people.Applied, Personal: people.Personal{Phone: phone}})
			ids = append(ids, o.ID)
		}
		for _, c := range []struct {
			phone string
			want  []int64
		}{
			{"77011234567", ids[:2]},
			{"49301234567", ids[2:3]},
			{"77019990000", ids[3:4]},
			{"7011234567", ids[5:6]},
			{"70000000000", nil},
			{"", nil},
		} {
			list, err := db.ObserversByPhone(ctx, c.phone)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, o := range list {
				got = append(got, o.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%q: %v, want %v", c.phone, got, c.want)
			}
		}
		if db.Dialect() == store.SQLite {
			plan, err := db.ExplainPhoneLookup(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "observers_phone_digits") {
				t.Errorf("the phone lookup does not use its index: %s", plan)
			}
		}
	})
}

func TestTelegramLinks(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		org := mustOrg(t, db, "NGO", people.DomesticNGO)
		a := mustObserver(t, db, people.Observer{Kind: people.KindObserver, FullName: "A", OrganizationID: org.ID, Status: people.Applied})
		b := mustObserver(t, db, people.Observer{Kind: people.KindObserver, FullName: "B", OrganizationID: org.ID, Status: people.Applied})
		hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
		now := time.Now()
		for _, c := range []struct {
			code string
			obs  int64
			exp  time.Time
		}{{"a1", a.ID, now.Add(time.Minute)}, {"a2", a.ID, now.Add(time.Minute)}, {"old", b.ID, now.Add(-time.Minute)}, {"b1", b.ID, now.Add(time.Minute)}} {
			if err := db.CreateTelegramCode(ctx, c.obs, hash(c.code), c.exp); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.TelegramObserver(ctx, 42); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Fatalf("unlinked chat: %v", err)
		}
		id, err := db.RedeemTelegramCode(ctx, hash("a1"), 42, now)
		if err != nil || id != a.ID {
			t.Fatalf("redeem: %d %v", id, err)
		}
		if got, err := db.TelegramObserver(ctx, 42); err != nil || got != a.ID {
			t.Fatalf("linked chat: %d %v", got, err)
		}
		// Used, and the observer's other codes with it.
		for _, code := range []string{"a1", "a2", "old", "nope"} {
			if _, err := db.RedeemTelegramCode(ctx, hash(code), 43, now); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
				t.Errorf("code %s: %v, want not found", code, err)
			}
		}
		// Expired: refused even if not used.
		if _, err := db.RedeemTelegramCode(ctx, hash("b1"), 42, now.Add(time.Hour)); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("expired code: %v", err)
		}
		if err := db.CreateTelegramCode(ctx, b.ID, hash("b2"), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// A chat linked again moves to the new observer.
		if id, err := db.RedeemTelegramCode(ctx, hash("b2"), 42, now); err != nil || id != b.ID {
			t.Fatalf("relink: %d %v", id, err)
		}
		if got, _ := db.TelegramObserver(ctx, 42); got != b.ID {
			t.Errorf("relinked chat: %d, want %d", got, b.ID)
		}
		if err := db.UnlinkTelegram(ctx, 42); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TelegramObserver(ctx, 42); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("unlinked: %v", err)
		}
	})
}
