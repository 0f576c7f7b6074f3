// Package storetest opens real databases for tests, on SQLite and on
// PostgreSQL, so that every package can test against both engines.
//
// SQLite needs nothing: each database is a file in t.TempDir(). PostgreSQL
// is reached at $BAQYLAU_TEST_POSTGRES, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable; each database
// is a fresh schema there, dropped when the test ends. When PostgreSQL
// cannot be reached its tests are skipped, except under CI=true, where they
// fail.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/store"
)

// DefaultPostgres is the PostgreSQL URL used unless BAQYLAU_TEST_POSTGRES
// names another.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engines returns the engines every store-backed test should run on:
// store.SQLite and store.Postgres. Open skips (or, under CI, fails) the
// PostgreSQL ones when it cannot be reached.
func Engines(t testing.TB) []string {
	t.Helper()
	return []string{store.SQLite, store.Postgres}
}

// Run runs fn as a subtest on a fresh database of each engine.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range Engines(t) {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// Open opens a fresh, migrated database on engine, closed (and on
// PostgreSQL dropped) when the test ends.
func Open(t testing.TB, engine string) *store.DB {
	t.Helper()
	dsn := DSN(t, engine)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", engine, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return db
}

// DSN returns the DSN of a fresh, empty database on engine (a file path on
// SQLite, a URL with its own search_path on PostgreSQL), for tests that
// open it themselves, such as a command's --db flag. The PostgreSQL schema
// is dropped when the test ends, after the cleanups registered later (such
// as closing the database) have run.
func DSN(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case store.SQLite:
		return filepath.Join(t.TempDir(), "baqylau.db")
	case store.Postgres:
		return postgresSchema(t)
	}
	t.Fatalf("storetest: unknown engine %q (want %q or %q)", engine, store.SQLite, store.Postgres)
	return ""
}

var (
	pgOnce sync.Once
	pgErr  error
)

// postgresURL returns the admin URL of the test server.
func postgresURL() string {
	if u := os.Getenv("BAQYLAU_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// reachable checks once whether the PostgreSQL server answers.
func reachable() error {
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", postgresURL())
		if err != nil {
			pgErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
		if err := db.Close(); pgErr == nil {
			pgErr = err
		}
	})
	return pgErr
}

// postgresSchema creates a schema for one test and returns a URL that uses
// it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	admin := postgresURL()
	if err := reachable(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("storetest: PostgreSQL at %s cannot be reached: %v\n"+
				"CI must run the store tests on PostgreSQL: start it (e.g. service postgresql start; "+
				"createdb -U postgres test) or set BAQYLAU_TEST_POSTGRES to a reachable URL", admin, err)
		}
		t.Skipf("storetest: PostgreSQL tests skipped: %s cannot be reached (%v); "+
			"start PostgreSQL with a database \"test\" or set BAQYLAU_TEST_POSTGRES to a postgres:// URL", admin, err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("storetest: BAQYLAU_TEST_POSTGRES: %v", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "baqylau_test_" + hex.EncodeToString(b[:])
	exec := func(query string) error {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = db.ExecContext(ctx, query)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
