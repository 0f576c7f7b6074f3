package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// forEachDB runs fn on a fresh database of each engine.
func forEachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	storetest.Run(t, fn)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := baqylau.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

func mustElection(t testing.TB, db *store.DB, name, day string, contests ...election.Contest) election.Election {
	t.Helper()
	d, err := election.ParseDate(day)
	if err != nil {
		t.Fatal(err)
	}
	e := election.Election{Name: name, Kind: election.Presidential, Date: d, Contests: contests}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateElection(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func ptr(f float64) *float64 { return &f }

// homeStation returns a valid station at home.
func homeStation(code, name, region, district, city string) election.Station {
	return election.Station{Code: code, Name: name, Region: region, District: district, Country: "KZ",
		City: city, Address: "ул. Абая, " + code, TimeZone: "Asia/Almaty", RegisteredVoters: 1000,
		Opens: election.DefaultOpens, Closes: election.DefaultCloses}
}

// abroadStation returns a valid station abroad.
func abroadStation(code, country, city, zone string) election.Station {
	return election.Station{Code: code, Name: "Embassy " + city, Country: country, City: city,
		Address: "1 Main St", TimeZone: zone, RegisteredVoters: 100,
		Opens: election.DefaultOpens, Closes: election.DefaultCloses, Latitude: ptr(37.7749), Longitude: ptr(-122.4194)}
}

func TestMigrateIdempotent(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			files, err := os.ReadDir(filepath.Join("migrations", engine))
			if err != nil {
				t.Fatal(err)
			}
			dsn := storetest.DSN(t, engine)
			for i := range 2 {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatalf("open #%d: %v", i+1, err)
				}
				if db.Dialect() != engine {
					t.Errorf("Dialect() = %q, want %q", db.Dialect(), engine)
				}
				if err := db.Migrate(ctx); err != nil {
					t.Errorf("migrate again: %v", err)
				}
				v, err := db.SchemaVersion(ctx)
				if err != nil || v != len(files) {
					t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, len(files))
				}
				if err := db.Ping(ctx); err != nil {
					t.Error(err)
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// A newer baqylau has migrated the database meanwhile.
			driver := map[string]string{store.SQLite: "sqlite", store.Postgres: "pgx"}[engine]
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (999, CURRENT_TIMESTAMP)"); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "version 999") {
				t.Errorf("Migrate() = %v, want a refusal naming version 999", err)
			}
			if db2, err := store.Open(ctx, dsn); err == nil {
				db2.Close()
				t.Fatal("Open succeeded on a database newer than the binary")
			} else if !strings.Contains(err.Error(), "newer baqylau") {
				t.Errorf("Open() error %q does not say to run a newer baqylau", err)
			}
		})
	}
}

func TestOpenRefusesMemory(t *testing.T) {
	if db, err := store.Open(context.Background(), ":memory:"); err == nil {
		db.Close()
		t.Fatal("Open(:memory:) succeeded; readers would not see the writer's data")
	}
}

