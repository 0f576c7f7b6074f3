package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/baqylau/baqylau"
)

// SetObserverPhoto stores (or replaces) an observer's badge photo; the
// caller has sanitised it. ENOTFOUND if there is no such observer.
func (db *DB) SetObserverPhoto(ctx context.Context, observerID int64, contentType string, data []byte) error {
	err := db.inTx(ctx, func(c conn) error {
		var id int64
		err := c.queryRow(ctx, "SELECT id FROM observers WHERE id = $1", observerID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "observer %d not found", observerID)
		}
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, `INSERT INTO observer_photos (observer_id, content_type, data, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (observer_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, updated_at = excluded.updated_at`,
			observerID, contentType, data, db.timeArg(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set photo of observer %d: %w", observerID, err)
	}
	return nil
}

// ObserverPhoto returns an observer's badge photo (ENOTFOUND if none).
func (db *DB) ObserverPhoto(ctx context.Context, observerID int64) (contentType string, data []byte, err error) {
	err = db.reader().queryRow(ctx, "SELECT content_type, data FROM observer_photos WHERE observer_id = $1", observerID).Scan(&contentType, &data)
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "observer %d has no photo", observerID)
	}
	if err != nil {
		return "", nil, fmt.Errorf("store: photo of observer %d: %w", observerID, err)
	}
	return contentType, data, nil
}
