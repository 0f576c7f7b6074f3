package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters (RFC 9106's second recommended option, with less
// memory so that a small server can hash a few passwords at once).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
	// MaxPasswordBytes bounds the work an attacker can ask for.
	MaxPasswordBytes = 1024
	// MinPasswordRunes is the shortest password accepted.
	MinPasswordRunes = 10
)

// hashSlots caps concurrent hashes: each takes 64 MiB.
var hashSlots = make(chan struct{}, 4)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	if n := len([]rune(password)); n < MinPasswordRunes {
		return "", fmt.Errorf("password has %d characters; at least %d are needed", n, MinPasswordRunes)
	}
	if len(password) > MaxPasswordBytes {
		return "", fmt.Errorf("password is longer than %d bytes", MaxPasswordBytes)
	}
	return hashPHC(password)
}

// hashPHC hashes a secret with argon2id into the PHC string format.
func hashPHC(secret string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := derive(secret, salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword.
func CheckPassword(hash, password string) (bool, error) {
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash is not argon2id")
	}
	var version int
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("password hash has an unknown argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false, fmt.Errorf("password hash parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("password hash key: %w", err)
	}
	got := derive(password, salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func derive(password string, salt []byte, iter, mem uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, iter, mem, threads, keyLen)
}

// dummyHash is checked against when the user does not exist.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not a real password at all")
	if err != nil {
		panic(err) // only crypto/rand can fail here
	}
	return h
})

// NewToken returns a new random API token and the hash to store.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	token = "bq_" + base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token), nil
}

// TokenHash is what the store keeps of a token.
func TokenHash(token string) []byte {
	h := TokenKey(token)
	return h[:]
}

// TokenKey is TokenHash as an array, which a map takes as a key without
// a copy (the API looks a token up on every call).
func TokenKey(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// HashPIN hashes an observer's PIN like a password. A PIN is short, so
// what protects it is the limit on failed attempts, kept in the database.
func HashPIN(pin string) (string, error) {
	if len(pin) < 4 || len(pin) > 12 {
		return "", fmt.Errorf("a PIN has 4 to 12 digits")
	}
	return hashPHC(pin)
}

// NewPIN returns a random PIN of six digits.
func NewPIN() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	n := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) % 1_000_000
	return fmt.Sprintf("%06d", n), nil
}

// NewSecret returns a random URL-safe string of n random bytes.
func NewSecret(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