func TestElections(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		if list, err := db.Elections(ctx); err != nil || len(list) != 0 {
			t.Fatalf("Elections() on an empty database = %v, %v", list, err)
		}
		almaty, err := time.LoadLocation("Asia/Almaty")
		if err != nil {
			t.Fatal(err)
		}
		created := time.Date(2024, 3, 1, 0, 30, 15, 123456789, almaty)
		old := election.Election{Name: "Президент 2022", Kind: election.Presidential, Date: time.Date(2022, 11, 20, 0, 0, 0, 0, time.UTC),
			TimeZone: "Asia/Almaty", CreatedAt: created,
			Contests: []election.Contest{{Name: "Президент"}, {Name: "Алматы маслихат", Region: "KZ-75"}}}
		if err := db.CreateElection(ctx, &old); err != nil {
			t.Fatal(err)
		}
		if old.ID == 0 || old.Contests[0].ID == 0 || old.Contests[1].ElectionID != old.ID {
			t.Fatalf("IDs not set: %+v", old)
		}
		if want := created.UTC().Truncate(time.Microsecond); !old.CreatedAt.Equal(want) || old.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v, want %v in UTC", old.CreatedAt, want)
		}
		got, err := db.Election(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, old) {
			t.Errorf("Election() =\n%+v\nwant\n%+v", got, old)
		}
		if got.CreatedAt.Location() != time.UTC || got.CreatedAt.Nanosecond() != 123456000 {
			t.Errorf("CreatedAt round trip = %v", got.CreatedAt)
		}

		newer := mustElection(t, db, "Мажилис 2023", "2023-03-19")
		ct := election.Contest{ElectionID: newer.ID, Name: "Party lists"}
		if err := db.AddContest(ctx, &ct); err != nil || ct.ID == 0 {
			t.Fatalf("AddContest() = %v, ID %d", err, ct.ID)
		}
		list, err := db.Elections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != newer.ID || list[1].ID != old.ID {
			t.Fatalf("Elections() = %+v, want newest date first", list)
		}
		if !reflect.DeepEqual(list[0].Contests, []election.Contest{ct}) || len(list[1].Contests) != 2 {
			t.Errorf("contests = %+v / %+v", list[0].Contests, list[1].Contests)
		}

		_, err = db.Election(ctx, 12345)
		wantCode(t, err, baqylau.ENOTFOUND)
		err = db.AddContest(ctx, &election.Contest{ElectionID: 12345, Name: "x"})
		wantCode(t, err, baqylau.ENOTFOUND)
	})
}

func TestImportStations(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		stations := []election.Station{
			homeStation("001", "Школа №1", "KZ-75", "Бостандыкский", "Алматы"),
			homeStation("002", "Школа №2", "KZ-71", "Есиль", "Астана"),
			abroadStation("900", "US", "San Francisco", "America/Los_Angeles"),
		}
		before := time.Now().Add(-time.Millisecond)
		sum, err := db.ImportStations(ctx, e.ID, stations)
		if err != nil {
			t.Fatal(err)
		}
		if sum != (election.ImportSummary{Created: 3}) {
			t.Errorf("first import = %+v, want 3 created", sum)
		}
		got, err := db.Station(ctx, e.ID, "900")
		if err != nil {
			t.Fatal(err)
		}
		if got.UpdatedAt.Location() != time.UTC || got.UpdatedAt.Before(before) || got.UpdatedAt.After(time.Now()) {
			t.Errorf("UpdatedAt = %v, want a UTC time of the import", got.UpdatedAt)
		}
		if got.ID == 0 || got.ElectionID != e.ID {
			t.Errorf("ID, ElectionID = %d, %d", got.ID, got.ElectionID)
		}
		got.ID, got.ElectionID, got.UpdatedAt = 0, 0, time.Time{}
		if !reflect.DeepEqual(got, stations[2]) {
			t.Errorf("Station() =\n%+v\nwant\n%+v", got, stations[2])
		}

		// Re-import: same codes update, a new code is created.
		stations[0].RegisteredVoters = 1234
		stations[0].Opens = election.Clock(8 * 60)
		stations[2].Latitude, stations[2].Longitude = nil, nil
		stations = append(stations, homeStation("003", "Школа №3", "KZ-79", "", "Шымкент"))
		sum, err = db.ImportStations(ctx, e.ID, stations)
		if err != nil {
			t.Fatal(err)
		}
		if sum != (election.ImportSummary{Created: 1, Updated: 3}) {
			t.Errorf("second import = %+v, want 1 created, 3 updated", sum)
		}
		for _, want := range stations {
			got, err := db.Station(ctx, e.ID, want.Code)
			if err != nil {
				t.Fatal(err)
			}
			got.ID, got.ElectionID, got.UpdatedAt = 0, 0, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("after re-import, Station(%s) =\n%+v\nwant\n%+v", want.Code, got, want)
			}
		}
		page, err := db.Stations(ctx, election.StationQuery{ElectionID: e.ID})
		if err != nil || page.Total != 4 {
			t.Fatalf("Stations() total = %d, %v; want 4", page.Total, err)
		}
		if sum, err := db.ImportStations(ctx, e.ID, nil); err != nil || sum != (election.ImportSummary{}) {
			t.Errorf("empty import = %+v, %v", sum, err)
		}

		_, err = db.Station(ctx, e.ID, "404")
		wantCode(t, err, baqylau.ENOTFOUND)
		if !strings.Contains(err.Error(), `store: find station "404"`) {
			t.Errorf("error %q lacks context", err)
		}
		other := mustElection(t, db, "Other", "2024-03-01")
		_, err = db.Station(ctx, other.ID, "001")
		wantCode(t, err, baqylau.ENOTFOUND)
	})
}

