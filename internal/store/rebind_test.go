package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		in, sqlite string
	}{
		{"SELECT 1", "SELECT 1"},
		// In order, each one past the highest: bare ?, numbered alike by SQLite.
		{"SELECT * FROM t WHERE a = $1 AND b = $2", "SELECT * FROM t WHERE a = ? AND b = ?"},
		{"VALUES ($1,$2),($3,$4),($5,$6,$7,$8,$9,$10,$11)", "VALUES (?,?),(?,?),(?,?,?,?,?,?,?)"},
		// Out of order or repeated: numbered.
		{"VALUES ($1,$2),($3,$12)", "VALUES (?,?),(?,?12)"},
		{"SELECT $2, $1, $2", "SELECT ?2, ?1, ?2"},
		{"SELECT $1, $1, $2", "SELECT ?, ?1, ?"},
		{"SELECT $1, $3, $2, $4", "SELECT ?, ?3, ?2, ?"},
		{"SELECT '$1' || $1", "SELECT '$1' || ?"},
		{"SELECT 'it''s $1', $1, '$2'", "SELECT 'it''s $1', ?, '$2'"},
		{`SELECT "col$1" FROM t WHERE x = $1`, `SELECT "col$1" FROM t WHERE x = ?`},
		{"SELECT $ FROM t, $a", "SELECT $ FROM t, $a"},
		{"WHERE a = $1$", "WHERE a = ?$"},
	}
	for _, tt := range tests {
		if got := rebind(SQLite, tt.in); got != tt.sqlite {
			t.Errorf("rebind(sqlite, %q) = %q, want %q", tt.in, got, tt.sqlite)
		}
		if got := rebind(Postgres, tt.in); got != tt.in {
			t.Errorf("rebind(postgres, %q) = %q, want it unchanged", tt.in, got)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	n := map[string]int{}
	for _, d := range []string{SQLite, Postgres} {
		ms, err := loadMigrations(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if len(ms) == 0 || ms[0].version != 1 {
			t.Fatalf("%s: migrations %v do not start at 1", d, ms)
		}
		n[d] = len(ms)
	}
	if n[SQLite] != n[Postgres] {
		t.Errorf("sqlite has %d migrations, postgres %d: every change needs both", n[SQLite], n[Postgres])
	}
}

// TestRebindBindsByNumber checks on SQLite itself that the rewritten
// placeholders, bare and numbered mixed, bind as $N does on PostgreSQL.
func TestRebindBindsByNumber(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "rebind.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		query string
		want  []string
	}{
		{"SELECT $1, $2, $3, $4", []string{"a", "b", "c", "d"}},
		{"SELECT $1, $3, $2, $4, $1", []string{"a", "c", "b", "d", "a"}},
		{"SELECT $2, $1, $2, $4, $3", []string{"b", "a", "b", "d", "c"}},
		{"SELECT $1, $1, $2, '$3', $3, $4", []string{"a", "a", "b", "$3", "c", "d"}},
	}
	for _, tt := range tests {
		got := make([]string, len(tt.want))
		dest := make([]any, len(got))
		for i := range got {
			dest[i] = &got[i]
		}
		if err := db.reader().queryRow(ctx, tt.query, "a", "b", "c", "d").Scan(dest...); err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s (as %s) = %v, want %v", tt.query, rebind(SQLite, tt.query), got, tt.want)
		}
	}
}
