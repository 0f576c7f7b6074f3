package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/locale"
	"github.com/baqylau/baqylau/internal/people"
)

// TestEveryMessageTranslated finds the message ids the templates and
// handlers use and checks each is in every language.
func TestEveryMessageTranslated(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	tmplKey := regexp.MustCompile(`\bT "([a-z0-9_.]+)"`)
	goKey := regexp.MustCompile(`\.T\("([a-z0-9_.]+)"|newView\(r, "([a-z0-9_.]+)"`)
	err = fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if id := m[1] + m[2]; id != "" && !strings.HasSuffix(id, ".") {
				used[id] = true
			}
		}
	}
	// Keys built at run time.
	for _, r := range auth.Roles {
		used["role."+string(r)] = true
	}
	for _, k := range election.Kinds {
		used["kind."+string(k)] = true
	}
	for _, k := range people.OrgKinds {
		used["orgkind."+string(k)] = true
	}
	for _, st := range people.Statuses {
		used["status."+string(st)] = true
	}
	for _, k := range []string{"personkind.observer", "personkind.journalist", "missionrole.member", "missionrole.head",
		"missionrole.delegation_head", "verify.signin.invalid", "verify.signin.locked", "verify.signin.failed"} {
		used[k] = true
	}
	if len(used) < 50 {
		t.Fatalf("found only %d message ids; the scan is broken", len(used))
	}
	for id := range used {
		for _, lang := range locale.Languages {
			if !cat.IDs(lang)[id] {
				t.Errorf("message %q is used but missing in %s", id, lang)
			}
		}
	}
}