func TestImportStationsChangesNothingOnError(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		stations := []election.Station{homeStation("001", "A", "KZ-75", "", "Алматы")}

		_, err := db.ImportStations(ctx, e.ID+100, stations)
		wantCode(t, err, baqylau.ENOTFOUND)
		page, err := db.Stations(ctx, election.StationQuery{ElectionID: e.ID + 100})
		if err != nil || page.Total != 0 {
			t.Errorf("after a failed import: %d stations, %v", page.Total, err)
		}

		dup := append(stations, homeStation("002", "B", "KZ-75", "", "Алматы"), homeStation("001", "C", "KZ-75", "", "Алматы"))
		_, err = db.ImportStations(ctx, e.ID, dup)
		wantCode(t, err, baqylau.EINVALID)
		page, err = db.Stations(ctx, election.StationQuery{ElectionID: e.ID})
		if err != nil || page.Total != 0 {
			t.Errorf("after a refused import: %d stations, %v", page.Total, err)
		}
	})
}

// manyStations returns n home stations spread over regions and districts,
// coded S00000, S00001 ….
func manyStations(n int) []election.Station {
	regions := []string{"KZ-75", "KZ-71", "KZ-35"}
	out := make([]election.Station, n)
	for i := range out {
		r := regions[i%len(regions)]
		out[i] = homeStation(fmt.Sprintf("S%05d", i), fmt.Sprintf("Участок %d", i), r, fmt.Sprintf("District %d", i%7), "Город")
	}
	return out
}

func TestStationsQuery(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		stations := []election.Station{
			homeStation("A01", "Алматы, школа-гимназия №12", "KZ-75", "Бостандыкский", "Алматы"),
			homeStation("A02", "Лицей 50_50", "KZ-75", "Медеуский", "Алматы"),
			homeStation("K01", "ҚАРАҒАНДЫ мектебі", "KZ-35", "", "Қарағанды"),
			homeStation("N01", "School 7", "KZ-71", "Есиль", "Astana"),
			abroadStation("U01", "US", "San Francisco", "America/Los_Angeles"),
			abroadStation("U02", "US", "New York", "America/New_York"),
			abroadStation("T01", "TR", "Ankara", "Europe/Istanbul"),
		}
		if _, err := db.ImportStations(ctx, e.ID, stations); err != nil {
			t.Fatal(err)
		}
		yes, no := true, false
		tests := []struct {
			name string
			q    election.StationQuery
			want []string
		}{
			{"all", election.StationQuery{}, []string{"A01", "A02", "K01", "N01", "T01", "U01", "U02"}},
			{"region", election.StationQuery{Region: "KZ-75"}, []string{"A01", "A02"}},
			{"district", election.StationQuery{District: "Есиль"}, []string{"N01"}},
			{"country", election.StationQuery{Country: "us"}, []string{"U01", "U02"}},
			{"abroad", election.StationQuery{Abroad: &yes}, []string{"T01", "U01", "U02"}},
			{"home", election.StationQuery{Abroad: &no}, []string{"A01", "A02", "K01", "N01"}},
			{"cyrillic lower", election.StationQuery{Search: "алматы"}, []string{"A01", "A02"}},
			{"cyrillic exact", election.StationQuery{Search: "Алматы, школа"}, []string{"A01"}},
			{"kazakh upper", election.StationQuery{Search: "қарағанды МЕКТЕБІ"}, []string{"K01"}},
			{"ascii any case", election.StationQuery{Search: "sCHOOL"}, []string{"N01"}},
			{"code", election.StationQuery{Search: "u0"}, []string{"U01", "U02"}},
			{"city", election.StationQuery{Search: "francisco"}, []string{"U01"}},
			{"address", election.StationQuery{Search: "абая, a02"}, []string{"A02"}},
			{"underscore is literal", election.StationQuery{Search: "50_5"}, []string{"A02"}},
			{"percent is literal", election.StationQuery{Search: "%"}, nil},
			{"combined", election.StationQuery{Region: "KZ-75", Search: "лицей"}, []string{"A02"}},
			{"no match", election.StationQuery{Region: "KZ-10"}, nil},
			{"page", election.StationQuery{Limit: 2, Offset: 1}, []string{"A02", "K01"}},
			{"past the end", election.StationQuery{Offset: 50}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.q.ElectionID = e.ID
				page, err := db.Stations(ctx, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, s := range page.Stations {
					got = append(got, s.Code)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("codes = %v, want %v", got, tt.want)
				}
				total := len(tt.want)
				if tt.name == "page" || tt.name == "past the end" {
					total = len(stations)
				}
				if page.Total != total {
					t.Errorf("Total = %d, want %d", page.Total, total)
				}
				if page.Stations == nil {
					t.Error("Stations is nil, want an empty slice")
				}
			})
		}
	})
}

