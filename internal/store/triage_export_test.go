package store

import "context"

// ExecRaw runs a statement as is, for tests that try what the code never
// does (such as editing the audit trail).
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.writer().exec(ctx, query, args...)
	return err
}
