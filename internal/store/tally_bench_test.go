package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/tally"
)

// The size of the turnout target (DESIGN.md): a million stations, ten
// reports each (BAQYLAU_BENCH_STATIONS sets another number of stations,
// for a quick try of the benchmark itself).
var benchStations = func() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("BAQYLAU_BENCH_STATIONS"), &n); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}()

const benchPerSt = 10

// benchCountries are the countries of the stations abroad (one in fifty).
var benchCountries = []struct{ code, zone string }{
	{"US", "America/Los_Angeles"}, {"US", "America/New_York"}, {"DE", "Europe/Berlin"}, {"RU", "Europe/Moscow"},
	{"TR", "Europe/Istanbul"}, {"CN", "Asia/Shanghai"}, {"GB", "Europe/London"}, {"KR", "Asia/Seoul"},
	{"AE", "Asia/Dubai"}, {"UZ", "Asia/Tashkent"}, {"KG", "Asia/Bishkek"}, {"FR", "Europe/Paris"},
	{"JP", "Asia/Tokyo"}, {"IT", "Europe/Rome"}, {"CZ", "Europe/Prague"}, {"PL", "Europe/Warsaw"},
}

// benchStation returns station i's columns: code, region, country, zone,
// registered voters.
func benchStation(i int, regions []election.Region) (code, region, country, zone string, registered int) {
	code = fmt.Sprintf("S%07d", i)
	registered = 500 + i%2500
	if i%50 == 0 {
		c := benchCountries[(i/50)%len(benchCountries)]
		return code, "", c.code, c.zone, registered
	}
	return code, regions[i%len(regions)].Code, "KZ", "Asia/Almaty", registered
}

// benchReport returns report j of station i: hourly cumulative counts
// from 08:00 (Astana, UTC+5) and a closing report last.
func benchReport(i, j, registered int) (form string, at time.Time, ballots int) {
	at = time.Date(2026, 3, 15, 3+j, i%60, 0, 0, time.UTC)
	form = string(report.Turnout)
	if j == benchPerSt-1 {
		form = string(report.Closing)
	}
	return form, at, (j + 1) * registered * 7 / (10 * benchPerSt)
}

var stationBulkCols = []string{"election_id", "code", "name", "region", "district", "country", "city", "address", "time_zone",
	"registered_voters", "opens_min", "closes_min", "search_text", "updated_at"}

var reportBulkCols = []string{"client_id", "election_id", "station_code", "form", "form_version", "channel", "observed_at",
	"received_at", "answers", "flags", "receipt", "ballots_cast"}

// bulkLoad fills an election with benchStations stations and
// benchStations × benchPerSt reports directly in the tables (COPY on
// PostgreSQL, multi-row INSERTs on SQLite), then rebuilds its tally.
func bulkLoad(b *testing.B, db *store.DB, electionID int64) {
	ctx := context.Background()
	regions := election.Regions(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
	updated := store.BenchTime(db, time.Now())
	station := func(i int) []any {
		code, region, country, zone, reg := benchStation(i, regions)
		return []any{electionID, code, "Station " + code, region, "", country, "", "", zone, reg, 7 * 60, 20 * 60,
			strings.ToLower(code), updated}
	}
	rep := func(n int) []any {
		i, j := n/benchPerSt, n%benchPerSt
		_, _, _, _, reg := benchStation(i, regions)
		form, at, ballots := benchReport(i, j, reg)
		t := store.BenchTime(db, at)
		return []any{fmt.Sprintf("bench-%07d-%d", i, j), electionID, fmt.Sprintf("S%07d", i), form, 1, "web", t, t,
			fmt.Sprintf(`{"ballots_cast":%d}`, ballots), "[]", "bench", ballots}
	}
	start := time.Now()
	if db.Dialect() == store.Postgres {
		copyRows(b, db, "stations", stationBulkCols, benchStations, station)
		b.Logf("%s: %d stations copied in %s", db.Dialect(), benchStations, time.Since(start).Round(time.Second))
		start = time.Now()
		copyRows(b, db, "reports", reportBulkCols, benchStations*benchPerSt, rep)
	} else {
		insertRows(b, db, "stations", stationBulkCols, benchStations, station)
		b.Logf("%s: %d stations inserted in %s", db.Dialect(), benchStations, time.Since(start).Round(time.Second))
		start = time.Now()
		insertRows(b, db, "reports", reportBulkCols, benchStations*benchPerSt, rep)
	}
	b.Logf("%s: %d reports loaded in %s", db.Dialect(), benchStations*benchPerSt, time.Since(start).Round(time.Second))
	start = time.Now()
	if err := db.RebuildTally(ctx, electionID); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: tally rebuilt from all reports in %s", db.Dialect(), time.Since(start).Round(time.Second))
	if db.Dialect() == store.Postgres {
		if _, err := store.BenchWriter(db).ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
}

// copyRows COPYs n rows into a PostgreSQL table.
func copyRows(b *testing.B, db *store.DB, table string, cols []string, n int, row func(i int) []any) {
	ctx := context.Background()
	c, err := store.BenchWriter(db).Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols,
			pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
		return err
	})
	if err != nil {
		b.Fatalf("copy into %s: %v", table, err)
	}
}

