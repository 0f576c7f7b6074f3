package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/baqylau/baqylau"
)

// PostgreSQL is backed up and restored with its own tools, pg_dump and
// pg_restore (custom format), which take a consistent snapshot of a
// running database. These helpers run them with the options Baqylau needs;
// docs/operations.md shows the same commands by hand.

// BackupPostgres dumps the database at dsn into path with pg_dump (custom
// format) and checks that pg_restore can read the dump. A dsn with a
// search_path dumps that schema only.
func BackupPostgres(ctx context.Context, dsn, path string) error {
	if _, err := os.Stat(path); err == nil {
		return baqylau.Errorf(baqylau.ECONFLICT, "store: backup: %s exists already: choose a new name", path)
	}
	conn, schema, pw, err := libpqURL(dsn)
	if err != nil {
		return err
	}
	tmp, err := tempName(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	args := []string{"--format=custom", "--no-owner", "--no-privileges", "--file=" + tmp}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	if err := runPG(ctx, pw, "pg_dump", append(args, conn)...); err != nil {
		return err
	}
	if err := checkDump(ctx, tmp); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// RestorePostgres loads a dump made by BackupPostgres into the database at
// dsn, in one transaction: a dump that fails to load leaves the database
// as it was. A database that already holds Baqylau's tables is refused
// unless force, which replaces them.
func RestorePostgres(ctx context.Context, path, dsn string, force bool) error {
	if err := checkDump(ctx, path); err != nil {
		return err
	}
	conn, _, pw, err := libpqURL(dsn)
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	var exists bool
	err = db.QueryRowContext(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	if exists && !force {
		return baqylau.Errorf(baqylau.ECONFLICT, "store: restore: the target database holds Baqylau's tables already: give --force to replace them")
	}
	args := []string{"--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--dbname=" + conn}
	if exists {
		args = append(args, "--clean", "--if-exists")
	}
	// The dump of one schema (BackupPostgres with a search_path) holds
	// that schema's creation: no --schema here, which would leave it out.
	return runPG(ctx, pw, "pg_restore", append(args, path)...)
}

// checkDump asks pg_restore to read the dump's table of contents, which
// fails on a file that is not a whole custom-format dump header.
func checkDump(ctx context.Context, path string) error {
	out, err := exec.CommandContext(ctx, "pg_restore", "--list", path).CombinedOutput()
	if err != nil {
		return baqylau.Errorf(baqylau.EINVALID, "store: %s is not a readable pg_dump custom-format file: %v: %s", path, err, strings.TrimSpace(string(out)))
	}
	if !bytes.Contains(out, []byte("schema_migrations")) {
		return baqylau.Errorf(baqylau.EINVALID, "store: %s is not a Baqylau database dump (no schema_migrations)", path)
	}
	return nil
}

// libpqURL turns a pgx URL into one the PostgreSQL tools read: they do not
// know search_path as a parameter, which becomes the schema to work on.
// The password leaves the URL, which other users can read in ps, for
// PGPASSWORD.
func libpqURL(dsn string) (conn, schema, password string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", "", baqylau.Errorf(baqylau.EINVALID, "store: bad PostgreSQL URL")
	}
	q := u.Query()
	schema = q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	return u.String(), schema, password, nil
}

// runPG runs a PostgreSQL tool; its error output (never the URL, which
// may hold a password) goes in the error.
func runPG(ctx context.Context, password, tool string, args ...string) error {
	if _, err := exec.LookPath(tool); err != nil {
		return fmt.Errorf("store: %s is not installed (Debian: apt install postgresql-client): %w", tool, err)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stderr = &stderr
	if password != "" {
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
	}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("store: %s failed (exit %d): %s", tool, exit.ExitCode(), msg)
		}
		return fmt.Errorf("store: %s: %w: %s", tool, err, msg)
	}
	return nil
}
