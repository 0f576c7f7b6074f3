package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrations holds one folder per dialect of numbered files, NNNN_name.sql,
// applied in order and each recorded in schema_migrations.
//
//go:embed migrations
var migrations embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the migrations of a dialect, in order, refusing gaps
// and duplicate numbers.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s/%s is not named NNNN_name.sql", dir, e.Name())
		}
		b, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s/%s: expected number %d", dir, m.name, i+1)
		}
	}
	return ms, nil
}

// Migrate applies every migration the database lacks, each in its own
// transaction. It refuses a database whose schema is newer than this binary
// knows, since this binary would misread it. Open calls it; it is safe to
// call again, and from several processes at once.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(db.dialect)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	timeType := "TEXT"
	if db.dialect == Postgres {
		timeType = "TIMESTAMPTZ"
	}
	err = db.inTx(ctx, func(c conn) error {
		if err := db.migrationLock(ctx, c); err != nil {
			return err
		}
		_, err := c.exec(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at "+timeType+" NOT NULL)")
		return err
	})
	if err != nil {
		return fmt.Errorf("store: migrate: create schema_migrations: %w", err)
	}
	cur, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return fmt.Errorf("store: the database schema is version %d but this baqylau knows only up to %d: run a newer baqylau", cur, len(ms))
	}
	for _, m := range ms[cur:] {
		err := db.inTx(ctx, func(c conn) error {
			if err := db.migrationLock(ctx, c); err != nil {
				return err
			}
			var n int
			if err := c.queryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = $1", m.version).Scan(&n); err != nil || n > 0 {
				return err // nil when another process applied it meanwhile
			}
			if _, err := c.exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := c.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", m.version, db.timeArg(now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrate %s/%s: %w", db.dialect, m.name, err)
		}
	}
	return nil
}

// SchemaVersion returns the number of the last migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := db.writer().queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// migrationLock makes nodes that start together migrate in turn, until the
// transaction ends. SQLite's immediate transactions already exclude other
// writers.
func (db *DB) migrationLock(ctx context.Context, c conn) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := c.exec(ctx, "SELECT pg_advisory_xact_lock(7415001)")
	return err
}
