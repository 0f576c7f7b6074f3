package store

import (
	"context"
	"database/sql"
	"fmt"
)

// IncidentStates counts the incidents in each state, for metrics.
func (db *DB) IncidentStates(ctx context.Context) (map[string]int, error) {
	rows, err := db.reader().query(ctx, "SELECT status, COUNT(*) FROM incidents GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("store: incident states: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("store: incident states: %w", err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: incident states: %w", err)
	}
	return out, nil
}

// WriteStats returns the statistics of the writer's connection pool.
func (db *DB) WriteStats() sql.DBStats { return db.write.Stats() }

// ReadStats returns the statistics of the readers' connection pool (on
// PostgreSQL the same pool as the writer's).
func (db *DB) ReadStats() sql.DBStats { return db.read.Stats() }
