package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/baqylau/baqylau/internal/store"
)

// isPostgres says whether a --db value is a PostgreSQL URL.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// backup copies a running database to FILE: SQLite with VACUUM INTO
// (writes go on meanwhile), PostgreSQL with pg_dump. The copy is checked
// before it takes its name.
func (e env) backup(ctx context.Context, args []string) error {
	fs, dsn := e.flags("backup")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("backup needs one FILE to write (it must not exist)")
	}
	out := fs.Arg(0)
	if isPostgres(*dsn) {
		if err := store.BackupPostgres(ctx, *dsn, out); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "backup of %s written to %s (pg_dump custom format; restore with baqylau restore or pg_restore)\n", redactDSN(*dsn), out)
		return nil
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	info, err := db.Backup(ctx, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup of %s written to %s and checked: schema version %d, %d reports, %d incidents, %d bytes\n",
		*dsn, out, info.SchemaVersion, info.Reports, info.Incidents, info.Bytes)
	return nil
}

// restore puts a backup in place of the database named by --db, which no
// server may be using. The backup is checked first; a target that holds
// data is replaced only with --force.
func (e env) restore(ctx context.Context, args []string) error {
	fs, dsn := e.flags("restore")
	force := fs.Bool("force", false, "replace a target database that holds data")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("restore needs one backup FILE (and --db, the database to restore into)")
	}
	from := fs.Arg(0)
	if isPostgres(*dsn) {
		if err := store.RestorePostgres(ctx, from, *dsn, *force); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s restored into %s\n", from, redactDSN(*dsn))
		return nil
	}
	info, err := store.Restore(ctx, from, *dsn, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s restored into %s: schema version %d, %d reports, %d incidents (a newer baqylau migrates it forward when it starts)\n",
		from, *dsn, info.SchemaVersion, info.Reports, info.Incidents)
	return nil
}
