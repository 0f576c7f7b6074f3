package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/auth"
)

var _ auth.Store = (*DB)(nil)

// CreateUser stores u, setting its ID (and CreatedAt, when zero); ECONFLICT
// if the e-mail is taken. The e-mail is stored normalised.
func (db *DB) CreateUser(ctx context.Context, u *auth.User) error {
	email := auth.NormalizeEmail(u.Email)
	created := u.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	created = normTime(created)
	var id int64
	// ON CONFLICT DO NOTHING returns no row for a taken e-mail: portable,
	// and no need to read driver-specific error codes.
	err := db.writer().queryRow(ctx, `INSERT INTO users (email, role, region, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id`,
		email, string(u.Role), u.Region, u.PasswordHash, db.timeArg(created)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ECONFLICT, "a user with e-mail %s already exists", email)
	}
	if err != nil {
		return fmt.Errorf("store: create user %q: %w", email, err)
	}
	u.ID, u.Email, u.CreatedAt = id, email, created
	return nil
}

const userSelect = "SELECT users.id, users.email, users.role, users.region, users.password_hash, users.created_at FROM users"

func (db *DB) findUser(ctx context.Context, what, where string, arg any) (auth.User, error) {
	var u auth.User
	var role string
	err := db.reader().queryRow(ctx, userSelect+" "+where, arg).
		Scan(&u.ID, &u.Email, &role, &u.Region, &u.PasswordHash, timeScan{&u.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "user not found")
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("store: find user by %s: %w", what, err)
	}
	u.Role = auth.Role(role)
	return u, nil
}

// User returns a user by ID (ENOTFOUND if none).
func (db *DB) User(ctx context.Context, id int64) (auth.User, error) {
	return db.findUser(ctx, fmt.Sprintf("id %d", id), "WHERE id = $1", id)
}

// UserByEmail returns a user by e-mail, normalised first (ENOTFOUND if none).
func (db *DB) UserByEmail(ctx context.Context, email string) (auth.User, error) {
	email = auth.NormalizeEmail(email)
	return db.findUser(ctx, fmt.Sprintf("e-mail %q", email), "WHERE email = $1", email)
}

// CreateToken stores the SHA-256 hash of a new API token of a user;
// ENOTFOUND if the user does not exist.
func (db *DB) CreateToken(ctx context.Context, userID int64, tokenHash []byte) error {
	err := db.inTx(ctx, func(c conn) error {
		var id int64
		err := c.queryRow(ctx, "SELECT id FROM users WHERE id = $1", userID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return baqylau.Errorf(baqylau.ENOTFOUND, "user %d not found", userID)
		}
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)",
			tokenHash, userID, db.timeArg(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create token of user %d: %w", userID, err)
	}
	return nil
}

// UserByToken returns the owner of a token by its hash (ENOTFOUND if none).
func (db *DB) UserByToken(ctx context.Context, tokenHash []byte) (auth.User, error) {
	return db.findUser(ctx, "token", "JOIN api_tokens ON api_tokens.user_id = users.id WHERE api_tokens.token_hash = $1", tokenHash)
}
