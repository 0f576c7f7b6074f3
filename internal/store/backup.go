package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/baqylau/baqylau"
)

// Backups of SQLite. A backup is taken with VACUUM INTO on a connection
// of its own: it reads one snapshot (WAL lets the writer go on meanwhile)
// and writes a compact copy that holds every transaction committed before
// it began, so every report acknowledged by then. The copy is written
// beside the target under a temporary name, checked, and only then renamed
// into place: a backup file that exists is a whole one.
//
// PostgreSQL is backed up with its own tools (pg_dump, pg_restore): see
// docs/operations.md.

// sqliteMagic opens every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// Backup writes a consistent copy of the SQLite database to path and
// checks it. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, path string) (BackupInfo, error) {
	if db.dialect != SQLite {
		return BackupInfo{}, baqylau.Errorf(baqylau.EINVALID, "store: backup: PostgreSQL is backed up with pg_dump (see docs/operations.md)")
	}
	if _, err := os.Stat(path); err == nil {
		return BackupInfo{}, baqylau.Errorf(baqylau.ECONFLICT, "store: backup: %s exists already: choose a new name", path)
	}
	tmp, err := tempName(path)
	if err != nil {
		return BackupInfo{}, err
	}
	defer os.Remove(tmp) // gone once renamed
	// A connection of its own (the readers are query_only, which forbids
	// VACUUM even INTO another file); VACUUM INTO only reads the source,
	// in one read transaction, so the writer goes on meanwhile.
	src, err := sql.Open("sqlite", db.path+sqliteParams(db.path, "_pragma=busy_timeout(10000)"))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	_, err = src.ExecContext(ctx, "VACUUM INTO ?", tmp)
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup into %s: %w", path, err)
	}
	info, err := VerifyBackup(ctx, tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup just written fails its check: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	// Link, not rename: it fails if path appeared meanwhile instead of
	// replacing it.
	if err := os.Link(tmp, path); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return BackupInfo{}, err
	}
	return info, nil
}

// BackupInfo describes a checked backup.
type BackupInfo struct {
	SchemaVersion int   // the last migration the backup has
	Bytes         int64 // its size
	Reports       int64 // reports it holds
	Incidents     int64 // incidents it holds
}

// VerifyBackup checks that path is a whole SQLite database of Baqylau:
// the file's header, SQLite's integrity check, and a schema version this
// binary knows. It opens the file read-only and changes nothing.
func VerifyBackup(ctx context.Context, path string) (BackupInfo, error) {
	var info BackupInfo
	f, err := os.Open(path)
	if err != nil {
		return info, fmt.Errorf("store: verify backup: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return info, fmt.Errorf("store: verify backup: %w", err)
	}
	info.Bytes = st.Size()
	head := make([]byte, 100)
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || !bytes.HasPrefix(head, []byte(sqliteMagic)) {
		return info, baqylau.Errorf(baqylau.EINVALID, "store: %s is not a SQLite database (truncated or another kind of file)", path)
	}
	// The header says how many pages the database has: a file shorter than
	// that was cut off (integrity_check may not read past its end).
	pageSize := int64(head[16])<<8 | int64(head[17])
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(head[28])<<24 | int64(head[29])<<16 | int64(head[30])<<8 | int64(head[31])
	if pages > 0 && pageSize*pages > info.Bytes {
		return info, baqylau.Errorf(baqylau.EINVALID, "store: %s is truncated: %d bytes of %d", path, info.Bytes, pageSize*pages)
	}
	// immutable=1: a backup has no WAL beside it, and SQLite must not try
	// to create one (or change anything) next to the file checked.
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return info, fmt.Errorf("store: verify backup: %w", err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return info, baqylau.Errorf(baqylau.EINVALID, "store: %s fails SQLite's integrity check: %v", path, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return info, baqylau.Errorf(baqylau.EINVALID, "store: %s fails SQLite's integrity check: %v", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], "…")
		}
		return info, baqylau.Errorf(baqylau.EINVALID, "store: %s fails SQLite's integrity check: %v %s", path, err, strings.Join(problems, "; "))
	}
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&info.SchemaVersion); err != nil {
		return info, baqylau.Errorf(baqylau.EINVALID, "store: %s is not a Baqylau database: %v", path, err)
	}
	known, err := loadMigrations(SQLite)
	if err != nil {
		return info, err
	}
	if info.SchemaVersion < 1 || info.SchemaVersion > len(known) {
		return info, baqylau.Errorf(baqylau.EINVALID, "store: %s has schema version %d; this baqylau knows 1 to %d", path, info.SchemaVersion, len(known))
	}
	if err := conn.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM incidents)").Scan(&info.Reports, &info.Incidents); err != nil {
		return info, baqylau.Errorf(baqylau.EINVALID, "store: %s: count reports: %v", path, err)
	}
	return info, nil
}

// Restore puts the backup at from in place of the SQLite database at to,
// which no server may be using. The backup is checked first, copied beside
// the target under a temporary name, checked again, and only then renamed
// over it: a backup that fails its check, or a copy that fails, leaves the
// target as it was. An existing non-empty target is refused unless force.
func Restore(ctx context.Context, from, to string, force bool) (BackupInfo, error) {
	if strings.Contains(to, "://") {
		return BackupInfo{}, baqylau.Errorf(baqylau.EINVALID, "store: restore: PostgreSQL is restored with pg_restore (see docs/operations.md)")
	}
	info, err := VerifyBackup(ctx, from)
	if err != nil {
		return info, err
	}
	if st, err := os.Stat(to); err == nil && st.Size() > 0 && !force {
		return info, baqylau.Errorf(baqylau.ECONFLICT, "store: restore: %s exists and is not empty: give --force to replace it", to)
	}
	tmp, err := tempName(to)
	if err != nil {
		return info, err
	}
	defer os.Remove(tmp)
	if err := copyFile(from, tmp); err != nil {
		return info, fmt.Errorf("store: restore: %w", err)
	}
	if _, err := VerifyBackup(ctx, tmp); err != nil {
		return info, fmt.Errorf("store: restore: the copy fails its check: %w", err)
	}
	// The old database's WAL belongs to it: left beside the restored file,
	// SQLite would replay it into the wrong database.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(to + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return info, fmt.Errorf("store: restore: %w", err)
		}
	}
	if err := os.Rename(tmp, to); err != nil {
		return info, fmt.Errorf("store: restore: %w", err)
	}
	return info, syncDir(filepath.Dir(to))
}

// sqliteParams appends DSN parameters to a SQLite path.
func sqliteParams(path, params string) string {
	if strings.Contains(path, "?") {
		return "&" + params
	}
	return "?" + params
}

// tempName returns an unused name beside path.
func tempName(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	name := f.Name()
	f.Close()
	// VACUUM INTO wants a file that does not exist (or is empty).
	return name, os.Remove(name)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		return errors.Join(err, dst.Close())
	}
	if err := dst.Sync(); err != nil {
		return errors.Join(err, dst.Close())
	}
	return dst.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := f.Sync(); err != nil {
		return errors.Join(fmt.Errorf("store: sync %s: %w", path, err), f.Close())
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	return nil
}
