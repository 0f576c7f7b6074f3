package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestBackupRestoreCommands backs up with the command, restores on a
// "fresh machine" (another directory) and starts from the restored file.
func TestBackupRestoreCommands(t *testing.T) {
	db := storetest.DSN(t, "sqlite")
	if out, err := cli(t, "", "election", "add", "--db", db, "--name", "Backup day", "--kind", "presidential", "--date", "2024-05-01"); err != nil {
		t.Fatalf("election add: %v %s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	out, err := cli(t, "", "backup", "--db", db, backup)
	if err != nil || !strings.Contains(out, "checked: schema version") {
		t.Fatalf("backup: %v %s", err, out)
	}
	if _, err := cli(t, "", "backup", "--db", db, backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	target := filepath.Join(t.TempDir(), "restored.db")
	if out, err := cli(t, "", "restore", "--db", target, backup); err != nil || !strings.Contains(out, "restored into") {
		t.Fatalf("restore: %v %s", err, out)
	}
	if _, err := cli(t, "", "restore", "--db", target, backup); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over a database that holds data: %v, want a refusal naming --force", err)
	}
	if out, err := cli(t, "", "restore", "--force", "--db", target, backup); err != nil {
		t.Errorf("restore --force: %v %s", err, out)
	}
	if _, err := cli(t, "", "restore", "--db", filepath.Join(t.TempDir(), "x.db"), db+"-nonexistent"); err == nil {
		t.Errorf("restore of a missing file succeeded")
	}
	if out, err := cli(t, "", "election", "add", "--db", target, "--name", "After restore", "--kind", "presidential", "--date", "2024-06-01"); err != nil || strings.TrimSpace(out) != "2" {
		t.Errorf("the restored database does not go on from the backup: %v %q", err, out)
	}
}
