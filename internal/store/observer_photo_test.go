package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

func TestObserverPhoto(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		org := people.Organization{Name: "Org", Kind: people.DomesticNGO}
		if err := db.CreateOrganization(ctx, &org); err != nil {
			t.Fatal(err)
		}
		o := people.Observer{Kind: people.KindObserver, FullName: "A B", OrganizationID: org.ID, Status: people.Applied}
		if err := db.CreateObserver(ctx, &o, 0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.ObserverPhoto(ctx, o.ID); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("no photo yet: %v", err)
		}
		for _, data := range [][]byte{{0xff, 0xd8, 1}, {0xff, 0xd8, 2, 3}} {
			if err := db.SetObserverPhoto(ctx, o.ID, "image/jpeg", data); err != nil {
				t.Fatal(err)
			}
			ct, got, err := db.ObserverPhoto(ctx, o.ID)
			if err != nil || ct != "image/jpeg" || !bytes.Equal(got, data) {
				t.Errorf("photo = %q %v %v, want %v", ct, got, err, data)
			}
		}
		if err := db.SetObserverPhoto(ctx, 999999, "image/jpeg", []byte{1}); baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
			t.Errorf("photo of nobody: %v", err)
		}
	})
}
