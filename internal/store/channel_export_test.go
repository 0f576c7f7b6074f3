package store

import (
	"context"
	"fmt"
	"strings"
)

// ExplainPhoneLookup returns SQLite's plan of the ObserversByPhone query,
// for the test that it uses its index.
func (db *DB) ExplainPhoneLookup(ctx context.Context) (string, error) {
	return db.explain(ctx, "SELECT id FROM observers WHERE "+phoneDigits+" IN ($1, $2)", "7", "8")
}

// ExplainCountReports returns SQLite's plan of the CountReports query.
func (db *DB) ExplainCountReports(ctx context.Context) (string, error) {
	return db.explain(ctx, reportSelect+countReportsWhere, 1)
}

func (db *DB) explain(ctx context.Context, query string, args ...any) (string, error) {
	rows, err := db.reader().query(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	return strings.Join(plan, "; "), nil
}
