package store

import (
	"database/sql"
	"time"
)

// BenchWriter exposes the writer pool to the store_test benchmarks that
// bulk-load tables directly.
func BenchWriter(db *DB) *sql.DB { return db.write }

// BenchTime is a time as the dialect stores it.
func BenchTime(db *DB, t time.Time) any { return db.timeArg(t) }

// SetReceiptBatch makes the log index receipts every n entries.
func SetReceiptBatch(db *DB, n int64) { db.receiptsEvery.Store(n) }
