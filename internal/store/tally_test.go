package store_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/tally"
)

// tallyFixture is an election with three stations at home (A and B in
// KZ-75, C in KZ-35 without reports) and three abroad (US1, US2 in the
// United States, DE1 in Germany).
func tallyFixture(t *testing.T, db *store.DB) election.Election {
	t.Helper()
	e := mustElection(t, db, "Turnout", "2026-03-15")
	b := homeStation("B", "B", "KZ-75", "", "Алматы")
	b.RegisteredVoters = 800
	c := homeStation("C", "C", "KZ-35", "", "Караганда")
	c.RegisteredVoters = 500
	us2 := abroadStation("US2", "US", "New York", "America/New_York")
	us2.RegisteredVoters = 300
	de := abroadStation("DE1", "DE", "Berlin", "Europe/Berlin")
	de.RegisteredVoters = 200
	_, err := db.ImportStations(context.Background(), e.ID, []election.Station{
		homeStation("A", "A", "KZ-75", "", "Алматы"), b, c,
		abroadStation("US1", "US", "San Francisco", "America/Los_Angeles"), us2, de,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func closingReport(electionID int64, clientID, station string, at time.Time, ballots string) report.Report {
	r := turnoutReport(electionID, clientID, station, at, 0)
	r.Form = report.Closing
	r.Answers = map[string]json.RawMessage{"ballots_cast": json.RawMessage(ballots)}
	return r
}

func tallySave(t *testing.T, db *store.DB, batch ...report.Report) {
	t.Helper()
	if _, err := db.SaveReports(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

func liveTurnout(t *testing.T, db *store.DB, electionID int64) tally.Turnout {
	t.Helper()
	groups, err := db.TallyGroups(context.Background(), electionID)
	if err != nil {
		t.Fatal(err)
	}
	return tally.Summarise(groups)
}

func tallySums(total, registered, reporting, reportingRegistered, ballots, closed int64) tally.Sums {
	return tally.Sums{StationsTotal: total, RegisteredVoters: registered, StationsReporting: reporting,
		ReportingRegistered: reportingRegistered, BallotsCast: ballots, StationsClosed: closed}
}

// checkRebuild proves that the sums kept incrementally are what a rebuild
// from scratch computes, live and minute by minute.
func checkRebuild(t *testing.T, db *store.DB, electionID int64) {
	t.Helper()
	ctx := context.Background()
	before, err := db.TallyGroups(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	minutes, err := db.TallyMinutes(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RebuildTally(ctx, electionID); err != nil {
		t.Fatal(err)
	}
	after, err := db.TallyGroups(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt, err := db.TallyMinutes(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	order := func(a, b tally.Group) int {
		if a.Region+"/"+a.Country < b.Region+"/"+b.Country {
			return -1
		}
		return 1
	}
	slices.SortFunc(before, order)
	slices.SortFunc(after, order)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("kept sums differ from rebuilt ones:\nkept    %+v\nrebuilt %+v", before, after)
	}
	if !reflect.DeepEqual(minutes, rebuilt) {
		t.Errorf("kept steps differ from rebuilt ones:\nkept    %+v\nrebuilt %+v", minutes, rebuilt)
	}
}

func TestTally(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := tallyFixture(t, db)
		at := func(h, m int) time.Time { return time.Date(2026, 3, 15, h, m, 0, 0, time.UTC) }

		// Before any report: stations and voters, nothing reporting.
		got := liveTurnout(t, db, e.ID)
		if want := tallySums(6, 2900, 0, 0, 0, 0); got.Sums != want {
			t.Errorf("empty tally = %+v, want %+v", got.Sums, want)
		}
		if _, ok := got.Percent(); ok {
			t.Errorf("a percentage with no station reporting")
		}

		tallySave(t, db,
			turnoutReport(e.ID, "a1", "A", at(4, 0), 100),
			turnoutReport(e.ID, "a2", "A", at(7, 0), 300),
			turnoutReport(e.ID, "b1", "B", at(5, 0), 200),
			turnoutReport(e.ID, "us1", "US1", at(17, 0), 50),
		)
		// A late report observed before A's latest does not lower A; a
		// newer one for B replaces B's; a retry changes nothing, even
		// with other answers; a closing report without a usable count
		// closes DE1 without making it report.
		dup := turnoutReport(e.ID, "a2", "A", at(8, 0), 999)
		tallySave(t, db, turnoutReport(e.ID, "a3", "A", at(6, 0), 250), turnoutReport(e.ID, "b2", "B", at(10, 0), 400), dup,
			closingReport(e.ID, "de1", "DE1", at(19, 5), `"many"`))
		tallySave(t, db, dup, closingReport(e.ID, "a4", "A", at(15, 5), "700"))

		got = liveTurnout(t, db, e.ID)
		// A 700 (closed), B 400, US1 50; DE1 closed.
		if want := tallySums(6, 2900, 3, 1900, 1150, 2); got.Sums != want {
			t.Errorf("national = %+v, want %+v", got.Sums, want)
		}
		if p, ok := got.Percent(); !ok || p != 60.5 {
			t.Errorf("turnout %v %v, want 60.5", p, ok)
		}
		if want := tallySums(3, 2300, 2, 1800, 1100, 1); got.Home != want {
			t.Errorf("home = %+v, want %+v", got.Home, want)
		}
		if want := tallySums(3, 600, 1, 100, 50, 1); got.Abroad != want {
			t.Errorf("abroad = %+v, want %+v", got.Abroad, want)
		}
		wantRegions := []tally.Part{{Code: "KZ-35", Sums: tallySums(1, 500, 0, 0, 0, 0)}, {Code: "KZ-75", Sums: tallySums(2, 1800, 2, 1800, 1100, 1)}}
		if !reflect.DeepEqual(got.ByRegion, wantRegions) {
			t.Errorf("by region = %+v, want %+v", got.ByRegion, wantRegions)
		}
		wantCountries := []tally.Part{{Code: "DE", Sums: tallySums(1, 200, 0, 0, 0, 1)}, {Code: "US", Sums: tallySums(2, 400, 1, 100, 50, 0)}}
		if !reflect.DeepEqual(got.ByCountry, wantCountries) {
			t.Errorf("by country = %+v, want %+v", got.ByCountry, wantCountries)
		}

		// As of 06:30 the late report is A's latest; B has 200.
		groups, err := db.TallyGroupsAt(ctx, e.ID, at(6, 30))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tally.Summarise(groups).Sums, tallySums(6, 2900, 2, 1800, 450, 0); got != want {
			t.Errorf("as of 06:30 = %+v, want %+v", got, want)
		}
		// The minute counts whole: as of 05:00 includes B's 05:00 report.
		groups, err = db.TallyGroupsAt(ctx, e.ID, at(5, 0).Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tally.Summarise(groups).Sums, tallySums(6, 2900, 2, 1800, 300, 0); got != want {
			t.Errorf("as of 05:00 = %+v, want %+v", got, want)
		}
		checkRebuild(t, db, e.ID)

		// A station that reported moves region and gains voters: its
		// figures move with it.
		b := homeStation("B", "B", "KZ-35", "", "Караганда")
		b.RegisteredVoters = 900
		if _, err := db.ImportStations(ctx, e.ID, []election.Station{b}); err != nil {
			t.Fatal(err)
		}
		got = liveTurnout(t, db, e.ID)
		if want := tallySums(6, 3000, 3, 2000, 1150, 2); got.Sums != want {
			t.Errorf("after the move = %+v, want %+v", got.Sums, want)
		}
		wantRegions = []tally.Part{{Code: "KZ-35", Sums: tallySums(2, 1400, 1, 900, 400, 0)}, {Code: "KZ-75", Sums: tallySums(1, 1000, 1, 1000, 700, 1)}}
		if !reflect.DeepEqual(got.ByRegion, wantRegions) {
			t.Errorf("by region after the move = %+v, want %+v", got.ByRegion, wantRegions)
		}
		// Moved, then reported again before the tally was read.
		b.RegisteredVoters = 1000
		if _, err := db.ImportStations(ctx, e.ID, []election.Station{b}); err != nil {
			t.Fatal(err)
		}
		tallySave(t, db, turnoutReport(e.ID, "b3", "B", at(11, 0), 450))
		got = liveTurnout(t, db, e.ID)
		if want := tallySums(6, 3100, 3, 2100, 1200, 2); got.Sums != want {
			t.Errorf("after the second move = %+v, want %+v", got.Sums, want)
		}
		checkRebuild(t, db, e.ID)
	})
}

// TestTallyConcurrent saves reports for the same stations from many
// goroutines, out of order, and checks the sums against a rebuild.
func TestTallyConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := tallyFixture(t, db)
		stations := []string{"A", "B", "C", "US1", "US2", "DE1"}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for i := range 10 {
					var batch []report.Report
					for j, st := range stations {
						n := (w*7 + i*3 + j) % 40
						batch = append(batch, turnoutReport(e.ID, "w"+tallyItoa(w)+"-"+tallyItoa(i)+"-"+st, st,
							time.Date(2026, 3, 15, 3+n%12, n, 0, 0, time.UTC), n*10))
					}
					if _, err := db.SaveReports(context.Background(), batch); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		checkRebuild(t, db, e.ID)
	})
}

func tallyItoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestClosingSlots(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := tallyFixture(t, db)
		slots, err := db.ClosingSlots(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) != 4 || slots[0].TimeZone != "America/Los_Angeles" || slots[3].TimeZone != "Europe/Berlin" && slots[3].TimeZone != "Asia/Almaty" {
			t.Errorf("slots = %+v", slots)
		}
		tallySave(t, db, closingReport(e.ID, "c1", "US1", time.Date(2026, 3, 16, 3, 5, 0, 0, time.UTC), "60"))
		list, err := db.ClosingStations(ctx, e.ID, tally.Slot{TimeZone: "America/Los_Angeles", Closes: election.DefaultCloses}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Station.Code != "US1" || !list[0].Closed || list[0].Station.City != "San Francisco" {
			t.Errorf("closing stations = %+v", list)
		}
	})
}

// TestTallyKeptStateMatchesRebuild saves random days of reports — mostly
// in order of observation, some late, some closing, with sub-second times
// and ties — and checks the sums kept from each station's latest state
// against a rebuild, twice: the second round folds onto the states the
// rebuild wrote.
func TestTallyKeptStateMatchesRebuild(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := tallyFixture(t, db)
		rng := rand.New(rand.NewPCG(7, 11))
		stations := []string{"A", "B", "C", "US1", "US2", "DE1"}
		clock := map[string]time.Time{}
		seq := 0
		for round := range 2 {
			for range 25 {
				var batch []report.Report
				for range 1 + rng.IntN(8) {
					st := stations[rng.IntN(len(stations))]
					if clock[st].IsZero() {
						clock[st] = time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)
					}
					at := clock[st].Add(time.Duration(rng.IntN(600)) * 100 * time.Millisecond)
					if rng.IntN(5) == 0 {
						at = clock[st].Add(-time.Duration(rng.IntN(3600)) * time.Second) // late
					} else {
						clock[st] = at
					}
					seq++
					id := "k" + strconv.Itoa(seq)
					if rng.IntN(6) == 0 {
						batch = append(batch, closingReport(e.ID, id, st, at, strconv.Itoa(rng.IntN(900))))
					} else {
						batch = append(batch, turnoutReport(e.ID, id, st, at, rng.IntN(900)))
					}
				}
				tallySave(t, db, batch...)
			}
			t.Logf("round %d: %d reports", round, seq)
			checkRebuild(t, db, e.ID)
		}
	})
}

// TestTallyAfterAnotherWriter saves a report through a second DB on the
// same SQLite file (as another process would) between two batches of the
// first: the first must not fold its next report for that station onto
// the state it wrote itself before.
func TestTallyAfterAnotherWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.db")
	open := func() *store.DB {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	first, second := open(), open()
	e := tallyFixture(t, first)
	at := func(h int) time.Time { return time.Date(2026, 3, 15, h, 0, 0, 0, time.UTC) }
	tallySave(t, first, turnoutReport(e.ID, "b1", "B", at(5), 200))
	tallySave(t, first, turnoutReport(e.ID, "b2", "B", at(6), 300)) // folded from the state the first batch left
	tallySave(t, second, turnoutReport(e.ID, "b9", "B", at(9), 500))
	// Observed after b2, the latest the first DB wrote, but before b9.
	tallySave(t, first, turnoutReport(e.ID, "b3", "B", at(7), 400))
	got := liveTurnout(t, first, e.ID)
	if want := tallySums(6, 2900, 1, 800, 500, 0); got.Sums != want {
		t.Errorf("tally = %+v, want %+v (B at 500, from the other writer's later report)", got.Sums, want)
	}
	checkRebuild(t, first, e.ID)
}
