package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/people"
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

// erase erases personal data: one person's at their request (--person),
// or an election's once its retention period is over (--election with
// --older-than or $BAQYLAU_RETENTION). Each erasure is recorded; --log
// prints the record.
func (e env) erase(ctx context.Context, args []string) error {
	fs, dsn := e.flags("erase")
	person := fs.String("person", "", "the observer to erase: id, number (OBS-000123) or e-mail")
	electionID := fs.Int64("election", 0, "the election whose retention period is over")
	olderThan := fs.String("older-than", os.Getenv("BAQYLAU_RETENTION"), "retention period after election day, such as 180d or 4320h (env BAQYLAU_RETENTION)")
	by := fs.String("by", envOr("USER", "cli"), "who runs the erasure, for the record (default $USER)")
	showLog := fs.Bool("log", false, "print the record of erasures")
	if err := parse(fs, args); err != nil {
		return err
	}
	modes := 0
	for _, on := range []bool{*person != "", *electionID > 0, *showLog} {
		if on {
			modes++
		}
	}
	if modes != 1 || fs.NArg() != 0 {
		return usagef("erase needs one of --person ID|NUMBER|EMAIL, --election ID --older-than PERIOD, or --log")
	}
	var retention time.Duration
	if *electionID > 0 {
		var err error
		if retention, err = parseRetention(*olderThan); err != nil {
			return err
		}
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var rec people.Erasure
	switch {
	case *showLog:
		list, err := db.Erasures(ctx, 1000)
		if err != nil {
			return err
		}
		for _, r := range list {
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\tobserver=%d election=%d\tby %s\t%s\n", r.ID, r.At.Format(time.RFC3339), r.Scope, r.ObserverID, r.ElectionID, r.By, countsText(r.Counts))
		}
		return nil
	case *person != "":
		id, err := db.FindObserverForErasure(ctx, *person)
		if err != nil {
			return err
		}
		if rec, err = db.ErasePerson(ctx, id, *by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "observer %d erased (erasure %d): %s\n", id, rec.ID, countsText(rec.Counts))
	default:
		if rec, err = db.EraseElection(ctx, *electionID, retention, *by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "election %d: personal data erased (erasure %d): %s\n", *electionID, rec.ID, countsText(rec.Counts))
	}
	return nil
}

// parseRetention reads a period in days ("180d") or as a Go duration.
func parseRetention(s string) (time.Duration, error) {
	if s == "" {
		return 0, usagef("erase --election needs --older-than PERIOD (or BAQYLAU_RETENTION), such as 180d")
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, usagef("--older-than %q: give whole days such as 180d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usagef("--older-than %q: give days (180d) or hours (4320h)", s)
	}
	return d, nil
}

// countsText prints erasure counts in a stable order.
func countsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