func TestStationsLimits(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		if _, err := db.ImportStations(ctx, e.ID, manyStations(1100)); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {10, 10}, {5000, 1000}} {
			page, err := db.Stations(ctx, election.StationQuery{ElectionID: e.ID, Limit: tt.limit, Offset: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Stations) != tt.want || page.Total != 1100 || page.Stations[0].Code != "S00003" {
				t.Errorf("Limit %d: %d stations from %s, total %d; want %d from S00003, total 1100",
					tt.limit, len(page.Stations), page.Stations[0].Code, page.Total, tt.want)
			}
		}
	})
}

func TestStationFacets(t *testing.T) {
	ctx := context.Background()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		e := mustElection(t, db, "E", "2024-03-01")
		stations := []election.Station{
			homeStation("A01", "a", "KZ-75", "Бостандыкский", "Алматы"),
			homeStation("A02", "b", "KZ-75", "Бостандыкский", "Алматы"),
			homeStation("A03", "c", "KZ-75", "Медеуский", "Алматы"),
			homeStation("N01", "d", "KZ-71", "", "Astana"),
			abroadStation("U01", "US", "San Francisco", "America/Los_Angeles"),
			abroadStation("U02", "US", "New York", "America/New_York"),
			abroadStation("T01", "TR", "Ankara", "Europe/Istanbul"),
		}
		stations[0].RegisteredVoters = 1500
		stations[6].RegisteredVoters = 7
		if _, err := db.ImportStations(ctx, e.ID, stations); err != nil {
			t.Fatal(err)
		}
		other := mustElection(t, db, "Other", "2024-03-01")
		if _, err := db.ImportStations(ctx, other.ID, manyStations(10)); err != nil {
			t.Fatal(err)
		}
		f, err := db.StationFacets(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := election.Facets{
			Regions: []election.Count{{Key: "KZ-71", Stations: 1, Registered: 1000}, {Key: "KZ-75", Stations: 3, Registered: 3500}},
			Districts: []election.Count{{Key: "KZ-75/Бостандыкский", Stations: 2, Registered: 2500},
				{Key: "KZ-75/Медеуский", Stations: 1, Registered: 1000}},
			Countries:      []election.Count{{Key: "TR", Stations: 1, Registered: 7}, {Key: "US", Stations: 2, Registered: 200}},
			Home:           4,
			Abroad:         3,
			RegisteredHome: 4500, RegisteredAbroad: 207,
		}
		if !reflect.DeepEqual(f, want) {
			t.Errorf("StationFacets() =\n%+v\nwant\n%+v", f, want)
		}
		empty, err := db.StationFacets(ctx, 12345)
		if err != nil || empty.Home != 0 || len(empty.Regions) != 0 {
			t.Errorf("facets of a missing election = %+v, %v", empty, err)
		}
	})
}
