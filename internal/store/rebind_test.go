package store

import "testing"

func TestRebind(t *testing.T) {
	tests := []struct {
		in, sqlite string
	}{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = $1 AND b = $2", "SELECT * FROM t WHERE a = ?1 AND b = ?2"},
		{"VALUES ($1,$2),($3,$12)", "VALUES (?1,?2),(?3,?12)"},
		{"SELECT $2, $1, $2", "SELECT ?2, ?1, ?2"},
		{"SELECT '$1' || $1", "SELECT '$1' || ?1"},
		{"SELECT 'it''s $1', $1", "SELECT 'it''s $1', ?1"},
		{`SELECT "col$1" FROM t WHERE x = $1`, `SELECT "col$1" FROM t WHERE x = ?1`},
		{"SELECT $ FROM t, $a", "SELECT $ FROM t, $a"},
		{"WHERE a = $1$", "WHERE a = ?1$"},
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
