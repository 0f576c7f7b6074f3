package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/baqylau/baqylau/internal/report"
)

var _ report.FormStore = (*DB)(nil)

// SaveForm stores an adjusted form definition as the next version of its
// code, setting f.Version. Earlier versions are kept: reports name the
// version they were filled in.
func (db *DB) SaveForm(ctx context.Context, f *report.Form, by int64) error {
	err := db.inTx(ctx, func(c conn) error {
		var last int
		if err := c.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM forms WHERE code = $1", string(f.Code)).Scan(&last); err != nil {
			return err
		}
		// The built-in default is version 1 of every form: an adjusted
		// one comes after it.
		f.Version = max(last, 1) + 1
		def, err := json.Marshal(f)
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "INSERT INTO forms (code, version, definition, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
			string(f.Code), f.Version, string(def), nullID(by), db.timeArg(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save form %s: %w", f.Code, err)
	}
	return nil
}

// Forms returns the latest stored version of each adjusted form.
func (db *DB) Forms(ctx context.Context) ([]report.Form, error) {
	rows, err := db.reader().query(ctx, `SELECT f.definition FROM forms f
		WHERE f.version = (SELECT MAX(version) FROM forms g WHERE g.code = f.code) ORDER BY f.code`)
	if err != nil {
		return nil, fmt.Errorf("store: forms: %w", err)
	}
	defer rows.Close()
	var out []report.Form
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			return nil, fmt.Errorf("store: forms: %w", err)
		}
		var f report.Form
		if err := json.Unmarshal([]byte(def), &f); err != nil {
			return nil, fmt.Errorf("store: forms: stored definition: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: forms: %w", err)
	}
	return out, nil
}
