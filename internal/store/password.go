package store

import (
	"context"
	"fmt"

	"github.com/baqylau/baqylau"
)

// SetPassword replaces a user's password hash (ENOTFOUND if no user).
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	res, err := db.writer().exec(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", hash, userID)
	if err != nil {
		return fmt.Errorf("store: set password of user %d: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: set password of user %d: %w", userID, err)
	} else if n == 0 {
		return fmt.Errorf("store: set password of user %d: %w", userID, baqylau.Errorf(baqylau.ENOTFOUND, "user %d not found", userID))
	}
	return nil
}
