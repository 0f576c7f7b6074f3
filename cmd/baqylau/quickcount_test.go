package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestQuickCountRedraw redraws a sample from a stations file and from the
// same stations imported into each engine: an outsider with the file and
// the seed gets what the database gives.
func TestQuickCountRedraw(t *testing.T) {
	var b strings.Builder
	b.WriteString("code,name,region,country,city,timezone,registered_voters\n")
	regions := []string{"Almaty", "Astana", "Pavlodar"}
	for i := range 90 {
		city := "село Ақсу"
		if i%3 == 0 {
			city = "Town"
		}
		fmt.Fprintf(&b, "%c%02d,School %d,%s,KZ,%s,,%d\n", "zAb"[i%3], i, i, regions[i%3], city, 300+i*17)
	}
	b.WriteString("US-1,Embassy,,US,Washington,America/New_York,200\n")
	file := writeFile(t, "stations.csv", b.String())
	fromFile, err := cli(t, "", "quickcount", "redraw", "--seed", "published", "--stations", "20", file)
	if err != nil || !strings.HasPrefix(fromFile, "station,stratum,role,rank\n") || strings.Count(fromFile, ",sample,") < 20 || !strings.Contains(fromFile, ",reserve,") {
		t.Fatalf("redraw from the file: %v\n%s", err, fromFile)
	}
	if again, _ := cli(t, "", "quickcount", "redraw", "--seed", "published", "--stations", "20", file); again != fromFile {
		t.Error("the same seed redrew another sample")
	}
	if other, _ := cli(t, "", "quickcount", "redraw", "--seed", "another", "--stations", "20", file); other == fromFile {
		t.Error("another seed drew the same sample")
	}
	if _, err := cli(t, "", "quickcount", "redraw", file); err == nil || !strings.Contains(err.Error(), "--seed") {
		t.Errorf("redraw without a seed: %v", err)
	}
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db := storetest.DSN(t, engine)
			if out, err := cli(t, "", "election", "add", "--db", db, "--name", "P", "--kind", "presidential", "--date", "2026-03-15"); err != nil {
				t.Fatalf("election add: %v %s", err, out)
			}
			if out, err := cli(t, "", "import", "stations", "--db", db, "--election", "1", file); err != nil {
				t.Fatalf("import: %v %s", err, out)
			}
			fromDB, err := cli(t, "", "quickcount", "redraw", "--db", db, "--election", "1", "--seed", "published", "--stations", "20")
			if err != nil || fromDB != fromFile {
				t.Errorf("redraw from %s differs from the file's: %v\n%s", engine, err, fromDB)
			}
		})
	}
}
