// Package auth holds users, their roles and credentials: password hashing
// with argon2id and API bearer tokens.
package auth

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/election"
)

// Role is what a user may do. Regional roles are scoped to one region.
type Role string

// The roles of DESIGN.md.
const (
	Admin               Role = "admin"
	Coordinator         Role = "coordinator"          // national HQ
	RegionalCoordinator Role = "regional_coordinator" // regional HQ
	Lawyer              Role = "lawyer"               // regional HQ
	Trainer             Role = "trainer"              // regional HQ
	MissionHead         Role = "mission_head"
	DelegationHead      Role = "delegation_head"
	Observer            Role = "observer"
	Journalist          Role = "journalist"
)

// Roles lists every role.
var Roles = []Role{Admin, Coordinator, RegionalCoordinator, Lawyer, Trainer, MissionHead, DelegationHead, Observer, Journalist}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Regional reports whether the role is scoped to one region.
func (r Role) Regional() bool { return r == RegionalCoordinator || r == Lawyer || r == Trainer }

// User is someone who signs in.
type User struct {
	ID    int64
	Email string
	Role  Role
	// Region scopes regional roles: a region code, or "abroad" for the HQ
	// of stations outside Kazakhstan.
	Region       string
	PasswordHash string
	CreatedAt    time.Time
	// ObserverID is set for an observer signed in with a personal link or
	// a badge and PIN: such a user has no row of its own.
	ObserverID int64
}

// RegionAbroad is the pseudo-region of the HQ for stations abroad.
const RegionAbroad = "abroad"

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	u.Email = NormalizeEmail(u.Email)
	if _, err := mail.ParseAddress(u.Email); err != nil || !strings.Contains(u.Email, "@") || strings.ContainsAny(u.Email, " <>") {
		return baqylau.Errorf(baqylau.EINVALID, "e-mail %q is not an address like name@example.org", u.Email)
	}
	if !u.Role.Valid() {
		return baqylau.Errorf(baqylau.EINVALID, "role %q is not one of %s", u.Role, roleList())
	}
	if u.Role.Regional() {
		if u.Region == "" {
			return baqylau.Errorf(baqylau.EINVALID, "role %s needs a region (a code such as KZ-75, or %q)", u.Role, RegionAbroad)
		}
		if u.Region != RegionAbroad {
			r, ok := election.LookupRegion(u.Region)
			if !ok {
				return baqylau.Errorf(baqylau.EINVALID, "region %q is not a region of Kazakhstan", u.Region)
			}
			u.Region = r.Code
		}
	} else if u.Region != "" {
		return baqylau.Errorf(baqylau.EINVALID, "role %s is not scoped to a region", u.Role)
	}
	if u.PasswordHash == "" {
		return baqylau.Errorf(baqylau.EINVALID, "user has no password")
	}
	return nil
}

// NormalizeEmail lowercases and trims an e-mail address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func roleList() string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Store keeps users and API tokens.
type Store interface {
	// CreateUser stores u, setting its ID; ECONFLICT if the e-mail is taken.
	CreateUser(ctx context.Context, u *User) error
	// User returns a user by ID (ENOTFOUND if none).
	User(ctx context.Context, id int64) (User, error)
	// UserByEmail returns a user by normalised e-mail (ENOTFOUND if none).
	UserByEmail(ctx context.Context, email string) (User, error)
	// SetPassword replaces a user's password hash (ENOTFOUND if no user).
	SetPassword(ctx context.Context, userID int64, hash string) error
	// CreateToken stores the SHA-256 hash of a new API token of a user.
	CreateToken(ctx context.Context, userID int64, tokenHash []byte) error
	// UserByToken returns the owner of a token by its hash (ENOTFOUND if none).
	UserByToken(ctx context.Context, tokenHash []byte) (User, error)
}

// ErrBadCredentials is returned for a wrong e-mail or password alike, so
// that a caller cannot learn which one was wrong.
var ErrBadCredentials = baqylau.Errorf(baqylau.EUNAUTHORIZED, "wrong e-mail or password")

// Authenticate checks an e-mail and password against the store.
func Authenticate(ctx context.Context, s Store, email, password string) (User, error) {
	u, err := s.UserByEmail(ctx, NormalizeEmail(email))
	if baqylau.ErrorCode(err) == baqylau.ENOTFOUND {
		_, _ = CheckPassword(dummyHash(), password) // same work, same timing
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: find user: %w", err)
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil {
		return User{}, fmt.Errorf("auth: check password of user %d: %w", u.ID, err)
	}
	if !ok {
		return User{}, ErrBadCredentials
	}
	return u, nil
}