// insertRows inserts n rows into a SQLite table, 50,000 to a transaction.
func insertRows(b *testing.B, db *store.DB, table string, cols []string, n int, row func(i int) []any) {
	ctx := context.Background()
	per := 4000 / len(cols)
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	full := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", per), ",")
	w := store.BenchWriter(db)
	for start := 0; start < n; start += 50_000 {
		err := func() error {
			tx, err := w.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback() }() // a no-op after Commit
			stmt, err := tx.PrepareContext(ctx, full)
			if err != nil {
				return err
			}
			defer stmt.Close()
			end := min(start+50_000, n)
			args := make([]any, 0, per*len(cols))
			for i := start; i < end; i += per {
				args = args[:0]
				k := min(per, end-i)
				for r := range k {
					args = append(args, row(i+r)...)
				}
				if k == per {
					_, err = stmt.ExecContext(ctx, args...)
				} else {
					q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", k), ",")
					_, err = tx.ExecContext(ctx, q, args...)
				}
				if err != nil {
					return err
				}
			}
			return tx.Commit()
		}()
		if err != nil {
			b.Fatalf("insert into %s: %v", table, err)
		}
	}
}

// BenchmarkTurnout measures the turnout of an election of a million
// stations and ten million reports (DESIGN.md's target: under 20 ms, no
// older than 1 s) on each engine: computed afresh from the kept sums
// (what happens once a second at most), served from the cache, as of a
// past moment, over the day, and what the tally adds to saving a batch of
// reports at that size. Loading the data takes minutes, so it runs only
// with BAQYLAU_BENCH_BIG=1 (see docs/benchmarks.md).
func BenchmarkTurnout(b *testing.B) {
	if testing.Short() || os.Getenv("BAQYLAU_BENCH_BIG") != "1" {
		b.Skip("set BAQYLAU_BENCH_BIG=1 (and no -short) to load a million stations and ten million reports")
	}
	ctx := context.Background()
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine)
			e := mustElection(b, db, "Bench", "2026-03-15")
			bulkLoad(b, db, e.ID)
			groups, err := db.TallyGroups(ctx, e.ID)
			if err != nil {
				b.Fatal(err)
			}
			t := tally.Summarise(groups)
			if n := int64(benchStations); t.StationsTotal != n || t.StationsReporting != n || t.StationsClosed != n {
				b.Fatalf("tally = %+v", t.Sums)
			}
			p, _ := t.Percent()
			b.Logf("%s: %d groups; %d ballots at %d stations, %.1f%%", engine, len(groups), t.BallotsCast, t.StationsReporting, p)

			b.Run("fresh", func(b *testing.B) {
				svc := tally.NewService(db, tally.Options{TTL: time.Nanosecond}) // every call computes
				for b.Loop() {
					if _, err := svc.Turnout(ctx, e.ID, time.Time{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("cached", func(b *testing.B) {
				svc := tally.NewService(db, tally.Options{})
				if _, err := svc.Turnout(ctx, e.ID, time.Time{}); err != nil { // the one computation
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := svc.Turnout(ctx, e.ID, time.Time{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("at", func(b *testing.B) {
				svc := tally.NewService(db, tally.Options{TTL: time.Nanosecond})
				at := time.Date(2026, 3, 15, 7, 30, 0, 0, time.UTC)
				for b.Loop() {
					if _, err := svc.Turnout(ctx, e.ID, at); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("series", func(b *testing.B) {
				svc := tally.NewService(db, tally.Options{TTL: time.Nanosecond})
				for b.Loop() {
					if _, err := svc.Series(ctx, e, time.Hour); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("save256", func(b *testing.B) {
				regions := election.Regions(e.Date)
				n := 0
				for b.Loop() {
					batch := make([]report.Report, 256)
					for k := range batch {
						i := (n*256 + k) * 3881 % benchStations
						code, _, _, _, reg := benchStation(i, regions)
						batch[k] = turnoutReport(e.ID, fmt.Sprintf("more-%d-%d", n, k), code,
							time.Date(2026, 3, 15, 9, k%60, 0, 0, time.UTC), reg/3)
					}
					n++
					if _, err := db.SaveReports(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
