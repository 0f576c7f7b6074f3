package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		u := auth.User{Email: " Айгерим@Example.KZ ", Role: auth.RegionalCoordinator, Region: "KZ-75", PasswordHash: "$argon2id$x"}
		before := time.Now().Add(-time.Millisecond)
		if err := db.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Email != "айгерим@example.kz" || u.CreatedAt.Before(before) || u.CreatedAt.Location() != time.UTC {
			t.Errorf("after CreateUser: %+v", u)
		}
		for _, find := range []func() (auth.User, error){
			func() (auth.User, error) { return db.User(ctx, u.ID) },
			func() (auth.User, error) { return db.UserByEmail(ctx, "АЙГЕРИМ@example.kz") },
		} {
			got, err := find()
			if err != nil {
				t.Fatal(err)
			}
			if got != u {
				t.Errorf("found %+v, want %+v", got, u)
			}
		}

		dup := auth.User{Email: "айгерим@EXAMPLE.kz", Role: auth.Admin, PasswordHash: "h"}
		wantCode(t, db.CreateUser(ctx, &dup), baqylau.ECONFLICT)

		_, err := db.User(ctx, u.ID+100)
		wantCode(t, err, baqylau.ENOTFOUND)
		_, err = db.UserByEmail(ctx, "nobody@example.org")
		wantCode(t, err, baqylau.ENOTFOUND)

		if err := db.SetPassword(ctx, u.ID, "new"); err != nil {
			t.Fatal(err)
		}
		if got, err := db.User(ctx, u.ID); err != nil || got.PasswordHash != "new" {
			t.Errorf("after SetPassword: %+v, %v", got, err)
		}
		wantCode(t, db.SetPassword(ctx, u.ID+100, "x"), baqylau.ENOTFOUND)
	})
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		u := auth.User{Email: "obs@example.org", Role: auth.Observer, PasswordHash: "h"}
		if err := db.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte("secret token"))
		if err := db.CreateToken(ctx, u.ID, h[:]); err != nil {
			t.Fatal(err)
		}
		got, err := db.UserByToken(ctx, h[:])
		if err != nil || got != u {
			t.Errorf("UserByToken() = %+v, %v; want %+v", got, err, u)
		}
		other := sha256.Sum256([]byte("other token"))
		_, err = db.UserByToken(ctx, other[:])
		wantCode(t, err, baqylau.ENOTFOUND)
		wantCode(t, db.CreateToken(ctx, u.ID+100, other[:]), baqylau.ENOTFOUND)
	})
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		s := db.Sessions()
		if _, found, err := s.Find("missing"); err != nil || found {
			t.Fatalf("Find(missing) = %v, %v", found, err)
		}
		if err := s.Commit("tok", []byte("one"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if b, found, err := s.Find("tok"); err != nil || !found || string(b) != "one" {
			t.Fatalf("Find(tok) = %q, %v, %v", b, found, err)
		}
		if err := s.CommitCtx(ctx, "tok", []byte("two"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if b, found, err := s.FindCtx(ctx, "tok"); err != nil || !found || string(b) != "two" {
			t.Fatalf("after a second Commit, Find(tok) = %q, %v, %v", b, found, err)
		}
		if err := s.Commit("empty", nil, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if b, found, err := s.Find("empty"); err != nil || !found || len(b) != 0 {
			t.Fatalf("Find(empty) = %q, %v, %v", b, found, err)
		}
		if err := s.Delete("tok"); err != nil {
			t.Fatal(err)
		}
		if _, found, err := s.Find("tok"); err != nil || found {
			t.Fatalf("after Delete, Find(tok) = %v, %v", found, err)
		}
		if err := s.DeleteCtx(ctx, "never existed"); err != nil {
			t.Fatal(err)
		}

		if err := s.Commit("old", []byte("x"), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, found, err := s.Find("old"); err != nil || found {
			t.Fatalf("an expired session was found: %v, %v", found, err)
		}
		if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
			t.Fatalf("DeleteExpired() = %d, %v; want 1", n, err)
		}
		if _, found, err := s.Find("empty"); err != nil || !found {
			t.Fatalf("DeleteExpired removed a live session: %v, %v", found, err)
		}
	})
}

func TestSessionCleanup(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			raw, err := sql.Open(map[string]string{store.SQLite: "sqlite", store.Postgres: "pgx"}[engine], dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			s := db.Sessions()
			if err := s.Commit("old", []byte("x"), time.Now().Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit("live", []byte("x"), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			done := s.StartCleanup(ctx, 10*time.Millisecond)
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				var n int
				if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions").Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d sessions left, want only the live one", n)
				}
			}
			if _, found, err := s.Find("live"); err != nil || !found {
				t.Fatalf("cleanup removed a live session: %v, %v", found, err)
			}
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("cleanup did not stop when its context ended")
			}
		})
	}
}
