package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// upgradeRows are rows a database holds at each schema version, inserted
// right after the migration that made their tables: a database that lived
// through the versions. Versions without rows (placeholders, changes to
// existing tables) need none; a new migration that adds a table should add
// its rows here.
var upgradeRows = map[int][]string{
	1: {
		`INSERT INTO users (email, role, region, password_hash, created_at) VALUES ('hq.upgrade@example.org', 'admin', '', 'x', '2024-03-01T05:00:00.000000Z')`,
		`INSERT INTO elections (name, kind, day, time_zone, created_at) VALUES ('Upgrade election', 'presidential', '2024-03-01', 'Asia/Almaty', '2024-02-01T05:00:00.000000Z')`,
		`INSERT INTO stations (election_id, code, name, region, district, country, city, address, time_zone, registered_voters, opens_min, closes_min, search_text, updated_at)
		 VALUES (1, 'U-001', 'School 1', 'KZ-75', 'Bostandyk', 'KZ', 'Almaty', '', 'Asia/Almaty', 1000, 420, 1200, 'u-001 school 1', '2024-02-01T05:00:00.000000Z')`,
	},
	2: {
		`INSERT INTO organizations (name, name_key, kind, country, created_at) VALUES ('Upgrade NGO', 'upgrade ngo', 'domestic_ngo', 'KZ', '2024-02-01T05:00:00.000000Z')`,
		`INSERT INTO observers (number, kind, full_name, search_text, organization_id, country, status, email, phone, created_at, updated_at)
		 VALUES ('OBS-000001', 'observer', 'Upgrade Observer', 'upgrade observer obs-000001', 1, 'KZ', 'accredited', 'upgrade.obs@example.org', '+7 701 000 0001', '2024-02-01T05:00:00.000000Z', '2024-02-01T05:00:00.000000Z')`,
	},
	3: {
		`INSERT INTO reports (client_id, election_id, station_code, form, form_version, observer_id, channel, observed_at, received_at, answers, receipt)
		 VALUES ('up-r1', 1, 'U-001', 'turnout', 1, 1, 'web', '2024-03-01T06:00:00.000000Z', '2024-03-01T06:00:01.000000Z', '{"ballots_cast":420}', 'r1receipt')`,
		`INSERT INTO incidents (client_id, election_id, station_code, region, category, severity, description, status, observer_id, channel, observed_at, received_at, receipt)
		 VALUES ('up-i1', 1, 'U-001', 'KZ-75', 'carousel', 'high', 'a bus came twice', 'new', 1, 'web', '2024-03-01T07:00:00.000000Z', '2024-03-01T07:00:01.000000Z', 'i1receipt')`,
	},
	5: {
		`INSERT INTO telegram_links (chat_id, observer_id, linked_at) VALUES (4242, 1, '2024-03-01T05:00:00.000000Z')`,
	},
	6: {
		`INSERT INTO incident_decisions (incident_id, action, note, message, decided_by, decided_at) VALUES (1, 'claim', 'looking', '', 1, '2024-03-01T07:05:00.000000Z')`,
		`INSERT INTO observer_messages (incident_id, observer_id, channel, body, created_by, created_at) VALUES (1, 1, 'web', 'stay safe', 1, '2024-03-01T07:06:00.000000Z')`,
		`INSERT INTO complaints (incident_id, lang, commission, facts, articles, created_by, created_at) VALUES (1, 'ru', 'TEC 1', 'facts', '[]', 1, '2024-03-01T08:00:00.000000Z')`,
	},
}

// migrationFiles lists this dialect's migration files in order.
func migrationFiles(t *testing.T, dialect string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations for %s: %v", dialect, err)
	}
	sort.Strings(files)
	return files
}

// TestUpgradeFromEveryVersion creates, on each engine, a database at every
// schema version N (migrations 1..N, with the rows of their time), lets
// Open migrate it to the latest, and checks that every row is still there
// and reads as it should.
func TestUpgradeFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			files := migrationFiles(t, engine)
			for n := 1; n < len(files); n++ {
				t.Run(fmt.Sprintf("from_%d", n), func(t *testing.T) {
					dsn := storetest.DSN(t, engine)
					counts := buildAtVersion(t, engine, dsn, files[:n])
					db, err := store.Open(ctx, dsn)
					if err != nil {
						t.Fatalf("upgrade from %d: %v", n, err)
					}
					defer db.Close()
					if v, err := db.SchemaVersion(ctx); err != nil || v != len(files) {
						t.Fatalf("schema version after upgrade %d, %v; want %d", v, err, len(files))
					}
					raw := rawDB(t, engine, dsn)
					for table, want := range counts {
						var got int
						if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&got); err != nil {
							t.Errorf("table %s, there at version %d, is gone: %v", table, n, err)
						} else if got != want {
							t.Errorf("table %s: %d rows after the upgrade, %d before", table, got, want)
						}
					}
					checkUpgradedRows(t, db, n)
				})
			}
		})
	}
}

// rawDB opens the database without the store, for the schema of an old
// version.
func rawDB(t *testing.T, engine, dsn string) *sql.DB {
	t.Helper()
	driver, src := "pgx", dsn
	if engine == store.SQLite {
		driver, src = "sqlite", dsn+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// buildAtVersion applies the given migrations as the binary of that time
// would have, with the rows of their time, and returns the rows of each
// table.
func buildAtVersion(t *testing.T, engine, dsn string, files []string) map[string]int {
	t.Helper()
	ctx := context.Background()
	db := rawDB(t, engine, dsn)
	timeType := "TEXT"
	if engine == store.Postgres {
		timeType = "TIMESTAMPTZ"
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at "+timeType+" NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		v := i + 1
		if !strings.HasPrefix(filepath.Base(f), fmt.Sprintf("%04d_", v)) {
			t.Fatalf("migration %s is not number %d", f, v)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, '2024-01-01T00:00:00.000000Z')", v); err != nil {
			t.Fatal(err)
		}
		for _, q := range upgradeRows[v] {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				t.Fatalf("rows of version %d: %v\n%s", v, err, q)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	for v, qs := range upgradeRows {
		if v > len(files) {
			continue
		}
		for _, q := range qs {
			table := strings.Fields(strings.TrimPrefix(q, "INSERT INTO "))[0]
			counts[table] = 0
		}
	}
	for table := range counts {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

// checkUpgradedRows reads the old rows through the store, as the new
// binary does, and writes next to them.
func checkUpgradedRows(t *testing.T, db *store.DB, from int) {
	t.Helper()
	ctx := context.Background()
	el, err := db.Election(ctx, 1)
	if err != nil || el.Name != "Upgrade election" {
		t.Errorf("election after the upgrade: %+v, %v", el, err)
	}
	st, err := db.Station(ctx, 1, "U-001")
	if err != nil || st.RegisteredVoters != 1000 || st.Region != "KZ-75" {
		t.Errorf("station after the upgrade: %+v, %v", st, err)
	}
	if from >= 2 {
		o, err := db.Observer(ctx, 1)
		if err != nil || o.FullName != "Upgrade Observer" || o.Personal.Email != "upgrade.obs@example.org" || o.Personal.Phone != "+7 701 000 0001" {
			t.Errorf("observer after the upgrade: %+v, %v", o, err)
		}
	}
	if from >= 3 {
		rs, err := db.StationReports(ctx, 1, "U-001")
		if err != nil || len(rs) != 1 || rs[0].ClientID != "up-r1" || string(rs[0].Answers[report.QBallotsCast]) != "420" {
			t.Errorf("reports after the upgrade: %+v, %v", rs, err)
		}
		// The turnout figure of a report stored before ballots_cast had
		// a column of its own still counts.
		counts, err := db.StationCounts(ctx, 1, "U-001")
		if err != nil || len(counts) != 1 {
			t.Errorf("turnout counts after the upgrade: %+v, %v", counts, err)
		}
		groups, err := db.TallyGroups(ctx, 1)
		var cast int64
		for _, g := range groups {
			cast += g.BallotsCast
		}
		if err != nil || cast != 420 {
			t.Errorf("ballots cast in the tally after the upgrade: %d, %v; want 420", cast, err)
		}
		_, n, err := db.Incidents(ctx, report.IncidentQuery{ElectionID: 1})
		if err != nil || n != 1 {
			t.Errorf("incidents after the upgrade: %d, %v", n, err)
		}
	}
	if from >= 5 {
		if id, err := db.TelegramObserver(ctx, 4242); err != nil || id != 1 {
			t.Errorf("Telegram link after the upgrade: %d, %v", id, err)
		}
	}
	// New rows go on from the old ones.
	e := mustElection(t, db, "After the upgrade", "2025-01-01")
	if e.ID != 2 {
		t.Errorf("new election got id %s, want 2", strconv.FormatInt(e.ID, 10))
	}
}
